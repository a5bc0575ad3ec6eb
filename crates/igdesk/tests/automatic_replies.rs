//! Automatic replies (OUT-9, issue 17): business hours' away message and greeting,
//! and rules, proved on what the simulator (Meta) received. Each scenario runs on
//! SQLite and on PostgreSQL.

mod common;

use common::*;
use igdesk_igs::{Event, SentMessage};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const HOUR: i64 = 3_600_000;

macro_rules! on_both {
    ($scenario:ident, $sqlite:ident, $postgres:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $scenario(start_sqlite().await).await;
        }
        #[tokio::test]
        async fn $postgres() {
            $scenario(start_postgres().await).await;
        }
    };
}

async fn default_inbox(app: &TestApp) -> i64 {
    let (status, body) = app.get("/api/v1/inboxes").await;
    assert_eq!(status, 200, "{body}");
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["is_default"] == true)
        .and_then(|i| i["id"].as_i64())
        .expect("a default inbox")
}

async fn put_hours(app: &TestApp, inbox: i64, hours: Value) -> (u16, Value) {
    app.send_as(
        &app.token,
        Method::PUT,
        &format!("/api/v1/inboxes/{inbox}/business-hours"),
        Some(hours),
    )
    .await
}

/// Closed every day: every message comes outside the hours.
fn never_open() -> Value {
    json!({"time_zone": "Europe/Amsterdam", "away_message": "We're closed now; we answer from 9:00."})
}

/// Open all day every day.
fn always_open(greeting: &str) -> Value {
    let day = json!([{"open": "00:00", "close": "24:00"}]);
    json!({
        "time_zone": "UTC",
        "weekly": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day},
        "greeting": greeting,
    })
}

async fn add_rule(app: &TestApp, rule: Value) -> Value {
    let (status, body) = app.post("/api/v1/rules", rule).await;
    assert_eq!(status, 201, "{body}");
    body
}

/// What Meta received for this customer.
fn sent_to(app: &TestApp, igsid: &str) -> Vec<SentMessage> {
    app.sim
        .sent()
        .into_iter()
        .filter(|m| m.recipient_igsid == igsid)
        .collect()
}

async fn customer_writes(app: &TestApp, event: Event) {
    app.send(event).await;
    app.settle().await;
}

/// Waits until Meta has `n` messages for the customer, then a little more to prove
/// no more come.
async fn exactly(app: &TestApp, igsid: &str, n: usize) -> Vec<SentMessage> {
    app.eventually(&format!("{n} messages to {igsid}"), || async {
        sent_to(app, igsid).len() >= n
    })
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    app.settle().await;
    let sent = sent_to(app, igsid);
    assert_eq!(sent.len(), n, "{sent:?}");
    for m in &sent {
        // Never HUMAN_AGENT: an automatic reply is a normal response or nothing.
        assert_eq!(m.tag, None, "{m:?}");
        assert_eq!(m.messaging_type, "RESPONSE", "{m:?}");
    }
    sent
}

async fn conversation_of(app: &TestApp, igsid: &str) -> Value {
    let customer = app.customer(igsid).await["id"].clone();
    let (status, body) = app.get("/api/v1/conversations?state=open").await;
    assert_eq!(status, 200, "{body}");
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer_id"] == customer)
        .cloned()
        .expect("an open conversation")
}

async fn away_message_goes_once_per_conversation_outside_hours(app: TestApp) {
    let inbox = default_inbox(&app).await;
    let (status, body) = put_hours(&app, inbox, never_open()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["open_now"], false);
    customer_writes(&app, Event::text("555", "Hello?")).await;
    customer_writes(&app, Event::text("555", "Anyone there?")).await;
    let sent = exactly(&app, "555", 1).await;
    assert_eq!(
        sent[0].text.as_deref(),
        Some("We're closed now; we answer from 9:00.")
    );
    // Labelled on the timeline as automatic, and why.
    let auto: Vec<Value> = app
        .timeline("555")
        .await
        .into_iter()
        .filter(|i| i["direction"] == "out")
        .collect();
    assert_eq!(auto.len(), 1);
    assert_eq!(auto[0]["context"]["automatic"], "Away message");
    // The dashboard says the inbox is closed, with its away message on.
    let (_, dashboard) = app.get("/api/v1/dashboard").await;
    assert_eq!(
        dashboard["business_hours"],
        json!([{"inbox_id": inbox, "inbox": "Instagram", "open": false, "away_message": true}])
    );
    // An automatic reply never answers the customer: the SLA clock still runs.
    let (_, sla) = app.get(&format!("/api/v1/inboxes/{inbox}/sla")).await;
    assert_eq!(
        (sla["met"].as_i64(), sla["waiting"].as_i64()),
        (Some(0), Some(1)),
        "{sla}"
    );
}
on_both!(
    away_message_goes_once_per_conversation_outside_hours,
    away_message_once_per_conversation_on_sqlite,
    away_message_once_per_conversation_on_postgres
);

async fn a_greeting_answers_a_customers_first_message_within_hours(app: TestApp) {
    let inbox = default_inbox(&app).await;
    let (status, body) = put_hours(&app, inbox, always_open("Hi! Welcome to the shop.")).await;
    assert_eq!(
        (status, body["open_now"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    customer_writes(&app, Event::text("555", "Hello")).await;
    customer_writes(&app, Event::text("555", "Do you ship to Spain?")).await;
    let sent = exactly(&app, "555", 1).await;
    assert_eq!(sent[0].text.as_deref(), Some("Hi! Welcome to the shop."));
    // No away message within the hours.
    customer_writes(&app, Event::text("556", "Hi")).await;
    exactly(&app, "556", 1).await;
    // A rule's answer stands for the greeting: one automatic reply, not two.
    add_rule(
        &app,
        json!({"name": "Prices", "when": {"type": "keywords", "keywords": ["price"]},
               "reply_text": "See shop.example/prices"}),
    )
    .await;
    customer_writes(&app, Event::text("557", "price?")).await;
    let sent = exactly(&app, "557", 1).await;
    assert_eq!(sent[0].text.as_deref(), Some("See shop.example/prices"));
    // Back after that conversation ended, never greeted: not a first conversation.
    let ended = conversation_of(&app, "557").await["id"].clone();
    let path = format!("/api/v1/conversations/{ended}/close");
    let (status, body) = app
        .send_as(&app.token, Method::POST, &path, Some(json!({})))
        .await;
    assert_eq!(status, 200, "{body}");
    customer_writes(&app, Event::text("557", "Hello again")).await;
    assert_ne!(conversation_of(&app, "557").await["id"], ended);
    exactly(&app, "557", 1).await;
}
on_both!(
    a_greeting_answers_a_customers_first_message_within_hours,
    greeting_on_first_message_on_sqlite,
    greeting_on_first_message_on_postgres
);

async fn a_keyword_rule_answers_and_adds_a_topic(app: TestApp) {
    let (status, topic) = app.post("/api/v1/topics", json!({"name": "Prices"})).await;
    assert_eq!(status, 201, "{topic}");
    add_rule(
        &app,
        json!({"name": "Prices", "when": {"type": "keywords", "keywords": ["price", "cost"]},
               "reply_text": "Our price list: shop.example/prices",
               "quick_replies": [{"title": "Sizes", "payload": "SIZES"}],
               "topic_id": topic["id"]}),
    )
    .await;
    customer_writes(
        &app,
        Event::text("555", "What's the PRICE of the linen shirt?"),
    )
    .await;
    let sent = exactly(&app, "555", 1).await;
    assert_eq!(
        sent[0].text.as_deref(),
        Some("Our price list: shop.example/prices")
    );
    assert_eq!(sent[0].quick_replies, [("Sizes".into(), "SIZES".into())]);
    let conversation = conversation_of(&app, "555").await;
    assert_eq!(conversation["topics"], json!(["Prices"]));
    let item = app
        .timeline("555")
        .await
        .into_iter()
        .find(|i| i["direction"] == "out")
        .unwrap();
    assert_eq!(item["context"]["automatic"], "Rule: Prices");
    // "priceless" is not the word "price".
    customer_writes(&app, Event::text("556", "This shirt is priceless")).await;
    exactly(&app, "556", 0).await;
}
on_both!(
    a_keyword_rule_answers_and_adds_a_topic,
    keyword_rule_on_sqlite,
    keyword_rule_on_postgres
);

async fn patterns_payloads_and_story_mentions_match(app: TestApp) {
    add_rule(
        &app,
        json!({"name": "Order status", "when": {"type": "regex", "pattern": r"(?i)order\s*#?\d{5}"},
               "reply_text": "Checking your order."}),
    )
    .await;
    add_rule(
        &app,
        json!({"name": "Sizes", "when": {"type": "payload", "payload": "SIZES"},
               "reply_text": "Our size guide: shop.example/sizes"}),
    )
    .await;
    add_rule(
        &app,
        json!({"name": "Mentions", "when": {"type": "story_mention"},
               "reply_text": "Thanks for the mention!"}),
    )
    .await;
    customer_writes(&app, Event::text("555", "Where is order #12345?")).await;
    assert_eq!(
        exactly(&app, "555", 1).await[0].text.as_deref(),
        Some("Checking your order.")
    );
    customer_writes(&app, Event::quick_reply("556", "Sizes", "SIZES")).await;
    assert_eq!(
        exactly(&app, "556", 1).await[0].text.as_deref(),
        Some("Our size guide: shop.example/sizes")
    );
    customer_writes(&app, Event::postback("557", "Size guide", "SIZES")).await;
    exactly(&app, "557", 1).await;
    // A mention creates no conversation by default (ACC-3); it is answered anyway.
    let mention = Event::attachment("558", "story_mention", "https://cdn.example/story-9");
    customer_writes(&app, mention).await;
    assert_eq!(
        exactly(&app, "558", 1).await[0].text.as_deref(),
        Some("Thanks for the mention!")
    );
}
on_both!(
    patterns_payloads_and_story_mentions_match,
    pattern_payload_and_mention_rules_on_sqlite,
    pattern_payload_and_mention_rules_on_postgres
);

async fn a_comment_on_a_post_is_answered_by_a_private_reply(app: TestApp) {
    add_rule(
        &app,
        json!({"name": "Giveaway", "when": {"type": "comment_on_post", "post_id": "18100"},
               "reply_text": "Thanks for joining the giveaway! Here are the rules."}),
    )
    .await;
    let comment = Event::comment("555", "ana", "Count me in!", "18100", "FEED");
    let comment_id = comment.comment_id().unwrap().to_owned();
    customer_writes(&app, comment).await;
    // A comment on another post is not this rule's.
    customer_writes(&app, Event::comment("556", "ben", "nice", "18200", "FEED")).await;
    let sent = exactly(&app, "555", 1).await;
    assert_eq!(sent[0].comment_id.as_deref(), Some(comment_id.as_str()));
    exactly(&app, "556", 0).await;
    // The private reply is taken: an agent cannot send a second one.
    let item = app
        .timeline("555")
        .await
        .into_iter()
        .find(|i| i["kind"] == "comment")
        .unwrap();
    assert_eq!(item["context"]["replied_privately"], true);
}
on_both!(
    a_comment_on_a_post_is_answered_by_a_private_reply,
    comment_rule_private_reply_on_sqlite,
    comment_rule_private_reply_on_postgres
);

async fn the_first_match_wins_once_per_customer_per_hour(app: TestApp) {
    add_rule(
        &app,
        json!({"name": "Returns", "when": {"type": "keywords", "keywords": ["return"]},
               "reply_text": "Returns are free within 30 days."}),
    )
    .await;
    add_rule(
        &app,
        json!({"name": "Anything", "when": {"type": "regex", "pattern": "."},
               "reply_text": "Thanks, we'll be with you soon."}),
    )
    .await;
    customer_writes(&app, Event::text("555", "Can I return this?")).await;
    customer_writes(&app, Event::text("555", "I'd like to return my order")).await;
    let sent = exactly(&app, "555", 1).await;
    assert_eq!(
        sent[0].text.as_deref(),
        Some("Returns are free within 30 days.")
    );
    // Another rule may still answer the same customer within the hour.
    customer_writes(&app, Event::text("555", "Thanks")).await;
    let sent = exactly(&app, "555", 2).await;
    assert_eq!(
        sent[1].text.as_deref(),
        Some("Thanks, we'll be with you soon.")
    );
}
on_both!(
    the_first_match_wins_once_per_customer_per_hour,
    first_match_once_an_hour_on_sqlite,
    first_match_once_an_hour_on_postgres
);

async fn nothing_automatic_after_24_hours(app: TestApp) {
    let inbox = default_inbox(&app).await;
    put_hours(&app, inbox, never_open()).await;
    add_rule(
        &app,
        json!({"name": "Hello", "when": {"type": "keywords", "keywords": ["hello"]},
               "reply_text": "Hi there"}),
    )
    .await;
    // Meta delivered it late: it was written 25 hours ago.
    let late = Event::text("555", "hello").with_timestamp_ms(igdesk::now_ms() - 25 * HOUR);
    customer_writes(&app, late).await;
    exactly(&app, "555", 0).await;
    // A person may still answer, tagged HUMAN_AGENT.
    let (status, queued) = app
        .reply("555", json!({"text": "Sorry for the wait"}))
        .await;
    assert_eq!(status, 202, "{queued}");
    app.eventually("the person's reply", || async {
        !sent_to(&app, "555").is_empty()
    })
    .await;
    assert_eq!(sent_to(&app, "555")[0].tag.as_deref(), Some("HUMAN_AGENT"));
}
on_both!(
    nothing_automatic_after_24_hours,
    nothing_automatic_after_24_hours_on_sqlite,
    nothing_automatic_after_24_hours_on_postgres
);

async fn a_rule_routes_to_an_inbox(app: TestApp) {
    let (status, vip) = app.post("/api/v1/inboxes", json!({"name": "VIP"})).await;
    assert!(status == 200 || status == 201, "{vip}");
    add_rule(
        &app,
        json!({"name": "Wholesale", "when": {"type": "keywords", "keywords": ["wholesale"]},
               "route_to_inbox_id": vip["id"]}),
    )
    .await;
    customer_writes(&app, Event::text("555", "Do you sell wholesale?")).await;
    customer_writes(&app, Event::text("556", "Do you sell gift cards?")).await;
    assert_eq!(conversation_of(&app, "555").await["inbox_id"], vip["id"]);
    assert_ne!(conversation_of(&app, "556").await["inbox_id"], vip["id"]);
    // Routing only: nothing was sent.
    exactly(&app, "555", 0).await;
}
on_both!(
    a_rule_routes_to_an_inbox,
    route_rule_on_sqlite,
    route_rule_on_postgres
);

async fn outside_hours_offers_still_go_to_available_agents(app: TestApp) {
    let inbox = default_inbox(&app).await;
    put_hours(&app, inbox, never_open()).await;
    let agent = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let (status, me) = app
        .send_as(
            &agent,
            Method::PUT,
            "/api/v1/me/availability",
            Some(json!({"available": true})),
        )
        .await;
    assert_eq!(status, 200, "{me}");
    customer_writes(&app, Event::text("555", "Hello?")).await;
    exactly(&app, "555", 1).await;
    app.eventually("an offer to the available agent", || async {
        let (_, offers) = app.get_as(&agent, "/api/v1/offers").await;
        offers["data"].as_array().is_some_and(|o| !o.is_empty())
    })
    .await;
}
on_both!(
    outside_hours_offers_still_go_to_available_agents,
    routing_unchanged_outside_hours_on_sqlite,
    routing_unchanged_outside_hours_on_postgres
);

#[tokio::test]
async fn bad_settings_are_refused_naming_the_field() {
    let app = start_sqlite().await;
    let inbox = default_inbox(&app).await;
    let refused = |body: &Value| (body["code"].clone(), body["field"].clone());
    let (status, body) = put_hours(&app, inbox, json!({"time_zone": "Mars/Olympus"})).await;
    assert_eq!(status, 422);
    assert_eq!(
        refused(&body),
        (json!("unknown_time_zone"), json!("time_zone"))
    );
    let late_open =
        json!({"time_zone": "UTC", "weekly": {"mon": [{"open": "17:00", "close": "09:00"}]}});
    let (status, body) = put_hours(&app, inbox, late_open).await;
    assert_eq!(status, 422);
    assert_eq!(
        refused(&body),
        (json!("close_before_open"), json!("weekly.mon"))
    );
    let bad_date = json!({"time_zone": "UTC", "holidays": ["2026-02-30"]});
    let (status, body) = put_hours(&app, inbox, bad_date).await;
    assert_eq!(status, 422);
    assert_eq!(refused(&body), (json!("invalid_date"), json!("holidays")));
    let (status, _) = put_hours(&app, 999, never_open()).await;
    assert_eq!(status, 404);
    // Set, read back, removed.
    let path = format!("/api/v1/inboxes/{inbox}/business-hours");
    let (status, _) = put_hours(&app, inbox, always_open("Hi")).await;
    assert_eq!(status, 200);
    let (_, read) = app.get(&path).await;
    assert_eq!(read["business_hours"]["weekly"]["sun"][0]["close"], "24:00");
    assert_eq!(read["open_now"], true);
    let (status, _) = app.send_as(&app.token, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    // Removed, as never set: a read finds none.
    let (status, read) = app.get(&path).await;
    assert_eq!(
        (status, read["code"].clone()),
        (404, json!("no_business_hours"))
    );
    let (status, _) = app.send_as(&app.token, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    let (status, body) = app
        .post(
            "/api/v1/rules",
            json!({"name": "Bad", "when": {"type": "regex", "pattern": "(unclosed"}, "reply_text": "x"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        refused(&body),
        (json!("invalid_pattern"), json!("when.pattern"))
    );
    let (status, body) = app
        .post(
            "/api/v1/rules",
            json!({"name": "Idle", "when": {"type": "story_mention"}}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("nothing_to_do"))
    );
    // Administrators only.
    let agent = agent_token(&app.running, "ben@example.com", false, &["Instagram"]).await;
    let (status, _) = app.get_as(&agent, "/api/v1/rules").await;
    assert_eq!(status, 403);
    // The API keeps what it was given, in order; PATCH and DELETE work on it.
    let rule = add_rule(
        &app,
        json!({"name": "Hi", "when": {"type": "keywords", "keywords": ["hi"]}, "reply_text": "Hello!"}),
    )
    .await;
    let id = rule["id"].as_i64().unwrap();
    let (status, body) = app
        .send_as(
            &app.token,
            Method::PATCH,
            &format!("/api/v1/rules/{id}"),
            Some(json!({"enabled": false, "reply_text": "Hello again!"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["enabled"].as_bool(), body["reply_text"].as_str()),
        (Some(false), Some("Hello again!"))
    );
    let (status, _) = app
        .send_as(
            &app.token,
            Method::DELETE,
            &format!("/api/v1/rules/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (_, list) = app.get("/api/v1/rules").await;
    assert_eq!(list["data"], json!([]));
    // A few hundred rules at most: every message is checked against them all.
    for n in 0..200 {
        add_rule(
            &app,
            json!({"name": format!("R{n}"), "when": {"type": "payload", "payload": format!("P{n}")}, "reply_text": "x"}),
        )
        .await;
    }
    let (status, body) = app
        .post(
            "/api/v1/rules",
            json!({"name": "One more", "when": {"type": "story_mention"}, "reply_text": "x"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("too_many_rules"))
    );
}
