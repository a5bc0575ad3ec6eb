//! The `message` object of a send, checked against Meta's limits
//! (meta-instagram-api.md §4): text ≤ 1000 UTF-8 bytes; one attachment (image,
//! video, audio, file, a template (see [`super::template`]), like_heart,
//! MEDIA_SHARE); ≤ 13 quick replies. Each refusal is code 100 and names the
//! parameter in Meta's bracket notation.

use serde_json::{json, Map, Value};

use super::super::GraphError;
use crate::ids;

const TEXT_MAX_BYTES: usize = 1000;
const QUICK_REPLIES_MAX: usize = 13;
/// Meta shows quick-reply titles cut to 20 characters.
const QUICK_REPLY_TITLE_CHARS: usize = 20;

/// A message that passed the shape checks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outgoing {
    /// What [`crate::SentMessage::kind`] records.
    pub kind: String,
    pub text: Option<String>,
    pub attachment: Option<Attachment>,
    pub quick_replies: Vec<(String, String)>,
    pub template: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Attachment {
    /// Lowercase: image, video, audio, file, template, like_heart, media_share.
    pub kind: String,
    /// The medium to fetch, for image/video/audio/file.
    pub url: Option<String>,
    pub payload: Value,
}

impl Outgoing {
    /// Audio and video sends have their own, lower rate (10/s).
    pub fn is_slow_lane(&self) -> bool {
        matches!(self.kind.as_str(), "audio" | "video")
    }

    /// The attachments of the echo. Meta re-hosts media, so echoes name a CDN
    /// URL of its own (`media_url`, else a placeholder) rather than the URL the
    /// business sent.
    pub fn echo_attachments(&self, media_url: Option<String>) -> Vec<Value> {
        let Some(attachment) = &self.attachment else {
            return Vec::new();
        };
        let payload = match attachment.kind.as_str() {
            "like_heart" => return vec![json!({"type": "like_heart"})],
            "template" | "media_share" => attachment.payload.clone(),
            _ => json!({"url": media_url.unwrap_or_else(ids::cdn_url)}),
        };
        vec![json!({"type": attachment.kind, "payload": payload})]
    }
}

pub(super) fn param(detail: impl std::fmt::Display) -> GraphError {
    GraphError::param(detail)
}

/// A non-empty string field, or `None` when absent; other types are refused.
pub(super) fn string(
    object: &Map<String, Value>,
    key: &str,
    name: &str,
) -> Result<Option<String>, GraphError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(param(format!("Param {name} must be a non-empty string"))),
    }
}

pub(super) fn required(
    object: &Map<String, Value>,
    key: &str,
    name: &str,
) -> Result<String, GraphError> {
    string(object, key, name)?.ok_or_else(|| param(format!("Param {name} is required")))
}

pub(super) fn array<'a>(value: &'a Value, name: &str) -> Result<&'a Vec<Value>, GraphError> {
    value
        .as_array()
        .ok_or_else(|| param(format!("Param {name} must be an array")))
}

pub(super) fn object<'a>(
    value: &'a Value,
    name: &str,
) -> Result<&'a Map<String, Value>, GraphError> {
    value
        .as_object()
        .ok_or_else(|| param(format!("Param {name} must be an object")))
}

pub(super) fn at_most_chars(text: &str, max: usize, name: &str) -> Result<(), GraphError> {
    let chars = text.chars().count();
    if chars > max {
        return Err(param(format!(
            "Param {name} must be at most {max} characters (got {chars})"
        )));
    }
    Ok(())
}

pub(crate) fn parse(message: &Map<String, Value>) -> Result<Outgoing, GraphError> {
    let text = string(message, "text", "message[text]")?;
    if let Some(text) = &text {
        let bytes = text.len();
        if bytes > TEXT_MAX_BYTES {
            return Err(param(format!(
                "Param message[text] must be at most {TEXT_MAX_BYTES} bytes of UTF-8 (got {bytes})"
            )));
        }
    }
    let attachment = match message.get("attachment") {
        None | Some(Value::Null) => None,
        Some(value) => Some(attachment(value)?),
    };
    match (&text, &attachment) {
        (None, None) => {
            return Err(param(
                "Param message must have text or an attachment (message cannot be empty)",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(param(
                "Param message may have text or an attachment, not both",
            ))
        }
        _ => {}
    }
    let quick_replies = match message.get("quick_replies") {
        None | Some(Value::Null) => Vec::new(),
        Some(value) => quick_replies(value)?,
    };
    let kind = match (&attachment, quick_replies.is_empty()) {
        (Some(attachment), _) => attachment.kind.clone(),
        (None, false) => "quick_replies".to_owned(),
        (None, true) => "text".to_owned(),
    };
    let template = attachment
        .as_ref()
        .filter(|a| a.kind == "template")
        .map(|a| a.payload.clone());
    Ok(Outgoing {
        kind,
        text,
        attachment,
        quick_replies,
        template,
    })
}

fn attachment(value: &Value) -> Result<Attachment, GraphError> {
    let attachment = object(value, "message[attachment]")?;
    let kind = required(attachment, "type", "message[attachment][type]")?.to_ascii_lowercase();
    let payload = attachment.get("payload").cloned().unwrap_or(Value::Null);
    let payload_name = "message[attachment][payload]";
    let url = match kind.as_str() {
        "image" | "video" | "audio" | "file" => {
            let fields = object(&payload, payload_name)?;
            if fields.contains_key("attachment_id") && !fields.contains_key("url") {
                return Err(GraphError::invalid_attachment(
                    2018047,
                    "attachment_id uploads are not simulated; send payload.url",
                ));
            }
            let url = required(fields, "url", "message[attachment][payload][url]")?;
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(param(
                    "Param message[attachment][payload][url] must be an http(s) URL",
                ));
            }
            Some(url)
        }
        "template" => {
            super::template::check(object(&payload, payload_name)?)?;
            None
        }
        "media_share" => {
            required(
                object(&payload, payload_name)?,
                "id",
                "message[attachment][payload][id]",
            )?;
            None
        }
        "like_heart" => None,
        other => {
            return Err(param(format!(
                "Param message[attachment][type] must be image, video, audio, file, template, \
                 like_heart or MEDIA_SHARE, not {other}"
            )))
        }
    };
    Ok(Attachment { kind, url, payload })
}

fn quick_replies(value: &Value) -> Result<Vec<(String, String)>, GraphError> {
    let name = "message[quick_replies]";
    let replies = array(value, name)?;
    if replies.len() > QUICK_REPLIES_MAX {
        return Err(param(format!(
            "Param {name} must have at most {QUICK_REPLIES_MAX} quick replies (got {})",
            replies.len()
        )));
    }
    let mut out = Vec::with_capacity(replies.len());
    for (i, reply) in replies.iter().enumerate() {
        let name = format!("{name}[{i}]");
        let reply = object(reply, &name)?;
        let content_type = required(reply, "content_type", &format!("{name}[content_type]"))?;
        match content_type.as_str() {
            "text" => {
                let title = required(reply, "title", &format!("{name}[title]"))?;
                let payload = required(reply, "payload", &format!("{name}[payload]"))?;
                let title = title.chars().take(QUICK_REPLY_TITLE_CHARS).collect();
                out.push((title, payload));
            }
            "user_phone_number" | "user_email" => out.push((content_type, String::new())),
            other => {
                return Err(param(format!(
                    "Param {name}[content_type] must be text, user_phone_number or user_email, \
                     not {other}"
                )))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(message: Value) -> Result<Outgoing, String> {
        parse(message.as_object().unwrap()).map_err(|e| e.message)
    }

    #[test]
    fn text_is_limited_in_bytes() {
        assert_eq!(
            parsed(json!({"text": "a".repeat(1000)})).unwrap().kind,
            "text"
        );
        // 334 three-byte characters: 1002 bytes though only 334 characters.
        let error = parsed(json!({"text": "€".repeat(334)})).unwrap_err();
        assert!(
            error.contains("at most 1000 bytes") && error.contains("1002"),
            "{error}"
        );
        assert!(parsed(json!({})).is_err());
        assert!(parsed(json!({"text": ""})).is_err());
    }

    #[test]
    fn quick_replies_are_counted_and_titles_cut() {
        let reply = |i: usize| json!({"content_type": "text", "title": format!("Option number {i} is long"), "payload": format!("P{i}")});
        let thirteen: Vec<Value> = (0..13).map(reply).collect();
        let ok = parsed(json!({"text": "Pick", "quick_replies": thirteen})).unwrap();
        assert_eq!(ok.kind, "quick_replies");
        assert_eq!(
            ok.quick_replies[0],
            ("Option number 0 is l".to_owned(), "P0".to_owned())
        );
        let fourteen: Vec<Value> = (0..14).map(reply).collect();
        let error = parsed(json!({"text": "Pick", "quick_replies": fourteen})).unwrap_err();
        assert!(
            error.contains("message[quick_replies]") && error.contains("13"),
            "{error}"
        );
        let error =
            parsed(json!({"text": "x", "quick_replies": [{"content_type": "text", "title": "A"}]}))
                .unwrap_err();
        assert!(error.contains("[0][payload]"), "{error}");
    }

    #[test]
    fn attachments_need_a_url_and_a_known_type() {
        let image =
            parsed(json!({"attachment": {"type": "image", "payload": {"url": "http://x/a.png"}}}));
        assert_eq!(
            image.unwrap().attachment.unwrap().url.as_deref(),
            Some("http://x/a.png")
        );
        assert!(parsed(json!({"attachment": {"type": "image", "payload": {}}})).is_err());
        assert!(parsed(json!({"attachment": {"type": "sticker"}})).is_err());
        assert_eq!(
            parsed(json!({"attachment": {"type": "like_heart"}}))
                .unwrap()
                .kind,
            "like_heart"
        );
        let both = json!({"text": "x", "attachment": {"type": "like_heart"}});
        assert!(parsed(both).unwrap_err().contains("not both"));
    }
}
