//! History import's progress (ACC-7): a page's messages and the cursor after it
//! are written in one transaction.

use super::apply::{apply_in_order, Batch};
use super::SqlStore;
use crate::history::{HistoryPage, HistoryProgress, HistoryStore};
use crate::{ApplyOutcome, Result};
use async_trait::async_trait;
use igdesk_domain::{AccountId, Millis};
use sqlx::any::AnyRow;
use sqlx::Row as _;

const COLUMNS: &str =
    "h.account_id, h.cursor, h.threads, h.messages, h.started_at, h.updated_at, h.finished_at";

fn progress(row: &AnyRow) -> Result<HistoryProgress> {
    Ok(HistoryProgress {
        account: AccountId(row.try_get("account_id")?),
        cursor: row.try_get("cursor")?,
        threads: row.try_get("threads")?,
        messages: row.try_get("messages")?,
        started_at: row.try_get("started_at")?,
        updated_at: row.try_get("updated_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

#[async_trait]
impl HistoryStore for SqlStore {
    async fn history_progress(&self, account: AccountId) -> Result<Option<HistoryProgress>> {
        let sql = format!("SELECT {COLUMNS} FROM history_imports h WHERE h.account_id = $1");
        let rows = sqlx::query(&sql)
            .bind(account.0)
            .fetch_all(&self.pool)
            .await?;
        rows.first().map(progress).transpose()
    }

    async fn history_imports(&self) -> Result<Vec<HistoryProgress>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM history_imports h JOIN accounts a ON a.id = h.account_id \
             WHERE a.removed_at IS NULL ORDER BY h.account_id"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(progress).collect()
    }

    async fn record_history_page(
        &self,
        page: HistoryPage<'_>,
        now: Millis,
    ) -> Result<ApplyOutcome> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let mut out = ApplyOutcome::default();
        let changes: Vec<_> = page.changes.iter().map(|c| (None, c)).collect();
        let mut ctx = Batch::start(tx, &changes).await?;
        apply_in_order(tx, &mut ctx, &changes, now, &mut out).await?;
        ctx.finish(tx, now, &mut out).await?;
        let finished_at = page.next.is_none().then_some(now);
        sqlx::query(
            "INSERT INTO history_imports \
             (account_id, cursor, threads, messages, started_at, updated_at, finished_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account_id) DO UPDATE SET \
             cursor = excluded.cursor, threads = history_imports.threads + excluded.threads, \
             messages = history_imports.messages + excluded.messages, \
             updated_at = excluded.updated_at, finished_at = excluded.finished_at",
        )
        .bind(page.account.0)
        .bind(page.next.map(str::to_owned))
        .bind(page.threads)
        .bind(page.messages)
        .bind(now)
        .bind(now)
        .bind(finished_at)
        .execute(&mut **tx)
        .await?;
        writing.commit().await?;
        Ok(out)
    }
}
