//! What administrators configure — inboxes and entry-point exceptions (ACC-2),
//! conversation settings (ACC-3) — and the contact details agents keep (RT-7).

mod common;

use common::*;
use igdesk_igs::Event;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn an_exception_sends_an_entry_points_new_work_to_another_inbox() {
    let app = start_sqlite().await;
    let (status, inbox) = app.post("/api/v1/inboxes", json!({"name": "VIP"})).await;
    assert_eq!(status, 201, "{inbox}");
    let vip = inbox["id"].as_i64().unwrap();
    let (_, accounts) = app.get("/api/v1/accounts").await;
    let account = accounts["data"][0]["id"].as_i64().unwrap();
    let default_inbox = accounts["data"][0]["inbox_id"].as_i64().unwrap();
    let (status, updated) = app
        .send_as(
            &app.token,
            Method::PUT,
            &format!("/api/v1/accounts/{account}/inbox"),
            Some(json!({"inbox_id": vip})),
        )
        .await;
    assert_eq!((status, updated["inbox_id"].as_i64()), (200, Some(vip)));

    app.send(Event::text("555", "hello")).await;
    app.settle().await;
    let (_, conversations) = app.get("/api/v1/conversations").await;
    assert_eq!(conversations["data"][0]["inbox_id"], vip);
    let vip_agent = agent_token(&app.running, "vip@example.com", false, &["VIP"]).await;
    let regular = agent_token(&app.running, "regular@example.com", false, &["Instagram"]).await;
    assert_eq!(
        app.get_as(&vip_agent, "/api/v1/conversations").await.1["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(
        app.get_as(&regular, "/api/v1/conversations").await.1["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Back to the default inbox; refusals name the problem.
    let (status, back) = app
        .send_as(
            &app.token,
            Method::PUT,
            &format!("/api/v1/accounts/{account}/inbox"),
            Some(json!({"inbox_id": null})),
        )
        .await;
    assert_eq!(
        (status, back["inbox_id"].as_i64()),
        (200, Some(default_inbox))
    );
    let (status, body) = app
        .send_as(
            &app.token,
            Method::PUT,
            &format!("/api/v1/accounts/{account}/inbox"),
            Some(json!({"inbox_id": 999})),
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("inbox_id")));
    let (status, _) = app
        .send_as(
            &regular,
            Method::POST,
            "/api/v1/inboxes",
            Some(json!({"name": "Mine"})),
        )
        .await;
    assert_eq!(status, 403, "administrators only");
}

#[tokio::test]
async fn conversation_settings_change_what_opens_conversations() {
    let app = start_sqlite().await;
    let (_, accounts) = app.get("/api/v1/accounts").await;
    let account = accounts["data"][0]["id"].as_i64().unwrap();
    let (status, updated) = app
        .send_as(
            &app.token,
            Method::PUT,
            &format!("/api/v1/accounts/{account}/settings"),
            Some(json!({"story_mentions_create_conversations": true, "comments_create_conversations": false})),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        updated["settings"],
        json!({"echo": true, "story_mentions_create_conversations": true, "comments_create_conversations": false})
    );
    app.send(Event::attachment("555", "story_mention", "https://cdn/s"))
        .await;
    app.send(Event::comment("556", "ben", "hi", "18100", "FEED"))
        .await;
    app.settle().await;
    let (_, conversations) = app.get("/api/v1/conversations").await;
    let conversations = conversations["data"].as_array().unwrap().clone();
    assert_eq!(
        conversations.len(),
        1,
        "the mention opened one; the comment did not"
    );
    assert_eq!(conversations[0]["customer_name"], "555");
}

#[tokio::test]
async fn agents_keep_contact_details_but_not_instagrams_facts() {
    let app = start_sqlite().await;
    app.send(Event::text("555", "hello")).await;
    app.settle().await;
    let id = app.customer("555").await["id"].as_i64().unwrap();
    let path = format!("/api/v1/customers/{id}");
    let (status, customer) = app
        .send_as(
            &app.token,
            Method::PATCH,
            &path,
            Some(json!({"phone": "+49 30 1234", "email": "ana@example.com", "notes": "prefers M"})),
        )
        .await;
    assert_eq!(status, 200, "{customer}");
    assert_eq!(
        (customer["phone"].as_str(), customer["notes"].as_str()),
        (Some("+49 30 1234"), Some("prefers M"))
    );
    let (status, body) = app
        .send_as(
            &app.token,
            Method::PATCH,
            &path,
            Some(json!({"username": "someone.else"})),
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (400, Some("read_only")));
    let (status, body) = app
        .send_as(
            &app.token,
            Method::PATCH,
            &path,
            Some(json!({"email": "not-an-email"})),
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("email")));
    let (status, cleared) = app
        .send_as(&app.token, Method::PATCH, &path, Some(json!({"phone": ""})))
        .await;
    assert_eq!(
        (status, cleared["phone"].clone(), cleared["email"].as_str()),
        (200, serde_json::Value::Null, Some("ana@example.com"))
    );
    let outsider = agent_token(&app.running, "out@example.com", false, &["Elsewhere"]).await;
    let (status, _) = app
        .send_as(&outsider, Method::PATCH, &path, Some(json!({"notes": "x"})))
        .await;
    assert_eq!(status, 404);
}
