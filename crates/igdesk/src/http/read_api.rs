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

#[derive(Deserialize)]
pub struct CustomerQuery {
    igsid: Option<String>,
}

#[derive(Serialize)]
pub struct List<T> {
    pub data: Vec<T>,
}

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

#[derive(Deserialize)]
pub struct ConversationQuery {
    state: Option<String>,
}

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

#[derive(Serialize)]
pub struct IntakeStats {
    deliveries: std::collections::BTreeMap<String, i64>,
    pending_jobs: i64,
    dead_jobs: Vec<DeadJob>,
}

/// Deliveries by status and the backlog: what an operator checks first.
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
pub async fn list_accounts(
    State(app): State<App>,
    Admin(_): Admin,
) -> Result<Json<List<Account>>, ApiError> {
    Ok(Json(List {
        data: app.store.accounts().await?,
    }))
}
