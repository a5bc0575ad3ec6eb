//! Ending sessions (RT-4; the actions are `service::sessions`) and the SLA figures
//! (RT-5).

use super::auth::{Admin, Caller};
use super::error::ApiError;
use super::extract::{JsonBody, PathParams, QueryParams};
use crate::app::App;
use crate::service::dashboard::instant;
use crate::service::sessions as service;
use axum::extract::State;
use axum::Json;
use igdesk_domain::{ConversationId, InboxId, ItemId};
use igdesk_store::SlaReport;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    /// Close & Next: ask for the next piece of work at once.
    #[serde(default)]
    next: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Ended {
    conversation_id: ConversationId,
    /// `closed`.
    state: &'static str,
}

/// Close, or Close & Next with `{"next": true}`.
#[utoipa::path(
    post,
    path = "/conversations/{id}/close",
    tag = "conversations",
    operation_id = "close_conversation",
    params(("id" = i64, Path, description = "The conversation")),
    request_body(content = Option<CloseBody>, description = "Optional"),
    responses(
        (status = 200, description = "Closed", body = Ended),
        (status = 404, description = "No such conversation in the caller's inboxes", body = ApiError),
        (status = 409, description = "Already ended (`already_closed`), assigned to another agent (`not_assigned_to_you`), or, for Close & Next, the agent has their maximum (`at_maximum`, the conversation is closed nonetheless)", body = ApiError),
    )
)]
pub async fn close(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
    body: Option<JsonBody<Option<CloseBody>>>,
) -> Result<Json<Ended>, ApiError> {
    let conversation = id
        .parse()
        .map(ConversationId)
        .map_err(|_| ApiError::not_found("conversation"))?;
    let next = body.and_then(|JsonBody(b)| b).is_some_and(|b| b.next);
    if next {
        service::close_and_next(&app, &agent, conversation).await?;
    } else {
        service::close(&app, &agent, conversation).await?;
    }
    Ok(Json(Ended {
        conversation_id: conversation,
        state: "closed",
    }))
}

/// No Reply Needed on the last incoming message: the SLA is met, the session ends.
#[utoipa::path(
    post,
    path = "/timeline/{item}/no-reply-needed",
    tag = "timeline",
    params(("item" = i64, Path, description = "The timeline item")),
    responses(
        (status = 200, description = "The session ended", body = Ended),
        (status = 404, description = "No such item in the caller's inboxes", body = ApiError),
        (status = 409, description = "Not the last incoming message of an open session (`not_last_incoming`)", body = ApiError),
    )
)]
pub async fn no_reply_needed(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(item): PathParams<String>,
) -> Result<Json<Ended>, ApiError> {
    let item = item
        .parse()
        .map(ItemId)
        .map_err(|_| ApiError::not_found("timeline item"))?;
    let conversation_id = service::no_reply_needed(&app, &agent, item).await?;
    Ok(Json(Ended {
        conversation_id,
        state: "closed",
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// Unix milliseconds, inclusive; default: 24 hours before `to`.
    #[param(minimum = 0, maximum = 253_402_300_799_999_i64)]
    from: Option<i64>,
    /// Unix milliseconds, exclusive; default: now.
    #[param(minimum = 0, maximum = 253_402_300_799_999_i64)]
    to: Option<i64>,
}

/// SLA figures of an inbox for waits that started in the period (admins).
#[utoipa::path(
    get,
    path = "/inboxes/{id}/sla",
    tag = "configuration",
    operation_id = "inbox_sla",
    params(("id" = i64, Path, description = "The inbox"), Period),
    responses(
        (status = 200, description = "The figures", body = SlaReport),
        (status = 400, description = "`from` is not before `to`, or a time is outside 0 to 253402300799999 (`invalid_period`, naming the field)", body = ApiError),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ApiError),
        (status = 404, description = "No such inbox", body = ApiError),
    )
)]
pub async fn sla(
    State(app): State<App>,
    Admin(_): Admin,
    PathParams(id): PathParams<String>,
    QueryParams(period): QueryParams<Period>,
) -> Result<Json<SlaReport>, ApiError> {
    let inbox = id
        .parse()
        .map(InboxId)
        .map_err(|_| ApiError::not_found("inbox"))?;
    let now = app.clock.now();
    // Checked before any arithmetic: an absurd time is a 400 naming the field,
    // never an overflow.
    let to = instant(period.to, "to")?.unwrap_or(now + 1);
    let from = match instant(period.from, "from")? {
        Some(from) => from,
        None => to.checked_sub(igdesk_domain::time::DAY).unwrap_or(0),
    };
    if from >= to {
        return Err(
            ApiError::bad_request("invalid_period", "from must be before to").field("from"),
        );
    }
    app.store
        .sla_report(inbox, from, to, now)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("inbox"))
}
