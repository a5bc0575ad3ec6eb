//! Personal API tokens: an agent makes, lists and revokes their own; an
//! administrator may revoke anyone's. The secret is shown once, at creation. The
//! actions are `service::agent_tokens`.

use super::auth::Caller;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use super::read_api::List;
use crate::app::App;
use crate::service::agent_tokens as service;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use igdesk_domain::AgentTokenId;
use igdesk_store::AgentToken;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// Where the token is used: 1 to 80 characters.
    label: String,
}

/// The token's row and, this once, the token itself.
#[derive(Serialize, ToSchema)]
pub struct IssuedToken {
    #[serde(flatten)]
    row: AgentToken,
    /// The secret: shown this once, then never again.
    token: String,
}

/// A new personal API token for the caller; the secret is in the answer, once.
#[utoipa::path(
    post,
    path = "/tokens",
    tag = "tokens",
    request_body = NewToken,
    responses(
        (status = 201, description = "The token, with its secret", body = IssuedToken),
        (status = 400, description = "No label, or a label too long (`invalid_label`), or a body that cannot be read (`invalid_body`)", body = ApiError),
    )
)]
pub async fn create_token(
    State(app): State<App>,
    Caller(agent): Caller,
    JsonBody(body): JsonBody<NewToken>,
) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    let (row, token) = service::create(&app, &agent, &body.label).await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedToken {
            row,
            token: token.expose_secret().to_owned(),
        }),
    ))
}

/// The caller's own tokens, revoked ones included; never their secrets.
#[utoipa::path(
    get,
    path = "/tokens",
    tag = "tokens",
    responses((status = 200, description = "The tokens", body = List<AgentToken>))
)]
pub async fn list_tokens(
    State(app): State<App>,
    Caller(agent): Caller,
) -> Result<Json<List<AgentToken>>, ApiError> {
    Ok(Json(List {
        data: service::list(&app, &agent).await?,
    }))
}

/// Revokes a token: the caller's own, or anyone's for an administrator.
#[utoipa::path(
    delete,
    path = "/tokens/{id}",
    tag = "tokens",
    params(("id" = i64, Path, description = "The token")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such token of the caller's (any agent's, for an administrator)", body = ApiError),
    )
)]
pub async fn revoke_token(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    let id = id
        .parse()
        .map(AgentTokenId)
        .map_err(|_| ApiError::not_found("token"))?;
    service::revoke(&app, &agent, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
