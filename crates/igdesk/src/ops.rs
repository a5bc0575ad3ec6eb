//! Health, readiness and metrics.

use crate::app::App;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

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
pub async fn metrics(State(app): State<App>) -> Response {
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
