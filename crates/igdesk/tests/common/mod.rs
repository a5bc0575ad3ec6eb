//! The whole-app test harness: igdesk serving over real HTTP on a fresh database,
//! with the Instagram simulator (also over real HTTP) playing Meta.

#![allow(dead_code)]

pub mod accounts;
pub mod api;
pub mod live;
pub mod process;

use igdesk::accounts::{connect, Connection};
use igdesk::config::{RawSettings, Settings};
use igdesk::people::{add_agent_with_token, NewPerson};
use igdesk::server::Running;
use igdesk_domain::ConversationSettings;
use igdesk_igs::{BusinessAccount, CustomerProfile, Delivery, Event, SimConfig, Simulator};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

pub const IG_ID: &str = "17841400000000001";
pub const APP_SECRET: &str = "test-app-secret";
pub const INSTAGRAM_APP_SECRET: &str = "test-instagram-app-secret";
pub const VERIFY_TOKEN: &str = "test-verify-token";
pub const PAGE_TOKEN: &str = "EAAB-test-page-token";
pub const SECRET_KEY: &str = "test-secret-key-0123456789abcdef0123";
/// The scraper's bearer token for `/metrics` (off without one).
pub const METRICS_TOKEN: &str = "metrics-test-0123456789abcdef";

pub struct TestApp {
    pub running: Running,
    pub sim: Simulator,
    pub token: String,
    pub http: reqwest::Client,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

pub async fn start_sqlite() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = igdesk_store::testing::sqlite_url(dir.path());
    start(url, Some(dir), ConversationSettings::default()).await
}

pub async fn start_postgres() -> TestApp {
    let url = igdesk_store::testing::fresh_postgres_url().await;
    start(url, None, ConversationSettings::default()).await
}

pub async fn start_sqlite_with(settings: ConversationSettings) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = igdesk_store::testing::sqlite_url(dir.path());
    start(url, Some(dir), settings).await
}

/// The settings igdesk runs with in tests, pointing Graph calls at `igs_url`.
pub fn settings(database_url: String, listen: String, igs_url: &str) -> Settings {
    settings_with(database_url, listen, igs_url, |_| {})
}

pub fn settings_with(
    database_url: String,
    listen: String,
    igs_url: &str,
    tweak: impl FnOnce(&mut RawSettings),
) -> Settings {
    let mut raw = RawSettings {
        listen: Some(listen),
        database_url: Some(database_url),
        meta_app_secret: Some(APP_SECRET.into()),
        meta_instagram_app_secret: Some(INSTAGRAM_APP_SECRET.into()),
        meta_verify_token: Some(VERIFY_TOKEN.into()),
        graph_base_url: Some(format!("{igs_url}/graph.facebook.com")),
        instagram_graph_base_url: Some(format!("{igs_url}/graph.instagram.com")),
        // Meta's login, played by the simulator too.
        meta_app_id: Some(igdesk_igs::IGDESK_APP_ID.into()),
        instagram_app_id: Some(igdesk_igs::IGDESK_INSTAGRAM_APP_ID.into()),
        facebook_www_base_url: Some(format!("{igs_url}/www.facebook.com")),
        instagram_www_base_url: Some(format!("{igs_url}/www.instagram.com")),
        instagram_api_base_url: Some(format!("{igs_url}/api.instagram.com")),
        secret_key: Some(SECRET_KEY.into()),
        // The tests' webhook receivers listen on 127.0.0.1 over http; tests of the
        // refusal turn this off in `tweak`.
        webhook_allow_private: Some("true".into()),
        metrics_token: Some(METRICS_TOKEN.into()),
        ..RawSettings::default()
    };
    tweak(&mut raw);
    Settings::try_from(raw).unwrap()
}

/// A request as `token`, with a JSON body if any: the status and the JSON answer
/// (null when the answer is not JSON).
pub async fn request(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn start_simulator(webhook_url: String) -> (Simulator, String) {
    let sim = Simulator::new(SimConfig {
        app_secret: APP_SECRET.into(),
        webhook_url,
    });
    sim.add_business(BusinessAccount {
        ig_id: IG_ID.into(),
        page_id: "100000000000001".into(),
        username: "shop".into(),
        page_token: PAGE_TOKEN.into(),
        instagram_token: "IGQV-test".into(),
    });
    sim.set_instagram_app(igdesk_igs::IGDESK_INSTAGRAM_APP_ID, INSTAGRAM_APP_SECRET);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let igs_url = format!("http://{}", listener.local_addr().unwrap());
    let serving = sim.clone();
    tokio::spawn(async move { serving.serve(listener).await });
    (sim, igs_url)
}

/// SQLite, with some settings changed (limits, …).
pub async fn start_sqlite_tuned(tweak: impl FnOnce(&mut RawSettings)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = igdesk_store::testing::sqlite_url(dir.path());
    start_tuned(url, Some(dir), ConversationSettings::default(), tweak).await
}

/// PostgreSQL, with some settings changed.
pub async fn start_postgres_tuned(tweak: impl FnOnce(&mut RawSettings)) -> TestApp {
    let url = igdesk_store::testing::fresh_postgres_url().await;
    start_tuned(url, None, ConversationSettings::default(), tweak).await
}

async fn start(
    database_url: String,
    dir: Option<tempfile::TempDir>,
    conv: ConversationSettings,
) -> TestApp {
    start_tuned(database_url, dir, conv, |_| {}).await
}

/// SQLite with the agent's-day clock paused: tests move time on with
/// `app.running.app.advance_clock`.
pub async fn start_paused() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = igdesk_store::testing::sqlite_url(dir.path());
    let conv = ConversationSettings::default();
    start_clocked(url, Some(dir), conv, |_| {}, igdesk::clock::Clock::paused()).await
}

/// PostgreSQL with the agent's-day clock paused.
pub async fn start_postgres_paused() -> TestApp {
    let url = igdesk_store::testing::fresh_postgres_url().await;
    let conv = ConversationSettings::default();
    start_clocked(url, None, conv, |_| {}, igdesk::clock::Clock::paused()).await
}

async fn start_tuned(
    database_url: String,
    dir: Option<tempfile::TempDir>,
    conv: ConversationSettings,
    tweak: impl FnOnce(&mut RawSettings),
) -> TestApp {
    let clock = igdesk::clock::Clock::system();
    start_clocked(database_url, dir, conv, tweak, clock).await
}

async fn start_clocked(
    database_url: String,
    dir: Option<tempfile::TempDir>,
    conv: ConversationSettings,
    tweak: impl FnOnce(&mut RawSettings),
    clock: igdesk::clock::Clock,
) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (sim, igs_url) = start_simulator(format!("http://{addr}/webhooks/instagram")).await;
    let running = igdesk::server::start_with_clock(
        settings_with(database_url, addr.to_string(), &igs_url, tweak),
        Some(listener),
        clock,
    )
    .await
    .unwrap();
    let store = running.app.store.clone();
    connect(
        store.as_ref(),
        &running.app.sealer,
        Connection {
            ig_id: IG_ID.into(),
            page_id: "100000000000001".into(),
            page_name: "Shop".into(),
            username: "shop".into(),
            login_path: "facebook".into(),
            token: SecretString::from(PAGE_TOKEN.to_owned()),
            added_by: "test".into(),
            settings: conv,
        },
    )
    .await
    .unwrap();
    let token = agent_token(&running, "admin@example.com", true, &[]).await;
    TestApp {
        url: running.url(),
        running,
        sim,
        token,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

/// An uploaded file for a reply form.
pub fn image(bytes: Vec<u8>, name: &str, mime: &str) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(mime)
        .unwrap()
}

/// Creates an agent and returns a personal API token for it.
pub async fn agent_token(running: &Running, email: &str, admin: bool, inboxes: &[&str]) -> String {
    let person = NewPerson {
        email: email.into(),
        name: email.into(),
        password: SecretString::from("a test password".to_owned()),
        is_admin: admin,
        inboxes: inboxes.iter().map(|s| s.to_string()).collect(),
    };
    let (_, token) = add_agent_with_token(running.app.store.as_ref(), person, "test")
        .await
        .unwrap();
    token.expose_secret().to_owned()
}

impl TestApp {
    /// Stops igdesk and starts it again on the same database and address, with a
    /// fresh paused clock: what survives is what was stored.
    pub async fn restart(self) -> TestApp {
        let settings = (*self.running.app.settings).clone();
        let addr = self.running.addr;
        self.running.stop().await.unwrap();
        let listener = TcpListener::bind(addr).await.unwrap();
        let running = igdesk::server::start_with_clock(
            settings,
            Some(listener),
            igdesk::clock::Clock::paused(),
        )
        .await
        .unwrap();
        TestApp { running, ..self }
    }

    pub async fn get_as(&self, token: &str, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn send_as(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.url);
        request(&self.http, method, &url, token, body).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send_as(&self.token, reqwest::Method::POST, path, Some(body))
            .await
    }

    /// A console reply to the customer with this IGSID: the queued items.
    pub async fn reply(&self, igsid: &str, body: Value) -> (u16, Value) {
        let id = self.customer(igsid).await["id"]
            .as_i64()
            .expect("customer exists");
        self.post(&format!("/api/v1/customers/{id}/messages"), body)
            .await
    }

    /// A console reply as a multipart form (text and images), as the console sends it.
    pub async fn reply_form(&self, igsid: &str, form: reqwest::multipart::Form) -> (u16, Value) {
        let id = self.customer(igsid).await["id"]
            .as_i64()
            .expect("customer exists");
        let response = self
            .http
            .post(format!("{}/api/v1/customers/{id}/messages", self.url))
            .bearer_auth(&self.token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// The timeline item with this igdesk id, once `check` holds for it.
    pub async fn item_when(
        &self,
        igsid: &str,
        item: i64,
        what: &str,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(found) = self
                .timeline(igsid)
                .await
                .into_iter()
                .find(|i| i["id"] == item)
            {
                if check(&found) {
                    return found;
                }
                assert!(
                    Instant::now() < deadline,
                    "timed out waiting for {what}: {found}"
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// `GET /metrics`, as Prometheus scrapes it.
    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.url))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.get_as(&self.token, path).await
    }

    /// Delivers one event, signed, and expects Meta's 200.
    pub async fn send(&self, event: Event) {
        let status = self
            .sim
            .deliver(&Delivery::new(IG_ID).push(event))
            .await
            .unwrap();
        assert_eq!(status, 200);
    }

    /// The operator reconnects the account with the page token (the simulator's
    /// own), and the send loop hears of it.
    pub async fn reconnect_account(&self) {
        let app = &self.running.app;
        let sealed = app
            .sealer
            .seal_token(IG_ID, &SecretString::from(PAGE_TOKEN.to_owned()));
        app.store.reconnect_account(IG_ID, &sealed).await.unwrap();
        app.wake.sends.notify_waiters();
    }

    /// Waits until every acknowledged delivery is processed.
    pub async fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (_, stats) = self.get("/api/v1/intake/stats").await;
            let pending = stats["deliveries"]["pending"].as_i64().unwrap_or(0);
            if pending == 0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "deliveries still pending: {stats}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn customer(&self, igsid: &str) -> Value {
        let (status, body) = self.get(&format!("/api/v1/customers?igsid={igsid}")).await;
        assert_eq!(status, 200, "{body}");
        body["data"][0].clone()
    }

    pub async fn timeline(&self, igsid: &str) -> Vec<Value> {
        let id = self.customer(igsid).await["id"]
            .as_i64()
            .expect("customer exists");
        let (status, body) = self.get(&format!("/api/v1/customers/{id}/timeline")).await;
        assert_eq!(status, 200, "{body}");
        body["data"].as_array().unwrap().clone()
    }

    pub async fn deliveries(&self) -> Value {
        self.get("/api/v1/intake/stats").await.1["deliveries"].clone()
    }

    pub fn add_customer(&self, profile: CustomerProfile) {
        self.sim.add_customer(IG_ID, profile);
    }

    /// Polls `check` until it holds (background work is asynchronous by design).
    pub async fn eventually<F, Fut>(&self, what: &str, check: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !check().await {
            assert!(Instant::now() < deadline, "timed out waiting for: {what}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}
