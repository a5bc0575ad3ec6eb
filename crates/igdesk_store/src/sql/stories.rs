//! Stories that vanish (IN-6): checks of Story mentions queued as jobs (one waiting
//! per item, by its dedup key), the time of the last check, and a Story marked gone
//! with its live event in one transaction.

use super::notes::to_open_conversation;
use super::{Binds, SqlStore};
use crate::stories::{StoryStore, JOB_CHECK_STORY};
use crate::Result;
use async_trait::async_trait;
use igdesk_domain::{AgentId, CustomerId, ItemId, Millis};
use sqlx::Row as _;

/// An agent waits for what they opened; upkeep's hourly checks come after.
const PRIORITY_SHOWN: i64 = 0;
const PRIORITY_HOURLY: i64 = 1;

/// The jobs' columns as `INSERT INTO jobs … SELECT` fills them from a timeline item
/// `t`: kind, dedup key (`check_story:{item}`), payload (the item's id), run at and
/// created at (both now), account, priority. Binds, in order: the dedup key's
/// prefix, now, now, the priority (each placeholder is bound once: SQLite's are
/// anonymous).
fn job_columns(binds: &mut Binds) -> String {
    let kind = format!("'{JOB_CHECK_STORY}'");
    let (prefix, run_at, created_at, priority) =
        (binds.one(), binds.one(), binds.one(), binds.one());
    format!(
        "INSERT INTO jobs (kind, dedup_key, payload, run_at, created_at, account_id, priority) \
         SELECT {kind}, {prefix} || CAST(t.id AS TEXT), CAST(t.id AS TEXT), {run_at}, \
         {created_at}, t.account_id, {priority}"
    )
}

/// A Story mention still shown: not known gone, not deleted.
const SHOWN: &str = "t.kind = 'story_mention' AND t.story_gone = 0 AND t.deleted = 0";

#[async_trait]
impl StoryStore for SqlStore {
    async fn queue_story_checks(
        &self,
        items: &[ItemId],
        posted_after: Millis,
        now: Millis,
    ) -> Result<u64> {
        if items.is_empty() {
            return Ok(0);
        }
        let mut queued = 0;
        for chunk in items.chunks(500) {
            let mut binds = Binds::new(self.backend);
            let insert = job_columns(&mut binds);
            // SQLite reads `ON CONFLICT` after a SELECT only once it has its WHERE.
            let sql = format!(
                "{insert} FROM timeline_items t WHERE t.id IN ({}) AND {SHOWN} \
                 AND t.created_at > {} ON CONFLICT (dedup_key) DO NOTHING",
                binds.list(chunk.len()),
                binds.one()
            );
            let mut query = sqlx::query(&sql)
                .bind(format!("{JOB_CHECK_STORY}:"))
                .bind(now)
                .bind(now)
                .bind(PRIORITY_SHOWN);
            for item in chunk {
                query = query.bind(item.0);
            }
            let _turn = self.writer_turn().await;
            queued += query
                .bind(posted_after)
                .execute(&self.pool)
                .await?
                .rows_affected();
        }
        Ok(queued)
    }

    async fn queue_due_story_checks(
        &self,
        posted_after: Millis,
        checked_before: Millis,
        now: Millis,
        limit: i64,
    ) -> Result<u64> {
        let mut binds = Binds::new(self.backend);
        let insert = job_columns(&mut binds);
        // From the open conversations (few) to their customers' recent items
        // (`timeline_by_customer`): never a walk over the whole timeline.
        let sql = format!(
            "{insert} FROM conversations c \
             JOIN timeline_items t ON t.customer_id = c.customer_id AND t.created_at > {} \
             WHERE c.state = 'open' AND {SHOWN} \
             AND COALESCE(t.story_checked_at, t.created_at) <= {} \
             ORDER BY t.id LIMIT {} ON CONFLICT (dedup_key) DO NOTHING",
            binds.one(),
            binds.one(),
            binds.one()
        );
        let _turn = self.writer_turn().await;
        let queued = sqlx::query(&sql)
            .bind(format!("{JOB_CHECK_STORY}:"))
            .bind(now)
            .bind(now)
            .bind(PRIORITY_HOURLY)
            .bind(posted_after)
            .bind(checked_before)
            .bind(limit)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(queued)
    }

    async fn story_checked(&self, item: ItemId, now: Millis) -> Result<()> {
        let _turn = self.writer_turn().await;
        sqlx::query("UPDATE timeline_items SET story_checked_at = $1 WHERE id = $2")
            .bind(now)
            .bind(item.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn mark_story_gone(&self, item: ItemId, now: Millis) -> Result<Vec<AgentId>> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        // The conditional update decides: of two checks at once, one tells.
        let changed = sqlx::query(
            "UPDATE timeline_items SET story_gone = 1, story_checked_at = $1 \
             WHERE id = $2 AND kind = 'story_mention' AND story_gone = 0 \
             RETURNING customer_id",
        )
        .bind(now)
        .bind(item.0)
        .fetch_all(&mut **tx)
        .await?;
        let Some(row) = changed.first() else {
            return Ok(Vec::new());
        };
        let customer: i64 = row.try_get("customer_id")?;
        // A merged profile's items are on the survivor's timeline.
        let shown_on = sqlx::query(
            "SELECT COALESCE(merged_into, id) AS shown_on FROM customers WHERE id = $1",
        )
        .bind(customer)
        .fetch_all(&mut **tx)
        .await?;
        let shown_on = match shown_on.first() {
            Some(row) => row.try_get("shown_on")?,
            None => customer,
        };
        let told =
            to_open_conversation(tx, CustomerId(shown_on), item, "item_updated", now).await?;
        writing.commit().await?;
        Ok(told)
    }
}
