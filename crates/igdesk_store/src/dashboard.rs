//! What the operations dashboard is drawn from (SPEC UI-5): counts as the store
//! keeps them. The service turns them into percentiles, periods and per-inbox or
//! combined figures, once, for the page, the JSON API and Prometheus alike.

use crate::{Result, Scope};
use async_trait::async_trait;
use igdesk_domain::{AccountId, AgentId, ConversationId, CustomerId, InboxId, Millis};

/// The figures asked for: whose (an agent sees their own inboxes, an administrator
/// all), one inbox or all of them, the period (whole hours), and whether the intake
/// figures (igdesk-wide, for administrators) are wanted.
#[derive(Debug, Clone)]
pub struct DashboardQuery {
    pub scope: Scope,
    pub inbox: Option<InboxId>,
    pub from: Millis,
    pub to: Millis,
    pub now: Millis,
    /// The span of the accounts' message limit (OUT-5).
    pub send_window: Millis,
    pub intake: bool,
}

#[derive(Debug, Clone, Default)]
pub struct DashboardFigures {
    /// Upper bounds, in seconds, of the buckets answered waits are counted in.
    pub wait_buckets: Vec<i64>,
    /// The inboxes covered (visible to the asker, and the one asked for if any).
    pub inboxes: Vec<InboxNow>,
    /// Answered waits of the covered inboxes together, by hour and bucket.
    pub answered_by_hour: Vec<HourWaits>,
    /// Answered waits of each covered inbox over the whole period, by bucket.
    pub answered_by_inbox: Vec<InboxWaits>,
    pub unanswered: Vec<UnansweredWaits>,
    pub agents: Vec<AgentLoad>,
    /// Every connected account whose work goes to one of the inboxes.
    pub accounts: Vec<AccountTraffic>,
    pub intake: Option<IntakeFigures>,
}

/// An inbox's open work at this moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxNow {
    pub inbox: InboxId,
    pub name: String,
    pub sla_target_seconds: i64,
    /// Open, no agent, no offer out.
    pub routing: i64,
    pub offered: i64,
    pub assigned: i64,
    /// When the longest unanswered wait of an open conversation began.
    pub oldest_wait_since: Option<Millis>,
}

/// Waits answered, by the hour (UTC) they began and the bucket of their length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourWaits {
    pub hour: Millis,
    /// Index into [`DashboardFigures::wait_buckets`].
    pub bucket: usize,
    pub answered: i64,
    /// Answered after their due time.
    pub breached: i64,
}

/// One inbox's waits answered in the period, by the bucket of their length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxWaits {
    pub inbox: InboxId,
    pub bucket: usize,
    pub answered: i64,
    pub breached: i64,
}

/// Waits not answered (yet), by the hour they began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnansweredWaits {
    pub inbox: InboxId,
    pub hour: Millis,
    /// Past their due time.
    pub overdue: i64,
    pub within: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentLoad {
    pub agent: AgentId,
    pub available: bool,
    pub open_conversations: i64,
    pub standard_capacity: i64,
    /// The agent's inboxes among those asked for.
    pub inboxes: Vec<InboxId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountTraffic {
    pub account: AccountId,
    pub username: String,
    pub inbox: InboxId,
    pub sent_in_window: i64,
    pub private_replies_last_hour: i64,
    /// Messages waiting to leave, from people (console) and from the API.
    pub queued_people: i64,
    pub queued_api: i64,
    /// Sends held until then (the message limit, or Meta's rate limit).
    pub paused_until: Option<Millis>,
    pub pause_reason: Option<String>,
    pub needs_reconnect: bool,
    /// Messages that failed for good in the last hour, by reason, most first.
    pub failures_last_hour: Vec<(String, i64)>,
    /// Business Messaging API webhooks not yet delivered to the user's URLs.
    pub webhooks_pending: i64,
    /// When Meta last sent an event for the account (to the minute); none yet.
    pub last_event_at: Option<Millis>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntakeFigures {
    /// Deliveries received in each of the last 60 minutes that had any.
    pub last_hour_by_minute: Vec<(Millis, i64)>,
    /// Deliveries received in each hour of the period that had any.
    pub by_hour: Vec<(Millis, i64)>,
    /// Deliveries received and not yet processed.
    pub backlog: i64,
    /// Notes made in the period (unknown accounts, malformed events …), by kind.
    pub notes: Vec<(String, i64)>,
}

/// Answered waits since the beginning, for Prometheus' cumulative histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitTotal {
    pub inbox: InboxId,
    pub bucket: usize,
    pub answered: i64,
    pub breached: i64,
    pub wait_ms: i64,
}

/// A wait that broke its inbox's target: answered late, or not answered in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachedWait {
    pub conversation: ConversationId,
    pub customer: CustomerId,
    pub customer_name: String,
    pub inbox: InboxId,
    pub started_at: Millis,
    pub due_at: Millis,
    /// None: not answered yet.
    pub answered_at: Option<Millis>,
}

/// How many breached waits one look lists, the newest first.
pub const BREACHED_LISTED: i64 = 200;

#[async_trait]
pub trait DashboardStore: Send + Sync + 'static {
    async fn dashboard(&self, query: &DashboardQuery) -> Result<DashboardFigures>;
    /// The waits begun in the query's period that broke their target, newest first,
    /// at most [`BREACHED_LISTED`].
    async fn breached_waits(&self, query: &DashboardQuery) -> Result<Vec<BreachedWait>>;
    /// With the bucket bounds (seconds).
    async fn wait_totals(&self) -> Result<(Vec<i64>, Vec<WaitTotal>)>;
}
