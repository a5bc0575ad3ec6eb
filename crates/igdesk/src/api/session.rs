//! Signing in to the console (`/api/v1/session`): a session behind an HttpOnly,
//! SameSite=Strict cookie, with a CSRF token that cookie-authenticated writes must
//! echo in `X-CSRF-Token`. Wrong password and unknown email answer alike; repeated
//! failures from one address or for one email are refused for a while
//! (`service::sign_in`, which the console's sign-in form uses too).

use super::auth::Caller;
use super::error::ApiError;
use super::extract::JsonBody;
use crate::app::App;
use crate::service::sign_in as service;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use igdesk_store::Agent;
use ipnet::IpNet;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use utoipa::ToSchema;

pub use crate::service::sign_in::COOKIE;
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The address of the client a request came from, for the sign-in limits: the
/// connection's peer, or, when the peer is one of the `trusted_proxies`, the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy (the entries to
/// its left were written by the client and prove nothing). Unknown (0.0.0.0, one
/// shared client) only if the server was started without connection info.
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<App> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(Ipv4Addr::UNSPECIFIED.into(), |p| p.0.ip());
        Ok(ClientAddress(client_address(
            peer,
            &parts.headers,
            &app.settings.trusted_proxies,
        )))
    }
}

fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut nearest = peer;
    for hop in hops.into_iter().rev() {
        // A hop that is not an address cannot be counted: stop at the last good one.
        let Ok(ip) = hop.parse::<IpAddr>() else {
            break;
        };
        nearest = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    nearest
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// At most 254 characters once trimmed.
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
/// Failed sign-ins are limited per client address (30 in 15 minutes, whatever the
/// emails) and per email (5 in 15 minutes, whatever the address); an email that
/// signed in from an address before is held there to its own 5 instead, so others
/// cannot lock its owner out of their usual place.
#[utoipa::path(
    post,
    path = "/session",
    tag = "session",
    security(()),
    request_body = SignIn,
    responses(
        (status = 200, description = "Signed in; `Set-Cookie` carries the session", body = SessionView,
            headers(("Set-Cookie" = String, description = "igdesk_session=…; HttpOnly; SameSite=Strict"))),
        (status = 400, description = "The email is longer than 254 characters (`email_too_long`, field `email`)", body = ApiError),
        (status = 401, description = "Wrong email or password (`sign_in_failed`), or the right password of an agent an administrator switched off (`account_deactivated`)", body = ApiError),
        (status = 429, description = "Too many failed sign-ins from this address or for this email (`too_many_attempts`)", body = ApiError,
            headers(("Retry-After" = u64, description = "Seconds until the address or email may try again"))),
        (status = 503, description = "Too many passwords being checked at once (`busy`)", body = ApiError,
            headers(("Retry-After" = u64, description = "Seconds until trying again makes sense"))),
    )
)]
pub async fn sign_in(
    State(app): State<App>,
    ClientAddress(client): ClientAddress,
    JsonBody(body): JsonBody<SignIn>,
) -> Result<Response, ApiError> {
    let password = SecretString::from(body.password);
    let signed_in = match service::sign_in(&app, client, &body.email, password).await {
        Ok(signed_in) => signed_in,
        Err(refused) => {
            // A lockout or a busy pool says when to come back, for clients that
            // honour Retry-After.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            client_address(ip("10.0.0.5"), &headers, &[]),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // The client wrote 1.2.3.4 itself; the proxies appended what they saw.
        let headers = forwarded(&["1.2.3.4, 203.0.113.9", "10.0.0.7"]);
        assert_eq!(
            client_address(ip("10.0.0.5"), &headers, &trusted),
            ip("203.0.113.9")
        );
        // An untrusted peer's header is ignored.
        assert_eq!(
            client_address(ip("198.51.100.1"), &headers, &trusted),
            ip("198.51.100.1")
        );
        // No header: the proxy itself.
        assert_eq!(
            client_address(ip("10.0.0.5"), &HeaderMap::new(), &trusted),
            ip("10.0.0.5")
        );
        // Garbage stops the walk at the last address that parsed.
        let headers = forwarded(&["203.0.113.9, nonsense, 10.0.0.7"]);
        assert_eq!(
            client_address(ip("10.0.0.5"), &headers, &trusted),
            ip("10.0.0.7")
        );
    }
}
