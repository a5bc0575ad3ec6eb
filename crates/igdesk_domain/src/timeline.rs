//! Timeline items: what an agent sees of each thing that happened with a customer
//! (SPEC IN-4 … IN-11), and how each one reads.

use crate::time::{Millis, DAY};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Message,
    StoryMention,
    Comment,
    Unsupported,
    /// A note igdesk adds to the timeline (the API took the conversation back).
    Notice,
    /// An agent's internal note: only the team sees it; it never goes to Instagram.
    Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
    /// Neither to nor from the customer: an internal note.
    Internal,
}

/// Who wrote an item: the customer, igdesk (agent, API or automation), or the business
/// from the Instagram app itself (an echo igdesk did not send).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Customer,
    Igdesk,
    InstagramApp,
}

/// Delivery state of an item. Incoming items are `received`; outgoing ones go
/// queued → sent → read, or failed (SPEC OUT-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Received,
    Queued,
    Sent,
    Read,
    Failed,
}

macro_rules! str_enum {
    ($ty:ty { $($variant:ident = $s:literal),* $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $s),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

str_enum!(ItemKind { Message = "message", StoryMention = "story_mention", Comment = "comment", Unsupported = "unsupported", Notice = "notice", Note = "note" });
str_enum!(Direction { In = "in", Out = "out", Internal = "internal" });
str_enum!(Source { Customer = "customer", Igdesk = "igdesk", InstagramApp = "instagram_app" });
str_enum!(ItemStatus { Received = "received", Queued = "queued", Sent = "sent", Read = "read", Failed = "failed" });

/// One medium attached to an item. Only Meta's CDN URL is kept (SPEC IN-9).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
}

/// What an item answers: an earlier message, or one of the customer's Stories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReplyTo {
    Message {
        mid: String,
    },
    Story {
        id: Option<String>,
        url: Option<String>,
    },
}

/// Everything around an item's text that gives it meaning: button taps, links and
/// ads the customer came from, the post a comment is on, the raw type of an
/// unsupported item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct ItemContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quick_reply_payload: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postback: Option<Postback>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Referral>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<PostContext>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsupported_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited: Option<bool>,
    /// The business liked this message or Story mention (OUT-7).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub liked: bool,
    /// Comment moderation done from igdesk (OUT-8).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replied_publicly: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replied_privately: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// Deleted from Instagram; kept in igdesk.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed_from_instagram: bool,
    /// Imported from Meta's history rather than received by webhook (ACC-7).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
    /// An agent marked this last incoming message No Reply Needed (RT-4).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_reply_needed: bool,
    /// Sent by igdesk by itself (OUT-9): why, in words ("Away message", "Greeting",
    /// "Rule: Prices"); the timeline labels the item "Automatic reply".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automatic: Option<String>,
    /// The agents an internal note mentions (`@Name`), as they were named.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<NoteMention>,
}

/// An agent mentioned in an internal note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NoteMention {
    pub agent_id: i64,
    /// The agent's name when the note was written: what `@…` matched.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Postback {
    pub title: Option<String>,
    pub payload: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Referral {
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ad_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PostContext {
    pub media_id: Option<String>,
    pub media_product_type: Option<String>,
}

/// Stories disappear 24 hours after they were posted; the mention or reply that points
/// at one keeps the CDN URL, which stops working then.
pub const STORY_LIFETIME: Millis = DAY;

/// Whatever emoji a customer reacts with, Meta's API reports it as a heart-style
/// reaction; igdesk shows ❤️ (SPEC IN-8).
pub const REACTION_SHOWN: &str = "\u{2764}\u{fe0f}";

pub fn story_available(posted_at: Millis, gone: bool, now: Millis) -> bool {
    !gone && now - posted_at < STORY_LIFETIME
}

/// A profile with no display name is shown by its number (SPEC IN-5).
pub fn display_name(name: Option<&str>, igsid: &str) -> String {
    match name.map(str::trim) {
        Some(n) if !n.is_empty() => n.to_owned(),
        _ => igsid.to_owned(),
    }
}

/// The facts needed to say in words what an item is.
pub struct ItemFacts<'a> {
    pub kind: ItemKind,
    pub deleted: bool,
    pub text: Option<&'a str>,
    pub attachments: &'a [Attachment],
    pub context: &'a ItemContext,
    pub author_name: &'a str,
    pub story_available: bool,
}

/// The line a person reads for an item, as the spec words it.
pub fn summary(item: &ItemFacts<'_>) -> String {
    if item.deleted {
        return "Message was deleted".into();
    }
    match item.kind {
        ItemKind::StoryMention if !item.story_available => "Story is no longer available".into(),
        ItemKind::StoryMention => format!("{} mentioned", item.author_name),
        ItemKind::Unsupported => match &item.context.unsupported_type {
            Some(t) => format!("Unsupported message ({t})"),
            None => "Unsupported message".into(),
        },
        ItemKind::Notice | ItemKind::Note => item.text.unwrap_or_default().to_owned(),
        ItemKind::Message | ItemKind::Comment => {
            if let Some(text) = item.text.filter(|t| !t.is_empty()) {
                return text.to_owned();
            }
            if let Some(p) = &item.context.postback {
                return p
                    .title
                    .clone()
                    .or_else(|| p.payload.clone())
                    .unwrap_or_default();
            }
            let kinds: Vec<&str> = item.attachments.iter().map(|a| a.kind.as_str()).collect();
            if kinds.is_empty() {
                String::new()
            } else {
                format!("[{}]", kinds.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(kind: ItemKind, ctx: &'a ItemContext, atts: &'a [Attachment]) -> ItemFacts<'a> {
        ItemFacts {
            kind,
            deleted: false,
            text: None,
            attachments: atts,
            context: ctx,
            author_name: "Ana",
            story_available: true,
        }
    }

    #[test]
    fn story_expires_after_a_day() {
        assert!(story_available(0, false, DAY - 1));
        assert!(!story_available(0, false, DAY));
        assert!(!story_available(0, true, 5));
    }

    #[test]
    fn summaries_read_as_the_spec_says() {
        let ctx = ItemContext::default();
        let mut f = facts(ItemKind::StoryMention, &ctx, &[]);
        assert_eq!(summary(&f), "Ana mentioned");
        f.story_available = false;
        assert_eq!(summary(&f), "Story is no longer available");
        f.deleted = true;
        assert_eq!(summary(&f), "Message was deleted");

        let ctx = ItemContext {
            unsupported_type: Some("message_edit".into()),
            ..Default::default()
        };
        assert_eq!(
            summary(&facts(ItemKind::Unsupported, &ctx, &[])),
            "Unsupported message (message_edit)"
        );
        let atts = [Attachment {
            kind: "image".into(),
            ..Default::default()
        }];
        let ctx = ItemContext::default();
        assert_eq!(summary(&facts(ItemKind::Message, &ctx, &atts)), "[image]");
    }

    #[test]
    fn unnamed_profiles_show_their_number() {
        assert_eq!(display_name(None, "1000"), "1000");
        assert_eq!(display_name(Some("  "), "1000"), "1000");
        assert_eq!(display_name(Some("Ana"), "1000"), "Ana");
    }

    #[test]
    fn enums_round_trip_through_their_names() {
        for k in [
            ItemKind::Message,
            ItemKind::StoryMention,
            ItemKind::Comment,
            ItemKind::Unsupported,
        ] {
            assert_eq!(ItemKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Source::parse("instagram_app"), Some(Source::InstagramApp));
    }
}
