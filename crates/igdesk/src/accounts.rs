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
                ig_id: c.ig_id,
                page_id: c.page_id,
                page_name: c.page_name,
                username: c.username,
                login_path: c.login_path,
                token_sealed: sealer.seal(&c.token),
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
