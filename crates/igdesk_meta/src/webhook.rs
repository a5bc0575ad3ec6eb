//! Webhook payloads (meta-instagram-api.md §1–§3). Parsing is two-step on purpose:
//! the envelope is checked at intake (is this Meta's shape at all?), and each item
//! inside it is decoded on its own later, so one malformed event never loses the
//! others of its batch.

use igdesk_domain::time::normalize_timestamp;
use igdesk_domain::timeline::{Attachment, Referral, ReplyTo};
use igdesk_domain::Millis;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("the body is not a Meta webhook: {0}")]
    NotMetaShape(String),
}

/// Where an item sat in its entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemPlace {
    /// `entry[].messaging[]`
    Messaging,
    /// `entry[].standby[]`: the thread is owned by another app; same shapes.
    Standby,
    /// `entry[].changes[]`: comments, mentions.
    Changes,
}

#[derive(Debug, Clone)]
pub struct EntryItem {
    pub place: ItemPlace,
    pub raw: Value,
}

#[derive(Debug, Clone)]
pub struct Entry {
    /// The professional account the entry is for (`IG_ID`); routing goes by this.
    pub id: String,
    pub time: Option<Millis>,
    pub items: Vec<EntryItem>,
}

#[derive(Debug, Clone)]
pub struct Envelope {
    pub object: String,
    pub entries: Vec<Entry>,
}

#[derive(Deserialize)]
struct ShapeCheck {
    #[allow(dead_code)]
    object: String,
    #[allow(dead_code)]
    entry: Vec<IgnoredAny>,
}

/// The cheap check done before acknowledging: JSON, with `object` and an `entry` array.
pub fn check_envelope(body: &[u8]) -> Result<(), EnvelopeError> {
    serde_json::from_slice::<ShapeCheck>(body)
        .map(|_| ())
        .map_err(|e| {
            if e.is_syntax() || e.is_eof() {
                EnvelopeError::NotJson(e.to_string())
            } else {
                EnvelopeError::NotMetaShape(e.to_string())
            }
        })
}

/// The customer a delivery concerns, as `(account, customer)` Instagram ids, when
/// every event in it concerns the same one; `None` when its events concern several
/// customers or one cannot be told from the raw JSON (a mention without an author,
/// the business's own comment, a shape not known). Read at intake to partition
/// processing by customer: `None` is always safe (applied alone, in order), a
/// customer only lets the delivery go beside other customers' deliveries.
pub fn delivery_customer(body: &[u8]) -> Option<(String, String)> {
    serde_json::from_slice::<KeyBody<'_>>(body).ok()?.customer()
}

/// What intake reads of a delivery before storing it: that it is an envelope at all
/// (`check_envelope`) and the customer it concerns (`delivery_customer`), in one
/// parse for the shape Meta sends; only a body that shape does not fit is parsed a
/// second time, to tell an envelope whose customer cannot be told from no envelope.
pub fn read_at_intake(body: &[u8]) -> Result<Option<(String, String)>, EnvelopeError> {
    match serde_json::from_slice::<KeyBody<'_>>(body) {
        Ok(keys) if keys.object.is_some() => Ok(keys.customer()),
        _ => check_envelope(body).map(|()| None),
    }
}

impl KeyBody<'_> {
    fn customer(&self) -> Option<(String, String)> {
        let mut found: Option<(&str, &str)> = None;
        for entry in &self.entry {
            let account = entry.id.as_deref()?;
            let messaging = entry.messaging.iter().chain(&entry.standby);
            let from_messaging = messaging.map(|m| {
                let sender = m.sender.as_ref()?.id.as_ref();
                let recipient = m.recipient.as_ref()?.id.as_ref();
                // An echo is the business's own message: its customer is the recipient.
                Some(if sender == account { recipient } else { sender })
            });
            let from_changes = entry.changes.iter().map(|c| {
                let author = c.value.as_ref()?.from.as_ref()?.id.as_ref();
                (author != account).then_some(author)
            });
            for customer in from_messaging.chain(from_changes) {
                let customer = customer?;
                match found {
                    None => found = Some((account, customer)),
                    Some(same) if same == (account, customer) => {}
                    Some(_) => return None,
                }
            }
        }
        found.map(|(a, c)| (a.to_owned(), c.to_owned()))
    }
}

#[derive(Deserialize)]
struct KeyBody<'a> {
    /// A string when present, as `check_envelope` asks.
    #[serde(borrow, default)]
    object: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    entry: Vec<KeyEntry<'a>>,
}

#[derive(Deserialize)]
struct KeyEntry<'a> {
    #[serde(borrow, default)]
    id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    messaging: Vec<KeyMessaging<'a>>,
    #[serde(borrow, default)]
    standby: Vec<KeyMessaging<'a>>,
    #[serde(borrow, default)]
    changes: Vec<KeyChange<'a>>,
}

#[derive(Deserialize)]
struct KeyMessaging<'a> {
    #[serde(borrow, default)]
    sender: Option<KeyId<'a>>,
    #[serde(borrow, default)]
    recipient: Option<KeyId<'a>>,
}

#[derive(Deserialize)]
struct KeyChange<'a> {
    #[serde(borrow, default)]
    value: Option<KeyValue<'a>>,
}

#[derive(Deserialize)]
struct KeyValue<'a> {
    #[serde(borrow, default)]
    from: Option<KeyId<'a>>,
}

#[derive(Deserialize)]
struct KeyId<'a> {
    #[serde(borrow)]
    id: std::borrow::Cow<'a, str>,
}

/// Splits a delivery into its entries and items, keeping each item's raw JSON.
/// Entries that are not objects are skipped by the caller via `NotMetaShape` only
/// when the whole envelope is wrong; a bad entry inside is reported as an empty one.
pub fn parse_envelope(body: &[u8]) -> Result<Envelope, EnvelopeError> {
    // One parse: the shape is checked on the parsed value, as `check_envelope` does
    // on the raw bytes at intake.
    let value: Value =
        serde_json::from_slice(body).map_err(|e| EnvelopeError::NotJson(e.to_string()))?;
    let Some(object) = value["object"].as_str() else {
        return Err(EnvelopeError::NotMetaShape(
            "`object` is missing or not a string".into(),
        ));
    };
    let Some(entries) = value["entry"].as_array() else {
        return Err(EnvelopeError::NotMetaShape(
            "`entry` is missing or not an array".into(),
        ));
    };
    Ok(Envelope {
        object: object.to_owned(),
        entries: entries.iter().map(parse_entry).collect(),
    })
}

fn parse_entry(entry: &Value) -> Entry {
    let id = id_string(&entry["id"]).unwrap_or_default();
    let time = entry["time"].as_i64().map(normalize_timestamp);
    let mut items = Vec::new();
    for (key, place) in [
        ("messaging", ItemPlace::Messaging),
        ("standby", ItemPlace::Standby),
        ("changes", ItemPlace::Changes),
    ] {
        if let Some(list) = entry[key].as_array() {
            items.extend(list.iter().map(|raw| EntryItem {
                place,
                raw: raw.clone(),
            }));
        }
    }
    Entry { id, time, items }
}

/// Ids come as strings, but some samples carry numbers: accept both.
fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// Sender, recipient and time shared by every messaging item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Messaging {
    pub sender: String,
    pub recipient: String,
    pub timestamp: Option<Millis>,
    pub standby: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InboundMessage {
    pub mid: String,
    pub text: Option<String>,
    pub attachments: Vec<Attachment>,
    pub reply_to: Option<ReplyTo>,
    pub quick_reply_payload: Option<String>,
    pub referral: Option<Referral>,
    pub is_echo: bool,
    pub is_unsupported: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentEvent {
    pub comment_id: String,
    pub parent_id: Option<String>,
    pub text: Option<String>,
    pub from_id: String,
    pub from_username: Option<String>,
    pub media_id: Option<String>,
    pub media_product_type: Option<String>,
    pub live: bool,
    pub timestamp: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WebhookEvent {
    Message(Messaging, InboundMessage),
    Deleted(Messaging, String),
    Edited {
        base: Messaging,
        mid: String,
        text: Option<String>,
    },
    Postback {
        base: Messaging,
        mid: Option<String>,
        title: Option<String>,
        payload: Option<String>,
        referral: Option<Referral>,
    },
    Referral(Messaging, Referral),
    Reaction {
        base: Messaging,
        target_mid: String,
        /// `None` for unreact.
        reaction: Option<String>,
        emoji: Option<String>,
    },
    Read(Messaging, String),
    Comment(CommentEvent),
    /// A kind igdesk does not know: kept raw, shown as "Unsupported message".
    Other {
        base: Option<Messaging>,
        kind: String,
        raw: Value,
    },
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// Decodes one item of an entry into the event it describes.
pub fn decode_item(entry: &Entry, item: &EntryItem) -> Result<WebhookEvent, DecodeError> {
    match item.place {
        ItemPlace::Changes => decode_change(entry, &item.raw),
        ItemPlace::Messaging | ItemPlace::Standby => {
            decode_messaging(entry, &item.raw, item.place == ItemPlace::Standby)
        }
    }
}

fn decode_messaging(
    entry: &Entry,
    raw: &Value,
    standby: bool,
) -> Result<WebhookEvent, DecodeError> {
    if !raw.is_object() {
        return Err(DecodeError("a messaging item is not an object".into()));
    }
    let sender = id_string(&raw["sender"]["id"]);
    let recipient = id_string(&raw["recipient"]["id"]);
    let timestamp = raw["timestamp"]
        .as_i64()
        .map(normalize_timestamp)
        .or(entry.time);
    let base = match (sender, recipient) {
        (Some(sender), Some(recipient)) => Some(Messaging {
            sender,
            recipient,
            timestamp,
            standby,
        }),
        _ => None,
    };
    let need_base = |what: &str| {
        base.clone()
            .ok_or_else(|| DecodeError(format!("{what} without sender.id and recipient.id")))
    };
    if let Some(message) = raw.get("message") {
        let base = need_base("a message")?;
        let mid =
            opt_str(&message["mid"]).ok_or_else(|| DecodeError("a message without mid".into()))?;
        if message["is_deleted"].as_bool() == Some(true) {
            return Ok(WebhookEvent::Deleted(base, mid));
        }
        return Ok(WebhookEvent::Message(base, decode_message(mid, message)));
    }
    if let Some(edit) = raw.get("message_edit") {
        let base = need_base("an edit")?;
        let mid = opt_str(&edit["mid"]).ok_or_else(|| DecodeError("an edit without mid".into()))?;
        return Ok(WebhookEvent::Edited {
            base,
            mid,
            text: opt_str(&edit["text"]),
        });
    }
    if let Some(reaction) = raw.get("reaction") {
        let base = need_base("a reaction")?;
        let target_mid = opt_str(&reaction["mid"])
            .ok_or_else(|| DecodeError("a reaction without mid".into()))?;
        let unreact = reaction["action"].as_str() == Some("unreact");
        return Ok(WebhookEvent::Reaction {
            base,
            target_mid,
            reaction: if unreact {
                None
            } else {
                Some(opt_str(&reaction["reaction"]).unwrap_or_else(|| "love".into()))
            },
            emoji: if unreact {
                None
            } else {
                opt_str(&reaction["emoji"])
            },
        });
    }
    if let Some(read) = raw.get("read") {
        let base = need_base("a read receipt")?;
        let mid = opt_str(&read["mid"]).ok_or_else(|| DecodeError("a read without mid".into()))?;
        return Ok(WebhookEvent::Read(base, mid));
    }
    if let Some(postback) = raw.get("postback") {
        let base = need_base("a postback")?;
        return Ok(WebhookEvent::Postback {
            base,
            mid: opt_str(&postback["mid"]),
            title: opt_str(&postback["title"]),
            payload: opt_str(&postback["payload"]),
            referral: postback.get("referral").map(decode_referral),
        });
    }
    if let Some(referral) = raw.get("referral") {
        let base = need_base("a referral")?;
        return Ok(WebhookEvent::Referral(base, decode_referral(referral)));
    }
    let kind = raw
        .as_object()
        .and_then(|o| {
            o.keys()
                .find(|k| !matches!(k.as_str(), "sender" | "recipient" | "timestamp"))
                .cloned()
        })
        .unwrap_or_else(|| "unknown".into());
    Ok(WebhookEvent::Other {
        base,
        kind,
        raw: raw.clone(),
    })
}

fn decode_message(mid: String, message: &Value) -> InboundMessage {
    let reply_to = message.get("reply_to").and_then(|r| {
        if let Some(story) = r.get("story") {
            Some(ReplyTo::Story {
                id: id_string(&story["id"]),
                url: opt_str(&story["url"]),
            })
        } else {
            opt_str(&r["mid"]).map(|mid| ReplyTo::Message { mid })
        }
    });
    let attachments = message["attachments"]
        .as_array()
        .map(|list| list.iter().map(decode_attachment).collect())
        .unwrap_or_default();
    InboundMessage {
        mid,
        text: opt_str(&message["text"]),
        attachments,
        reply_to,
        quick_reply_payload: opt_str(&message["quick_reply"]["payload"]),
        referral: message.get("referral").map(decode_referral),
        is_echo: message["is_echo"].as_bool().unwrap_or(false),
        is_unsupported: message["is_unsupported"].as_bool().unwrap_or(false),
    }
}

/// Attachment payloads differ by type (share, ig_post, fallback, template …); the
/// common facts are a URL, a title or caption and a media id.
fn decode_attachment(a: &Value) -> Attachment {
    let p = &a["payload"];
    let first = |keys: &[&str], v: &Value| keys.iter().find_map(|k| id_string(&v[*k]));
    Attachment {
        kind: opt_str(&a["type"]).unwrap_or_else(|| "unknown".into()),
        url: first(&["url"], p).or_else(|| first(&["url"], a)),
        title: first(&["title", "caption"], p)
            .or_else(|| first(&["title"], a))
            .or_else(|| first(&["title"], &p["elements"][0])),
        media_id: first(&["ig_post_media_id", "media_id", "reel_video_id", "id"], p),
    }
}

fn decode_referral(r: &Value) -> Referral {
    Referral {
        reference: opt_str(&r["ref"]),
        source: opt_str(&r["source"]),
        kind: opt_str(&r["type"]),
        ad_id: id_string(&r["ad_id"]),
    }
}

fn decode_change(entry: &Entry, raw: &Value) -> Result<WebhookEvent, DecodeError> {
    let field = raw["field"]
        .as_str()
        .ok_or_else(|| DecodeError("a change without field".into()))?;
    let value = &raw["value"];
    match field {
        "comments" | "live_comments" => {
            let comment_id = id_string(&value["id"])
                .or_else(|| id_string(&value["comment_id"]))
                .ok_or_else(|| DecodeError("a comment without id".into()))?;
            let from_id = id_string(&value["from"]["id"])
                .ok_or_else(|| DecodeError("a comment without from.id".into()))?;
            Ok(WebhookEvent::Comment(CommentEvent {
                comment_id,
                parent_id: id_string(&value["parent_id"]),
                text: opt_str(&value["text"]),
                from_id,
                from_username: opt_str(&value["from"]["username"]),
                media_id: id_string(&value["media"]["id"])
                    .or_else(|| id_string(&value["media_id"])),
                media_product_type: opt_str(&value["media"]["media_product_type"]),
                live: field == "live_comments",
                timestamp: entry.time,
            }))
        }
        other => Ok(WebhookEvent::Other {
            base: None,
            kind: other.to_owned(),
            raw: raw.clone(),
        }),
    }
}

#[cfg(test)]
mod tests;
