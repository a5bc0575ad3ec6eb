//! Applying deliveries in parts (PostgreSQL): several loops on each instance, each
//! taking a few parts at a time for a batch, so that customers' deliveries are applied
//! side by side, on one instance and across instances, while one customer's are
//! applied in the order they came (see `igdesk_store::parts`).

use super::{deliveries, settle, Outcome, IDLE_POLL, LEASE};
use crate::app::App;
use crate::now_ms;
use igdesk_store::parts::{BARRIER, PARTS};
use igdesk_store::{Job, PartSession, JOB_PROCESS_DELIVERY};
use rand::seq::SliceRandom;
use tokio_util::sync::CancellationToken;

/// Loops applying parts on each PostgreSQL instance. Two overlap one's round trips
/// with the other's work; more split a burst into more, smaller batches, each paying
/// a statement's fixed costs again (four loops routed a burst more slowly than two,
/// docs/BENCHMARKS.md). Each instance adds loops of its own.
pub const LOOPS: usize = 2;

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

/// Parts a loop holds for one batch at most: while many parts are busy, a batch of
/// several costs the statements of one (a burst of 5,000 deliveries in 16 parts was
/// about 200 batches of 25 one part at a time), and the loops still share the parts
/// between them.
const PARTS_AT_ONCE: usize = PARTS as usize / LOOPS;

/// One round over the parts with due deliveries, in a random order so that loops
/// spread over them: a batch of the parts this loop could take, up to
/// [`PARTS_AT_ONCE`] at a time, then the barrier alone. Whether any was applied.
async fn apply_due_parts(
    app: &App,
    session: &mut PartSession,
    max_attempts: i64,
) -> igdesk_store::Result<bool> {
    let mut parts = app.store.due_parts(now_ms()).await?;
    parts.shuffle(&mut rand::thread_rng());
    let (barrier, parts): (Vec<i64>, Vec<i64>) = parts.into_iter().partition(|p| *p == BARRIER);
    let mut worked = false;
    let mut held = Vec::with_capacity(PARTS_AT_ONCE);
    for part in parts {
        if app.store.take_part(session, part).await? {
            held.push(part);
        } // else another loop has it
        if held.len() == PARTS_AT_ONCE {
            worked |= apply_held(app, session, &held, max_attempts).await?;
            held.clear();
        }
    }
    if !held.is_empty() {
        worked |= apply_held(app, session, &held, max_attempts).await?;
    }
    if !barrier.is_empty() && app.store.take_part(session, BARRIER).await? {
        worked |= apply_held(app, session, &barrier, max_attempts).await?;
    }
    Ok(worked)
}

/// Claims, applies and settles one batch of the parts this loop holds, then lets
/// them go (after settling: the next holder finds the batch done).
async fn apply_held(
    app: &App,
    session: &mut PartSession,
    held: &[i64],
    max_attempts: i64,
) -> igdesk_store::Result<bool> {
    let now = now_ms();
    let limit = app.intake.pace() as i64;
    let applied = match app.store.claim_parts(held, limit, now, now + LEASE).await {
        Ok(jobs) if !jobs.is_empty() => {
            apply(app, jobs, max_attempts).await;
            true
        }
        Ok(_) => false,
        Err(e) => {
            tracing::error!(error = %e, parts = ?held, "cannot claim the parts' deliveries");
            false
        }
    };
    for part in held {
        app.store.release_part(session, *part).await?;
    }
    Ok(applied)
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
