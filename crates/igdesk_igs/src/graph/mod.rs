//! The Graph API side: `/{host}/{version}/{node…}` where host is
//! `graph.facebook.com` or `graph.instagram.com`, so igdesk's two base URLs can
//! point at one simulator. Every call is recorded before it is answered.
//!
//! Requests are parsed once into a [`GraphRequest`] and dispatched on
//! (method, path segments) in [`dispatch`]; each endpoint family lives in its own
//! file, so adding the Send API is one more match arm and one more module.

mod control;
mod error;
mod profile;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub(crate) use error::GraphError;

use crate::ids;
use crate::sim::{BusinessAccount, Fault, RecordedCall, Simulator};

pub(crate) fn router(sim: Simulator) -> Router {
    Router::new()
        .route(
            "/_igs/calls",
            get(control::calls).delete(control::clear_calls),
        )
        .route("/_igs/fault", post(control::set_fault))
        .route("/_igs/businesses", post(control::add_business))
        .route("/_igs/customers", post(control::add_customer))
        .route("/_igs/scenario", post(control::run_scenario))
        .fallback(handle)
        .with_state(sim)
}

/// Which of Meta's two Graph hosts a call was made to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// graph.facebook.com: Instagram Messaging through the Messenger Platform, Page tokens.
    Facebook,
    /// graph.instagram.com: Instagram API with Instagram Login, Instagram user tokens.
    Instagram,
}

impl Api {
    fn from_host(host: &str) -> Option<Self> {
        match host {
            "graph.facebook.com" => Some(Api::Facebook),
            "graph.instagram.com" => Some(Api::Instagram),
            _ => None,
        }
    }

    /// The token a business account holds for this host.
    pub fn token_of(self, account: &BusinessAccount) -> &str {
        match self {
            Api::Facebook => &account.page_token,
            Api::Instagram => &account.instagram_token,
        }
    }
}

/// One Graph API call, parsed.
#[derive(Debug)]
pub(crate) struct GraphRequest {
    pub method: Method,
    pub api: Option<Api>,
    /// The first path segment (the host) as given.
    pub host: String,
    pub version: String,
    /// Node path segments after the version.
    pub segments: Vec<String>,
    pub query: BTreeMap<String, String>,
    pub token: Option<String>,
    pub body: Bytes,
}

impl GraphRequest {
    fn parse(method: Method, uri: &Uri, headers: &HeaderMap, body: Bytes) -> Self {
        let mut parts = uri
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let host = parts.next().unwrap_or_default();
        let mut rest: Vec<String> = parts.collect();
        // Graph accepts unversioned calls (the app's default version) too.
        let version = if rest.first().is_some_and(|s| is_version(s)) {
            rest.remove(0)
        } else {
            String::new()
        };
        let query = Query::<BTreeMap<String, String>>::try_from_uri(uri)
            .map(|q| q.0)
            .unwrap_or_default();
        let token = query
            .get("access_token")
            .cloned()
            .or_else(|| bearer(headers));
        GraphRequest {
            method,
            api: Api::from_host(&host),
            host,
            version,
            segments: rest,
            query,
            token,
            body,
        }
    }

    fn recorded(&self) -> RecordedCall {
        let api = match self.api {
            Some(Api::Facebook) => "facebook".to_owned(),
            Some(Api::Instagram) => "instagram".to_owned(),
            None => self.host.clone(),
        };
        RecordedCall {
            method: self.method.as_str().to_owned(),
            api,
            version: self.version.clone(),
            path: self.segments.join("/"),
            query: self.query.clone(),
            body: String::from_utf8_lossy(&self.body).into_owned(),
            at_ms: ids::now_ms(),
        }
    }

    /// The business account whose token for this host was presented.
    pub fn business(&self, sim: &Simulator) -> Result<BusinessAccount, GraphError> {
        let (Some(api), Some(token)) = (self.api, self.token.as_deref()) else {
            return Err(GraphError::invalid_token());
        };
        let state = sim.state();
        let found = state.businesses.iter().find(|b| api.token_of(b) == token);
        found.cloned().ok_or_else(GraphError::invalid_token)
    }
}

/// `v21.0`, `v22`: a Graph API version segment.
fn is_version(segment: &str) -> bool {
    let Some(digits) = segment.strip_prefix('v') else {
        return false;
    };
    let (major, minor) = digits.split_once('.').unwrap_or((digits, "0"));
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    numeric(major) && numeric(minor)
}

/// `Authorization: Bearer <token>` (Graph also accepts the `OAuth` scheme).
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let known = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth");
    known.then(|| token.trim().to_owned())
}

async fn handle(
    State(sim): State<Simulator>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = GraphRequest::parse(method, &uri, &headers, body);
    sim.record(request.recorded());
    tracing::debug!(method = %request.method, path = %uri.path(), "graph call");
    if sim.fault() == Some(Fault::Unavailable) {
        return GraphError::unexpected().into_response();
    }
    dispatch(&sim, &request).await
}

async fn dispatch(sim: &Simulator, request: &GraphRequest) -> Response {
    if request.api.is_none() {
        return GraphError::unsupported(request.method.as_str()).into_response();
    }
    let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
    let result = match (&request.method, segments.as_slice()) {
        (&Method::GET, [igsid]) => profile::get(sim, request, igsid).await,
        _ => Err(GraphError::unsupported(request.method.as_str())),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}
