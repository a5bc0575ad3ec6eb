//! Transfer: hand a conversation to another agent or to an inbox. The rules
//! are `service::transfer`.

use super::auth::Caller;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use super::read_api::List;
use crate::app::App;
use crate::service::transfer as service;
use axum::extract::State;
use axum::Json;
use igdesk_domain::{ConversationId, CustomerId};
use igdesk_store::{Offer, Transfer, TransferTargets};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// Offer the conversation to this agent (an active, available member of its
    /// inbox with room). Exactly one of `agent_id` and `inbox_id`.
    agent_id: Option<i64>,
    /// Put the conversation back to routing in this inbox (administrators: any;
    /// agents: one of their own).
    inbox_id: Option<i64>,
    /// Why, for whoever gets it: at most 500 characters.
    note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Transferred {
    /// The transfer, as the timeline records it.
    transfer: Transfer,
    /// For a transfer to an agent, the offer they got (with `transferred_by` and
    /// `note`); `null` for a transfer to an inbox.
    offer: Option<Offer>,
}

fn conversation_id(raw: &str) -> Result<ConversationId, ApiError> {
    raw.parse()
        .map(ConversationId)
        .map_err(|_| ApiError::not_found("conversation"))
}

/// Transfer: the conversation leaves the agent holding it at once. To an agent, it is
/// offered to them (30 seconds, as any offer; declined or timed out it goes back to
/// routing in its inbox, to someone other than the transferring agent first); to an
/// inbox, it goes back to routing there. The SLA clock keeps running.
#[utoipa::path(
    post,
    path = "/conversations/{id}/transfer",
    tag = "conversations",
    operation_id = "transfer_conversation",
    params(("id" = i64, Path, description = "The conversation")),
    request_body = TransferBody,
    responses(
        (status = 200, description = "Transferred", body = Transferred),
        (status = 400, description = "Neither or both of `agent_id` and `inbox_id` (`missing_target`, `both_targets`), a note over 500 characters (`note_too_long`), an agent who is not an active agent of the conversation's inbox (`not_in_inbox`), or a body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 403, description = "Another agent holds the conversation (`forbidden`; administrators may transfer anyone's)", body = ApiError),
        (status = 404, description = "No such conversation in the caller's inboxes, or (field `inbox_id`) no such inbox among those the caller may transfer into", body = ApiError),
        (status = 409, description = "The session has ended (`already_closed`); the agent already has it (`already_theirs`), is away (`agent_away`), let an offer go and waits for Next (`agent_held`) or has no room (`agent_at_capacity`); or the conversation changed meanwhile (`conversation_changed`)", body = ApiError),
    )
)]
pub async fn transfer(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<TransferBody>,
) -> Result<Json<Transferred>, ApiError> {
    let conversation = conversation_id(&id)?;
    let to = service::target(body.agent_id, body.inbox_id)?;
    let made = service::transfer(&app, &agent, conversation, to, body.note.as_deref()).await?;
    Ok(Json(Transferred {
        transfer: made.transfer,
        offer: made.offer,
    }))
}

/// Who and where the conversation can be transferred to: the active agents of its
/// inbox (with why an offer cannot go to one now) and the inboxes the caller may
/// transfer into.
#[utoipa::path(
    get,
    path = "/conversations/{id}/transfer-targets",
    tag = "conversations",
    operation_id = "transfer_targets",
    params(("id" = i64, Path, description = "The conversation")),
    responses(
        (status = 200, description = "The targets", body = TransferTargets),
        (status = 404, description = "No such conversation in the caller's inboxes", body = ApiError),
    )
)]
pub async fn targets(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<TransferTargets>, ApiError> {
    Ok(Json(
        service::targets(&app, &agent, conversation_id(&id)?).await?,
    ))
}

/// The transfers of a customer's conversations, oldest first: who handed them to whom,
/// and why.
#[utoipa::path(
    get,
    path = "/customers/{id}/transfers",
    tag = "customers",
    operation_id = "customer_transfers",
    params(("id" = i64, Path, description = "The customer")),
    responses(
        (status = 200, description = "The transfers", body = List<Transfer>),
        (status = 404, description = "No such customer in the caller's inboxes", body = ApiError),
    )
)]
pub async fn history(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<List<Transfer>>, ApiError> {
    let customer = id
        .parse()
        .map(CustomerId)
        .map_err(|_| ApiError::not_found("customer"))?;
    Ok(Json(List {
        data: service::history(&app, &agent, customer).await?,
    }))
}
