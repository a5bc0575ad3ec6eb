//! Instagram's sender actions from the console (`mark_seen`, `typing_on`). Whether one
//! goes is decided by a conditional update of the customer's row, in the transaction
//! that queues its job: of two agents opening a conversation at once (or one page
//! drawn twice), the second finds the mark already moved and queues nothing. On
//! PostgreSQL the second `UPDATE` waits for the first's row lock and then re-checks
//! its condition against the committed row; SQLite's one writer serializes them.

use super::{SqlStore, WriteTx};
use crate::{Result, SenderActionStore, JOB_SENDER_ACTION, TYPING_EVERY};
use async_trait::async_trait;
use igdesk_domain::{AccountId, CustomerId, Millis};
use sqlx::Row as _;

/// Sender actions are the console's, interactive: ahead of the API's work.
const PRIORITY: i64 = 0;

#[async_trait]
impl SenderActionStore for SqlStore {
    async fn mark_seen_once(&self, customer: CustomerId, now: Millis) -> Result<bool> {
        // The customer's newest message in the thread (comments are not in it), if
        // they have an open conversation: a conversation nobody works on is not seen.
        // Read first: most views find it seen already and need no write at all (on
        // SQLite a write is a turn at the writer intake uses).
        let found = sqlx::query(
            "SELECT c.account_id, c.seen_up_to_item, \
               (SELECT MAX(t.id) FROM timeline_items t WHERE t.customer_id = c.id \
                 AND t.direction = 'in' AND t.kind <> 'comment') AS newest \
             FROM customers c WHERE c.id = $1 AND EXISTS (SELECT 1 FROM conversations v \
               WHERE v.customer_id = c.id AND v.state = 'open')",
        )
        .bind(customer.0)
        .fetch_all(&self.pool)
        .await?;
        let Some(row) = found.first() else {
            return Ok(false);
        };
        let account: i64 = row.try_get("account_id")?;
        let seen: i64 = row.try_get("seen_up_to_item")?;
        let Some(newest) = row
            .try_get::<Option<i64>, _>("newest")?
            .filter(|n| *n > seen)
        else {
            return Ok(false);
        };
        // The conditional update decides: of two views at once, one moves the mark.
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let moved = sqlx::query(
            "UPDATE customers SET seen_up_to_item = $1 WHERE id = $2 AND seen_up_to_item < $1",
        )
        .bind(newest)
        .bind(customer.0)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Ok(false);
        }
        // One job per newest message: a second message while the first's job waits
        // gets its own, since the first may already be on its way to Meta.
        let dedup = format!("{JOB_SENDER_ACTION}:mark_seen:{}:{newest}", customer.0);
        queue(&mut writing, "mark_seen", customer, account, dedup, now).await?;
        writing.commit().await?;
        Ok(true)
    }

    async fn queue_typing(&self, customer: CustomerId, now: Millis) -> Result<bool> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let updated = sqlx::query(
            "UPDATE customers SET typing_sent_at = $1 WHERE id = $2 AND typing_sent_at <= $3 \
             RETURNING account_id",
        )
        .bind(now)
        .bind(customer.0)
        .bind(now - TYPING_EVERY)
        .fetch_all(&mut **tx)
        .await?;
        let Some(row) = updated.first() else {
            return Ok(false);
        };
        let account: i64 = row.try_get("account_id")?;
        let dedup = format!("{JOB_SENDER_ACTION}:typing_on:{}:{now}", customer.0);
        queue(&mut writing, "typing_on", customer, account, dedup, now).await?;
        writing.commit().await?;
        Ok(true)
    }

    async fn sends_held(&self, account: AccountId, now: Millis) -> Result<bool> {
        let found = sqlx::query(
            "SELECT 1 AS free FROM accounts WHERE id = $1 AND needs_reconnect = 0 \
             AND send_paused_until <= $2 AND removed_at IS NULL",
        )
        .bind(account.0)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        Ok(found.is_empty())
    }
}

async fn queue(
    writing: &mut WriteTx,
    action: &str,
    customer: CustomerId,
    account: i64,
    dedup: String,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO jobs (kind, dedup_key, payload, run_at, created_at, account_id, priority) \
         VALUES ($1, $2, $3, $4, $4, $5, $6) ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(JOB_SENDER_ACTION)
    .bind(dedup)
    .bind(format!("{action}:{}", customer.0))
    .bind(now)
    .bind(account)
    .bind(PRIORITY)
    .execute(&mut *writing.tx)
    .await?;
    Ok(())
}
