//! An account's Business Messaging API settings (administrators): where inbound
//! messages, events and status reports go, the signing secret, the handover target.

use super::admin::account;
use super::auth::Admin;
use super::error::ApiError;
use crate::app::App;
use crate::now_ms;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use igdesk_store::{ApiSettings, HandoverTarget};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// CM.com retries inbound messages for up to a month and status reports for 7 days.
const INBOUND_RETRY_HOURS: i64 = 30 * 24;
const STATUS_RETRY_HOURS: i64 = 7 * 24;

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
        (status = 400, description = "A URL that is not http(s) (`invalid_url`), a retry period out of 1…2160 hours (`invalid_retry`)", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such account", body = ApiError),
    )
)]
pub async fn set_api_settings(
    State(app): State<App>,
    Admin(_): Admin,
    Path(id): Path<String>,
    Json(body): Json<ApiSettingsBody>,
) -> Result<Json<ApiSettingsView>, ApiError> {
    let account = account(&app, &id).await?;
    let before = app.store.api_settings(account.id).await?;
    for (url, field) in [
        (&body.inbound_url, "inbound_url"),
        (&body.status_url, "status_url"),
    ] {
        if let Some(url) = url.as_deref().filter(|u| !u.is_empty()) {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(ApiError::bad_request(
                    "invalid_url",
                    format!("{field} must be an http(s) URL, not {url:?}"),
                )
                .field(field));
            }
        }
    }
    let hours =
        |given: Option<i64>, field: &'static str, old: Option<i64>, default: i64| match given {
            Some(h) if !(1..=2160).contains(&h) => Err(ApiError::bad_request(
                "invalid_retry",
                format!("{field} must be 1 to 2160 hours"),
            )
            .field(field)),
            Some(h) => Ok(h),
            None => Ok(old.map_or(default, |seconds| seconds / 3600)),
        };
    let inbound_retry = hours(
        body.inbound_retry_hours,
        "inbound_retry_hours",
        before.as_ref().map(|b| b.inbound_retry_seconds),
        INBOUND_RETRY_HOURS,
    )?;
    let status_retry = hours(
        body.status_retry_hours,
        "status_retry_hours",
        before.as_ref().map(|b| b.status_retry_seconds),
        STATUS_RETRY_HOURS,
    )?;
    let (secret_sealed, shown) = match (&before, body.rotate_secret) {
        (Some(b), false) => (b.secret_sealed.clone(), None),
        _ => {
            let secret = crate::webhooks_out::new_secret();
            let sealed = app.sealer.seal(&SecretString::from(secret.clone()));
            (sealed, Some(secret))
        }
    };
    let settings = ApiSettings {
        inbound_url: body.inbound_url.filter(|u| !u.is_empty()),
        status_url: body.status_url.filter(|u| !u.is_empty()),
        secret_sealed,
        handover: body
            .handover
            .or(before.map(|b| b.handover))
            .unwrap_or(HandoverTarget::Agents),
        inbound_retry_seconds: inbound_retry * 3600,
        status_retry_seconds: status_retry * 3600,
    };
    app.store
        .set_api_settings(account.id, &settings, now_ms())
        .await?;
    Ok(Json(view(&app, account.id, settings, shown).await?))
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
    Admin(_): Admin,
    Path(id): Path<String>,
) -> Result<Json<ApiSettingsView>, ApiError> {
    let account = account(&app, &id).await?;
    let settings = app
        .store
        .api_settings(account.id)
        .await?
        .ok_or_else(|| ApiError::not_found("API settings"))?;
    Ok(Json(view(&app, account.id, settings, None).await?))
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
    Admin(_): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let account = account(&app, &id).await?;
    match app.store.disable_api(account.id).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ApiError::not_found("API settings")),
    }
}

async fn view(
    app: &App,
    account: igdesk_domain::AccountId,
    settings: ApiSettings,
    signing_secret: Option<String>,
) -> Result<ApiSettingsView, ApiError> {
    let counts = app.store.webhook_counts(account).await?;
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
