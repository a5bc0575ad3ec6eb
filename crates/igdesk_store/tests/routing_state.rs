//! The upkeep check behind what routing reads: the database keeps `waiting_work`
//! (open, unassigned conversations with no offer) and each agent's counts as
//! conversations and offers change, and routing looks for work and room there. A conversation missing from it, or kept
//! under the wrong inbox, would never be offered; one left in it would be passed
//! over at every turn. Upkeep finds
//! either, puts it right and counts it. The drift is made with raw SQL, as no store
//! call can leave one (the conformance suite checks that after every case).

use igdesk_store::conformance::{account, agent, message};
use igdesk_store::prelude::*;
use igdesk_store::testing::{fresh_postgres_url, sqlite_url};

const T0: i64 = 1_730_000_000_000;
const OFFER_FOR: i64 = 30_000;

async fn raw(url: &str, sql: &str) {
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

async fn drifted_routing_state_is_found_and_put_right(url: &str) {
    let store = igdesk_store::connect(url).await.unwrap();
    let a = account(&store, "1784").await;
    let ana = agent(&store, "ana@example.com", false).await;
    for (n, igsid) in ["c1", "c2", "c3"].iter().enumerate() {
        let at = T0 + n as i64;
        store
            .apply_changes(&[message(a.id, igsid, &format!("m{n}"), "hi", at)], at)
            .await
            .unwrap();
    }
    assert_eq!(store.repair_routing_state().await.unwrap(), 0, "kept exact");

    // c1's conversation drops out of the waiting work: nobody would ever be offered it.
    raw(
        url,
        "DELETE FROM waiting_work WHERE conversation_id = (SELECT MIN(id) FROM conversations)",
    )
    .await;
    // c3's is looked for in an inbox nobody has: nobody would be offered it either.
    raw(
        url,
        "UPDATE waiting_work SET inbox_id = 999 \
         WHERE conversation_id = (SELECT MAX(id) FROM conversations)",
    )
    .await;
    store.set_available(ana.id, true, T0).await.unwrap();
    let offered = store.route(T0 + 10, OFFER_FOR, 100).await.unwrap();
    let names: Vec<_> = offered.iter().map(|o| o.customer_name.as_str()).collect();
    assert_eq!(
        names,
        vec!["c2"],
        "what is missing or misplaced is not offered"
    );

    // A row is left behind for c2, which is on offer now.
    raw(
        url,
        "INSERT INTO waiting_work (conversation_id, inbox_id, opened_at) \
         SELECT conversation_id, 1, 0 FROM offers",
    )
    .await;

    assert_eq!(
        store.repair_routing_state().await.unwrap(),
        3,
        "one added, one removed, one moved"
    );
    let offered = store.route(T0 + 20, OFFER_FOR, 100).await.unwrap();
    let names: Vec<_> = offered.iter().map(|o| o.customer_name.as_str()).collect();
    assert_eq!(names, vec!["c1", "c3"], "all of it is offered now");
    assert_eq!(
        store.repair_routing_state().await.unwrap(),
        0,
        "put right once"
    );

    // Ana's count says she has three open conversations: routing would offer her nothing.
    raw(url, "UPDATE agents SET open_conversations = 3").await;
    assert_eq!(store.repair_routing_state().await.unwrap(), 1, "recounted");
    let routing = store.agent_routing(ana.id).await.unwrap().unwrap();
    assert_eq!((routing.conversations, routing.offers), (0, 3));

    // A wrong inbox alone is drift too: the look before the repair must see it.
    store
        .apply_changes(&[message(a.id, "c4", "m4", "hi", T0 + 30)], T0 + 30)
        .await
        .unwrap();
    raw(url, "UPDATE waiting_work SET inbox_id = 999").await;
    assert_eq!(store.repair_routing_state().await.unwrap(), 1, "moved back");
}

#[tokio::test]
async fn sqlite_drifted_routing_state_is_found_and_put_right() {
    let dir = tempfile::tempdir().unwrap();
    drifted_routing_state_is_found_and_put_right(&sqlite_url(dir.path())).await;
}

#[tokio::test]
async fn postgres_drifted_routing_state_is_found_and_put_right() {
    drifted_routing_state_is_found_and_put_right(&fresh_postgres_url().await).await;
}

/// On PostgreSQL the check holds the triggers' writers off while it reads; one that
/// would wait on a long transaction gives up after a second instead of holding
/// routing and processing behind it, and the next check runs as usual.
#[tokio::test]
async fn postgres_the_check_waits_a_moment_at_most_for_a_writer_in_flight() {
    let url = fresh_postgres_url().await;
    let store = igdesk_store::connect(&url).await.unwrap();
    let a = account(&store, "1784").await;
    store
        .apply_changes(&[message(a.id, "c1", "m1", "hi", T0)], T0)
        .await
        .unwrap();
    // Drift to put right, so that the check goes on from its look to the lock.
    raw(&url, "DELETE FROM waiting_work").await;
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let mut writer = pool.begin().await.unwrap();
    sqlx::query("DELETE FROM waiting_work WHERE conversation_id = 0")
        .execute(&mut *writer)
        .await
        .unwrap();
    let began = std::time::Instant::now();
    assert!(store.repair_routing_state().await.is_err(), "gave up");
    let waited = began.elapsed();
    assert!(
        waited < std::time::Duration::from_secs(5),
        "waited {waited:?}"
    );
    writer.commit().await.unwrap();
    assert_eq!(
        store.repair_routing_state().await.unwrap(),
        1,
        "then put right"
    );
    store
        .apply_changes(&[message(a.id, "c2", "m2", "hi", T0)], T0)
        .await
        .unwrap();
    assert_eq!(store.repair_routing_state().await.unwrap(), 0);
    pool.close().await;
}
