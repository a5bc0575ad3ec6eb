//! A timeline item as the console draws it (SPEC IN-4 … IN-11): which side it sits
//! on, what stands for its text, its media, what it answers, its status, and the
//! actions its menu offers. The one place an item kind is turned into words, so a
//! live update and a full page say the same.

use crate::api::views::{reading, rfc3339, Reading};
use crate::service::moderation::{comment_actions, like_state};
use crate::service::notes;
use igdesk_domain::timeline::{ItemKind, ReplyTo, REACTION_SHOWN};
use igdesk_domain::{AgentId, Millis};
use igdesk_store::TimelineItem;
use std::collections::HashMap;

pub struct ItemCard {
    pub id: i64,
    /// `in` (the customer's, on the left), `out` (the business's, on the right) or
    /// `note` (an internal note: the team's, across the timeline, in yellow).
    pub side: &'static str,
    /// An internal note's writer.
    pub author: Option<String>,
    /// An internal note's text in pieces, mentions marked.
    pub segments: Vec<Segment>,
    pub kind: String,
    /// A line above the body: "Ana mentioned you", "Comment on your post" …
    pub heading: Option<String>,
    /// The body: the text, or what stands for it.
    pub body: String,
    /// The body stands for something gone (grey italics).
    pub gone: bool,
    pub media: Vec<Media>,
    /// What this answers: a quoted message, or the Story it replies to.
    pub quote: Option<String>,
    pub story_thumb: Option<String>,
    /// Button taps, links and ads the customer came from.
    pub notes: Vec<String>,
    pub raw: Option<String>,
    pub reaction: Option<&'static str>,
    pub liked: bool,
    /// Outgoing: Sending…, Sent, Read, Failed.
    pub status: Option<&'static str>,
    pub failure: Option<String>,
    pub origin: Option<&'static str>,
    /// Sent by igdesk by itself (OUT-9): why, in words ("Away message", "Rule: Prices").
    pub automatic: Option<String>,
    pub at: String,
    pub at_iso: String,
    pub menu: Vec<MenuEntry>,
}

pub struct Segment {
    pub text: String,
    /// An `@Name` mention, drawn highlighted.
    pub mention: bool,
}

pub struct Media {
    /// image, video, audio, file or card (a share, post or reel).
    pub kind: &'static str,
    pub url: String,
    pub title: String,
}

pub struct MenuEntry {
    /// What the script calls: like, unlike, comment_reply, private_reply, hide, delete.
    pub action: &'static str,
    pub label: &'static str,
    /// Why it no longer applies; `None` when it does.
    pub disabled_reason: Option<String>,
}

/// Earlier messages by Meta id, for quoting what a reply answers.
pub type Quotes = HashMap<String, String>;

pub fn quotes(items: &[TimelineItem]) -> Quotes {
    items
        .iter()
        .map(|i| {
            (
                i.mid.clone(),
                short(i.text.as_deref().unwrap_or("a message"), 120),
            )
        })
        .collect()
}

/// `viewer` is the agent the card is drawn for: a note's menu is its author's.
pub fn card(
    item: &TimelineItem,
    author: &str,
    quotes: &Quotes,
    now: Millis,
    viewer: AgentId,
) -> ItemCard {
    let Reading {
        kind,
        story_available: story_ok,
        summary: body,
    } = reading(item, author, now);
    let gone = item.deleted || (kind == ItemKind::StoryMention && !story_ok);
    let heading = match kind {
        // The seed's words: "<Customer name> mentioned", the Story below (or, gone,
        // "Story is no longer available").
        ItemKind::StoryMention => Some(format!("{author} mentioned")),
        ItemKind::Comment if item.direction == "in" => Some("Comment on your post".to_owned()),
        ItemKind::Comment => Some("Your reply to the comment".to_owned()),
        _ => None,
    };
    let body = match kind {
        // The Story itself is the content; its words are the heading.
        ItemKind::StoryMention if !gone => String::new(),
        _ if body.starts_with('[') && !item.attachments.is_empty() => String::new(),
        _ => body,
    };
    let media = if item.deleted || (kind == ItemKind::StoryMention && !story_ok) {
        Vec::new()
    } else {
        item.attachments.iter().filter_map(media).collect()
    };
    let (quote, story_thumb) = match &item.reply_to {
        Some(ReplyTo::Message { mid }) => (
            Some(
                quotes
                    .get(mid)
                    .cloned()
                    .unwrap_or_else(|| "an earlier message".into()),
            ),
            None,
        ),
        Some(ReplyTo::Story { url, .. }) if story_ok => {
            (Some("Replied to your Story".into()), url.clone())
        }
        Some(ReplyTo::Story { .. }) => (
            Some("Replied to your Story · Story is no longer available".into()),
            None,
        ),
        None => (None, None),
    };
    let note = kind == ItemKind::Note;
    ItemCard {
        id: item.id.0,
        side: match item.direction.as_str() {
            "out" => "out",
            _ if note => "note",
            _ => "in",
        },
        author: note.then(|| item.author_name.clone().unwrap_or_default()),
        segments: if note {
            notes::segments(
                item.text.as_deref().unwrap_or_default(),
                &item.context.mentions,
            )
            .into_iter()
            .map(|(text, mention)| Segment { text, mention })
            .collect()
        } else {
            Vec::new()
        },
        kind: item.kind.clone(),
        heading,
        body,
        gone,
        media,
        quote,
        story_thumb,
        notes: notes(item),
        raw: (kind == ItemKind::Unsupported).then(|| item.raw.clone().unwrap_or_default()),
        reaction: item.reaction.as_ref().map(|_| REACTION_SHOWN),
        liked: item.context.liked,
        status: status(item),
        failure: item.failure.clone(),
        origin: match item.source.as_str() {
            "instagram_app" => Some("Sent from the Instagram app"),
            _ if item.context.imported => Some("From Instagram's history"),
            _ => None,
        },
        automatic: item.context.automatic.clone(),
        at: clock_time(item.created_at),
        at_iso: rfc3339(item.created_at),
        menu: if note {
            note_menu(item, now, viewer)
        } else {
            menu(item, now)
        },
    }
}

/// Edit and Delete, enabled for the note's author in its first ten minutes; for
/// anyone else, or later, disabled with the reason.
fn note_menu(item: &TimelineItem, now: Millis, viewer: AgentId) -> Vec<MenuEntry> {
    let why = notes::may_change(item, viewer, now)
        .err()
        .map(|e| e.message);
    vec![
        MenuEntry {
            action: "edit_note",
            label: "Edit note",
            disabled_reason: why.clone(),
        },
        MenuEntry {
            action: "delete_note",
            label: "Delete note",
            disabled_reason: why,
        },
    ]
}

fn media(a: &igdesk_domain::timeline::Attachment) -> Option<Media> {
    let url = a.url.clone()?;
    let kind = match a.kind.as_str() {
        "image" | "animated_image" | "sticker" | "like_heart" => "image",
        "video" | "ig_reel" | "reel" => "video",
        "audio" => "audio",
        "share" | "ig_post" | "story_mention" | "template" | "media_share" => "card",
        _ => "file",
    };
    let kind = if a.kind == "story_mention" {
        "image"
    } else {
        kind
    };
    Some(Media {
        kind,
        title: a.title.clone().unwrap_or_else(|| match a.kind.as_str() {
            "ig_reel" | "reel" => "Reel".into(),
            "ig_post" | "share" | "media_share" => "Shared post".into(),
            other => other.replace('_', " "),
        }),
        url,
    })
}

fn notes(item: &TimelineItem) -> Vec<String> {
    let c = &item.context;
    let mut notes = Vec::new();
    if let Some(payload) = &c.quick_reply_payload {
        notes.push(format!("Tapped a quick reply ({payload})"));
    }
    if let Some(p) = &c.postback {
        // An ice breaker, a menu item or a template's button: the payload is what
        // rules and the API see, so the agent sees it too.
        let label = p.title.clone().or(p.payload.clone()).unwrap_or_default();
        let payload = p.payload.as_deref().filter(|&payload| payload != label);
        notes.push(match payload {
            Some(payload) => format!("Tapped “{label}” · payload {payload}"),
            None => format!("Tapped “{label}”"),
        });
    }
    if let Some(r) = &c.referral {
        let from = match (r.source.as_deref(), r.ad_id.as_deref()) {
            (_, Some(ad)) => format!("Came from an ad ({ad})"),
            (Some(source), _) => format!("Came from {}", source.to_lowercase().replace('_', " ")),
            _ => "Came from a link".to_owned(),
        };
        notes.push(match &r.reference {
            Some(reference) => format!("{from} · ref {reference}"),
            None => from,
        });
    }
    if let Some(post) = &c.post {
        let place = match post.media_product_type.as_deref() {
            Some("REELS") => "On your reel",
            Some("STORY") => "On your Story",
            Some("AD") => "On your ad",
            _ => "On your post",
        };
        notes.push(place.to_owned());
    }
    if c.edited == Some(true) {
        notes.push("Edited".into());
    }
    if c.hidden {
        notes.push("Hidden on Instagram".into());
    }
    if c.removed_from_instagram {
        notes.push("Deleted from Instagram".into());
    }
    if c.replied_publicly {
        notes.push("Replied with a comment".into());
    }
    if c.replied_privately {
        notes.push("Replied with a DM".into());
    }
    if c.no_reply_needed {
        notes.push("No Reply Needed".into());
    }
    notes
}

fn status(item: &TimelineItem) -> Option<&'static str> {
    if item.direction != "out" || item.source != "igdesk" {
        return None;
    }
    Some(match item.status.as_str() {
        "queued" => "Sending…",
        "sent" => "Sent",
        "read" => "Read",
        "failed" => "Failed",
        _ => return None,
    })
}

fn menu(item: &TimelineItem, now: Millis) -> Vec<MenuEntry> {
    let mut entries = Vec::new();
    match like_state(item, now) {
        Some(Ok(false)) => entries.push(MenuEntry {
            action: "like",
            label: "Like Message",
            disabled_reason: None,
        }),
        Some(Ok(true)) => entries.push(MenuEntry {
            action: "unlike",
            label: "Unlike",
            disabled_reason: None,
        }),
        Some(Err(why)) => entries.push(MenuEntry {
            action: "like",
            label: "Like Message",
            disabled_reason: Some(why),
        }),
        None => {}
    }
    if item.kind == "comment" && item.direction == "in" {
        let actions = comment_actions(item, now);
        for (action, label, why) in [
            (
                "comment_reply",
                "Reply with Instagram comment",
                actions.reply,
            ),
            (
                "private_reply",
                "Reply with Instagram DM",
                actions.private_reply,
            ),
            ("hide", "Hide comment", actions.hide),
            ("delete", "Delete comment", actions.delete),
        ] {
            entries.push(MenuEntry {
                action,
                label,
                disabled_reason: why.err(),
            });
        }
    }
    entries
}

/// `HH:MM` (UTC); the page's script shows it in the agent's own time.
pub fn clock_time(ms: Millis) -> String {
    let iso = rfc3339(ms);
    iso.get(11..16).unwrap_or_default().to_owned()
}

/// At most `max` characters, with an ellipsis when cut.
pub fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// "2 min", "1 h 5 min", "3 d": how long someone has waited.
pub fn waited(ms: Millis) -> String {
    let minutes = (ms / 60_000).max(0);
    match minutes {
        0 => "just now".into(),
        1..=59 => format!("{minutes} min"),
        60..=1439 if minutes % 60 == 0 => format!("{} h", minutes / 60),
        60..=1439 => format!("{} h {} min", minutes / 60, minutes % 60),
        _ => format!("{} d", minutes / 1440),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_as_an_agent_says_them() {
        assert_eq!(waited(30_000), "just now");
        assert_eq!(waited(2 * 60_000), "2 min");
        assert_eq!(waited(65 * 60_000), "1 h 5 min");
        assert_eq!(waited(120 * 60_000), "2 h");
        assert_eq!(waited(3 * 1440 * 60_000), "3 d");
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        assert_eq!(short("hello", 10), "hello");
        assert_eq!(short("hello world", 6), "hello…");
    }
}
