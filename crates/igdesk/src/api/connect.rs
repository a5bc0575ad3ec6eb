//! Connecting, reconnecting and removing Instagram accounts with Meta's login
//! (ACC-1, ACC-6), as JSON for scripts and tests; the console's Settings use the
//! same `service::connect`. Meta's redirect back lands on the console
//! (`/oauth/{login}/callback`), after which these endpoints list what it found.

use super::auth::Admin;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use super::read_api::List;
use crate::app::App;
use crate::service::connect::{self as service, Candidates, Started};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use igdesk_domain::AccountId;
use igdesk_meta::LoginPath;
use igdesk_store::Account;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectBody {
    /// `facebook` (Facebook Login: Instagram accounts linked to Pages) or
    /// `instagram` (Instagram Login).
    login: String,
}

fn login_path(text: &str) -> Result<LoginPath, ApiError> {
    LoginPath::parse(text).ok_or_else(|| {
        ApiError::bad_request("invalid_login", "login is facebook or instagram").field("login")
    })
}

/// Starts Meta's login: the dialog to send the administrator to, and the login's
/// `state` (single use, 10 minutes). Meta then redirects the browser to
/// `/oauth/{login}/callback`.
#[utoipa::path(
    post,
    path = "/accounts/connect",
    tag = "configuration",
    operation_id = "connect_start",
    request_body = ConnectBody,
    responses(
        (status = 201, description = "Send the administrator to `authorize_url`", body = Started),
        (status = 400, description = "Unknown login (`invalid_login`), or its app id or secret is not set (`login_not_configured`)", body = ApiError),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ApiError),
    )
)]
pub async fn start(
    State(app): State<App>,
    Admin(agent): Admin,
    JsonBody(body): JsonBody<ConnectBody>,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    let login = login_path(&body.login)?;
    Ok((
        StatusCode::CREATED,
        Json(service::start(&app, &agent, login).await?),
    ))
}

/// The Instagram professional accounts the login found, once Meta has sent the
/// administrator back; accounts already connected are marked.
#[utoipa::path(
    get,
    path = "/accounts/connect/{state}",
    tag = "configuration",
    operation_id = "connect_candidates",
    params(("state" = String, Path, description = "The login's state")),
    responses(
        (status = 200, description = "What the login found", body = Candidates),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ApiError),
        (status = 404, description = "No such login, or another administrator's", body = ApiError),
        (status = 409, description = "Meta has not sent the administrator back yet (`not_returned`)", body = ApiError),
    )
)]
pub async fn candidates(
    State(app): State<App>,
    Admin(agent): Admin,
    PathParams(state): PathParams<String>,
) -> Result<Json<Candidates>, ApiError> {
    Ok(Json(service::candidates(&app, &agent, &state).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickBody {
    /// Instagram account ids among those the login found.
    ig_ids: Vec<String>,
}

/// Connects the picked accounts (once per login): stored, subscribed to their
/// webhooks, their recent history imported. An account connected before is
/// reconnected: a fresh token, and its held messages go.
#[utoipa::path(
    post,
    path = "/accounts/connect/{state}",
    tag = "configuration",
    operation_id = "connect_pick",
    params(("state" = String, Path, description = "The login's state")),
    request_body = PickBody,
    responses(
        (status = 201, description = "The accounts connected", body = List<Account>),
        (status = 400, description = "Nothing picked (`nothing_picked`), or an account the login did not find (`not_found_by_login`)", body = ApiError),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ApiError),
        (status = 404, description = "No such login, or another administrator's", body = ApiError),
        (status = 409, description = "Not back from Meta yet (`not_returned`), or accounts were already connected from this login (`already_connected_from_this_login`)", body = ApiError),
    )
)]
pub async fn pick(
    State(app): State<App>,
    Admin(agent): Admin,
    PathParams(state): PathParams<String>,
    JsonBody(body): JsonBody<PickBody>,
) -> Result<(StatusCode, Json<List<Account>>), ApiError> {
    let data = service::connect(&app, &agent, &state, &body.ig_ids).await?;
    Ok((StatusCode::CREATED, Json(List { data })))
}

fn account_id(text: &str) -> Result<AccountId, ApiError> {
    text.parse()
        .map(AccountId)
        .map_err(|_| ApiError::not_found("account"))
}

/// Reconnects an account (a token Meta refused, ACC-6): Meta's login again, on the
/// account's own login path; pick the account when Meta sends you back.
#[utoipa::path(
    post,
    path = "/accounts/{id}/reconnect",
    tag = "configuration",
    operation_id = "account_reconnect",
    params(("id" = i64, Path, description = "The account")),
    responses(
        (status = 201, description = "Send the administrator to `authorize_url`", body = Started),
        (status = 400, description = "Its login's app id or secret is not set (`login_not_configured`)", body = ApiError),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ApiError),
        (status = 404, description = "No such account", body = ApiError),
    )
)]
pub async fn reconnect(
    State(app): State<App>,
    Admin(agent): Admin,
    PathParams(id): PathParams<String>,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    let account = app
        .store
        .account(account_id(&id)?)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    let login = LoginPath::parse(&account.login_path).unwrap_or(LoginPath::Facebook);
    Ok((
        StatusCode::CREATED,
        Json(service::start(&app, &agent, login).await?),
    ))
}

/// Asks Meta now whether the account's webhooks come to igdesk, subscribing it
/// again when they do not (a daily check does the same).
#[utoipa::path(
    post,
    path = "/accounts/{id}/subscription",
    tag = "configuration",
    operation_id = "account_check_subscription",
    params(("id" = i64, Path, description = "The account")),
    responses(
        (status = 200, description = "The account, `subscribed` as Meta said", body = Account),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ApiError),
        (status = 404, description = "No such account", body = ApiError),
    )
)]
pub async fn check_subscription(
    State(app): State<App>,
    Admin(_): Admin,
    PathParams(id): PathParams<String>,
) -> Result<Json<Account>, ApiError> {
    let id = account_id(&id)?;
    let account = app
        .store
        .account(id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    service::check_subscription(&app, &account).await;
    let account = app
        .store
        .account(id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    Ok(Json(account))
}

/// Removes an account: unsubscribed from its webhooks, no longer sending, its
/// waiting messages failed as "account removed"; its history stays readable, and
/// Meta's events for it are noted (`unknown_account`), not processed.
#[utoipa::path(
    delete,
    path = "/accounts/{id}",
    tag = "configuration",
    operation_id = "account_remove",
    params(("id" = i64, Path, description = "The account")),
    responses(
        (status = 200, description = "The account as it was", body = Account),
        (status = 403, description = "Not an administrator (`forbidden`)", body = ApiError),
        (status = 404, description = "No such account", body = ApiError),
    )
)]
pub async fn remove(
    State(app): State<App>,
    Admin(agent): Admin,
    PathParams(id): PathParams<String>,
) -> Result<Json<Account>, ApiError> {
    Ok(Json(service::remove(&app, &agent, account_id(&id)?).await?))
}
