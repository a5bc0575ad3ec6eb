//! `GET|POST /webhooks/instagram`: Meta's handshake and deliveries (SPEC IN-1 … IN-3).

use crate::api::error::ApiError;
use crate::app::App;
use crate::now_ms;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use igdesk_meta::webhook::read_at_intake;
use igdesk_meta::{verify_signature, SignatureError};
use igdesk_store::parts::strand_of;
use igdesk_store::NewDelivery;
use secrecy::ExposeSecret;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::Instant;

#[derive(Deserialize)]
pub struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

pub async fn verify(State(app): State<App>, Query(q): Query<Handshake>) -> Response {
    let expected = app.settings.meta_verify_token.expose_secret();
    let token_ok = q
        .verify_token
        .as_deref()
        .is_some_and(|t| crate::crypto::same_secret(t, expected));
    match (q.mode.as_deref(), token_ok, q.challenge) {
        (Some("subscribe"), true, Some(challenge)) => (StatusCode::OK, challenge).into_response(),
        _ => ApiError::forbidden("the verify token does not match, or hub.mode is not subscribe")
            .into_response(),
    }
}

/// Verify, store, answer. Processing happens later, from the stored job.
pub async fn receive(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    let secrets: Vec<&[u8]> = app
        .signing_secrets()
        .into_iter()
        .map(|s| s.expose_secret().as_bytes())
        .collect();
    let signature = headers.get("x-hub-signature-256").map(|v| v.as_bytes());
    if let Err(e) = verify_signature(signature, &body, &secrets) {
        metrics::counter!("igdesk_webhook_deliveries_total", "result" => "bad_signature")
            .increment(1);
        tracing::warn!(error = %e, bytes = body.len(), "webhook refused");
        let status = match e {
            SignatureError::Missing => StatusCode::UNAUTHORIZED,
            SignatureError::Malformed | SignatureError::Mismatch => StatusCode::FORBIDDEN,
        };
        return ApiError::new(status, "bad_signature", e.to_string()).into_response();
    }
    let read = read_at_intake(&body);
    let customer = read.as_ref().ok().and_then(Option::as_ref);
    let delivery = NewDelivery {
        received_at: now_ms(),
        body: body.to_vec(),
        // Hashed here, on the handler's task, so the single writer only compares:
        // Meta's redeliveries (for up to 36 hours) are acknowledged, not stored again.
        body_hash: Some(Sha256::digest(&body).to_vec()),
        // Its customer's strand (and so its part), so it is applied beside other
        // customers' deliveries and in order with its customer's (see
        // `igdesk_store::parts`).
        strand: strand_of(
            customer.map(|(account, customer)| (account.as_str(), customer.as_str())),
        ),
    };
    if let Err(e) = read {
        // Signed by Meta but not a webhook we can read: keep it for inspection.
        metrics::counter!("igdesk_webhook_deliveries_total", "result" => "rejected").increment(1);
        if let Err(store_error) = app
            .store
            .record_rejected_delivery(delivery, &e.to_string())
            .await
        {
            return ApiError::internal(store_error).into_response();
        }
        return ApiError::bad_request("bad_payload", e.to_string()).into_response();
    }
    match app.intake.record(delivery).await {
        Ok(()) => {
            metrics::counter!("igdesk_webhook_deliveries_total", "result" => "accepted")
                .increment(1);
            metrics::histogram!("igdesk_webhook_ack_seconds")
                .record(started.elapsed().as_secs_f64());
            (StatusCode::OK, "EVENT_RECEIVED").into_response()
        }
        // Not stored, so not acknowledged: Meta will deliver it again.
        Err(e) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            e.to_string(),
        )
        .into_response(),
    }
}
