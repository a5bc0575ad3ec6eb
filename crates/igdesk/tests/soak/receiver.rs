//! The API user's webhook endpoint: records every webhook it acknowledges with its
//! `webhook-id`, and refuses some at random (500) so that igdesk has to retry.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::post;
use axum::Router;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

/// One acknowledged webhook.
#[derive(Debug, Clone)]
pub struct Got {
    pub path: String,
    pub id: String,
    pub body: Value,
}

#[derive(Default)]
struct Record {
    got: Vec<Got>,
    refused: u64,
}

#[derive(Clone)]
pub struct Receiver {
    record: Arc<Mutex<Record>>,
    rng: Arc<Mutex<StdRng>>,
    /// One webhook in this many is refused.
    refuse_one_in: u32,
    pub url: String,
}

impl Receiver {
    pub async fn start(seed: u64, refuse_one_in: u32) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Receiver {
            record: Arc::default(),
            rng: Arc::new(Mutex::new(StdRng::seed_from_u64(seed))),
            refuse_one_in,
            url: format!("http://{}", listener.local_addr().unwrap()),
        };
        let router = Router::new()
            .route("/inbound", post(receive))
            .route("/status", post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        receiver
    }

    /// Everything acknowledged so far, in arrival order (repeats included).
    pub fn got(&self) -> Vec<Got> {
        self.record.lock().unwrap().got.clone()
    }

    pub fn refused(&self) -> u64 {
        self.record.lock().unwrap().refused
    }
}

async fn receive(
    State(receiver): State<Receiver>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let refuse = receiver
        .rng
        .lock()
        .unwrap()
        .gen_ratio(1, receiver.refuse_one_in);
    let mut record = receiver.record.lock().unwrap();
    if refuse {
        record.refused += 1;
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    record.got.push(Got {
        path: uri.path().to_owned(),
        id,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    StatusCode::OK
}
