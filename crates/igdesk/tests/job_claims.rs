//! Worker loops claim jobs when woken for work of their own kind, after a full batch,
//! and every half second when idle; never again just because a batch ended. A claim
//! is a write, so one that finds nothing is a write for nothing. (Alone in its file:
//! the metrics it reads count the whole test process.)

mod common;

use common::*;
use igdesk_igs::{CustomerProfile, Event};
use std::time::{Duration, Instant};

/// `igdesk_job_claims_total` for one kind and outcome, from `/metrics`.
fn claims(metrics: &str, kind: &str, found: &str) -> u64 {
    let (kind, found) = (format!("kind=\"{kind}\""), format!("found=\"{found}\""));
    metrics
        .lines()
        .filter(|l| l.starts_with("igdesk_job_claims_total{"))
        .filter(|l| l.contains(&kind) && l.contains(&found))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[tokio::test]
async fn loops_claim_for_their_own_work_not_after_every_batch() {
    let app = start_sqlite().await;
    let customers = 20;
    for n in 0..customers {
        let igsid = format!("7{n:03}");
        app.add_customer(CustomerProfile::new(&igsid, format!("customer{n}")));
    }
    // Settled first: the loops' first claims at start are not what is measured.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let before = app.metrics().await;
    let started = Instant::now();
    // One new customer after another, each a delivery to apply and a profile to fetch.
    for n in 0..customers {
        app.send(Event::text(format!("7{n:03}"), "hello")).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.eventually("every profile fetched", || async {
        for n in 0..customers {
            let customer = app.customer(&format!("7{n:03}")).await;
            if !customer["instagram"]["fetched_at"].is_i64() {
                return false;
            }
        }
        true
    })
    .await;
    let after = app.metrics().await;
    // The idle polls in that time, and one more for each loop's poll under way.
    let polls = started.elapsed().as_millis() as u64 / 500 + 2;
    let grew = |kind, found| claims(&after, kind, found) - claims(&before, kind, found);
    // Twenty profile jobs did not send the thread-control and token loops to look.
    assert!(
        grew("thread_control", "none") <= polls,
        "thread control claimed nothing {} times in {polls} polls",
        grew("thread_control", "none")
    );
    assert!(
        grew("refresh_token", "none") <= polls,
        "token renewal claimed nothing {} times in {polls} polls",
        grew("refresh_token", "none")
    );
    // Twenty deliveries, each applied as it came: no empty claim after each batch.
    assert!(grew("process_delivery", "some") >= 1);
    assert!(
        grew("process_delivery", "none") <= polls,
        "applying deliveries claimed nothing {} times in {polls} polls",
        grew("process_delivery", "none")
    );
}
