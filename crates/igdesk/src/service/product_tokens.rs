//! Product tokens of the Business Messaging API (API-1) as administrators manage
//! them in the settings: made per account and shown once, listed without secrets,
//! revoked. `/v1.0/message` refuses a revoked token at once (it reads the token's
//! row on every request). The command line (`igdesk token create`) makes them too.

use super::access::require_admin;
use super::error::ServiceError;
use crate::app::App;
use igdesk_domain::{AccountId, ApiTokenId};
use igdesk_store::{Account, Agent, ApiToken, ApiTokenListing};
use secrecy::SecretString;

pub const NAME_MAX_CHARS: usize = 100;

/// A new token's row and, this once, its secret.
pub struct IssuedProductToken {
    pub token: ApiToken,
    pub secret: SecretString,
}

/// A new token for the account, named (1 to 100 characters, where it is used).
pub async fn create(
    app: &App,
    admin: &Agent,
    account: AccountId,
    name: &str,
) -> Result<IssuedProductToken, ServiceError> {
    require_admin(admin)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        return Err(ServiceError::bad_request(
            "invalid_name",
            format!("a token needs a name of 1 to {NAME_MAX_CHARS} characters (where it is used)"),
        )
        .field("name"));
    }
    let account = connected(app, account).await?;
    let (token, secret) = crate::product_tokens::issue(app.store.as_ref(), &account.ig_id, name)
        .await?
        // Removed between the two reads.
        .ok_or_else(|| ServiceError::not_found("account"))?;
    tracing::info!(
        account.id = account.id.0,
        token.id = token.id.0,
        by = admin.id.0,
        "product token made"
    );
    Ok(IssuedProductToken { token, secret })
}

/// The account's tokens, newest first, revoked ones included; never their secrets.
pub async fn list(
    app: &App,
    admin: &Agent,
    account: AccountId,
) -> Result<Vec<ApiTokenListing>, ServiceError> {
    require_admin(admin)?;
    let account = connected(app, account).await?;
    Ok(app.store.account_api_tokens(account.id).await?)
}

/// Revokes the account's token: `/v1.0/message` refuses it from now on. Revoking
/// again keeps the first time.
pub async fn revoke(
    app: &App,
    admin: &Agent,
    account: AccountId,
    token: ApiTokenId,
) -> Result<ApiToken, ServiceError> {
    require_admin(admin)?;
    let account = connected(app, account).await?;
    let revoked = app
        .store
        .revoke_account_api_token(account.id, token, crate::now_ms())
        .await?
        .ok_or_else(|| ServiceError::not_found("product token"))?;
    tracing::info!(
        account.id = account.id.0,
        token.id = token.0,
        by = admin.id.0,
        "product token revoked"
    );
    Ok(revoked)
}

async fn connected(app: &App, account: AccountId) -> Result<Account, ServiceError> {
    app.store
        .account(account)
        .await?
        .ok_or_else(|| ServiceError::not_found("account"))
}
