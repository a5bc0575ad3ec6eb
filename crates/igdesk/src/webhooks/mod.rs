//! Meta's face: the webhooks Instagram delivers to.

pub mod instagram;
