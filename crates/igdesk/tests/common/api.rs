//! The Business Messaging API side of tests: a product token, the account's API
//! settings, and a local receiver for the webhooks igdesk sends (which also serves an
//! image, since Meta fetches the images it is asked to send).

use super::{TestApp, IG_ID};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

/// A tiny PNG (the simulator checks the type, not the pixels).
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n0000 a tiny png for the test";

/// One webhook as the receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub id: String,
    pub timestamp: i64,
    pub signature: String,
    pub body: Value,
    pub raw: Vec<u8>,
}

#[derive(Clone, Default)]
pub struct Receiver {
    pub got: Arc<Mutex<Vec<Received>>>,
    /// Answer 500 to this many requests before answering 200.
    pub fail_next: Arc<AtomicU32>,
    pub url: String,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let receiver = Receiver {
            url,
            ..Receiver::default()
        };
        let router = Router::new()
            .route(
                "/image.png",
                get(|| async { ([("content-type", "image/png")], PNG) }),
            )
            .route("/inbound", post(receive))
            .route("/status", post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        receiver
    }

    pub fn image_url(&self) -> String {
        format!("{}/image.png", self.url)
    }

    /// Everything acknowledged (200) so far on `path`, in arrival order.
    pub fn on(&self, path: &str) -> Vec<Received> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

async fn receive(
    State(receiver): State<Receiver>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let failing = receiver
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    receiver.got.lock().unwrap().push(Received {
        path: uri.path().to_owned(),
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp").parse().unwrap_or(0),
        signature: header("webhook-signature"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        raw: body.to_vec(),
    });
    StatusCode::OK
}

/// A product token for the test account, as `igdesk token create` makes one.
pub async fn product_token(app: &TestApp) -> String {
    use secrecy::ExposeSecret;
    let (_, token) = igdesk::product_tokens::issue(app.running.app.store.as_ref(), IG_ID, "test")
        .await
        .unwrap()
        .expect("the test account exists");
    token.expose_secret().to_owned()
}

/// Turns the API on for the test account; returns the signing secret.
pub async fn enable_api(app: &TestApp, receiver: &Receiver, handover: &str) -> String {
    let account = account_id(app).await;
    let (status, body) = app
        .send_as(
            &app.token,
            reqwest::Method::PUT,
            &format!("/api/v1/accounts/{account}/api"),
            Some(json!({
                "inbound_url": format!("{}/inbound", receiver.url),
                "status_url": format!("{}/status", receiver.url),
                "handover": handover,
            })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["signing_secret"].as_str().unwrap().to_owned()
}

pub async fn account_id(app: &TestApp) -> i64 {
    let (_, accounts) = app.get("/api/v1/accounts").await;
    accounts["data"][0]["id"].as_i64().unwrap()
}

/// `POST /v1.0/message` with the token in the header.
pub async fn send_cm(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let response = app
        .http
        .post(format!("{}/v1.0/message", app.url))
        .header("X-CM-PRODUCTTOKEN", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// CM.com's envelope around `msgs`.
pub fn envelope(msgs: Value) -> Value {
    json!({ "messages": { "msg": msgs } })
}
