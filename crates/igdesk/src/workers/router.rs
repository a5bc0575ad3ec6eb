//! Routing (RT-3, RT-4): withdraws offers nobody answered in time, ends silent
//! sessions, and offers waiting work to agents with room. One instance routes at a
//! time (a lease in the database); the others stand by and take over if it stops.

use crate::app::App;
use igdesk_domain::Millis;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long an offer waits for its agent's answer (RT-3).
pub const OFFER_TIMEOUT: Millis = 30_000;
/// Offers made per transaction: a burst of work goes out in a few commits.
const ROUTE_BATCH: i64 = 200;
/// How often silent sessions are looked for.
const AUTO_END_EVERY: Millis = 5_000;
/// How long the routing lease lasts; renewed on every pass.
const LEASE_FOR: Millis = 15_000;
/// Polling for work written by other instances, and for the standby to notice.
const POLL: Duration = Duration::from_millis(500);

/// This instance's hold on routing. The lease is renewed once half of it has run,
/// not on every pass: a burst of work is routed without a lease write per batch.
struct Lease {
    holder: String,
    /// Wall-clock time until which this instance certainly holds it.
    held_until: Millis,
}

impl Lease {
    async fn hold(&mut self, app: &App) -> Result<bool, igdesk_store::StoreError> {
        let now = crate::now_ms();
        if now < self.held_until - LEASE_FOR / 2 {
            return Ok(true);
        }
        let until = now + LEASE_FOR;
        let held = app
            .store
            .take_lease("routing", &self.holder, now, until)
            .await?;
        self.held_until = if held { until } else { 0 };
        Ok(held)
    }
}

pub async fn run(app: App, cancel: CancellationToken) {
    let mut lease = Lease {
        holder: format!("{:016x}", rand::random::<u64>()),
        held_until: 0,
    };
    let mut last_auto_end: Millis = Millis::MIN;
    loop {
        let woken = app.wake.routing.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        if cancel.is_cancelled() {
            return;
        }
        let now = app.clock.now();
        let mut wait = POLL;
        match pass(&app, &mut lease, now, &mut last_auto_end).await {
            Ok(Some(next_expiry)) if !app.clock.is_paused() => {
                let until = Duration::from_millis(next_expiry.saturating_sub(now).max(0) as u64);
                wait = wait.min(until);
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "routing pass failed"),
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = &mut woken => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// One pass; returns when the earliest offer runs out.
async fn pass(
    app: &App,
    lease: &mut Lease,
    now: Millis,
    last_auto_end: &mut Millis,
) -> Result<Option<Millis>, igdesk_store::StoreError> {
    let store = &app.store;
    if !lease.hold(app).await? {
        return Ok(None);
    }
    // A read first: the write that withdraws offers runs only when one is due.
    if store.next_offer_expiry().await?.is_some_and(|at| at <= now) {
        let expired = store.expire_offers(now).await?;
        metrics::counter!("igdesk_offers_total", "result" => "timeout")
            .increment(expired.len() as u64);
        app.wake.live.agents(expired.iter().map(|o| o.agent_id));
    }
    if now.saturating_sub(*last_auto_end) >= AUTO_END_EVERY {
        *last_auto_end = now;
        let ended = store.auto_end(now).await?;
        if !ended.is_empty() {
            metrics::counter!("igdesk_sessions_ended_total", "by" => "auto_end")
                .increment(ended.len() as u64);
            app.wake.live.everyone();
        }
        // API-3: after 24 hours people give the conversation back to the API's bot.
        let returned = store.end_expired_handovers(now).await?;
        if !returned.is_empty() {
            metrics::counter!("igdesk_handovers_total", "result" => "returned")
                .increment(returned.len() as u64);
            app.wake.live.everyone();
            // Threads left in Instagram's inbox are asked back (`take_back`).
            app.wake.thread_control.notify_waiters();
        }
    }
    loop {
        let offers = store.route(now, OFFER_TIMEOUT, ROUTE_BATCH).await?;
        if !offers.is_empty() {
            metrics::counter!("igdesk_offers_total", "result" => "made")
                .increment(offers.len() as u64);
            // Each batch reaches the agents' streams as soon as it is committed.
            app.wake.live.agents(offers.iter().map(|o| o.agent_id));
        }
        if (offers.len() as i64) < ROUTE_BATCH {
            break;
        }
    }
    store.next_offer_expiry().await
}
