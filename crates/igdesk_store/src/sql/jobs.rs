//! The job queue: claim with a lease, then complete, retry or bury. A worker that
//! dies leaves its lease to expire and the job is claimed again.

use super::{placeholders, Backend, SqlStore};
use crate::model::{DeadJob, Job, NewJob};
use crate::{JobStore, Result};
use async_trait::async_trait;
use igdesk_domain::{JobId, Millis};
use sqlx::Row as _;

#[async_trait]
impl JobStore for SqlStore {
    async fn enqueue_job(&self, job: NewJob, now: Millis) -> Result<()> {
        let _turn = self.writer_turn().await;
        sqlx::query(
            "INSERT INTO jobs (kind, dedup_key, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (dedup_key) DO NOTHING",
        )
        .bind(job.kind)
        .bind(job.dedup_key)
        .bind(job.payload)
        .bind(job.run_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn claim_jobs(
        &self,
        kinds: &[&str],
        limit: i64,
        now: Millis,
        lease_until: Millis,
    ) -> Result<Vec<Job>> {
        let _turn = self.writer_turn().await;
        // The order follows the `jobs_due` index (kind, priority, run_at, id): a
        // claim reads the first due rows, it never sorts a backlog.
        // PostgreSQL instances claim side by side, skipping rows another holds;
        // SQLite has a single writer, so the plain sub-select is already exclusive.
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET leased_until = $1, attempts = attempts + 1 WHERE id IN (\
             SELECT id FROM jobs WHERE dead = 0 AND run_at <= $2 AND leased_until <= $2 \
             AND kind IN ({}) ORDER BY priority, run_at, id LIMIT $3 {lock}) \
             RETURNING id, kind, payload, attempts",
            placeholders(4, kinds.len())
        );
        let mut query = sqlx::query(&sql).bind(lease_until).bind(now).bind(limit);
        for kind in kinds {
            query = query.bind(kind.to_string());
        }
        let mut jobs = query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Job {
                    id: JobId(r.try_get("id")?),
                    kind: r.try_get("kind")?,
                    payload: r.try_get("payload")?,
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    async fn complete_job(&self, id: JobId) -> Result<()> {
        let _turn = self.writer_turn().await;
        sqlx::query("DELETE FROM jobs WHERE id = $1")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn retry_job(&self, id: JobId, run_at: Millis, error: &str) -> Result<()> {
        let _turn = self.writer_turn().await;
        sqlx::query("UPDATE jobs SET run_at = $1, leased_until = 0, last_error = $2 WHERE id = $3")
            .bind(run_at)
            .bind(error.to_owned())
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn bury_job(&self, id: JobId, error: &str) -> Result<()> {
        let _turn = self.writer_turn().await;
        // The dedup key is freed so the same work can be asked for again later.
        sqlx::query("UPDATE jobs SET dead = 1, dedup_key = NULL, leased_until = 0, last_error = $1 WHERE id = $2")
            .bind(error.to_owned())
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn release_all_leases(&self) -> Result<u64> {
        let _turn = self.writer_turn().await;
        Ok(
            sqlx::query("UPDATE jobs SET leased_until = 0 WHERE leased_until > 0")
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    async fn pending_job_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE dead = 0")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| super::rows::corrupt("a statement returned no row"))?
            .try_get("n")?)
    }

    async fn dead_jobs(&self, limit: i64) -> Result<Vec<DeadJob>> {
        sqlx::query("SELECT id, kind, payload, attempts, last_error FROM jobs WHERE dead = 1 ORDER BY id DESC LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(DeadJob {
                    id: JobId(r.try_get("id")?),
                    kind: r.try_get("kind")?,
                    payload: r.try_get("payload")?,
                    attempts: r.try_get("attempts")?,
                    last_error: r.try_get("last_error")?,
                })
            })
            .collect()
    }
}
