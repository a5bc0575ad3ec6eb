//! The operations dashboard's figures as JSON (UI-5): what `/dashboard` draws, from
//! `service::dashboard`, for scripts and other dashboards.

use super::auth::Caller;
use super::error::ApiError;
use super::extract::QueryParams;
use crate::app::App;
use crate::service::dashboard::{self as service, Dashboard, Period};
use axum::extract::State;
use axum::Json;
use igdesk_domain::InboxId;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DashboardParams {
    /// One inbox; default: every inbox the caller is in (administrators: all).
    inbox: Option<i64>,
    /// Unix milliseconds, widened to the hour; default: 24 hours before `to`.
    #[param(minimum = 0, maximum = 253_402_300_799_999_i64)]
    from: Option<i64>,
    /// Unix milliseconds, widened to the end of its hour; default: now.
    #[param(minimum = 0, maximum = 253_402_300_799_999_i64)]
    to: Option<i64>,
}

/// Open work, waiting times, SLA, outgoing messages against each account's limit,
/// and (administrators) intake, for the caller's inboxes over a period of whole
/// hours (at most 31 days). Waits count in the hour (UTC) they began; their median
/// and 90th percentile are estimated from counts in the `wait_buckets`.
#[utoipa::path(
    get,
    path = "/dashboard",
    tag = "dashboard",
    operation_id = "dashboard",
    params(DashboardParams),
    responses(
        (status = 200, description = "The figures", body = Dashboard),
        (status = 400, description = "The period is empty or longer than 31 days, or a time is outside 0 to 253402300799999 (`invalid_period`, naming the field)", body = ApiError),
        (status = 404, description = "No such inbox, or not one of the caller's", body = ApiError),
    )
)]
pub async fn dashboard(
    State(app): State<App>,
    Caller(agent): Caller,
    QueryParams(params): QueryParams<DashboardParams>,
) -> Result<Json<Dashboard>, ApiError> {
    let period = Period::of(params.from, params.to, app.clock.now())?;
    let inbox = params.inbox.map(InboxId);
    Ok(Json(service::dashboard(&app, &agent, inbox, period).await?))
}
