//! The Graph API side over real HTTP, against `serve` on port 0, with deliveries
//! going to a signature-checking receiver (so windows, comments and echoes are
//! tracked exactly as in igdesk's tests).

mod actions;
mod cdn;
mod comments;
mod conversation_paging;
mod conversations;
mod limits;
mod login;
mod messenger_profile;
mod profile;
mod routing;
mod send;
mod subscriptions;
mod window;

use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use serde_json::{json, Value};

use crate::testutil::{Received, BIZ, PAGE_TOKEN};
use crate::{Delivery, Event, Simulator};

pub(super) const FB: &str = "graph.facebook.com";
pub(super) const IG: &str = "graph.instagram.com";
pub(super) const PAGE_ID: &str = "100000000000001";
/// Ana, a registered customer of [`BIZ`].
pub(super) const ANA: &str = "1000001";
pub(super) const HOUR_MS: i64 = 3_600_000;

pub(super) async fn get(url: &str) -> (u16, Value) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

pub(super) fn assert_meta_error(body: &Value, code: i64, subcode: Option<i64>) {
    let error = &body["error"];
    assert_eq!(error["code"], code, "{body}");
    assert_eq!(
        error.get("error_subcode").and_then(Value::as_i64),
        subcode,
        "{body}"
    );
    assert!(
        error["message"].is_string() && error["type"].is_string(),
        "{body}"
    );
    assert!(
        error["fbtrace_id"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
}

/// One Graph answer.
#[derive(Debug)]
pub(super) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn assert_error(&self, status: u16, code: i64, subcode: Option<i64>) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_meta_error(&self.body, code, subcode);
    }

    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }

    /// The `X-Business-Use-Case-Usage` header, parsed.
    pub fn usage(&self) -> Option<Value> {
        let value = self.headers.get("x-business-use-case-usage")?;
        Some(serde_json::from_str(value.to_str().unwrap()).unwrap())
    }
}

/// A Graph API client for the simulator under test.
pub(super) struct Graph {
    pub base: String,
    client: reqwest::Client,
}

impl Graph {
    pub fn new(base: &str) -> Self {
        Graph {
            base: base.to_owned(),
            client: reqwest::Client::new(),
        }
    }

    /// `POST /graph.facebook.com/v21.0/{page}/messages` with the Page token.
    pub async fn send(&self, body: Value) -> Answer {
        let path = format!("{FB}/v21.0/{PAGE_ID}/messages?access_token={PAGE_TOKEN}");
        self.call("POST", &path, Some(body.to_string())).await
    }

    /// A call to `{base}/{path}`; `path` starts with the host.
    pub async fn call(&self, method: &str, path: &str, body: Option<String>) -> Answer {
        let url = format!("{}/{path}", self.base);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.client.request(method, url);
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer {
            status,
            headers,
            body,
        }
    }
}

/// A text message to `igsid`.
pub(super) fn text_to(igsid: &str, text: &str) -> Value {
    json!({"recipient": {"id": igsid}, "messaging_type": "RESPONSE", "message": {"text": text}})
}

/// Deliver one event for [`BIZ`]; the receiver must accept it.
pub(super) async fn deliver(sim: &Simulator, event: Event) {
    let status = sim.deliver(&Delivery::new(BIZ).push(event)).await.unwrap();
    assert_eq!(status, 200);
}

/// The first delivered messaging item matching `pred`, waiting up to 3 s.
pub(super) async fn wait_for_item(received: &Received, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let found = received.bodies().into_iter().find_map(|body| {
            let items = body["entry"][0]["messaging"].as_array().cloned()?;
            items.into_iter().find(|item| pred(item))
        });
        if let Some(item) = found {
            return item;
        }
        assert!(Instant::now() < deadline, "no such delivery within 3 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A static file server on port 0: `(path, content type, body)` triples; the base URL.
pub(super) async fn serve_files(files: Vec<(&'static str, &'static str, Vec<u8>)>) -> String {
    use axum::http::header::CONTENT_TYPE;
    use axum::routing::get;

    let mut app = axum::Router::new();
    for (path, content_type, body) in files {
        app = app.route(
            path,
            get(move || {
                let body = body.clone();
                async move { ([(CONTENT_TYPE, content_type)], body) }
            }),
        );
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}
