//! Deliveries are applied by one instance at a time (`take_processing_hold`). On
//! PostgreSQL the right ends with the holder's database session: when an instance
//! dies (`kill -9` closes its connections) another takes over at once, and the
//! deliveries the dead one had leased come first, in the order they came, instead
//! of a minute later behind newer ones.

use igdesk_store::prelude::*;
use igdesk_store::testing::{fresh_postgres_url, sqlite_url};
use igdesk_store::{NewJob, JOB_PROCESS_DELIVERY};
use std::time::{Duration, Instant};

const T0: i64 = 1_730_000_000_000;
const LEASE: i64 = 60_000;

async fn deliveries(store: &dyn Store, n: usize) {
    for i in 0..n {
        let job = NewJob {
            kind: JOB_PROCESS_DELIVERY.into(),
            dedup_key: None,
            payload: i.to_string(),
            run_at: T0,
        };
        store.enqueue_job(job, T0).await.unwrap();
    }
}

async fn claim(store: &dyn Store, limit: i64, now: i64) -> Vec<String> {
    let jobs = store
        .claim_jobs(&[JOB_PROCESS_DELIVERY], limit, now, now + LEASE)
        .await
        .unwrap();
    jobs.into_iter().map(|j| j.payload).collect()
}

#[tokio::test]
async fn on_postgres_one_instance_holds_it_and_a_successor_resumes_the_dead_ones_batch_first() {
    let url = fresh_postgres_url().await;
    let first = igdesk_store::connect(&url).await.unwrap();
    let second = igdesk_store::connect(&url).await.unwrap();
    deliveries(&first, 3).await;

    let mut held = first.take_processing_hold().await.unwrap().expect("free");
    assert!(held.still_held().await);
    assert!(
        second.take_processing_hold().await.unwrap().is_none(),
        "one instance at a time"
    );
    assert_eq!(claim(&first, 2, T0).await, ["0", "1"]);

    // The first instance dies with its batch leased: its session ends.
    drop(held);
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut taken = loop {
        if let Some(hold) = second.take_processing_hold().await.unwrap() {
            break hold;
        }
        assert!(
            Instant::now() < deadline,
            "the dead instance's hold never ended"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(taken.still_held().await);
    // Seconds later, not a minute: the dead batch is free again, and first in line.
    assert_eq!(claim(&second, 10, T0 + 1_000).await, ["0", "1", "2"]);
}

#[tokio::test]
async fn on_sqlite_the_one_instance_always_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = igdesk_store::connect(&sqlite_url(dir.path()))
        .await
        .unwrap();
    let mut held = store.take_processing_hold().await.unwrap().expect("held");
    assert!(held.still_held().await);
    assert!(store.take_processing_hold().await.unwrap().is_some());
}
