//! The typed parts of a webhook event: which array it goes in, its event key,
//! and the objects under that key. Field order is Meta's (serialized as declared).

use serde::Serialize;
use serde_json::Value;

use crate::ids;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EventKind {
    Messaging {
        igsid: String,
        /// Echoes and templates are sent by the business: sender and recipient swap.
        from_business: bool,
        /// Delivered under `standby[]` (another app owns the thread).
        standby: bool,
        body: Body,
    },
    Change {
        field: String,
        value: CommentValue,
    },
}

/// The one event key of a messaging item and its object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    Message(Message),
    Postback(Postback),
    Referral(Value),
    Reaction(Reaction),
    Read(Read),
    Other(String, Value),
}

impl Body {
    pub(crate) fn key(&self) -> &str {
        match self {
            Body::Message(_) => "message",
            Body::Postback(_) => "postback",
            Body::Referral(_) => "referral",
            Body::Reaction(_) => "reaction",
            Body::Read(_) => "read",
            Body::Other(key, _) => key,
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Message {
    pub mid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Value>,
    #[serde(skip_serializing_if = "is_false")]
    pub is_echo: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub is_deleted: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub is_unsupported: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quick_reply: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral: Option<Value>,
}

impl Message {
    pub(crate) fn new(text: Option<String>) -> Self {
        Message {
            mid: ids::new_mid(),
            text,
            attachments: Vec::new(),
            is_echo: false,
            is_deleted: false,
            is_unsupported: false,
            reply_to: None,
            quick_reply: None,
            referral: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Postback {
    pub mid: String,
    pub title: String,
    pub payload: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Reaction {
    pub mid: String,
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reaction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Read {
    pub mid: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct CommentValue {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    pub text: String,
    pub from: Value,
    pub media: Value,
}
