//! `process_delivery`: turns one stored webhook delivery into timeline changes.

use super::mapping::changes_for;
use super::Outcome;
use crate::app::App;
use crate::now_ms;
use igdesk_domain::changes::{Change, ChangeKind};
use igdesk_domain::DeliveryId;
use igdesk_meta::webhook::{decode_item, parse_envelope};
use igdesk_store::{Account, Job};
use std::collections::HashMap;

pub async fn process(app: &App, job: &Job) -> Outcome {
    let Ok(delivery) = job.payload.parse().map(DeliveryId) else {
        return Outcome::GiveUp(format!("bad payload {:?}", job.payload));
    };
    match process_delivery(app, job, delivery).await {
        Ok(outcome) => outcome,
        Err(e) => Outcome::Retry {
            error: e.to_string(),
            after: None,
        },
    }
}

async fn process_delivery(
    app: &App,
    job: &Job,
    delivery: DeliveryId,
) -> Result<Outcome, igdesk_store::StoreError> {
    let Some(body) = app.store.delivery_body(delivery).await? else {
        return Ok(Outcome::GiveUp(format!("delivery {delivery} is missing")));
    };
    let received_at = now_ms();
    let mut changes: Vec<Change> = Vec::new();
    match parse_envelope(&body) {
        Ok(envelope) => {
            let mut accounts: HashMap<String, Option<Account>> = HashMap::new();
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
                raw: String::from_utf8_lossy(&body).into_owned(),
            },
        }),
    }
    for change in &changes {
        if let ChangeKind::Note { kind, reason, .. } = &change.kind {
            tracing::info!(%delivery, kind, reason, "event recorded, not processed");
            metrics::counter!("igdesk_events_noted_total", "kind" => kind.clone()).increment(1);
        }
    }
    let outcome = app
        .store
        .apply_delivery(job.id, delivery, &changes, now_ms())
        .await?;
    metrics::counter!("igdesk_timeline_items_added_total")
        .increment(outcome.items_added.len() as u64);
    metrics::counter!("igdesk_duplicate_events_total").increment(u64::from(outcome.duplicates));
    if !outcome.customers_created.is_empty() {
        // New profile jobs were written with the delivery; let the workers know.
        app.jobs_ready.notify_waiters();
    }
    // apply_delivery completed the job in its own transaction.
    Ok(Outcome::Done)
}
