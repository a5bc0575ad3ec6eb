//! Conversation starters (issue 17): an account's ice breakers and persistent menu
//! set at Instagram through the Messenger Profile API and read back, Instagram's
//! limits refused by igdesk before Meta is asked, Meta's own refusals said in its
//! words, and a customer's tap arriving on the timeline as a postback with its
//! payload. The simulator plays Meta over real HTTP.

mod common;

use common::api::account_id;
use common::*;
use igdesk_igs::{Fault, Scenario, TokenPlace};
use reqwest::Method;
use serde_json::{json, Value};

fn starters() -> Value {
    json!({
        "ice_breakers": [
            {"question": "Where is my order?", "payload": "ORDER"},
            {"question": "Do you ship abroad?", "payload": "SHIPPING"}
        ],
        "persistent_menu": [
            {"type": "postback", "title": "Talk to a person", "payload": "HUMAN"},
            {"type": "web_url", "title": "Shop", "url": "https://shop.example/"}
        ]
    })
}

async fn put(app: &TestApp, body: Value) -> (u16, Value) {
    let path = format!(
        "/api/v1/accounts/{}/conversation-starters",
        account_id(app).await
    );
    app.send_as(&app.token, Method::PUT, &path, Some(body))
        .await
}

/// The Messenger Profile calls igdesk made.
fn profile_calls(app: &TestApp) -> Vec<igdesk_igs::RecordedCall> {
    let calls = app.sim.calls().into_iter();
    calls
        .filter(|c| c.path.ends_with("messenger_profile"))
        .collect()
}

async fn set_read_back_and_remove(app: TestApp) {
    let (status, body) = put(&app, starters()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, starters(), "the answer is what Instagram holds");
    // Meta holds them, for Instagram's platform, in the default locale.
    let held = app.sim.messenger_profile(IG_ID);
    let breakers = &held["ice_breakers"][0];
    assert_eq!(breakers["locale"], "default");
    assert_eq!(breakers["call_to_actions"][1]["payload"], "SHIPPING");
    let menu = &held["persistent_menu"][0]["call_to_actions"];
    assert_eq!(menu[1]["url"], "https://shop.example/");
    let calls = profile_calls(&app);
    assert!(calls
        .iter()
        .all(|c| c.query.get("platform").map(String::as_str) == Some("instagram")));
    assert!(
        calls.iter().any(|c| c.method == "GET"),
        "read back after setting: {calls:?}"
    );
    assert!(
        calls.iter().all(|c| c.token_in == Some(TokenPlace::Header)),
        "the token travels in the Authorization header, never in a URL"
    );

    let path = format!(
        "/api/v1/accounts/{}/conversation-starters",
        account_id(&app).await
    );
    let (status, body) = app.get(&path).await;
    assert_eq!((status, body), (200, starters()));

    // A list left empty is removed at Instagram, the other kept.
    let only_breakers = json!({"ice_breakers": starters()["ice_breakers"]});
    let (status, body) = put(&app, only_breakers).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["persistent_menu"], json!([]));
    assert!(app
        .sim
        .messenger_profile(IG_ID)
        .get("persistent_menu")
        .is_none());

    let (status, _) = app.send_as(&app.token, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    assert_eq!(app.sim.messenger_profile(IG_ID), json!({}));
    let (status, body) = app.get(&path).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"ice_breakers": [], "persistent_menu": []}));
}

#[tokio::test]
async fn starters_are_set_at_instagram_read_back_and_removed_on_sqlite() {
    set_read_back_and_remove(start_sqlite().await).await;
}

#[tokio::test]
async fn starters_are_set_at_instagram_read_back_and_removed_on_postgres() {
    set_read_back_and_remove(start_postgres().await).await;
}

#[tokio::test]
async fn instagrams_limits_are_refused_before_meta_is_asked_naming_the_field() {
    let app = start_sqlite().await;
    let five: Vec<Value> = (0..5)
        .map(|i| json!({"question": format!("Question {i}?"), "payload": format!("Q{i}")}))
        .collect();
    let (status, body) = put(&app, json!({"ice_breakers": five})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "too_many_ice_breakers");
    assert_eq!(body["field"], "ice_breakers");

    let mut long = starters();
    long["ice_breakers"][1]["question"] = json!("x".repeat(81));
    let (status, body) = put(&app, long).await;
    assert_eq!((status, &body["code"]), (422, &json!("too_long")), "{body}");
    assert_eq!(body["field"], "ice_breakers[1].question");

    let mut blank = starters();
    blank["ice_breakers"][0]["payload"] = json!("  ");
    let (status, body) = put(&app, blank).await;
    assert_eq!(
        (status, &body["field"]),
        (422, &json!("ice_breakers[0].payload"))
    );

    let mut http = starters();
    http["persistent_menu"][1]["url"] = json!("http://shop.example/");
    let (status, body) = put(&app, http).await;
    assert_eq!(
        (status, &body["code"]),
        (422, &json!("invalid_url")),
        "{body}"
    );
    assert_eq!(body["field"], "persistent_menu[1].url");

    let items: Vec<Value> = (0..21)
        .map(|i| json!({"type": "postback", "title": format!("Item {i}"), "payload": "P"}))
        .collect();
    let (status, body) = put(&app, json!({"persistent_menu": items})).await;
    assert_eq!((status, &body["field"]), (422, &json!("persistent_menu")));

    let mut nested = starters();
    nested["persistent_menu"][0] = json!({"type": "nested", "title": "More"});
    assert_eq!(
        put(&app, nested).await.0,
        400,
        "not a menu item igdesk knows"
    );

    assert!(profile_calls(&app).is_empty(), "Meta was never asked");

    let agent = agent_token(&app.running, "agent@example.com", false, &[]).await;
    let path = format!(
        "/api/v1/accounts/{}/conversation-starters",
        account_id(&app).await
    );
    let (status, _) = app.get_as(&agent, &path).await;
    assert_eq!(status, 403, "administrators only");
    let (status, _) = app.get("/api/v1/accounts/999/conversation-starters").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn metas_refusals_are_said_in_its_words() {
    let app = start_sqlite().await;
    app.sim.refuse_messenger_profile(
        100,
        "(#100) Ice breakers are not available for this account",
    );
    let (status, body) = put(&app, starters()).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "refused_by_instagram");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("Ice breakers are not available for this account"),
        "{message}"
    );
    assert_eq!(
        app.sim.messenger_profile(IG_ID),
        json!({}),
        "nothing was set"
    );

    app.sim.set_fault(Some(Fault::Unavailable));
    let (status, body) = put(&app, starters()).await;
    assert_eq!(
        (status, &body["code"]),
        (503, &json!("instagram_unavailable"))
    );

    app.sim.set_fault(Some(Fault::InvalidToken));
    let (status, body) = put(&app, starters()).await;
    assert_eq!(
        (status, &body["code"]),
        (409, &json!("needs_reconnect")),
        "{body}"
    );
    let (_, accounts) = app.get("/api/v1/accounts").await;
    assert_eq!(accounts["data"][0]["needs_reconnect"], true, "{accounts}");
}

async fn a_tap_arrives_as_a_postback(app: TestApp) {
    assert_eq!(put(&app, starters()).await.0, 200);
    let scenario = Scenario::from_toml(&format!(
        "business = \"{IG_ID}\"\n\
         [[step]]\nfrom = \"555\"\nkind = \"ice_breaker\"\ntitle = \"Do you ship abroad?\"\n\
         [[step]]\nfrom = \"555\"\nkind = \"menu\"\ntitle = \"Talk to a person\"\n"
    ))
    .unwrap();
    let outcomes = igdesk_igs::run_scenario(&app.sim, &scenario).await.unwrap();
    assert!(
        outcomes.iter().all(|o| o.status == Some(200)),
        "{outcomes:?}"
    );
    app.settle().await;
    let items = app.timeline("555").await;
    let tapped = |payload: &str| {
        items
            .iter()
            .find(|i| i["context"]["postback"]["payload"] == payload)
            .unwrap_or_else(|| panic!("no postback {payload} in {items:#?}"))
            .clone()
    };
    let breaker = tapped("SHIPPING");
    assert_eq!(breaker["summary"], "Do you ship abroad?");
    assert_eq!(
        breaker["context"]["postback"]["title"],
        "Do you ship abroad?"
    );
    assert_eq!(breaker["direction"], "in");
    assert_eq!(tapped("HUMAN")["summary"], "Talk to a person");
}

#[tokio::test]
async fn a_tap_on_a_starter_arrives_as_a_postback_with_its_payload_on_sqlite() {
    a_tap_arrives_as_a_postback(start_sqlite().await).await;
}

#[tokio::test]
async fn a_tap_on_a_starter_arrives_as_a_postback_with_its_payload_on_postgres() {
    a_tap_arrives_as_a_postback(start_postgres().await).await;
}
