//! An account's sending limits, counted in the database so that every instance on
//! it sees every send (issue 16): igdesk's message limit over its window (OUT-5),
//! Meta's calls per second, Meta's private replies per hour, and a pause Meta asked
//! for (a throttle, or usage nearly full), which then holds on every instance.

use crate::Result;
use async_trait::async_trait;
use igdesk_domain::{AccountId, Millis};

/// One send asked for, with the limits it must fit.
#[derive(Debug, Clone, Copy)]
pub struct SendAsk {
    /// A private reply to a comment: Meta allows so many per hour.
    pub private_reply: bool,
    /// A person's reply: it may use Meta's whole per-second rate, where the
    /// backlog keeps a tenth free for people.
    pub interactive: bool,
    /// igdesk's message limit over `window` (OUT-5).
    pub limit: i64,
    pub window: Millis,
    /// Meta's calls per second for the account.
    pub per_second: i64,
    /// Meta's private replies per hour.
    pub private_per_hour: i64,
}

/// Whether a send may go now and, if not, from when it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendGrant {
    /// Counted: send it now.
    Granted,
    /// The account is paused (Meta throttled it, or its usage is nearly full).
    Paused(Millis),
    /// igdesk's message limit is reached until then.
    AccountFull(Millis),
    /// Meta's private replies per hour are used until then.
    PrivateRepliesFull(Millis),
    /// Meta's rate for this second is used until then (under a second away).
    SecondFull(Millis),
}

/// The per-second share the backlog may take: a tenth is kept for people's
/// replies, as the in-process pacer does.
pub fn backlog_share(per_second: i64) -> i64 {
    (per_second - per_second / 10).max(1)
}

#[async_trait]
pub trait SendLimitStore: Send + Sync + 'static {
    /// Grants one send at `now` if the account is not paused and every limit has
    /// room, counting it at once; otherwise says until when it must wait. Grants
    /// for one account are taken one at a time across instances (the account's
    /// row is locked), so two instances never both take the last place.
    async fn reserve_send(
        &self,
        account: AccountId,
        ask: SendAsk,
        now: Millis,
    ) -> Result<SendGrant>;
    /// Upkeep: forgets grants made before `before` (older than every window).
    async fn prune_send_grants(&self, before: Millis) -> Result<u64>;
}
