//! An inbox's settings (admin): its response target (RT-5), when a quiet session
//! ends by itself (RT-4), whether replies wait for a topic (RT-6).

use super::auth::Admin;
use super::body::JsonBody;
use super::error::ApiError;
use crate::app::App;
use axum::extract::{Path, State};
use axum::Json;
use igdesk_domain::InboxId;
use igdesk_store::{Inbox, InboxChange};
use serde::Deserialize;
use utoipa::ToSchema;

/// A year: longer targets are typing mistakes, and keep the arithmetic on
/// milliseconds far from overflowing.
const LONGEST_SECONDS: i64 = 365 * 24 * 3_600;

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
    Admin(_): Admin,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<InboxPatch>,
) -> Result<Json<Inbox>, ApiError> {
    let id = id
        .parse()
        .map(InboxId)
        .map_err(|_| ApiError::not_found("inbox"))?;
    check_seconds(body.sla_target_seconds, 1, "sla_target_seconds")?;
    // A session ending within a minute of the customer's last word would end
    // while they are still typing.
    check_seconds(body.auto_end_seconds, 60, "auto_end_seconds")?;
    let change = InboxChange {
        sla_target_seconds: body.sla_target_seconds,
        auto_end_seconds: body.auto_end_seconds,
        requires_topic: body.requires_topic,
    };
    app.store
        .update_inbox(id, change)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("inbox"))
}

fn check_seconds(value: Option<i64>, least: i64, field: &'static str) -> Result<(), ApiError> {
    match value {
        Some(v) if !(least..=LONGEST_SECONDS).contains(&v) => Err(ApiError::bad_request(
            "invalid_value",
            format!("{field} must be from {least} to {LONGEST_SECONDS} seconds"),
        )
        .field(field)),
        _ => Ok(()),
    }
}
