//! An agent taken off an inbox loses its work and its messages at once: their offer
//! there is withdrawn (and cannot be accepted after all), their open conversation
//! goes back to waiting and to another agent of the inbox, and their live stream,
//! replayed from the start, no longer shows the inbox's messages. On SQLite and
//! PostgreSQL, over real HTTP.

mod common;

use common::live::LiveStream;
use common::*;
use igdesk_igs::Event;
use reqwest::Method;
use serde_json::{json, Value};

struct Agent {
    token: String,
    id: i64,
    live: LiveStream,
}

async fn agent(app: &TestApp, email: &str) -> Agent {
    let token = agent_token(&app.running, email, false, &["Instagram"]).await;
    let (status, me) = app.get_as(&token, "/api/v1/me").await;
    assert_eq!(status, 200, "{me}");
    let live = LiveStream::open(&app.url, &token, None).await;
    let body = json!({ "available": true });
    let (status, body) = app
        .send_as(&token, Method::PUT, "/api/v1/me/availability", Some(body))
        .await;
    assert_eq!(status, 200, "{body}");
    Agent {
        id: me["id"].as_i64().unwrap(),
        token,
        live,
    }
}

async fn answer(app: &TestApp, agent: &Agent, offer: &Value, verb: &str) -> (u16, Value) {
    let path = format!("/api/v1/offers/{}/{verb}", offer["payload"]["id"]);
    app.send_as(&agent.token, Method::POST, &path, None).await
}

async fn inbox_id(app: &TestApp, name: &str) -> i64 {
    let (status, inboxes) = app.get("/api/v1/inboxes").await;
    assert_eq!(status, 200, "{inboxes}");
    let listed = inboxes["data"]
        .as_array()
        .unwrap_or_else(|| inboxes.as_array().expect("a list of inboxes"));
    listed.iter().find(|i| i["name"] == name).expect(name)["id"]
        .as_i64()
        .unwrap()
}

async fn taken_off_an_inbox(app: TestApp) {
    // A second inbox to move Ana to (her new work is there; Instagram's is not).
    agent_token(&app.running, "vip@example.com", false, &["VIP"]).await;
    let vip = inbox_id(&app, "VIP").await;
    let mut ana = agent(&app, "ana@example.com").await;

    // Ana has a conversation, and an offer waiting for her answer.
    app.send(Event::text("c1", "Where is my order #4512?"))
        .await;
    let first = ana.live.next_of("offer").await;
    let (status, body) = answer(&app, &ana, &first.data, "accept").await;
    assert_eq!(status, 200, "{body}");
    ana.live.next_of("assigned").await;
    // Her stream carries what her customer writes now.
    app.send(Event::text("c1", "It was due on Monday")).await;
    let item = ana.live.next_of("item").await;
    assert_eq!(item.data["item"]["text"], "It was due on Monday");
    app.send(Event::text("c2", "Hello, anyone?")).await;
    let second = ana.live.next_of("offer").await;
    let held = first.data["conversation_id"].clone();
    let offered = second.data["conversation_id"].clone();
    let (_, customers) = app.get_as(&ana.token, "/api/v1/customers?igsid=c1").await;
    let c1 = customers["data"][0]["id"].clone();
    assert!(c1.is_i64(), "Ana reads her customer: {customers}");

    let mut ben = agent(&app, "ben@example.com").await;
    let path = format!("/api/v1/agents/{}", ana.id);
    let (status, body) = app
        .send_as(
            &app.token,
            Method::PATCH,
            &path,
            Some(json!({ "inboxes": [vip] })),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Her console hears both losses at once.
    let withdrawn = ana.live.next_of("offer_withdrawn").await;
    assert_eq!(
        (
            &withdrawn.data["conversation_id"],
            &withdrawn.data["payload"]["reason"]
        ),
        (&offered, &json!("inbox_removed"))
    );
    let unassigned = ana.live.next_of("unassigned").await;
    assert_eq!(unassigned.data["conversation_id"], held);

    // The withdrawn offer cannot be accepted after all.
    let (status, body) = answer(&app, &ana, &second.data, "accept").await;
    assert_eq!(status, 404, "{body}");
    let (_, offers) = app.get_as(&ana.token, "/api/v1/offers").await;
    assert_eq!(offers["data"], json!([]), "{offers}");

    // Both go to Ben, the inbox's other agent, oldest first.
    let to_ben = [
        ben.live.next_of("offer").await,
        ben.live.next_of("offer").await,
    ];
    let mut got: Vec<_> = to_ben
        .iter()
        .map(|o| o.data["conversation_id"].clone())
        .collect();
    got.sort_by_key(|v| v.as_i64());
    let mut want = vec![held.clone(), offered.clone()];
    want.sort_by_key(|v| v.as_i64());
    assert_eq!(got, want);
    let (_, open) = app.get("/api/v1/conversations?state=open").await;
    for c in open["data"].as_array().unwrap() {
        assert_ne!(c["agent_id"], json!(ana.id), "{c}");
    }

    // What she may read is gone too: the customer, and the messages her stream
    // carried, replayed from the start.
    let (status, _) = app
        .get_as(&ana.token, &format!("/api/v1/customers/{c1}"))
        .await;
    assert_eq!(status, 404);
    let mut replay = LiveStream::open(&app.url, &ana.token, Some(0)).await;
    let mut items = 0;
    while let Some(event) = replay
        .next_within(std::time::Duration::from_millis(1500))
        .await
    {
        if event.data["item_id"].is_i64() {
            items += 1;
            assert!(
                event.data.get("item").is_none(),
                "an item of an inbox she left: {}",
                event.data
            );
        }
    }
    assert!(items > 0, "the replay holds the item events she was sent");
}

#[tokio::test]
async fn an_agent_taken_off_an_inbox_loses_its_work_and_its_messages() {
    taken_off_an_inbox(start_paused().await).await;
}

#[tokio::test]
async fn an_agent_taken_off_an_inbox_loses_them_on_postgres_too() {
    taken_off_an_inbox(start_postgres_paused().await).await;
}

/// The customer's id, as an administrator reads it.
async fn customer_id(app: &TestApp, igsid: &str) -> Value {
    let (_, customers) = app.get(&format!("/api/v1/customers?igsid={igsid}")).await;
    customers["data"][0]["id"].clone()
}

/// What an agent sees of one customer: the customer, and which of the customer's
/// conversations (all of them, as an administrator lists them) they may list and act on.
async fn sight(app: &TestApp, token: &str, igsid: &str, all: &[Value]) -> (bool, Vec<bool>) {
    let id = customer_id(app, igsid).await;
    let (_, customers) = app
        .get_as(token, &format!("/api/v1/customers?igsid={igsid}"))
        .await;
    let customer = customers["data"].as_array().is_some_and(|d| !d.is_empty());
    let (_, listed) = app.get_as(token, "/api/v1/conversations").await;
    let listed: Vec<Value> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    let mut conversations = Vec::new();
    for c in all.iter().filter(|c| c["customer_id"] == id) {
        let in_list = listed.contains(&c["id"]);
        let path = format!("/api/v1/conversations/{}/transfer-targets", c["id"]);
        let (status, _) = app.get_as(token, &path).await;
        assert_eq!(in_list, status == 200, "listed and readable agree: {c}");
        conversations.push(in_list);
    }
    (customer, conversations)
}

async fn one_rule_across_a_move(app: TestApp) {
    let ana = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let vera = agent_token(&app.running, "vera@example.com", false, &["VIP"]).await;
    let vip = inbox_id(&app, "VIP").await;
    // c1's conversation is over; c2's is open, both in Instagram.
    app.send(Event::text("c1", "Thanks, all sorted")).await;
    app.send(Event::text("c2", "Still waiting for my refund"))
        .await;
    app.settle().await;
    let c1 = customer_id(&app, "c1").await;
    let (_, open) = app.get("/api/v1/conversations").await;
    let c1_conversation = open["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer_id"] == c1)
        .expect("c1's conversation")["id"]
        .clone();
    let path = format!("/api/v1/conversations/{c1_conversation}/close");
    let (status, body) = app
        .send_as(&app.token, Method::POST, &path, Some(json!({})))
        .await;
    assert_eq!(status, 200, "{body}");

    // The account's work moves to the VIP inbox.
    let account = common::api::account_id(&app).await;
    let (status, body) = app
        .send_as(
            &app.token,
            Method::PUT,
            &format!("/api/v1/accounts/{account}/inbox"),
            Some(json!({ "inbox_id": vip })),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (_, all) = app.get("/api/v1/conversations").await;
    let all = all["data"].as_array().unwrap().clone();
    assert_eq!(all.len(), 2, "{all:?}");
    // c1: only the account's inbox now, customer and conversation alike.
    assert_eq!(sight(&app, &ana, "c1", &all).await, (false, vec![false]));
    assert_eq!(sight(&app, &vera, "c1", &all).await, (true, vec![true]));
    // c2: the open conversation stays with Instagram's agents, and the account's
    // inbox sees it too.
    assert_eq!(sight(&app, &ana, "c2", &all).await, (true, vec![true]));
    assert_eq!(sight(&app, &vera, "c2", &all).await, (true, vec![true]));
}

#[tokio::test]
async fn a_customer_and_their_conversations_are_visible_together_across_a_move() {
    one_rule_across_a_move(start_sqlite().await).await;
}

#[tokio::test]
async fn the_same_rule_holds_on_postgres() {
    one_rule_across_a_move(start_postgres().await).await;
}
