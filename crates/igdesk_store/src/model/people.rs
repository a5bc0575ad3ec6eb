//! Rows of the console's people and labels: agents with their inboxes and capacity,
//! personal tokens, topics (RT-6), profile merges (RT-7).

use igdesk_domain::{AgentId, AgentTokenId, CustomerId, InboxId, Millis, TopicId};
use serde::Serialize;
use utoipa::ToSchema;

use super::Customer;

/// A personal API token as listed: never the secret, which is shown once at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AgentToken {
    pub id: AgentTokenId,
    pub agent_id: AgentId,
    pub label: String,
    pub created_at: Millis,
    /// Set once revoked; the token then no longer signs anyone in.
    pub revoked_at: Option<Millis>,
}

/// An inbox as named on an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InboxRef {
    pub id: InboxId,
    pub name: String,
}

/// An agent as an administrator manages it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AgentDetails {
    pub id: AgentId,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
    pub inboxes: Vec<InboxRef>,
    /// Conversations routed to the agent automatically (RT-2).
    pub standard_capacity: i64,
    /// The most the agent may hold, asking for more with Next beyond the standard.
    pub max_capacity: i64,
    pub created_at: Millis,
    /// False while switched off: the agent signs in nowhere and is offered nothing.
    pub active: bool,
    /// When the agent was switched off, while they are.
    pub deactivated_at: Option<Millis>,
}

/// Capacity is always written as a pair, validated together (standard ≤ maximum),
/// so two administrators editing at once cannot leave an impossible pair behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity {
    pub standard: i64,
    pub max: i64,
}

/// What an administrator changes on an agent; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AgentChange {
    pub name: Option<String>,
    pub is_admin: Option<bool>,
    /// Replaces the agent's inboxes (ids that exist: the caller checks).
    pub inboxes: Option<Vec<InboxId>>,
    pub capacity: Option<Capacity>,
}

/// An inbox's settings; `None` leaves a field as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct InboxChange {
    pub sla_target_seconds: Option<i64>,
    pub auto_end_seconds: Option<i64>,
    pub requires_topic: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Topic {
    pub id: TopicId,
    pub name: String,
    pub created_at: Millis,
}

/// What merging two profiles came to.
#[derive(Debug, Clone)]
pub enum MergeOutcome {
    /// The survivor as it is now, the other profile pointing to it.
    Merged(Box<Customer>),
    /// One of the two is unknown or not visible to the caller.
    NotFound,
    SameCustomer,
    /// This one was already merged into another profile.
    AlreadyMerged(CustomerId),
}
