//! Topics (RT-6): administrators make them, agents tag their inbox's conversations.

use super::auth::{Admin, Caller};
use super::body::JsonBody;
use super::error::ApiError;
use super::read_api::List;
use crate::app::App;
use crate::now_ms;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use igdesk_domain::{ConversationId, TopicId};
use igdesk_store::{StoreError, Topic};
use serde::Deserialize;
use utoipa::ToSchema;

/// More than this on one conversation is no longer a classification.
const MOST_TOPICS: usize = 20;

/// Every topic.
#[utoipa::path(
    get,
    path = "/topics",
    tag = "topics",
    responses((status = 200, description = "The topics", body = List<Topic>))
)]
pub async fn list_topics(
    State(app): State<App>,
    Caller(_): Caller,
) -> Result<Json<List<Topic>>, ApiError> {
    Ok(Json(List {
        data: app.store.topics().await?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTopic {
    /// 1 to 80 characters, unique in any case.
    name: String,
}

/// A new topic.
#[utoipa::path(
    post,
    path = "/topics",
    tag = "topics",
    request_body = NewTopic,
    responses(
        (status = 201, description = "The topic", body = Topic),
        (status = 400, description = "No name, or a name too long (`invalid_name`), or a body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 409, description = "A topic of this name exists, in any case (`already_exists`)", body = ApiError),
    )
)]
pub async fn create_topic(
    State(app): State<App>,
    Admin(_): Admin,
    JsonBody(body): JsonBody<NewTopic>,
) -> Result<(StatusCode, Json<Topic>), ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::bad_request(
            "invalid_name",
            "a topic needs a name of 1 to 80 characters",
        )
        .field("name"));
    }
    match app.store.add_topic(name, now_ms()).await {
        Ok(topic) => Ok((StatusCode::CREATED, Json(topic))),
        Err(StoreError::Conflict(_)) => Err(ApiError::conflict(
            "already_exists",
            format!("a topic named {name:?} already exists (names are compared in any case)"),
        )
        .field("name")),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicChoice {
    /// Topic ids; replaces the conversation's topics (an empty list clears them).
    topics: Vec<i64>,
}

/// Sets a conversation's topics; answers them as they are now.
#[utoipa::path(
    put,
    path = "/conversations/{id}/topics",
    tag = "topics",
    params(("id" = i64, Path, description = "The conversation")),
    request_body = TopicChoice,
    responses(
        (status = 200, description = "The conversation's topics", body = List<Topic>),
        (status = 400, description = "More than 20 topics (`too_many_topics`), an unknown topic (`unknown_topic`), or a body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 404, description = "No such conversation in the caller's inboxes", body = ApiError),
    )
)]
pub async fn set_conversation_topics(
    State(app): State<App>,
    Caller(agent): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TopicChoice>,
) -> Result<Json<List<Topic>>, ApiError> {
    let id = id
        .parse()
        .map(ConversationId)
        .map_err(|_| ApiError::not_found("conversation"))?;
    if body.topics.len() > MOST_TOPICS {
        return Err(ApiError::bad_request(
            "too_many_topics",
            format!("a conversation takes at most {MOST_TOPICS} topics"),
        )
        .field("topics"));
    }
    let known = app.store.topics().await?;
    if let Some(unknown) = body
        .topics
        .iter()
        .find(|id| !known.iter().any(|t| t.id.0 == **id))
    {
        return Err(
            ApiError::bad_request("unknown_topic", format!("no topic {unknown}")).field("topics"),
        );
    }
    let ids: Vec<TopicId> = body.topics.into_iter().map(TopicId).collect();
    app.store
        .set_conversation_topics(agent.scope(), id, &ids)
        .await?
        .map(|data| Json(List { data }))
        .ok_or_else(|| ApiError::not_found("conversation"))
}
