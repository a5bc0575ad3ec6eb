//! Intake: the only thing between Meta's POST and its `200` is verifying the
//! signature, checking the shape and writing the raw delivery with its job.

pub mod writer;
