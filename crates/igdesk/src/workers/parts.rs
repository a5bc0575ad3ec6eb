//! Applying deliveries in parts (PostgreSQL): several loops on each instance, each
//! taking one part at a time for a batch, so that customers' deliveries are applied
//! side by side, on one instance and across instances, while one customer's are
//! applied in the order they came (see `igdesk_store::parts`).

use super::{deliveries, settle, Outcome, IDLE_POLL, LEASE};
use crate::app::App;
use crate::now_ms;
use igdesk_store::{Job, PartSession, JOB_PROCESS_DELIVERY};
use rand::seq::SliceRandom;
use tokio_util::sync::CancellationToken;

/// Loops applying parts on each PostgreSQL instance.
pub const LOOPS: usize = 4;

pub async fn run(app: App, cancel: CancellationToken, max_attempts: i64) {
    let mut session: Option<PartSession> = None;
    loop {
        // Registered before looking, so a wake-up meanwhile is not missed.
        let woken = app.wake.for_kind(JOB_PROCESS_DELIVERY).notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        if cancel.is_cancelled() {
            return;
        }
        let worked = match session.as_mut() {
            Some(held) => match apply_due_parts(&app, held, max_attempts).await {
                Ok(worked) => worked,
                Err(e) => {
                    // The session may be gone, and the parts it held with it.
                    tracing::warn!(error = %e, "applying parts failed; a new session next");
                    session = None;
                    false
                }
            },
            None => {
                session = match app.store.part_session().await {
                    Ok(taken) => taken,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot open a session for parts");
                        None
                    }
                };
                // `None`: an older igdesk applies every delivery on its own for now.
                false
            }
        };
        if !worked {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = &mut woken => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    }
}

/// One round over the parts with due deliveries, in a random order so that loops
/// spread over them: a batch of each part this loop could take. Whether any was
/// applied.
async fn apply_due_parts(
    app: &App,
    session: &mut PartSession,
    max_attempts: i64,
) -> igdesk_store::Result<bool> {
    let mut parts = app.store.due_parts(now_ms()).await?;
    parts.shuffle(&mut rand::thread_rng());
    let mut worked = false;
    for part in parts {
        if !app.store.take_part(session, part).await? {
            continue; // another loop has it
        }
        let now = now_ms();
        let limit = app.intake.pace() as i64;
        let claimed = app.store.claim_part(part, limit, now, now + LEASE).await;
        let applied = match claimed {
            Ok(jobs) if !jobs.is_empty() => {
                apply(app, jobs, max_attempts).await;
                true
            }
            Ok(_) => false,
            Err(e) => {
                tracing::error!(error = %e, part, "cannot claim a part's deliveries");
                false
            }
        };
        // Let go after settling: the next holder finds the batch done.
        app.store.release_part(session, part).await?;
        worked |= applied;
    }
    Ok(worked)
}

async fn apply(app: &App, jobs: Vec<Job>, max_attempts: i64) {
    let started = std::time::Instant::now();
    let count = jobs.len();
    let outcomes: Vec<(Job, Outcome)> = deliveries::process(app, jobs).await;
    settle(app, outcomes, max_attempts).await;
    metrics::histogram!("igdesk_job_batch_seconds", "kind" => JOB_PROCESS_DELIVERY)
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("igdesk_jobs_handled_total", "kind" => JOB_PROCESS_DELIVERY)
        .increment(count as u64);
}
