//! ACC-5: an agent of another inbox can neither read nor act on this inbox's
//! customers, conversations, items or offers — every endpoint that takes one of their
//! ids answers 404, exactly as for an id that does not exist.

mod common;

use common::{agent_token, start_sqlite};
use igdesk_igs::Event;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn an_agent_of_another_inbox_gets_404_on_every_endpoint_taking_an_id() {
    let app = start_sqlite().await;
    let ana = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let outsider = agent_token(&app.running, "olly@example.com", false, &["Wholesale"]).await;
    let (status, _) = app
        .send_as(
            &ana,
            Method::PUT,
            "/api/v1/me/availability",
            Some(json!({ "available": true })),
        )
        .await;
    assert_eq!(status, 200);
    app.send(Event::text("555", "hello")).await;
    app.send(Event::comment("556", "ben", "nice", "18100", "FEED"))
        .await;
    app.settle().await;
    let customer = app.customer("555").await["id"].as_i64().unwrap();
    let item = app.timeline("555").await[0]["id"].as_i64().unwrap();
    let comment = app.timeline("556").await[0]["id"].as_i64().unwrap();
    let other_customer = app.customer("556").await["id"].as_i64().unwrap();
    let mut offer = None;
    app.eventually("an offer to Ana", || async {
        let (_, offers) = app.get_as(&ana, "/api/v1/offers").await;
        !offers["data"].as_array().unwrap().is_empty()
    })
    .await;
    let (_, offers) = app.get_as(&ana, "/api/v1/offers").await;
    let conversation = offers["data"][0]["conversation_id"].as_i64().unwrap();
    offer.get_or_insert(offers["data"][0]["id"].as_i64().unwrap());
    let offer = offer.unwrap();

    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/customers/{customer}"), None),
        (
            Method::PATCH,
            format!("/api/v1/customers/{customer}"),
            Some(json!({"notes": "x"})),
        ),
        (
            Method::GET,
            format!("/api/v1/customers/{customer}/timeline"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/customers/{customer}/messages"),
            Some(json!({"text": "hi"})),
        ),
        (
            Method::POST,
            format!("/api/v1/customers/{customer}/merge"),
            Some(json!({"other": other_customer, "confirm": true})),
        ),
        (Method::POST, format!("/api/v1/timeline/{item}/like"), None),
        (
            Method::DELETE,
            format!("/api/v1/timeline/{item}/like"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/timeline/{item}/no-reply-needed"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/timeline/{comment}/reply"),
            Some(json!({"text": "hi"})),
        ),
        (
            Method::POST,
            format!("/api/v1/timeline/{comment}/private-reply"),
            Some(json!({"text": "hi"})),
        ),
        (
            Method::POST,
            format!("/api/v1/timeline/{comment}/hide"),
            None,
        ),
        (Method::DELETE, format!("/api/v1/timeline/{comment}"), None),
        (
            Method::GET,
            format!("/api/v1/conversations/{conversation}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{conversation}/close"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/conversations/{conversation}/topics"),
            Some(json!({"topics": []})),
        ),
        (Method::POST, format!("/api/v1/offers/{offer}/accept"), None),
        (
            Method::POST,
            format!("/api/v1/offers/{offer}/decline"),
            None,
        ),
    ];
    for (method, path, body) in &calls {
        let (status, answer) = app
            .send_as(&outsider, method.clone(), path, body.clone())
            .await;
        assert_eq!(status, 404, "{method} {path}: {answer}");
        assert_eq!(answer["code"], "not_found", "{method} {path}");
        // An id that exists nowhere is answered the same way.
        let unknown = path
            .replace(&format!("/{customer}"), "/999999")
            .replace(&format!("/{item}/"), "/999999/")
            .replace(&format!("/{comment}"), "/999999")
            .replace(&format!("/{conversation}/"), "/999999/")
            .replace(&format!("/{offer}/"), "/999999/");
        let unknown = match unknown.strip_suffix(&format!("/conversations/{conversation}")) {
            Some(head) => format!("{head}/conversations/999999"),
            None => unknown,
        };
        let (status, nowhere) = app
            .send_as(&ana, method.clone(), &unknown, body.clone())
            .await;
        assert_eq!(
            (status, &nowhere["message"]),
            (404, &answer["message"]),
            "{method} {unknown}"
        );
    }
    // Lists show nothing of the other inbox.
    for path in [
        "/api/v1/conversations",
        "/api/v1/offers",
        "/api/v1/customers?igsid=555",
    ] {
        let (status, list) = app.get_as(&outsider, path).await;
        assert_eq!(status, 200);
        assert_eq!(list["data"], json!([]), "{path}");
    }
    // And nothing changed: Ana still has her offer, the customer their timeline.
    let (_, offers) = app.get_as(&ana, "/api/v1/offers").await;
    assert_eq!(offers["data"][0]["id"], offer);
    assert_eq!(app.timeline("555").await.len(), 1);
}
