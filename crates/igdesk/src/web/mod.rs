//! The console: server-rendered pages for the people who answer customers (SPEC
//! UI-1 … UI-3). Pages call the same store and service functions as the JSON API,
//! under the same scope and the same CSRF rule; the page scripts use the JSON API
//! and the live stream for everything that happens after the page is drawn.

mod assets;
mod charts;
mod dashboard;
mod desk;
mod follows;
pub mod fragments;
mod item;
mod origin;
mod profile;
mod search;
mod session;
mod settings;
mod setup;
mod sign_in;
mod transfer;
mod views;

use crate::app::App;
use crate::service::error::{Kind, ServiceError};
use askama::Template;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub fn router() -> Router<App> {
    Router::new()
        .route("/", get(sign_in::page))
        .route("/setup", get(setup::page).post(setup::submit))
        .route("/sign-in", post(sign_in::submit))
        .route("/sign-out", post(sign_in::sign_out))
        .route("/desk", get(desk::page))
        .route("/desk/availability", post(desk::set_availability))
        .route("/desk/next", post(desk::next))
        .route("/desk/offers/{id}/{answer}", post(desk::answer_offer))
        .route("/desk/conversations/{id}/assign", post(views::assign))
        .route("/customers/{id}/labels", post(views::add_label))
        .route("/customers/{id}/labels/remove", post(views::remove_label))
        .route("/search", get(search::page))
        .route("/dashboard", get(dashboard::page))
        .route("/dashboard/breached", get(dashboard::breached))
        .route("/fragments/dashboard", get(dashboard::fragment))
        .route("/customers/{id}", get(profile::page))
        .route("/customers/{id}/reply", post(profile::reply))
        .route("/fragments/offers", get(fragments::offers))
        .route("/fragments/conversations", get(fragments::conversations))
        .route("/fragments/topbar", get(fragments::topbar))
        .route("/fragments/items/{id}", get(fragments::item))
        .route("/fragments/customers/{id}/items", get(fragments::older))
        .route("/settings", get(settings::first))
        .route("/settings/accounts", get(settings::accounts::page))
        .route(
            "/settings/accounts/connect",
            post(settings::accounts::start),
        )
        .route(
            "/settings/accounts/connect/{state}",
            get(settings::accounts::found).post(settings::accounts::connect),
        )
        .route(
            "/settings/accounts/{id}/reconnect",
            post(settings::accounts::reconnect),
        )
        .route(
            "/settings/accounts/{id}/check",
            post(settings::accounts::check),
        )
        .route(
            "/settings/accounts/{id}/remove",
            post(settings::accounts::remove),
        )
        .route(
            "/settings/accounts/{id}/starters",
            get(settings::starters::show).post(settings::starters::save),
        )
        .route("/settings/entry-points", get(settings::entry_points::show))
        .route(
            "/settings/entry-points/{id}",
            post(settings::entry_points::save),
        )
        .route(
            "/settings/conversations",
            get(settings::conversations::show),
        )
        .route(
            "/settings/conversations/{id}",
            post(settings::conversations::save),
        )
        .route(
            "/settings/agents",
            get(settings::agents::show).post(settings::agents::create),
        )
        .route(
            "/settings/agents/{id}",
            get(settings::agents::show_agent).post(settings::agents::save),
        )
        .route(
            "/settings/agents/{id}/password",
            post(settings::agents::reset_password),
        )
        .route(
            "/settings/agents/{id}/deactivate",
            post(settings::agents::deactivate),
        )
        .route(
            "/settings/agents/{id}/reactivate",
            post(settings::agents::reactivate),
        )
        .route(
            "/settings/inboxes",
            get(settings::inboxes::show).post(settings::inboxes::create),
        )
        .route("/settings/inboxes/{id}", post(settings::inboxes::save))
        .route(
            "/settings/topics",
            get(settings::topics::show).post(settings::topics::create),
        )
        .route(
            "/settings/answers",
            get(settings::saved_answers::show).post(settings::saved_answers::create),
        )
        .route(
            "/settings/answers/{id}",
            get(settings::saved_answers::show_one).post(settings::saved_answers::save),
        )
        .route(
            "/settings/answers/{id}/delete",
            post(settings::saved_answers::delete),
        )
        .route(
            // An image and the form around it.
            "/settings/answers/{id}/image",
            post(settings::saved_answers::set_image).layer(DefaultBodyLimit::max(
                igdesk_domain::rules::IMAGE_MAX_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/settings/answers/{id}/image/delete",
            post(settings::saved_answers::remove_image),
        )
        .route("/settings/automatic", get(settings::automatic::show))
        .route(
            "/settings/automatic/rules",
            post(settings::automatic::create),
        )
        .route(
            "/settings/automatic/rules/{id}",
            get(settings::automatic::show_rule).post(settings::automatic::save_rule),
        )
        .route(
            "/settings/automatic/rules/{id}/up",
            post(settings::automatic::move_up),
        )
        .route(
            "/settings/automatic/rules/{id}/delete",
            post(settings::automatic::delete),
        )
        .route(
            "/settings/automatic/rules/{id}/toggle",
            post(settings::automatic::toggle),
        )
        .route(
            "/settings/automatic/hours/{id}",
            get(settings::business_hours::show).post(settings::business_hours::save),
        )
        .route("/settings/api", get(settings::api::overview))
        .route(
            "/settings/api/{id}",
            get(settings::api::show).post(settings::api::save),
        )
        .route("/settings/api/{id}/rotate", post(settings::api::rotate))
        .route("/settings/api/{id}/off", post(settings::api::turn_off))
        .route(
            "/settings/api/{id}/tokens",
            post(settings::api::create_token),
        )
        .route(
            "/settings/api/{id}/tokens/{token}/revoke",
            post(settings::api::revoke_token),
        )
        .route(
            "/settings/tokens",
            get(settings::tokens::show).post(settings::tokens::create),
        )
        .route(
            "/settings/tokens/{id}/revoke",
            post(settings::tokens::revoke),
        )
        .route(
            "/settings/tokens/password",
            post(settings::tokens::change_password),
        )
        .route("/oauth/{login}/callback", get(settings::accounts::callback))
        .route("/static/{name}", get(assets::serve))
}

/// A page: its HTML, never cached (it shows live work), framed against clickjacking,
/// with a policy that lets only the console's own scripts and styles run.
pub fn render(status: StatusCode, page: impl Template) -> Response {
    render_with_form_targets(status, page, &[])
}

/// A page whose forms may lead to other origins too: the Settings forms that send
/// an administrator on to Meta's login (a form's redirect counts as its target).
pub fn render_with_form_targets(
    status: StatusCode,
    page: impl Template,
    origins: &[String],
) -> Response {
    let policy = format!(
        "default-src 'self'; img-src 'self' https: http: data: blob:; \
         media-src 'self' https: http: blob:; object-src 'none'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'{}",
        origins.iter().map(|o| format!(" {o}")).collect::<String>()
    );
    match page.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_str(&policy)
                    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
            );
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response
        }
        Err(e) => page_error(e),
    }
}

/// A page or fragment that cannot be drawn: what the agent may not see reads as not
/// found, a session that no longer stands goes to the sign-in form, anything else
/// is igdesk's fault.
pub struct Failed(ServiceError);

impl<E: Into<ServiceError>> From<E> for Failed {
    fn from(e: E) -> Self {
        Failed(e.into())
    }
}

impl IntoResponse for Failed {
    fn into_response(self) -> Response {
        match self.0.kind {
            Kind::NotFound => not_found(),
            Kind::Forbidden => forbidden(),
            Kind::Unauthorized => axum::response::Redirect::to("/").into_response(),
            _ => page_error(self.0.message),
        }
    }
}

/// Something broke on igdesk's side: logged once, said plainly.
pub fn page_error(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "page failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html("<!doctype html><title>igdesk</title><p>Something went wrong on igdesk's side. It has been logged; try again in a moment.</p>"),
    )
        .into_response()
}

/// A page asked for something the agent cannot see (or that does not exist).
pub fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html("<!doctype html><title>Not found · igdesk</title><p>There is nothing here, or it is in an inbox you are not in. <a href=\"/desk\">Back to your desk</a></p>"),
    )
        .into_response()
}

/// A page for administrators, asked for by an agent.
pub fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        Html("<!doctype html><title>Not for you · igdesk</title><p>Only administrators can open this page. <a href=\"/desk\">Back to your desk</a></p>"),
    )
        .into_response()
}

/// For form handlers: a refusal of a forged or stale form.
pub fn stale_form() -> Response {
    (
        StatusCode::FORBIDDEN,
        Html("<!doctype html><title>igdesk</title><p>This form has expired. <a href=\"/desk\">Reload your desk</a> and try again.</p>"),
    )
        .into_response()
}
