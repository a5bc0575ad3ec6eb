//! JSON views of stored rows, as the read API shows them.

use crate::api::error::ApiError;
use crate::app::App;
use crate::now_ms;
use igdesk_domain::timeline::{
    self, story_available, Attachment, ItemContext, ItemFacts, ItemKind, ReplyTo, REACTION_SHOWN,
};
use igdesk_domain::ItemId;
use igdesk_store::TimelineItem;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use utoipa::ToSchema;

pub fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// One item on a customer's timeline.
#[derive(Serialize, ToSchema)]
pub struct ItemView {
    pub id: i64,
    pub kind: String,
    pub direction: String,
    pub source: String,
    /// The line a person reads: the text, or what stands for it ("Message was deleted",
    /// "Story is no longer available", "Unsupported message (type)" …).
    pub summary: String,
    pub text: Option<String>,
    pub attachments: Vec<Attachment>,
    pub reply_to: Option<ReplyToView>,
    /// ❤️ when the customer reacted, whatever emoji they used.
    pub reaction: Option<&'static str>,
    pub deleted: bool,
    /// queued → sent → read, or failed (with `failure` saying why, in words).
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    pub mid: String,
    pub conversation_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub story_available: Option<bool>,
    pub context: ItemContext,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<serde_json::Value>,
    pub created_at: String,
    pub created_at_ms: i64,
    /// Who wrote it: internal notes only (kind `note`, direction `internal`), which
    /// only the team sees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<AuthorView>,
}

/// The agent who wrote an internal note.
#[derive(Serialize, ToSchema)]
pub struct AuthorView {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReplyToView {
    #[serde(flatten)]
    pub target: ReplyTo,
    /// For a reply to a Story: whether the Story can still be shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub story_available: Option<bool>,
}

/// How an item reads at `now`: its kind, whether its Story is still there, and the
/// line that stands for it. The API's view and the console's card both start here.
pub struct Reading {
    pub kind: ItemKind,
    pub story_available: bool,
    pub summary: String,
}

pub fn reading(item: &TimelineItem, author_name: &str, now: igdesk_domain::Millis) -> Reading {
    let kind = ItemKind::parse(&item.kind).unwrap_or(ItemKind::Unsupported);
    let story_available = story_available(item.created_at, item.story_gone, now);
    let summary = timeline::summary(&ItemFacts {
        kind,
        deleted: item.deleted,
        text: item.text.as_deref(),
        attachments: &item.attachments,
        context: &item.context,
        author_name,
        story_available,
    });
    Reading {
        kind,
        story_available,
        summary,
    }
}

pub fn item_view(item: TimelineItem, author_name: &str) -> ItemView {
    let Reading {
        kind,
        story_available: story_ok,
        summary,
    } = reading(&item, author_name, now_ms());
    let reply_to = item.reply_to.map(|target| ReplyToView {
        story_available: matches!(target, ReplyTo::Story { .. }).then_some(story_ok),
        target,
    });
    ItemView {
        id: item.id.0,
        summary,
        kind: item.kind,
        direction: item.direction,
        source: item.source,
        text: item.text,
        attachments: item.attachments,
        reply_to,
        reaction: item.reaction.map(|_| REACTION_SHOWN),
        deleted: item.deleted,
        status: item.status,
        failure: item.failure,
        mid: item.mid,
        conversation_id: item.conversation_id.map(|c| c.0),
        story_available: (kind == ItemKind::StoryMention).then_some(story_ok),
        context: item.context,
        raw: if kind == ItemKind::Unsupported {
            item.raw
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok())
        } else {
            None
        },
        created_at: rfc3339(item.created_at),
        created_at_ms: item.created_at,
        author: item.author_id.map(|id| AuthorView {
            id: id.0,
            name: item.author_name.unwrap_or_default(),
        }),
    }
}

/// The items with these ids, as the API shows them (ids that vanished are left out).
pub async fn load_views(
    app: &App,
    ids: &[ItemId],
    author_name: &str,
) -> Result<Vec<ItemView>, ApiError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(item) = app.store.item_for_job(*id).await? {
            out.push(item_view(item, author_name));
        }
    }
    Ok(out)
}
