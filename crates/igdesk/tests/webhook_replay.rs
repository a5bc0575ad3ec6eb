//! Meta redelivers a webhook it is not sure arrived (for up to 36 hours), byte for
//! byte: each copy is acknowledged with 200, only the first is stored and processed.
//! A different body carrying the same events is a new delivery (stored; the events'
//! own ids keep them from being applied twice). On SQLite and PostgreSQL, with the
//! simulator playing Meta over real HTTP.

mod common;

use common::*;
use igdesk_igs::{sign_body, Delivery, Event};

/// Signed bytes of one delivery, as Meta would send them again and again.
fn signed(delivery: &Delivery) -> (Vec<u8>, String) {
    let bytes = delivery.to_bytes();
    let signature = sign_body(APP_SECRET, &bytes);
    (bytes, signature)
}

async fn post(app: &TestApp, bytes: &[u8], signature: &str) -> u16 {
    let (status, answer) = app
        .sim
        .deliver_raw(bytes.to_vec(), Some(signature.to_owned()))
        .await
        .unwrap();
    assert_eq!(status, 200, "{answer}");
    status
}

async fn the_same_body_twice_is_stored_and_processed_once(app: TestApp) {
    let (bytes, signature) = signed(&Delivery::new(IG_ID).push(Event::text("555", "only once")));
    post(&app, &bytes, &signature).await;
    app.settle().await;
    post(&app, &bytes, &signature).await;
    app.settle().await;
    let deliveries = app.deliveries().await;
    assert_eq!(deliveries["processed"], 1, "{deliveries}");
    assert!(deliveries.get("pending").is_none(), "{deliveries}");
    assert_eq!(app.timeline("555").await.len(), 1);
}

async fn ten_concurrent_copies_are_stored_once(app: TestApp) {
    let (bytes, signature) = signed(&Delivery::new(IG_ID).push(Event::text("556", "ten times")));
    // All ten in flight together: they meet in one group commit, or in several.
    let posts = (0..10).map(|_| post(&app, &bytes, &signature));
    let statuses = futures_util::future::join_all(posts).await;
    assert_eq!(statuses, vec![200; 10]);
    app.settle().await;
    let deliveries = app.deliveries().await;
    assert_eq!(deliveries["processed"], 1, "{deliveries}");
    assert_eq!(app.timeline("556").await.len(), 1);
}

async fn different_bodies_with_the_same_events_are_both_stored(app: TestApp) {
    let delivery = Delivery::new(IG_ID).push(Event::text("557", "same event"));
    let (bytes, signature) = signed(&delivery);
    post(&app, &bytes, &signature).await;
    // The same events laid out differently: not a byte-identical redelivery.
    let pretty = serde_json::to_vec_pretty(&delivery.to_json()).unwrap();
    assert_ne!(pretty, bytes);
    post(&app, &pretty, &sign_body(APP_SECRET, &pretty)).await;
    app.settle().await;
    let deliveries = app.deliveries().await;
    assert_eq!(deliveries["processed"], 2, "{deliveries}");
    assert_eq!(
        app.timeline("557").await.len(),
        1,
        "the mid is applied once"
    );
}

#[tokio::test]
async fn sqlite_the_same_body_twice_is_stored_and_processed_once() {
    the_same_body_twice_is_stored_and_processed_once(start_sqlite().await).await;
}

#[tokio::test]
async fn postgres_the_same_body_twice_is_stored_and_processed_once() {
    the_same_body_twice_is_stored_and_processed_once(start_postgres().await).await;
}

#[tokio::test]
async fn sqlite_ten_concurrent_copies_are_stored_once() {
    ten_concurrent_copies_are_stored_once(start_sqlite().await).await;
}

#[tokio::test]
async fn postgres_ten_concurrent_copies_are_stored_once() {
    ten_concurrent_copies_are_stored_once(start_postgres().await).await;
}

#[tokio::test]
async fn sqlite_different_bodies_with_the_same_events_are_both_stored() {
    different_bodies_with_the_same_events_are_both_stored(start_sqlite().await).await;
}

#[tokio::test]
async fn postgres_different_bodies_with_the_same_events_are_both_stored() {
    different_bodies_with_the_same_events_are_both_stored(start_postgres().await).await;
}

/// An unreadable body Meta keeps redelivering (it got no 200) is kept once.
#[tokio::test]
async fn a_repeated_unreadable_body_is_kept_once() {
    let app = start_sqlite().await;
    let body = br#"{"object":"instagram"}"#.to_vec();
    let signature = sign_body(APP_SECRET, &body);
    for _ in 0..3 {
        let (status, _) = app
            .sim
            .deliver_raw(body.clone(), Some(signature.clone()))
            .await
            .unwrap();
        assert_eq!(status, 400);
    }
    assert_eq!(app.deliveries().await["rejected"], 1);
}
