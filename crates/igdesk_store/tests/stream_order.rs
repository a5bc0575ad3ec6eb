//! RT-8 on PostgreSQL with several instances: transactions commit out of id order,
//! and an agent's stream must still never pass over an event that commits later.
//! Two raw connections play two instances writing events side by side.

use igdesk_domain::{AgentId, EventId};
use igdesk_store::prelude::*;
use igdesk_store::testing::fresh_postgres_url;
use igdesk_store::{NewAgent, SETTLED_CHECK};
use sqlx::{Connection, PgConnection};

const T0: i64 = 1_700_000_000_000;

async fn write_event(conn: &mut PgConnection, agent: AgentId, kind: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO agent_events (agent_id, kind, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(agent.0)
    .bind(kind)
    .bind(T0)
    .fetch_one(conn)
    .await
    .unwrap()
}

async fn kinds_after(store: &dyn Store, agent: AgentId, after: EventId) -> Vec<String> {
    let events = store.events_after(agent, after, 100).await.unwrap().events;
    events.into_iter().map(|e| e.kind).collect()
}

/// A fresh PostgreSQL store with one agent: its URL, the store, the agent.
async fn store_with_agent() -> (String, igdesk_store::SqlStore, AgentId) {
    let url = fresh_postgres_url().await;
    let store = igdesk_store::connect(&url).await.unwrap();
    let agent = NewAgent {
        email: "ana@x".into(),
        name: "Ana".into(),
        password_hash: "x".into(),
        is_admin: false,
        inboxes: vec!["Instagram".into()],
    };
    let ana = store.add_agent(agent, T0).await.unwrap().id;
    (url, store, ana)
}

#[tokio::test]
async fn an_event_committed_after_a_newer_one_is_not_passed_over_but_named_as_held_back() {
    let (url, store, ana) = store_with_agent().await;
    let mut slow = PgConnection::connect(&url).await.unwrap();
    let mut quick = PgConnection::connect(&url).await.unwrap();

    // The slow instance writes the first event and has not committed yet; the quick
    // one writes a later event and commits.
    let mut slow_tx = slow.begin().await.unwrap();
    let first = write_event(&mut slow_tx, ana, "first").await;
    let second = write_event(&mut quick, ana, "second").await;
    assert!(first < second);

    // A stream must not move past the second while the first may still come.
    assert!(kinds_after(&store, ana, EventId(0)).await.is_empty());
    assert_eq!(store.last_event_id(ana).await.unwrap(), EventId(0));
    // The second is named as held back: it is committed, so no news will come for
    // it, and the stream needs to know what to wait for.
    let read = store.events_after(ana, EventId(0), 100).await.unwrap();
    assert!(read.events.is_empty());
    let held = read.held_back.expect("the second event is held back");
    // A horizon up to SETTLED_CHECK old may answer: asked after that, it is this
    // moment's.
    tokio::time::sleep(2 * SETTLED_CHECK).await;
    assert!(!store.settled(held).await.unwrap());

    slow_tx.commit().await.unwrap();
    tokio::time::sleep(2 * SETTLED_CHECK).await;
    assert!(store.settled(held).await.unwrap());
    let read = store.events_after(ana, EventId(0), 100).await.unwrap();
    let kinds: Vec<_> = read.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!((kinds, read.held_back), (vec!["first", "second"], None));
    assert_eq!(
        kinds_after(&store, ana, EventId(0)).await,
        vec!["first", "second"]
    );
    assert_eq!(
        kinds_after(&store, ana, EventId(first)).await,
        vec!["second"]
    );
    assert_eq!(store.last_event_id(ana).await.unwrap(), EventId(second));
}

#[tokio::test]
async fn a_stream_resumes_in_commit_order_even_when_ids_are_not() {
    let (url, store, ana) = store_with_agent().await;
    let mut early = PgConnection::connect(&url).await.unwrap();
    let mut late = PgConnection::connect(&url).await.unwrap();

    // The early transaction starts writing first, but takes its event id last.
    let mut early_tx = early.begin().await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *early_tx)
        .await
        .unwrap();
    let mut late_tx = late.begin().await.unwrap();
    let lower = write_event(&mut late_tx, ana, "lower id").await;
    late_tx.commit().await.unwrap();
    assert!(kinds_after(&store, ana, EventId(0)).await.is_empty());
    let higher = write_event(&mut early_tx, ana, "higher id").await;
    early_tx.commit().await.unwrap();
    assert!(lower < higher);

    let all = store
        .events_after(ana, EventId(0), 100)
        .await
        .unwrap()
        .events;
    let order: Vec<_> = all.iter().map(|e| e.id.0).collect();
    assert_eq!(order, vec![higher, lower], "stream order is commit order");
    // Resuming after the first one seen gives the rest, whatever their ids.
    assert_eq!(
        kinds_after(&store, ana, EventId(higher)).await,
        vec!["lower id"]
    );
    assert!(kinds_after(&store, ana, EventId(lower)).await.is_empty());
}
