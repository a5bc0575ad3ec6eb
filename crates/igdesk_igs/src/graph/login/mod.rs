//! Meta's login, both paths (meta-instagram-api.md §0), served like the Graph
//! hosts under the simulator's one base URL, the host as the first path segment:
//!
//! - Facebook Login: the dialog `GET /www.facebook.com/{version}/dialog/oauth`,
//!   then on graph.facebook.com `oauth/access_token` (the code for a user token;
//!   `grant_type=fb_exchange_token` for a long-lived one), `me/accounts` (the
//!   Pages the person manages, with their Page tokens and Instagram accounts) and
//!   `me`;
//! - Instagram Login: the dialog `GET /www.instagram.com/oauth/authorize`, then
//!   `POST /api.instagram.com/oauth/access_token` (the code for a short-lived
//!   token), `graph.instagram.com/access_token` (`grant_type=ig_exchange_token`
//!   for a long-lived one, which becomes the business's Instagram token) and `me`.
//!
//! The person's choice in a dialog is a form posted back to the dialog's own URL
//! and answered with Meta's redirect to the app. Codes and tokens are kept in
//! `sim::login`; every call is recorded like the Graph calls.

mod dialog;
mod facebook;
mod instagram;
mod page;

use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use reqwest::Url;
use serde_json::{json, Map, Value};

pub(crate) use facebook::{accounts as facebook_accounts, exchange as facebook_exchange};
pub(crate) use instagram::exchange_short as instagram_exchange;

use super::fields::Fields;
use super::{Api, GraphError, GraphRequest};
use crate::sim::Simulator;

/// The profile picture every business's Instagram account shows in login.
const ACCOUNT_PICTURE: &str = "cdn:parcel.png";

/// Seconds Meta announces for a long-lived token (about 60 days).
const LONG_LIVED_SECS: u64 = 5_183_944;

/// The login hosts that are no Graph API host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginHost {
    /// Facebook Login's dialog.
    FacebookWww,
    /// Instagram Login's dialog.
    InstagramWww,
    /// Instagram Login's code exchange.
    InstagramApi,
}

impl LoginHost {
    pub fn from_host(host: &str) -> Option<Self> {
        match host {
            "www.facebook.com" => Some(LoginHost::FacebookWww),
            "www.instagram.com" => Some(LoginHost::InstagramWww),
            "api.instagram.com" => Some(LoginHost::InstagramApi),
            _ => None,
        }
    }
}

/// A call to a login host.
pub(crate) fn dispatch(sim: &Simulator, host: LoginHost, request: &GraphRequest) -> Response {
    let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
    match (host, &request.method, segments.as_slice()) {
        (LoginHost::FacebookWww, &Method::GET, ["dialog", "oauth"]) => {
            dialog::facebook(sim, request)
        }
        (LoginHost::FacebookWww, &Method::POST, ["dialog", "oauth"]) => {
            dialog::facebook_choice(sim, request)
        }
        (LoginHost::InstagramWww, &Method::GET, ["oauth", "authorize"]) => {
            dialog::instagram(sim, request)
        }
        (LoginHost::InstagramWww, &Method::POST, ["oauth", "authorize"]) => {
            dialog::instagram_choice(sim, request)
        }
        (LoginHost::InstagramApi, &Method::POST, ["oauth", "access_token"]) => {
            instagram::exchange_code(sim, request)
        }
        (LoginHost::InstagramApi, ..) => {
            instagram::OAuthError::new("Unsupported request").into_response()
        }
        _ => page::error(
            StatusCode::NOT_FOUND,
            "This page isn't available",
            "The link may be broken, or the page may have been removed.",
        ),
    }
}

/// `GET /{node}` answered by login: the account behind the token when `node` is
/// `me` or its own id; `None` for any other node.
pub(crate) fn own_profile(
    sim: &Simulator,
    request: &GraphRequest,
    node: &str,
) -> Option<Result<Response, GraphError>> {
    match request.host_api() {
        Api::Facebook => facebook::me(sim, request, node),
        Api::Instagram => instagram::me(sim, request, node),
    }
}

/// A non-empty parameter from the query or the (form) body.
fn param(request: &GraphRequest, key: &str) -> Option<String> {
    let params = request.params().ok()?;
    params.str(key).filter(|value| !value.is_empty())
}

/// Meta's way back to the app: a 302 to `redirect_uri` with `pairs` added to
/// its query, and the fragment Meta appends to some redirects.
fn redirect_back(redirect_uri: &Url, pairs: &[(&str, &str)], fragment: Option<&str>) -> Response {
    let mut url = redirect_uri.clone();
    url.query_pairs_mut().extend_pairs(pairs);
    url.set_fragment(fragment);
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

/// A token exchange's answer.
fn token_answer(token: String) -> Response {
    let answer = json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": LONG_LIVED_SECS,
    });
    Json(answer).into_response()
}

/// The fields of `node` (an object) the call asked for, `default` without
/// `fields`; `id` always. A field the node lacks is Meta's code 100.
fn only_fields(
    request: &GraphRequest,
    node: Value,
    node_type: &str,
    default: &str,
) -> Result<Response, GraphError> {
    let asked = request.params()?.str("fields");
    let fields = Fields::parse(asked.as_deref().unwrap_or(default));
    let mut out = Map::new();
    for field in &fields.0 {
        let value = node
            .get(&field.name)
            .ok_or_else(|| GraphError::nonexisting_field_on(&field.name, node_type))?;
        out.insert(field.name.clone(), value.clone());
    }
    out.insert("id".to_owned(), node["id"].clone());
    Ok(Json(Value::Object(out)).into_response())
}
