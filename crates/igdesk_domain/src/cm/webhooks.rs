//! What igdesk POSTs to the API user (SPEC API-4, API-5), in CM.com's formats so code
//! written for CM.com's webhooks reads it unchanged: inbound (MO) messages, events and
//! JSON status reports. Pure builders; signing and delivery are the caller's.

use crate::time::Millis;
use serde_json::{json, Value};
use time::OffsetDateTime;

/// A customer's message on an API-enabled account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// Meta's message id (mid).
    pub reference: String,
    pub account_ig_id: String,
    pub igsid: String,
    pub name: Option<String>,
    pub username: Option<String>,
    pub text: Option<String>,
    pub media_url: Option<String>,
    pub media_type: Option<String>,
    /// A quick-reply tap or postback: (label, payload).
    pub postback: Option<(String, String)>,
    /// The mid of the message it answers.
    pub reply_to_mid: Option<String>,
    pub at: Millis,
}

pub fn inbound_message(m: &InboundMessage) -> Value {
    let mut message = json!({ "text": m.text.as_deref().unwrap_or("") });
    if let Some(url) = &m.media_url {
        message["media"] = json!({
            "mediaUri": url,
            "contentType": m.media_type.as_deref().unwrap_or(""),
            "title": "",
        });
    }
    let mut custom = json!({ "username": m.username.as_deref().unwrap_or("") });
    if let Some((label, payload)) = &m.postback {
        // CM.com reports a tapped quick reply as the suggestion that was tapped.
        custom["suggestions"] =
            json!([{"action": "Reply", "label": label, "postbackdata": payload}]);
    }
    message["custom"] = custom;
    json!({
        "reference": m.reference,
        "messageContext": m.reply_to_mid.as_deref().unwrap_or(""),
        "from": { "number": m.igsid, "name": m.name.as_deref().unwrap_or("") },
        "to": { "number": m.account_ig_id },
        "message": message,
        "groupings": ["", "", ""],
        "time": utc(m.at, ' '),
        "timeUtc": utc(m.at, 'T'),
        "channel": "Instagram",
    })
}

/// An event: `kind` is `MessageDelete`, `StoryMention`, `HandoverToHuman` or
/// `HandoverToApi`; `id` is the event's own id and `reference` what it is about (for
/// a deletion, the deleted message's mid). `custom` is left out when `None`.
pub fn event(
    kind: &str,
    id: &str,
    reference: &str,
    account_ig_id: &str,
    igsid: &str,
    custom: Option<Value>,
    at: Millis,
) -> Value {
    let mut event = json!({ "type": kind, "reference": reference });
    if let Some(custom) = custom {
        event["custom"] = custom;
    }
    json!({
        "reference": id,
        "from": { "number": igsid },
        "to": { "number": account_ig_id },
        "event": event,
        "timeUtc": utc(at, 'T'),
        "channel": "Instagram",
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStatus {
    /// One part of a message that became several Instagram messages reached
    /// Instagram, and others have not yet: CM.com's code 0, "accepted", so that a
    /// reader of the code alone sees the message in progress, not delivered.
    PartDelivered,
    /// Meta accepted it ("delivered to the Instagram platform", as CM.com puts it):
    /// every part of it.
    Delivered,
    Read,
    Failed,
}

impl ReportStatus {
    /// CM.com's status code, as the string CM.com sends.
    pub fn code(self) -> &'static str {
        match self {
            ReportStatus::PartDelivered => "0",
            ReportStatus::Delivered => "2",
            ReportStatus::Failed => "3",
            ReportStatus::Read => "4",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// The caller's `reference` from the send.
    pub reference: Option<String>,
    pub igsid: String,
    pub status: ReportStatus,
    /// For a failure: Meta's error code, as given.
    pub error_code: Option<String>,
    /// For a failure: the error in words.
    pub error: Option<String>,
    pub at: Millis,
    /// The Instagram messages the CM.com message became, in order (igdesk's
    /// extension: `messageParts` and `parts`; CM.com's own reports have neither).
    pub parts: Vec<ReportPart>,
    /// The part (1-based) whose change this report tells: the part that reached
    /// Instagram or failed.
    pub part: Option<usize>,
}

/// Where one Instagram message of a CM.com message stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPart {
    /// `pending`, `delivered`, `read` or `failed`.
    pub status: &'static str,
    /// Meta's message id, once Instagram has the part.
    pub mid: Option<String>,
}

pub fn status_report(s: &StatusReport) -> Value {
    let mut msg = json!({
        "received": utc(s.at, 'T'),
        "to": s.igsid,
        "reference": s.reference.as_deref().unwrap_or(""),
        "status": {
            "code": s.status.code(),
            "errorCode": s.error_code.as_deref().unwrap_or(""),
            "errorDescription": s.error.as_deref().unwrap_or(""),
        },
        "channel": "Instagram",
    });
    // Added fields only: code written for CM.com's reports reads the rest unchanged.
    if !s.parts.is_empty() {
        msg["messageParts"] = json!(s.parts.len());
        let parts: Vec<Value> = s
            .parts
            .iter()
            .zip(1..)
            .map(|(p, number)| json!({ "part": number, "status": p.status, "mid": p.mid }))
            .collect();
        msg["parts"] = json!(parts);
    }
    if let Some(part) = s.part {
        msg["part"] = json!(part);
    }
    json!({ "messages": { "msg": msg } })
}

/// `YYYY-MM-DD HH:MM:SS` (or with `T`) in UTC, to the second, as CM.com writes times.
fn utc(at: Millis, separator: char) -> String {
    let seconds = at.div_euclid(1_000);
    let t = OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}{separator}{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
