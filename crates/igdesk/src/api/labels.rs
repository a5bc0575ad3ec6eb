//! Labels and views: `GET /labels`, a customer's labels
//! (`PUT /customers/{id}/labels`, `POST`/`DELETE /customers/{id}/labels/{label}`) and
//! an administrator's direct assignment (`POST /conversations/{id}/assign`). The
//! filtered list of conversations is `read_api::list_conversations`. The rules are
//! `service::labels`.

use super::auth::Caller;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use super::read_api::{customer_id, List};
use crate::app::App;
use crate::service::labels as service;
use axum::extract::State;
use axum::Json;
use igdesk_domain::{AgentId, ConversationId, CustomerId};
use igdesk_store::LabelCount;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A customer's labels after a change.
#[derive(Serialize, ToSchema)]
pub struct CustomerLabels {
    pub customer_id: CustomerId,
    /// By name, in any case's order.
    pub labels: Vec<String>,
}

fn answer(customer: CustomerId, labels: Vec<String>) -> Json<CustomerLabels> {
    Json(CustomerLabels {
        customer_id: customer,
        labels,
    })
}

/// Labels with how many of the caller's customers carry each, by name. Agents see
/// only the labels on customers of their inboxes; administrators every label.
#[utoipa::path(
    get,
    path = "/labels",
    tag = "labels",
    responses((status = 200, description = "The labels", body = List<LabelCount>))
)]
pub async fn list_labels(
    State(app): State<App>,
    Caller(agent): Caller,
) -> Result<Json<List<LabelCount>>, ApiError> {
    Ok(Json(List {
        data: service::all(&app, &agent).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelSet {
    /// The customer's labels from now on (an empty list clears them): at most 20
    /// names, each 1 to 40 characters once trimmed, without `/` or control
    /// characters. Labels are made on first use and compared in any case (a name
    /// repeated is kept once).
    // Read as any JSON so that a missing or mistyped list is answered naming `labels`.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    labels: Value,
}

/// Replaces a customer's labels.
#[utoipa::path(
    put,
    path = "/customers/{id}/labels",
    tag = "labels",
    params(("id" = i64, Path, description = "The customer")),
    request_body = LabelSet,
    responses(
        (status = 200, description = "The customer's labels now", body = CustomerLabels),
        (status = 400, description = "Not a list of strings (`invalid_value`), a label empty, too long or with a slash (`invalid_label`), more than 20 (`too_many_labels`), all naming `labels`; or a body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 404, description = "No such customer in the caller's inboxes", body = ApiError),
    )
)]
pub async fn set_labels(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<LabelSet>,
) -> Result<Json<CustomerLabels>, ApiError> {
    let id = customer_id(&id)?;
    let names = body
        .labels
        .as_array()
        .and_then(|list| {
            list.iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| {
            ApiError::bad_request("invalid_value", "labels is a list of strings").field("labels")
        })?;
    Ok(answer(id, service::set(&app, &agent, id, &names).await?))
}

/// Adds one label to a customer (made on first use); adding one it has changes
/// nothing.
#[utoipa::path(
    post,
    path = "/customers/{id}/labels/{label}",
    tag = "labels",
    params(
        ("id" = i64, Path, description = "The customer"),
        ("label" = String, Path, description = "The label, 1 to 40 characters (percent-encoded)"),
    ),
    responses(
        (status = 200, description = "The customer's labels now", body = CustomerLabels),
        (status = 400, description = "A label empty, too long or with a slash (`invalid_label`), or the customer's 21st (`too_many_labels`), naming `label`", body = ApiError),
        (status = 404, description = "No such customer in the caller's inboxes", body = ApiError),
    )
)]
pub async fn add_label(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams((id, label)): PathParams<(String, String)>,
) -> Result<Json<CustomerLabels>, ApiError> {
    let id = customer_id(&id)?;
    Ok(answer(id, service::add(&app, &agent, id, &label).await?))
}

/// Takes a label off a customer (any case); taking one it does not have changes
/// nothing.
#[utoipa::path(
    delete,
    path = "/customers/{id}/labels/{label}",
    tag = "labels",
    params(
        ("id" = i64, Path, description = "The customer"),
        ("label" = String, Path, description = "The label (percent-encoded)"),
    ),
    responses(
        (status = 200, description = "The customer's labels now", body = CustomerLabels),
        (status = 404, description = "No such customer in the caller's inboxes", body = ApiError),
    )
)]
pub async fn remove_label(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams((id, label)): PathParams<(String, String)>,
) -> Result<Json<CustomerLabels>, ApiError> {
    let id = customer_id(&id)?;
    Ok(answer(id, service::remove(&app, &agent, id, &label).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignTo {
    /// An active agent of the conversation's inbox.
    #[serde(default)]
    #[schema(value_type = i64)]
    agent_id: Value,
}

/// A direct assignment, as made.
#[derive(Serialize, ToSchema)]
pub struct Assigned {
    pub conversation_id: ConversationId,
    pub customer_id: CustomerId,
    pub agent_id: AgentId,
}

/// Assigns an open conversation to an agent at once (administrators): no offer, and
/// whatever the agent's capacity or availability. An offer of it is withdrawn; the
/// agent who had it and the new one see it on their live streams (`unassigned`,
/// `assigned`).
#[utoipa::path(
    post,
    path = "/conversations/{id}/assign",
    tag = "conversations",
    params(("id" = i64, Path, description = "The conversation")),
    request_body = AssignTo,
    responses(
        (status = 200, description = "Assigned", body = Assigned),
        (status = 400, description = "No `agent_id`, or not an active agent of the conversation's inbox (`invalid_value`, `not_in_inbox`, naming `agent_id`); or a body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ApiError),
        (status = 404, description = "No such conversation", body = ApiError),
        (status = 409, description = "The session has ended (`already_closed`), or the agent has it already (`already_assigned`)", body = ApiError),
    )
)]
pub async fn assign(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<AssignTo>,
) -> Result<Json<Assigned>, ApiError> {
    let conversation = id
        .parse()
        .map(ConversationId)
        .map_err(|_| ApiError::not_found("conversation"))?;
    if !agent.is_admin {
        // Before the body is judged: an agent learns nothing about the conversation.
        return Err(ApiError::forbidden(
            "only administrators assign conversations directly",
        ));
    }
    let to = body.agent_id.as_i64().map(AgentId).ok_or_else(|| {
        ApiError::bad_request("invalid_value", "agent_id is an agent's id").field("agent_id")
    })?;
    let customer = service::assign(&app, &agent, conversation, to).await?;
    Ok(Json(Assigned {
        conversation_id: conversation,
        customer_id: customer,
        agent_id: to,
    }))
}
