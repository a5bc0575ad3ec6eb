//! Upkeep: SQLite's write-ahead log is checkpointed here, in the background, so no
//! commit a webhook waits for pays for it; live-stream events past their use are
//! pruned; customers' send queues are checked for a lost hand-over, and what routing
//! reads against the conversations and offers; each account's
//! webhook subscription is checked with Meta once a day (ACC-1); uploaded images past
//! `upload_retention_days` that nothing still needs are removed; webhook deliveries'
//! bodies past `raw_retention_days` are blanked; Story mentions on open conversations
//! are checked on Meta's CDN at most hourly (IN-6, `workers/story.rs`).

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
/// How often send queues are checked for waiting messages with nothing on its way,
/// and what routing reads against the conversations and offers it is kept from.
const QUEUE_CHECK_EVERY: Millis = 60_000;
/// How often uploads are looked at for ones past their retention: it is counted in
/// days, so hourly is prompt enough.
const UPLOADS_PRUNE_EVERY: Millis = igdesk_domain::time::HOUR;
/// How often processed deliveries are looked at for bodies past their retention:
/// counted in days, so hourly is prompt enough.
const RAW_PRUNE_EVERY: Millis = igdesk_domain::time::HOUR;
/// How often accounts are looked at for a subscription check that is due.
const SUBSCRIPTIONS_LOOK_EVERY: Millis = 10 * 60_000;
/// How old an account's last subscription check may be.
const SUBSCRIPTION_CHECKED_FOR: Millis = igdesk_domain::time::DAY;
/// How often Story mentions are looked at for an hourly check that is due (on the
/// agent's-day clock): a Story is asked about between one hour and this much more
/// after its last check.
const STORIES_LOOK_EVERY: Millis = 5 * 60_000;
/// Story checks queued at most in one look; the rest wait for the next.
const STORIES_PER_LOOK: i64 = 1_000;

pub async fn run(app: App, cancel: CancellationToken) {
    let mut last_prune: Millis = Millis::MIN;
    let mut last_queue_check: Millis = crate::now_ms();
    let mut last_subscriptions_look: Millis = Millis::MIN;
    let mut last_uploads_prune: Millis = Millis::MIN;
    let mut last_raw_prune: Millis = Millis::MIN;
    let mut last_stories_look: Millis = Millis::MIN;
    // Shown as 0 from the start, so an alert can watch it.
    metrics::counter!("igdesk_send_queues_repaired_total").absolute(0);
    metrics::counter!("igdesk_routing_state_repaired_total").absolute(0);
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
            prune_send_grants(&app, now).await;
        }
        if now.saturating_sub(last_uploads_prune) >= UPLOADS_PRUNE_EVERY {
            last_uploads_prune = now;
            prune_uploads(&app, now).await;
        }
        if now.saturating_sub(last_raw_prune) >= RAW_PRUNE_EVERY {
            last_raw_prune = now;
            prune_raw_deliveries(&app, now).await;
        }
        if now.saturating_sub(last_queue_check) >= QUEUE_CHECK_EVERY {
            last_queue_check = now;
            check_send_queues(&app, now).await;
            check_routing_state(&app).await;
        }
        // The hourly checks follow the agent's-day clock, which tests move on.
        let day_now = app.clock.now();
        if day_now.saturating_sub(last_stories_look) >= STORIES_LOOK_EVERY {
            last_stories_look = day_now;
            queue_story_checks(&app, now, day_now).await;
        }
        if now.saturating_sub(last_subscriptions_look) >= SUBSCRIPTIONS_LOOK_EVERY {
            last_subscriptions_look = now;
            // Meta may take its time to answer: not in the way of checkpoints.
            tokio::spawn(check_subscriptions(app.clone(), now));
        }
    }
}

/// What routing reads (the waiting work, each agent's counts) is kept by the database
/// in the transaction of every change to a conversation or an offer, so this finds
/// nothing; a row or count put right here is a bug, counted in
/// `igdesk_routing_state_repaired_total` (which must stay 0).
async fn check_routing_state(app: &App) {
    match app.store.repair_routing_state().await {
        Ok(0) => {}
        Ok(repaired) => {
            metrics::counter!("igdesk_routing_state_repaired_total").increment(repaired);
            app.reroute();
        }
        Err(e) => tracing::warn!(error = %e, "cannot check what routing reads"),
    }
}

/// A customer may delete a Story before its 24 hours are up (IN-6): each Story mention
/// still shown of a customer with an open conversation is checked on Meta's CDN an
/// hour after its last check (or after it arrived). A Story's age is Instagram's
/// time (`now`); when it was checked, the agent's-day clock (`day_now`).
async fn queue_story_checks(app: &App, now: Millis, day_now: Millis) {
    let queued = app
        .store
        .queue_due_story_checks(
            now - igdesk_domain::timeline::STORY_LIFETIME,
            day_now - igdesk_store::STORY_CHECK_EVERY,
            now,
            STORIES_PER_LOOK,
        )
        .await;
    match queued {
        Ok(0) => {}
        Ok(_) => app.wake.stories.notify_one(),
        Err(e) => tracing::warn!(error = %e, "cannot queue the hourly checks of Stories"),
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

/// Uploads past their retention go, unless an unsent message or a saved answer still
/// refers to them; counted in `igdesk_uploads_removed_total`.
async fn prune_uploads(app: &App, now: Millis) {
    let before = now.saturating_sub(app.settings.upload_retention_ms);
    match app.store.prune_uploads(before).await {
        Ok(removed) => {
            metrics::counter!("igdesk_uploads_removed_total").increment(removed);
            if removed > 0 {
                tracing::info!(removed, "removed uploads past their retention");
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot remove old uploads"),
    }
}

/// The sends every instance counted against an account's limits (PostgreSQL) are
/// needed for the longest of the limits' spans (the message window or the hour),
/// each kept for its time on the way too.
async fn prune_send_grants(app: &App, now: Millis) {
    let kept_for = app
        .settings
        .send_limit_window_ms
        .max(igdesk_domain::time::HOUR)
        + igdesk_domain::rules::SEND_TRANSIT;
    if let Err(e) = app.store.prune_send_grants(now - kept_for).await {
        tracing::warn!(error = %e, "cannot forget old send grants");
    }
}

/// Meta's bytes (customers' words, attachment URLs) are needed only until processed:
/// after `raw_retention_days` a delivery keeps its row (counts, status, error) and
/// loses its body; counted in `igdesk_raw_deliveries_blanked_total`.
async fn prune_raw_deliveries(app: &App, now: Millis) {
    let before = now.saturating_sub(app.settings.raw_retention_ms);
    match app.store.prune_raw_deliveries(before).await {
        Ok(blanked) => {
            metrics::counter!("igdesk_raw_deliveries_blanked_total").increment(blanked);
            if blanked > 0 {
                tracing::info!(blanked, "blanked delivery bodies past their retention");
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot blank old delivery bodies"),
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
