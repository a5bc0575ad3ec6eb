//! Upkeep: SQLite's write-ahead log is checkpointed here, in the background, so no
//! commit a webhook waits for pays for it; live-stream events past their use are
//! pruned; customers' send queues are checked for a lost hand-over; each account's
//! webhook subscription is checked with Meta once a day (ACC-1).

use crate::app::App;
use igdesk_domain::Millis;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the log is copied into the database: often enough that little is
/// left to copy when the writer pauses and the log starts over.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);
/// How often old events are pruned.
const PRUNE_EVERY: Millis = 10 * 60_000;
/// How long live-stream events are kept: a console away longer starts afresh, and
/// one that resumes from a pruned id gets the oldest left (a repeat, never a gap).
const EVENTS_KEPT_FOR: Millis = 7 * igdesk_domain::time::DAY;
/// How often send queues are checked for waiting messages with nothing on its way.
const QUEUE_CHECK_EVERY: Millis = 60_000;
/// How often accounts are looked at for a subscription check that is due.
const SUBSCRIPTIONS_LOOK_EVERY: Millis = 10 * 60_000;
/// How old an account's last subscription check may be.
const SUBSCRIPTION_CHECKED_FOR: Millis = igdesk_domain::time::DAY;

pub async fn run(app: App, cancel: CancellationToken) {
    let mut last_prune: Millis = Millis::MIN;
    let mut last_queue_check: Millis = crate::now_ms();
    let mut last_subscriptions_look: Millis = Millis::MIN;
    // Shown as 0 from the start, so an alert can watch it.
    metrics::counter!("igdesk_send_queues_repaired_total").absolute(0);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(CHECKPOINT_EVERY) => {}
        }
        if let Err(e) = app.store.checkpoint().await {
            tracing::warn!(error = %e, "checkpoint failed; the next one retries");
        }
        let now = crate::now_ms();
        if now.saturating_sub(last_prune) >= PRUNE_EVERY {
            last_prune = now;
            match app.store.prune_events(now - EVENTS_KEPT_FOR).await {
                Ok(pruned) => {
                    metrics::counter!("igdesk_events_pruned_total").increment(pruned);
                }
                Err(e) => tracing::warn!(error = %e, "cannot prune live-stream events"),
            }
        }
        if now.saturating_sub(last_queue_check) >= QUEUE_CHECK_EVERY {
            last_queue_check = now;
            check_send_queues(&app, now).await;
        }
        if now.saturating_sub(last_subscriptions_look) >= SUBSCRIPTIONS_LOOK_EVERY {
            last_subscriptions_look = now;
            // Meta may take its time to answer: not in the way of checkpoints.
            tokio::spawn(check_subscriptions(app.clone(), now));
        }
    }
}

/// Meta unsubscribes an app whose webhooks failed for long (meta-instagram-api.md
/// §1): each account's subscription is checked daily and repaired when missing.
async fn check_subscriptions(app: App, now: Millis) {
    let accounts = match app.store.accounts().await {
        Ok(accounts) => accounts,
        Err(e) => {
            return tracing::warn!(error = %e, "cannot list accounts for the subscription check")
        }
    };
    for account in accounts.iter().filter(|a| {
        a.subscription_checked_at
            .is_none_or(|at| now - at >= SUBSCRIPTION_CHECKED_FOR)
    }) {
        crate::service::connect::check_subscription(&app, account).await;
    }
}

/// Every hand-over from a sent message to the customer's next happens in the
/// transaction that settles it, so this finds nothing; a queue repaired here is a
/// bug, counted in `igdesk_send_queues_repaired_total` (which must stay 0).
async fn check_send_queues(app: &App, now: Millis) {
    match app.store.repair_stalled_queues(now).await {
        Ok(0) => {}
        Ok(repaired) => {
            metrics::counter!("igdesk_send_queues_repaired_total").increment(repaired);
            app.wake.sends.notify_waiters();
        }
        Err(e) => tracing::warn!(error = %e, "cannot check the send queues"),
    }
}
