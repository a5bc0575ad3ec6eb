//! The leases of a batch of claimed sends, kept alive while the batch works.
//!
//! A lease is short so that the replies of an instance that died are claimed by
//! another within seconds (SPEC: a dead instance's replies leave within 30 s); a
//! live instance renews the leases of the jobs it still holds, so a batch paced
//! over longer than one term is not claimed twice.

use crate::app::App;
use crate::now_ms;
use igdesk_domain::{JobId, Millis};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a claim holds its jobs without renewal.
pub const LEASE: Millis = 10_000;
/// Renewed at a third of the term: two renewals may fail before a job is lost.
const RENEW_EVERY: Duration = Duration::from_millis((LEASE / 3) as u64);

/// The jobs a batch still holds.
#[derive(Clone, Default)]
pub struct Held(Arc<Mutex<HashSet<JobId>>>);

impl Held {
    pub fn new(jobs: impl IntoIterator<Item = JobId>) -> Self {
        Held(Arc::new(Mutex::new(jobs.into_iter().collect())))
    }

    /// The job is settled (or left to its lease): it is not renewed again.
    pub fn let_go(&self, job: JobId) {
        self.0.lock().expect("held lock").remove(&job);
    }

    fn ids(&self) -> Vec<JobId> {
        self.0.lock().expect("held lock").iter().copied().collect()
    }
}

/// Renews leases while it lives.
pub struct KeepAlive(tokio::task::AbortHandle);

impl Drop for KeepAlive {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Renews `held`'s leases until the returned guard is dropped.
pub fn keep_alive(app: &App, held: &Held) -> KeepAlive {
    let (app, held) = (app.clone(), held.clone());
    let task = tokio::spawn(async move {
        loop {
            tokio::time::sleep(RENEW_EVERY).await;
            let ids = held.ids();
            if ids.is_empty() {
                continue;
            }
            if let Err(e) = app.store.renew_leases(&ids, now_ms() + LEASE).await {
                // The next renewal may succeed; until the term ends nothing is lost.
                tracing::warn!(error = %e, jobs = ids.len(), "cannot renew send leases");
            }
        }
    });
    KeepAlive(task.abort_handle())
}
