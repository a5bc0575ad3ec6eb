//! Health, readiness and metrics.

use crate::api::error::ApiError;
use crate::app::App;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the store answers.
pub async fn readyz(State(app): State<App>) -> Response {
    match app.store.pending_job_count().await {
        Ok(_) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable").into_response()
        }
    }
}

/// The process's own counters, then the igdesk-wide figures read from the store
/// (`work_metrics`). When the store cannot answer, the process's counters still go,
/// and `igdesk_work_metrics_up` says the rest is missing.
///
/// Only with `metrics_token` set, and only for a caller bearing it: without the
/// setting `/metrics` is off (404), so a fresh install does not publish its queue
/// depths and counts to whoever can reach the port.
pub async fn metrics(State(app): State<App>, headers: HeaderMap) -> Response {
    let Some(expected) = app.settings.metrics_token.as_ref() else {
        return ApiError::not_found("route").into_response();
    };
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !crate::crypto::same_secret(offered.trim(), expected.expose_secret()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "metrics need Authorization: Bearer <IGDESK_METRICS_TOKEN>\n",
        )
            .into_response();
    }
    let mut body = crate::telemetry::prometheus().render();
    let up = match crate::work_metrics::render(&app).await {
        Ok(work) => {
            body.push_str(&work);
            1
        }
        Err(e) => {
            tracing::warn!(error = %e, "work metrics unavailable");
            0
        }
    };
    body.push_str(&format!(
        "# HELP igdesk_work_metrics_up 1 when the igdesk-wide figures were read from the store.\n\
         # TYPE igdesk_work_metrics_up gauge\nigdesk_work_metrics_up {up}\n"
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
