//! One instance applies deliveries at a time, so they are applied in the order they
//! came even across a crash. On PostgreSQL the right is a session-level advisory lock
//! on a connection of its own: it ends with the session, so when an instance is
//! killed its successor (or a standby) takes over at once and frees the deliveries
//! the dead one had leased, which then go first. Without it, a crash left its batch
//! leased for a minute while later deliveries were applied: a customer's messages
//! reached the API's webhook out of order.

use super::{Backend, SqlStore};
use crate::{Result, JOB_PROCESS_DELIVERY};
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
        sqlx::query("UPDATE jobs SET leased_until = 0 WHERE kind = $1 AND leased_until > 0")
            .bind(JOB_PROCESS_DELIVERY)
            .execute(&self.pool)
            .await?;
        Ok(Some(ProcessingHold {
            session: Some(session.detach()),
        }))
    }
}
