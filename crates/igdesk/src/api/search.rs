//! `GET /api/v1/search`: the top bar's search box as JSON.

use super::auth::Caller;
use super::error::ApiError;
use super::extract::QueryParams;
use super::views::rfc3339;
use crate::app::App;
use crate::service::search::{self as service, Piece, Search};
use axum::extract::State;
use axum::Json;
use igdesk_store::Customer;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words to find (at most 200 characters; only letters and digits count, every
    /// word must be present). People match by name, username, IGSID, phone or email,
    /// the last word as a prefix; messages by their words.
    q: String,
    /// `all` (default: the first page of people, then of messages), `people` or
    /// `messages`.
    kind: Option<String>,
    /// At most this many of each kind, 1 to 50 (default 20).
    #[param(minimum = 1, maximum = 50)]
    limit: Option<i64>,
    /// The `next` of an earlier page; only with `kind=people` or `kind=messages`.
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    /// `all`, `people` or `messages`, as asked.
    pub kind: &'static str,
    /// Newest first.
    pub people: Vec<Customer>,
    /// Newest first.
    pub messages: Vec<FoundMessage>,
    /// Pass as `cursor` (with the same `q` and `kind`) for the next page; null on
    /// the last page and for `kind=all`.
    pub next: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FoundMessage {
    pub item_id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub conversation_id: Option<i64>,
    pub kind: String,
    pub direction: String,
    pub source: String,
    pub text: String,
    /// The text around the first match, the words searched for marked `hit`.
    pub excerpt: Vec<Piece>,
    pub created_at: String,
    pub created_at_ms: i64,
}

/// People (by Instagram name, username, IGSID, phone, email) and messages,
/// comments and notes (by their words) the caller may see, newest first. Deleted
/// messages are never found.
#[utoipa::path(
    get,
    path = "/search",
    tag = "customers",
    operation_id = "search",
    params(SearchParams),
    responses(
        (status = 200, description = "What was found", body = SearchResults),
        (status = 400, description = "No word to search for, or a bad `kind`, `limit` or `cursor` (the field is named)", body = ApiError),
    )
)]
pub async fn search(
    State(app): State<App>,
    Caller(agent): Caller,
    QueryParams(params): QueryParams<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    let s = Search::parse(
        &params.q,
        params.kind.as_deref(),
        params.limit,
        params.cursor.as_deref(),
    )?;
    let found = service::search(&app, &agent, &s).await?;
    Ok(Json(SearchResults {
        kind: s.kind.as_str(),
        people: found.people,
        messages: found
            .items
            .into_iter()
            .map(|f| FoundMessage {
                item_id: f.item.id.0,
                customer_id: f.item.customer_id.0,
                customer_name: f.customer_name,
                conversation_id: f.item.conversation_id.map(|c| c.0),
                kind: f.item.kind,
                direction: f.item.direction,
                source: f.item.source,
                text: f.item.text.unwrap_or_default(),
                excerpt: f.excerpt,
                created_at: rfc3339(f.item.created_at),
                created_at_ms: f.item.created_at,
            })
            .collect(),
        next: found.next.map(|n| n.to_string()),
    }))
}
