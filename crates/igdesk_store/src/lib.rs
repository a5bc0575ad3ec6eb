//! igdesk's store: one narrow trait, [`Store`], with SQLite (embedded, the default)
//! and PostgreSQL (several instances sharing one database) behind it. Each backend
//! has its own migrations; [`conformance`] is the one suite both must pass.

pub mod access;
pub mod api;
pub mod automatic;
pub mod conformance;
pub mod connect;
pub mod dashboard;
mod error;
pub mod follows;
pub mod history;
pub mod labels;
pub mod limits;
pub mod model;
pub mod notes;
pub mod parts;
pub mod routing;
pub mod saved_answers;
pub mod search;
mod sql;
pub mod stories;
pub mod testing;
mod transfer;

use async_trait::async_trait;
use igdesk_domain::changes::Change;
use igdesk_domain::timeline::ItemContext;
use igdesk_domain::{
    AccountId, AgentId, AgentTokenId, ConversationId, ConversationSettings, CustomerId, DeliveryId,
    InboxId, ItemId, JobId, Millis, TopicId,
};

pub use access::*;
pub use api::*;
pub use automatic::*;
pub use connect::*;
pub use dashboard::*;
pub use error::StoreError;
pub use follows::*;
pub use history::*;
pub use labels::*;
pub use limits::*;
pub use model::*;
pub use notes::*;
pub use parts::{PartSession, ProcessingStore};
pub use routing::*;
pub use saved_answers::*;
pub use search::*;
pub use sql::{connect, Backend, ProcessingHold, SqlStore};
pub use stories::*;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Job kinds known to the store itself.
pub const JOB_PROCESS_DELIVERY: &str = "process_delivery";
/// Refreshes a customer's Instagram facts; queued by intake, at most one waiting per customer.
pub const JOB_REFRESH_PROFILE: &str = "refresh_profile";
/// Sends a message igdesk queued; at most one waits per customer (the head of the
/// customer's queue), so a customer's messages leave in order.
pub const JOB_SEND: &str = "send";
/// Renews an Instagram-Login account's token on a schedule, not on use (ACC-6).
pub const JOB_REFRESH_TOKEN: &str = "refresh_token";
/// Imports an account's recent conversations when it is connected (ACC-7).
pub const JOB_IMPORT_HISTORY: &str = "import_history";
/// Instagram's sender actions from the console (`mark_seen`, `typing_on`), one job
/// each; the payload is `mark_seen:{customer}` or `typing_on:{customer}`.
pub const JOB_SENDER_ACTION: &str = "sender_action";
/// `typing_on` goes at most this often per customer, however fast agents type.
pub const TYPING_EVERY: Millis = 10_000;
/// Instagram facts fetched this recently are not fetched again for a new message.
pub const PROFILE_FRESH_FOR: Millis = igdesk_domain::time::HOUR;

/// The whole store: what every backend implements. Split by concern so each backend
/// file implements one part; `use igdesk_store::prelude::*` brings them all in scope.
pub trait Store:
    AccountStore
    + AgentAccessStore
    + IntakeStore
    + JobStore
    + ReadStore
    + OutboxStore
    + RoutingStore
    + PeopleStore
    + TopicStore
    + ProfileStore
    + ApiStore
    + SenderActionStore
    + DashboardStore
    + ConnectStore
    + LabelStore
    + NoteStore
    + SavedAnswerStore
    + SearchStore
    + StoryStore
    + HistoryStore
    + FollowStore
    + AutomaticStore
    + SendLimitStore
    + ProcessingStore
{
    fn backend(&self) -> Backend;
}

pub mod prelude {
    pub use crate::{
        AccountStore, AgentAccessStore, ApiStore, AutomaticStore, ConnectStore, DashboardStore,
        FollowStore, HistoryStore, IntakeStore, JobStore, LabelStore, NoteStore, OutboxStore,
        PeopleStore, ProcessingStore, ProfileStore, ReadStore, RoutingStore, SavedAnswerStore,
        SearchStore, SendLimitStore, SenderActionStore, Store, StoryStore, TopicStore,
    };
}

#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    async fn add_account(&self, account: NewAccount, now: Millis) -> Result<Account>;
    async fn account(&self, id: AccountId) -> Result<Option<Account>>;
    /// Connected (not removed) account by Meta's id.
    async fn account_by_ig_id(&self, ig_id: &str) -> Result<Option<Account>>;
    async fn accounts(&self) -> Result<Vec<Account>>;
    async fn add_agent(&self, agent: NewAgent, now: Millis) -> Result<Agent>;
    async fn add_agent_token(
        &self,
        agent: AgentId,
        token_hash: &str,
        label: &str,
        now: Millis,
    ) -> Result<AgentToken>;
    /// The agent of a live (unrevoked) token, unless the agent is switched off.
    async fn agent_by_token_hash(&self, token_hash: &str) -> Result<Option<Agent>>;
    /// For signing in: the agent with this email (any case) and its password hash.
    async fn agent_for_sign_in(&self, email: &str) -> Result<Option<(Agent, String)>>;
    async fn create_session(&self, session: NewSession) -> Result<()>;
    /// The signed-in agent and the session's CSRF token, while it has not expired
    /// and the agent is not switched off.
    async fn session(&self, token_hash: &str, now: Millis) -> Result<Option<(Agent, String)>>;
    async fn end_session(&self, token_hash: &str) -> Result<()>;
    /// The account's conversation settings (ACC-3).
    async fn set_account_settings(
        &self,
        account: AccountId,
        settings: ConversationSettings,
    ) -> Result<()>;
    /// Sends the account's work to `inbox` (an exception), or back to the default
    /// inbox with `None` (ACC-2).
    async fn set_account_inbox(&self, account: AccountId, inbox: Option<InboxId>) -> Result<()>;
    async fn inboxes(&self) -> Result<Vec<Inbox>>;
    /// Creates the inbox if missing; returns it either way.
    async fn ensure_inbox(&self, name: &str, now: Millis) -> Result<Inbox>;
    /// A new token for a connected account: clears "needs reconnecting" and lets its
    /// held queue go (ACC-6).
    async fn reconnect_account(&self, ig_id: &str, token_sealed: &str) -> Result<Option<Account>>;
    /// Every account's row (removed ones too): id, Instagram id and sealed token.
    async fn account_sealed_tokens(&self) -> Result<Vec<(AccountId, String, String)>>;
    /// Replaces sealed tokens `(account, old, new)` in one transaction, each only if
    /// the account still holds `old` (another instance may have done it first).
    /// Returns how many rows changed.
    async fn replace_sealed_tokens(&self, changes: &[(AccountId, String, String)]) -> Result<u64>;
}

#[async_trait]
pub trait IntakeStore: Send + Sync + 'static {
    /// Copies SQLite's write-ahead log into the database file as far as readers
    /// allow, without waiting for them; nothing on PostgreSQL. Run in the background:
    /// commits never checkpoint themselves, so none that a webhook waits for pays it.
    async fn checkpoint(&self) -> Result<()>;
    /// Writes deliveries and their processing jobs in one transaction: once this
    /// returns, every one of them will be processed even if the process dies. One
    /// whose `body_hash` is already stored (a redelivery) is not stored again and has
    /// no id in the answer, which lists the stored ones in order.
    async fn record_deliveries(&self, deliveries: &[NewDelivery]) -> Result<Vec<DeliveryId>>;
    /// Keeps a signed delivery that is not Meta's shape, for inspection; no job.
    async fn record_rejected_delivery(
        &self,
        delivery: NewDelivery,
        reason: &str,
    ) -> Result<DeliveryId>;
    /// The stored bodies of these deliveries (missing ids are left out).
    async fn delivery_bodies(&self, ids: &[DeliveryId]) -> Result<Vec<(DeliveryId, Vec<u8>)>>;
    /// Count of deliveries per status (`pending`, `processed`, `rejected`).
    async fn delivery_counts(&self) -> Result<Vec<(String, i64)>>;
    /// Upkeep: blanks the stored bodies of processed and rejected deliveries received
    /// before `before` (the rows stay, for the counts); answers how many.
    async fn prune_raw_deliveries(&self, before: Millis) -> Result<u64>;
    /// Applies the changes decided for each delivery of `batch`, marks them processed
    /// and completes their jobs, all in one transaction (one commit for the batch).
    async fn apply_deliveries(
        &self,
        batch: &[DeliveryChanges],
        now: Millis,
    ) -> Result<ApplyOutcome>;
    async fn event_notes(&self, limit: i64) -> Result<Vec<EventNote>>;
    /// Applies changes that come from no delivery (history imported from Meta).
    async fn apply_changes(&self, changes: &[Change], now: Millis) -> Result<ApplyOutcome>;
}

#[async_trait]
pub trait JobStore: Send + Sync + 'static {
    async fn enqueue_job(&self, job: NewJob, now: Millis) -> Result<()>;
    /// Leases up to `limit` due jobs of the given kinds until `lease_until`.
    async fn claim_jobs(
        &self,
        kinds: &[&str],
        limit: i64,
        now: Millis,
        lease_until: Millis,
    ) -> Result<Vec<Job>>;
    async fn complete_job(&self, id: JobId) -> Result<()>;
    /// Extends to `until` the leases of jobs still leased (work that outlasts one
    /// lease term): a live worker keeps its jobs while a dead one's expire soon.
    /// How many were extended; a job settled meanwhile is left alone.
    async fn renew_leases(&self, ids: &[JobId], until: Millis) -> Result<u64>;
    async fn retry_job(&self, id: JobId, run_at: Millis, error: &str) -> Result<()>;
    /// Gives up on a job: it stays, marked dead, with its error, for inspection.
    async fn bury_job(&self, id: JobId, error: &str) -> Result<()>;
    /// Settles a worker's batch of jobs in one commit.
    async fn settle_jobs(&self, settled: &[Settlement]) -> Result<()>;
    /// Frees every lease — jobs', API webhooks' and routing's — (start-up of the only
    /// instance: nobody else holds them); how many there were.
    async fn release_all_leases(&self) -> Result<u64>;
    /// The right to apply deliveries, which one instance holds at a time so they are
    /// applied in the order they came; `None` while another instance holds it
    /// (PostgreSQL; SQLite's one instance always gets it). Taking it frees the
    /// deliveries its previous holder had leased: that holder has stopped.
    async fn take_processing_hold(&self) -> Result<Option<ProcessingHold>>;
    async fn pending_job_count(&self) -> Result<i64>;
    /// Jobs given up on, newest first, with their last error.
    async fn dead_jobs(&self, limit: i64) -> Result<Vec<DeadJob>>;
}

#[async_trait]
pub trait ReadStore: Send + Sync + 'static {
    /// Records customers' Instagram facts and, in the same commit, completes the jobs
    /// that fetched them.
    async fn update_profiles(&self, fetched: &[FetchedProfile], now: Millis) -> Result<()>;
    /// For background work: no scope, never exposed through the API.
    async fn customer_for_job(&self, id: CustomerId) -> Result<Option<Customer>>;
    /// Like [`ReadStore::customer_for_job`], for many at once; missing ones are left out.
    async fn customers_for_jobs(&self, ids: &[CustomerId]) -> Result<Vec<Customer>>;
    async fn customer(&self, scope: Scope, id: CustomerId) -> Result<Option<Customer>>;
    /// Contact details agents add (RT-7); Instagram's facts are not touched.
    async fn update_contact(
        &self,
        scope: Scope,
        id: CustomerId,
        contact: ContactDetails,
    ) -> Result<Option<Customer>>;
    async fn customers_by_igsid(&self, scope: Scope, igsid: &str) -> Result<Vec<Customer>>;
    /// `None` when the customer does not exist or is not visible in `scope`.
    async fn timeline(
        &self,
        scope: Scope,
        customer: CustomerId,
    ) -> Result<Option<Vec<TimelineItem>>>;
    async fn conversations(&self, scope: Scope, state: Option<&str>) -> Result<Vec<Conversation>>;
    /// The newest `limit` items of a customer's timeline (merged profiles included)
    /// before item `before` (all when `None`), oldest first: a page of the console.
    /// `None` when the customer does not exist or is not visible in `scope`.
    async fn timeline_page(
        &self,
        scope: Scope,
        customer: CustomerId,
        before: Option<ItemId>,
        limit: i64,
    ) -> Result<Option<Vec<TimelineItem>>>;
    /// A customer's conversations (merged profiles included), newest first, if the
    /// customer is visible in `scope`.
    async fn customer_conversations(
        &self,
        scope: Scope,
        customer: CustomerId,
    ) -> Result<Vec<Conversation>>;
    /// The open conversations assigned to `agent`, the most recently active first.
    async fn agent_conversations(&self, agent: AgentId) -> Result<Vec<Conversation>>;
    /// One conversation, with its topics; `None` when it does not exist or is not
    /// visible in `scope`.
    async fn conversation(&self, scope: Scope, id: ConversationId) -> Result<Option<Conversation>>;
}

#[async_trait]
pub trait OutboxStore: Send + Sync + 'static {
    /// Writes a reply's parts (timeline items, status queued) and, when the customer
    /// has nothing else on its way, the first part's send job — one transaction. A
    /// private reply (`comment_id`) takes its comment's once-only flag in that same
    /// transaction: `StoreError::Conflict` when the comment has had its private reply.
    async fn queue_reply(&self, reply: NewReply, now: Millis) -> Result<Vec<ItemId>>;
    /// Leases due send jobs of accounts that may send now (not paused, not waiting
    /// for a new token), interactive ones first.
    async fn claim_sends(&self, limit: i64, now: Millis, lease_until: Millis) -> Result<Vec<Job>> {
        self.claim_sends_up_to(i64::MAX, limit, now, lease_until)
            .await
    }
    /// [`Self::claim_sends`] of the jobs of `max_priority` or a more urgent one
    /// (a lower number) only: a person's replies without the backlog behind them.
    async fn claim_sends_up_to(
        &self,
        max_priority: i64,
        limit: i64,
        now: Millis,
        lease_until: Millis,
    ) -> Result<Vec<Job>>;
    async fn outgoing(&self, item: ItemId) -> Result<Option<Outgoing>>;
    /// An attempt starts: from now on its outcome may be unknown (a crash). False
    /// when the message is no longer queued (a person's reply went ahead of it):
    /// then it must not be sent now.
    async fn mark_sending(&self, item: ItemId, now: Millis) -> Result<bool> {
        self.mark_sending_in(Lane::Api, item, now).await
    }
    /// [`Self::mark_sending`] of a message of `lane`: a person's reply (the
    /// console lane) goes ahead of the API's writes waiting for SQLite's writer.
    async fn mark_sending_in(&self, lane: Lane, item: ItemId, now: Millis) -> Result<bool>;
    /// Meta accepted it: record its id, complete the job, queue the customer's next.
    async fn record_sent(&self, job: JobId, item: ItemId, mid: &str, now: Millis) -> Result<()> {
        self.record_sent_in(Lane::Console, job, item, mid, now)
            .await
    }
    /// [`Self::record_sent`] of a message of `lane`: the API's backlog settles
    /// behind every other writer waiting for SQLite's writer.
    async fn record_sent_in(
        &self,
        lane: Lane,
        job: JobId,
        item: ItemId,
        mid: &str,
        now: Millis,
    ) -> Result<()>;
    /// [`Self::record_sent_in`] for several messages of `lane` in one transaction
    /// (SQLite: one commit). Each customer's queue is locked in turn, so on
    /// PostgreSQL, where instances settle side by side, send them one at a time.
    async fn record_all_sent(&self, lane: Lane, sent: &[SentRecord]) -> Result<()>;
    /// It will not be sent: record why (in words), complete the job, queue the next.
    async fn record_failed(
        &self,
        job: JobId,
        item: ItemId,
        reason: &str,
        now: Millis,
    ) -> Result<()>;
    /// Try again at `run_at` (the attempt did not reach Meta, or Meta said later).
    async fn record_retry(
        &self,
        job: JobId,
        item: ItemId,
        run_at: Millis,
        error: &str,
    ) -> Result<()>;
    /// Upkeep: gives the head of every customer queue that has waiting messages but
    /// nothing on its way (a lost hand-over) its send job. Returns how many were
    /// repaired; anything but 0 is a bug worth an alarm.
    async fn repair_stalled_queues(&self, now: Millis) -> Result<u64>;
    /// Whether a message with Meta's id `mid` is on the account's timelines already.
    async fn mid_stored(&self, account: AccountId, mid: &str) -> Result<bool>;
    /// Holds an account's sends until `until` (Meta throttling, the rate limit).
    async fn pause_sends(&self, account: AccountId, until: Millis, reason: &str) -> Result<()>;
    /// Meta rejected the token (190): the account needs reconnecting; its queue waits.
    /// Only if `token_sealed` (the token that was rejected) is still the account's: a
    /// call made with a token renewed meanwhile proves nothing about the new one.
    async fn mark_needs_reconnect(
        &self,
        account: AccountId,
        token_sealed: &str,
        reason: &str,
    ) -> Result<()>;
    /// Send times of the account's messages since `since`.
    async fn sends_since(&self, account: AccountId, since: Millis) -> Result<Vec<Millis>>;
    /// Send times of the account's private replies to comments since `since`.
    async fn private_replies_since(&self, account: AccountId, since: Millis)
        -> Result<Vec<Millis>>;
    async fn save_upload(
        &self,
        id: &str,
        content_type: &str,
        bytes: Vec<u8>,
        now: Millis,
    ) -> Result<()>;
    async fn upload(&self, id: &str) -> Result<Option<(String, Vec<u8>)>>;
    /// Upkeep: deletes uploads made before `before` that no unsent message (waiting,
    /// queued or sending) and no saved answer refers to. Answers how many went.
    async fn prune_uploads(&self, before: Millis) -> Result<u64>;
    /// Takes the one public reply a customer's comment may have, before it is posted:
    /// true for the one caller that took it, false when it was taken already (or
    /// `comment` is not a customer's comment). The decision is one conditional
    /// update, so of concurrent callers exactly one is told true.
    async fn claim_public_reply(&self, comment: ItemId) -> Result<bool>;
    /// Gives a claimed public reply back: Instagram did not post it.
    async fn release_public_reply(&self, comment: ItemId) -> Result<()>;
    /// A timeline item with the account and customer it belongs to (background work).
    async fn item_for_job(&self, item: ItemId) -> Result<Option<TimelineItem>>;
    /// Replaces an item's context (likes and comment moderation flags).
    async fn set_item_context(&self, item: ItemId, context: &ItemContext) -> Result<()>;
    /// A public reply igdesk posted under a comment: added to the timeline as sent,
    /// and the comment marked answered — one transaction.
    async fn record_comment_reply(
        &self,
        comment: ItemId,
        reply_id: &str,
        text: &str,
        now: Millis,
    ) -> Result<ItemId>;
}

/// Agents as administrators manage them, personal tokens, inbox settings.
#[async_trait]
pub trait PeopleStore: Send + Sync + 'static {
    /// The agent's own tokens, newest first (revoked ones included, marked).
    async fn agent_tokens(&self, agent: AgentId) -> Result<Vec<AgentToken>>;
    /// Revokes a token of the asking agent (anyone's for an administrator). `None`
    /// when there is no such token in `scope`. Revoking again keeps the first time.
    async fn revoke_agent_token(
        &self,
        scope: Scope,
        id: AgentTokenId,
        now: Millis,
    ) -> Result<Option<AgentToken>>;
    /// Every agent with inboxes and capacity (for administrators).
    async fn agent_details(&self) -> Result<Vec<AgentDetails>>;
    async fn agent_detail(&self, id: AgentId) -> Result<Option<AgentDetails>>;
    /// Applies `change` in one transaction; `None` when there is no such agent. New
    /// inboxes take the agent's offers and open conversations outside them away (back
    /// to waiting), as they take away what the agent may read.
    async fn update_agent(
        &self,
        id: AgentId,
        change: AgentChange,
        now: Millis,
    ) -> Result<Option<AgentDetails>>;
    /// `None` when there is no such inbox.
    async fn update_inbox(&self, id: InboxId, change: InboxChange) -> Result<Option<Inbox>>;
}

/// Topics agents tag conversations with (RT-6).
#[async_trait]
pub trait TopicStore: Send + Sync + 'static {
    /// All topics, by name.
    async fn topics(&self) -> Result<Vec<Topic>>;
    /// [`StoreError::Conflict`] when a topic of that name exists, in any case.
    async fn add_topic(&self, name: &str, now: Millis) -> Result<Topic>;
    /// Replaces the conversation's topics (ids that exist: the caller checks) and
    /// returns them; `None` when the conversation is not visible in `scope`.
    async fn set_conversation_topics(
        &self,
        scope: Scope,
        conversation: ConversationId,
        topics: &[TopicId],
    ) -> Result<Option<Vec<Topic>>>;
    /// Whether a reply to this customer must wait for a topic: its open conversation
    /// is in an inbox that requires one and has none yet.
    async fn reply_needs_topic(&self, scope: Scope, customer: CustomerId) -> Result<bool>;
}

/// Merging two profiles of one person (RT-7).
#[async_trait]
pub trait ProfileStore: Send + Sync + 'static {
    /// Merges `other` into `survivor`, both visible in `scope`: `other` (and any
    /// profile merged into it before) then points to `survivor`, whose empty contact
    /// details take `other`'s. Nothing is deleted; one transaction.
    async fn merge_customers(
        &self,
        scope: Scope,
        survivor: CustomerId,
        other: CustomerId,
    ) -> Result<MergeOutcome>;
}

/// Instagram's sender actions from the console: `mark_seen` when an agent opens a
/// conversation, `typing_on` while one types. Each is decided by a conditional update
/// in the same transaction that queues its `sender_action` job, so two agents opening
/// a conversation at once, or a reload, never send two.
#[async_trait]
pub trait SenderActionStore: Send + Sync + 'static {
    /// An agent opened the customer's conversation: when the customer has an open
    /// conversation and a message (not a comment) newer than the one last marked
    /// seen, marks that newest message seen and queues one `mark_seen` — one
    /// transaction. True when it queued one; false when there was nothing new to see.
    async fn mark_seen_once(&self, customer: CustomerId, now: Millis) -> Result<bool>;
    /// An agent is typing to the customer: queues one `typing_on` unless one was
    /// queued less than [`TYPING_EVERY`] ago. True when it queued one.
    async fn queue_typing(&self, customer: CustomerId, now: Millis) -> Result<bool>;
    /// Whether the account's sends are held now: paused (Meta's throttling, the rate
    /// limit), waiting for a new token, or removed. Sender actions are skipped then.
    async fn sends_held(&self, account: AccountId, now: Millis) -> Result<bool>;
}
