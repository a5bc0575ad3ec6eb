//! Reading `richContent`: conversation items, their media, suggestions and carousels.

use super::envelope::{Media, RichContent, RichItem, Suggestion};
use super::json::{array, get, join, object, string, Obj};
use serde_json::Value;

/// Rich content keys of other channels (WhatsApp, Apple, RCS) that Instagram cannot
/// show, lowercased, with CM.com's spelling for the refusal.
const UNSUPPORTED: [(&str, &str); 9] = [
    ("template", "template"),
    ("location", "location"),
    ("contacts", "contacts"),
    ("interactive", "interactive"),
    ("listpicker", "listPicker"),
    ("oauth2", "oauth2"),
    ("payment", "payment"),
    ("applepay", "applePay"),
    ("calendar", "calendar"),
];

pub(super) fn read_rich(o: &Obj) -> Result<RichContent, String> {
    let path = "richContent";
    let conversation = array(o, path, "conversation")?
        .iter()
        .enumerate()
        .map(|(i, item)| read_item(item, &format!("{path}.conversation[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let suggestions = read_suggestions(o, path)?;
    Ok(RichContent {
        conversation,
        suggestions,
    })
}

fn read_item(value: &Value, path: &str) -> Result<RichItem, String> {
    let o = object(value, path)?;
    let media = match get(o, "media") {
        None => None,
        Some(m) => {
            let mpath = join(path, "media");
            let m = object(m, &mpath)?;
            let uri = string(m, &mpath, "mediaUri")?
                .ok_or_else(|| format!("{mpath}.mediaUri: is required"))?;
            Some(Media {
                uri,
                name: string(m, &mpath, "mediaName")?,
                mime_type: string(m, &mpath, "mimeType")?,
            })
        }
    };
    let carousel = match get(o, "carousel") {
        None => None,
        Some(c) => {
            let cpath = join(path, "carousel");
            let cards = array(object(c, &cpath)?, &cpath, "cards")?;
            let cards = cards
                .iter()
                .enumerate()
                .map(|(j, card)| read_item(card, &format!("{cpath}.cards[{j}]")))
                .collect::<Result<Vec<_>, _>>()?;
            Some(cards)
        }
    };
    let unsupported = UNSUPPORTED
        .iter()
        .find(|(key, _)| get(o, key).is_some())
        .map(|(_, name)| (*name).to_owned());
    Ok(RichItem {
        text: string(o, path, "text")?,
        header: string(o, path, "header")?,
        media,
        suggestions: read_suggestions(o, path)?,
        carousel,
        unsupported,
    })
}

fn read_suggestions(o: &Obj, path: &str) -> Result<Vec<Suggestion>, String> {
    array(o, path, "suggestions")?
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let spath = format!("{}[{i}]", join(path, "suggestions"));
            let s = object(s, &spath)?;
            Ok(Suggestion {
                action: string(s, &spath, "action")?
                    .unwrap_or_default()
                    .to_lowercase(),
                label: string(s, &spath, "label")?,
                postback_data: string(s, &spath, "postbackData")?,
                url: string(s, &spath, "url")?,
            })
        })
        .collect()
}
