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

/// What a stream reading after `after` gets: the kinds of the events, and what it
/// holds back.
async fn read_after(
    store: &dyn Store,
    agent: AgentId,
    after: EventId,
) -> (Vec<String>, Option<i64>) {
    let read = store.events_after(agent, after, 100).await.unwrap();
    let kinds = read.events.into_iter().map(|e| e.kind).collect();
    (kinds, read.held_back)
}

async fn kinds_after(store: &dyn Store, agent: AgentId, after: EventId) -> Vec<String> {
    read_after(store, agent, after).await.0
}

async fn connect(url: &str) -> PgConnection {
    PgConnection::connect(url).await.unwrap()
}

/// Gives the transaction its id now, as any first write would, before it writes
/// an event.
async fn take_transaction_id(tx: &mut PgConnection) {
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(tx)
        .await
        .unwrap();
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
    let mut slow = connect(&url).await;
    let mut quick = connect(&url).await;

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
    assert_eq!(
        read_after(&store, ana, EventId(0)).await,
        (vec!["first".to_owned(), "second".to_owned()], None)
    );
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
async fn a_transaction_that_has_written_no_event_holds_no_stream_back() {
    let (url, store, ana) = store_with_agent().await;
    let mut early = connect(&url).await;
    let mut late = connect(&url).await;

    // The early transaction starts writing first (it has its transaction id), but
    // writes its event last: a processing batch that may or may not tell an agent.
    let mut early_tx = early.begin().await.unwrap();
    take_transaction_id(&mut early_tx).await;
    let first = write_event(&mut late, ana, "first").await;
    assert_eq!(
        read_after(&store, ana, EventId(0)).await,
        (vec!["first".to_owned()], None)
    );

    write_event(&mut early_tx, ana, "second").await;
    early_tx.commit().await.unwrap();
    assert_eq!(
        kinds_after(&store, ana, EventId(first)).await,
        vec!["second"]
    );
}

#[tokio::test]
async fn a_transactions_events_stay_together_when_anothers_ids_fall_between() {
    let (url, store, ana) = store_with_agent().await;
    let mut long = connect(&url).await;
    let mut short = connect(&url).await;

    let mut long_tx = long.begin().await.unwrap();
    let a = write_event(&mut long_tx, ana, "a").await;
    let b = write_event(&mut short, ana, "b").await;
    let c = write_event(&mut long_tx, ana, "c").await;
    assert!(a < b && b < c);
    assert!(kinds_after(&store, ana, EventId(0)).await.is_empty());
    long_tx.commit().await.unwrap();

    // Stream order is the order the transactions took their keys: a's and c's first.
    assert_eq!(kinds_after(&store, ana, EventId(0)).await, ["a", "c", "b"]);
    assert_eq!(kinds_after(&store, ana, EventId(a)).await, ["c", "b"]);
    assert_eq!(kinds_after(&store, ana, EventId(c)).await, ["b"]);
    assert!(kinds_after(&store, ana, EventId(b)).await.is_empty());
    assert_eq!(store.last_event_id(ana).await.unwrap(), EventId(b));
}

/// A small deterministic mix (splitmix64) for the writers' choices.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Writers of every shape at once (some take their transaction id long before their
/// first event, some write several events with pauses between, some roll back)
/// while a stream reads as a console does: it gets every committed event once, and
/// never one of a rolled-back transaction.
#[tokio::test]
async fn concurrent_writers_never_make_a_stream_skip_or_repeat_an_event() {
    const WRITERS: u64 = 6;
    const TRANSACTIONS: u64 = 40;
    let (url, store, ana) = store_with_agent().await;
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..WRITERS {
        let url = url.clone();
        writers.spawn(async move {
            let mut conn = connect(&url).await;
            let mut committed = Vec::new();
            for n in 0..TRANSACTIONS {
                let choice = mix(writer * 1_000 + n);
                let pause = || std::time::Duration::from_micros(choice % 3_000);
                let mut tx = conn.begin().await.unwrap();
                if choice & 1 == 1 {
                    take_transaction_id(&mut tx).await;
                    tokio::time::sleep(pause()).await;
                }
                let mut written = Vec::new();
                for e in 0..1 + (choice >> 8) % 3 {
                    let kind = format!("w{writer}t{n}e{e}");
                    write_event(&mut tx, ana, &kind).await;
                    written.push(kind);
                    tokio::time::sleep(pause()).await;
                }
                if (choice >> 16).is_multiple_of(10) {
                    tx.rollback().await.unwrap();
                } else {
                    tx.commit().await.unwrap();
                    committed.extend(written);
                }
            }
            committed
        });
    }

    let mut seen: Vec<String> = Vec::new();
    let mut cursor = EventId(0);
    let mut committed: Vec<String> = Vec::new();
    while !writers.is_empty() {
        while let Some(done) = writers.try_join_next() {
            committed.extend(done.unwrap());
        }
        let read = store.events_after(ana, cursor, 7).await.unwrap();
        take(read, &mut cursor, &mut seen);
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    // Every writer is done: whatever is left is settled.
    tokio::time::sleep(2 * SETTLED_CHECK).await;
    loop {
        let read = store.events_after(ana, cursor, 7).await.unwrap();
        assert_eq!(read.held_back, None);
        if read.events.is_empty() {
            break;
        }
        take(read, &mut cursor, &mut seen);
    }

    let stored: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM agent_events WHERE agent_id = $1 ORDER BY tx, id")
            .bind(ana.0)
            .fetch_all(&mut connect(&url).await)
            .await
            .unwrap();
    assert_eq!(
        seen, stored,
        "the stream read every event once, in stream order"
    );
    committed.sort();
    let mut stored = stored;
    stored.sort();
    assert_eq!(stored, committed, "every committed event, none rolled back");
    assert!(stored.len() > 100, "{} events", stored.len());
}

fn take(read: igdesk_store::EventsAfter, cursor: &mut EventId, seen: &mut Vec<String>) {
    for event in read.events {
        *cursor = event.id;
        seen.push(event.kind);
    }
}
