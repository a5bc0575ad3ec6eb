//! `process_delivery`: turns stored webhook deliveries into timeline changes, a batch
//! per transaction.

use super::mapping::changes_for;
use super::Outcome;
use crate::app::App;
use crate::now_ms;
use igdesk_domain::changes::{Change, ChangeKind};
use igdesk_domain::DeliveryId;
use igdesk_meta::webhook::{decode_item, parse_envelope};
use igdesk_store::parts::NO_STRAND;
use igdesk_store::{Account, ApplyOutcome, DeliveryChanges, Job, StoreError};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// How long processing gives way to a busy intake before it takes its turn anyway.
const YIELD_TO_INTAKE: Duration = Duration::from_millis(50);

pub async fn process(app: &App, jobs: Vec<Job>) -> Vec<(Job, Outcome)> {
    // Acknowledging Meta comes first: processing is durable and can catch up.
    app.intake.until_unsaturated(YIELD_TO_INTAKE).await;
    let mut outcomes = Vec::new();
    let mut wanted = Vec::new();
    for job in jobs {
        match job.payload.parse().map(DeliveryId) {
            Ok(delivery) => wanted.push((job, delivery)),
            Err(_) => {
                let reason = format!("bad payload {:?}", job.payload);
                outcomes.push((job, Outcome::GiveUp(reason)));
            }
        }
    }
    let ids: Vec<DeliveryId> = wanted.iter().map(|(_, d)| *d).collect();
    let mut bodies: HashMap<DeliveryId, Vec<u8>> = match app.store.delivery_bodies(&ids).await {
        Ok(bodies) => bodies.into_iter().collect(),
        Err(e) => {
            outcomes.extend(wanted.into_iter().map(|(job, _)| (job, Outcome::retry(&e))));
            return outcomes;
        }
    };
    let mut batch = Vec::new();
    let mut batch_jobs = Vec::new();
    let mut accounts = HashMap::new();
    let mut failed = FailedStrands::default();
    for (job, delivery) in wanted {
        if let Some(behind) = failed.behind(&job) {
            outcomes.push((job, behind));
            continue;
        }
        let Some(body) = bodies.remove(&delivery) else {
            // Not visible yet to this connection, or truly gone: retrying decides.
            failed.add(&job);
            outcomes.push((
                job,
                Outcome::retry(format!("delivery {delivery} is not in the store")),
            ));
            continue;
        };
        match changes_of(app, delivery, &body, &mut accounts).await {
            Ok(changes) => {
                batch.push(DeliveryChanges {
                    job: job.id,
                    delivery,
                    changes,
                });
                batch_jobs.push(job);
            }
            Err(e) => {
                failed.add(&job);
                outcomes.push((job, Outcome::retry(e)));
            }
        }
    }
    if !batch.is_empty() {
        outcomes.extend(apply(app, &batch, batch_jobs).await);
    }
    outcomes
}

/// Customers (strands) of a batch with a delivery that failed: their later
/// deliveries in the batch are not applied before it, but put back behind it (the
/// claims then hold them until it is applied).
#[derive(Default)]
struct FailedStrands(HashSet<i64>);

impl FailedStrands {
    fn add(&mut self, job: &Job) {
        if job.strand != NO_STRAND {
            self.0.insert(job.strand);
        }
    }

    /// The outcome of a delivery behind a failed one of its customer, if it is.
    fn behind(&self, job: &Job) -> Option<Outcome> {
        self.0
            .contains(&job.strand)
            .then(|| Outcome::Again(now_ms()))
    }
}

/// Applies deliveries in one transaction; when that fails, one by one in order, so
/// one bad delivery does not hold back the others; a customer's deliveries after
/// one that fails wait behind it.
async fn apply(app: &App, batch: &[DeliveryChanges], jobs: Vec<Job>) -> Vec<(Job, Outcome)> {
    match app.store.apply_deliveries(batch, now_ms()).await {
        Ok(applied) => {
            record(app, &applied);
            jobs.into_iter()
                .map(|job| (job, Outcome::Completed))
                .collect()
        }
        Err(e) => {
            tracing::warn!(error = %e, size = batch.len(), "batch failed; applying deliveries one by one");
            let mut outcomes = Vec::with_capacity(jobs.len());
            let mut failed = FailedStrands::default();
            for (one, job) in batch.iter().zip(jobs) {
                if let Some(behind) = failed.behind(&job) {
                    outcomes.push((job, behind));
                    continue;
                }
                let outcome = match app
                    .store
                    .apply_deliveries(std::slice::from_ref(one), now_ms())
                    .await
                {
                    Ok(applied) => {
                        record(app, &applied);
                        Outcome::Completed
                    }
                    Err(e) => {
                        failed.add(&job);
                        Outcome::retry(e)
                    }
                };
                outcomes.push((job, outcome));
            }
            outcomes
        }
    }
}

fn record(app: &App, applied: &ApplyOutcome) {
    metrics::counter!("igdesk_timeline_items_added_total")
        .increment(applied.items_added.len() as u64);
    metrics::counter!("igdesk_duplicate_events_total").increment(u64::from(applied.duplicates));
    if applied.profile_jobs > 0 {
        app.wake.profiles.notify_waiters();
    }
    if applied.automatic_replies > 0 {
        // Automatic replies were queued with the items that called for them.
        app.wake.sends.notify_waiters();
    }
    if applied.echoes_matched > 0 {
        // A matched echo completed a send: the customer's next message is due.
        app.wake.sends.notify_waiters();
    }
    if !applied.items_added.is_empty() {
        // New items may be new work to route.
        app.reroute();
    }
    if applied.events > 0 {
        app.wake.live.everyone();
    }
    // Customer messages, events and read receipts may be owed to the API's user.
    app.wake.api_webhooks.notify_waiters();
}

async fn changes_of(
    app: &App,
    delivery: DeliveryId,
    body: &[u8],
    accounts: &mut HashMap<String, Option<Account>>,
) -> Result<Vec<Change>, StoreError> {
    let received_at = now_ms();
    let mut changes: Vec<Change> = Vec::new();
    match parse_envelope(body) {
        Ok(envelope) => {
            for entry in &envelope.entries {
                if !accounts.contains_key(&entry.id) {
                    let account = app.store.account_by_ig_id(&entry.id).await?;
                    accounts.insert(entry.id.clone(), account);
                }
                let account = accounts[&entry.id].as_ref();
                for item in &entry.items {
                    let decoded = decode_item(entry, item);
                    changes.extend(changes_for(account, entry, decoded, &item.raw, received_at));
                }
            }
        }
        Err(e) => changes.push(Change {
            account: None,
            kind: ChangeKind::Note {
                kind: "malformed_delivery".into(),
                reason: e.to_string(),
                raw: String::from_utf8_lossy(body).into_owned(),
            },
        }),
    }
    for change in &changes {
        if let ChangeKind::Note { kind, reason, .. } = &change.kind {
            tracing::info!(%delivery, kind, reason, "event recorded, not processed");
            metrics::counter!("igdesk_events_noted_total", "kind" => kind.clone()).increment(1);
        }
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use igdesk_domain::JobId;

    fn job(id: i64, strand: i64) -> Job {
        Job {
            id: JobId(id),
            kind: igdesk_store::JOB_PROCESS_DELIVERY.into(),
            payload: id.to_string(),
            attempts: 1,
            strand,
        }
    }

    #[test]
    fn a_customers_deliveries_after_a_failed_one_are_put_back_behind_it() {
        let mut failed = FailedStrands::default();
        assert!(failed.behind(&job(2, 7)).is_none());
        failed.add(&job(1, 7));
        assert!(matches!(failed.behind(&job(3, 7)), Some(Outcome::Again(_))));
        assert!(
            failed.behind(&job(4, 8)).is_none(),
            "another customer goes on"
        );
        // A barrier has no strand: it holds back no one (it is claimed alone).
        failed.add(&job(5, NO_STRAND));
        assert!(failed.behind(&job(6, NO_STRAND)).is_none());
    }
}
