//! Every face of igdesk on one listener: Meta's webhooks, the JSON API (igdesk's own
//! and CM.com's), the console's pages, and the operations endpoints.

use crate::api::{self, answers, cm_api, error::ApiError, openapi};
use crate::app::App;
use crate::{ops, web, webhooks};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tower_http::trace::TraceLayer;

/// A batch of CM.com messages (hundreds of rich messages).
const CM_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// Meta batches up to 1,000 updates in one POST.
const WEBHOOK_BODY_LIMIT: usize = 8 * 1024 * 1024;

pub fn router(app: App) -> Router {
    let (api, _) = api::api().split_for_parts();
    Router::new()
        .route(
            "/webhooks/instagram",
            get(webhooks::instagram::verify)
                .post(webhooks::instagram::receive)
                .layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT)),
        )
        .route(
            "/v1.0/message",
            post(cm_api::send).layer(DefaultBodyLimit::max(CM_BODY_LIMIT)),
        )
        .nest(openapi::PREFIX, api)
        .route("/media/{id}", get(answers::media))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(web::router())
        .fallback(|| async { ApiError::not_found("route") })
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}
