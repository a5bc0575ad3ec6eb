//! Labels and views: short words agents put on customers ("vip",
//! "wholesale"), and the filtered lists of conversations built on them and on the
//! conversations themselves (state, inbox, channel kind). The rules in words (lengths,
//! how many, who may assign) are `igdesk::service::labels`; the store keeps labels
//! unique whatever their case and answers only what the caller's scope sees.

use crate::model::{Conversation, Scope};
use crate::Result;
use async_trait::async_trait;
use igdesk_domain::{AgentId, ConversationId, CustomerId, InboxId, Millis};
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// A label (the business's, shared by every account and inbox).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(transparent)]
pub struct LabelId(pub i64);

impl fmt::Display for LabelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A label and how many customers the caller can see carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LabelCount {
    pub id: LabelId,
    pub name: String,
    /// Customers in the caller's inboxes with this label.
    pub customers: i64,
}

/// The key a label is unique by: its name lowercased (Unicode's rules, the same on
/// both stores).
pub fn label_key(name: &str) -> String {
    name.to_lowercase()
}

/// Which conversations a view lists, by their state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkState {
    /// Every open conversation.
    Open,
    /// Open, and the last message was the business's: waiting on the customer.
    Waiting,
    Closed,
}

impl WorkState {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Self::Open),
            "waiting" => Some(Self::Waiting),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Waiting => "waiting",
            Self::Closed => "closed",
        }
    }
}

/// Where a conversation's customer wrote from, by the kinds of its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// Direct messages (kind `message`).
    Dm,
    StoryMention,
    Comment,
}

impl ChannelKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "dm" => Some(Self::Dm),
            "story_mention" => Some(Self::StoryMention),
            "comment" => Some(Self::Comment),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dm => "dm",
            Self::StoryMention => "story_mention",
            Self::Comment => "comment",
        }
    }

    /// The timeline item kind that makes a conversation one of these.
    pub fn item_kind(self) -> &'static str {
        match self {
            Self::Dm => "message",
            Self::StoryMention => "story_mention",
            Self::Comment => "comment",
        }
    }
}

/// A view of the work: every condition left `None` lets everything through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkFilter {
    /// `None`: open and closed alike.
    pub state: Option<WorkState>,
    /// A label's name, in any case.
    pub label: Option<String>,
    pub inbox: Option<InboxId>,
    pub kind: Option<ChannelKind>,
    /// Only the conversations assigned to this agent ("My work").
    pub assigned_to: Option<AgentId>,
    /// Only those after this one in the list's order (its `last_item_at` and id): the
    /// next page.
    pub after: Option<(Millis, ConversationId)>,
    /// At most this many; 500 when `None`.
    pub limit: Option<i64>,
}

/// What adding labels to a customer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelsAnswer {
    /// The customer's labels now, by name.
    Done(Vec<String>),
    /// No such customer in the caller's scope.
    Unknown,
    /// The customer would carry more than the most allowed.
    TooMany,
}

/// What a direct assignment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignAnswer {
    Done {
        customer: CustomerId,
        /// Who had it before, if anyone (told it is gone).
        previous: Option<AgentId>,
    },
    /// No such conversation.
    Unknown,
    /// The session has ended.
    Closed,
    /// No active agent of that id in the conversation's inbox.
    NotInInbox,
    /// The agent holds it already.
    AlreadyTheirs,
}

#[async_trait]
pub trait LabelStore: Send + Sync + 'static {
    /// Labels with the number of customers in `scope` carrying each, by name. An
    /// administrator sees every label; an agent only those on customers they see,
    /// so a label used only in another inbox is not revealed.
    async fn labels(&self, scope: Scope) -> Result<Vec<LabelCount>>;

    /// A customer's labels by name; `None` when `scope` does not see the customer.
    async fn customer_labels(
        &self,
        scope: Scope,
        customer: CustomerId,
    ) -> Result<Option<Vec<String>>>;

    /// The labels of many customers (the caller has checked they are visible), as
    /// (customer, name) pairs by customer and name.
    async fn labels_of(&self, customers: &[CustomerId]) -> Result<Vec<(CustomerId, String)>>;

    /// Replaces a customer's labels with `names` (already checked, distinct in any
    /// case), making the labels that do not exist yet: one transaction.
    async fn set_customer_labels(
        &self,
        scope: Scope,
        customer: CustomerId,
        names: &[String],
        by: AgentId,
        now: Millis,
    ) -> Result<LabelsAnswer>;

    /// Adds one label (made if new) unless the customer would then carry more than
    /// `most`; adding one it has is no change.
    async fn add_customer_label(
        &self,
        scope: Scope,
        customer: CustomerId,
        name: &str,
        most: usize,
        by: AgentId,
        now: Millis,
    ) -> Result<LabelsAnswer>;

    /// Takes a label (by name, any case) off a customer; taking one it does not have
    /// is no change.
    async fn remove_customer_label(
        &self,
        scope: Scope,
        customer: CustomerId,
        name: &str,
        now: Millis,
    ) -> Result<LabelsAnswer>;

    /// The conversations of a view in `scope`, most recently active first (at most 500).
    async fn work(&self, scope: Scope, filter: &WorkFilter) -> Result<Vec<Conversation>>;

    /// Assigns an open conversation to an active agent of its inbox at once (an
    /// administrator's decision: no offer, no capacity check). Offers of it are
    /// withdrawn, the agent who had it and the new one are told: one transaction.
    async fn assign_conversation(
        &self,
        conversation: ConversationId,
        agent: AgentId,
        now: Millis,
    ) -> Result<AssignAnswer>;
}
