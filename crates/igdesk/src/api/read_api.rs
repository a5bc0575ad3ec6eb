//! The read API (`/api/v1`): what came in, scoped to the caller's inboxes.

use super::auth::{Admin, Caller};
use super::error::ApiError;
use super::extract::{PathParams, QueryParams};
use super::views::{item_view, ItemView};
use crate::app::App;
use crate::service::labels;
use axum::extract::State;
use axum::Json;
use igdesk_domain::{ConversationId, CustomerId, InboxId, ItemId};
use igdesk_store::{
    Account, ChannelKind, Conversation, Customer, DeadJob, EventNote, WorkFilter, WorkState,
};
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

/// One page of a list that may be long, and where the next one starts.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    /// Pass as `before` (with the same other parameters) for the next page; null on
    /// the last one.
    pub next: Option<String>,
}

/// The most a page may hold, and what a page holds when `limit` is left out.
const PAGE_MAX: i64 = 200;

/// `limit`: 1 to 200, 200 when left out; else a 400 naming it.
fn page_limit(limit: Option<&str>) -> Result<i64, ApiError> {
    let Some(limit) = limit.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(PAGE_MAX);
    };
    limit
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=PAGE_MAX).contains(n))
        .ok_or_else(|| {
            ApiError::bad_request("invalid_parameter", "limit is a number from 1 to 200")
                .field("limit")
        })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// The `next` of the page before: older items than those.
    before: Option<String>,
    /// At most this many items (1 to 200; 200 when left out).
    limit: Option<String>,
}

/// Customers by IGSID: one per connected account the IGSID wrote to.
#[utoipa::path(
    get,
    path = "/customers",
    tag = "customers",
    params(CustomerQuery),
    responses(
        (status = 200, description = "The customers", body = List<CustomerView>),
        (status = 400, description = "No `igsid` (`missing_parameter`)", body = ApiError),
    )
)]
pub async fn find_customers(
    State(app): State<App>,
    Caller(agent): Caller,
    QueryParams(q): QueryParams<CustomerQuery>,
) -> Result<Json<List<CustomerView>>, ApiError> {
    let igsid = q.igsid.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        ApiError::bad_request("missing_parameter", "give the customer's IGSID as ?igsid=")
            .field("igsid")
    })?;
    let found = app.store.customers_by_igsid(agent.scope(), &igsid).await?;
    let data = with_labels(&app, found).await?;
    Ok(Json(List { data }))
}

/// A customer with the labels agents gave them.
#[derive(Serialize, ToSchema)]
pub struct CustomerView {
    #[serde(flatten)]
    pub customer: Customer,
    /// By name.
    pub labels: Vec<String>,
}

async fn with_labels(app: &App, customers: Vec<Customer>) -> Result<Vec<CustomerView>, ApiError> {
    let ids: Vec<CustomerId> = customers.iter().map(|c| c.id).collect();
    let mut labels = app.store.labels_of(&ids).await?;
    Ok(customers
        .into_iter()
        .map(|customer| {
            let (theirs, rest): (Vec<_>, Vec<_>) =
                labels.drain(..).partition(|(id, _)| *id == customer.id);
            labels = rest;
            CustomerView {
                customer,
                labels: theirs.into_iter().map(|(_, name)| name).collect(),
            }
        })
        .collect())
}

/// A customer id from the path: anything that is not one is a customer not found.
pub(super) fn customer_id(raw: &str) -> Result<CustomerId, ApiError> {
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
        (status = 200, description = "The customer", body = CustomerView),
        (status = 404, description = "No such customer in the caller's inboxes", body = ApiError),
    )
)]
pub async fn get_customer(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<CustomerView>, ApiError> {
    let customer = app
        .store
        .customer(agent.scope(), customer_id(&id)?)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))?;
    let mut views = with_labels(&app, vec![customer]).await?;
    Ok(Json(views.remove(0)))
}

/// A customer's timeline, a page at a time: the newest items first come, oldest
/// first within the page; `next` goes back in time.
#[utoipa::path(
    get,
    path = "/customers/{id}/timeline",
    tag = "customers",
    params(("id" = i64, Path, description = "The customer"), TimelineQuery),
    responses(
        (status = 200, description = "The items", body = Page<ItemView>),
        (status = 400, description = "A `before` that is not an item's id, or a `limit` outside 1 to 200 (`invalid_parameter`, naming it)", body = ApiError),
        (status = 404, description = "No such customer in the caller's inboxes", body = ApiError),
    )
)]
pub async fn get_timeline(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
    QueryParams(q): QueryParams<TimelineQuery>,
) -> Result<Json<Page<ItemView>>, ApiError> {
    let id = customer_id(&id)?;
    let limit = page_limit(q.limit.as_deref())?;
    let before = q
        .before
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse().map(ItemId).map_err(|_| {
                ApiError::bad_request("invalid_parameter", "before is the `next` of a page")
                    .field("before")
            })
        })
        .transpose()?;
    let customer = app
        .store
        .customer(agent.scope(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))?;
    let items = app
        .store
        .timeline_page(agent.scope(), id, before, limit)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))?;
    // Stories the customer may have deleted since are checked (not waited for).
    crate::service::stories::shown(&app, &items);
    // A full page may have older items before it.
    let next = (items.len() as i64 == limit)
        .then(|| items.first().map(|i| i.id.0.to_string()))
        .flatten();
    let data = items
        .into_iter()
        .map(|item| item_view(item, &customer.name))
        .collect();
    Ok(Json(Page { data, next }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConversationQuery {
    /// `open`, `waiting` (open, and the last message was the business's: waiting on
    /// the customer) or `closed`; all when left out.
    state: Option<String>,
    /// Only conversations of customers with this label (any case).
    label: Option<String>,
    /// Only this inbox's conversations.
    inbox: Option<String>,
    /// Only conversations with items of this channel: `dm`, `story_mention` or
    /// `comment`.
    kind: Option<String>,
    /// The `next` of the page before: the conversations after those.
    before: Option<String>,
    /// At most this many (1 to 200; 200 when left out).
    limit: Option<String>,
}

impl ConversationQuery {
    /// The view it asks for, or a 400 naming the parameter at fault.
    fn filter(&self) -> Result<WorkFilter, ApiError> {
        fn given(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        let bad = |field: &'static str, message: &str| {
            ApiError::bad_request("invalid_parameter", message).field(field)
        };
        Ok(WorkFilter {
            state: given(&self.state)
                .map(|s| {
                    WorkState::parse(s)
                        .ok_or_else(|| bad("state", "state is open, waiting or closed"))
                })
                .transpose()?,
            label: given(&self.label).map(str::to_owned),
            inbox: given(&self.inbox)
                .map(|s| {
                    s.parse()
                        .map(InboxId)
                        .map_err(|_| bad("inbox", "inbox is an inbox's id"))
                })
                .transpose()?,
            kind: given(&self.kind)
                .map(|s| {
                    ChannelKind::parse(s)
                        .ok_or_else(|| bad("kind", "kind is dm, story_mention or comment"))
                })
                .transpose()?,
            assigned_to: None,
            after: given(&self.before)
                .map(|s| {
                    s.split_once('.')
                        .and_then(|(at, id)| {
                            Some((at.parse().ok()?, ConversationId(id.parse().ok()?)))
                        })
                        .ok_or_else(|| bad("before", "before is the `next` of a page"))
                })
                .transpose()?,
            limit: Some(page_limit(self.limit.as_deref())?),
        })
    }
}

/// Where the page after `page` starts, when it is full: its last conversation's
/// place in the order (`last_item_at.id`).
fn next_conversations(page: &[Conversation], limit: Option<i64>) -> Option<String> {
    let last = page.last()?;
    (Some(page.len() as i64) == limit).then(|| format!("{}.{}", last.last_item_at, last.id.0))
}

/// Conversations in the caller's inboxes, most recent first, a page at a time,
/// filtered by state, customer label, inbox and channel. A conversation that gets a
/// new item while the pages are read moves to the top: it is on an earlier page.
#[utoipa::path(
    get,
    path = "/conversations",
    tag = "conversations",
    params(ConversationQuery),
    responses(
        (status = 200, description = "The conversations, a page at a time", body = Page<Conversation>),
        (status = 400, description = "A `state`, `inbox` or `kind` igdesk does not know (`invalid_parameter`, naming it)", body = ApiError),
    )
)]
pub async fn list_conversations(
    State(app): State<App>,
    Caller(agent): Caller,
    QueryParams(q): QueryParams<ConversationQuery>,
) -> Result<Json<Page<Conversation>>, ApiError> {
    let filter = q.filter()?;
    let data = labels::conversations(&app, &agent, &filter).await?;
    let next = next_conversations(&data, filter.limit);
    Ok(Json(Page { data, next }))
}

/// One conversation in the caller's inboxes (its state, agent, topics).
#[utoipa::path(
    get,
    path = "/conversations/{id}",
    tag = "conversations",
    params(("id" = i64, Path, description = "The conversation")),
    responses(
        (status = 200, description = "The conversation", body = Conversation),
        (status = 404, description = "No such conversation in the caller's inboxes", body = ApiError),
    )
)]
pub async fn get_conversation(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<Conversation>, ApiError> {
    let not_found = || ApiError::not_found("conversation");
    let id = id.parse().map(ConversationId).map_err(|_| not_found())?;
    let conversation = app.store.conversation(agent.scope(), id).await?;
    conversation.map(Json).ok_or_else(not_found)
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
