//! The Business Messaging API (SPEC §5) speaks CM.com's JSON so CM.com's own client
//! libraries work against igdesk by changing their base URL. This module is the pure
//! half of it: reading CM.com's request envelope, turning its rich content into
//! Instagram Send API `message` objects, and building the JSON igdesk answers and POSTs
//! back (response, inbound messages, events, status reports). The handler does the I/O.

mod card;
pub mod codes;
mod content;
pub mod envelope;
mod fields;
mod json;
mod media;
pub mod response;
pub mod rich;
pub mod validity;
pub mod webhooks;

pub use envelope::{
    parse_envelope, Envelope, Media, Msg, MsgRejection, RequestError, RichContent, RichItem,
    Suggestion,
};
pub use response::{CmMessageResult, CmResponse};
pub use rich::{instagram_messages, InstagramMessage};
pub use validity::valid_until;
pub use webhooks::{
    event, inbound_message, status_report, InboundMessage, ReportPart, ReportStatus, StatusReport,
};

/// Why a readable message cannot go to Instagram. `code` is CM.com's per-message error
/// code (304 for the body, 305 for a field); `text` names the field so the caller can
/// fix it without guessing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct MsgRefusal {
    pub code: u16,
    pub text: String,
}

impl MsgRefusal {
    /// The body as a whole is unusable (empty, nothing Instagram can show).
    pub fn body(text: impl Into<String>) -> Self {
        MsgRefusal {
            code: codes::BODY,
            text: text.into(),
        }
    }

    /// One field is wrong: `path` is where it sits in CM.com's JSON.
    pub fn field(path: &str, why: impl std::fmt::Display) -> Self {
        MsgRefusal {
            code: codes::FIELD,
            text: format!("{path}: {why}"),
        }
    }
}

#[cfg(test)]
mod tests;
