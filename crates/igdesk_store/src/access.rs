//! Who may sign in: agents switched off and on by administrators, and passwords
//! changed (UI-4). Each change is one transaction, so an agent is never half switched
//! off: signed out everywhere, tokens revoked, offers withdrawn and conversations back
//! in routing all happen together or not at all.

use crate::model::Agent;
use crate::Result;
use async_trait::async_trait;
use igdesk_domain::{AgentId, ConversationId, Millis};
use std::fmt;

/// Why a conversation whose agent was switched off was routed again.
pub const DEACTIVATED_ROUTED_REASON: &str =
    "Routed to you because the agent who had it was deactivated";

/// What an agent signs in with. The password hash is kept out of `Debug`, so it
/// cannot reach a log by accident.
#[derive(Clone)]
pub struct Credentials {
    pub agent: Agent,
    pub password_hash: String,
    /// Set while the agent is switched off.
    pub deactivated_at: Option<Millis>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("agent", &self.agent)
            .field("deactivated_at", &self.deactivated_at)
            .finish_non_exhaustive()
    }
}

/// What switching an agent off came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deactivation {
    /// Switched off now: how much was undone on the way.
    Done(Undone),
    Unknown,
    AlreadyDeactivated,
    /// The agent is the only administrator still switched on: without them nobody
    /// could reach the settings.
    LastAdmin,
}

/// What an agent switched off left behind, all in the switching-off transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Undone {
    pub sessions_ended: u64,
    pub tokens_revoked: u64,
    pub offers_withdrawn: u64,
    /// Open conversations that went back to routing (unassigned, their SLA clocks
    /// still running).
    pub conversations_returned: Vec<ConversationId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reactivation {
    Done,
    Unknown,
    NotDeactivated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordChange {
    Done {
        sessions_ended: u64,
    },
    Unknown,
    /// The hash was no longer the one the caller checked the current password
    /// against: someone else changed it meanwhile, and that change stands.
    Changed,
}

#[async_trait]
pub trait AgentAccessStore: Send + Sync + 'static {
    /// The agent's credentials, switched off or not.
    async fn credentials(&self, agent: AgentId) -> Result<Option<Credentials>>;
    /// By email, in any case, spaces around ignored (signing in).
    async fn credentials_by_email(&self, email: &str) -> Result<Option<Credentials>>;
    /// Switches the agent off, in one transaction: sessions deleted, personal tokens
    /// revoked, offers withdrawn (their agent told), open conversations unassigned
    /// and back in routing with [`DEACTIVATED_ROUTED_REASON`] (their SLA clocks keep
    /// running), away, and a `signed_out` event on their stream. Refused for the
    /// last administrator still switched on.
    async fn deactivate_agent(&self, agent: AgentId, now: Millis) -> Result<Deactivation>;
    /// Switches the agent on again: they sign in with their password (away until
    /// they say otherwise). Tokens stay revoked, and any session or token made while
    /// the switching off was under way is ended too.
    async fn reactivate_agent(&self, agent: AgentId, now: Millis) -> Result<Reactivation>;
    /// Replaces the password hash and ends the agent's sessions but `keep` (a
    /// session's token hash) — one transaction. With `expected`, only while the hash
    /// is still that one (the one the current password was checked against).
    async fn set_password(
        &self,
        agent: AgentId,
        password_hash: &str,
        expected: Option<&str>,
        keep: Option<&str>,
        now: Millis,
    ) -> Result<PasswordChange>;
}
