//! Meta's login in progress, and the account rows it writes (ACC-1, ACC-6). Each
//! step that must happen once (the callback, the connecting) is a conditional
//! update that decides: of two racing requests, one changes the row, the other
//! finds it changed.

use super::{api_events, events, rows, SqlStore};
use crate::connect::*;
use crate::model::{Account, NewAccount};
use crate::{AccountStore as _, Result, JOB_SEND};
use async_trait::async_trait;
use igdesk_domain::{AccountId, AgentId, ItemId, Millis};
use sqlx::Row as _;

/// Why a removed account's waiting messages did not go.
const REMOVED: &str = "account removed";

fn attempt(r: &super::Row) -> Result<ConnectAttempt> {
    Ok(ConnectAttempt {
        agent: AgentId(r.try_get("agent_id")?),
        login_path: r.try_get("login_path")?,
        created_at: r.try_get("created_at")?,
        returned_at: r.try_get("returned_at")?,
        found: r.try_get("found")?,
        finished_at: r.try_get("finished_at")?,
    })
}

const ATTEMPT_COLUMNS: &str = "agent_id, login_path, created_at, returned_at, found, finished_at";

#[async_trait]
impl ConnectStore for SqlStore {
    async fn start_connect(
        &self,
        state_hash: &str,
        agent: AgentId,
        login_path: &str,
        now: Millis,
    ) -> Result<()> {
        let mut writing = self.write().await?;
        // Attempts nobody finished are of no use after a day.
        sqlx::query("DELETE FROM connect_attempts WHERE created_at < $1")
            .bind(now - igdesk_domain::time::DAY)
            .execute(&mut *writing.tx)
            .await?;
        sqlx::query(
            "INSERT INTO connect_attempts (state_hash, agent_id, login_path, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(state_hash.to_owned())
        .bind(agent.0)
        .bind(login_path.to_owned())
        .bind(now)
        .execute(&mut *writing.tx)
        .await?;
        writing.commit().await
    }

    async fn claim_connect_callback(&self, state_hash: &str, now: Millis) -> Result<CallbackClaim> {
        let mut writing = self.write().await?;
        let taken = sqlx::query(&format!(
            "UPDATE connect_attempts SET returned_at = $1 \
             WHERE state_hash = $2 AND returned_at IS NULL AND created_at > $3 RETURNING {ATTEMPT_COLUMNS}"
        ))
        .bind(now)
        .bind(state_hash.to_owned())
        .bind(now - CONNECT_ATTEMPT_TTL)
        .fetch_all(&mut *writing.tx)
        .await?;
        if let Some(row) = taken.first() {
            let claimed = attempt(row)?;
            writing.commit().await?;
            return Ok(CallbackClaim::Taken(claimed));
        }
        let found = sqlx::query(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM connect_attempts WHERE state_hash = $1"
        ))
        .bind(state_hash.to_owned())
        .fetch_all(&mut *writing.tx)
        .await?;
        writing.commit().await?;
        Ok(match found.first().map(attempt).transpose()? {
            None => CallbackClaim::Unknown,
            Some(a) if a.returned_at.is_some() => CallbackClaim::Used,
            Some(_) => CallbackClaim::Expired,
        })
    }

    async fn record_connect_found(&self, state_hash: &str, found: &str) -> Result<()> {
        let mut writing = self.write().await?;
        sqlx::query("UPDATE connect_attempts SET found = $1 WHERE state_hash = $2")
            .bind(found.to_owned())
            .bind(state_hash.to_owned())
            .execute(&mut *writing.tx)
            .await?;
        writing.commit().await
    }

    async fn connect_attempt(&self, state_hash: &str) -> Result<Option<ConnectAttempt>> {
        let found = sqlx::query(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM connect_attempts WHERE state_hash = $1"
        ))
        .bind(state_hash.to_owned())
        .fetch_all(&self.pool)
        .await?;
        rows::first(found, attempt)
    }

    async fn finish_connect(&self, state_hash: &str, now: Millis) -> Result<bool> {
        let mut writing = self.write().await?;
        let done = sqlx::query(
            "UPDATE connect_attempts SET finished_at = $1 WHERE state_hash = $2 AND finished_at IS NULL",
        )
        .bind(now)
        .bind(state_hash.to_owned())
        .execute(&mut *writing.tx)
        .await?
        .rows_affected();
        writing.commit().await?;
        Ok(done == 1)
    }

    async fn upsert_account(&self, new: NewAccount, now: Millis) -> Result<(Account, bool)> {
        let mut writing = self.write().await?;
        let existing = sqlx::query("SELECT id FROM accounts WHERE ig_id = $1")
            .bind(new.ig_id.clone())
            .fetch_all(&mut *writing.tx)
            .await?;
        let (id, before) = match existing.first() {
            Some(row) => {
                let id: i64 = row.try_get("id")?;
                sqlx::query(
                    "UPDATE accounts SET page_id = $1, page_name = $2, username = $3, login_path = $4, \
                     token_sealed = $5, needs_reconnect = 0, pause_reason = NULL, send_paused_until = 0, \
                     removed_at = NULL WHERE id = $6",
                )
                .bind(new.page_id)
                .bind(new.page_name)
                .bind(new.username)
                .bind(new.login_path)
                .bind(new.token_sealed)
                .bind(id)
                .execute(&mut *writing.tx)
                .await?;
                // Its held messages are due now, not at their last retry time.
                sqlx::query("UPDATE jobs SET run_at = $1 WHERE dead = 0 AND account_id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *writing.tx)
                    .await?;
                (id, true)
            }
            None => {
                let inserted = sqlx::query(
                    "INSERT INTO accounts (ig_id, page_id, page_name, username, login_path, token_sealed, \
                     echo, story_mentions_create, comments_create, added_by, added_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(new.ig_id.clone())
                .bind(new.page_id)
                .bind(new.page_name)
                .bind(new.username)
                .bind(new.login_path)
                .bind(new.token_sealed)
                .bind(i64::from(new.settings.echo))
                .bind(i64::from(new.settings.story_mentions_create_conversations))
                .bind(i64::from(new.settings.comments_create_conversations))
                .bind(new.added_by)
                .bind(now)
                .fetch_all(&mut *writing.tx)
                .await?;
                let row = inserted
                    .first()
                    .ok_or_else(|| rows::corrupt("an insert returned no id"))?;
                (row.try_get("id")?, false)
            }
        };
        writing.commit().await?;
        let account = self
            .account(AccountId(id))
            .await?
            .ok_or_else(|| rows::corrupt("a connected account vanished"))?;
        Ok((account, before))
    }

    async fn set_subscription(
        &self,
        account: AccountId,
        subscribed: bool,
        now: Millis,
    ) -> Result<()> {
        let mut writing = self.write().await?;
        sqlx::query(
            "UPDATE accounts SET subscribed = $1, subscription_checked_at = $2 WHERE id = $3",
        )
        .bind(i64::from(subscribed))
        .bind(now)
        .bind(account.0)
        .execute(&mut *writing.tx)
        .await?;
        writing.commit().await
    }

    async fn remove_account(&self, account: AccountId, now: Millis) -> Result<Option<Account>> {
        let Some(before) = self.account(account).await? else {
            return Ok(None);
        };
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let removed = sqlx::query(
            "UPDATE accounts SET removed_at = $1, subscribed = 0 WHERE id = $2 AND removed_at IS NULL",
        )
        .bind(now)
        .bind(account.0)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if removed == 0 {
            return Ok(None);
        }
        sqlx::query(&format!(
            "DELETE FROM jobs WHERE account_id = $1 AND kind = '{JOB_SEND}'"
        ))
        .bind(account.0)
        .execute(&mut **tx)
        .await?;
        let waiting = sqlx::query(
            "UPDATE outgoing SET state = 'failed', error = $1, failed_at = $2, sending_since = NULL \
             WHERE account_id = $3 AND state IN ('waiting', 'queued', 'sending') RETURNING item_id",
        )
        .bind(REMOVED)
        .bind(now)
        .bind(account.0)
        .fetch_all(&mut **tx)
        .await?;
        for row in &waiting {
            let item: i64 = row.try_get("item_id")?;
            sqlx::query(
                "UPDATE timeline_items SET status = 'failed' WHERE id = $1 AND status = 'queued'",
            )
            .bind(item)
            .execute(&mut **tx)
            .await?;
            events::for_item(tx, item, "status", now).await?;
            api_events::part_failed(tx, ItemId(item), REMOVED, now).await?;
        }
        writing.commit().await?;
        Ok(Some(before))
    }
}
