//! Internal notes: what agents write on a customer's timeline for each
//! other. A note is a timeline item of kind `note`, direction `internal`, with its
//! author and no conversation: it sits in the lifelong timeline and pages with it,
//! but nothing that reads a conversation's messages (offers' previews, SLA clocks,
//! routing, seen, read receipts, the API's webhooks) ever meets one. The rules (who
//! may change a note, for how long, who is mentioned) are the service's; the store
//! writes a note and the live events it causes in one transaction.

use crate::model::{Scope, TimelineItem};
use crate::Result;
use async_trait::async_trait;
use igdesk_domain::timeline::NoteMention;
use igdesk_domain::{AgentId, CustomerId, ItemId, Millis};

/// Event kinds a note writes on agents' live streams.
pub const EVENT_MENTION: &str = "mention";
/// A note taken off the timeline: the console removes it (its item is gone).
pub const EVENT_NOTE_DELETED: &str = "note_deleted";

#[derive(Debug, Clone)]
pub struct NewNote {
    pub customer: CustomerId,
    pub author: AgentId,
    /// igdesk's own id for it (`igdesk-note:…`), never one of Meta's.
    pub mid: String,
    pub text: String,
    pub mentions: Vec<NoteMention>,
}

/// What writing or changing a note did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteWritten {
    pub item: ItemId,
    /// Agents with new events on their streams (to wake them).
    pub told: Vec<AgentId>,
}

/// Mentions to tell: who, and the words the mention event carries.
#[derive(Debug, Clone)]
pub struct MentionNews<'a> {
    pub agents: &'a [AgentId],
    pub customer_name: &'a str,
    pub author_name: &'a str,
}

#[async_trait]
pub trait NoteStore: Send + Sync + 'static {
    /// The active agents who can see this customer (administrators and the agents of
    /// its account's inbox), by id, with their names: who a note may mention.
    async fn note_audience(&self, customer: CustomerId) -> Result<Vec<(AgentId, String)>>;

    /// Adds a note to a customer `scope` sees (`None` when it does not), and in the
    /// same transaction an `item` event for the agent of the customer's open
    /// conversation and a `mention` event for each agent of `mentioned`.
    async fn add_note(
        &self,
        scope: Scope,
        note: NewNote,
        mentioned: MentionNews<'_>,
        now: Millis,
    ) -> Result<Option<NoteWritten>>;

    /// The note with this id, if `scope` sees its customer (`None` for any other item).
    async fn note(&self, scope: Scope, id: ItemId) -> Result<Option<TimelineItem>>;

    /// Changes a note's text and mentions, if it is still `author`'s and written at
    /// or after `written_since` (`None` otherwise: the rule is checked again where
    /// it is enforced, so a late edit racing the clock changes nothing). The agent of
    /// the open conversation hears `item_updated`, `mentioned` hear `mention`.
    // The note, the rule's two facts, the new content and whom to tell: each its own.
    #[allow(clippy::too_many_arguments)]
    async fn edit_note(
        &self,
        id: ItemId,
        author: AgentId,
        written_since: Millis,
        text: &str,
        mentions: &[NoteMention],
        mentioned: MentionNews<'_>,
        now: Millis,
    ) -> Result<Option<NoteWritten>>;

    /// Deletes a note, text and all, on the same conditions as an edit; the agent of
    /// the open conversation hears `note_deleted`.
    async fn delete_note(
        &self,
        id: ItemId,
        author: AgentId,
        written_since: Millis,
        now: Millis,
    ) -> Result<Option<NoteWritten>>;
}
