//! An account's conversation starters (administrators): Instagram's ice breakers
//! and persistent menu, as Meta holds them. The rules are `service::starters`.

use super::admin::account_id;
use super::auth::Admin;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use crate::app::App;
use crate::service::starters::{self as service, Starters};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use igdesk_meta::{IceBreaker, MenuItem};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A question a customer can tap to start a conversation; the tap arrives as a
/// postback carrying `payload`.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IceBreakerView {
    /// 1 to 80 characters once trimmed.
    question: String,
    /// 1 to 1,000 characters once trimmed.
    payload: String,
}

/// A persistent menu item: `postback` (with `payload`) or `web_url` (with `url`).
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum MenuItemView {
    /// Tapping it sends a postback with `payload` (1 to 1,000 characters once
    /// trimmed); `title` 1 to 30.
    Postback { title: String, payload: String },
    /// Tapping it opens `url` (https, at most 2,000 characters) in Instagram's
    /// browser; `title` 1 to 30.
    WebUrl { title: String, url: String },
}

/// An account's conversation starters. `PUT` replaces both lists: a list left
/// out or empty is removed at Instagram.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartersView {
    /// At most 4.
    #[serde(default)]
    #[schema(max_items = 4)]
    ice_breakers: Vec<IceBreakerView>,
    /// At most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    persistent_menu: Vec<MenuItemView>,
}

impl From<Starters> for StartersView {
    fn from(held: Starters) -> Self {
        StartersView {
            ice_breakers: held
                .ice_breakers
                .into_iter()
                .map(|b| IceBreakerView {
                    question: b.question,
                    payload: b.payload,
                })
                .collect(),
            persistent_menu: held
                .persistent_menu
                .into_iter()
                .map(|item| match item {
                    MenuItem::Postback { title, payload } => {
                        MenuItemView::Postback { title, payload }
                    }
                    MenuItem::WebUrl { title, url } => MenuItemView::WebUrl { title, url },
                })
                .collect(),
        }
    }
}

impl From<StartersView> for Starters {
    fn from(view: StartersView) -> Self {
        Starters {
            ice_breakers: view
                .ice_breakers
                .into_iter()
                .map(|b| IceBreaker {
                    question: b.question,
                    payload: b.payload,
                })
                .collect(),
            persistent_menu: view
                .persistent_menu
                .into_iter()
                .map(|item| match item {
                    MenuItemView::Postback { title, payload } => {
                        MenuItem::Postback { title, payload }
                    }
                    MenuItemView::WebUrl { title, url } => MenuItem::WebUrl { title, url },
                })
                .collect(),
        }
    }
}

/// What Instagram holds for the account now, read from Meta.
#[utoipa::path(
    get,
    path = "/accounts/{id}/conversation-starters",
    tag = "configuration",
    params(("id" = i64, Path, description = "The account (igdesk's id)")),
    responses(
        (status = 200, description = "The ice breakers and menu Instagram holds", body = StartersView),
        (status = 403, description = "Not an administrator", body = ApiError),
        (status = 404, description = "No such account", body = ApiError),
        (status = 409, description = "The account must be reconnected (`needs_reconnect`), or Instagram refused the call (`refused_by_instagram`, its words in `message`)", body = ApiError),
        (status = 503, description = "Instagram cannot be reached now (`instagram_unavailable`)", body = ApiError),
    )
)]
pub async fn get_starters(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
) -> Result<Json<StartersView>, ApiError> {
    let held = service::get(&app, &admin, account_id(&id)?).await?;
    Ok(Json(held.into()))
}

/// Sets the account's ice breakers and menu at Instagram, then reads them back.
#[utoipa::path(
    put,
    path = "/accounts/{id}/conversation-starters",
    tag = "configuration",
    params(("id" = i64, Path, description = "The account (igdesk's id)")),
    request_body = StartersView,
    responses(
        (status = 200, description = "What Instagram holds after the change", body = StartersView),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such account", body = ApiError),
        (status = 409, description = "The account must be reconnected (`needs_reconnect`), or Instagram refused the change (`refused_by_instagram`, its words in `message`)", body = ApiError),
        (status = 422, description = "Beyond Instagram's limits, checked before Meta is asked, `field` naming the value (`ice_breakers[1].question`): `too_many_ice_breakers` (over 4), `too_many_menu_items` (over 20), `required`, `too_long`, `invalid_url` (a menu link that is not https)", body = ApiError),
        (status = 503, description = "Instagram cannot be reached now (`instagram_unavailable`)", body = ApiError),
    )
)]
pub async fn set_starters(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<StartersView>,
) -> Result<Json<StartersView>, ApiError> {
    let held = service::set(&app, &admin, account_id(&id)?, &body.into()).await?;
    Ok(Json(held.into()))
}

/// Removes the account's ice breakers and menu at Instagram.
#[utoipa::path(
    delete,
    path = "/accounts/{id}/conversation-starters",
    tag = "configuration",
    params(("id" = i64, Path, description = "The account (igdesk's id)")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such account", body = ApiError),
        (status = 409, description = "The account must be reconnected (`needs_reconnect`), or Instagram refused the call (`refused_by_instagram`)", body = ApiError),
        (status = 503, description = "Instagram cannot be reached now (`instagram_unavailable`)", body = ApiError),
    )
)]
pub async fn delete_starters(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    service::remove(&app, &admin, account_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
