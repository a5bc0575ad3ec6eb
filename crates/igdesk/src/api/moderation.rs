//! Actions on timeline items: like / unlike (OUT-7) and comment moderation — public
//! reply, private reply, hide, delete (OUT-8). The actions and their rules are
//! `service::moderation`; these handlers read the request and answer the item.

use super::auth::Caller;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use super::views::{item_view, ItemView};
use crate::app::App;
use crate::service::moderation;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use igdesk_domain::ItemId;
use igdesk_store::Agent;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextBody {
    text: String,
}

/// An id that is not a number names no item.
fn item_id(raw: &str) -> Result<ItemId, ApiError> {
    raw.parse()
        .map(ItemId)
        .map_err(|_| ApiError::not_found("timeline item"))
}

/// The item as it is now, as the caller sees it.
async fn view(app: &App, agent: &Agent, id: ItemId) -> Result<Json<ItemView>, ApiError> {
    let (item, customer) = moderation::visible_item(app, agent, id).await?;
    Ok(Json(item_view(item, &customer.name)))
}

/// Like a customer's message or Story mention (OUT-7).
#[utoipa::path(
    post,
    path = "/timeline/{item}/like",
    tag = "timeline",
    operation_id = "like_item",
    params(("item" = i64, Path, description = "The timeline item")),
    responses(
        (status = 200, description = "The item, `context.liked` set", body = ItemView),
        (status = 404, description = "No such item in the caller's inboxes", body = ApiError),
        (status = 409, description = "Not a customer's message or Story mention (`not_likeable`), deleted or expired (`not_available`), the account must be reconnected (`needs_reconnect`), or Instagram refused (`refused_by_instagram`)", body = ApiError),
        (status = 503, description = "Instagram cannot be reached; try again shortly (`instagram_unavailable`)", body = ApiError),
    )
)]
pub async fn like(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<ItemView>, ApiError> {
    let id = moderation::set_like(&app, &agent, item_id(&id)?, true).await?;
    view(&app, &agent, id).await
}

/// Take a like back.
#[utoipa::path(
    delete,
    path = "/timeline/{item}/like",
    tag = "timeline",
    operation_id = "unlike_item",
    params(("item" = i64, Path, description = "The timeline item")),
    responses(
        (status = 200, description = "The item, `context.liked` cleared", body = ItemView),
        (status = 404, description = "No such item in the caller's inboxes", body = ApiError),
        (status = 409, description = "Not a customer's message or Story mention (`not_likeable`), deleted or expired (`not_available`), the account must be reconnected (`needs_reconnect`), or Instagram refused (`refused_by_instagram`)", body = ApiError),
        (status = 503, description = "Instagram cannot be reached; try again shortly (`instagram_unavailable`)", body = ApiError),
    )
)]
pub async fn unlike(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<ItemView>, ApiError> {
    let id = moderation::set_like(&app, &agent, item_id(&id)?, false).await?;
    view(&app, &agent, id).await
}

/// A public reply under a customer's comment, once (OUT-8).
#[utoipa::path(
    post,
    path = "/timeline/{item}/reply",
    tag = "timeline",
    operation_id = "reply_to_comment",
    params(("item" = i64, Path, description = "The timeline item")),
    request_body = TextBody,
    responses(
        (status = 201, description = "The reply, a new item", body = ItemView),
        (status = 404, description = "No such item in the caller's inboxes", body = ApiError),
        (status = 409, description = "Not a customer's comment (`not_a_comment`), deleted (`comment_deleted`) or hidden (`comment_hidden`), already answered (`already_replied`), the inbox requires a topic the conversation has not got (`topic_required`), the account must be reconnected (`needs_reconnect`), or Instagram refused (`refused_by_instagram`)", body = ApiError),
        (status = 422, description = "Empty (`empty_message`) or too long (`text_too_long`)", body = ApiError),
        (status = 503, description = "Instagram cannot be reached; try again shortly (`instagram_unavailable`)", body = ApiError),
    )
)]
pub async fn reply(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<TextBody>,
) -> Result<(StatusCode, Json<ItemView>), ApiError> {
    let reply = moderation::reply_to_comment(&app, &agent, item_id(&id)?, &body.text).await?;
    Ok((StatusCode::CREATED, view(&app, &agent, reply).await?))
}

/// A private message to the commenter, once, within 7 days of the comment (OUT-8). It is
/// queued like any reply.
#[utoipa::path(
    post,
    path = "/timeline/{item}/private-reply",
    tag = "timeline",
    params(("item" = i64, Path, description = "The timeline item")),
    request_body = TextBody,
    responses(
        (status = 202, description = "The queued message", body = ItemView),
        (status = 404, description = "No such item in the caller's inboxes", body = ApiError),
        (status = 409, description = "Not a customer's comment (`not_a_comment`), deleted (`comment_deleted`) or hidden (`comment_hidden`), already answered privately (`already_replied`), or the inbox requires a topic the conversation has not got (`topic_required`)", body = ApiError),
        (status = 422, description = "Instagram's rules refuse it, e.g. past 7 days (`window_closed`)", body = ApiError),
    )
)]
pub async fn private_reply(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<TextBody>,
) -> Result<(StatusCode, Json<ItemView>), ApiError> {
    let ids = moderation::private_reply(&app, &agent, item_id(&id)?, &body.text).await?;
    let id = *ids
        .first()
        .ok_or_else(|| ApiError::internal("a reply without parts"))?;
    Ok((StatusCode::ACCEPTED, view(&app, &agent, id).await?))
}

/// Hide a customer's comment on Instagram; it can no longer be answered.
#[utoipa::path(
    post,
    path = "/timeline/{item}/hide",
    tag = "timeline",
    operation_id = "hide_comment",
    params(("item" = i64, Path, description = "The timeline item")),
    responses(
        (status = 200, description = "The comment, `context.hidden` set", body = ItemView),
        (status = 404, description = "No such item in the caller's inboxes", body = ApiError),
        (status = 409, description = "Not a customer's comment (`not_a_comment`), the account must be reconnected (`needs_reconnect`), or Instagram refused (`refused_by_instagram`)", body = ApiError),
        (status = 503, description = "Instagram cannot be reached; try again shortly (`instagram_unavailable`)", body = ApiError),
    )
)]
pub async fn hide(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<ItemView>, ApiError> {
    let id = moderation::hide_comment(&app, &agent, item_id(&id)?).await?;
    view(&app, &agent, id).await
}

/// Delete a customer's comment from Instagram; igdesk keeps it, marked.
#[utoipa::path(
    delete,
    path = "/timeline/{item}",
    tag = "timeline",
    operation_id = "delete_comment",
    params(("item" = i64, Path, description = "The timeline item")),
    responses(
        (status = 200, description = "The comment, `context.removed_from_instagram` set", body = ItemView),
        (status = 404, description = "No such item in the caller's inboxes", body = ApiError),
        (status = 409, description = "Not a customer's comment (`not_a_comment`), the account must be reconnected (`needs_reconnect`), or Instagram refused (`refused_by_instagram`)", body = ApiError),
        (status = 503, description = "Instagram cannot be reached; try again shortly (`instagram_unavailable`)", body = ApiError),
    )
)]
pub async fn delete(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<ItemView>, ApiError> {
    let id = moderation::delete_comment(&app, &agent, item_id(&id)?).await?;
    view(&app, &agent, id).await
}
