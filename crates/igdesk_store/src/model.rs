//! Rows as the store hands them out and takes them in.

mod people;

pub use people::*;

use igdesk_domain::timeline::{Attachment, ItemContext, ReplyTo};
use igdesk_domain::{
    AccountId, AgentId, ConversationId, ConversationSettings, CustomerId, DeliveryId, InboxId,
    ItemId, JobId, Millis,
};
use serde::Serialize;
use utoipa::ToSchema;

/// Who is asking: every read is scoped to the inboxes an agent belongs to (ACC-5);
/// administrators see everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub agent: AgentId,
    pub admin: bool,
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub ig_id: String,
    pub page_id: String,
    pub page_name: String,
    pub username: String,
    /// `facebook` or `instagram`.
    pub login_path: String,
    /// The access token, already encrypted by the caller.
    pub token_sealed: String,
    pub added_by: String,
    pub settings: ConversationSettings,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Account {
    pub id: AccountId,
    pub ig_id: String,
    pub page_id: String,
    pub page_name: String,
    pub username: String,
    pub login_path: String,
    #[serde(skip)]
    pub token_sealed: String,
    /// The inbox this entry point's work goes to (the default one unless an exception).
    pub inbox_id: InboxId,
    pub settings: ConversationSettings,
    pub needs_reconnect: bool,
    pub added_by: String,
    pub added_at: Millis,
    /// Whether Meta delivers its webhooks to igdesk's app, as last checked (none:
    /// not checked yet).
    pub subscribed: Option<bool>,
    pub subscription_checked_at: Option<Millis>,
    /// When Meta last sent an event for it (to the minute).
    pub last_event_at: Option<Millis>,
}

#[derive(Debug, Clone)]
pub struct NewAgent {
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub is_admin: bool,
    /// Inbox names; created when missing.
    pub inboxes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Agent {
    pub id: AgentId,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
}

impl Agent {
    pub fn scope(&self) -> Scope {
        Scope {
            agent: self.id,
            admin: self.is_admin,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub received_at: Millis,
    pub body: Vec<u8>,
    /// SHA-256 of `body`, computed by the caller (off the writer). With one, a body
    /// byte-identical to one already stored is not stored again (Meta's redeliveries);
    /// `None` stores it regardless.
    pub body_hash: Option<Vec<u8>>,
    /// Its one customer's strand ([`crate::parts::strand_of`]), which gives its part;
    /// [`crate::parts::NO_STRAND`] for a barrier.
    pub strand: i64,
}

/// What becomes of a claimed job, for [`crate::JobStore::settle_jobs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    Complete(JobId),
    /// Runs again at `run_at` (a retry, or scheduled work's next turn).
    Retry {
        id: JobId,
        run_at: Millis,
        error: String,
    },
    /// Given up on: kept, dead, with its error.
    Bury {
        id: JobId,
        error: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: String,
    /// How many times this job has been claimed, this claim included.
    pub attempts: i64,
    /// A delivery's customer strand ([`crate::parts::strand_of`]); 0 for other jobs.
    pub strand: i64,
}

#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    /// While a job with this key waits, another with the same key is not added.
    pub dedup_key: Option<String>,
    pub payload: String,
    pub run_at: Millis,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileFacts {
    pub name: Option<String>,
    pub username: Option<String>,
    pub profile_pic: Option<String>,
    pub follower_count: Option<i64>,
    pub is_verified: Option<bool>,
    pub follows_business: Option<bool>,
    pub business_follows: Option<bool>,
}

/// A customer's facts as a refresh job fetched them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedProfile {
    pub customer: CustomerId,
    pub facts: ProfileFacts,
    pub job: JobId,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Customer {
    pub id: CustomerId,
    pub account_id: AccountId,
    pub igsid: String,
    /// As on Instagram; the number when Instagram gave no name.
    pub name: String,
    pub instagram: ProfileView,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
    /// When the customer last wrote: the messaging windows start here.
    pub last_message_at: Option<Millis>,
    /// Set when this profile was merged into another (RT-7): that one is shown instead.
    pub merged_into: Option<CustomerId>,
    pub created_at: Millis,
}

/// Instagram's facts about a customer: shown, never edited in igdesk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfileView {
    pub name: Option<String>,
    pub username: Option<String>,
    pub profile_pic: Option<String>,
    pub follower_count: Option<i64>,
    pub is_verified: Option<bool>,
    pub follows_business: Option<bool>,
    pub business_follows: Option<bool>,
    pub fetched_at: Option<Millis>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Conversation {
    pub id: ConversationId,
    pub account_id: AccountId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub inbox_id: InboxId,
    pub state: String,
    pub opened_at: Millis,
    pub closed_at: Option<Millis>,
    pub last_incoming_at: Option<Millis>,
    pub last_item_at: Millis,
    /// The agent it is assigned to (RT-3), if any.
    pub agent_id: Option<AgentId>,
    /// Why it was routed, when not simply because the customer wrote (IN-10).
    pub routed_reason: Option<String>,
    /// How the session ended: agent, auto_end, no_reply_needed (RT-4).
    pub ended_by: Option<String>,
    /// The names of the topics it is tagged with (RT-6), alphabetically.
    pub topics: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct TimelineItem {
    pub id: ItemId,
    pub account_id: AccountId,
    pub customer_id: CustomerId,
    pub conversation_id: Option<ConversationId>,
    pub kind: String,
    pub direction: String,
    pub source: String,
    pub mid: String,
    pub text: Option<String>,
    pub attachments: Vec<Attachment>,
    pub reply_to: Option<ReplyTo>,
    pub context: ItemContext,
    pub status: String,
    pub deleted: bool,
    pub story_gone: bool,
    /// The customer's reaction (Meta's word for it, e.g. `love`), if any.
    pub reaction: Option<String>,
    /// Why igdesk could not send it (failed items), in words.
    pub failure: Option<String>,
    pub raw: Option<String>,
    pub created_at: Millis,
    /// Who wrote it, for an internal note (kind `note`); `None` for other items.
    pub author_id: Option<AgentId>,
    pub author_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventNote {
    pub id: i64,
    pub delivery_id: Option<DeliveryId>,
    pub account_id: Option<AccountId>,
    pub kind: String,
    pub reason: String,
    pub raw: String,
    pub created_at: Millis,
}

/// One processed delivery: its job, and the changes its events ask for.
#[derive(Debug, Clone)]
pub struct DeliveryChanges {
    pub job: JobId,
    pub delivery: DeliveryId,
    pub changes: Vec<igdesk_domain::changes::Change>,
}

/// What applying a delivery did, for metrics and live updates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyOutcome {
    pub items_added: Vec<ItemId>,
    /// Items whose Meta id was already stored (redeliveries).
    pub duplicates: u32,
    /// Echoes that completed a message igdesk was sending.
    pub echoes_matched: u32,
    /// Profile refreshes queued.
    pub profile_jobs: u32,
    pub notes: u32,
    /// Entries written to agents' live streams.
    pub events: u64,
    /// Automatic replies queued (OUT-9): the senders have work.
    pub automatic_replies: u32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadJob {
    pub id: JobId,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// Which queue a reply waits in: an agent's reply is never stuck behind API traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Console,
    Api,
}

impl Lane {
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Console => "console",
            Lane::Api => "api",
        }
    }

    /// As stored; anything but `console` is bulk.
    pub fn parse(s: &str) -> Self {
        if s == Lane::Console.as_str() {
            Lane::Console
        } else {
            Lane::Api
        }
    }

    /// Job priority: 0 first.
    pub fn priority(self) -> i64 {
        match self {
            Lane::Console => 0,
            Lane::Api => 1,
        }
    }
}

/// One message of a reply (Instagram carries one medium per message).
#[derive(Debug, Clone)]
pub struct OutgoingPart {
    /// igdesk's provisional id until Meta gives its own.
    pub provisional_mid: String,
    pub text: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Meta's `message` object, ready to send.
    pub message: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct NewReply {
    pub account: AccountId,
    pub customer: CustomerId,
    pub lane: Lane,
    /// `human` or `automatic`.
    pub author: &'static str,
    /// A private reply goes to this comment instead of the customer's thread.
    pub comment_id: Option<String>,
    pub parts: Vec<OutgoingPart>,
}

/// A message Meta accepted, to be recorded as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRecord {
    pub job: JobId,
    pub item: ItemId,
    /// Meta's id for it.
    pub mid: String,
    pub at: Millis,
}

#[derive(Debug, Clone)]
pub struct Outgoing {
    pub item: ItemId,
    pub account_id: AccountId,
    pub customer_id: CustomerId,
    pub igsid: String,
    pub lane: String,
    pub author: String,
    pub message: serde_json::Value,
    pub comment_id: Option<String>,
    /// waiting, queued, sending, sent, failed
    pub state: String,
    pub attempts: i64,
    pub sending_since: Option<Millis>,
    pub customer_last_message_at: Option<Millis>,
    pub queued_at: Millis,
    /// An API message's validity: after this it fails as expired, unsent.
    pub valid_until: Option<Millis>,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub agent: AgentId,
    pub csrf_token: String,
    pub created_at: Millis,
    pub expires_at: Millis,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Inbox {
    pub id: InboxId,
    pub name: String,
    pub is_default: bool,
    /// The response target (RT-5).
    pub sla_target_seconds: i64,
    /// Customer silence after which a session ends by itself (RT-4).
    pub auto_end_seconds: i64,
    /// Replies wait until the conversation has a topic (RT-6).
    pub requires_topic: bool,
}

/// What an agent may change on a profile; `None` leaves a field as it is, an empty
/// string clears it.
#[derive(Debug, Clone, Default)]
pub struct ContactDetails {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
}
