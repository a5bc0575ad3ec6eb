//! Signing in to the console (`/api/v1/session`): a session behind an HttpOnly,
//! SameSite=Strict cookie, with a CSRF token that cookie-authenticated writes must
//! echo in `X-CSRF-Token`. Wrong password and unknown email answer alike; repeated
//! failures for one email are refused for a while.

use super::auth::Caller;
use super::error::ApiError;
use crate::app::App;
use crate::crypto::{hash_token, random_hex, verify_password};
use crate::now_ms;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use igdesk_domain::time::{DAY, MINUTE};
use igdesk_domain::Millis;
use igdesk_store::{Agent, NewSession};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use utoipa::ToSchema;

pub const COOKIE: &str = "igdesk_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
const SESSION_LIFETIME: Millis = 7 * DAY;
/// Failed sign-ins for one email within this span…
const FAILURE_SPAN: Millis = 15 * MINUTE;
/// …beyond this many are refused until the span has passed.
const FAILURES_ALLOWED: usize = 5;

/// Failed sign-ins per email (lower case), in this process.
#[derive(Default)]
pub struct SignInFailures {
    by_email: Mutex<HashMap<String, Vec<Millis>>>,
}

impl SignInFailures {
    /// When this email may try again, if it is locked out now.
    fn locked_until(&self, email: &str, now: Millis) -> Option<Millis> {
        let mut map = self.by_email.lock().expect("sign-in failures lock");
        let recent = map.entry(email.to_owned()).or_default();
        recent.retain(|t| now - t < FAILURE_SPAN);
        (recent.len() >= FAILURES_ALLOWED).then(|| recent[0] + FAILURE_SPAN)
    }

    fn failed(&self, email: &str, now: Millis) {
        self.by_email
            .lock()
            .expect("sign-in failures lock")
            .entry(email.to_owned())
            .or_default()
            .push(now);
    }

    fn succeeded(&self, email: &str) {
        self.by_email
            .lock()
            .expect("sign-in failures lock")
            .remove(email);
    }
}

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

/// A hash no password matches, checked when the email is unknown so that both
/// refusals take as long.
fn no_one() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        crate::crypto::hash_password(&SecretString::from(random_hex(16))).unwrap_or_default()
    })
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
        (status = 401, description = "Wrong email or password (`sign_in_failed`)", body = ApiError),
        (status = 429, description = "Too many failed sign-ins for this email (`too_many_attempts`)", body = ApiError,
            headers(("Retry-After" = u64, description = "Seconds until the email may try again"))),
    )
)]
pub async fn sign_in(
    State(app): State<App>,
    Json(body): Json<SignIn>,
) -> Result<Response, ApiError> {
    let email = body.email.trim().to_lowercase();
    let now = now_ms();
    if let Some(until) = app.sign_in_failures.locked_until(&email, now) {
        let wait = ((until - now) / 1000).max(1);
        let mut refused = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed sign-ins: try again in {wait} s"),
        )
        .into_response();
        refused
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(refused);
    }
    let password = SecretString::from(body.password);
    let found = app.store.agent_for_sign_in(&email).await?;
    let matches = match &found {
        Some((_, hash)) => verify_password(&password, hash),
        None => {
            verify_password(&password, no_one());
            false
        }
    };
    let Some((agent, _)) = found.filter(|_| matches) else {
        app.sign_in_failures.failed(&email, now);
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sign_in_failed",
            "wrong email or password",
        ));
    };
    app.sign_in_failures.succeeded(&email);
    let token = random_hex(32);
    let csrf_token = random_hex(16);
    app.store
        .create_session(NewSession {
            token_hash: hash_token(&token),
            agent: agent.id,
            csrf_token: csrf_token.clone(),
            created_at: now,
            expires_at: now + SESSION_LIFETIME,
        })
        .await?;
    let secure = if app.settings.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        SESSION_LIFETIME / 1000
    );
    let mut response = Json(SessionView { agent, csrf_token }).into_response();
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
        app.store.end_session(&hash_token(&token)).await?;
    }
    let expired = format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
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
