//! Sends granted within an account's limits, shared by every instance
//! ([`crate::limits`]).

use super::{Backend, SqlStore};
use crate::limits::{backlog_share, SendAsk, SendGrant, SendLimitStore};
use crate::Result;
use async_trait::async_trait;
use igdesk_domain::rules::SEND_TRANSIT;
use igdesk_domain::{AccountId, Millis};
use sqlx::Row as _;

const SECOND: Millis = 1_000;
const HOUR: Millis = igdesk_domain::time::HOUR;

#[async_trait]
impl SendLimitStore for SqlStore {
    async fn reserve_send(
        &self,
        account: AccountId,
        ask: SendAsk,
        now: Millis,
    ) -> Result<SendGrant> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        // The account's row is the lock every instance's grants for it queue on
        // (SQLite's write transaction is exclusive already).
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE",
            Backend::Sqlite => "",
        };
        let sql = format!("SELECT send_paused_until FROM accounts WHERE id = $1 {lock}");
        let paused: Option<Millis> = sqlx::query(&sql)
            .bind(account.0)
            .fetch_all(&mut **tx)
            .await?
            .first()
            .map(|r| r.try_get(0))
            .transpose()?;
        if let Some(until) = paused.filter(|until| *until > now) {
            return Ok(SendGrant::Paused(until));
        }
        // A grant counts from its reservation, kept `SEND_TRANSIT` longer for its time
        // on the way to Meta.
        let window = ask.window + SEND_TRANSIT;
        if let Some(free) = free_from(tx, account, now - window, false, ask.limit).await? {
            return Ok(SendGrant::AccountFull(free + window));
        }
        let share = if ask.interactive {
            ask.per_second
        } else {
            backlog_share(ask.per_second)
        };
        if let Some(free) = free_from(tx, account, now - SECOND, false, share).await? {
            return Ok(SendGrant::SecondFull(free + SECOND));
        }
        if ask.private_reply {
            let limit = ask.private_per_hour;
            let hour = HOUR + SEND_TRANSIT;
            if let Some(free) = free_from(tx, account, now - hour, true, limit).await? {
                return Ok(SendGrant::PrivateRepliesFull(free + hour));
            }
        }
        sqlx::query("INSERT INTO send_grants (account_id, at, private_reply) VALUES ($1, $2, $3)")
            .bind(account.0)
            .bind(now)
            .bind(i64::from(ask.private_reply))
            .execute(&mut **tx)
            .await?;
        writing.commit().await?;
        Ok(SendGrant::Granted)
    }

    async fn prune_send_grants(&self, before: Millis) -> Result<u64> {
        let _turn = self.writer_turn().await;
        let done = sqlx::query("DELETE FROM send_grants WHERE at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

/// With `limit` or more grants after `since` (private replies only, if asked):
/// the time of the one whose leaving the span makes room; `None` when there is
/// room now. Reads at most `limit` rows, newest first, by index.
async fn free_from(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    account: AccountId,
    since: Millis,
    private_only: bool,
    limit: i64,
) -> Result<Option<Millis>> {
    let private = if private_only {
        "AND private_reply = 1"
    } else {
        ""
    };
    // The `limit`-th newest grant in the span: while it is in the span, the span
    // is full; room comes when it leaves.
    let sql = format!(
        "SELECT at FROM send_grants WHERE account_id = $1 {private} AND at > $2 \
         ORDER BY at DESC LIMIT 1 OFFSET $3"
    );
    let row = sqlx::query(&sql)
        .bind(account.0)
        .bind(since)
        .bind(limit.max(1) - 1)
        .fetch_all(&mut **tx)
        .await?;
    Ok(row.first().map(|r| r.try_get(0)).transpose()?)
}
