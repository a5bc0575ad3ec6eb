//! The HTTP surface: Meta's webhooks, the read API, operations endpoints.

pub mod auth;
pub mod error;
mod ops;
mod read_api;
pub mod views;
mod webhook;

use crate::app::App;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use tower_http::trace::TraceLayer;

/// Meta batches up to 1,000 updates in one POST.
const WEBHOOK_BODY_LIMIT: usize = 8 * 1024 * 1024;

pub fn router(app: App) -> Router {
    let api = Router::new()
        .route("/customers", get(read_api::find_customers))
        .route("/customers/{id}", get(read_api::get_customer))
        .route("/customers/{id}/timeline", get(read_api::get_timeline))
        .route("/conversations", get(read_api::list_conversations))
        .route("/accounts", get(read_api::list_accounts))
        .route("/intake/stats", get(read_api::intake_stats))
        .route("/intake/notes", get(read_api::intake_notes));
    Router::new()
        .route(
            "/webhooks/instagram",
            get(webhook::verify)
                .post(webhook::receive)
                .layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT)),
        )
        .nest("/api/v1", api)
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/", get(ops::landing))
        .fallback(|| async { error::ApiError::not_found("route") })
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}
