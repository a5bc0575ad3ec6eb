//! The agent's day, as scenarios over real HTTP with the simulator playing Meta and
//! the clock paused: offers and their answers, capacity and Next, sessions ending,
//! SLA, echo routing, restarts and the live stream.

mod common;

use common::live::LiveStream;
use common::{agent_token, start_paused, start_postgres_paused, TestApp};
use igdesk_igs::Event;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;

struct Agent {
    token: String,
    id: i64,
    live: LiveStream,
}

async fn available_agent(app: &TestApp, email: &str) -> Agent {
    let token = agent_token(&app.running, email, false, &["Instagram"]).await;
    let live = LiveStream::open(&app.url, &token, None).await;
    let (status, me) = app
        .send_as(
            &token,
            Method::PUT,
            "/api/v1/me/availability",
            Some(json!({ "available": true })),
        )
        .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["available"], true);
    let (_, me) = app.get_as(&token, "/api/v1/me").await;
    Agent {
        id: me["id"].as_i64().unwrap(),
        token,
        live,
    }
}

async fn act(app: &TestApp, agent: &Agent, path: &str) -> (u16, Value) {
    app.send_as(&agent.token, Method::POST, path, None).await
}

async fn accept(app: &TestApp, agent: &Agent, offer: &Value) -> Value {
    let id = &offer["payload"]["id"];
    let (status, body) = act(app, agent, &format!("/api/v1/offers/{id}/accept")).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn offers(app: &TestApp, agent: &Agent) -> Vec<Value> {
    let (status, body) = app.get_as(&agent.token, "/api/v1/offers").await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().unwrap().clone()
}

async fn routing_state(app: &TestApp, agent: &Agent) -> Value {
    app.get_as(&agent.token, "/api/v1/me").await.1["routing"].clone()
}

/// Nothing more is offered to this agent for a while (routing runs at least twice).
async fn no_offer_for(agent: &mut Agent) {
    while let Some(event) = agent.live.next_within(Duration::from_millis(1_200)).await {
        assert_ne!(event.kind, "offer", "unexpected offer: {:?}", event.data);
    }
}

fn advance(app: &TestApp, by: i64) {
    app.running.app.advance_clock(by);
}

async fn accept_decline_timeout_and_next(app: TestApp) {
    let mut ana = available_agent(&app, "ana@example.com").await;
    let mut ben = available_agent(&app, "ben@example.com").await;

    app.send(Event::text("c1", "Where is my order?")).await;
    let first = ana.live.next_of("offer").await;
    let offer = &first.data["payload"];
    assert_eq!(offer["preview"], "Where is my order?");
    let name = offer["customer_name"].as_str().unwrap();
    assert!(
        name.contains("c1"),
        "the customer's name (or number): {name}"
    );
    let accepted = accept(&app, &ana, &first.data).await;
    assert_eq!(accepted["conversation_id"], offer["conversation_id"]);
    let (_, open) = app
        .get_as(&ana.token, "/api/v1/conversations?state=open")
        .await;
    assert_eq!(open["data"][0]["agent_id"], ana.id);

    // Ben carries fewer conversations: the next piece of work is his.
    app.send(Event::text("c2", "Hello")).await;
    let second = ben.live.next_of("offer").await;
    let conversation = second.data["conversation_id"].clone();
    let id = &second.data["payload"]["id"];
    let (status, _) = act(&app, &ben, &format!("/api/v1/offers/{id}/decline")).await;
    assert_eq!(status, 204);
    assert_eq!(
        ben.live.next_of("offer_withdrawn").await.data["payload"]["reason"],
        "declined"
    );
    assert_eq!(routing_state(&app, &ben).await["held"], true);

    // Declined work moves to Ana; she lets it time out.
    let moved = ana.live.next_of("offer").await;
    assert_eq!(moved.data["conversation_id"], conversation);
    advance(&app, 30 * SECOND);
    let withdrawn = ana.live.next_of("offer_withdrawn").await;
    assert_eq!(withdrawn.data["payload"]["reason"], "timeout");
    let id = &moved.data["payload"]["id"];
    let (status, body) = act(&app, &ana, &format!("/api/v1/offers/{id}/accept")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    assert_eq!(routing_state(&app, &ana).await["held"], true);

    // Both held: the work waits, not lost, until someone presses Next.
    no_offer_for(&mut ben).await;
    assert!(offers(&app, &ana).await.is_empty() && offers(&app, &ben).await.is_empty());
    let (status, _) = act(&app, &ben, "/api/v1/me/next").await;
    assert_eq!(status, 200);
    let back = ben.live.next_of("offer").await;
    assert_eq!(back.data["conversation_id"], conversation);
    accept(&app, &ben, &back.data).await;
    let (_, open) = app
        .get_as(&ben.token, "/api/v1/conversations?state=open")
        .await;
    let mine: Vec<_> = open["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["agent_id"] == ben.id)
        .collect();
    assert_eq!(mine.len(), 1);
}

#[tokio::test]
async fn offers_are_accepted_declined_or_time_out_and_next_brings_them_back() {
    accept_decline_timeout_and_next(start_paused().await).await;
}

#[tokio::test]
async fn offers_work_the_same_on_postgres() {
    accept_decline_timeout_and_next(start_postgres_paused().await).await;
}

#[tokio::test]
async fn capacity_is_standard_then_next_up_to_the_maximum_and_close_and_next() {
    let app = start_paused().await;
    let mut ana = available_agent(&app, "ana@example.com").await;
    for n in 0..7 {
        app.send(Event::text(format!("c{n}"), format!("message {n}")))
            .await;
    }
    // The standard capacity (3) comes on its own, oldest work first.
    for n in 0..3 {
        let offer = ana.live.next_of("offer").await;
        let name = offer.data["payload"]["customer_name"].as_str().unwrap();
        assert!(name.ends_with(&format!("c{n}")), "{name}");
        accept(&app, &ana, &offer.data).await;
    }
    no_offer_for(&mut ana).await;
    // Next asks for one more at a time, up to the maximum (5).
    for _ in 0..2 {
        let (status, _) = act(&app, &ana, "/api/v1/me/next").await;
        assert_eq!(status, 200);
        let offer = ana.live.next_of("offer").await;
        accept(&app, &ana, &offer.data).await;
        no_offer_for(&mut ana).await;
    }
    let (status, body) = act(&app, &ana, "/api/v1/me/next").await;
    assert_eq!((status, body["code"].as_str()), (409, Some("at_maximum")));
    assert_eq!(routing_state(&app, &ana).await["conversations"], 5);

    // Close & Next: one ends, the next comes at once.
    let (_, open) = app
        .get_as(&ana.token, "/api/v1/conversations?state=open")
        .await;
    let mine = open["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["agent_id"] == ana.id);
    let id = &mine.unwrap()["id"];
    let (status, body) = app
        .send_as(
            &ana.token,
            Method::POST,
            &format!("/api/v1/conversations/{id}/close"),
            Some(json!({ "next": true })),
        )
        .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("closed")),
        "{body}"
    );
    let offer = ana.live.next_of("offer").await;
    let name = offer.data["payload"]["customer_name"].as_str().unwrap();
    assert!(name.ends_with("c5"), "{name}");
}

#[tokio::test]
async fn sessions_end_by_close_no_reply_needed_and_customer_silence() {
    let app = start_paused().await;
    let mut ana = available_agent(&app, "ana@example.com").await;
    let ben = available_agent(&app, "ben@example.com").await;
    app.send(Event::text("c1", "thanks, that's all")).await;
    let offer = ana.live.next_of("offer").await;
    accept(&app, &ana, &offer.data).await;
    let conversation = offer.data["conversation_id"].clone();

    // Only its agent (or an admin) closes a session.
    let path = format!("/api/v1/conversations/{conversation}/close");
    let (status, body) = act(&app, &ben, &path).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("not_assigned_to_you"))
    );
    let away = Some(json!({ "available": false }));
    let (status, _) = app
        .send_as(&ben.token, Method::PUT, "/api/v1/me/availability", away)
        .await;
    assert_eq!(status, 200);

    // No Reply Needed on the last incoming message ends it.
    let item = app.timeline("c1").await[0]["id"].clone();
    let (status, body) = act(
        &app,
        &ana,
        &format!("/api/v1/timeline/{item}/no-reply-needed"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let ended = ana.live.next_of("ended").await;
    assert_eq!(ended.data["payload"]["ended_by"], "no_reply_needed");
    assert_eq!(
        app.timeline("c1").await[0]["context"]["no_reply_needed"],
        true
    );
    let (status, body) = act(&app, &ana, &path).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("already_closed"))
    );

    // A new message afterwards is new work on the same profile.
    app.send(Event::text("c1", "one more thing")).await;
    let again = ana.live.next_of("offer").await;
    assert_ne!(again.data["conversation_id"], conversation);
    assert_eq!(
        again.data["payload"]["customer_id"],
        offer.data["payload"]["customer_id"]
    );
    accept(&app, &ana, &again.data).await;
    let second = again.data["conversation_id"].clone();
    let (status, _) = act(&app, &ana, &format!("/api/v1/conversations/{second}/close")).await;
    assert_eq!(status, 200);

    // A day of customer silence ends a session by itself.
    app.send(Event::text("c2", "hello?")).await;
    let third = ana.live.next_of("offer").await;
    accept(&app, &ana, &third.data).await;
    advance(&app, 24 * 60 * MINUTE + MINUTE);
    let ended = ana.live.next_of("ended").await;
    assert_eq!(ended.data["payload"]["ended_by"], "auto_end");
    assert_eq!(ended.data["conversation_id"], third.data["conversation_id"]);
    let (_, closed) = app
        .get_as(&ana.token, "/api/v1/conversations?state=closed")
        .await;
    let ends: Vec<_> = closed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ended_by"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ends.len(), 3);
    for by in ["no_reply_needed", "agent", "auto_end"] {
        assert!(ends.iter().any(|e| e == by), "{ends:?}");
    }
}

#[tokio::test]
async fn sla_is_met_by_a_reply_or_an_echo_and_breached_otherwise() {
    let app = start_paused().await;
    let mut ana = available_agent(&app, "ana@example.com").await;
    for igsid in ["answered", "liked", "echoed"] {
        app.send(Event::text(igsid, "hi")).await;
    }
    for _ in 0..3 {
        let offer = ana.live.next_of("offer").await;
        accept(&app, &ana, &offer.data).await;
    }
    let customer = app.customer("answered").await["id"].clone();
    let (status, body) = app
        .send_as(
            &ana.token,
            Method::POST,
            &format!("/api/v1/customers/{customer}/messages"),
            Some(json!({ "text": "On its way!" })),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let liked = app.timeline("liked").await[0]["id"].clone();
    let (status, _) = act(&app, &ana, &format!("/api/v1/timeline/{liked}/like")).await;
    assert_eq!(status, 200);
    app.send(Event::echo("echoed", "answered from the phone"))
        .await;
    app.settle().await;

    let (_, inboxes) = app.get("/api/v1/inboxes").await;
    let inbox = inboxes["data"][0]["id"].clone();
    // The paused clock stands at the test's start; Meta's timestamps run on.
    let sla = format!("/api/v1/inboxes/{inbox}/sla?from=0&to=99999999999999");
    let (status, now) = app.get(&sla).await;
    assert_eq!(status, 200, "{now}");
    assert_eq!(
        (now["total"].as_i64(), now["met"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(
        (now["breached"].as_i64(), now["waiting"].as_i64()),
        (Some(0), Some(1))
    );
    // An hour on, the liked message's wait is a breach: a like is not an answer.
    advance(&app, 61 * MINUTE);
    let (_, later) = app.get(&sla).await;
    assert_eq!(
        (later["met"].as_i64(), later["breached"].as_i64()),
        (Some(2), Some(1))
    );
    let (status, _) = app.get_as(&ana.token, &sla).await;
    assert_eq!(status, 403, "SLA figures are for administrators");
    let (status, body) = app
        .get(&format!("/api/v1/inboxes/{inbox}/sla?from=10&to=5"))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_period"))
    );
}

#[tokio::test]
async fn an_echo_routes_the_conversation_with_its_reason() {
    let app = start_paused().await;
    let mut ana = available_agent(&app, "ana@example.com").await;
    app.send(Event::echo("c9", "We have your size in stock again"))
        .await;
    let offer = ana.live.next_of("offer").await;
    assert_eq!(
        offer.data["payload"]["reason"],
        "Routed to you because of an outgoing Instagram message"
    );
    assert_eq!(
        offer.data["payload"]["preview"],
        "We have your size in stock again"
    );
    accept(&app, &ana, &offer.data).await;
    let (_, open) = app
        .get_as(&ana.token, "/api/v1/conversations?state=open")
        .await;
    assert_eq!(
        open["data"][0]["routed_reason"],
        "Routed to you because of an outgoing Instagram message"
    );
}

#[tokio::test]
async fn offers_in_flight_survive_a_restart() {
    let app = start_paused().await;
    let mut ana = available_agent(&app, "ana@example.com").await;
    app.send(Event::text("c1", "still there?")).await;
    let offer = ana.live.next_of("offer").await;
    let app = app.restart().await;
    let waiting = offers(&app, &ana).await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["id"], offer.data["payload"]["id"]);
    ana.live = LiveStream::open(&app.url, &ana.token, Some(offer.id)).await;
    accept(&app, &ana, &offer.data).await;
    assert_eq!(ana.live.next().await.kind, "assigned");
}

#[tokio::test]
async fn a_reconnecting_stream_resumes_after_its_last_event_without_gaps() {
    let app = start_paused().await;
    let mut ana = available_agent(&app, "ana@example.com").await;
    app.send(Event::text("c1", "first")).await;
    let offer = ana.live.next_of("offer").await;
    accept(&app, &ana, &offer.data).await;
    let assigned = ana.live.next_of("assigned").await;

    // The console goes away; things happen; it comes back with its last id.
    drop(ana.live);
    let second = Event::text("c1", "second");
    let mid = second.mid().unwrap().to_owned();
    app.send(second).await;
    app.send(Event::reaction("c1", &mid, "😍", "love")).await;
    app.settle().await;
    let mut live = LiveStream::open(&app.url, &ana.token, Some(assigned.id)).await;
    let item = live.next().await;
    assert_eq!(
        (item.kind.as_str(), item.data["item"]["text"].as_str()),
        ("item", Some("second"))
    );
    let reaction = live.next().await;
    assert_eq!(reaction.kind, "reaction");
    assert_eq!(reaction.data["item_id"], item.data["item_id"]);
    assert!(reaction.id > item.id && item.id > assigned.id);

    // A new message reaches the open stream within a second.
    app.send(Event::text("c1", "third")).await;
    let live_item = live
        .next_within(Duration::from_secs(1))
        .await
        .expect("within a second");
    assert_eq!(live_item.data["item"]["text"], "third");
}
