//! Test helpers: a webhook receiver standing in for igdesk, and a served simulator.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;

use crate::{sign_body, BusinessAccount, CustomerProfile, SimConfig, Simulator};

pub const SECRET: &str = "test-app-secret";
pub const BIZ: &str = "17841400000000001";
pub const PAGE_TOKEN: &str = "EAAG-page";
pub const IG_TOKEN: &str = "IGAA-instagram";

#[derive(Clone, Default)]
pub struct Received(pub Arc<Mutex<Vec<serde_json::Value>>>);

impl Received {
    pub fn bodies(&self) -> Vec<serde_json::Value> {
        self.0.lock().unwrap().clone()
    }
}

/// A webhook receiver on port 0 that checks signatures like igdesk must:
/// 403 without a valid one, 200 and the body kept otherwise.
pub async fn spawn_receiver() -> (String, Received) {
    async fn receive(
        State(received): State<Received>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let signature = headers
            .get("x-hub-signature-256")
            .and_then(|v| v.to_str().ok());
        if signature != Some(sign_body(SECRET, &body).as_str()) {
            return StatusCode::FORBIDDEN;
        }
        let json = serde_json::from_slice(&body).expect("signed bodies are JSON");
        received.0.lock().unwrap().push(json);
        StatusCode::OK
    }
    let received = Received::default();
    let app = Router::new()
        .route("/webhooks/instagram", post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/webhooks/instagram",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

/// A simulator with one business and customers 1000001 (named) and 1000002
/// (no name), served on port 0, delivering to a fresh receiver.
pub async fn spawn_sim() -> (Simulator, String, Received) {
    let (webhook_url, received) = spawn_receiver().await;
    let sim = Simulator::new(SimConfig {
        app_secret: SECRET.into(),
        webhook_url,
    });
    sim.add_business(BusinessAccount {
        ig_id: BIZ.into(),
        page_id: "100000000000001".into(),
        username: "the.shop".into(),
        page_token: PAGE_TOKEN.into(),
        instagram_token: IG_TOKEN.into(),
    });
    let mut ana = CustomerProfile::new("1000001", "ana.souza");
    ana.name = Some("Ana Souza".into());
    ana.follower_count = 1204;
    ana.is_user_follow_business = true;
    sim.add_customer(BIZ, ana);
    sim.add_customer(BIZ, CustomerProfile::new("1000002", "quiet.fox"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let served = sim.clone();
    tokio::spawn(async move { served.serve(listener).await });
    (sim, base, received)
}
