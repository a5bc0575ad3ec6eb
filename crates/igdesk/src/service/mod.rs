//! What agents and administrators do, once, for both faces: the JSON API (`http/`)
//! and the console's pages (`web/`). A face reads the request, checks who is asking,
//! calls one function here and shapes the answer; the rules, the store calls and the
//! calls to Instagram are here. Each function takes the acting agent, whose scope
//! limits what it can see, and answers typed ids or rows.
//!
//! Refusals are `ServiceError`s: a kind, a stable code, words for people and the field
//! at fault. The JSON API answers them as `{code, message, field}` with a status per
//! kind; the pages show the message beside the field.

pub mod access;
pub mod agent_tokens;
pub mod agents;
pub mod answering;
pub mod api_settings;
pub mod automatic;
pub mod connect;
pub mod dashboard;
pub mod entry_points;
pub mod error;
pub mod inboxes;
pub mod labels;
pub mod moderation;
pub mod notes;
pub mod passwords;
pub mod people;
pub mod product_tokens;
pub mod routing;
pub mod saved_answers;
pub mod search;
pub mod seen;
pub mod sessions;
pub mod sign_in;
pub mod starters;
pub mod stories;
pub mod topics;
pub mod transfer;

pub use error::{Kind, ServiceError};
