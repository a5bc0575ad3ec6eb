//! The agent's routing controls (RT-1 … RT-3): availability, Next, offers and their
//! answers. Offers reach the agent on the live stream; these endpoints answer them.
//! The actions are `service::routing`.

use super::auth::Caller;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use super::read_api::List;
use crate::app::App;
use crate::service::routing as service;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use igdesk_domain::OfferId;
use igdesk_store::{AgentRouting, Offer};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Me {
    id: igdesk_domain::AgentId,
    email: String,
    name: String,
    admin: bool,
    routing: AgentRouting,
}

/// Who is signed in, and their routing state.
#[utoipa::path(
    get,
    path = "/me",
    tag = "routing",
    responses((status = 200, description = "The agent", body = Me))
)]
pub async fn me(State(app): State<App>, Caller(agent): Caller) -> Result<Json<Me>, ApiError> {
    let routing = service::state(&app, &agent).await?;
    Ok(Json(Me {
        id: agent.id,
        email: agent.email,
        name: agent.name,
        admin: agent.is_admin,
        routing,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Availability {
    available: bool,
}

/// Available or away for messaging (RT-1). Going away withdraws waiting offers.
#[utoipa::path(
    put,
    path = "/me/availability",
    tag = "routing",
    request_body = Availability,
    responses((status = 200, description = "The agent's routing state", body = AgentRouting))
)]
pub async fn set_availability(
    State(app): State<App>,
    Caller(agent): Caller,
    JsonBody(body): JsonBody<Availability>,
) -> Result<Json<AgentRouting>, ApiError> {
    Ok(Json(
        service::set_availability(&app, &agent, body.available).await?,
    ))
}

/// Next (RT-2): offers come again after one was let go, and one more conversation
/// than the standard capacity, up to the maximum.
#[utoipa::path(
    post,
    path = "/me/next",
    tag = "routing",
    operation_id = "ask_next",
    responses(
        (status = 200, description = "The agent's routing state", body = AgentRouting),
        (status = 409, description = "The agent has their maximum of conversations (`at_maximum`)", body = ApiError),
    )
)]
pub async fn next(
    State(app): State<App>,
    Caller(agent): Caller,
) -> Result<Json<AgentRouting>, ApiError> {
    Ok(Json(service::next(&app, &agent).await?))
}

/// Offers waiting for the agent's answer.
#[utoipa::path(
    get,
    path = "/offers",
    tag = "routing",
    responses((status = 200, description = "The offers", body = List<Offer>))
)]
pub async fn list_offers(
    State(app): State<App>,
    Caller(agent): Caller,
) -> Result<Json<List<Offer>>, ApiError> {
    Ok(Json(List {
        data: service::offers(&app, &agent).await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    conversation_id: igdesk_domain::ConversationId,
    customer_id: igdesk_domain::CustomerId,
}

fn offer_id(raw: &str) -> Result<OfferId, ApiError> {
    raw.parse()
        .map(OfferId)
        .map_err(|_| ApiError::not_found("offer"))
}

/// Accept (RT-3): the conversation is the agent's; the answer says which profile to
/// open.
#[utoipa::path(
    post,
    path = "/offers/{id}/accept",
    tag = "routing",
    operation_id = "accept_offer",
    params(("id" = i64, Path, description = "The offer")),
    responses(
        (status = 200, description = "The conversation, now the agent's", body = Accepted),
        (status = 404, description = "No such offer waiting for this agent", body = ApiError),
        (status = 409, description = "The offer's time ran out (`offer_expired`)", body = ApiError),
    )
)]
pub async fn accept(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<Accepted>, ApiError> {
    let accepted = service::accept(&app, &agent, offer_id(&id)?).await?;
    Ok(Json(Accepted {
        conversation_id: accepted.conversation,
        customer_id: accepted.customer,
    }))
}

/// Decline (RT-3): the work goes to another agent; this one gets no more offers
/// until Next.
#[utoipa::path(
    post,
    path = "/offers/{id}/decline",
    tag = "routing",
    operation_id = "decline_offer",
    params(("id" = i64, Path, description = "The offer")),
    responses(
        (status = 204, description = "Declined"),
        (status = 404, description = "No such offer waiting for this agent", body = ApiError),
        (status = 409, description = "The offer's time ran out (`offer_expired`)", body = ApiError),
    )
)]
pub async fn decline(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    service::decline(&app, &agent, offer_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
