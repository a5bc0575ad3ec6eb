//! Who may sign in (UI-4): administrators switch agents off and on and set their
//! passwords; every agent changes their own password. The actions are
//! `service::access` and `service::passwords`.

use super::agents::agent_id;
use super::auth::{Admin, Caller, Credential};
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use crate::app::App;
use crate::service::{access, passwords};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use igdesk_store::AgentDetails;
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

/// Switches an agent off: signed out everywhere at once (sessions ended, personal
/// tokens revoked, live streams closed), waiting offers withdrawn and offered to
/// others, open conversations back in routing (their SLA clocks keep running), away.
/// They cannot sign in until switched on again.
#[utoipa::path(
    post,
    path = "/agents/{id}/deactivate",
    tag = "agents",
    params(("id" = i64, Path, description = "The agent")),
    responses(
        (status = 200, description = "The agent, `active: false`", body = AgentDetails),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such agent", body = ApiError),
        (status = 409, description = "The administrator themselves (`own_account`), the last administrator switched on (`last_admin`), or switched off already (`already_deactivated`)", body = ApiError),
    )
)]
pub async fn deactivate(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
) -> Result<Json<AgentDetails>, ApiError> {
    let id = agent_id(&id)?;
    Ok(Json(access::deactivate(&app, &admin, id).await?))
}

/// Switches an agent on again: they sign in with their password. Their old personal
/// tokens stay revoked.
#[utoipa::path(
    post,
    path = "/agents/{id}/reactivate",
    tag = "agents",
    params(("id" = i64, Path, description = "The agent")),
    responses(
        (status = 200, description = "The agent, `active: true`", body = AgentDetails),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such agent", body = ApiError),
        (status = 409, description = "Switched on already (`not_deactivated`)", body = ApiError),
    )
)]
pub async fn reactivate(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
) -> Result<Json<AgentDetails>, ApiError> {
    let id = agent_id(&id)?;
    Ok(Json(access::reactivate(&app, &admin, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnPassword {
    current_password: String,
    /// 8 to 256 characters.
    new_password: String,
}

/// Changes the caller's own password. Their other sessions end; the session this
/// request came with (by cookie) stays. Personal API tokens stay.
#[utoipa::path(
    put,
    path = "/me/password",
    tag = "agents",
    request_body = OwnPassword,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "A new password of fewer than 8 (`weak_password`) or more than 256 characters (`password_too_long`), or a body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 403, description = "The current password is not right (`wrong_password`, field `current_password`), or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 409, description = "The password was changed meanwhile, by an administrator or another session (`password_changed`)", body = ApiError),
        (status = 429, description = "Too many wrong passwords for this agent's email (`too_many_attempts`)", body = ApiError),
    )
)]
pub async fn change_own_password(
    State(app): State<App>,
    Caller(agent): Caller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<OwnPassword>,
) -> Result<StatusCode, ApiError> {
    let credential = Credential::of(&headers);
    let keep = credential.as_ref().and_then(Credential::session);
    passwords::change_own(
        &app,
        &agent,
        SecretString::from(body.current_password),
        SecretString::from(body.new_password),
        keep,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    /// 8 to 256 characters.
    password: String,
}

/// Sets another agent's password (administrators): all of that agent's sessions end.
#[utoipa::path(
    put,
    path = "/agents/{id}/password",
    tag = "agents",
    params(("id" = i64, Path, description = "The agent")),
    request_body = NewPassword,
    responses(
        (status = 204, description = "Set"),
        (status = 400, description = "A password of fewer than 8 (`weak_password`) or more than 256 characters (`password_too_long`), or a body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such agent", body = ApiError),
        (status = 409, description = "The administrator's own (`own_password`): that is `PUT /api/v1/me/password`, with the current one", body = ApiError),
    )
)]
pub async fn reset_password(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<NewPassword>,
) -> Result<StatusCode, ApiError> {
    let id = agent_id(&id)?;
    passwords::reset(&app, &admin, id, SecretString::from(body.password)).await?;
    Ok(StatusCode::NO_CONTENT)
}
