//! A transaction PostgreSQL ends to break a deadlock is run again at once
//! (`through_conflicts`): an API request whose customers another transaction locks
//! in the other order is caught in a cycle, and still goes through. The other
//! transaction is a raw session here, standing in for a batch of deliveries, which
//! upserts its customers in its own order.

use igdesk_domain::{AccountId, ApiTokenId};
use igdesk_store::conformance::{account, message};
use igdesk_store::prelude::*;
use igdesk_store::testing::fresh_postgres_url;
use igdesk_store::{ApiQueued, NewApiMessage, OutgoingPart};
use sqlx::{Connection as _, Row as _};
use std::time::{Duration, Instant};

const T0: i64 = 1_730_000_000_000;

fn api_message(account: AccountId, token: ApiTokenId, igsid: &str) -> NewApiMessage {
    NewApiMessage {
        account,
        token,
        igsid: igsid.into(),
        reference: None,
        valid_until: None,
        parts: vec![OutgoingPart {
            provisional_mid: format!("p-{igsid}"),
            text: Some("hello".into()),
            attachments: vec![],
            message: serde_json::json!({ "text": "hello" }),
        }],
    }
}

#[tokio::test]
async fn on_postgres_an_api_request_caught_in_a_deadlock_goes_through() {
    let url = fresh_postgres_url().await;
    let store = igdesk_store::connect(&url).await.unwrap();
    let shop = account(&store, "1784").await;
    let token = store
        .create_api_token("1784", "", "h", T0)
        .await
        .unwrap()
        .unwrap();
    for (igsid, mid) in [("a", "m-a"), ("b", "m-b")] {
        let written = [message(shop.id, igsid, mid, "hi", T0)];
        store.apply_changes(&written, T0).await.unwrap();
    }

    let mut other = sqlx::AnyConnection::connect(&url).await.unwrap();
    let id_of = |igsid: &'static str| format!("SELECT id FROM customers WHERE igsid = '{igsid}'");
    let a: i64 = sqlx::query(&id_of("a"))
        .fetch_one(&mut other)
        .await
        .unwrap()
        .get(0);
    let b: i64 = sqlx::query(&id_of("b"))
        .fetch_one(&mut other)
        .await
        .unwrap()
        .get(0);
    assert!(a < b, "the request locks a first");
    // The request is the one PostgreSQL ends: it detects the cycle first.
    sqlx::query("SET deadlock_timeout = '20s'")
        .execute(&mut other)
        .await
        .unwrap();
    sqlx::query("BEGIN").execute(&mut other).await.unwrap();
    let lock = "SELECT id FROM customers WHERE id = $1 FOR UPDATE";
    sqlx::query(lock).bind(b).execute(&mut other).await.unwrap();

    let request = vec![
        api_message(shop.id, token.id, "a"),
        api_message(shop.id, token.id, "b"),
    ];
    let queued = tokio::spawn({
        let store = store.clone();
        async move { store.queue_api_messages(request, T0 + 1).await }
    });
    // Once the request holds a and waits for b, the other asks for a: a cycle.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let waiting: i64 = sqlx::query(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'",
        )
        .fetch_one(&mut other)
        .await
        .unwrap()
        .get(0);
        if waiting > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the request never waited for b");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sqlx::query(lock).bind(a).execute(&mut other).await.unwrap();
    // PostgreSQL ended the request's first try (which let the other have a); its
    // second waits for the other, which now finishes.
    sqlx::query("COMMIT").execute(&mut other).await.unwrap();

    let outcomes = queued.await.unwrap().expect("the request went through");
    assert_eq!(outcomes.len(), 2);
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, ApiQueued::Queued { items, .. } if items.len() == 1)),
        "{outcomes:?}"
    );
}
