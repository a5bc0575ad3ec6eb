//! Agents, as administrators configure them (RT-1, RT-2): who works in which inboxes,
//! with what capacity. Password hashes are never shown. The actions are
//! `service::agents`.

use super::auth::Admin;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use super::read_api::List;
use crate::app::App;
use crate::service::agents::{self as service, NewAgent, Update};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use igdesk_domain::{AgentId, InboxId};
use igdesk_store::AgentDetails;
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

/// Every agent, with their inboxes and capacity.
#[utoipa::path(
    get,
    path = "/agents",
    tag = "agents",
    responses(
        (status = 200, description = "The agents", body = List<AgentDetails>),
        (status = 403, description = "Not an administrator", body = ApiError),
    )
)]
pub async fn list_agents(
    State(app): State<App>,
    Admin(admin): Admin,
) -> Result<Json<List<AgentDetails>>, ApiError> {
    Ok(Json(List {
        data: service::all(&app, &admin).await?,
    }))
}

/// One agent, with their inboxes and capacity.
#[utoipa::path(
    get,
    path = "/agents/{id}",
    tag = "agents",
    params(("id" = i64, Path, description = "The agent")),
    responses(
        (status = 200, description = "The agent", body = AgentDetails),
        (status = 403, description = "Not an administrator", body = ApiError),
        (status = 404, description = "No such agent", body = ApiError),
    )
)]
pub async fn get_agent(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
) -> Result<Json<AgentDetails>, ApiError> {
    let id = agent_id(&id)?;
    Ok(Json(service::get(&app, &admin, id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgentBody {
    email: String,
    name: String,
    /// 8 to 256 characters.
    password: String,
    /// Also accepted as `is_admin`.
    #[serde(default, alias = "is_admin")]
    admin: bool,
    /// Inbox ids (as `GET /api/v1/inboxes` lists them).
    #[serde(default)]
    inboxes: Vec<i64>,
}

/// A new agent, who signs in with this email and password.
#[utoipa::path(
    post,
    path = "/agents",
    tag = "agents",
    request_body = NewAgentBody,
    responses(
        (status = 201, description = "The agent", body = AgentDetails),
        (status = 400, description = "A bad email (`invalid_email`), name (`invalid_name`) or password (`weak_password`, `password_too_long`), an unknown inbox (`unknown_inbox`), or a body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 409, description = "An agent with this email exists, in any case (`already_exists`)", body = ApiError),
    )
)]
pub async fn create_agent(
    State(app): State<App>,
    Admin(admin): Admin,
    JsonBody(body): JsonBody<NewAgentBody>,
) -> Result<(StatusCode, Json<AgentDetails>), ApiError> {
    let new = NewAgent {
        email: body.email,
        name: body.name,
        password: SecretString::from(body.password),
        admin: body.admin,
        inboxes: body.inboxes.into_iter().map(InboxId).collect(),
        capacity: None,
    };
    Ok((
        StatusCode::CREATED,
        Json(service::create(&app, &admin, new).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentPatch {
    name: Option<String>,
    /// Also accepted as `is_admin`.
    #[serde(alias = "is_admin")]
    admin: Option<bool>,
    /// Replaces the agent's inboxes: inbox ids.
    inboxes: Option<Vec<i64>>,
    /// `0 ≤ standard_capacity ≤ max_capacity ≤ 50`, checked as a pair with the value
    /// left out.
    standard_capacity: Option<i64>,
    max_capacity: Option<i64>,
}

/// Changes an agent's name, admin flag, inboxes or capacity; a key left out keeps its
/// value.
#[utoipa::path(
    patch,
    path = "/agents/{id}",
    tag = "agents",
    params(("id" = i64, Path, description = "The agent")),
    request_body = AgentPatch,
    responses(
        (status = 200, description = "The agent", body = AgentDetails),
        (status = 400, description = "A bad name (`invalid_name`) or capacity (`invalid_capacity`), an unknown inbox (`unknown_inbox`), or a body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such agent", body = ApiError),
        (status = 409, description = "An administrator removing their own admin flag (`own_admin_flag`)", body = ApiError),
    )
)]
pub async fn update_agent(
    State(app): State<App>,
    Admin(me): Admin,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<AgentPatch>,
) -> Result<Json<AgentDetails>, ApiError> {
    let id = agent_id(&id)?;
    let update = Update {
        name: body.name,
        admin: body.admin,
        inboxes: body
            .inboxes
            .map(|ids| ids.into_iter().map(InboxId).collect()),
        standard_capacity: body.standard_capacity,
        max_capacity: body.max_capacity,
    };
    Ok(Json(service::update(&app, &me, id, update).await?))
}

pub(super) fn agent_id(raw: &str) -> Result<AgentId, ApiError> {
    raw.parse()
        .map(AgentId)
        .map_err(|_| ApiError::not_found("agent"))
}
