//! Background workers. Each loop leases due jobs of its kinds, handles them, and
//! completes, retries (backoff with jitter) or buries each one. A job is handled
//! idempotently, so a lease that expires after a crash costs a repeat, not a loss.

mod api_webhooks;
mod deliveries;
mod history;
mod interrupted;
pub mod mapping;
mod parts;
mod profile;
pub mod router;
mod send;
mod sender_action;
mod story;
mod thread_control;
pub mod token;
mod upkeep;

use crate::app::App;
use crate::now_ms;
use igdesk_domain::retry::backoff;
use igdesk_domain::Millis;
use igdesk_store::{
    Job, ProcessingHold, Settlement, JOB_CHECK_STORY, JOB_IMPORT_HISTORY, JOB_PROCESS_DELIVERY,
    JOB_REFRESH_PROFILE, JOB_REFRESH_TOKEN, JOB_SENDER_ACTION, JOB_THREAD_CONTROL,
};
use rand::Rng;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Claims of one history import before it is given up. Each run of a long import
/// (ten pages) counts as one, so this is about 500 runs' worth of threads and
/// retries; a failing one is tried for days (backoff up to ten minutes).
pub(crate) const HISTORY_ATTEMPTS: i64 = 500;
/// How long a claimed job stays reserved for its worker.
const LEASE: Millis = 60_000;
/// How often an idle worker looks for due jobs it was not woken for (retries, jobs
/// written by other instances).
pub(crate) const IDLE_POLL: Duration = Duration::from_millis(500);

/// What became of one job.
#[derive(Clone)]
pub enum Outcome {
    /// Done; the job can be removed.
    Done,
    /// Done, and the job was already removed with its effects.
    Completed,
    /// Done for now; the same job runs again then (scheduled work).
    Again(Millis),
    Retry {
        error: String,
        after: Option<Millis>,
    },
    GiveUp(String),
}

impl Outcome {
    /// Try again later, with the usual backoff.
    pub fn retry(error: impl std::fmt::Display) -> Self {
        Outcome::Retry {
            error: error.to_string(),
            after: None,
        }
    }
}

/// Starts every worker loop; they stop after their current job once `cancel` fires.
pub fn spawn(app: &App, cancel: &CancellationToken) -> Vec<JoinHandle<()>> {
    // On SQLite one loop applies deliveries in the order they were received, a batch
    // per commit: one customer's events are applied in order (an echo after the
    // message it answers), and SQLite has a single writer anyway. Each claim is paced
    // by intake (see `IntakeWriter::pace`).
    let mut handles = Vec::new();
    if app.store.backend() == igdesk_store::Backend::Postgres {
        // Instances share the work there: deliveries are applied in parts, each
        // customer's in order, several parts at once.
        for _ in 0..parts::LOOPS {
            handles.push(tokio::spawn(parts::run(app.clone(), cancel.clone(), 12)));
        }
    } else {
        handles.push(tokio::spawn(run(
            app.clone(),
            cancel.clone(),
            JOB_PROCESS_DELIVERY,
            Claim::PacedByIntake,
            12,
        )));
    }
    handles.push(tokio::spawn(send::run(app.clone(), cancel.clone())));
    handles.push(tokio::spawn(router::run(app.clone(), cancel.clone())));
    handles.push(tokio::spawn(crate::live::watch(
        app.clone(),
        cancel.clone(),
    )));
    handles.push(tokio::spawn(api_webhooks::run(app.clone(), cancel.clone())));
    handles.push(tokio::spawn(upkeep::run(app.clone(), cancel.clone())));
    handles.push(tokio::spawn(run(
        app.clone(),
        cancel.clone(),
        JOB_THREAD_CONTROL,
        Claim::UpTo(8),
        10,
    )));
    // Sender actions give up on their own, quietly, after `sender_action::ATTEMPTS`.
    handles.push(tokio::spawn(run(
        app.clone(),
        cancel.clone(),
        JOB_SENDER_ACTION,
        Claim::UpTo(16),
        sender_action::ATTEMPTS + 1,
    )));
    handles.push(tokio::spawn(run(
        app.clone(),
        cancel.clone(),
        JOB_IMPORT_HISTORY,
        Claim::UpTo(2),
        HISTORY_ATTEMPTS,
    )));
    handles.push(tokio::spawn(run(
        app.clone(),
        cancel.clone(),
        JOB_REFRESH_TOKEN,
        Claim::UpTo(8),
        8,
    )));
    // A check never fails on the CDN's account (see `story`): only the store's
    // faults are retried.
    handles.push(tokio::spawn(run(
        app.clone(),
        cancel.clone(),
        JOB_CHECK_STORY,
        Claim::UpTo(story::CLAIM),
        5,
    )));
    for _ in 0..app.settings.workers {
        handles.push(tokio::spawn(run(
            app.clone(),
            cancel.clone(),
            JOB_REFRESH_PROFILE,
            Claim::UpTo(profile::CLAIM),
            8,
        )));
    }
    handles
}

/// How many jobs a loop claims at once.
#[derive(Clone, Copy)]
enum Claim {
    UpTo(i64),
    /// As many as intake's pace allows (see `IntakeWriter::pace`).
    PacedByIntake,
}

async fn run(
    app: App,
    cancel: CancellationToken,
    kind: &'static str,
    claim: Claim,
    max_attempts: i64,
) {
    // Deliveries are applied by one instance at a time, in the order they came.
    let mut hold = None;
    loop {
        // Registered before claiming, so a wake-up between the claim and the wait is
        // not missed.
        let woken = app.wake.for_kind(kind).notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        if cancel.is_cancelled() {
            return;
        }
        if kind == JOB_PROCESS_DELIVERY && !may_apply_deliveries(&app, &mut hold).await {
            // Another instance applies them; this one stands by to take over.
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(IDLE_POLL) => {}
            }
            continue;
        }
        let now = now_ms();
        let limit = match claim {
            Claim::UpTo(n) => n,
            Claim::PacedByIntake => app.intake.pace() as i64,
        };
        let jobs = match app.store.claim_jobs(&[kind], limit, now, now + LEASE).await {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::error!(error = %e, kind, "cannot claim jobs");
                Vec::new()
            }
        };
        // Claims that find nothing are writes for nothing: an operator sees here
        // whether the loops are woken for work of their own.
        let found = if jobs.is_empty() { "none" } else { "some" };
        metrics::counter!("igdesk_job_claims_total", "kind" => kind, "found" => found).increment(1);
        let count = jobs.len() as i64;
        if count > 0 {
            handle(&app, kind, jobs, max_attempts).await;
        }
        if count < limit {
            // The claim took every job due then (a strand's later jobs with its
            // earlier ones), so another now finds only what came since, and what
            // came was announced: the wake-up, registered before the claim, has
            // fired already in that case. Claiming again regardless was most of the
            // claims, and every claim is a write.
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = &mut woken => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    }
}

/// Does one claimed batch of `kind` and records what became of each job.
async fn handle(app: &App, kind: &'static str, jobs: Vec<Job>, max_attempts: i64) {
    let started = std::time::Instant::now();
    let count = jobs.len();
    let outcomes = match kind {
        JOB_PROCESS_DELIVERY => deliveries::process(app, jobs).await,
        JOB_REFRESH_PROFILE => profile::refresh_all(app, jobs).await,
        JOB_CHECK_STORY => story::check_all(app, jobs).await,
        _ => {
            let mut outcomes = Vec::with_capacity(jobs.len());
            for job in jobs {
                let outcome = match kind {
                    JOB_IMPORT_HISTORY => history::import(app, &job).await,
                    JOB_REFRESH_TOKEN => token::refresh(app, &job).await,
                    JOB_THREAD_CONTROL => thread_control::run(app, &job).await,
                    JOB_SENDER_ACTION => sender_action::run(app, &job).await,
                    other => Outcome::GiveUp(format!("no worker does {other}")),
                };
                outcomes.push((job, outcome));
            }
            outcomes
        }
    };
    settle(app, outcomes, max_attempts).await;
    metrics::histogram!("igdesk_job_batch_seconds", "kind" => kind)
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("igdesk_jobs_handled_total", "kind" => kind).increment(count as u64);
}

/// Whether this instance may apply deliveries now: it still holds the right to, or
/// takes it (see `JobStore::take_processing_hold`).
async fn may_apply_deliveries(app: &App, hold: &mut Option<ProcessingHold>) -> bool {
    if let Some(held) = hold.as_mut() {
        if held.still_held().await {
            return true;
        }
        tracing::warn!("the right to apply deliveries was lost with its database session");
        *hold = None;
    }
    match app.store.take_processing_hold().await {
        Ok(taken) => {
            *hold = taken;
            hold.is_some()
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot take the right to apply deliveries");
            false
        }
    }
}

/// The connected account a job's payload names, or what to do when there is none.
pub(crate) async fn account_of(app: &App, job: &Job) -> Result<igdesk_store::Account, Outcome> {
    let Ok(id) = job.payload.parse().map(igdesk_domain::AccountId) else {
        return Err(Outcome::GiveUp(format!("bad payload {:?}", job.payload)));
    };
    match app.store.account(id).await {
        Ok(Some(account)) => Ok(account),
        Ok(None) => Err(Outcome::GiveUp("the account was removed".into())),
        Err(e) => Err(Outcome::retry(e)),
    }
}

/// The customer a job names, and how to call Meta for their account, or what to do
/// when either is gone.
pub(crate) async fn customer_auth(
    app: &App,
    id: igdesk_domain::CustomerId,
) -> Result<(igdesk_store::Customer, igdesk_meta::AccountAuth), Outcome> {
    let customer = match app.store.customer_for_job(id).await {
        Ok(Some(c)) => c,
        Ok(None) => return Err(Outcome::GiveUp(format!("customer {id} is gone"))),
        Err(e) => return Err(Outcome::retry(e)),
    };
    let auth = account_auth(app, customer.account_id).await?;
    Ok((customer, auth))
}

/// How to call Meta for an account, or what to do when it is gone.
pub(crate) async fn account_auth(
    app: &App,
    id: igdesk_domain::AccountId,
) -> Result<igdesk_meta::AccountAuth, Outcome> {
    let account = match app.store.account(id).await {
        Ok(Some(a)) => a,
        Ok(None) => return Err(Outcome::GiveUp("the account was removed".into())),
        Err(e) => return Err(Outcome::retry(e)),
    };
    app.auth_for(&account)
        .map_err(|e| Outcome::GiveUp(e.to_string()))
}

/// What becomes of each job of a batch, recorded in one commit.
pub(super) async fn settle(app: &App, outcomes: Vec<(Job, Outcome)>, max_attempts: i64) {
    // A strand's job claimed again (after a failure, or a lease that ran out) held
    // the strand's later jobs back; settled, it lets them be claimed, which is news
    // for the loops of its kind like any other work made due.
    let held_a_strand = outcomes
        .iter()
        .find(|(job, _)| job.strand != 0 && job.attempts > 1)
        .map(|(job, _)| job.kind.clone());
    let mut settled = Vec::with_capacity(outcomes.len());
    for (job, outcome) in outcomes {
        if let Some(s) = settlement(&job, outcome, max_attempts) {
            settled.push(s);
        }
    }
    if let Err(e) = app.store.settle_jobs(&settled).await {
        // The leases run out and the jobs are claimed again: handlers are idempotent.
        tracing::error!(jobs = settled.len(), error = %e, "cannot record jobs' outcomes");
    }
    if let Some(kind) = held_a_strand {
        app.wake.for_kind(&kind).notify_one();
    }
}

fn settlement(job: &Job, outcome: Outcome, max_attempts: i64) -> Option<Settlement> {
    let count = |result: &'static str| {
        metrics::counter!("igdesk_jobs_total", "kind" => job.kind.clone(), "result" => result)
            .increment(1);
    };
    Some(match outcome {
        Outcome::Completed => return None,
        Outcome::Again(run_at) => Settlement::Retry {
            id: job.id,
            run_at,
            error: String::new(),
        },
        Outcome::Done => {
            count("done");
            Settlement::Complete(job.id)
        }
        Outcome::Retry { error, .. } if job.attempts >= max_attempts => {
            tracing::error!(job = %job.id, kind = %job.kind, %error, "giving up after {} attempts", job.attempts);
            count("dead");
            Settlement::Bury { id: job.id, error }
        }
        Outcome::Retry { error, after } => {
            let jitter = rand::thread_rng().gen::<f64>();
            let delay =
                after.unwrap_or_else(|| backoff(job.attempts as u32, 1_000, 10 * 60_000, jitter));
            tracing::warn!(job = %job.id, kind = %job.kind, %error, delay_ms = delay, "will retry");
            count("retry");
            Settlement::Retry {
                id: job.id,
                run_at: now_ms() + delay,
                error,
            }
        }
        Outcome::GiveUp(error) => {
            tracing::warn!(job = %job.id, kind = %job.kind, %error, "job given up");
            count("dead");
            Settlement::Bury { id: job.id, error }
        }
    })
}
