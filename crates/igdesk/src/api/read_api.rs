//! The read API (`/api/v1`): what came in, scoped to the caller's inboxes.

use super::auth::{Admin, Caller};
use super::error::ApiError;
use super::views::{item_view, ItemView};
use crate::app::App;
use axum::extract::{Path, Query, State};
use axum::Json;
use igdesk_domain::CustomerId;
use igdesk_store::{Account, Conversation, Customer, DeadJob, EventNote};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    /// The customer's Instagram-scoped id.
    // Read as an option so that its absence is answered in igdesk's words.
    #[param(required = true)]
    igsid: Option<String>,
}

/// Lists are wrapped so that fields can be added beside the data.
#[derive(Serialize, ToSchema)]
pub struct List<T> {
    pub data: Vec<T>,
}

/// Customers by IGSID: one per connected account the IGSID wrote to.
#[utoipa::path(
    get,
    path = "/customers",
    tag = "customers",
    params(CustomerQuery),
    responses(
        (status = 200, description = "The customers", body = List<Customer>),
        (status = 400, description = "No `igsid` (`missing_parameter`)", body = ApiError),
    )
)]
pub async fn find_customers(
    State(app): State<App>,
    Caller(agent): Caller,
    Query(q): Query<CustomerQuery>,
) -> Result<Json<List<Customer>>, ApiError> {
    let igsid = q.igsid.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        ApiError::bad_request("missing_parameter", "give the customer's IGSID as ?igsid=")
            .field("igsid")
    })?;
    let data = app.store.customers_by_igsid(agent.scope(), &igsid).await?;
    Ok(Json(List { data }))
}

fn customer_id(raw: &str) -> Result<CustomerId, ApiError> {
    raw.parse()
        .map(CustomerId)
        .map_err(|_| ApiError::not_found("customer"))
}

/// A customer profile.
#[utoipa::path(
    get,
    path = "/customers/{id}",
    tag = "customers",
    params(("id" = i64, Path, description = "The customer")),
    responses(
        (status = 200, description = "The customer", body = Customer),
        (status = 404, description = "No such customer in the caller's inboxes", body = ApiError),
    )
)]
pub async fn get_customer(
    State(app): State<App>,
    Caller(agent): Caller,
    Path(id): Path<String>,
) -> Result<Json<Customer>, ApiError> {
    app.store
        .customer(agent.scope(), customer_id(&id)?)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("customer"))
}

/// A customer's timeline, oldest first.
#[utoipa::path(
    get,
    path = "/customers/{id}/timeline",
    tag = "customers",
    params(("id" = i64, Path, description = "The customer")),
    responses(
        (status = 200, description = "The items", body = List<ItemView>),
        (status = 404, description = "No such customer in the caller's inboxes", body = ApiError),
    )
)]
pub async fn get_timeline(
    State(app): State<App>,
    Caller(agent): Caller,
    Path(id): Path<String>,
) -> Result<Json<List<ItemView>>, ApiError> {
    let id = customer_id(&id)?;
    let customer = app
        .store
        .customer(agent.scope(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))?;
    let items = app
        .store
        .timeline(agent.scope(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))?;
    let data = items
        .into_iter()
        .map(|item| item_view(item, &customer.name))
        .collect();
    Ok(Json(List { data }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConversationQuery {
    /// `open` or `closed`; both when left out.
    state: Option<String>,
}

/// Conversations in the caller's inboxes, most recent first.
#[utoipa::path(
    get,
    path = "/conversations",
    tag = "conversations",
    params(ConversationQuery),
    responses(
        (status = 200, description = "The conversations", body = List<Conversation>),
        (status = 400, description = "`state` is neither open nor closed (`invalid_parameter`)", body = ApiError),
    )
)]
pub async fn list_conversations(
    State(app): State<App>,
    Caller(agent): Caller,
    Query(q): Query<ConversationQuery>,
) -> Result<Json<List<Conversation>>, ApiError> {
    if let Some(state) = q.state.as_deref() {
        if !matches!(state, "open" | "closed") {
            return Err(
                ApiError::bad_request("invalid_parameter", "state is open or closed")
                    .field("state"),
            );
        }
    }
    let data = app
        .store
        .conversations(agent.scope(), q.state.as_deref())
        .await?;
    Ok(Json(List { data }))
}

#[derive(Serialize, ToSchema)]
pub struct IntakeStats {
    deliveries: std::collections::BTreeMap<String, i64>,
    pending_jobs: i64,
    dead_jobs: Vec<DeadJob>,
}

/// Deliveries by status and the backlog: what an operator checks first.
#[utoipa::path(
    get,
    path = "/intake/stats",
    tag = "intake",
    responses(
        (status = 200, description = "The figures", body = IntakeStats),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ApiError),
    )
)]
pub async fn intake_stats(
    State(app): State<App>,
    Admin(_): Admin,
) -> Result<Json<IntakeStats>, ApiError> {
    Ok(Json(IntakeStats {
        deliveries: app.store.delivery_counts().await?.into_iter().collect(),
        pending_jobs: app.store.pending_job_count().await?,
        dead_jobs: app.store.dead_jobs(20).await?,
    }))
}

/// Events recorded but not turned into conversations (unknown account, malformed,
/// replies to comments …), newest first.
#[utoipa::path(
    get,
    path = "/intake/notes",
    tag = "intake",
    responses(
        (status = 200, description = "The latest 200 notes", body = List<EventNote>),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ApiError),
    )
)]
pub async fn intake_notes(
    State(app): State<App>,
    Admin(_): Admin,
) -> Result<Json<List<EventNote>>, ApiError> {
    Ok(Json(List {
        data: app.store.event_notes(200).await?,
    }))
}

/// Connected Instagram accounts (ACC-1): Page name, username, Page id, who added
/// each and when, its settings and health. Tokens are never shown.
#[utoipa::path(
    get,
    path = "/accounts",
    tag = "configuration",
    responses(
        (status = 200, description = "The accounts", body = List<Account>),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ApiError),
    )
)]
pub async fn list_accounts(
    State(app): State<App>,
    Admin(_): Admin,
) -> Result<Json<List<Account>>, ApiError> {
    Ok(Json(List {
        data: app.store.accounts().await?,
    }))
}
