//! `POST /api/v1/customers/{id}/typing`: the agent is typing to the customer, who
//! sees it on Instagram (`typing_on`, at most once every 10 seconds per customer).
//! The console's composer calls it while the agent types; see `service::seen`.

use super::auth::Caller;
use super::error::ApiError;
use super::extract::PathParams;
use crate::app::App;
use crate::service::seen;
use axum::extract::State;
use axum::http::StatusCode;
use igdesk_domain::CustomerId;

/// The agent is typing to this customer. Instagram shows "typing…" to the customer,
/// at most once every 10 seconds however often this is called, and only within 24
/// hours of the customer's last message; it goes in the background, like a reply.
#[utoipa::path(
    post,
    path = "/customers/{id}/typing",
    tag = "customers",
    operation_id = "agent_typing",
    params(("id" = i64, Path, description = "The customer")),
    responses(
        (status = 204, description = "Noted: `typing_on` is queued unless one went less than 10 seconds ago or the window is closed"),
        (status = 404, description = "No such customer in the caller's inboxes", body = ApiError),
    )
)]
pub async fn typing(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    let id = id
        .parse()
        .map(CustomerId)
        .map_err(|_| ApiError::not_found("customer"))?;
    seen::typing(&app, &agent, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
