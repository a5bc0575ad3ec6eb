//! An inbox's settings (admin): its response target (RT-5), when a quiet session
//! ends by itself (RT-4), whether replies wait for a topic (RT-6). The rules are
//! `service::inboxes`.

use super::auth::Admin;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use crate::app::App;
use crate::service::inboxes;
use axum::extract::State;
use axum::Json;
use igdesk_domain::InboxId;
use igdesk_store::{Inbox, InboxChange};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxPatch {
    /// The response target (RT-5): 1 second to a year.
    sla_target_seconds: Option<i64>,
    /// A quiet session ends by itself after this (RT-4): a minute to a year.
    auto_end_seconds: Option<i64>,
    /// Replies wait until the conversation has a topic (RT-6).
    requires_topic: Option<bool>,
}

/// An inbox's settings; a key left out keeps its value.
#[utoipa::path(
    patch,
    path = "/inboxes/{id}",
    tag = "configuration",
    params(("id" = i64, Path, description = "The inbox")),
    request_body = InboxPatch,
    responses(
        (status = 200, description = "The inbox", body = Inbox),
        (status = 400, description = "A number of seconds out of range (`invalid_value`), or a body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such inbox", body = ApiError),
    )
)]
pub async fn update_inbox(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<InboxPatch>,
) -> Result<Json<Inbox>, ApiError> {
    let id = id
        .parse()
        .map(InboxId)
        .map_err(|_| ApiError::not_found("inbox"))?;
    let change = InboxChange {
        sla_target_seconds: body.sla_target_seconds,
        auto_end_seconds: body.auto_end_seconds,
        requires_topic: body.requires_topic,
    };
    Ok(Json(inboxes::update(&app, &admin, id, change).await?))
}
