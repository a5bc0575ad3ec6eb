//! Typed ids. igdesk's own rows are numbered (`CustomerId`, `ConversationId` …); Meta's
//! identifiers are strings with their own types so an IGSID can never be passed where a
//! message id or an account id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

macro_rules! row_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

macro_rules! meta_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    )*};
}

row_id!(
    /// A connected Instagram professional account (igdesk's row, not Meta's id).
    AccountId,
    /// A customer profile.
    CustomerId,
    /// A messaging session with one customer on one account.
    ConversationId,
    /// One item on a customer's timeline.
    ItemId,
    /// A group of agents that work arrives in.
    InboxId,
    /// A person signed in to the console (agent or administrator).
    AgentId,
    /// One webhook POST as Meta sent it.
    DeliveryId,
    /// A unit of background work.
    JobId,
    /// A piece of work offered to one agent, waiting for an answer.
    OfferId,
    /// One entry of an agent's live event stream.
    EventId,
    /// A personal API token of an agent (the row, never the secret).
    AgentTokenId,
    /// A label agents tag conversations with (RT-6).
    TopicId,
    /// A product token of the Business Messaging API (the row, never the secret).
    ApiTokenId,
    /// A webhook owed to the Business Messaging API's user.
    ApiWebhookId,
    /// An answer administrators keep for agents to insert in the composer.
    SavedAnswerId,
    /// A conversation handed from one agent to another agent or an inbox.
    TransferId,
    /// An automatic-reply rule administrators set (what matches, what igdesk does).
    RuleId,
);

meta_id!(
    /// Meta's id of a professional account (`entry[].id`, `IG_ID`).
    IgAccountId,
    /// Instagram-scoped user id: one per person *per business account*.
    Igsid,
    /// Meta's message id (`mid`); messages, echoes and deletions share it.
    Mid,
);
