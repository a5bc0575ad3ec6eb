//! Who is calling: `Authorization: Bearer <agent token>`, or the console's session
//! cookie — whose writes must also carry the session's CSRF token.

use super::error::ApiError;
use super::session::{session_cookie, CSRF_HEADER};
use crate::app::App;
use crate::crypto::hash_token;
use crate::now_ms;
use crate::service::sign_in;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use igdesk_store::Agent;

/// What a request signs in with: a bearer token wins over the session cookie.
pub enum Credential {
    Bearer(String),
    /// The session cookie's value.
    Session(String),
}

impl Credential {
    pub fn of(headers: &HeaderMap) -> Option<Credential> {
        let bearer = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        match bearer {
            Some(token) => Some(Credential::Bearer(token.to_owned())),
            None => session_cookie(headers).map(Credential::Session),
        }
    }

    /// The session cookie's value, when the request signed in with it (a password
    /// change keeps that session).
    pub fn session(&self) -> Option<&str> {
        match self {
            Credential::Session(token) => Some(token),
            Credential::Bearer(_) => None,
        }
    }

    /// Whether it still signs someone in: a token not revoked, a session not ended,
    /// an agent not switched off.
    pub async fn signs_in(&self, app: &App) -> bool {
        let found = match self {
            Credential::Bearer(token) => app
                .store
                .agent_by_token_hash(&hash_token(token))
                .await
                .map(|a| a.is_some()),
            Credential::Session(token) => app
                .store
                .session(&hash_token(token), now_ms())
                .await
                .map(|s| s.is_some()),
        };
        found.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot check a credential; taking it as ended");
            false
        })
    }
}

/// The signed-in agent making the request.
pub struct Caller(pub Agent);

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let token = match Credential::of(&parts.headers) {
            Some(Credential::Bearer(token)) => {
                return app
                    .store
                    .agent_by_token_hash(&hash_token(&token))
                    .await?
                    .map(Caller)
                    .ok_or_else(ApiError::unauthorized)
            }
            Some(Credential::Session(token)) => token,
            None => return Err(ApiError::unauthorized()),
        };
        let (agent, csrf) = sign_in::session(app, &token)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            // A cookie goes with any request the browser makes; only the console's
            // own pages know the CSRF token.
            let echoed = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !echoed.is_some_and(|e| crate::crypto::same_secret(e, &csrf)) {
                return Err(ApiError::forbidden(
                    "missing or wrong X-CSRF-Token for a signed-in write",
                )
                .with_code("csrf"));
            }
        }
        Ok(Caller(agent))
    }
}

/// An administrator: configuration and intake inspection.
pub struct Admin(pub Agent);

impl FromRequestParts<App> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let Caller(agent) = Caller::from_request_parts(parts, app).await?;
        if agent.is_admin {
            Ok(Admin(agent))
        } else {
            Err(ApiError::forbidden("administrators only"))
        }
    }
}
