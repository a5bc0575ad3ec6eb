//! Connecting Instagram accounts (ACC-1, ACC-7), shared by the CLI, the demo and tests.

use crate::crypto::Sealer;
use crate::now_ms;
use igdesk_domain::ConversationSettings;
use igdesk_store::{Account, NewAccount, NewJob, Store, JOB_IMPORT_HISTORY, JOB_REFRESH_TOKEN};
use secrecy::SecretString;

pub struct Connection {
    pub ig_id: String,
    pub page_id: String,
    pub page_name: String,
    pub username: String,
    /// `facebook` or `instagram`.
    pub login_path: String,
    pub token: SecretString,
    pub added_by: String,
    pub settings: ConversationSettings,
}

/// Stores the account (its token encrypted), queues the import of its recent
/// conversations and, for Instagram Login, the renewal of its token; the workers of
/// a running igdesk pick them up.
pub async fn connect(store: &dyn Store, sealer: &Sealer, c: Connection) -> anyhow::Result<Account> {
    let account = store
        .add_account(
            NewAccount {
                token_sealed: sealer.seal_token(&c.ig_id, &c.token),
                ig_id: c.ig_id,
                page_id: c.page_id,
                page_name: c.page_name,
                username: c.username,
                login_path: c.login_path,
                added_by: c.added_by,
                settings: c.settings,
            },
            now_ms(),
        )
        .await?;
    queue_first_jobs(store, &account).await?;
    Ok(account)
}

/// A newly connected account's first work: the import of its recent conversations
/// and, for Instagram Login, the renewal of its token.
pub async fn queue_first_jobs(store: &dyn Store, account: &Account) -> anyhow::Result<()> {
    if account.login_path == "instagram" {
        store
            .enqueue_job(
                NewJob {
                    kind: JOB_REFRESH_TOKEN.into(),
                    dedup_key: Some(format!("{JOB_REFRESH_TOKEN}:{}", account.id)),
                    payload: account.id.0.to_string(),
                    run_at: now_ms() + crate::workers::token::REFRESH_EVERY,
                },
                now_ms(),
            )
            .await?;
    }
    store
        .enqueue_job(
            NewJob {
                kind: JOB_IMPORT_HISTORY.into(),
                dedup_key: Some(format!("{JOB_IMPORT_HISTORY}:{}", account.id)),
                payload: account.id.0.to_string(),
                run_at: now_ms(),
            },
            now_ms(),
        )
        .await?;
    Ok(())
}

/// Seals again, in the current format, every account token still in the old one
/// (a key derived with HKDF, each token bound to its account). Run at
/// start-up, before anything reads a token: it needs the key, so it cannot be a SQL
/// migration. One transaction for all; once done, later starts find nothing to do.
/// A token the configured key cannot open stops the start, naming the account and
/// the setting: the key was changed, and nothing could be sent from it anyway.
pub async fn reseal_tokens(store: &dyn Store, sealer: &Sealer) -> anyhow::Result<u64> {
    let mut changes = Vec::new();
    for (id, ig_id, sealed) in store.account_sealed_tokens().await? {
        if !Sealer::is_legacy(&sealed) {
            continue;
        }
        let token = sealer.unseal_token(&ig_id, &sealed).map_err(|_| {
            anyhow::anyhow!(
                "the stored token of account {id} (Instagram id {ig_id}) cannot be \
                 decrypted with IGDESK_SECRET_KEY: was the key changed? Start with the \
                 key it was stored under (it is then sealed again in the new format)"
            )
        })?;
        changes.push((id, sealed.clone(), sealer.seal_token(&ig_id, &token)));
    }
    if changes.is_empty() {
        return Ok(0);
    }
    let changed = store.replace_sealed_tokens(&changes).await?;
    tracing::info!(
        changed,
        "account tokens sealed again with the derived key, bound to their account"
    );
    Ok(changed)
}

/// Seals again, in the current format, every API webhook signing secret still in the
/// old one, at start-up like the tokens. A secret the key cannot open stops the start
/// the same way: webhooks could not be signed with it.
pub async fn reseal_webhook_secrets(store: &dyn Store, sealer: &Sealer) -> anyhow::Result<u64> {
    let mut changes = Vec::new();
    for (account, sealed) in store.api_sealed_secrets().await? {
        if !Sealer::is_legacy(&sealed) {
            continue;
        }
        let secret = sealer.unseal(&sealed).map_err(|_| {
            anyhow::anyhow!(
                "the API webhook signing secret of account {account} cannot be decrypted \
                 with IGDESK_SECRET_KEY: was the key changed? Start with the key it was \
                 stored under (it is then sealed again in the new format)"
            )
        })?;
        changes.push((account, sealed.clone(), sealer.seal(&secret)));
    }
    if changes.is_empty() {
        return Ok(0);
    }
    let changed = store.replace_api_sealed_secrets(&changes).await?;
    tracing::info!(
        changed,
        "API webhook signing secrets sealed again with the derived key"
    );
    Ok(changed)
}
