//! The upkeep check behind the outbox's hand-over: a customer's queue with waiting
//! messages and nothing on its way (what a lost hand-over leaves) is found, given
//! its head's send job, and counted; a healthy queue is left alone. The stall is
//! made with raw SQL, as no store call can leave one.

use igdesk_domain::ItemId;
use igdesk_store::conformance::{account, message, part};
use igdesk_store::prelude::*;
use igdesk_store::testing::{fresh_postgres_url, sqlite_url};
use igdesk_store::{Lane, NewAgent, NewReply};

const T0: i64 = 1_730_000_000_000;

async fn due(store: &dyn Store, now: i64) -> Vec<ItemId> {
    let jobs = store.claim_sends(10, now, now + 1).await.unwrap();
    jobs.iter()
        .map(|j| ItemId(j.payload.parse().unwrap()))
        .collect()
}

async fn a_stalled_queue_is_found_and_repaired(url: &str) {
    let store = igdesk_store::connect(url).await.unwrap();
    let a = account(&store, "1784").await;
    let admin = NewAgent {
        email: "admin@example.com".into(),
        name: "Admin".into(),
        password_hash: "x".into(),
        is_admin: true,
        inboxes: vec![],
    };
    let scope = store.add_agent(admin, T0).await.unwrap().scope();
    store
        .apply_changes(&[message(a.id, "555", "m1", "hi", T0)], T0)
        .await
        .unwrap();
    let c = store
        .customers_by_igsid(scope, "555")
        .await
        .unwrap()
        .remove(0);
    let reply = NewReply {
        account: a.id,
        customer: c.id,
        lane: Lane::Console,
        author: "human",
        comment_id: None,
        parts: vec![part("one"), part("two")],
    };
    let ids = store.queue_reply(reply, T0).await.unwrap();
    assert_eq!(
        store.repair_stalled_queues(T0).await.unwrap(),
        0,
        "a healthy queue"
    );

    // The head leaves without handing over: sent, its job gone, the next still waiting.
    let raw = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query("UPDATE outgoing SET state = 'sent', sent_at = $1 WHERE item_id = $2")
        .bind(T0)
        .bind(ids[0].0)
        .execute(&raw)
        .await
        .unwrap();
    sqlx::query("DELETE FROM jobs WHERE kind = 'send'")
        .execute(&raw)
        .await
        .unwrap();
    raw.close().await;
    assert!(due(&store, T0 + 1).await.is_empty(), "stalled");

    assert_eq!(store.repair_stalled_queues(T0 + 2).await.unwrap(), 1);
    assert_eq!(
        due(&store, T0 + 3).await,
        vec![ids[1]],
        "the next is on its way"
    );
    assert_eq!(
        store.repair_stalled_queues(T0 + 4).await.unwrap(),
        0,
        "repaired once"
    );
}

#[tokio::test]
async fn sqlite_a_stalled_queue_is_found_and_repaired() {
    let dir = tempfile::tempdir().unwrap();
    a_stalled_queue_is_found_and_repaired(&sqlite_url(dir.path())).await;
}

#[tokio::test]
async fn postgres_a_stalled_queue_is_found_and_repaired() {
    a_stalled_queue_is_found_and_repaired(&fresh_postgres_url().await).await;
}
