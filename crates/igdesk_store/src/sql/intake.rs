//! Deliveries: written with their processing job before Meta gets its 200.

use super::{dashboard, Backend, Binds, SqlStore};
use crate::model::*;
use crate::parts::part_of_strand;
use crate::{IntakeStore, Result, JOB_PROCESS_DELIVERY};
use async_trait::async_trait;
use igdesk_domain::changes::Change;
use igdesk_domain::{AccountId, DeliveryId, Millis};
use sqlx::Row as _;

/// Rows per multi-row INSERT; keeps well under SQLite's bound-variable limit.
const CHUNK: usize = 500;

/// The largest multi-row INSERT of deliveries.
const MAX_ROWS: usize = 256;

/// Splits `items` into chunks of 256, 128, … 1 rows.
pub(super) fn power_of_two_chunks<T>(mut items: &[T]) -> Vec<&[T]> {
    let mut chunks = Vec::new();
    while !items.is_empty() {
        let size = MAX_ROWS.min(1 << items.len().ilog2());
        let (chunk, rest) = items.split_at(size);
        chunks.push(chunk);
        items = rest;
    }
    chunks
}

/// Log frames (pages) past which a checkpoint makes sure the log starts over: about
/// 256 MB with SQLite's 4 KB pages. Below it the log starts over by itself in the
/// first quiet moment; only load without one for minutes reaches it, and then a
/// writer's turn is spent on it now and then.
const LOG_RESTART_FRAMES: i64 = 65_536;

/// A passive checkpoint; returns how many frames the log holds.
async fn wal_checkpoint(pool: &sqlx::AnyPool) -> Result<i64> {
    let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get(1)?)
}

#[async_trait]
impl IntakeStore for SqlStore {
    async fn checkpoint(&self) -> Result<()> {
        if self.backend == Backend::Postgres {
            return Ok(());
        }
        // Beside the writer: commits go on while the log is copied.
        let frames = wal_checkpoint(&self.pool).await?;
        if frames >= LOG_RESTART_FRAMES {
            // The log starts over only when it is all in the database as a writer
            // begins, which a writer that never pauses does not let happen. Then the
            // last frames are copied in the writer's turn, so the file stays bounded.
            let _turn = self.writer_turn().await;
            wal_checkpoint(&self.pool).await?;
        }
        Ok(())
    }

    async fn record_deliveries(&self, deliveries: &[NewDelivery]) -> Result<Vec<DeliveryId>> {
        let mut ids = Vec::with_capacity(deliveries.len());
        let mut stored_at = Vec::with_capacity(deliveries.len());
        let mut strands = Vec::with_capacity(deliveries.len());
        let mut tx = self.write().await?;
        for chunk in power_of_two_chunks(deliveries) {
            // A few multi-row statements and one commit for the whole group: this is
            // what lets intake keep up with Meta's bursts. Chunk sizes are powers of
            // two so the handful of statement shapes stay prepared in the cache.
            // A body already stored (same SHA-256: a redelivery, even one in this same
            // group) is skipped by the unique index, within the same statement, and
            // returns no row: no job, nothing counted.
            let mut binds = Binds::new(self.backend);
            let values = (0..chunk.len())
                .map(|_| format!("({}, 'pending')", binds.list(5)))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO deliveries (received_at, body, body_hash, part, strand, status) VALUES {values} \
                 ON CONFLICT DO NOTHING RETURNING id, received_at, strand"
            );
            let mut query = sqlx::query(&sql);
            for d in chunk {
                query = query
                    .bind(d.received_at)
                    .bind(d.body.clone())
                    .bind(d.body_hash.clone())
                    .bind(part_of_strand(d.strand))
                    .bind(d.strand);
            }
            let first = ids.len();
            for row in query.fetch_all(&mut *tx.tx).await? {
                ids.push(DeliveryId(row.try_get("id")?));
                stored_at.push(row.try_get::<i64, _>("received_at")?);
                strands.push(row.try_get::<i64, _>("strand")?);
            }
            if ids.len() == first {
                continue;
            }
            let mut binds = Binds::new(self.backend);
            let values = (first..ids.len())
                .map(|_| format!("('{JOB_PROCESS_DELIVERY}', {})", binds.list(5)))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO jobs (kind, payload, run_at, created_at, part, strand) VALUES {values}"
            );
            let mut query = sqlx::query(&sql);
            let stored = ids[first..].iter().zip(&stored_at[first..]);
            for ((id, at), strand) in stored.zip(&strands[first..]) {
                query = query
                    .bind(id.0.to_string())
                    .bind(*at)
                    .bind(*at)
                    .bind(part_of_strand(*strand))
                    .bind(*strand);
            }
            query.execute(&mut *tx.tx).await?;
        }
        dashboard::count_deliveries(&mut tx.tx, stored_at.iter().copied()).await?;
        tx.commit().await?;
        Ok(ids)
    }

    async fn record_rejected_delivery(&self, d: NewDelivery, reason: &str) -> Result<DeliveryId> {
        let _turn = self.writer_turn().await;
        // Meta redelivers what it was not answered 200 for, so the same unreadable
        // body comes back for hours: the first copy is the one kept.
        let row = sqlx::query(
            "INSERT INTO deliveries (received_at, body, body_hash, status, error) VALUES ($1, $2, $3, 'rejected', $4) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(d.received_at)
        .bind(d.body)
        .bind(d.body_hash.clone())
        .bind(reason.to_owned())
        .fetch_all(&self.pool).await?.into_iter().next();
        let row = match (row, d.body_hash) {
            (Some(row), _) => row,
            (None, Some(hash)) => {
                sqlx::query("SELECT id FROM deliveries WHERE body_hash = $1")
                    .bind(hash)
                    .fetch_one(&self.pool)
                    .await?
            }
            (None, None) => return Err(super::rows::corrupt("a statement returned no row")),
        };
        Ok(DeliveryId(row.try_get("id")?))
    }

    async fn delivery_bodies(&self, ids: &[DeliveryId]) -> Result<Vec<(DeliveryId, Vec<u8>)>> {
        let mut bodies = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT id, body FROM deliveries WHERE id IN ({})",
                Binds::new(self.backend).list(chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.0);
            }
            for row in query.fetch_all(&self.pool).await? {
                bodies.push((DeliveryId(row.try_get("id")?), row.try_get("body")?));
            }
        }
        Ok(bodies)
    }

    async fn delivery_counts(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status ORDER BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
            .collect()
    }

    async fn prune_raw_deliveries(&self, before: Millis) -> Result<u64> {
        self.blank_old_bodies(before).await
    }

    async fn apply_deliveries(
        &self,
        batch: &[DeliveryChanges],
        now: Millis,
    ) -> Result<ApplyOutcome> {
        // A deadlock PostgreSQL breaks by ending this batch is not for the customer's
        // next delivery to wait a backoff for.
        crate::error::through_conflicts(|| self.apply(batch, now)).await
    }

    async fn apply_changes(&self, changes: &[Change], now: Millis) -> Result<ApplyOutcome> {
        self.apply_loose(changes, now).await
    }

    async fn event_notes(&self, limit: i64) -> Result<Vec<EventNote>> {
        let rows = sqlx::query(
            "SELECT id, delivery_id, account_id, kind, reason, raw, created_at FROM event_notes ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(EventNote {
                    id: r.try_get("id")?,
                    delivery_id: r.try_get::<Option<i64>, _>("delivery_id")?.map(DeliveryId),
                    account_id: r.try_get::<Option<i64>, _>("account_id")?.map(AccountId),
                    kind: r.try_get("kind")?,
                    reason: r.try_get("reason")?,
                    raw: r.try_get("raw")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn chunks_are_powers_of_two_covering_everything() {
        let items: Vec<u32> = (0..700).collect();
        let sizes: Vec<usize> = super::power_of_two_chunks(&items)
            .iter()
            .map(|c| c.len())
            .collect();
        assert_eq!(sizes, [256, 256, 128, 32, 16, 8, 4]);
        assert!(super::power_of_two_chunks::<u32>(&[]).is_empty());
    }
}
