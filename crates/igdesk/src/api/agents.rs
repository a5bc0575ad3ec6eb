//! Agents, as administrators configure them (RT-1, RT-2): who works in which inboxes,
//! with what capacity. Password hashes are never shown.

use super::auth::Admin;
use super::body::JsonBody;
use super::error::ApiError;
use super::read_api::List;
use crate::app::App;
use crate::people::{add_person, NewPerson};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use igdesk_domain::{AgentId, InboxId};
use igdesk_store::{AgentChange, AgentDetails, Capacity, StoreError};
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

/// The most conversations an agent may be given at once.
const CAPACITY_LIMIT: i64 = 50;

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
    Admin(_): Admin,
) -> Result<Json<List<AgentDetails>>, ApiError> {
    Ok(Json(List {
        data: app.store.agent_details().await?,
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
    Admin(_): Admin,
    Path(id): Path<String>,
) -> Result<Json<AgentDetails>, ApiError> {
    let id = agent_id(&id)?;
    app.store
        .agent_detail(id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("agent"))
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
    Admin(_): Admin,
    JsonBody(body): JsonBody<NewAgentBody>,
) -> Result<(StatusCode, Json<AgentDetails>), ApiError> {
    let email = body.email.trim();
    if !email.contains('@') || email.chars().count() > 254 {
        return Err(
            ApiError::bad_request("invalid_email", "email is not an email address").field("email"),
        );
    }
    let name = valid_name(&body.name)?;
    let password = SecretString::from(body.password);
    crate::service::passwords::check_new(&password, "password")?;
    // Sign-in finds agents by email in any case: two that differ only by case
    // would be one login.
    if app.store.agent_for_sign_in(email).await?.is_some() {
        return Err(email_taken(email));
    }
    let inboxes = inbox_names(&app, &body.inboxes).await?;
    let person = NewPerson {
        email: email.to_owned(),
        name: name.to_owned(),
        password,
        is_admin: body.admin,
        inboxes,
    };
    let agent = match add_person(app.store.as_ref(), person).await {
        Ok(agent) => agent,
        Err(e) if matches!(e.downcast_ref(), Some(StoreError::Conflict(_))) => {
            return Err(email_taken(email))
        }
        Err(e) => return Err(ApiError::internal(e)),
    };
    let details = app
        .store
        .agent_detail(agent.id)
        .await?
        .ok_or_else(|| ApiError::internal("an agent vanished after it was created"))?;
    Ok((StatusCode::CREATED, Json(details)))
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
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AgentPatch>,
) -> Result<Json<AgentDetails>, ApiError> {
    let id = agent_id(&id)?;
    let current = app
        .store
        .agent_detail(id)
        .await?
        .ok_or_else(|| ApiError::not_found("agent"))?;
    if id == me.id && body.admin == Some(false) {
        // Otherwise the last administrator could lock everyone out of the settings.
        return Err(ApiError::conflict(
            "own_admin_flag",
            "administrators cannot remove their own admin flag; another administrator can",
        )
        .field("admin"));
    }
    let name = body.name.as_deref().map(valid_name).transpose()?;
    let capacity = if body.standard_capacity.is_some() || body.max_capacity.is_some() {
        Some(valid_capacity(
            body.standard_capacity,
            body.max_capacity,
            &current,
        )?)
    } else {
        None
    };
    let inboxes = match &body.inboxes {
        Some(ids) => {
            inbox_names(&app, ids).await?;
            Some(ids.iter().copied().map(InboxId).collect())
        }
        None => None,
    };
    let change = AgentChange {
        name: name.map(str::to_owned),
        is_admin: body.admin,
        inboxes,
        capacity,
    };
    app.store
        .update_agent(id, change)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("agent"))
}

pub(super) fn agent_id(raw: &str) -> Result<AgentId, ApiError> {
    raw.parse()
        .map(AgentId)
        .map_err(|_| ApiError::not_found("agent"))
}

fn email_taken(email: &str) -> ApiError {
    ApiError::conflict(
        "already_exists",
        format!("an agent with email {email} already exists"),
    )
    .field("email")
}

fn valid_name(raw: &str) -> Result<&str, ApiError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::bad_request(
            "invalid_name",
            "an agent needs a name of 1 to 80 characters",
        )
        .field("name"));
    }
    Ok(name)
}

/// The pair as it will be once changed: `0 ≤ standard ≤ max ≤ 50`. A value left out
/// keeps the agent's current one, and the pair is checked as a whole.
fn valid_capacity(
    standard: Option<i64>,
    max: Option<i64>,
    current: &AgentDetails,
) -> Result<Capacity, ApiError> {
    let pair = Capacity {
        standard: standard.unwrap_or(current.standard_capacity),
        max: max.unwrap_or(current.max_capacity),
    };
    let invalid = |field: &'static str| {
        Err(ApiError::bad_request(
            "invalid_capacity",
            format!(
                "capacity must satisfy 0 ≤ standard_capacity ≤ max_capacity ≤ {CAPACITY_LIMIT} \
                 (it would be standard {}, max {})",
                pair.standard, pair.max
            ),
        )
        .field(field))
    };
    if !(0..=CAPACITY_LIMIT).contains(&pair.standard) {
        return invalid("standard_capacity");
    }
    if !(0..=CAPACITY_LIMIT).contains(&pair.max) {
        return invalid("max_capacity");
    }
    if pair.standard > pair.max {
        // Name the value the caller sent; with both sent, the standard one.
        return invalid(if standard.is_some() {
            "standard_capacity"
        } else {
            "max_capacity"
        });
    }
    Ok(pair)
}

/// The names of these inboxes; an unknown id is refused, named.
async fn inbox_names(app: &App, ids: &[i64]) -> Result<Vec<String>, ApiError> {
    let known = app.store.inboxes().await?;
    ids.iter()
        .map(|id| {
            known
                .iter()
                .find(|i| i.id.0 == *id)
                .map(|i| i.name.clone())
                .ok_or_else(|| {
                    ApiError::bad_request("unknown_inbox", format!("no inbox {id}"))
                        .field("inboxes")
                })
        })
        .collect()
}
