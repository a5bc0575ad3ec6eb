//! A minimal webhook receiver: checks `X-Hub-Signature-256` and answers 200
//! (or 403), nothing else. It measures the load generator's own ceiling on a
//! machine, the number to compare a real server's result with.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Router;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Deliveries accepted and rejected by a [`router`].
#[derive(Debug, Default)]
pub struct SinkCounts {
    pub accepted: AtomicU64,
    pub rejected: AtomicU64,
}

struct Sink {
    key: Hmac<Sha256>,
    counts: Arc<SinkCounts>,
}

/// A router answering every POST: 200 when signed with `app_secret`, else 403.
pub fn router(app_secret: &str, counts: Arc<SinkCounts>) -> Router {
    let key = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes())
        .expect("HMAC takes keys of any length");
    Router::new()
        .fallback(receive)
        .with_state(Arc::new(Sink { key, counts }))
}

async fn receive(State(sink): State<Arc<Sink>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("sha256="))
        .and_then(|hex_digest| hex::decode(hex_digest).ok());
    let mut mac = sink.key.clone();
    mac.update(&body);
    // verify_slice compares in constant time, as a real receiver must.
    if signature.is_some_and(|digest| mac.verify_slice(&digest).is_ok()) {
        sink.counts.accepted.fetch_add(1, Ordering::Relaxed);
        StatusCode::OK
    } else {
        sink.counts.rejected.fetch_add(1, Ordering::Relaxed);
        StatusCode::FORBIDDEN
    }
}
