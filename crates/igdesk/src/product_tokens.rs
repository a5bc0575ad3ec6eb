//! Product tokens of the Business Messaging API (SPEC API-1), and `igdesk token …`.

use crate::cli::TokenCommand;
use crate::config::RawSettings;
use crate::crypto::{hash_token, new_product_token};
use anyhow::bail;
use igdesk_domain::ApiTokenId;
use igdesk_store::prelude::*;
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

pub(crate) async fn run(raw: RawSettings, command: TokenCommand) -> anyhow::Result<()> {
    let store = igdesk_store::connect(&raw.database_url()?).await?;
    let now = crate::now_ms();
    match command {
        TokenCommand::Create { account, name } => {
            if account.trim().is_empty() {
                bail!("--account must not be empty");
            }
            let Some((created, token)) = issue(&store, &account, name.trim()).await? else {
                bail!("no connected account has Instagram id {account:?}");
            };
            println!(
                "created token {} for account {}{}",
                created.id,
                created.account_ig_id,
                label(&created)
            );
            println!("product token (shown once): {}", token.expose_secret());
        }
        TokenCommand::List => {
            for t in store.api_tokens().await? {
                let state = match t.revoked_at {
                    Some(_) => "revoked",
                    None => "active",
                };
                println!("{}\t{}\t{}\t{}", t.id, t.account_ig_id, state, t.name);
            }
        }
        TokenCommand::Revoke { id } => match store.revoke_api_token(ApiTokenId(id), now).await? {
            Some(t) => println!("revoked token {} of account {}", t.id, t.account_ig_id),
            None => bail!("there is no token {id}"),
        },
    }
    Ok(())
}

fn label(token: &ApiToken) -> String {
    match token.name.as_str() {
        "" => String::new(),
        name => format!(" ({name})"),
    }
}
