//! Saved answers: `/api/v1/answers`. Agents read the answers of their
//! inboxes and everyone's, filled in for a customer when they ask with
//! `customer_id`, and count a use when they insert one; administrators keep the
//! library. The rules are `service::saved_answers`. (Replies themselves are
//! `answers.rs`.)

use super::auth::{Admin, Caller};
use super::error::ApiError;
use super::extract::{body_bytes, JsonBody, PathParams, QueryParams};
use super::read_api::List;
use crate::app::App;
use crate::service::saved_answers::{self as service, AnswerEdit, AnswerInput};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::Json;
use igdesk_domain::{CustomerId, InboxId, Millis, SavedAnswerId};
use igdesk_store::{Agent, SavedAnswer};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A saved answer as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct SavedAnswerView {
    #[schema(value_type = i64)]
    id: SavedAnswerId,
    /// Unique among the answers of the same inbox (or of everyone), in any case.
    title: String,
    /// As written, with its placeholders: `{first_name}`, `{agent_name}`,
    /// `{business_name}`.
    text: String,
    /// The inbox whose agents use it; `null`: everyone.
    #[schema(value_type = Option<i64>)]
    inbox_id: Option<InboxId>,
    /// An image sent after the text, when it has one.
    image_url: Option<String>,
    /// How many times agents inserted it (administrators only).
    #[serde(skip_serializing_if = "Option::is_none")]
    uses: Option<i64>,
    /// The text with its placeholders filled in for the customer and the calling
    /// agent (only when listed with `customer_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    filled: Option<String>,
    created_at: Millis,
    updated_at: Millis,
}

fn view(agent: &Agent, answer: SavedAnswer, filled: Option<String>) -> SavedAnswerView {
    SavedAnswerView {
        id: answer.id,
        title: answer.title,
        text: answer.text,
        inbox_id: answer.inbox_id,
        image_url: answer.image_id.map(|id| format!("/media/{id}")),
        uses: agent.is_admin.then_some(answer.uses),
        filled,
        created_at: answer.created_at,
        updated_at: answer.updated_at,
    }
}

fn answer_id(id: &str) -> Result<SavedAnswerId, ApiError> {
    id.parse()
        .map(SavedAnswerId)
        .map_err(|_| ApiError::not_found("saved answer"))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnswersQuery {
    /// Only the answers that fit this customer's inbox, each with `filled`.
    #[param(value_type = Option<i64>)]
    customer_id: Option<String>,
}

/// The saved answers the caller may insert, by title: an agent's inboxes' and
/// everyone's (every one, with `uses`, for an administrator). With `customer_id`,
/// those for the customer's inbox and everyone's, with their text filled in.
#[utoipa::path(
    get,
    path = "/answers",
    tag = "answers",
    params(AnswersQuery),
    responses(
        (status = 200, description = "The answers", body = List<SavedAnswerView>),
        (status = 400, description = "A `customer_id` that is not a number (`invalid_customer_id`)", body = ApiError),
        (status = 404, description = "No such customer in the caller's inboxes", body = ApiError),
    )
)]
pub async fn list_answers(
    State(app): State<App>,
    Caller(agent): Caller,
    QueryParams(q): QueryParams<AnswersQuery>,
) -> Result<Json<List<SavedAnswerView>>, ApiError> {
    let data = match q.customer_id {
        None => service::list(&app, &agent)
            .await?
            .into_iter()
            .map(|a| view(&agent, a, None))
            .collect(),
        Some(raw) => {
            let customer = raw.trim().parse().map(CustomerId).map_err(|_| {
                ApiError::bad_request("invalid_customer_id", "customer_id is a customer's number")
                    .field("customer_id")
            })?;
            service::for_customer(&app, &agent, customer)
                .await?
                .into_iter()
                .map(|(a, filled)| view(&agent, a, Some(filled)))
                .collect()
        }
    };
    Ok(Json(List { data }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSavedAnswer {
    /// 1 to 80 characters.
    title: String,
    /// 1 to 640 characters as written; only the three placeholders.
    text: String,
    /// The inbox whose agents use it; left out or `null`: everyone.
    #[serde(default)]
    inbox_id: Option<i64>,
}

/// A new saved answer (administrators).
#[utoipa::path(
    post,
    path = "/answers",
    tag = "answers",
    request_body = NewSavedAnswer,
    responses(
        (status = 201, description = "The answer", body = SavedAnswerView),
        (status = 400, description = "A bad `title` (`invalid_title`), `text` (`invalid_text`, `text_too_long`, `unknown_placeholder`) or `inbox_id` (`unknown_inbox`), or a body that cannot be read (`invalid_body`); `field` names it", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 409, description = "An answer of this title for the same agents exists, in any case (`already_exists`)", body = ApiError),
    )
)]
pub async fn create_answer(
    State(app): State<App>,
    Admin(agent): Admin,
    JsonBody(body): JsonBody<NewSavedAnswer>,
) -> Result<(StatusCode, Json<SavedAnswerView>), ApiError> {
    let input = AnswerInput {
        title: body.title,
        text: body.text,
        inbox: body.inbox_id.map(InboxId),
    };
    let answer = service::create(&app, &agent, input).await?;
    Ok((StatusCode::CREATED, Json(view(&agent, answer, None))))
}

/// A present field, even `null`: `Some(None)` (for everyone), unlike one left out.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedAnswerEdit {
    title: Option<String>,
    text: Option<String>,
    /// An inbox, or `null` for everyone; left out: unchanged.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    inbox_id: Option<Option<i64>>,
}

/// One saved answer the caller may insert.
#[utoipa::path(
    get,
    path = "/answers/{id}",
    tag = "answers",
    params(("id" = i64, Path, description = "The answer")),
    responses(
        (status = 200, description = "The answer", body = SavedAnswerView),
        (status = 404, description = "No such answer for the caller", body = ApiError),
    )
)]
pub async fn get_answer(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<SavedAnswerView>, ApiError> {
    let answer = service::get(&app, &agent, answer_id(&id)?).await?;
    Ok(Json(view(&agent, answer, None)))
}

/// Changes a saved answer (administrators); fields left out stay as they are.
#[utoipa::path(
    patch,
    path = "/answers/{id}",
    tag = "answers",
    params(("id" = i64, Path, description = "The answer")),
    request_body = SavedAnswerEdit,
    responses(
        (status = 200, description = "The answer as it is now", body = SavedAnswerView),
        (status = 400, description = "A bad `title`, `text` or `inbox_id`, as for a new one; `field` names it", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such answer", body = ApiError),
        (status = 409, description = "An answer of this title for the same agents exists (`already_exists`)", body = ApiError),
    )
)]
pub async fn update_answer(
    State(app): State<App>,
    Admin(agent): Admin,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<SavedAnswerEdit>,
) -> Result<Json<SavedAnswerView>, ApiError> {
    let edit = AnswerEdit {
        title: body.title,
        text: body.text,
        inbox: body.inbox_id.map(|i| i.map(InboxId)),
    };
    let answer = service::update(&app, &agent, answer_id(&id)?, edit).await?;
    Ok(Json(view(&agent, answer, None)))
}

/// Deletes a saved answer (administrators).
#[utoipa::path(
    delete,
    path = "/answers/{id}",
    tag = "answers",
    params(("id" = i64, Path, description = "The answer")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such answer", body = ApiError),
    )
)]
pub async fn delete_answer(
    State(app): State<App>,
    Admin(agent): Admin,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    service::delete(&app, &agent, answer_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One use of a saved answer: the console counts it when an agent inserts it.
#[utoipa::path(
    post,
    path = "/answers/{id}/uses",
    tag = "answers",
    params(("id" = i64, Path, description = "The answer")),
    responses(
        (status = 204, description = "Counted"),
        (status = 404, description = "No such answer for the caller", body = ApiError),
    )
)]
pub async fn count_use(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    service::count_use(&app, &agent, answer_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives a saved answer its image (administrators): the body is the image itself, a
/// JPEG, PNG or GIF of at most 5 MB (what the console may send), with its
/// `Content-Type`. It replaces the one before.
#[utoipa::path(
    put,
    path = "/answers/{id}/image",
    tag = "answers",
    params(("id" = i64, Path, description = "The answer")),
    // The body, a JPEG, PNG or GIF as its bytes under its own type, is spelled out in
    // the document by `constraints::media_rules`.
    request_body(content = String, content_type = "image/jpeg"),
    responses(
        (status = 200, description = "The answer as it is now", body = SavedAnswerView),
        (status = 400, description = "Over 5 MB (`attachment_too_large`), or bytes that are not the type the `Content-Type` claims (`attachment_mismatch`); `field` is `image`", body = ApiError),
        (status = 413, description = "Over 6 MB, more than the endpoint reads (`body_too_large`)", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such answer", body = ApiError),
        (status = 415, description = "Not a JPEG, PNG or GIF, whatever the `Content-Type` says (`attachment_type`, `field` is `image`)", body = ApiError),
    )
)]
pub async fn set_image(
    State(app): State<App>,
    Admin(agent): Admin,
    PathParams(id): PathParams<String>,
    request: Request,
) -> Result<Json<SavedAnswerView>, ApiError> {
    let id = answer_id(&id)?;
    let declared = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let declared = declared.as_deref();
    let bytes = body_bytes(request, &app).await?;
    // The bytes decide, and must agree with the header: what is stored is what Meta
    // (and a browser opening `/media`) will see.
    let image = super::answers::image_upload(declared, None, &bytes)?;
    let answer = service::set_image(&app, &agent, id, Some(image)).await?;
    Ok(Json(view(&agent, answer, None)))
}

/// Takes a saved answer's image off (administrators).
#[utoipa::path(
    delete,
    path = "/answers/{id}/image",
    tag = "answers",
    params(("id" = i64, Path, description = "The answer")),
    responses(
        (status = 200, description = "The answer as it is now", body = SavedAnswerView),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such answer", body = ApiError),
    )
)]
pub async fn remove_image(
    State(app): State<App>,
    Admin(agent): Admin,
    PathParams(id): PathParams<String>,
) -> Result<Json<SavedAnswerView>, ApiError> {
    let answer = service::set_image(&app, &agent, answer_id(&id)?, None).await?;
    Ok(Json(view(&agent, answer, None)))
}
