//! CM.com content → Instagram Send API `message` objects (SPEC API-2), following CM.com's
//! Instagram page: its limits and its input matrix. Anything Instagram cannot show is
//! refused with the field named, never dropped or cut silently.

use super::card::{carousel, single_card};
use super::envelope::{Media, Msg, RichItem};
use super::fields::{action_name, has_action, http_url, label, named, postback, Named};
use super::media::{is_instagram_post, media_kind, MediaKind};
use super::MsgRefusal;
use crate::rules::{check_text, Channel};
use serde_json::{json, Value};

/// One Instagram message to send, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct InstagramMessage {
    /// What the timeline shows as its text (for a card: title, then subtitle).
    pub text: Option<String>,
    /// The image the timeline shows.
    pub image_url: Option<String>,
    /// Meta's `message` object, ready to send.
    pub message: Value,
}

pub const MAX_QUICK_REPLIES: usize = 13;
pub const MAX_LABEL_CHARS: usize = 20;
pub const MAX_POSTBACK_CHARS: usize = 1_000;
pub const MAX_TITLE_CHARS: usize = 80;
pub const MAX_SUBTITLE_CHARS: usize = 80;
pub const MAX_BUTTONS: usize = 3;
pub const CAROUSEL_CARDS: std::ops::RangeInclusive<usize> = 2..=10;

/// The Instagram messages one CM.com message becomes, in the order they are sent.
/// Images may be GIFs: Instagram shows only their first frame.
pub fn instagram_messages(msg: &Msg) -> Result<Vec<InstagramMessage>, MsgRefusal> {
    let channels = &msg.allowed_channels;
    if !channels.is_empty() && !channels.iter().any(|c| c.eq_ignore_ascii_case("instagram")) {
        return Err(MsgRefusal::field(
            "allowedChannels",
            "must include Instagram",
        ));
    }
    let Some(rich) = &msg.rich else {
        let text = msg.body_text.as_deref();
        let text = text.ok_or_else(|| MsgRefusal::body("body.content is empty"))?;
        return Ok(vec![text_message("body.content", text)?]);
    };
    if rich.conversation.is_empty() {
        return Err(MsgRefusal::body("richContent.conversation is empty"));
    }
    let last = rich.conversation.len() - 1;
    let mut out = Vec::new();
    for (i, item) in rich.conversation.iter().enumerate() {
        let path = format!("richContent.conversation[{i}]");
        let mut suggestions = named(format!("{path}.suggestions"), &item.suggestions);
        if i == last {
            // The SDKs put the last item's suggestions on richContent itself.
            suggestions.extend(named("richContent.suggestions".into(), &rich.suggestions));
        }
        out.extend(item_messages(&path, item, &suggestions)?);
    }
    Ok(out)
}

fn item_messages(
    path: &str,
    item: &RichItem,
    suggestions: &[Named],
) -> Result<Vec<InstagramMessage>, MsgRefusal> {
    if let Some(key) = &item.unsupported {
        return Err(MsgRefusal::field(
            &format!("{path}.{key}"),
            "Instagram cannot show this; use text, media, suggestions, header or carousel",
        ));
    }
    if let Some(cards) = &item.carousel {
        if item.text.is_some() || item.media.is_some() || item.header.is_some() {
            let why =
                "a carousel stands alone in its item: put text, media and header in its cards";
            return Err(MsgRefusal::field(&format!("{path}.carousel"), why));
        }
        if let Some(first) = suggestions.first() {
            let why = "a carousel takes no suggestions of its own: put them in its cards";
            return Err(MsgRefusal::field(&first.list, why));
        }
        return Ok(vec![carousel(&format!("{path}.carousel.cards"), cards)?]);
    }
    if let Some(header) = &item.header {
        return Ok(vec![single_card(path, header, item, suggestions)?]);
    }
    plain(path, item, suggestions)
}

/// Text, media and quick replies without a header.
fn plain(
    path: &str,
    item: &RichItem,
    suggestions: &[Named],
) -> Result<Vec<InstagramMessage>, MsgRefusal> {
    let text_path = format!("{path}.text");
    if let Some(first) = suggestions.first() {
        suggestions.iter().try_for_each(has_action)?;
        if let Some(other) = suggestions.iter().find(|n| n.s.action != "reply") {
            let why = format!(
                "{} suggestions become buttons of a card: add a header",
                action_name(&other.s.action)
            );
            return Err(MsgRefusal::field(&other.path("action"), why));
        }
        let Some(text) = &item.text else {
            return Err(MsgRefusal::field(&first.list, "quick replies need text"));
        };
        if item.media.is_some() {
            let why = "quick replies go with a text; with an image, add a header to send a card";
            return Err(MsgRefusal::field(&first.list, why));
        }
        let mut message = text_message(&text_path, text)?;
        message.message["quick_replies"] = quick_replies(suggestions)?;
        return Ok(vec![message]);
    }
    let mut out = Vec::new();
    if let Some(text) = &item.text {
        out.push(text_message(&text_path, text)?);
    }
    if let Some(media) = &item.media {
        out.push(media_message(&format!("{path}.media"), media)?);
    }
    if out.is_empty() {
        let why = "nothing to send: give text, media, suggestions, header or carousel";
        return Err(MsgRefusal::body(format!("{path}: {why}")));
    }
    Ok(out)
}

fn quick_replies(suggestions: &[Named]) -> Result<Value, MsgRefusal> {
    if suggestions.len() > MAX_QUICK_REPLIES {
        let why = format!(
            "at most {MAX_QUICK_REPLIES} quick replies (got {})",
            suggestions.len()
        );
        return Err(MsgRefusal::field(&suggestions[0].list, why));
    }
    let replies = suggestions
        .iter()
        .map(|n| {
            let (label, payload) = (label(n)?, postback(n)?);
            Ok(json!({"content_type": "text", "title": label, "payload": payload}))
        })
        .collect::<Result<Vec<_>, MsgRefusal>>()?;
    Ok(Value::Array(replies))
}

fn text_message(path: &str, text: &str) -> Result<InstagramMessage, MsgRefusal> {
    check_text(text, Channel::Api).map_err(|e| MsgRefusal::field(path, e))?;
    Ok(InstagramMessage {
        text: Some(text.to_owned()),
        image_url: None,
        message: json!({ "text": text }),
    })
}

/// One medium on its own. GIFs are fine: Instagram shows their first frame.
fn media_message(path: &str, media: &Media) -> Result<InstagramMessage, MsgRefusal> {
    let kind = media_kind(media);
    let uri = &media.uri;
    if matches!(kind, MediaKind::Image | MediaKind::Video) && is_instagram_post(uri) {
        // Video only as a shared post: Instagram shows the post for its link.
        return text_message(&format!("{path}.mediaUri"), uri);
    }
    match kind {
        MediaKind::Image => {
            http_url(&format!("{path}.mediaUri"), uri)?;
            Ok(InstagramMessage {
                text: None,
                image_url: Some(uri.clone()),
                message: json!({"attachment": {"type": "image", "payload": {"url": uri}}}),
            })
        }
        MediaKind::Audio => Err(MsgRefusal::field(
            path,
            "audio is not supported on Instagram",
        )),
        MediaKind::Video => Err(MsgRefusal::field(
            path,
            "video can only be sent on Instagram as a shared Instagram post (send the post's link)",
        )),
        MediaKind::Other(what) => Err(MsgRefusal::field(
            path,
            format!("{what} files cannot be sent on Instagram: only images"),
        )),
    }
}
