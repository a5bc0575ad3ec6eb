//! An account that may not send (paused after Meta throttled it, or waiting to be
//! reconnected) keeps its queued messages' jobs due at the time it may send again,
//! not now. The claims read due send jobs in time order and pass over a held
//! account's: with its jobs due now, every claim of every other account walked all
//! of them (100,000 queued: about 80 ms a claim on PostgreSQL). The conformance
//! suite checks what is sent when (`paused_or_disconnected_accounts_hold_their_queue`);
//! this checks, in raw SQL, that the held jobs are out of the claims' way.

use igdesk_domain::{AccountId, CustomerId};
use igdesk_store::conformance::{account, message, part};
use igdesk_store::prelude::*;
use igdesk_store::testing::{fresh_postgres_url, sqlite_url};
use igdesk_store::{Lane, NewReply};
use sqlx::Row as _;

const T0: i64 = 1_730_000_000_000;
const PAUSE_END: i64 = T0 + 60_000;

/// Each send job's account and due time, oldest first.
async fn send_jobs(pool: &sqlx::AnyPool) -> Vec<(i64, i64)> {
    sqlx::query("SELECT account_id, run_at FROM jobs WHERE kind = 'send' ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("account_id"), r.get("run_at")))
        .collect()
}

async fn queue(store: &dyn Store, pool: &sqlx::AnyPool, account: AccountId, igsid: &str) {
    let at = T0 + 1;
    store
        .apply_changes(
            &[message(account, igsid, &format!("m-{igsid}"), "hi", at)],
            at,
        )
        .await
        .unwrap();
    let customer: i64 = sqlx::query("SELECT id FROM customers WHERE igsid = $1")
        .bind(igsid.to_owned())
        .fetch_one(pool)
        .await
        .unwrap()
        .get("id");
    let reply = NewReply {
        account,
        customer: CustomerId(customer),
        lane: Lane::Api,
        author: "automatic",
        comment_id: None,
        parts: vec![part(&format!("hello {igsid}"))],
    };
    store.queue_reply(reply, T0).await.unwrap();
}

async fn a_held_accounts_queue_is_due_when_it_may_send(url: &str) {
    let store = igdesk_store::connect(url).await.unwrap();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let (a, b) = (account(&store, "1784").await, account(&store, "1785").await);
    queue(&store, &pool, a.id, "c1").await;
    queue(&store, &pool, a.id, "c2").await;
    queue(&store, &pool, b.id, "c3").await;
    // Jobs of another kind between them: the hold moves a window of jobs at a time.
    sqlx::query(
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 12000) \
         INSERT INTO jobs (kind, payload, run_at, created_at) \
         SELECT 'filler', CAST(n AS TEXT), 0, 0 FROM g",
    )
    .execute(&pool)
    .await
    .unwrap();
    queue(&store, &pool, a.id, "c6").await;
    assert_eq!(
        send_jobs(&pool).await,
        vec![(a.id.0, T0), (a.id.0, T0), (b.id.0, T0), (a.id.0, T0)]
    );

    store
        .pause_sends(a.id, PAUSE_END, "throttled")
        .await
        .unwrap();
    queue(&store, &pool, a.id, "c4").await;
    let held = vec![
        (a.id.0, PAUSE_END),
        (a.id.0, PAUSE_END),
        (b.id.0, T0),
        (a.id.0, PAUSE_END),
        (a.id.0, PAUSE_END),
    ];
    assert_eq!(send_jobs(&pool).await, held, "due at the pause's end");
    store
        .pause_sends(a.id, T0 + 1_000, "a shorter one")
        .await
        .unwrap();
    assert_eq!(send_jobs(&pool).await, held, "the longer pause holds");

    store
        .mark_needs_reconnect(a.id, "sealed", "190")
        .await
        .unwrap();
    queue(&store, &pool, a.id, "c5").await;
    let jobs = send_jobs(&pool).await;
    let ten_years = 10 * 365 * 86_400_000;
    for (account, run_at) in &jobs {
        match *account == a.id.0 {
            true => assert!(*run_at > T0 + ten_years, "held until reconnected: {jobs:?}"),
            false => assert_eq!(*run_at, T0),
        }
    }

    store
        .reconnect_account("1784", "new-sealed-token")
        .await
        .unwrap();
    assert!(
        send_jobs(&pool)
            .await
            .iter()
            .all(|(_, run_at)| *run_at <= T0),
        "all due once reconnected"
    );
    let claimed = store.claim_sends(100, T0, T0 + 1_000).await.unwrap();
    assert_eq!(claimed.len(), 6);
    pool.close().await;
}

#[tokio::test]
async fn sqlite_a_held_accounts_queue_is_due_when_it_may_send() {
    let dir = tempfile::tempdir().unwrap();
    a_held_accounts_queue_is_due_when_it_may_send(&sqlite_url(dir.path())).await;
}

#[tokio::test]
async fn postgres_a_held_accounts_queue_is_due_when_it_may_send() {
    a_held_accounts_queue_is_due_when_it_may_send(&fresh_postgres_url().await).await;
}
