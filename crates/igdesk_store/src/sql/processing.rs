//! One instance applies deliveries at a time, so they are applied in the order they
//! came even across a crash. On PostgreSQL the right is a session-level advisory lock
//! on a connection of its own: it ends with the session, so when an instance is
//! killed its successor (or a standby) takes over at once and frees the deliveries
//! the dead one had leased, which then go first. Without it, a crash left its batch
//! leased for a minute while later deliveries were applied: a customer's messages
//! reached the API's webhook out of order.

use super::jobs::strand_clear;
use super::{Backend, SqlStore};
use crate::parts::{PartSession, ProcessingStore, BARRIER, PARTS};
use crate::{Job, Result, JOB_PROCESS_DELIVERY};
use async_trait::async_trait;
use igdesk_domain::Millis;
use sqlx::{AnyConnection, Row as _};

/// The advisory lock's key ("igdesk" and 1), the same in every igdesk database; such
/// locks are per database, so igdesk databases on one server do not meet.
const PROCESSING_LOCK: i64 = 0x6967_6465_736b_0001;

/// This instance's right to apply deliveries.
pub struct ProcessingHold {
    /// The session holding the lock (PostgreSQL); none for SQLite's single instance.
    session: Option<AnyConnection>,
}

impl ProcessingHold {
    /// Whether it is still held: on PostgreSQL, whether the session that took the
    /// lock still answers. A lost session has lost the lock, and another instance
    /// may be applying deliveries by now.
    pub async fn still_held(&mut self) -> bool {
        match self.session.as_mut() {
            None => true,
            Some(session) => sqlx::query("SELECT 1").fetch_all(session).await.is_ok(),
        }
    }
}

impl SqlStore {
    pub(super) async fn try_processing_hold(&self) -> Result<Option<ProcessingHold>> {
        if self.backend == Backend::Sqlite {
            // The one instance. A stopped process's leases were freed as it started
            // (`release_all_leases`), before any worker ran.
            return Ok(Some(ProcessingHold { session: None }));
        }
        let mut session = self.pool.acquire().await?;
        let held: bool = sqlx::query("SELECT pg_try_advisory_lock($1) AS held")
            .bind(PROCESSING_LOCK)
            .fetch_all(&mut *session)
            .await?
            .first()
            .map(|row| row.try_get("held"))
            .transpose()?
            .unwrap_or(false);
        if !held {
            // Back to the pool: a failed try leaves no lock behind.
            return Ok(None);
        }
        // Whoever held it before has stopped: its session ended. Its leases on
        // deliveries are void; they are the oldest, and are applied first.
        sqlx::query(
            "UPDATE jobs SET leased_until = 0 WHERE kind = $1 AND dead = 0 AND leased_until > 0",
        )
        .bind(JOB_PROCESS_DELIVERY)
        .execute(&self.pool)
        .await?;
        Ok(Some(ProcessingHold {
            session: Some(session.detach()),
        }))
    }
}

/// A part's advisory lock: after [`PROCESSING_LOCK`], one key per part, the
/// barrier's last.
fn part_lock(part: i64) -> i64 {
    let index = if part == BARRIER { PARTS } else { part };
    PROCESSING_LOCK + 1 + index
}

#[async_trait]
impl ProcessingStore for SqlStore {
    async fn part_session(&self) -> Result<Option<PartSession>> {
        if self.backend == Backend::Sqlite {
            return Ok(Some(PartSession { session: None }));
        }
        let mut session = self.pool.acquire().await?.detach();
        // Shared by every loop that applies parts; an older igdesk takes it whole
        // (`try_processing_hold`), so the two never apply deliveries at once.
        let shared: bool = sqlx::query("SELECT pg_try_advisory_lock_shared($1) AS held")
            .bind(PROCESSING_LOCK)
            .fetch_all(&mut session)
            .await?
            .first()
            .map(|row| row.try_get("held"))
            .transpose()?
            .unwrap_or(false);
        Ok(shared.then_some(PartSession {
            session: Some(session),
        }))
    }

    async fn take_part(&self, session: &mut PartSession, part: i64) -> Result<bool> {
        let Some(conn) = session.session.as_mut() else {
            return Ok(true);
        };
        let held: bool = sqlx::query("SELECT pg_try_advisory_lock($1) AS held")
            .bind(part_lock(part))
            .fetch_all(&mut *conn)
            .await?
            .first()
            .map(|row| row.try_get("held"))
            .transpose()?
            .unwrap_or(false);
        if held {
            // Its last holder let it go after settling its batch, or stopped with
            // the batch leased: those deliveries are the part's oldest, and go first.
            sqlx::query(&format!(
                // The kind and `dead = 0` as written read the part's own rows
                // (`jobs_parts`): without them, each part taken cost a pass over every
                // job of every kind (19 ms with 100,000 messages queued to send), up
                // to 17 a round.
                "UPDATE jobs SET leased_until = 0 WHERE kind = '{JOB_PROCESS_DELIVERY}' \
                 AND part = $1 AND dead = 0 AND leased_until > 0",
            ))
            .bind(part)
            .execute(&mut *conn)
            .await?;
        }
        Ok(held)
    }

    async fn release_part(&self, session: &mut PartSession, part: i64) -> Result<()> {
        if let Some(conn) = session.session.as_mut() {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(part_lock(part))
                .fetch_all(&mut *conn)
                .await?;
        }
        Ok(())
    }

    async fn due_parts(&self, now: Millis) -> Result<Vec<i64>> {
        // The kind written out, as `jobs_parts`' predicate is (a bound kind cannot
        // prove it).
        let rows = sqlx::query(&format!(
            "SELECT DISTINCT part FROM jobs WHERE kind = '{JOB_PROCESS_DELIVERY}' AND dead = 0 \
             AND run_at <= $1 AND leased_until <= $1",
        ))
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<i64, _>("part")?))
            .collect()
    }

    async fn claim_parts(
        &self,
        parts: &[i64],
        limit: i64,
        now: Millis,
        lease_until: Millis,
    ) -> Result<Vec<Job>> {
        let barrier = parts == [BARRIER];
        assert!(
            barrier || !parts.contains(&BARRIER),
            "a barrier is claimed alone"
        );
        if parts.is_empty() {
            return Ok(Vec::new());
        }
        let _turn = self.writer_turn().await;
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        // The first barrier due or in hand: a part applies nothing after it.
        let first_barrier = format!(
            "(SELECT min(id) FROM jobs WHERE kind = '{JOB_PROCESS_DELIVERY}' AND part = {BARRIER} \
             AND dead = 0 AND (run_at <= $2 OR leased_until > $2))"
        );
        let chosen = if barrier {
            // Alone: once no delivery before it is due or in hand, in any part.
            format!(
                "SELECT b.id FROM jobs b WHERE b.id = {first_barrier} AND b.run_at <= $2 \
                 AND b.leased_until <= $2 AND NOT EXISTS (SELECT 1 FROM jobs e \
                 WHERE e.kind = '{JOB_PROCESS_DELIVERY}' AND e.part <> {BARRIER} AND e.dead = 0 \
                 AND e.id < b.id AND (e.run_at <= $2 OR e.leased_until > $2)) {lock}"
            )
        } else {
            // Smallest ids first across the parts, so what each part gives is the
            // start of its queue, whatever the limit cuts. The parts are bound, so
            // the statement has one text per number of parts, not per combination.
            let named: Vec<String> = (0..parts.len()).map(|n| format!("${}", n + 4)).collect();
            format!(
                "SELECT j.id FROM jobs j WHERE j.kind = '{JOB_PROCESS_DELIVERY}' AND j.part IN ({}) \
                 AND j.dead = 0 AND j.run_at <= $2 AND j.leased_until <= $2 AND {} \
                 AND j.id < COALESCE({first_barrier}, {}) ORDER BY j.id LIMIT $3 {lock}",
                named.join(", "),
                strand_clear("j", Some("$2")),
                i64::MAX
            )
        };
        let sql = super::jobs::claim(self.backend, "$1", &chosen);
        let mut query = sqlx::query(&sql).bind(lease_until).bind(now);
        if !barrier {
            query = query.bind(limit);
            for part in parts {
                query = query.bind(*part);
            }
        }
        let mut jobs = query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(super::rows::job)
            .collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }
}
