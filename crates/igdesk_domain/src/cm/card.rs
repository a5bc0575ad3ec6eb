//! Cards: a `header` makes a generic template, `carousel.cards` one of 2 to 10
//! elements. The input matrix of CM.com's Instagram page decides what each card shows.

use super::envelope::RichItem;
use super::fields::{action_name, has_action, http_url, label, max_chars, named, postback, Named};
use super::media::{is_instagram_post, media_kind, MediaKind};
use super::rich::{
    InstagramMessage, CAROUSEL_CARDS, MAX_BUTTONS, MAX_SUBTITLE_CHARS, MAX_TITLE_CHARS,
};
use super::MsgRefusal;
use serde_json::{json, Value};

pub(super) fn carousel(path: &str, cards: &[RichItem]) -> Result<InstagramMessage, MsgRefusal> {
    if !CAROUSEL_CARDS.contains(&cards.len()) {
        let why = format!("a carousel has 2 to 10 cards (got {})", cards.len());
        return Err(MsgRefusal::field(path, why));
    }
    let mut elements = Vec::with_capacity(cards.len());
    for (j, item) in cards.iter().enumerate() {
        let card_path = format!("{path}[{j}]");
        if let Some(key) = &item.unsupported {
            let why = "a card cannot hold this";
            return Err(MsgRefusal::field(&format!("{card_path}.{key}"), why));
        }
        if item.carousel.is_some() {
            let why = "a card cannot hold a carousel";
            return Err(MsgRefusal::field(&format!("{card_path}.carousel"), why));
        }
        let Some(header) = &item.header else {
            let why = "every card needs a header (its title)";
            return Err(MsgRefusal::field(&format!("{card_path}.header"), why));
        };
        if item.text.is_none() && item.media.is_none() && item.suggestions.is_empty() {
            let why = "a card needs text, media or suggestions besides its header";
            return Err(MsgRefusal::field(&card_path, why));
        }
        let suggestions = named(format!("{card_path}.suggestions"), &item.suggestions);
        elements.push(card(&card_path, header, item, &suggestions)?);
    }
    Ok(template(elements))
}

/// An item with a header: one generic template of one element.
pub(super) fn single_card(
    path: &str,
    header: &str,
    item: &RichItem,
    suggestions: &[Named],
) -> Result<InstagramMessage, MsgRefusal> {
    Ok(template(vec![card(path, header, item, suggestions)?]))
}

/// A generic template element: what one card shows.
struct Card {
    element: Value,
    summary: String,
    image_url: Option<String>,
}

fn card(
    path: &str,
    header: &str,
    item: &RichItem,
    suggestions: &[Named],
) -> Result<Card, MsgRefusal> {
    max_chars(&format!("{path}.header"), header, MAX_TITLE_CHARS)?;
    let mut element = json!({ "title": header });
    let mut summary = header.to_owned();
    if let Some(text) = &item.text {
        max_chars(&format!("{path}.text"), text, MAX_SUBTITLE_CHARS)?;
        element["subtitle"] = json!(text);
        summary = format!("{header}\n{text}");
    }
    let mut image_url = None;
    if let Some(media) = &item.media {
        let media_path = format!("{path}.media");
        if media_kind(media) != MediaKind::Image || is_instagram_post(&media.uri) {
            return Err(MsgRefusal::field(
                &media_path,
                "a card's media must be an image",
            ));
        }
        http_url(&format!("{media_path}.mediaUri"), &media.uri)?;
        element["image_url"] = json!(media.uri);
        image_url = Some(media.uri.clone());
    }
    if let Some(first) = suggestions.first() {
        if suggestions.len() > MAX_BUTTONS {
            let why = format!("a card has at most 3 buttons (got {})", suggestions.len());
            return Err(MsgRefusal::field(&first.list, why));
        }
        let buttons = suggestions
            .iter()
            .map(button)
            .collect::<Result<Vec<_>, _>>()?;
        element["buttons"] = Value::Array(buttons);
    }
    Ok(Card {
        element,
        summary,
        image_url,
    })
}

fn button(n: &Named) -> Result<Value, MsgRefusal> {
    has_action(n)?;
    let label = label(n)?;
    match n.s.action.as_str() {
        "reply" => Ok(json!({"type": "postback", "title": label, "payload": postback(n)?})),
        "openurl" => {
            let path = n.path("url");
            let url = n.s.url.as_deref();
            let url = url.ok_or_else(|| MsgRefusal::field(&path, "is required for OpenUrl"))?;
            http_url(&path, url)?;
            Ok(json!({"type": "web_url", "url": url, "title": label}))
        }
        other => {
            let why = format!(
                "{} cannot be a button on Instagram: use Reply or OpenUrl",
                action_name(other)
            );
            Err(MsgRefusal::field(&n.path("action"), why))
        }
    }
}

fn template(cards: Vec<Card>) -> InstagramMessage {
    let text = cards
        .iter()
        .map(|c| c.summary.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    let image_url = cards.iter().find_map(|c| c.image_url.clone());
    let elements: Vec<Value> = cards.into_iter().map(|c| c.element).collect();
    InstagramMessage {
        text: Some(text),
        image_url,
        message: json!({"attachment": {"type": "template", "payload": {
            "template_type": "generic", "elements": elements }}}),
    }
}
