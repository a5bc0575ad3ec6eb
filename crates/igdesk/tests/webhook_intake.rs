//! Meta's side of intake over real HTTP: the handshake, signatures, bad payloads,
//! redelivery and unknown accounts (SPEC IN-1 … IN-3, ACC-4).

mod common;

use common::*;
use igdesk_igs::{sign_body, Delivery, Event};

#[tokio::test]
async fn the_handshake_answers_the_challenge_only_to_the_right_token() {
    let app = start_sqlite().await;
    let url = |mode: &str, token: &str| {
        format!("{}/webhooks/instagram?hub.mode={mode}&hub.verify_token={token}&hub.challenge=1158201444", app.url)
    };
    let ok = app
        .http
        .get(url("subscribe", VERIFY_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    for (mode, token) in [("subscribe", "wrong"), ("unsubscribe", VERIFY_TOKEN)] {
        let refused = app.http.get(url(mode, token)).send().await.unwrap();
        assert_eq!(refused.status(), 403);
    }
    let bare = app
        .http
        .get(format!("{}/webhooks/instagram", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 403);
}

#[tokio::test]
async fn unsigned_or_wrongly_signed_posts_are_refused_and_not_stored() {
    let app = start_sqlite().await;
    let body = Delivery::new(IG_ID)
        .push(Event::text("555", "hi"))
        .to_bytes();
    let (status, answer) = app.sim.deliver_raw(body.clone(), None).await.unwrap();
    assert_eq!(status, 401, "{answer}");
    assert!(answer.contains("bad_signature"), "{answer}");
    let forged = sign_body("not-the-secret", &body);
    let (status, _) = app
        .sim
        .deliver_raw(body.clone(), Some(forged))
        .await
        .unwrap();
    assert_eq!(status, 403);
    let (status, _) = app
        .sim
        .deliver_raw(body.clone(), Some("sha256=zz".into()))
        .await
        .unwrap();
    assert_eq!(status, 403);
    let tampered = sign_body(APP_SECRET, b"{\"object\":\"instagram\",\"entry\":[]}");
    let (status, _) = app.sim.deliver_raw(body, Some(tampered)).await.unwrap();
    assert_eq!(status, 403);
    assert_eq!(
        app.deliveries().await,
        serde_json::json!({}),
        "nothing stored"
    );
}

#[tokio::test]
async fn the_instagram_app_secret_is_accepted_too() {
    let app = start_sqlite().await;
    let body = Delivery::new(IG_ID)
        .push(Event::text("555", "via IG login"))
        .to_bytes();
    let signature = sign_body(INSTAGRAM_APP_SECRET, &body);
    let (status, _) = app.sim.deliver_raw(body, Some(signature)).await.unwrap();
    assert_eq!(status, 200);
    app.settle().await;
    assert_eq!(app.timeline("555").await[0]["text"], "via IG login");
}

#[tokio::test]
async fn signed_bodies_that_are_not_meta_webhooks_get_400_and_are_kept() {
    let app = start_sqlite().await;
    for body in [
        &b"not json at all"[..],
        br#"{"object":"instagram"}"#,
        br#"[1,2,3]"#,
    ] {
        let signature = sign_body(APP_SECRET, body);
        let (status, answer) = app
            .sim
            .deliver_raw(body.to_vec(), Some(signature))
            .await
            .unwrap();
        assert_eq!(status, 400, "{answer}");
        let json: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(json["code"], "bad_payload");
        assert!(json["message"].as_str().unwrap().len() > 10);
    }
    assert_eq!(app.deliveries().await["rejected"], 3);
    assert!(app.deliveries().await.get("pending").is_none());
}

#[tokio::test]
async fn redelivered_and_batched_messages_are_stored_once() {
    let app = start_sqlite().await;
    let event = Event::text("555", "only once");
    let delivery = Delivery::new(IG_ID).push(event.clone()).push(event.clone());
    assert_eq!(app.sim.deliver(&delivery).await.unwrap(), 200);
    assert_eq!(app.sim.deliver(&delivery).await.unwrap(), 200);
    app.send(event).await;
    app.settle().await;
    // The byte-identical redelivery is acknowledged and not stored again; the third
    // body (the same event alone) is stored, and its event applied once.
    assert_eq!(app.deliveries().await["processed"], 2);
    let items = app.timeline("555").await;
    assert_eq!(items.len(), 1);
    let (_, conversations) = app.get("/api/v1/conversations").await;
    assert_eq!(conversations["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_malformed_event_does_not_lose_the_rest_of_its_batch() {
    let app = start_sqlite().await;
    let body = serde_json::json!({"object":"instagram","entry":[{"id":IG_ID,"time":1730000000000_i64,"messaging":[
        {"message":{"text":"no sender, no mid"}},
        Delivery::new(IG_ID).push(Event::text("555", "survivor")).to_json()["entry"][0]["messaging"][0]
    ]}]});
    let bytes = serde_json::to_vec(&body).unwrap();
    let (status, _) = app
        .sim
        .deliver_raw(bytes.clone(), Some(sign_body(APP_SECRET, &bytes)))
        .await
        .unwrap();
    assert_eq!(status, 200);
    app.settle().await;
    assert_eq!(app.timeline("555").await[0]["text"], "survivor");
    let (_, notes) = app.get("/api/v1/intake/notes").await;
    assert_eq!(notes["data"][0]["kind"], "malformed_event");
}

#[tokio::test]
async fn deliveries_for_unknown_accounts_are_acknowledged_recorded_not_processed() {
    let app = start_sqlite().await;
    let status = app
        .sim
        .deliver(&Delivery::new("17841499999999999").push(Event::text("777", "who are you")))
        .await
        .unwrap();
    assert_eq!(status, 200);
    app.settle().await;
    let (status, found) = app.get("/api/v1/customers?igsid=777").await;
    assert_eq!(status, 200);
    assert_eq!(found["data"].as_array().unwrap().len(), 0);
    let (_, notes) = app.get("/api/v1/intake/notes").await;
    assert_eq!(notes["data"][0]["kind"], "unknown_account");
    assert!(notes["data"][0]["raw"]
        .as_str()
        .unwrap()
        .contains("who are you"));
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("igdesk_events_noted_total{kind=\"unknown_account\"}"),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_read_api_wants_a_valid_token() {
    let app = start_sqlite().await;
    for token in ["", "igd_wrong"] {
        let (status, body) = app.get_as(token, "/api/v1/conversations").await;
        assert_eq!(status, 401);
        assert_eq!(body["code"], "unauthorized");
    }
    let (status, body) = app.get("/api/v1/customers").await;
    assert_eq!((status, body["field"].as_str()), (400, Some("igsid")));
    let (status, _) = app.get("/api/v1/customers/abc").await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/api/v1/customers/99999/timeline").await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/api/v1/conversations?state=sideways").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn agents_see_only_the_inboxes_they_belong_to() {
    let app = start_sqlite().await;
    app.send(Event::text("555", "hello")).await;
    app.settle().await;
    let outsider = agent_token(&app.running, "out@example.com", false, &["Wholesale"]).await;
    let insider = agent_token(&app.running, "in@example.com", false, &["Instagram"]).await;
    let id = app.customer("555").await["id"].as_i64().unwrap();
    for path in [
        format!("/api/v1/customers/{id}"),
        format!("/api/v1/customers/{id}/timeline"),
    ] {
        assert_eq!(app.get_as(&outsider, &path).await.0, 404, "{path}");
        assert_eq!(app.get_as(&insider, &path).await.0, 200, "{path}");
    }
    let (_, list) = app.get_as(&outsider, "/api/v1/customers?igsid=555").await;
    assert!(list["data"].as_array().unwrap().is_empty());
    let (_, list) = app.get_as(&outsider, "/api/v1/conversations").await;
    assert!(list["data"].as_array().unwrap().is_empty());
    assert_eq!(app.get_as(&outsider, "/api/v1/intake/stats").await.0, 403);
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = start_sqlite().await;
    for (path, expect) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let r = app
            .http
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), expect);
    }
    app.send(Event::text("555", "count me")).await;
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("igdesk_webhook_deliveries_total"),
        "{metrics}"
    );
}

#[tokio::test]
async fn connected_accounts_are_listed_for_admins_without_their_tokens() {
    let app = start_sqlite().await;
    let (status, accounts) = app.get("/api/v1/accounts").await;
    assert_eq!(status, 200);
    let account = &accounts["data"][0];
    assert_eq!(
        (
            account["ig_id"].as_str(),
            account["page_name"].as_str(),
            account["username"].as_str()
        ),
        (Some(IG_ID), Some("Shop"), Some("shop"))
    );
    assert_eq!(
        (account["page_id"].as_str(), account["added_by"].as_str()),
        (Some("100000000000001"), Some("test"))
    );
    assert!(account["added_at"].is_i64());
    assert_eq!(account["settings"]["echo"], true);
    assert!(
        !accounts.to_string().contains(PAGE_TOKEN),
        "the token is never returned"
    );
    assert!(!accounts.to_string().contains("token_sealed"));
    let agent = agent_token(&app.running, "agent@example.com", false, &["Instagram"]).await;
    assert_eq!(app.get_as(&agent, "/api/v1/accounts").await.0, 403);
}
