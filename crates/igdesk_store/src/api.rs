//! The Business Messaging API's part of the store (SPEC API-1 … API-6): product
//! tokens, per-account settings, the messages it accepted, the webhooks owed to its
//! user, and the handover between the API's bot and igdesk's agents.

use crate::model::OutgoingPart;
use crate::Result;
use async_trait::async_trait;
use igdesk_domain::{
    AccountId, ApiTokenId, ApiWebhookId, ConversationId, CustomerId, ItemId, Millis,
};
use serde::Serialize;
use utoipa::ToSchema;

/// How long a customer's request for a person keeps the API's bot out (API-3).
pub const HANDOVER_FOR: Millis = igdesk_domain::time::DAY;
/// The quick-reply or postback payload by which a customer asks for a person.
pub const HUMAN_AGENT_PAYLOAD: &str = "HUMAN_AGENT";
/// Asks Meta to move a thread between apps: payload `pass:{customer}` or `take:{customer}`.
pub const JOB_THREAD_CONTROL: &str = "thread_control";
/// Why a conversation handed over by the API's bot was routed.
pub const HANDOVER_ROUTED_REASON: &str = "Routed to you because the customer asked for a person";

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: ApiTokenId,
    /// igdesk's row of the account the token may send from.
    pub account_id: AccountId,
    /// Meta's id of that account: the `from` of the token's messages.
    pub account_ig_id: String,
    pub name: String,
    pub created_at: Millis,
    pub revoked_at: Option<Millis>,
}

/// A product token as administrators list it: never the secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiTokenListing {
    #[serde(flatten)]
    pub token: ApiToken,
    /// When a message sent with it was last accepted; `null` if none ever was.
    pub last_used_at: Option<Millis>,
}

/// Where a customer asking for a person goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandoverTarget {
    /// An offer to igdesk's agents (RT-3).
    Agents,
    /// Instagram's own inbox, through Meta's conversation routing.
    InstagramInbox,
}

impl HandoverTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            HandoverTarget::Agents => "agents",
            HandoverTarget::InstagramInbox => "instagram_inbox",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "agents" => Some(HandoverTarget::Agents),
            "instagram_inbox" => Some(HandoverTarget::InstagramInbox),
            _ => None,
        }
    }
}

/// An account's API settings; the account is API-enabled while it has them.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    pub inbound_url: Option<String>,
    pub status_url: Option<String>,
    /// The Standard Webhooks signing secret, sealed like access tokens.
    pub secret_sealed: String,
    pub handover: HandoverTarget,
    pub inbound_retry_seconds: i64,
    pub status_retry_seconds: i64,
}

/// One message the API accepted for one recipient.
#[derive(Debug, Clone)]
pub struct NewApiMessage {
    pub account: AccountId,
    pub token: ApiTokenId,
    /// The recipient's IGSID.
    pub igsid: String,
    pub reference: Option<String>,
    pub valid_until: Option<Millis>,
    /// The Instagram messages it became, in order.
    pub parts: Vec<OutgoingPart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiQueued {
    Queued {
        items: Vec<ItemId>,
        /// People had the conversation; this send took it back (API-3).
        took_back: Option<TakenBack>,
    },
    /// No customer with this IGSID has written to the account: Instagram allows
    /// no first message.
    UnknownRecipient,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenBack {
    pub customer: CustomerId,
    /// The session that ended (its agent was told).
    pub conversation: Option<ConversationId>,
}

/// Which of the user's URLs a webhook goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookStream {
    /// Customer messages and events (API-4).
    Inbound,
    /// Status reports (API-5).
    Status,
}

impl WebhookStream {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookStream::Inbound => "inbound",
            WebhookStream::Status => "status",
        }
    }
}

/// A webhook leased for one delivery attempt.
#[derive(Debug, Clone)]
pub struct DueWebhook {
    pub id: ApiWebhookId,
    pub account_id: AccountId,
    pub stream: WebhookStream,
    pub payload: String,
    /// Attempts before this one.
    pub attempts: i64,
    pub expires_at: Millis,
    /// Where to POST it now (the setting may have changed since it was written);
    /// `None` when the URL was removed: it waits.
    pub url: Option<String>,
    pub secret_sealed: String,
}

/// What became of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// Acknowledged (any 2xx) at this time.
    Delivered(Millis),
    /// Not acknowledged: another attempt then (after backoff).
    Retry { at: Millis, error: String },
    /// Retried until its time ran out: given up, and the next of its conversation goes.
    Expired(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookCounts {
    pub pending: i64,
    pub delivered: i64,
    pub expired: i64,
}

/// A webhook the user's URL has not acknowledged: still retried, or given up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookFailure {
    pub id: ApiWebhookId,
    pub stream: WebhookStream,
    /// True once retried until its time ran out.
    pub expired: bool,
    pub attempts: i64,
    /// What the last attempt met (a status, a timeout …).
    pub error: String,
    pub created_at: Millis,
    /// When it is tried again, while it is retried.
    pub next_attempt_at: Option<Millis>,
}

#[async_trait]
pub trait ApiStore: Send + Sync + 'static {
    /// A new token for the account with Meta id `account_ig_id`; `None` when no such
    /// (connected) account exists.
    async fn create_api_token(
        &self,
        account_ig_id: &str,
        name: &str,
        token_hash: &str,
        now: Millis,
    ) -> Result<Option<ApiToken>>;
    /// Every token, newest first, revoked ones included.
    async fn api_tokens(&self) -> Result<Vec<ApiToken>>;
    /// Revokes it (the first revocation time is kept); `None` when unknown.
    async fn revoke_api_token(&self, id: ApiTokenId, now: Millis) -> Result<Option<ApiToken>>;
    /// The account's tokens, newest first, revoked ones included, each with when it
    /// last had a message accepted.
    async fn account_api_tokens(&self, account: AccountId) -> Result<Vec<ApiTokenListing>>;
    /// Revokes the account's token `id` (the first revocation time is kept); `None`
    /// when the account has no such token.
    async fn revoke_account_api_token(
        &self,
        account: AccountId,
        id: ApiTokenId,
        now: Millis,
    ) -> Result<Option<ApiToken>>;
    /// The token with this hash, revoked or not.
    async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>>;

    async fn api_settings(&self, account: AccountId) -> Result<Option<ApiSettings>>;
    /// Creates or replaces the account's settings (it becomes API-enabled).
    async fn set_api_settings(
        &self,
        account: AccountId,
        settings: &ApiSettings,
        now: Millis,
    ) -> Result<()>;
    /// The account is no longer API-enabled; webhooks not yet delivered are dropped.
    async fn disable_api(&self, account: AccountId) -> Result<bool>;
    /// Every API-enabled account's sealed webhook signing secret.
    async fn api_sealed_secrets(&self) -> Result<Vec<(AccountId, String)>>;
    /// Replaces sealed secrets `(account, old, new)` in one transaction, each only if
    /// the account still holds `old`. Returns how many rows changed.
    async fn replace_api_sealed_secrets(
        &self,
        changes: &[(AccountId, String, String)],
    ) -> Result<u64>;

    /// Writes each message's parts to its customer's outbox (the API lane, behind
    /// any person's reply), and takes a conversation back from people if they had it
    /// — all in one transaction (one request of the API), answering each message's
    /// outcome in order.
    async fn queue_api_messages(
        &self,
        messages: Vec<NewApiMessage>,
        now: Millis,
    ) -> Result<Vec<ApiQueued>>;

    /// [`Self::queue_api_messages`] of one message.
    async fn queue_api_message(&self, message: NewApiMessage, now: Millis) -> Result<ApiQueued> {
        let mut queued = self.queue_api_messages(vec![message], now).await?;
        queued
            .pop()
            .ok_or_else(|| crate::StoreError::Corrupt("no outcome for the message".into()))
    }

    /// Leases webhooks that are due, each the oldest undelivered one of its
    /// conversation and stream, so they arrive in order.
    async fn claim_webhooks(
        &self,
        limit: i64,
        now: Millis,
        lease_until: Millis,
    ) -> Result<Vec<DueWebhook>>;
    /// Records one delivery attempt's outcome and ends the lease.
    async fn settle_webhook(&self, id: ApiWebhookId, outcome: WebhookOutcome) -> Result<()>;
    async fn webhook_counts(&self, account: AccountId) -> Result<WebhookCounts>;
    /// The account's newest webhooks whose last attempt failed and that are not
    /// delivered (retried or given up), newest first, at most `limit`.
    async fn webhook_failures(&self, account: AccountId, limit: i64)
        -> Result<Vec<WebhookFailure>>;

    /// Handovers older than [`HANDOVER_FOR`] return to the API: the sessions people
    /// still have end (their agents are told), and Instagram's inbox is asked to give
    /// threads back. Returns the customers affected.
    async fn end_expired_handovers(&self, now: Millis) -> Result<Vec<TakenBack>>;
}
