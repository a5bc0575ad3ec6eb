//! Connecting accounts with Meta's login (ACC-1, ACC-6): the attempts in progress,
//! and the account rows they write.

use crate::model::{Account, NewAccount};
use crate::Result;
use async_trait::async_trait;
use igdesk_domain::{AccountId, AgentId, Millis};

/// An attempt lives this long between the dialog and Meta's callback.
pub const CONNECT_ATTEMPT_TTL: Millis = 10 * 60_000;

/// A login started by an administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectAttempt {
    pub agent: AgentId,
    /// `facebook` or `instagram`.
    pub login_path: String,
    pub created_at: Millis,
    /// Meta's callback arrived.
    pub returned_at: Option<Millis>,
    /// What was found then (JSON the service wrote, tokens sealed).
    pub found: Option<String>,
    /// Accounts were connected from it.
    pub finished_at: Option<Millis>,
}

/// The callback's claim on an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackClaim {
    Taken(ConnectAttempt),
    Unknown,
    /// Meta's callback already came for it (a reused state).
    Used,
    Expired,
}

#[async_trait]
pub trait ConnectStore: Send + Sync + 'static {
    async fn start_connect(
        &self,
        state_hash: &str,
        agent: AgentId,
        login_path: &str,
        now: Millis,
    ) -> Result<()>;
    /// Meta's callback takes the attempt: once, within [`CONNECT_ATTEMPT_TTL`].
    async fn claim_connect_callback(&self, state_hash: &str, now: Millis) -> Result<CallbackClaim>;
    async fn record_connect_found(&self, state_hash: &str, found: &str) -> Result<()>;
    async fn connect_attempt(&self, state_hash: &str) -> Result<Option<ConnectAttempt>>;
    /// Marks the attempt used for connecting: true the first time only.
    async fn finish_connect(&self, state_hash: &str, now: Millis) -> Result<bool>;
    /// Stores a connected account: a new row, or the same Instagram account's row
    /// (removed or not) brought up to date: token, names, login path; it is no
    /// longer removed or needing reconnecting, and its held messages are due now.
    /// True when it was connected before.
    async fn upsert_account(&self, account: NewAccount, now: Millis) -> Result<(Account, bool)>;
    async fn set_subscription(
        &self,
        account: AccountId,
        subscribed: bool,
        now: Millis,
    ) -> Result<()>;
    /// Removes the account: it stops sending, its waiting messages fail as "account
    /// removed", its history stays readable; Meta's events for it are then noted,
    /// not processed. None when there is no such account.
    async fn remove_account(&self, account: AccountId, now: Millis) -> Result<Option<Account>>;
}
