//! Stories that vanish (SPEC IN-6). A Story lives 24 hours, but a customer may
//! delete it sooner: Meta's CDN then answers 403/404 for the URL a mention carries,
//! and the item reads "Story is no longer available" (`story_gone`). Whether it is
//! still there is asked in `check_story` jobs, one per item at a time (dedup key),
//! queued when an agent opens the timeline and by upkeep at most hourly while the
//! customer has an open conversation (`story_checked_at`).

use crate::Result;
use async_trait::async_trait;
use igdesk_domain::{AgentId, ItemId, Millis};

/// Asks Meta's CDN whether a Story mention's Story is still there; the payload is
/// the item's id. At most one waits per item.
pub const JOB_CHECK_STORY: &str = "check_story";
/// A Story on an open conversation is asked about at most this often by upkeep.
pub const STORY_CHECK_EVERY: Millis = igdesk_domain::time::HOUR;

#[async_trait]
pub trait StoryStore: Send + Sync + 'static {
    /// An agent is shown these items: queues a check of each that is a Story mention
    /// still shown (not known gone, not deleted, posted after `posted_after`),
    /// unless one waits already. Answers how many were queued.
    async fn queue_story_checks(
        &self,
        items: &[ItemId],
        posted_after: Millis,
        now: Millis,
    ) -> Result<u64>;
    /// Upkeep: queues a check of every Story mention still shown (posted after
    /// `posted_after`) of a customer with an open conversation, last checked — or,
    /// never checked, posted — at or before `checked_before`; at most `limit`, the
    /// oldest items first. Answers how many were queued.
    async fn queue_due_story_checks(
        &self,
        posted_after: Millis,
        checked_before: Millis,
        now: Millis,
        limit: i64,
    ) -> Result<u64>;
    /// A check found the Story still there, or could not tell: it was asked about at
    /// `now` (the next hourly check counts from then).
    async fn story_checked(&self, item: ItemId, now: Millis) -> Result<()>;
    /// Meta's CDN says the Story is gone: from now on the item reads "Story is no
    /// longer available", and in the same transaction an `item_updated` event goes
    /// to the agent of each open conversation of the customer (their console draws
    /// the item again). Idempotent: a Story already gone, or an item that is no
    /// Story mention, changes nothing and tells nobody. Answers the agents told.
    async fn mark_story_gone(&self, item: ItemId, now: Millis) -> Result<Vec<AgentId>>;
}
