//! Topics (RT-6): administrators make them, agents tag their inbox's conversations.
//! The rules are `service::topics`.

use super::auth::{Admin, Caller};
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use super::read_api::List;
use crate::app::App;
use crate::service::topics as service;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use igdesk_domain::{ConversationId, TopicId};
use igdesk_store::Topic;
use serde::Deserialize;
use utoipa::ToSchema;

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
        data: service::all(&app).await?,
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
    let topic = service::create(&app, &body.name).await?;
    Ok((StatusCode::CREATED, Json(topic)))
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
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<TopicChoice>,
) -> Result<Json<List<Topic>>, ApiError> {
    let id = id
        .parse()
        .map(ConversationId)
        .map_err(|_| ApiError::not_found("conversation"))?;
    let topics: Vec<TopicId> = body.topics.into_iter().map(TopicId).collect();
    let data = service::set_conversation_topics(&app, &agent, id, &topics).await?;
    Ok(Json(List { data }))
}
