//! `Authorization: Bearer <agent token>`: resolves the calling agent.

use super::error::ApiError;
use crate::app::App;
use crate::crypto::hash_token;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use igdesk_store::Agent;

/// The signed-in agent making the request.
pub struct Caller(pub Agent);

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        app.store
            .agent_by_token_hash(&hash_token(token))
            .await?
            .map(Caller)
            .ok_or_else(ApiError::unauthorized)
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
