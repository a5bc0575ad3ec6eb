//! Product tokens of the Business Messaging API (API-1), per account, for
//! administrators: the secret is shown once, at creation. The actions are
//! `service::product_tokens`.

use super::auth::Admin;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use super::read_api::List;
use crate::app::App;
use crate::service::product_tokens as service;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use igdesk_domain::{AccountId, ApiTokenId};
use igdesk_store::{ApiToken, ApiTokenListing};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProductToken {
    /// Where the token is used: 1 to 100 characters.
    name: String,
}

/// The token's row and, this once, the token itself.
#[derive(Serialize, ToSchema)]
pub struct IssuedProductToken {
    #[serde(flatten)]
    row: ApiToken,
    /// The product token (a UUID, as CM.com's): shown this once, stored hashed.
    token: String,
}

/// A new product token for the account; the secret is in the answer, once.
#[utoipa::path(
    post,
    path = "/accounts/{id}/product-tokens",
    tag = "business messaging API",
    params(("id" = i64, Path, description = "The account (igdesk's id)")),
    request_body = NewProductToken,
    responses(
        (status = 201, description = "The token, with its secret", body = IssuedProductToken),
        (status = 400, description = "No name, or a name too long (`invalid_name`), or a body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such account", body = ApiError),
    )
)]
pub async fn create_product_token(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<NewProductToken>,
) -> Result<(StatusCode, Json<IssuedProductToken>), ApiError> {
    let account = account_id(&id)?;
    let issued = service::create(&app, &admin, account, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedProductToken {
            row: issued.token,
            token: issued.secret.expose_secret().to_owned(),
        }),
    ))
}

/// The account's product tokens, newest first, revoked ones included; never their
/// secrets. `last_used_at` is when a message sent with one was last accepted.
#[utoipa::path(
    get,
    path = "/accounts/{id}/product-tokens",
    tag = "business messaging API",
    params(("id" = i64, Path, description = "The account (igdesk's id)")),
    responses(
        (status = 200, description = "The tokens", body = List<ApiTokenListing>),
        (status = 403, description = "Not an administrator", body = ApiError),
        (status = 404, description = "No such account", body = ApiError),
    )
)]
pub async fn list_product_tokens(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
) -> Result<Json<List<ApiTokenListing>>, ApiError> {
    let account = account_id(&id)?;
    Ok(Json(List {
        data: service::list(&app, &admin, account).await?,
    }))
}

/// Revokes a product token: `/v1.0/message` refuses it from now on.
#[utoipa::path(
    delete,
    path = "/accounts/{id}/product-tokens/{token_id}",
    tag = "business messaging API",
    params(
        ("id" = i64, Path, description = "The account (igdesk's id)"),
        ("token_id" = i64, Path, description = "The token"),
    ),
    responses(
        (status = 204, description = "Revoked (again: still revoked, since the first time)"),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such account, or no such token of it", body = ApiError),
    )
)]
pub async fn revoke_product_token(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams((id, token_id)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let account = account_id(&id)?;
    let token = token_id
        .parse()
        .map(ApiTokenId)
        .map_err(|_| ApiError::not_found("product token"))?;
    service::revoke(&app, &admin, account, token).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn account_id(raw: &str) -> Result<AccountId, ApiError> {
    raw.parse()
        .map(AccountId)
        .map_err(|_| ApiError::not_found("account"))
}
