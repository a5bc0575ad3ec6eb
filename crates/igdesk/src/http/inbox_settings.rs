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

/// A year: longer targets are typing mistakes, and keep the arithmetic on
/// milliseconds far from overflowing.
const LONGEST_SECONDS: i64 = 365 * 24 * 3_600;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboxPatch {
    sla_target_seconds: Option<i64>,
    auto_end_seconds: Option<i64>,
    requires_topic: Option<bool>,
}

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
