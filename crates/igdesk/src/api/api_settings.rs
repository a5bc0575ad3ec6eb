//! An account's Business Messaging API settings (administrators): where inbound
//! messages, events and status reports go, the signing secret, the handover target.
//! The rules are `service::api_settings`.

use super::admin::account_id;
use super::auth::Admin;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use crate::app::App;
use crate::service::api_settings::{self as service, Change};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use igdesk_store::{ApiSettings, HandoverTarget};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiSettingsBody {
    /// Where customer messages and events are POSTed (API-4); `null`: not sent.
    inbound_url: Option<String>,
    /// Where status reports are POSTed (API-5); `null`: not sent.
    status_url: Option<String>,
    /// Who gets a customer asking for a person: `agents` (default) or `instagram_inbox`.
    handover: Option<HandoverTarget>,
    /// How long an unacknowledged inbound webhook is retried (default 720 hours).
    inbound_retry_hours: Option<i64>,
    /// How long an unacknowledged status report is retried (default 168 hours).
    status_retry_hours: Option<i64>,
    /// A new signing secret replaces the old one (shown once in the answer).
    #[serde(default)]
    rotate_secret: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ApiSettingsView {
    account_id: i64,
    inbound_url: Option<String>,
    status_url: Option<String>,
    handover: HandoverTarget,
    inbound_retry_hours: i64,
    status_retry_hours: i64,
    /// The Standard Webhooks secret (`whsec_…`): only when it was just made.
    #[serde(skip_serializing_if = "Option::is_none")]
    signing_secret: Option<String>,
    webhooks_pending: i64,
    webhooks_delivered: i64,
    webhooks_expired: i64,
}

/// Turns the API on for an account, or changes its settings.
#[utoipa::path(
    put,
    path = "/accounts/{id}/api",
    tag = "business messaging API",
    params(("id" = i64, Path, description = "The account (igdesk's id)")),
    request_body = ApiSettingsBody,
    responses(
        (status = 200, description = "The settings; `signing_secret` when new", body = ApiSettingsView),
        (status = 400, description = "A URL that is not https (`invalid_url`; http too while IGDESK_WEBHOOK_ALLOW_PRIVATE is on), one whose address, written or resolved, is loopback, private, link-local or reserved (`private_url`; allowed by IGDESK_WEBHOOK_ALLOW_PRIVATE), a retry period out of 1…2160 hours (`invalid_retry`)", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such account", body = ApiError),
    )
)]
pub async fn set_api_settings(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<ApiSettingsBody>,
) -> Result<Json<ApiSettingsView>, ApiError> {
    let account = account_id(&id)?;
    let change = Change {
        inbound_url: body.inbound_url,
        status_url: body.status_url,
        handover: body.handover,
        inbound_retry_hours: body.inbound_retry_hours,
        status_retry_hours: body.status_retry_hours,
        rotate_secret: body.rotate_secret,
    };
    let saved = service::set(&app, &admin, account, change).await?;
    let shown = saved.signing_secret.map(|s| s.expose_secret().to_owned());
    Ok(Json(view(&app, account, saved.settings, shown).await?))
}

/// The account's API settings (never the secret) and how its webhooks fare.
#[utoipa::path(
    get,
    path = "/accounts/{id}/api",
    tag = "business messaging API",
    params(("id" = i64, Path, description = "The account (igdesk's id)")),
    responses(
        (status = 200, description = "The settings", body = ApiSettingsView),
        (status = 403, description = "Not an administrator", body = ApiError),
        (status = 404, description = "No such account, or the API is off for it", body = ApiError),
    )
)]
pub async fn get_api_settings(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
) -> Result<Json<ApiSettingsView>, ApiError> {
    let account = account_id(&id)?;
    let settings = service::get(&app, &admin, account)
        .await?
        .ok_or_else(|| ApiError::not_found("API settings"))?;
    Ok(Json(view(&app, account, settings, None).await?))
}

/// Turns the API off for an account; webhooks not yet delivered are dropped.
#[utoipa::path(
    delete,
    path = "/accounts/{id}/api",
    tag = "business messaging API",
    params(("id" = i64, Path, description = "The account (igdesk's id)")),
    responses(
        (status = 204, description = "Off"),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such account, or the API was off", body = ApiError),
    )
)]
pub async fn delete_api_settings(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    service::turn_off(&app, &admin, account_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn view(
    app: &App,
    account: igdesk_domain::AccountId,
    settings: ApiSettings,
    signing_secret: Option<String>,
) -> Result<ApiSettingsView, ApiError> {
    let counts = service::counts(app, account).await?;
    Ok(ApiSettingsView {
        account_id: account.0,
        inbound_url: settings.inbound_url,
        status_url: settings.status_url,
        handover: settings.handover,
        inbound_retry_hours: settings.inbound_retry_seconds / 3600,
        status_retry_hours: settings.status_retry_seconds / 3600,
        signing_secret,
        webhooks_pending: counts.pending,
        webhooks_delivered: counts.delivered,
        webhooks_expired: counts.expired,
    })
}
