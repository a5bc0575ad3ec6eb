//! Internal notes: `POST /customers/{id}/notes`, `PATCH /notes/{id}`,
//! `DELETE /notes/{id}`. A note is listed in the customer's timeline as an item of
//! kind `note`, direction `internal`, with its `author`.

use super::auth::Caller;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use super::read_api::customer_id;
use super::views::{load_views, ItemView};
use crate::app::App;
use crate::service::notes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use igdesk_domain::ItemId;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteText {
    /// 1 to 2,000 characters (trimmed). `@Name` mentions an agent who can see the
    /// customer, who is told on their live stream (`mention`).
    // Read with a default so that a missing text is answered as an empty one: 400
    // naming `text`.
    #[serde(default)]
    text: String,
}

/// Adds an internal note to a customer's timeline: only the team sees it. It is never
/// sent to Instagram, and neither starts nor stops an SLA clock.
#[utoipa::path(
    post,
    path = "/customers/{id}/notes",
    tag = "customers",
    params(("id" = i64, Path, description = "The customer")),
    request_body = NoteText,
    responses(
        (status = 201, description = "The note, as a timeline item (`kind: note`, `direction: internal`, `author`)", body = ItemView),
        (status = 400, description = "No text, or more than 2,000 characters (`invalid_value`, field `text`), or a body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 404, description = "No such customer in the caller's inboxes", body = ApiError),
    )
)]
pub async fn add_note(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<NoteText>,
) -> Result<(StatusCode, Json<ItemView>), ApiError> {
    let customer = customer_id(&id)?;
    let note = notes::add(&app, &agent, customer, &body.text).await?;
    Ok((StatusCode::CREATED, Json(view(&app, note).await?)))
}

/// Changes the text of one of the caller's own notes, in the 10 minutes after it was
/// written.
#[utoipa::path(
    patch,
    path = "/notes/{id}",
    tag = "customers",
    params(("id" = i64, Path, description = "The note (its timeline item id)")),
    request_body = NoteText,
    responses(
        (status = 200, description = "The note as it is now", body = ItemView),
        (status = 400, description = "No text, or more than 2,000 characters (`invalid_value`, field `text`)", body = ApiError),
        (status = 403, description = "Someone else's note (`not_your_note`)", body = ApiError),
        (status = 404, description = "No such note in the caller's inboxes", body = ApiError),
        (status = 409, description = "More than 10 minutes after it was written (`note_locked`)", body = ApiError),
    )
)]
pub async fn edit_note(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<NoteText>,
) -> Result<Json<ItemView>, ApiError> {
    let id = note_id(&id)?;
    notes::edit(&app, &agent, id, &body.text).await?;
    Ok(Json(view(&app, id).await?))
}

/// Deletes one of the caller's own notes, in the 10 minutes after it was written.
/// Nothing of its text is kept.
#[utoipa::path(
    delete,
    path = "/notes/{id}",
    tag = "customers",
    params(("id" = i64, Path, description = "The note (its timeline item id)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Someone else's note (`not_your_note`)", body = ApiError),
        (status = 404, description = "No such note in the caller's inboxes", body = ApiError),
        (status = 409, description = "More than 10 minutes after it was written (`note_locked`)", body = ApiError),
    )
)]
pub async fn delete_note(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    notes::delete(&app, &agent, note_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn note_id(raw: &str) -> Result<ItemId, ApiError> {
    raw.parse()
        .map(ItemId)
        .map_err(|_| ApiError::not_found("note"))
}

async fn view(app: &App, id: ItemId) -> Result<ItemView, ApiError> {
    load_views(app, &[id], "")
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("note"))
}
