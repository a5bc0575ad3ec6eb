//! The company's accounts a customer follows and is followed by (IN-5, seed 000
//! [D] and [E]). Instagram answers `is_user_follow_business` and
//! `is_business_follow_user` per business account, for the IGSID the person has
//! with that account, and only once they wrote to it. One person has a different
//! IGSID — a different customer — per account, so the profile gathers their facts
//! from every connected account where a customer has the same username (as
//! Instagram shows it: any case), or was merged into this one by an agent.

use crate::{Customer, Result, Scope};
use async_trait::async_trait;
use igdesk_domain::{AccountId, CustomerId, Millis};

/// What one connected account knows of the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyFollow {
    pub account: AccountId,
    /// The account's own username, as the list shows it.
    pub account_username: String,
    /// The person as that account's customer.
    pub customer: CustomerId,
    /// Whether they follow the account (none: not known yet).
    pub follows_account: Option<bool>,
    /// Whether the account follows them.
    pub followed_by_account: Option<bool>,
    pub fetched_at: Option<Millis>,
}

#[async_trait]
pub trait FollowStore: Send + Sync + 'static {
    /// The person's follow facts per connected account, the customer's own account
    /// first, then by account; empty when the customer is not visible in `scope`.
    async fn company_follows(&self, scope: Scope, id: CustomerId) -> Result<Vec<CompanyFollow>>;
    /// For background work: the customers of connected accounts whose username is
    /// one of `usernames` (any case); none while one account is connected (there is
    /// no other account to find the person at). No scope, never exposed through the
    /// API.
    async fn customers_by_username(&self, usernames: &[String]) -> Result<Vec<Customer>>;
}
