//! "Seen" and "typing…" (the agent's desk): opening a conversation marks the
//! customer's newest message seen on Instagram once, typing shows at most once every
//! 10 seconds, and neither goes outside the 24-hour window or while the account's
//! sends are held — proved on the simulator's records.

mod common;

use common::*;
use igdesk::service::seen;
use igdesk_domain::CustomerId;
use igdesk_igs::{Event, SenderActionRecord};
use igdesk_store::Agent;
use std::time::Duration;

/// Long enough for a queued job to have been claimed and sent (the worker is woken
/// at once; it polls every 500 ms anyway).
const QUIET: Duration = Duration::from_millis(1_500);

async fn admin(app: &TestApp) -> Agent {
    app.running
        .app
        .store
        .agent_by_token_hash(&igdesk::crypto::hash_token(&app.token))
        .await
        .unwrap()
        .expect("the test's administrator")
}

async fn customer_id(app: &TestApp, igsid: &str) -> CustomerId {
    CustomerId(app.customer(igsid).await["id"].as_i64().expect("customer"))
}

/// The simulator's record of `action` sent to `igsid`.
fn actions(app: &TestApp, igsid: &str, action: &str) -> Vec<SenderActionRecord> {
    app.sim
        .actions()
        .into_iter()
        .filter(|a| a.recipient_igsid == igsid && a.action == action)
        .collect()
}

async fn until_count(app: &TestApp, igsid: &str, action: &str, n: usize) {
    app.eventually(&format!("{n} {action} for {igsid}"), || async {
        actions(app, igsid, action).len() >= n
    })
    .await;
    tokio::time::sleep(QUIET).await;
    let found = actions(app, igsid, action);
    assert_eq!(found.len(), n, "{action} for {igsid}: {found:?}");
}

async fn open(app: &TestApp, agent: &Agent, id: CustomerId) {
    seen::conversation_opened(&app.running.app, agent, id)
        .await
        .unwrap();
}

async fn mark_seen_goes_once_per_newest_customer_message(app: TestApp) {
    let agent = admin(&app).await;
    let hello = Event::text("555", "hello");
    let hello_mid = hello.mid().unwrap().to_owned();
    app.send(hello).await;
    app.settle().await;
    let id = customer_id(&app, "555").await;

    // Opened, reloaded, and opened by two agents at the same moment: one mark_seen.
    open(&app, &agent, id).await;
    open(&app, &agent, id).await;
    tokio::join!(open(&app, &agent, id), open(&app, &agent, id));
    until_count(&app, "555", "mark_seen", 1).await;
    assert_eq!(
        actions(&app, "555", "mark_seen")[0].target_mid.as_deref(),
        Some(hello_mid.as_str()),
        "the customer's newest message is what was seen"
    );

    // A new message, then the conversation is opened again: one more.
    let again = Event::text("555", "are you there?");
    let again_mid = again.mid().unwrap().to_owned();
    app.send(again).await;
    app.settle().await;
    open(&app, &agent, id).await;
    open(&app, &agent, id).await;
    until_count(&app, "555", "mark_seen", 2).await;
    assert_eq!(
        actions(&app, "555", "mark_seen")[1].target_mid.as_deref(),
        Some(again_mid.as_str())
    );

    // A conversation nobody opened is never marked seen.
    app.send(Event::text("556", "hi")).await;
    app.settle().await;
    tokio::time::sleep(QUIET).await;
    assert!(actions(&app, "556", "mark_seen").is_empty());
    assert!(app.sim.sent().is_empty(), "seen is not a message");
}

#[tokio::test]
async fn mark_seen_goes_once_per_newest_customer_message_on_sqlite() {
    mark_seen_goes_once_per_newest_customer_message(start_sqlite().await).await;
}

#[tokio::test]
async fn mark_seen_goes_once_per_newest_customer_message_on_postgres() {
    mark_seen_goes_once_per_newest_customer_message(start_postgres().await).await;
}

#[tokio::test]
async fn typing_shows_at_most_once_per_10_seconds_and_only_to_visible_customers() {
    let app = start_sqlite().await;
    app.send(Event::text("555", "hello")).await;
    app.settle().await;
    let id = customer_id(&app, "555").await;
    let path = format!("/api/v1/customers/{}/typing", id.0);

    for _ in 0..2 {
        let (status, body) = app.post(&path, serde_json::json!({})).await;
        assert_eq!(status, 204, "{body}");
    }
    until_count(&app, "555", "typing_on", 1).await;
    assert!(app.sim.sent().is_empty(), "typing is not a message");

    // Unknown, not a number, or in an inbox the agent does not work in: 404.
    let outsider = agent_token(&app.running, "ben@example.com", false, &["Elsewhere"]).await;
    for (token, path) in [
        (&app.token, "/api/v1/customers/999999/typing".to_owned()),
        (&app.token, "/api/v1/customers/abc/typing".to_owned()),
        (&outsider, path.clone()),
    ] {
        let (status, body) = app.send_as(token, reqwest::Method::POST, &path, None).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    }
    let ben = app
        .running
        .app
        .store
        .agent_by_token_hash(&igdesk::crypto::hash_token(&outsider))
        .await
        .unwrap()
        .unwrap();
    let refused = seen::conversation_opened(&app.running.app, &ben, id).await;
    assert_eq!(refused.unwrap_err().code, "not_found");
    tokio::time::sleep(QUIET).await;
    assert_eq!(actions(&app, "555", "typing_on").len(), 1);
    assert!(actions(&app, "555", "mark_seen").is_empty());
}

#[tokio::test]
async fn nothing_goes_outside_the_window_or_while_the_account_is_held() {
    let app = start_sqlite().await;
    let agent = admin(&app).await;
    let old = Event::text("700", "a day ago").with_timestamp_ms(igdesk::now_ms() - 25 * 3_600_000);
    app.send(old).await;
    app.send(Event::text("800", "hello")).await;
    app.settle().await;

    let late = customer_id(&app, "700").await;
    open(&app, &agent, late).await;
    seen::typing(&app.running.app, &agent, late).await.unwrap();

    let store = &app.running.app.store;
    let account = store.account_by_ig_id(IG_ID).await.unwrap().unwrap();
    store
        .pause_sends(account.id, igdesk::now_ms() + 3_600_000, "throttled")
        .await
        .unwrap();
    let held = customer_id(&app, "800").await;
    open(&app, &agent, held).await;
    seen::typing(&app.running.app, &agent, held).await.unwrap();

    tokio::time::sleep(QUIET).await;
    assert!(
        app.sim.actions().is_empty(),
        "no sender action: {:?}",
        app.sim.actions()
    );
    assert!(
        store.dead_jobs(10).await.unwrap().is_empty(),
        "skipped quietly"
    );
}
