//! Signing in to the console (`/api/v1/session`): a session behind an HttpOnly,
//! SameSite=Strict cookie, with a CSRF token that cookie-authenticated writes must
//! echo in `X-CSRF-Token`. Wrong password and unknown email answer alike; repeated
//! failures for one email are refused for a while (`service::sign_in`, which the
//! console's sign-in form uses too).

use super::auth::Caller;
use super::error::ApiError;
use crate::app::App;
use crate::service::sign_in as service;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use igdesk_store::Agent;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::service::sign_in::COOKIE;
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    email: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    agent: Agent,
    /// Send it back as `X-CSRF-Token` on every write made with the cookie.
    csrf_token: String,
}

/// Sign in to the console.
///
/// Answers the agent and a CSRF token, and sets the session cookie (HttpOnly,
/// SameSite=Strict, 7 days). A wrong password and an unknown email answer alike.
#[utoipa::path(
    post,
    path = "/session",
    tag = "session",
    security(()),
    request_body = SignIn,
    responses(
        (status = 200, description = "Signed in; `Set-Cookie` carries the session", body = SessionView,
            headers(("Set-Cookie" = String, description = "igdesk_session=…; HttpOnly; SameSite=Strict"))),
        (status = 401, description = "Wrong email or password (`sign_in_failed`), or the right password of an agent an administrator switched off (`account_deactivated`)", body = ApiError),
        (status = 429, description = "Too many failed sign-ins for this email (`too_many_attempts`)", body = ApiError,
            headers(("Retry-After" = u64, description = "Seconds until the email may try again"))),
    )
)]
pub async fn sign_in(
    State(app): State<App>,
    Json(body): Json<SignIn>,
) -> Result<Response, ApiError> {
    let password = SecretString::from(body.password);
    let signed_in = match service::sign_in(&app, &body.email, password).await {
        Ok(signed_in) => signed_in,
        Err(refused) => {
            // A lockout says when to come back, for clients that honour Retry-After.
            let retry_after = refused.retry_after;
            let mut response = ApiError::from(refused).into_response();
            if let Some(wait) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(wait));
            }
            return Ok(response);
        }
    };
    let cookie = service::session_cookie_header(&app, &signed_in.token);
    let mut response = Json(SessionView {
        agent: signed_in.agent,
        csrf_token: signed_in.csrf_token,
    })
    .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(ApiError::internal)?,
    );
    Ok(response)
}

/// The signed-in agent.
#[utoipa::path(
    get,
    path = "/session",
    tag = "session",
    operation_id = "current_session",
    responses((status = 200, description = "The agent", body = Agent))
)]
pub async fn current(Caller(agent): Caller) -> Json<Agent> {
    Json(agent)
}

/// Sign out: the session ends and its cookie is cleared. Answers alike without one.
#[utoipa::path(
    delete,
    path = "/session",
    tag = "session",
    security((), ("session" = [])),
    responses((status = 204, description = "Signed out"))
)]
pub async fn sign_out(State(app): State<App>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = session_cookie(&headers) {
        service::sign_out(&app, &token).await?;
    }
    let expired = service::expired_cookie_header();
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&expired).map_err(ApiError::internal)?,
    );
    Ok(response)
}

/// The session token from the `Cookie` header, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}
