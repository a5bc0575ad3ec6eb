//! The job queue: claim with a lease, then complete, retry or bury. A worker that
//! dies leaves its lease to expire and the job is claimed again.

use super::{Backend, Binds, SqlStore};
use crate::model::{DeadJob, Job, NewJob, Settlement};
use crate::{JobStore, Result};
use async_trait::async_trait;
use igdesk_domain::{JobId, Millis};
use sqlx::Row as _;

/// Whether the job `job` (a table alias) is clear of its customer's strand: no
/// earlier delivery of the strand was claimed and is not done yet (in hand, or
/// waiting for its retry). Such a delivery goes first, and the strand's later ones
/// wait for its outcome, so a customer's deliveries are applied in the order they
/// came through failures and crashes; other strands, even of its part, go on.
///
/// With `free_at` (a placeholder for now), an earlier delivery that is due and in
/// no one's hand does not hold the job back: it is claimed by the same statement,
/// before it, as long as the claim takes the oldest first (the parts' claim). Reads
/// the strand index: `jobs_strands_begun` on SQLite, `jobs_strands` on PostgreSQL,
/// where no index may read a column a claim writes (migration 0032).
pub(super) fn strand_clear(job: &str, free_at: Option<&str>) -> String {
    let holding = match free_at {
        Some(now) => format!(" AND (w.leased_until > {now} OR w.run_at > {now})"),
        None => String::new(),
    };
    format!(
        "({job}.strand = 0 OR NOT EXISTS (SELECT 1 FROM jobs w WHERE w.strand = {job}.strand \
         AND w.strand <> 0 AND w.attempts > 0 AND w.dead = 0 AND w.id < {job}.id{holding}))"
    )
}

/// A claim: leases the jobs `chosen` picks (a `SELECT` of ids with its order, limit
/// and lock) until `lease` (a placeholder), counts the attempt and returns what
/// `rows::job` reads. On PostgreSQL the ids are one array, made once before the
/// update. As `id IN (chosen)`, a plan made while the queue was empty (its
/// statistics then say it has no rows, until the next `ANALYZE`) joined every row of
/// the table to `chosen` and ran `chosen` again for each: 36 ms against 3 ms with
/// 8,000 jobs queued (`EXPLAIN ANALYZE` of the cached plan), 125 ms a claim seen in a
/// run. SQLite has no arrays and runs `chosen` once.
pub(super) fn claim(backend: Backend, lease: &str, chosen: &str) -> String {
    let ids = match backend {
        Backend::Postgres => format!("id = ANY(ARRAY({chosen}))"),
        Backend::Sqlite => format!("id IN ({chosen})"),
    };
    format!(
        "UPDATE jobs SET leased_until = {lease}, attempts = attempts + 1 WHERE {ids} \
         RETURNING id, kind, payload, attempts, strand"
    )
}

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
        // Values are bound in the order their placeholders appear.
        let mut binds = Binds::new(self.backend);
        let lease = binds.one();
        let chosen = format!(
            "SELECT j.id FROM jobs j WHERE j.dead = 0 AND j.run_at <= {} AND j.leased_until <= {} \
             AND j.kind IN ({}) AND {} ORDER BY j.priority, j.run_at, j.id LIMIT {} {lock}",
            binds.one(),
            binds.one(),
            binds.list(kinds.len()),
            // Strictly: this claim's order (a retry's later `run_at`) could cut an
            // earlier delivery of the strand and take a later one.
            strand_clear("j", None),
            binds.one()
        );
        let sql = claim(self.backend, &lease, &chosen);
        let mut query = sqlx::query(&sql).bind(lease_until).bind(now).bind(now);
        for kind in kinds {
            query = query.bind(kind.to_string());
        }
        query = query.bind(limit);
        let mut jobs = query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(super::rows::job)
            .collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    // One job is a batch of one: the statements live in `settle_jobs` only.
    async fn complete_job(&self, id: JobId) -> Result<()> {
        self.settle_jobs(&[Settlement::Complete(id)]).await
    }

    async fn renew_leases(&self, ids: &[JobId], until: Millis) -> Result<u64> {
        let mut renewed = 0;
        for chunk in ids.chunks(500) {
            let _turn = self.writer_turn().await;
            let mut binds = Binds::new(self.backend);
            // `leased_until > 0`: a job settled (retried) meanwhile is not taken back.
            let sql = format!(
                "UPDATE jobs SET leased_until = {} WHERE leased_until > 0 AND id IN ({})",
                binds.one(),
                binds.list(chunk.len())
            );
            let mut query = sqlx::query(&sql).bind(until);
            for id in chunk {
                query = query.bind(id.0);
            }
            renewed += query.execute(&self.pool).await?.rows_affected();
        }
        Ok(renewed)
    }

    async fn retry_job(&self, id: JobId, run_at: Millis, error: &str) -> Result<()> {
        let error = error.to_owned();
        self.settle_jobs(&[Settlement::Retry { id, run_at, error }])
            .await
    }

    async fn bury_job(&self, id: JobId, error: &str) -> Result<()> {
        let error = error.to_owned();
        self.settle_jobs(&[Settlement::Bury { id, error }]).await
    }

    async fn settle_jobs(&self, settled: &[Settlement]) -> Result<()> {
        if settled.is_empty() {
            return Ok(());
        }
        let mut done = Vec::new();
        let mut again = Vec::new();
        let mut dead = Vec::new();
        for s in settled {
            match s {
                Settlement::Complete(id) => done.push(id.0),
                Settlement::Retry { id, run_at, error } => again.push((id.0, *run_at, error)),
                Settlement::Bury { id, error } => dead.push((id.0, error)),
            }
        }
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        for chunk in done.chunks(500) {
            let sql = format!(
                "DELETE FROM jobs WHERE id IN ({})",
                Binds::new(self.backend).list(chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut **tx).await?;
        }
        for chunk in again.chunks(500) {
            let sql = format!(
                "WITH v (id, run_at, error) AS (VALUES {}) UPDATE jobs SET run_at = v.run_at, \
                 leased_until = 0, last_error = v.error FROM v WHERE jobs.id = v.id",
                Binds::new(self.backend).rows(chunk.len(), 3)
            );
            let mut query = sqlx::query(&sql);
            for (id, run_at, error) in chunk {
                query = query.bind(*id).bind(*run_at).bind((*error).clone());
            }
            query.execute(&mut **tx).await?;
        }
        for chunk in dead.chunks(500) {
            // The dedup key is freed so the same work can be asked for again later.
            let sql = format!(
                "WITH v (id, error) AS (VALUES {}) UPDATE jobs SET dead = 1, dedup_key = NULL, \
                 leased_until = 0, last_error = v.error FROM v WHERE jobs.id = v.id",
                Binds::new(self.backend).rows(chunk.len(), 2)
            );
            let mut query = sqlx::query(&sql);
            for (id, error) in chunk {
                query = query.bind(*id).bind((*error).clone());
            }
            query.execute(&mut **tx).await?;
        }
        writing.commit().await
    }

    async fn release_all_leases(&self) -> Result<u64> {
        // Every lease of the instance that stopped: its jobs, the API webhooks it was
        // posting (each the head of its customer's queue, holding the rest back) and
        // the routing lease. Left alone, each would wait out its term after a crash.
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let mut released = 0;
        for statement in [
            "UPDATE jobs SET leased_until = 0 WHERE leased_until > 0",
            "UPDATE api_webhooks SET leased_until = 0 WHERE leased_until > 0",
            "DELETE FROM leases",
        ] {
            released += sqlx::query(statement)
                .execute(&mut **tx)
                .await?
                .rows_affected();
        }
        writing.commit().await?;
        Ok(released)
    }

    async fn take_processing_hold(&self) -> Result<Option<crate::ProcessingHold>> {
        self.try_processing_hold().await
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
