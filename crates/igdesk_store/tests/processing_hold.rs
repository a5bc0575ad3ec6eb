//! Deliveries are applied by one instance at a time (`take_processing_hold`). On
//! PostgreSQL the right ends with the holder's database session: when an instance
//! dies (`kill -9` closes its connections) another takes over at once, and the
//! deliveries the dead one had leased come first, in the order they came, instead
//! of a minute later behind newer ones.

use igdesk_store::parts::{part_of_strand, BARRIER, NO_STRAND, PARTS};
use igdesk_store::prelude::*;
use igdesk_store::testing::{fresh_postgres_url, sqlite_url};
use igdesk_store::{NewDelivery, NewJob, Settlement, JOB_PROCESS_DELIVERY};
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
async fn on_sqlite_a_stopped_processs_batch_goes_first_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let first = igdesk_store::connect(&url).await.unwrap();
    let ids = record_in_parts(&first, &[3, 3, 5]).await;
    let mut held = first.take_processing_hold().await.unwrap().expect("held");
    assert!(held.still_held().await);
    assert_eq!(claim(&first, 2, T0 + 10).await, ids[..2]);
    // The process stops with its batch leased; the next one starts on the file.
    drop(held);
    drop(first);
    let next = igdesk_store::connect(&url).await.unwrap();
    // What `igdesk serve` does on SQLite before its workers start.
    next.release_all_leases().await.unwrap();
    assert!(next.take_processing_hold().await.unwrap().is_some());
    // A second later, not a lease's minute: the stopped batch's first delivery at
    // once, another customer's beside it; its customer's next waits for its outcome.
    assert_eq!(
        claim(&next, 10, T0 + 1_000).await,
        [ids[0].clone(), ids[2].clone()]
    );
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

/// Deliveries in `parts` (in this order), one customer per part, as intake records
/// them: their job ids.
async fn record_in_parts(store: &dyn Store, parts: &[i64]) -> Vec<String> {
    let strands: Vec<i64> = parts
        .iter()
        .map(|part| match *part {
            BARRIER => NO_STRAND,
            part => PARTS + part,
        })
        .collect();
    record_in_strands(store, &strands).await
}

/// Deliveries of customers' `strands` (in this order): their job ids.
async fn record_in_strands(store: &dyn Store, strands: &[i64]) -> Vec<String> {
    let deliveries: Vec<NewDelivery> = strands
        .iter()
        .enumerate()
        .map(|(i, strand)| NewDelivery {
            received_at: T0 + i as i64,
            body: format!("{{\"n\":{i}}}").into_bytes(),
            body_hash: None,
            strand: *strand,
        })
        .collect();
    let ids = store.record_deliveries(&deliveries).await.unwrap();
    ids.iter().map(|id| id.0.to_string()).collect()
}

async fn claim_part(store: &dyn Store, part: i64, now: i64) -> Vec<String> {
    claim_parts(store, &[part], 10, now).await
}

async fn claim_parts(store: &dyn Store, parts: &[i64], limit: i64, now: i64) -> Vec<String> {
    let jobs = store
        .claim_parts(parts, limit, now, now + LEASE)
        .await
        .unwrap();
    jobs.into_iter().map(|j| j.payload).collect()
}

async fn parts_go_side_by_side_in_order_and_a_barrier_goes_alone(store: &dyn Store) {
    let ids = record_in_parts(store, &[3, 5, 3, BARRIER, 3, 5]).await;
    let mut due = store.due_parts(T0 + 10).await.unwrap();
    due.sort();
    assert_eq!(due, vec![BARRIER, 3, 5]);
    // Each part in the order its deliveries came, none after the barrier.
    assert_eq!(
        claim_part(store, 3, T0 + 10).await,
        [ids[0].clone(), ids[2].clone()]
    );
    assert_eq!(claim_part(store, 5, T0 + 10).await, [ids[1].clone()]);
    // The barrier waits while a delivery before it is in hand.
    assert!(claim_part(store, BARRIER, T0 + 10).await.is_empty());
    // Settled (applied): the barrier goes, alone; then the parts go on.
    settle_all(store, &ids[..3]).await;
    assert_eq!(claim_part(store, BARRIER, T0 + 10).await, [ids[3].clone()]);
    assert!(
        claim_part(store, 3, T0 + 10).await.is_empty(),
        "not beside the barrier"
    );
    settle_all(store, &ids[3..4]).await;
    assert_eq!(claim_part(store, 3, T0 + 10).await, [ids[4].clone()]);
    assert_eq!(claim_part(store, 5, T0 + 10).await, [ids[5].clone()]);
}

async fn parts_claimed_together_give_each_part_its_first_deliveries(store: &dyn Store) {
    let ids = record_in_parts(store, &[3, 5, 3, 7, 5, 3, BARRIER, 5]).await;
    // One batch of parts 3 and 5, in the order the deliveries came; the limit cuts
    // the batch at the latest ones, so each part gives the start of its queue.
    assert_eq!(
        claim_parts(store, &[5, 3], 3, T0 + 10).await,
        [ids[0].clone(), ids[1].clone(), ids[2].clone()]
    );
    settle_all(store, &ids[..3]).await;
    assert_eq!(
        claim_parts(store, &[3, 5], 10, T0 + 10).await,
        [ids[4].clone(), ids[5].clone()],
        "the rest before the barrier, and nothing of part 7, not named"
    );
    assert_eq!(claim_part(store, 7, T0 + 10).await, [ids[3].clone()]);
}

/// One customer's delivery fails and waits for its retry: the customer's later
/// deliveries wait behind it, however many rounds pass, while another customer of
/// the same part goes on; once it is applied, they follow. Through both claims:
/// the parts' (PostgreSQL's loops) and the plain one (SQLite's loop).
async fn a_delivery_waiting_for_its_retry_holds_back_its_customer_only(store: &dyn Store) {
    for through_parts in [true, false] {
        // Two customers of part 3, in the order a1 b1 a2 b2.
        let (a, b) = (3 + PARTS, 3 + 2 * PARTS);
        assert_eq!((part_of_strand(a), part_of_strand(b)), (3, 3));
        let ids = record_in_strands(store, &[a, b, a, b]).await;
        let claim = |limit: i64, now: i64| async move {
            let jobs = if through_parts {
                store.claim_parts(&[3], limit, now, now + LEASE).await
            } else {
                store
                    .claim_jobs(&[JOB_PROCESS_DELIVERY], limit, now, now + LEASE)
                    .await
            };
            jobs.unwrap()
        };
        let first = claim(2, T0 + 10).await;
        assert_eq!(payloads(&first), [ids[0].clone(), ids[1].clone()]);
        // a1 fails (a deadlock, say): retried in a second. b1 is applied.
        let settled = [
            Settlement::Retry {
                id: first[0].id,
                run_at: T0 + 1_000,
                error: "deadlock detected".into(),
            },
            Settlement::Complete(first[1].id),
        ];
        store.settle_jobs(&settled).await.unwrap();
        let b2 = claim(10, T0 + 20).await;
        assert_eq!(
            payloads(&b2),
            [ids[3].clone()],
            "b2 goes on; a2 waits behind a1"
        );
        assert!(claim(10, T0 + 500).await.is_empty(), "a2 still waits");
        // a1's retry is due: it goes first. The parts' claim takes the oldest
        // first, so a2 may come after it in the same batch; the plain claim (whose
        // order puts a retry after newer deliveries) takes a1 alone.
        let retried = claim(10, T0 + 1_000).await;
        let mut done = vec![Settlement::Complete(b2[0].id)];
        if through_parts {
            assert_eq!(payloads(&retried), [ids[0].clone(), ids[2].clone()]);
        } else {
            assert_eq!(payloads(&retried), [ids[0].clone()]);
            assert!(
                claim(10, T0 + 1_000).await.is_empty(),
                "a2 waits for a1's outcome"
            );
            store
                .settle_jobs(&[Settlement::Complete(retried[0].id)])
                .await
                .unwrap();
            let a2 = claim(10, T0 + 1_001).await;
            assert_eq!(payloads(&a2), [ids[2].clone()]);
            done.push(Settlement::Complete(a2[0].id));
        }
        done.extend(retried.iter().map(|j| Settlement::Complete(j.id)));
        store.settle_jobs(&done).await.unwrap();
    }
}

fn payloads(jobs: &[igdesk_store::Job]) -> Vec<String> {
    jobs.iter().map(|j| j.payload.clone()).collect()
}

/// Completes the jobs of these deliveries, as a loop does once they are applied;
/// the others claimed meanwhile are put back, due at once.
async fn settle_all(store: &dyn Store, deliveries: &[String]) {
    let mut left: Vec<&String> = deliveries.iter().collect();
    for _ in 0..deliveries.len() {
        let jobs = store
            .claim_jobs(&[JOB_PROCESS_DELIVERY], 100, T0 + 1_000_000, T0 + 1_000_000)
            .await
            .unwrap();
        let mut settled = Vec::new();
        for job in jobs {
            if deliveries.contains(&job.payload) {
                left.retain(|d| **d != job.payload);
                settled.push(Settlement::Complete(job.id));
            } else {
                settled.push(Settlement::Retry {
                    id: job.id,
                    run_at: T0,
                    error: String::new(),
                });
            }
        }
        store.settle_jobs(&settled).await.unwrap();
        if left.is_empty() {
            return;
        }
    }
    panic!("deliveries {left:?} were never claimed");
}

/// Runs `case` on a store of each backend: a SQLite file, a fresh PostgreSQL
/// database.
macro_rules! on_both_backends {
    ($sqlite:ident, $postgres:ident, $case:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            let dir = tempfile::tempdir().unwrap();
            let store = igdesk_store::connect(&sqlite_url(dir.path()))
                .await
                .unwrap();
            $case(&store).await;
        }

        #[tokio::test]
        async fn $postgres() {
            let store = igdesk_store::connect(&fresh_postgres_url().await)
                .await
                .unwrap();
            $case(&store).await;
        }
    };
}

on_both_backends!(
    on_sqlite_parts_go_in_order_and_a_barrier_alone,
    on_postgres_parts_go_in_order_and_a_barrier_alone,
    parts_go_side_by_side_in_order_and_a_barrier_goes_alone
);

on_both_backends!(
    on_sqlite_a_retried_delivery_holds_back_its_customer_only,
    on_postgres_a_retried_delivery_holds_back_its_customer_only,
    a_delivery_waiting_for_its_retry_holds_back_its_customer_only
);

on_both_backends!(
    on_sqlite_parts_claimed_together_keep_each_part_in_order,
    on_postgres_parts_claimed_together_keep_each_part_in_order,
    parts_claimed_together_give_each_part_its_first_deliveries
);

#[tokio::test]
async fn on_postgres_a_part_has_one_holder_and_a_dead_holders_batch_goes_first() {
    let url = fresh_postgres_url().await;
    let first = igdesk_store::connect(&url).await.unwrap();
    let second = igdesk_store::connect(&url).await.unwrap();
    let ids = record_in_parts(&first, &[7, 7, 7]).await;
    let mut a = first.part_session().await.unwrap().expect("a session");
    let mut b = second
        .part_session()
        .await
        .unwrap()
        .expect("sessions share");
    assert!(first.take_part(&mut a, 7).await.unwrap());
    assert!(!second.take_part(&mut b, 7).await.unwrap(), "one holder");
    assert!(
        second.take_part(&mut b, 8).await.unwrap(),
        "other parts are free"
    );
    second.release_part(&mut b, 8).await.unwrap();
    // An older igdesk cannot take the whole processing right meanwhile.
    assert!(second.take_processing_hold().await.unwrap().is_none());
    assert_eq!(claim_part(&first, 7, T0 + 10).await, ids);

    // The holder dies with its batch leased: its session ends.
    drop(a);
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !second.take_part(&mut b, 7).await.unwrap() {
        assert!(
            Instant::now() < deadline,
            "the dead holder's part never freed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Seconds later, not a lease's minute: the batch is free again, first in line.
    assert_eq!(claim_part(&second, 7, T0 + 1_000).await, ids);
}
