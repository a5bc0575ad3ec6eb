//! Internal notes: written on a customer's timeline for the team only,
//! never sent to Instagram, never an answer (SLA) nor a customer's message (API
//! webhooks); changed only by their author in their first ten minutes; scoped like
//! every read; `@Name` tells the mentioned agent on their live stream, and nobody else.

mod common;

use common::api::{enable_api, Receiver};
use common::live::LiveStream;
use common::{start_paused, start_postgres_paused, TestApp};
use igdesk::people::{add_agent_with_token, NewPerson};
use igdesk_igs::Event;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::time::Duration;

const MINUTE: i64 = 60_000;

struct Agent {
    token: String,
    live: LiveStream,
}

async fn agent(app: &TestApp, name: &str, email: &str, inbox: &str) -> Agent {
    let person = NewPerson {
        email: email.into(),
        name: name.into(),
        password: SecretString::from("a test password".to_owned()),
        is_admin: false,
        inboxes: vec![inbox.into()],
    };
    let (_, token) = add_agent_with_token(app.running.app.store.as_ref(), person, "test")
        .await
        .unwrap();
    let token = token.expose_secret().to_owned();
    let live = LiveStream::open(&app.url, &token, None).await;
    Agent { token, live }
}

async fn call(
    app: &TestApp,
    who: &Agent,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    app.send_as(&who.token, method, path, body).await
}

async fn sla(app: &TestApp) -> Value {
    let (_, inboxes) = app.get("/api/v1/inboxes").await;
    let inbox = inboxes["data"][0]["id"].clone();
    let (status, report) = app
        .get(&format!(
            "/api/v1/inboxes/{inbox}/sla?from=0&to=99999999999999"
        ))
        .await;
    assert_eq!(status, 200, "{report}");
    report
}

/// No event of `kind` arrives on this stream for a while.
async fn none_of(agent: &mut Agent, kind: &str) {
    while let Some(event) = agent.live.next_within(Duration::from_millis(1_200)).await {
        assert_ne!(event.kind, kind, "unexpected {kind}: {:?}", event.data);
    }
}

async fn notes_scenario(app: TestApp) {
    let mut ana = agent(&app, "Ana Lima", "ana@example.com", "Instagram").await;
    let mut ben = agent(&app, "Ben Silva", "ben@example.com", "Instagram").await;
    let mut olly = agent(&app, "Olly Out", "olly@example.com", "Wholesale").await;
    let (status, _) = call(
        &app,
        &ana,
        Method::PUT,
        "/api/v1/me/availability",
        Some(json!({ "available": true })),
    )
    .await;
    assert_eq!(status, 200);
    app.send(Event::text("555", "Where is my parcel?")).await;
    let offer = ana.live.next_of("offer").await;
    let offer_id = &offer.data["payload"]["id"];
    let (status, _) = call(
        &app,
        &ana,
        Method::POST,
        &format!("/api/v1/offers/{offer_id}/accept"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let customer = app.customer("555").await["id"].as_i64().unwrap();
    let before_sla = sla(&app).await;
    let (_, conversations) = app.get("/api/v1/conversations?state=open").await;
    let last_item_at = conversations["data"][0]["last_item_at"].clone();

    // Bad text is refused, naming the field.
    let notes = format!("/api/v1/customers/{customer}/notes");
    for text in [json!("   "), json!("x".repeat(2_001))] {
        let (status, body) = call(
            &app,
            &ana,
            Method::POST,
            &notes,
            Some(json!({ "text": text })),
        )
        .await;
        assert_eq!(
            (status, body["field"].as_str()),
            (400, Some("text")),
            "{body}"
        );
    }
    let (status, body) = call(&app, &ana, Method::POST, &notes, Some(json!({}))).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("text")),
        "{body}"
    );

    // Ana writes a note that mentions Ben (and names Olly, who cannot see the customer).
    let text = "  Parcel stuck in customs — @ben silva can you check? (@Olly Out is not here)  ";
    let (status, note) = call(
        &app,
        &ana,
        Method::POST,
        &notes,
        Some(json!({ "text": text })),
    )
    .await;
    assert_eq!(status, 201, "{note}");
    assert_eq!(note["kind"], "note");
    assert_eq!(note["direction"], "internal");
    assert_eq!(note["author"]["name"], "Ana Lima");
    assert_eq!(note["text"], text.trim());
    assert_eq!(note["context"]["mentions"][0]["name"], "Ben Silva");
    assert_eq!(note["context"]["mentions"].as_array().unwrap().len(), 1);
    assert!(
        note["conversation_id"].is_null(),
        "a note belongs to no session"
    );
    let note_id = note["id"].as_i64().unwrap();

    // Listed in the timeline with its kind, author and text (no raw event).
    let listed = app.timeline("555").await;
    let found = listed
        .iter()
        .find(|i| i["id"] == note_id)
        .expect("the note is listed");
    assert_eq!(
        (found["kind"].as_str(), found["author"]["name"].as_str()),
        (Some("note"), Some("Ana Lima"))
    );
    assert_eq!(found["text"], text.trim());
    assert!(found.get("raw").is_none());

    // Ben hears of the mention; Ana sees the note arrive on her conversation; Olly
    // hears nothing.
    let mention = ben.live.next_of("mention").await;
    assert_eq!(mention.data["payload"]["note_id"], note_id);
    assert_eq!(mention.data["payload"]["customer_id"], customer);
    assert_eq!(mention.data["payload"]["author_name"], "Ana Lima");
    let html = mention.data["html"].as_str().unwrap();
    assert!(html.contains("Ana Lima</strong> mentioned you"), "{html}");
    assert!(html.contains(&format!("/customers/{customer}")), "{html}");
    let arrived = ana.live.next_of("item").await;
    assert_eq!(arrived.data["item"]["kind"], "note");
    none_of(&mut ana, "mention").await;
    none_of(&mut olly, "mention").await;

    // Never sent, never an answer, and the conversation did not move.
    app.settle().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.sim.sent().is_empty(), "{:?}", app.sim.sent());
    let after_sla = sla(&app).await;
    assert_eq!(after_sla, before_sla);
    assert_eq!(
        (after_sla["waiting"].as_i64(), after_sla["met"].as_i64()),
        (Some(1), Some(0))
    );
    let (_, conversations) = app.get("/api/v1/conversations?state=open").await;
    assert_eq!(conversations["data"][0]["last_item_at"], last_item_at);

    // Out of scope: 404 for writing, reading, changing and deleting alike.
    let note_path = format!("/api/v1/notes/{note_id}");
    for (method, path, body) in [
        (Method::POST, notes.clone(), Some(json!({ "text": "hi" }))),
        (
            Method::GET,
            format!("/api/v1/customers/{customer}/timeline"),
            None,
        ),
        (
            Method::PATCH,
            note_path.clone(),
            Some(json!({ "text": "hi" })),
        ),
        (Method::DELETE, note_path.clone(), None),
    ] {
        let (status, body) = call(&app, &olly, method.clone(), &path, body).await;
        assert_eq!(status, 404, "{method} {path}: {body}");
    }

    // Only the author changes a note…
    let (status, body) = call(
        &app,
        &ben,
        Method::PATCH,
        &note_path,
        Some(json!({ "text": "mine now" })),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("not_your_note")),
        "{body}"
    );
    let (status, body) = call(&app, &ben, Method::DELETE, &note_path, None).await;
    assert_eq!(status, 403, "{body}");
    let (status, edited) = call(
        &app,
        &ana,
        Method::PATCH,
        &note_path,
        Some(json!({ "text": "Cleared customs, @Ben Silva" })),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["text"], "Cleared customs, @Ben Silva");
    assert_eq!(edited["context"]["edited"], true);
    // Ben was mentioned already: not told twice.
    none_of(&mut ben, "mention").await;

    // …and only for ten minutes (of the desk's clock).
    app.running.app.advance_clock(10 * MINUTE + 1);
    let (status, body) = call(
        &app,
        &ana,
        Method::PATCH,
        &note_path,
        Some(json!({ "text": "late" })),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("note_locked")),
        "{body}"
    );
    let (status, _) = call(&app, &ana, Method::DELETE, &note_path, None).await;
    assert_eq!(status, 409);

    // A note deleted in time leaves nothing behind, and Ana's open page hears of it.
    let (status, second) = call(
        &app,
        &ana,
        Method::POST,
        &notes,
        Some(json!({ "text": "wrong customer, sorry" })),
    )
    .await;
    assert_eq!(status, 201);
    let second_id = second["id"].as_i64().unwrap();
    let (status, _) = call(
        &app,
        &ana,
        Method::DELETE,
        &format!("/api/v1/notes/{second_id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let gone = ana.live.next_of("note_deleted").await;
    assert_eq!(gone.data["item_id"], second_id);
    let listed = app.timeline("555").await;
    assert!(listed.iter().all(|i| i["id"] != second_id));
    assert!(listed
        .iter()
        .all(|i| !i["text"].as_str().unwrap_or("").contains("wrong customer")));
    let (status, _) = call(
        &app,
        &ana,
        Method::DELETE,
        &format!("/api/v1/notes/{second_id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    // The first note is still there, as edited.
    assert!(app
        .timeline("555")
        .await
        .iter()
        .any(|i| i["id"] == note_id && i["text"] == "Cleared customs, @Ben Silva"));
}

#[tokio::test]
async fn notes_are_for_the_team_on_sqlite() {
    notes_scenario(start_paused().await).await;
}

#[tokio::test]
async fn notes_are_for_the_team_on_postgres() {
    notes_scenario(start_postgres_paused().await).await;
}

/// With the Business Messaging API on, the API's client hears the customer's message
/// and nothing of the note: it is no message (MO) and has no status.
async fn api_clients_hear_nothing_of_notes(app: TestApp) {
    let receiver = Receiver::start().await;
    enable_api(&app, &receiver, "agents").await;
    app.send(Event::text("777", "Hello shop")).await;
    app.settle().await;
    app.eventually("the message reaches the API client", || async {
        receiver.on("/inbound").len() == 1
    })
    .await;
    let customer = app.customer("777").await["id"].as_i64().unwrap();
    let (status, note) = app
        .post(
            &format!("/api/v1/customers/{customer}/notes"),
            json!({ "text": "VIP: answer first" }),
        )
        .await;
    assert_eq!(status, 201, "{note}");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(receiver.on("/inbound").len(), 1);
    assert!(receiver.on("/status").is_empty());
    assert!(app.sim.sent().is_empty());
}

#[tokio::test]
async fn api_clients_hear_nothing_of_notes_on_sqlite() {
    api_clients_hear_nothing_of_notes(start_paused().await).await;
}

#[tokio::test]
async fn api_clients_hear_nothing_of_notes_on_postgres() {
    api_clients_hear_nothing_of_notes(start_postgres_paused().await).await;
}
