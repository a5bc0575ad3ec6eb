//! Product tokens of the Business Messaging API (SPEC API-1): made here, shown once,
//! stored hashed. The command line (`igdesk token …`) is one caller.

use crate::crypto::{hash_token, new_product_token};
use igdesk_store::{ApiToken, Store, StoreError};
use secrecy::{ExposeSecret, SecretString};

/// A new token for the account with Meta id `account_ig_id`, stored hashed; the
/// secret is returned once. `None` when no such account is connected.
pub async fn issue(
    store: &dyn Store,
    account_ig_id: &str,
    name: &str,
) -> Result<Option<(ApiToken, SecretString)>, StoreError> {
    let token = new_product_token();
    let hash = hash_token(token.expose_secret());
    let created = store
        .create_api_token(account_ig_id, name, &hash, crate::now_ms())
        .await?;
    Ok(created.map(|created| (created, token)))
}
