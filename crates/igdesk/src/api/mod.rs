//! The JSON face: igdesk's REST API under `/api/v1` (described by its OpenAPI
//! document) and the CM.com-compatible Business Messaging API (`/v1.0/message`).

mod admin;
mod agent_access;
mod agents;
pub(crate) mod answers;
mod api_settings;
pub mod auth;
mod automatic;
pub mod cm_api;
mod connect;
mod constraints;
mod dashboard;
pub mod error;
mod events;
mod extract;
mod inbox_settings;
mod labels;
mod links;
mod moderation;
mod notes;
pub mod openapi;
mod product_tokens;
mod profiles;
pub(crate) mod read_api;
mod routing;
mod saved_answers;
mod search;
pub mod session;
mod sessions;
mod starters;
mod tokens;
mod topics;
mod transfer;
mod typing;
pub mod views;

use crate::app::App;
use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// A console reply: text and up to 5 MB of images, with room for the form's framing.
const REPLY_BODY_LIMIT: usize = 6 * 1024 * 1024;

/// Every `/api/v1` endpoint: this one list both serves and describes them
/// (`GET /api/v1/openapi.json`).
///
/// `routes!` takes each handler's method and path from its `#[utoipa::path]`
/// annotation, so an endpoint cannot be served without being described. To add one:
/// annotate the handler (method, path relative to `/api/v1`, tag, params, request body,
/// responses with each refusal as `body = ApiError`; `security(())` only if it is
/// public — the others get bearer token or session cookie, and the 401/403 these bring,
/// from `openapi::secure`), then name it below. Handlers of one path share one
/// `routes!`, and only they: it serves all its handlers' methods on each of its paths.
/// The list is an array folded into the router so that nothing but `routes!` fits in
/// it; `tests/openapi.rs` checks that what is described is what is served.
pub fn api() -> OpenApiRouter<App> {
    let routes = [
        routes!(session::sign_in, session::current, session::sign_out),
        routes!(read_api::find_customers),
        routes!(read_api::get_customer, admin::update_contact),
        routes!(read_api::get_timeline),
        routes!(typing::typing),
        routes!(profiles::merge),
        routes!(answers::send_message).layer(DefaultBodyLimit::max(REPLY_BODY_LIMIT)),
        routes!(notes::add_note),
        routes!(notes::edit_note, notes::delete_note),
        routes!(read_api::list_conversations),
        routes!(read_api::get_conversation),
        routes!(labels::assign),
        routes!(labels::list_labels),
        routes!(labels::set_labels),
        routes!(labels::add_label, labels::remove_label),
        routes!(sessions::close),
        routes!(transfer::transfer),
        routes!(transfer::targets),
        routes!(transfer::history),
        routes!(topics::set_conversation_topics),
        routes!(admin::list_inboxes, admin::create_inbox),
        routes!(inbox_settings::update_inbox),
        routes!(
            automatic::get_business_hours,
            automatic::put_business_hours,
            automatic::delete_business_hours
        ),
        routes!(automatic::list_rules, automatic::create_rule),
        routes!(
            automatic::get_rule,
            automatic::update_rule,
            automatic::delete_rule
        ),
        routes!(sessions::sla),
        routes!(read_api::list_accounts),
        routes!(connect::start),
        routes!(connect::candidates, connect::pick),
        routes!(connect::reconnect),
        routes!(connect::check_subscription),
        routes!(connect::remove),
        routes!(admin::set_account_inbox),
        routes!(admin::set_account_settings),
        routes!(
            api_settings::get_api_settings,
            api_settings::set_api_settings,
            api_settings::delete_api_settings
        ),
        routes!(
            starters::get_starters,
            starters::set_starters,
            starters::delete_starters
        ),
        routes!(moderation::delete),
        routes!(moderation::like, moderation::unlike),
        routes!(moderation::reply),
        routes!(moderation::private_reply),
        routes!(moderation::hide),
        routes!(sessions::no_reply_needed),
        routes!(routing::me),
        routes!(routing::set_availability),
        routes!(routing::next),
        routes!(routing::list_offers),
        routes!(routing::accept),
        routes!(routing::decline),
        routes!(events::stream),
        routes!(dashboard::dashboard),
        routes!(search::search),
        routes!(read_api::intake_stats),
        routes!(read_api::intake_notes),
        routes!(tokens::list_tokens, tokens::create_token),
        routes!(tokens::revoke_token),
        routes!(agents::list_agents, agents::create_agent),
        routes!(agents::get_agent, agents::update_agent),
        routes!(agent_access::deactivate),
        routes!(agent_access::reactivate),
        routes!(agent_access::reset_password),
        routes!(agent_access::change_own_password),
        routes!(
            product_tokens::list_product_tokens,
            product_tokens::create_product_token
        ),
        routes!(product_tokens::revoke_product_token),
        routes!(topics::list_topics, topics::create_topic),
        routes!(saved_answers::list_answers, saved_answers::create_answer),
        routes!(
            saved_answers::get_answer,
            saved_answers::update_answer,
            saved_answers::delete_answer
        ),
        routes!(saved_answers::count_use),
        routes!(saved_answers::set_image, saved_answers::remove_image)
            .layer(DefaultBodyLimit::max(REPLY_BODY_LIMIT)),
        routes!(openapi::openapi_json),
    ];
    routes
        .into_iter()
        .fold(OpenApiRouter::new(), OpenApiRouter::routes)
}
