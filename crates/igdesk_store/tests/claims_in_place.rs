//! On PostgreSQL a claim updates each job where it is, as a heap-only tuple: no
//! index reads a column a claim writes, and the table leaves room on each page for
//! the row's new version (migration 0032). Before, `attempts` in an index's
//! predicate made every claim write a new entry in each of the table's five
//! indexes, about seven write-ahead-log records a job (docs/BENCHMARKS.md). SQLite
//! has no such rule: it rewrites only the indexes an update touches.
//!
//! Both claims are checked, on the counters PostgreSQL keeps for the table: the
//! parts' claim of deliveries (which looks along each customer's strand) and the
//! claim of other work by kind.

use igdesk_store::parts::{NO_STRAND, PARTS};
use igdesk_store::prelude::*;
use igdesk_store::testing::fresh_postgres_url;
use igdesk_store::{NewDelivery, NewJob, JOB_REFRESH_PROFILE};
use sqlx::Row as _;
use std::time::{Duration, Instant};

const T0: i64 = 1_730_000_000_000;
const LEASE: i64 = 60_000;
const CUSTOMERS: i64 = 60;

/// The jobs table's updates and those of them made in place, once the server's
/// counters show at least `updates`.
async fn updates_of_jobs(url: &str, updates: i64) -> (i64, i64) {
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    // A session reports its counters when it goes idle or ends, within seconds.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let row = sqlx::query(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'jobs'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        let counted: (i64, i64) = (row.get("n_tup_upd"), row.get("n_tup_hot_upd"));
        if counted.0 >= updates {
            return counted;
        }
        assert!(
            Instant::now() < deadline,
            "the server counted {counted:?} updates of jobs, not {updates}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn on_postgres_a_claim_updates_each_job_in_place() {
    let url = fresh_postgres_url().await;
    let store = igdesk_store::connect(&url).await.unwrap();
    // Three deliveries from each customer, interleaved as they come, and a barrier.
    let mut deliveries: Vec<NewDelivery> = (0..3 * CUSTOMERS)
        .map(|i| NewDelivery {
            received_at: T0 + i,
            body: format!("{{\"n\":{i}}}").into_bytes(),
            body_hash: None,
            strand: PARTS + 1 + i % CUSTOMERS,
        })
        .collect();
    deliveries.push(NewDelivery {
        received_at: T0 + 3 * CUSTOMERS,
        body: b"{\"n\":\"barrier\"}".to_vec(),
        body_hash: None,
        strand: NO_STRAND,
    });
    store.record_deliveries(&deliveries).await.unwrap();
    for i in 0..CUSTOMERS {
        let job = NewJob {
            kind: JOB_REFRESH_PROFILE.into(),
            dedup_key: Some(format!("profile:{i}")),
            payload: i.to_string(),
            run_at: T0,
        };
        store.enqueue_job(job, T0).await.unwrap();
    }

    let parts: Vec<i64> = (0..PARTS).collect();
    let now = T0 + 10_000;
    let claimed = store
        .claim_parts(&parts, 1_000, now, now + LEASE)
        .await
        .unwrap();
    // Every customer's three, in the order they came (one batch applies them), not
    // the barrier: it is claimed alone.
    assert_eq!(claimed.len() as i64, 3 * CUSTOMERS);
    let others = store
        .claim_jobs(&[JOB_REFRESH_PROFILE], 1_000, now, now + LEASE)
        .await
        .unwrap();
    assert_eq!(others.len() as i64, CUSTOMERS);
    let leased: Vec<_> = claimed.iter().chain(&others).map(|j| j.id).collect();
    assert_eq!(
        store.renew_leases(&leased, now + 2 * LEASE).await.unwrap(),
        leased.len() as u64
    );
    drop(store);

    // Each job's claim and renewal.
    let (updates, in_place) = updates_of_jobs(&url, 2 * 4 * CUSTOMERS).await;
    assert_eq!(updates, 2 * 4 * CUSTOMERS);
    assert_eq!(
        in_place, updates,
        "every claim and renewal updated its job in place"
    );
}
