//! Instagram Login after its dialog: `POST api.instagram.com/oauth/access_token`
//! (the code for a short-lived token; refusals in Instagram's own flat error
//! shape), `GET graph.instagram.com/access_token` (`grant_type=ig_exchange_token`:
//! the short-lived token for a long-lived one, which from then on is the
//! business's Instagram token, the one `refresh_access_token` refreshes) and
//! `GET graph.instagram.com/me`.

use std::hash::{DefaultHasher, Hash, Hasher};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::{only_fields, param, token_answer, Api, GraphError, GraphRequest, ACCOUNT_PICTURE};
use crate::ids;
use crate::sim::login::Refusal;
use crate::sim::Simulator;

/// api.instagram.com's error: `{"error_type":"OAuthException","code":400,"error_message"}`.
#[derive(Debug)]
pub(crate) struct OAuthError(String);

impl OAuthError {
    pub fn new(message: impl Into<String>) -> Self {
        OAuthError(message.into())
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({"error_type": "OAuthException", "code": 400, "error_message": self.0});
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    }
}

/// `POST /api.instagram.com/oauth/access_token`, form fields `client_id`,
/// `client_secret`, `grant_type=authorization_code`, `redirect_uri`, `code`.
pub(super) fn exchange_code(sim: &Simulator, request: &GraphRequest) -> Response {
    exchange_checked(sim, request).unwrap_or_else(IntoResponse::into_response)
}

fn exchange_checked(sim: &Simulator, request: &GraphRequest) -> Result<Response, OAuthError> {
    let config = sim.login_config();
    let client_id = param(request, "client_id").unwrap_or_default();
    if client_id != config.instagram_app_id {
        return Err(OAuthError::new("Invalid platform app"));
    }
    if param(request, "client_secret").as_deref() != Some(config.instagram_app_secret.as_str()) {
        return Err(OAuthError::new("Error validating client secret"));
    }
    if param(request, "grant_type").as_deref() != Some("authorization_code") {
        return Err(OAuthError::new(
            "Invalid grant_type: use authorization_code",
        ));
    }
    let code = param(request, "code").unwrap_or_default();
    let redirect_uri = param(request, "redirect_uri").unwrap_or_default();
    let mut state = sim.state();
    let grant = state
        .logins
        .redeem(
            &code,
            Api::Instagram,
            &client_id,
            &redirect_uri,
            ids::now_ms(),
        )
        .map_err(refused)?;
    let ig_id = grant.ig_id.unwrap_or_default();
    let token = state.logins.issue_short_token(&ig_id);
    // The account authorized the app again: a revoked token is forgotten (the
    // long-lived one about to be issued replaces it).
    state.revoked.remove(&ig_id);
    // Instagram writes this id as a JSON number here (and as text in `me`).
    let user_id = ig_id
        .parse::<u64>()
        .map_or_else(|_| json!(ig_id), |n| json!(n));
    let answer = json!({
        "access_token": token,
        "user_id": user_id,
        "permissions": grant.scopes,
    });
    Ok(Json(answer).into_response())
}

/// Instagram's words for each refused code.
fn refused(refusal: Refusal) -> OAuthError {
    OAuthError::new(match refusal {
        Refusal::Unknown => "Invalid authorization code",
        Refusal::Used => "This authorization code has been used",
        Refusal::Expired => "This authorization code has expired",
        Refusal::OtherRedirectUri => {
            "Error validating verification code. Please make sure your redirect_uri is identical \
             to the one you used in the OAuth dialog request"
        }
    })
}

/// `GET /graph.instagram.com/access_token?grant_type=ig_exchange_token&client_secret=…&access_token=SHORT`.
pub(crate) fn exchange_short(
    sim: &Simulator,
    request: &GraphRequest,
) -> Result<Response, GraphError> {
    if param(request, "grant_type").as_deref() != Some("ig_exchange_token") {
        return Err(GraphError::param("grant_type must be ig_exchange_token"));
    }
    let secret = sim.login_config().instagram_app_secret;
    if param(request, "client_secret").as_deref() != Some(secret.as_str()) {
        return Err(GraphError::oauth(1, "Error validating client secret."));
    }
    let short = request.token.as_deref().unwrap_or_default();
    let long = format!("IGAA{}", ids::random_text(120));
    let mut state = sim.state();
    let ig_id = state.logins.short_token_owner(short).map(str::to_owned);
    let business = ig_id.and_then(|ig_id| state.businesses.iter_mut().find(|b| b.ig_id == ig_id));
    let business = business.ok_or_else(GraphError::invalid_token)?;
    business.instagram_token = long.clone();
    Ok(token_answer(long))
}

/// `GET /me` (or the account's own id) with the account's Instagram token.
pub(super) fn me(
    sim: &Simulator,
    request: &GraphRequest,
    node: &str,
) -> Option<Result<Response, GraphError>> {
    let business = match request.business(sim) {
        Ok(business) => business,
        Err(error) => return (node == "me").then_some(Err(error)),
    };
    if node != "me" && node != business.ig_id {
        return None;
    }
    let name = sim.state().logins.names.get(&business.ig_id).cloned();
    let account = json!({
        "id": app_scoped_id(&business.ig_id),
        "user_id": business.ig_id,
        "username": business.username,
        "name": name.unwrap_or_else(|| business.username.clone()),
        "account_type": "BUSINESS",
        "profile_picture_url": sim.media_url(ACCOUNT_PICTURE),
    });
    Some(only_fields(request, account, "User", "id"))
}

/// The account's id as this app sees it: stable, and different from its
/// Instagram id (`user_id`), as on Meta.
fn app_scoped_id(ig_id: &str) -> String {
    let mut hasher = DefaultHasher::new();
    ig_id.hash(&mut hasher);
    format!("2{:016}", hasher.finish() % 10_000_000_000_000_000)
}
