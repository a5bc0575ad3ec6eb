//! Transfer, as scenarios over real HTTP with the simulator playing Meta
//! and the clock paused: to an agent (an offer saying who handed it over and why,
//! accepted, declined, timed out), to an inbox, the SLA clock across it, the timeline's
//! record, the refusals, and scope (an agent of another inbox sees nothing of it).

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
    name: String,
    live: LiveStream,
}

async fn agent(app: &TestApp, email: &str, inboxes: &[&str], available: bool) -> Agent {
    let token = agent_token(&app.running, email, false, inboxes).await;
    let live = LiveStream::open(&app.url, &token, None).await;
    let (status, body) = app
        .send_as(
            &token,
            Method::PUT,
            "/api/v1/me/availability",
            Some(json!({ "available": available })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, me) = app.get_as(&token, "/api/v1/me").await;
    Agent {
        id: me["id"].as_i64().unwrap(),
        name: me["name"].as_str().unwrap().to_owned(),
        token,
        live,
    }
}

async fn set_available(app: &TestApp, agent: &Agent, available: bool) {
    let (status, body) = app
        .send_as(
            &agent.token,
            Method::PUT,
            "/api/v1/me/availability",
            Some(json!({ "available": available })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn accept(app: &TestApp, agent: &Agent, offer_id: &Value) {
    let path = format!("/api/v1/offers/{offer_id}/accept");
    let (status, body) = app.send_as(&agent.token, Method::POST, &path, None).await;
    assert_eq!(status, 200, "{body}");
}

async fn transfer(app: &TestApp, token: &str, conversation: i64, body: Value) -> (u16, Value) {
    let path = format!("/api/v1/conversations/{conversation}/transfer");
    app.send_as(token, Method::POST, &path, Some(body)).await
}

/// The conversation as the administrator reads it.
async fn conversation(app: &TestApp, id: i64) -> Value {
    let (_, open) = app.get("/api/v1/conversations").await;
    open["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .expect("the conversation")
}

async fn inbox_id(app: &TestApp, name: &str) -> i64 {
    let (_, inboxes) = app.get("/api/v1/inboxes").await;
    inboxes["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("inbox {name}: {inboxes}"))["id"]
        .as_i64()
        .unwrap()
}

/// A customer writes; `to` gets the offer and accepts it. Answers the conversation.
async fn assigned(app: &TestApp, igsid: &str, to: &mut Agent) -> i64 {
    app.send(Event::text(igsid, "Do you have the linen shirt in M?"))
        .await;
    let offer = to.live.next_of("offer").await;
    accept(app, to, &offer.data["payload"]["id"]).await;
    offer.data["conversation_id"].as_i64().unwrap()
}

/// Nothing is offered to this agent for a while (routing runs at least twice).
async fn no_offer_for(agent: &mut Agent) {
    while let Some(event) = agent.live.next_within(Duration::from_millis(1_200)).await {
        assert_ne!(event.kind, "offer", "unexpected offer: {:?}", event.data);
    }
}

async fn sla(app: &TestApp, inbox: i64) -> (i64, i64, i64) {
    let path = format!("/api/v1/inboxes/{inbox}/sla?from=0&to=99999999999999");
    let (status, report) = app.get(&path).await;
    assert_eq!(status, 200, "{report}");
    let n = |k: &str| report[k].as_i64().unwrap();
    (n("total"), n("waiting"), n("breached"))
}

async fn to_an_agent_declined_timed_out_and_back(app: TestApp) {
    let mut ana = agent(&app, "ana@example.com", &["Instagram"], true).await;
    let mut ben = agent(&app, "ben@example.com", &["Instagram"], true).await;
    let mut carl = agent(&app, "carl@example.com", &["Instagram"], true).await;
    let inbox = inbox_id(&app, "Instagram").await;
    // All carry nothing: the lowest id (Ana) is offered first.
    let id = assigned(&app, "c1", &mut ana).await;
    app.running.app.advance_clock(40 * MINUTE);
    assert_eq!(sla(&app, inbox).await, (1, 1, 0));

    let (status, made) = transfer(
        &app,
        &ana.token,
        id,
        json!({ "agent_id": ben.id, "note": "Knows the sizes" }),
    )
    .await;
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["transfer"]["to_agent"]["agent_id"], ben.id);
    assert_eq!(made["transfer"]["by"]["name"], ana.name.as_str());
    assert_eq!(made["offer"]["agent_id"], ben.id);

    // Ben's offer says who handed it over and why: on the stream (drawn, too) and
    // in his offers.
    let offer = ben.live.next_of("offer").await;
    assert_eq!(offer.data["conversation_id"], id);
    let payload = &offer.data["payload"];
    assert_eq!(payload["transferred_by"]["agent_id"], ana.id);
    assert_eq!(payload["note"], "Knows the sizes");
    let banner = offer.data["html"].as_str().unwrap();
    assert!(
        banner.contains(&format!("Transferred by {}: Knows the sizes", ana.name)),
        "{banner}"
    );
    let (_, offers) = app.get_as(&ben.token, "/api/v1/offers").await;
    assert_eq!(
        offers["data"][0]["transferred_by"]["name"],
        ana.name.as_str()
    );
    assert_eq!(offers["data"][0]["note"], "Knows the sizes");
    // It left Ana at once, and her console is told.
    let told = ana.live.next_of("transferred").await;
    assert_eq!(told.data["payload"]["to_agent_id"], ben.id);
    assert!(conversation(&app, id).await["agent_id"].is_null());
    let (_, me) = app.get_as(&ana.token, "/api/v1/me").await;
    assert_eq!(me["routing"]["conversations"], 0);

    accept(&app, &ben, &payload["id"]).await;
    assert_eq!(conversation(&app, id).await["agent_id"], ben.id);
    // The customer's wait kept running: 40 minutes before, 21 after, past the hour.
    assert_eq!(sla(&app, inbox).await, (1, 1, 0));
    app.running.app.advance_clock(21 * MINUTE);
    assert_eq!(sla(&app, inbox).await, (1, 0, 1));

    // Ben hands it to Carl, who declines: back to routing, to Ana rather than Ben.
    let (status, made) = transfer(&app, &ben.token, id, json!({ "agent_id": carl.id })).await;
    assert_eq!(status, 200, "{made}");
    let offer = carl.live.next_of("offer").await;
    assert!(offer.data["payload"]["note"].is_null());
    let path = format!("/api/v1/offers/{}/decline", offer.data["payload"]["id"]);
    let (status, _) = app.send_as(&carl.token, Method::POST, &path, None).await;
    assert_eq!(status, 204);
    let again = ana.live.next_of("offer").await;
    assert_eq!(again.data["conversation_id"], id);
    assert_eq!(again.data["payload"]["transferred_by"]["agent_id"], ben.id);
    // Ana lets it time out: Carl and Ana hold off until Next, so only Ben is left.
    app.running.app.advance_clock(30 * SECOND);
    let back = ben.live.next_of("offer").await;
    assert_eq!(back.data["conversation_id"], id);
    accept(&app, &ben, &back.data["payload"]["id"]).await;
    assert_eq!(conversation(&app, id).await["agent_id"], ben.id);

    // The timeline records both transfers.
    let customer = conversation(&app, id).await["customer_id"].clone();
    let (status, history) = app
        .get_as(
            &ben.token,
            &format!("/api/v1/customers/{customer}/transfers"),
        )
        .await;
    assert_eq!(status, 200, "{history}");
    let history = history["data"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        (
            &history[0]["by"]["agent_id"],
            &history[0]["to_agent"]["agent_id"]
        ),
        (&json!(ana.id), &json!(ben.id))
    );
    assert_eq!(history[0]["note"], "Knows the sizes");
    // Drawn after the conversation's latest item when it was made.
    assert!(history[0]["after_item_id"].is_i64(), "{history:?}");
    assert_eq!(history[1]["from_agent_id"], ben.id);
    assert_eq!(history[1]["to_agent"]["agent_id"], carl.id);
}

#[tokio::test]
async fn a_transfer_to_an_agent_is_an_offer_and_a_declined_one_goes_back_to_the_inbox() {
    to_an_agent_declined_timed_out_and_back(start_paused().await).await;
}

#[tokio::test]
async fn a_transfer_to_an_agent_works_the_same_on_postgres() {
    to_an_agent_declined_timed_out_and_back(start_postgres_paused().await).await;
}

async fn to_an_inbox(app: TestApp) {
    let mut ana = agent(&app, "ana@example.com", &["Instagram", "Returns"], true).await;
    // Rita works Returns only: the customer's account routes to Instagram.
    let mut rita = agent(&app, "rita@example.com", &["Returns"], true).await;
    let returns = inbox_id(&app, "Returns").await;
    let id = assigned(&app, "c1", &mut ana).await;
    let customer = conversation(&app, id).await["customer_id"].clone();
    let (status, _) = app
        .get_as(&rita.token, &format!("/api/v1/customers/{customer}"))
        .await;
    assert_eq!(status, 404, "not Rita's inbox yet");

    let (status, made) = transfer(
        &app,
        &ana.token,
        id,
        json!({ "inbox_id": returns, "note": "Wants a refund" }),
    )
    .await;
    assert_eq!(status, 200, "{made}");
    assert!(made["offer"].is_null());
    assert_eq!(made["transfer"]["to_inbox"]["name"], "Returns");
    assert!(made["transfer"]["to_agent"].is_null());

    // Routed there, to Rita rather than back to Ana (who is in Returns too).
    let offer = rita.live.next_of("offer").await;
    assert_eq!(offer.data["conversation_id"], id);
    assert_eq!(offer.data["payload"]["transferred_by"]["agent_id"], ana.id);
    assert_eq!(offer.data["payload"]["note"], "Wants a refund");
    accept(&app, &rita, &offer.data["payload"]["id"]).await;
    let now = conversation(&app, id).await;
    assert_eq!(
        (&now["agent_id"], &now["inbox_id"]),
        (&json!(rita.id), &json!(returns))
    );
    // Whoever has the work can open the customer and answer them.
    let (status, _) = app
        .get_as(
            &rita.token,
            &format!("/api/v1/customers/{customer}/timeline"),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .send_as(
            &rita.token,
            Method::POST,
            &format!("/api/v1/customers/{customer}/messages"),
            Some(json!({ "text": "The refund is on its way." })),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    no_offer_for(&mut ana).await;
    let (_, history) = app
        .get(&format!("/api/v1/customers/{customer}/transfers"))
        .await;
    assert_eq!(history["data"][0]["to_inbox"]["inbox_id"], returns);
}

#[tokio::test]
async fn a_transfer_to_an_inbox_goes_back_to_routing_there() {
    to_an_inbox(start_paused().await).await;
}

#[tokio::test]
async fn a_transfer_to_an_inbox_works_the_same_on_postgres() {
    to_an_inbox(start_postgres_paused().await).await;
}

#[tokio::test]
async fn transfers_are_refused_with_the_reason_and_the_field() {
    let app = start_paused().await;
    let mut ana = agent(&app, "ana@example.com", &["Instagram"], true).await;
    let ben = agent(&app, "ben@example.com", &["Instagram"], true).await;
    let away = agent(&app, "dora@example.com", &["Instagram"], false).await;
    let olly = agent(&app, "olly@example.com", &["Wholesale"], true).await;
    let wholesale = inbox_id(&app, "Wholesale").await;
    let id = assigned(&app, "c1", &mut ana).await;
    let customer = conversation(&app, id).await["customer_id"].clone();

    let cases = [
        (
            &ben.token,
            json!({ "agent_id": ben.id }),
            403,
            "forbidden",
            None,
        ),
        (
            &ana.token,
            json!({ "agent_id": away.id }),
            409,
            "agent_away",
            Some("agent_id"),
        ),
        (
            &ana.token,
            json!({ "agent_id": olly.id }),
            400,
            "not_in_inbox",
            Some("agent_id"),
        ),
        (
            &ana.token,
            json!({ "agent_id": 999_999 }),
            400,
            "not_in_inbox",
            Some("agent_id"),
        ),
        (
            &ana.token,
            json!({ "agent_id": ana.id }),
            409,
            "already_theirs",
            Some("agent_id"),
        ),
        (
            &ana.token,
            json!({}),
            400,
            "missing_target",
            Some("agent_id"),
        ),
        (
            &ana.token,
            json!({ "agent_id": ben.id, "inbox_id": wholesale }),
            400,
            "both_targets",
            Some("inbox_id"),
        ),
        (
            &ana.token,
            json!({ "agent_id": ben.id, "note": "x".repeat(501) }),
            400,
            "note_too_long",
            Some("note"),
        ),
        (
            &ana.token,
            json!({ "agent_id": ben.id, "extra": 1 }),
            400,
            "invalid_body",
            None,
        ),
        // Scope: Wholesale's agents and inbox are out of Ana's sight, and Ana's
        // conversation out of Olly's.
        (
            &ana.token,
            json!({ "inbox_id": wholesale }),
            404,
            "not_found",
            Some("inbox_id"),
        ),
        (
            &olly.token,
            json!({ "inbox_id": wholesale }),
            404,
            "not_found",
            None,
        ),
    ];
    for (token, body, status, code, field) in cases {
        let (got, answer) = transfer(&app, token, id, body.clone()).await;
        assert_eq!(
            (got, answer["code"].as_str(), answer["field"].as_str()),
            (status, Some(code), field),
            "{body}: {answer}"
        );
    }
    let (status, _) = transfer(&app, &ana.token, 999_999, json!({ "agent_id": ben.id })).await;
    assert_eq!(status, 404);
    for path in [
        format!("/api/v1/conversations/{id}/transfer-targets"),
        format!("/api/v1/customers/{customer}/transfers"),
    ] {
        let (status, _) = app.get_as(&olly.token, &path).await;
        assert_eq!(status, 404, "{path}");
    }
    // Nothing moved.
    assert_eq!(conversation(&app, id).await["agent_id"], ana.id);

    // The Transfer dialog's list: the inbox's active agents but the holder, with why
    // an offer cannot go to one now; Ana's own inboxes.
    let (status, targets) = app
        .get_as(
            &ana.token,
            &format!("/api/v1/conversations/{id}/transfer-targets"),
        )
        .await;
    assert_eq!(status, 200, "{targets}");
    let names: Vec<_> = targets["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["agent_id"].as_i64().unwrap(), a["unable"].is_null()))
        .collect();
    assert_eq!(names, [(ben.id, true), (away.id, false)]);
    assert_eq!(targets["inboxes"].as_array().unwrap().len(), 1);

    // An administrator may transfer anyone's; a closed session is no one's to hand.
    let (status, made) = transfer(&app, &app.token, id, json!({ "agent_id": ben.id })).await;
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["transfer"]["from_agent_id"], ana.id);
    let (status, _) = app
        .send_as(
            &app.token,
            Method::POST,
            &format!("/api/v1/conversations/{id}/close"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, answer) = transfer(&app, &app.token, id, json!({ "agent_id": ben.id })).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (409, Some("already_closed"))
    );
}

#[tokio::test]
async fn a_target_without_room_or_holding_off_until_next_is_refused() {
    let app = start_paused().await;
    let mut ana = agent(&app, "ana@example.com", &["Instagram"], true).await;
    let mut ben = agent(&app, "ben@example.com", &["Instagram"], true).await;
    // Ana gets the first and steps away; Ben the next three: his standard capacity.
    let id = assigned(&app, "c0", &mut ana).await;
    set_available(&app, &ana, false).await;
    for n in 1..=3 {
        assigned(&app, &format!("c{n}"), &mut ben).await;
    }
    set_available(&app, &ana, true).await;
    let (status, answer) = transfer(&app, &ana.token, id, json!({ "agent_id": ben.id })).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (409, Some("agent_at_capacity")),
        "{answer}"
    );
    // Next makes room for one more: the transfer counts as that offer.
    let (status, _) = app
        .send_as(&ben.token, Method::POST, "/api/v1/me/next", None)
        .await;
    assert_eq!(status, 200);
    let (status, made) = transfer(&app, &ana.token, id, json!({ "agent_id": ben.id })).await;
    assert_eq!(status, 200, "{made}");
    let offer = ben.live.next_of("offer").await;
    let path = format!("/api/v1/offers/{}/decline", offer.data["payload"]["id"]);
    let (status, _) = app.send_as(&ben.token, Method::POST, &path, None).await;
    assert_eq!(status, 204);
    // Declined: nobody else is there, so it goes back to Ana.
    let back = ana.live.next_of("offer").await;
    assert_eq!(back.data["conversation_id"], id);
    accept(&app, &ana, &back.data["payload"]["id"]).await;
    // Ben let an offer go: no transfer reaches him until he presses Next.
    let (status, answer) = transfer(&app, &ana.token, id, json!({ "agent_id": ben.id })).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (409, Some("agent_held")),
        "{answer}"
    );
}
