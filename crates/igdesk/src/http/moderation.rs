//! Actions on timeline items: like / unlike (OUT-7) and comment moderation — public
//! reply, private reply, hide, delete (OUT-8). Likes and moderation act on an object
//! at once and say at once whether Instagram took it; a private reply is a message
//! and goes through the outbox like any other.

use super::auth::Caller;
use super::error::ApiError;
use super::views::{load_views, ItemView};
use crate::answering::{self, refused, Reply};
use crate::app::App;
use crate::now_ms;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use igdesk_domain::rules::{self, Author, Channel, RuleError, PRIVATE_REPLY_WINDOW};
use igdesk_domain::timeline::story_available;
use igdesk_domain::ItemId;
use igdesk_meta::{ErrorAction, GraphError};
use igdesk_store::{Agent, Customer, TimelineItem};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextBody {
    text: String,
}

fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code, message)
}

/// The item, if the caller may see it, with its customer.
async fn visible_item(
    app: &App,
    agent: &Agent,
    raw: &str,
) -> Result<(TimelineItem, Customer), ApiError> {
    let id = raw
        .parse()
        .map(ItemId)
        .map_err(|_| ApiError::not_found("timeline item"))?;
    let item = app
        .store
        .item_for_job(id)
        .await?
        .ok_or_else(|| ApiError::not_found("timeline item"))?;
    let customer = app
        .store
        .customer(agent.scope(), item.customer_id)
        .await?
        .ok_or_else(|| ApiError::not_found("timeline item"))?;
    Ok((item, customer))
}

/// How to call Meta for the item's account, and the token it uses (sealed).
async fn auth(
    app: &App,
    item: &TimelineItem,
) -> Result<(igdesk_meta::AccountAuth, String), ApiError> {
    let account = app
        .store
        .account(item.account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    if account.needs_reconnect {
        return Err(conflict(
            "needs_reconnect",
            "the Instagram account must be reconnected first",
        ));
    }
    let auth = app.auth_for(&account).map_err(ApiError::internal)?;
    Ok((auth, account.token_sealed))
}

/// Meta's refusal, said to the agent.
async fn meta_error(app: &App, item: &TimelineItem, sealed: &str, e: GraphError) -> ApiError {
    match e.action() {
        ErrorAction::GiveUp => {
            let words = match &e {
                GraphError::Meta {
                    code,
                    subcode,
                    message,
                    ..
                } => rules::describe_meta_error(*code, *subcode, message),
                other => other.to_string(),
            };
            conflict("refused_by_instagram", words)
        }
        ErrorAction::Reconnect => {
            let _ = app
                .store
                .mark_needs_reconnect(item.account_id, sealed, &e.to_string())
                .await;
            conflict(
                "needs_reconnect",
                "Instagram rejected the account's token: reconnect the account",
            )
        }
        ErrorAction::RetryLater | ErrorAction::BackOff => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "instagram_unavailable",
            format!("try again shortly: {e}"),
        ),
    }
}

async fn view(app: &App, id: ItemId, customer: &Customer) -> Result<Json<ItemView>, ApiError> {
    load_views(app, &[id], &customer.name)
        .await?
        .pop()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("timeline item"))
}

fn likeable(item: &TimelineItem) -> Result<(), ApiError> {
    if item.direction != "in" || !matches!(item.kind.as_str(), "message" | "story_mention") {
        return Err(conflict(
            "not_likeable",
            "only a customer's message or Story mention can be liked",
        ));
    }
    if item.deleted {
        return Err(conflict(
            "not_available",
            "the customer deleted this message",
        ));
    }
    if item.kind == "story_mention" && !story_available(item.created_at, item.story_gone, now_ms())
    {
        return Err(conflict(
            "not_available",
            "the Story is no longer available",
        ));
    }
    Ok(())
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
    Path(id): Path<String>,
) -> Result<Json<ItemView>, ApiError> {
    set_like(app, agent, id, true).await
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
    Path(id): Path<String>,
) -> Result<Json<ItemView>, ApiError> {
    set_like(app, agent, id, false).await
}

async fn set_like(
    app: App,
    agent: Agent,
    id: String,
    liked: bool,
) -> Result<Json<ItemView>, ApiError> {
    let (mut item, customer) = visible_item(&app, &agent, &id).await?;
    likeable(&item)?;
    let (auth, sealed) = auth(&app, &item).await?;
    let (action, payload) = if liked {
        (
            "react",
            json!({ "message_id": item.mid, "reaction": "love" }),
        )
    } else {
        ("unreact", json!({ "message_id": item.mid }))
    };
    if let Err(e) = app
        .graph
        .sender_action(&auth, &customer.igsid, action, Some(payload))
        .await
    {
        return Err(meta_error(&app, &item, &sealed, e).await);
    }
    item.context.liked = liked;
    app.store.set_item_context(item.id, &item.context).await?;
    view(&app, item.id, &customer).await
}

fn answerable_comment(item: &TimelineItem) -> Result<(), ApiError> {
    if item.kind != "comment" || item.direction != "in" {
        return Err(conflict(
            "not_a_comment",
            "this action is for a customer's comment",
        ));
    }
    if item.context.removed_from_instagram {
        return Err(conflict(
            "comment_deleted",
            "the comment was deleted from Instagram",
        ));
    }
    if item.context.hidden {
        return Err(conflict(
            "comment_hidden",
            "a hidden comment can no longer be answered",
        ));
    }
    Ok(())
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
        (status = 409, description = "Not a customer's comment (`not_a_comment`), deleted (`comment_deleted`) or hidden (`comment_hidden`), already answered (`already_replied`), the account must be reconnected (`needs_reconnect`), or Instagram refused (`refused_by_instagram`)", body = ApiError),
        (status = 422, description = "Empty (`empty_message`) or too long (`text_too_long`)", body = ApiError),
        (status = 503, description = "Instagram cannot be reached; try again shortly (`instagram_unavailable`)", body = ApiError),
    )
)]
pub async fn reply(
    State(app): State<App>,
    Caller(agent): Caller,
    Path(id): Path<String>,
    Json(body): Json<TextBody>,
) -> Result<(StatusCode, Json<ItemView>), ApiError> {
    let (item, customer) = visible_item(&app, &agent, &id).await?;
    answerable_comment(&item)?;
    if item.context.replied_publicly {
        return Err(conflict(
            "already_replied",
            "this comment already has a public reply from igdesk",
        ));
    }
    if body.text.trim().is_empty() {
        return Err(refused(RuleError::Empty));
    }
    rules::check_text(&body.text, Channel::Console).map_err(refused)?;
    let (auth, sealed) = auth(&app, &item).await?;
    let reply_id = match app
        .graph
        .reply_to_comment(&auth, &item.mid, &body.text)
        .await
    {
        Ok(id) => id,
        Err(e) => return Err(meta_error(&app, &item, &sealed, e).await),
    };
    let reply = app
        .store
        .record_comment_reply(item.id, &reply_id, &body.text, now_ms())
        .await?;
    Ok((StatusCode::CREATED, view(&app, reply, &customer).await?))
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
        (status = 409, description = "Not a customer's comment (`not_a_comment`), deleted (`comment_deleted`) or hidden (`comment_hidden`), or already answered privately (`already_replied`)", body = ApiError),
        (status = 422, description = "Instagram's rules refuse it, e.g. past 7 days (`window_closed`)", body = ApiError),
    )
)]
pub async fn private_reply(
    State(app): State<App>,
    Caller(agent): Caller,
    Path(id): Path<String>,
    Json(body): Json<TextBody>,
) -> Result<(StatusCode, Json<ItemView>), ApiError> {
    let (mut item, customer) = visible_item(&app, &agent, &id).await?;
    answerable_comment(&item)?;
    if item.context.replied_privately {
        return Err(conflict(
            "already_replied",
            "a comment can be answered by private message once",
        ));
    }
    if now_ms() - item.created_at > PRIVATE_REPLY_WINDOW {
        return Err(refused(RuleError::WindowClosed {
            hours: (now_ms() - item.created_at) / igdesk_domain::time::HOUR,
            why: "a private reply is possible for 7 days after the comment",
        }));
    }
    let reply = Reply {
        text: Some(body.text),
        images: Vec::new(),
        channel: Channel::Console,
        author: Author::Human,
        comment_id: Some(item.mid.clone()),
    };
    let ids = answering::queue(&app, &customer, reply).await?;
    item.context.replied_privately = true;
    app.store.set_item_context(item.id, &item.context).await?;
    let id = *ids
        .first()
        .ok_or_else(|| ApiError::internal("a reply without parts"))?;
    Ok((StatusCode::ACCEPTED, view(&app, id, &customer).await?))
}

/// Hide or delete: done once at Instagram, then remembered on the comment.
#[derive(Clone, Copy)]
enum Moderation {
    Hide,
    /// Gone from Instagram; kept in igdesk, marked.
    Delete,
}

impl Moderation {
    fn done(self, item: &mut TimelineItem) -> &mut bool {
        match self {
            Moderation::Hide => &mut item.context.hidden,
            Moderation::Delete => &mut item.context.removed_from_instagram,
        }
    }
}

async fn moderate(
    app: App,
    agent: Agent,
    id: String,
    action: Moderation,
) -> Result<Json<ItemView>, ApiError> {
    let (mut item, customer) = visible_item(&app, &agent, &id).await?;
    if item.kind != "comment" || item.direction != "in" {
        return Err(conflict(
            "not_a_comment",
            "only a customer's comment can be hidden or deleted",
        ));
    }
    if !*action.done(&mut item) {
        let (auth, sealed) = auth(&app, &item).await?;
        let result = match action {
            Moderation::Hide => app.graph.hide_comment(&auth, &item.mid).await,
            Moderation::Delete => app.graph.delete_comment(&auth, &item.mid).await,
        };
        if let Err(e) = result {
            return Err(meta_error(&app, &item, &sealed, e).await);
        }
        *action.done(&mut item) = true;
        app.store.set_item_context(item.id, &item.context).await?;
    }
    view(&app, item.id, &customer).await
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
    Path(id): Path<String>,
) -> Result<Json<ItemView>, ApiError> {
    moderate(app, agent, id, Moderation::Hide).await
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
    Path(id): Path<String>,
) -> Result<Json<ItemView>, ApiError> {
    moderate(app, agent, id, Moderation::Delete).await
}
