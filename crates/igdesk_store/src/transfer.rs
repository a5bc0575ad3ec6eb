//! Transfers: an agent hands an open conversation to another agent or to
//! an inbox. The types the store answers with; the SQL is `sql/transfer.rs`, the
//! rules in words `igdesk::service::transfer`.
//!
//! Who holds a conversation while a transfer waits: nobody. It leaves the
//! transferring agent at once and waits, unassigned, as an ordinary offer to the
//! target agent (30 seconds, the target's capacity counted). Declined or timed out,
//! it is waiting work of its inbox again, and routing offers it to anyone but the
//! agent who handed it over first (to them only when nobody else can take it).

use crate::model::Scope;
use igdesk_domain::{AgentId, ConversationId, CustomerId, InboxId, ItemId, Millis, TransferId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest note a transfer carries, in characters.
pub const TRANSFER_NOTE_CHARS: usize = 500;

/// An agent named in a transfer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct TransferAgent {
    pub agent_id: AgentId,
    pub name: String,
}

/// An inbox named in a transfer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct TransferInbox {
    pub inbox_id: InboxId,
    pub name: String,
}

/// Where a conversation is handed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferTo {
    /// Offered to this agent, who must be a member of the conversation's inbox.
    Agent(AgentId),
    /// Back to routing in this inbox.
    Inbox(InboxId),
}

#[derive(Debug, Clone)]
pub struct TransferRequest {
    /// Who asks: the agent holding the conversation, or an administrator.
    pub scope: Scope,
    pub conversation: ConversationId,
    pub to: TransferTo,
    pub note: Option<String>,
    /// How long the target agent's offer lasts.
    pub offer_for: Millis,
}

/// One transfer as the timeline records it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct Transfer {
    pub id: TransferId,
    pub conversation_id: ConversationId,
    pub customer_id: CustomerId,
    /// Who transferred it.
    pub by: TransferAgent,
    /// Who held the conversation then (`null` when it was waiting).
    pub from_agent_id: Option<AgentId>,
    /// The agent it was offered to, for a transfer to an agent.
    pub to_agent: Option<TransferAgent>,
    /// The inbox it is in afterwards (for a transfer to an agent, the one it was in).
    pub to_inbox: TransferInbox,
    pub note: Option<String>,
    /// The conversation's latest item when it was transferred: the timeline shows
    /// the transfer after it.
    pub after_item_id: Option<ItemId>,
    pub created_at: Millis,
}

/// A transfer made: the record, and for a transfer to an agent the offer they got.
#[derive(Debug, Clone)]
pub struct TransferMade {
    pub transfer: Transfer,
    pub offer: Option<crate::Offer>,
}

#[derive(Debug, Clone)]
pub enum TransferAnswer {
    Done(Box<TransferMade>),
    /// Not visible to the caller, or no such conversation.
    Unknown,
    /// The session has ended.
    Closed,
    /// Another agent holds it (administrators may transfer anyone's).
    NotYours,
    /// No such inbox, or not one of the caller's (agents transfer into their own).
    UnknownInbox,
    /// No active agent of that id in the conversation's inbox.
    NotInInbox,
    /// The target already holds the conversation (or has its offer).
    AlreadyTheirs(String),
    /// The target is away.
    Away(String),
    /// The target let an offer go and gets no more until they press Next.
    Held(String),
    /// The target has no room: at their standard capacity (or maximum, after Next).
    AtCapacity(String),
    /// Something changed the conversation meanwhile; asking again decides.
    Busy,
}

/// An agent of the conversation's inbox, as the Transfer dialog lists them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct TargetAgent {
    pub agent_id: AgentId,
    pub name: String,
    pub available: bool,
    /// Open conversations plus offers waiting.
    pub carrying: i64,
    /// Why an offer cannot go to them now (away, let an offer go, no room); `null`
    /// when it can.
    pub unable: Option<String>,
}

/// Who and where a conversation can go.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct TransferTargets {
    pub conversation_id: ConversationId,
    /// The inbox the conversation is in.
    pub inbox: TransferInbox,
    /// Active agents of that inbox, but the one holding it, by name.
    pub agents: Vec<TargetAgent>,
    /// The inboxes the caller may transfer into: an administrator any, an agent their
    /// own.
    pub inboxes: Vec<TransferInbox>,
}
