//! Merging two profiles of one person (RT-7), after the agent confirmed it.

use super::auth::Caller;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use crate::app::App;
use crate::service::people;
use axum::extract::State;
use axum::Json;
use igdesk_domain::CustomerId;
use igdesk_store::Customer;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The profile merged into the one in the path.
    other: i64,
    /// Must be `true`: a merge is not undone by the console, so it is never implied.
    #[serde(default)]
    confirm: bool,
}

/// Merges the profile `other` into this one (RT-7), which is answered as it is now.
#[utoipa::path(
    post,
    path = "/customers/{id}/merge",
    tag = "customers",
    operation_id = "merge_customers",
    params(("id" = i64, Path, description = "The customer that remains")),
    request_body = MergeRequest,
    responses(
        (status = 200, description = "The customer that remains", body = Customer),
        (status = 400, description = "No `\"confirm\": true` (`confirmation_required`), or a body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 404, description = "Either customer unknown or not in the caller's inboxes", body = ApiError),
        (status = 409, description = "A profile merged into itself (`same_customer`), or one already merged into another (`already_merged`)", body = ApiError),
    )
)]
pub async fn merge(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<MergeRequest>,
) -> Result<Json<Customer>, ApiError> {
    let survivor = id
        .parse()
        .map(CustomerId)
        .map_err(|_| ApiError::not_found("customer"))?;
    if !body.confirm {
        return Err(ApiError::bad_request(
            "confirmation_required",
            "merging profiles needs \"confirm\": true",
        )
        .field("confirm"));
    }
    let other = CustomerId(body.other);
    Ok(Json(people::merge(&app, &agent, survivor, other).await?))
}
