//! The HTTP surface: Meta's webhooks, the read API, operations endpoints.

mod admin;
mod agents;
mod answers;
pub mod auth;
mod body;
pub mod error;
mod events;
mod inbox_settings;
mod moderation;
mod ops;
mod profiles;
pub(crate) mod read_api;
mod routing;
pub mod session;
mod sessions;
mod tokens;
mod topics;
pub mod views;
mod webhook;

use crate::app::App;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tower_http::trace::TraceLayer;

/// A console reply: text and up to 5 MB of images, with room for the form's framing.
const REPLY_BODY_LIMIT: usize = 6 * 1024 * 1024;
/// Meta batches up to 1,000 updates in one POST.
const WEBHOOK_BODY_LIMIT: usize = 8 * 1024 * 1024;

pub fn router(app: App) -> Router {
    let api = Router::new()
        .route(
            "/session",
            post(session::sign_in)
                .get(session::current)
                .delete(session::sign_out),
        )
        .route("/customers", get(read_api::find_customers))
        .route(
            "/customers/{id}",
            get(read_api::get_customer).patch(admin::update_contact),
        )
        .route(
            "/inboxes",
            get(admin::list_inboxes).post(admin::create_inbox),
        )
        .route(
            "/accounts/{id}/inbox",
            axum::routing::put(admin::set_account_inbox),
        )
        .route(
            "/accounts/{id}/settings",
            axum::routing::put(admin::set_account_settings),
        )
        .route("/customers/{id}/timeline", get(read_api::get_timeline))
        .route("/conversations", get(read_api::list_conversations))
        .route("/accounts", get(read_api::list_accounts))
        .route(
            "/timeline/{item}/like",
            post(moderation::like).delete(moderation::unlike),
        )
        .route("/timeline/{item}/reply", post(moderation::reply))
        .route(
            "/timeline/{item}/private-reply",
            post(moderation::private_reply),
        )
        .route("/timeline/{item}/hide", post(moderation::hide))
        .route(
            "/timeline/{item}",
            axum::routing::delete(moderation::delete),
        )
        .route(
            "/customers/{id}/messages",
            post(answers::send_message).layer(DefaultBodyLimit::max(REPLY_BODY_LIMIT)),
        )
        .route("/me", get(routing::me))
        .route(
            "/me/availability",
            axum::routing::put(routing::set_availability),
        )
        .route("/me/next", post(routing::next))
        .route("/offers", get(routing::list_offers))
        .route("/offers/{id}/accept", post(routing::accept))
        .route("/offers/{id}/decline", post(routing::decline))
        .route("/conversations/{id}/close", post(sessions::close))
        .route(
            "/timeline/{item}/no-reply-needed",
            post(sessions::no_reply_needed),
        )
        .route("/inboxes/{id}/sla", get(sessions::sla))
        .route("/events", get(events::stream))
        .route(
            "/tokens",
            get(tokens::list_tokens).post(tokens::create_token),
        )
        .route("/tokens/{id}", axum::routing::delete(tokens::revoke_token))
        .route(
            "/agents",
            get(agents::list_agents).post(agents::create_agent),
        )
        .route(
            "/agents/{id}",
            get(agents::get_agent).patch(agents::update_agent),
        )
        .route(
            "/inboxes/{id}",
            axum::routing::patch(inbox_settings::update_inbox),
        )
        .route(
            "/topics",
            get(topics::list_topics).post(topics::create_topic),
        )
        .route(
            "/conversations/{id}/topics",
            axum::routing::put(topics::set_conversation_topics),
        )
        .route("/customers/{id}/merge", post(profiles::merge))
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
        .route("/media/{id}", get(answers::media))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/", get(ops::landing))
        .fallback(|| async { error::ApiError::not_found("route") })
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}
