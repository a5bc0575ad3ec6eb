//! The agent's day in the store: availability and capacity, offers, ending sessions,
//! SLA clocks and the agents' live event streams (SPEC RT-1 … RT-5, RT-8).

use crate::model::Scope;
pub use crate::transfer::*;
use crate::Result;
use async_trait::async_trait;
use igdesk_domain::{
    AgentId, ConversationId, CustomerId, EventId, InboxId, ItemId, Millis, OfferId,
};
use serde::Serialize;
use utoipa::ToSchema;

/// Why a conversation was routed when an echo brought it (IN-10).
pub const ECHO_ROUTED_REASON: &str = "Routed to you because of an outgoing Instagram message";

/// A piece of work offered to one agent.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq, ToSchema)]
pub struct Offer {
    pub id: OfferId,
    pub agent_id: AgentId,
    pub conversation_id: ConversationId,
    pub customer_id: CustomerId,
    pub inbox_id: InboxId,
    pub customer_name: String,
    /// The latest item of the conversation, in words.
    pub preview: String,
    /// Why it was routed, when there is more to say than "a customer wrote".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub offered_at: Millis,
    pub expires_at: Millis,
    /// Who handed the conversation over, when it waits after a transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_by: Option<TransferAgent>,
    /// The transfer's note, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An agent's routing state (RT-1, RT-2).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct AgentRouting {
    pub agent_id: AgentId,
    pub available: bool,
    /// Let an offer go: no more offers until Next.
    pub held: bool,
    /// Next asked for one conversation beyond the standard capacity.
    pub next_requested: bool,
    pub standard_capacity: i64,
    pub max_capacity: i64,
    /// Open conversations assigned to the agent.
    pub conversations: i64,
    /// Offers waiting for the agent's answer.
    pub offers: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferAnswer {
    Done(ConversationId),
    /// The offer's 30 seconds ran out; it is on its way to someone else.
    Expired,
    /// No such offer for this agent (answered already, withdrawn, someone else's).
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextAnswer {
    /// Offers come again, one more than the standard capacity if the agent is at it.
    Granted,
    /// Offers come again, but the agent is at the maximum: nothing more until one ends.
    AtMaximum,
}

/// How a session ended (RT-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndedBy {
    Agent,
    AutoEnd,
    NoReplyNeeded,
    /// The Business Messaging API took the conversation back (API-3).
    Api,
}

impl EndedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            EndedBy::Agent => "agent",
            EndedBy::AutoEnd => "auto_end",
            EndedBy::NoReplyNeeded => "no_reply_needed",
            EndedBy::Api => "api",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseAnswer {
    Closed,
    /// Not visible to the agent, or no such conversation.
    Unknown,
    AlreadyClosed,
    /// Another agent has it (admins may close anyone's).
    NotYours,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoReplyAnswer {
    Ended(ConversationId),
    Unknown,
    /// Only the last incoming message of an open session can be marked.
    NotLastIncoming,
}

/// SLA figures for one inbox over a period (RT-5), by when the wait started.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct SlaReport {
    pub inbox_id: InboxId,
    pub target_seconds: i64,
    pub from: Millis,
    pub to: Millis,
    /// Waits for an answer that started in the period.
    pub total: i64,
    pub met: i64,
    /// Answered late, or still unanswered past the target.
    pub breached: i64,
    /// Still waiting, within the target.
    pub waiting: i64,
}

/// One entry of an agent's live stream; `payload` is what the store knew then, the
/// HTTP layer adds current views (the item as it is now).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentEvent {
    pub id: EventId,
    pub kind: String,
    pub conversation_id: Option<ConversationId>,
    pub item_id: Option<ItemId>,
    pub payload: serde_json::Value,
    pub created_at: Millis,
}

/// How old an answer to `RoutingStore::settled` may be, and so how often a stream
/// whose events are held back asks it: every stream waiting shares one question to
/// the server in each such span.
pub const SETTLED_CHECK: std::time::Duration = std::time::Duration::from_millis(10);

/// What a live stream read: the agent's settled events after its cursor, and whether
/// later ones are held back (PostgreSQL: written by a transaction that may still be
/// followed by an earlier one's commit; `held_back` is that transaction's stream
/// key, for `RoutingStore::settled`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventsAfter {
    pub events: Vec<AgentEvent>,
    pub held_back: Option<i64>,
}

/// What [`RoutingStore::agents_with_news`] found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventNews {
    pub agents: Vec<AgentId>,
    pub mark: i64,
}

#[async_trait]
pub trait RoutingStore: Send + Sync + 'static {
    async fn agent_routing(&self, agent: AgentId) -> Result<Option<AgentRouting>>;
    /// Available or away; going away withdraws the agent's offers.
    async fn set_available(&self, agent: AgentId, available: bool, now: Millis) -> Result<()>;
    /// Next: offers come again, and one beyond the standard capacity (RT-2).
    async fn request_next(&self, agent: AgentId, now: Millis) -> Result<NextAnswer>;
    /// Offers waiting work (longest waiting first) to available agents with room (the
    /// fewest conversations first), at most `limit`; each offer lasts `offer_for`.
    async fn route(&self, now: Millis, offer_for: Millis, limit: i64) -> Result<Vec<Offer>>;
    /// Withdraws offers whose time ran out; their agents get no more until Next.
    async fn expire_offers(&self, now: Millis) -> Result<Vec<Offer>>;
    /// The earliest time an offer runs out.
    async fn next_offer_expiry(&self) -> Result<Option<Millis>>;
    /// Upkeep's check of what routing reads, kept beside the conversations and offers
    /// as they change (the work waiting, each agent's open conversations and offers
    /// waiting): whatever has drifted is put right and counted. The count must be
    /// 0; anything else is a bug.
    async fn repair_routing_state(&self) -> Result<u64>;
    async fn offers_for(&self, agent: AgentId) -> Result<Vec<Offer>>;
    async fn accept_offer(
        &self,
        agent: AgentId,
        offer: OfferId,
        now: Millis,
    ) -> Result<OfferAnswer>;
    async fn decline_offer(
        &self,
        agent: AgentId,
        offer: OfferId,
        now: Millis,
    ) -> Result<OfferAnswer>;
    /// Close (or Close & Next, with `request_next` after it).
    async fn close_conversation(
        &self,
        scope: Scope,
        conversation: ConversationId,
        now: Millis,
    ) -> Result<CloseAnswer>;
    /// Marks the last incoming message No Reply Needed: meets the SLA, ends the session.
    async fn no_reply_needed(
        &self,
        scope: Scope,
        item: ItemId,
        now: Millis,
    ) -> Result<NoReplyAnswer>;
    /// Ends sessions whose customer has been silent for their inbox's threshold.
    async fn auto_end(&self, now: Millis) -> Result<Vec<ConversationId>>;
    async fn sla_report(
        &self,
        inbox: InboxId,
        from: Millis,
        to: Millis,
        now: Millis,
    ) -> Result<Option<SlaReport>>;
    /// The agent's settled events after `after`, oldest first, and whether later
    /// ones are held back.
    async fn events_after(&self, agent: AgentId, after: EventId, limit: i64)
        -> Result<EventsAfter>;
    /// Whether the events of the transaction with stream key `tx` (an
    /// `EventsAfter::held_back`) are settled now: a horizon asked up to
    /// [`SETTLED_CHECK`] ago is good enough, so the streams waiting on one share the
    /// question.
    async fn settled(&self, tx: i64) -> Result<bool>;
    /// The newest event id (a stream starting fresh starts after it).
    async fn last_event_id(&self, agent: AgentId) -> Result<EventId>;
    /// The agents with events settled since `mark` (a [`EventNews::mark`] this gave
    /// before), and the mark to ask from next; `None` gives none and the mark of now.
    /// Each settled event is named at least once, whoever wrote it: the instance's
    /// safety net for news that never woke its streams (another instance's lost
    /// `NOTIFY`).
    async fn agents_with_news(&self, mark: Option<i64>) -> Result<EventNews>;
    async fn prune_events(&self, before: Millis) -> Result<u64>;
    /// Hands an open conversation to another agent (as an offer lasting `offer_for`)
    /// or to an inbox (back to routing there), in one transaction.
    async fn transfer(&self, request: TransferRequest, now: Millis) -> Result<TransferAnswer>;
    /// Who and where the conversation can be transferred to; `None` when the caller
    /// cannot see it.
    async fn transfer_targets(
        &self,
        scope: Scope,
        conversation: ConversationId,
    ) -> Result<Option<TransferTargets>>;
    /// The transfers of the customer's conversations (merged profiles' too), oldest
    /// first; empty when the caller cannot see the customer.
    async fn customer_transfers(&self, scope: Scope, customer: CustomerId)
        -> Result<Vec<Transfer>>;
    /// Takes or renews the named lease for `holder` until `until`; false when another
    /// holder has it.
    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: Millis,
        until: Millis,
    ) -> Result<bool>;
}
