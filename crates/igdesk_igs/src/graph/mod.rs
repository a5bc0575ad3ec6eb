//! The Graph API side: `/{host}/{version}/{node…}` where host is
//! `graph.facebook.com` or `graph.instagram.com`, so igdesk's base URLs can
//! point at one simulator; Meta's login hosts (`www.facebook.com`,
//! `www.instagram.com`, `api.instagram.com`) are served the same way. Every call
//! is recorded before it is answered.
//!
//! Requests are parsed once into a [`GraphRequest`] and dispatched on
//! (method, path segments) in [`dispatch`]; each endpoint family lives in its own
//! module: [`profile`], [`send`] (the Send API), [`comments`] (moderation),
//! [`conversations`], [`routing`] (Conversation Routing's thread control),
//! [`token`] (Instagram-Login token refresh), [`login`] (both login paths and
//! their dialogs), [`subscribed_apps`] (webhook subscriptions), [`messenger_profile`]
//! (ice breakers and the persistent menu).

mod comments;
mod control;
mod conversations;
mod error;
pub(crate) mod fields;
mod login;
mod messenger_profile;
mod params;
mod profile;
mod routing;
mod send;
mod subscribed_apps;
#[cfg(test)]
mod tests;
mod token;
mod usage;

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;

pub(crate) use error::GraphError;
pub(crate) use messenger_profile::{
    ice_breakers as check_ice_breakers, persistent_menu as check_persistent_menu,
};
pub(crate) use params::Params;

use crate::ids;
use crate::sim::limits::Lane;
use crate::sim::{BusinessAccount, Fault, RecordedCall, Simulator, TokenPlace};

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
        .route(
            "/_igs/sent",
            get(control::sent).delete(control::clear_records),
        )
        .route("/_igs/actions", get(control::actions))
        .route("/_igs/comment_actions", get(control::comment_actions))
        .route("/_igs/history", post(control::add_history))
        .route("/_igs/settings", post(control::settings))
        .route("/_igs/thread_owners", get(control::thread_owners))
        .route("/_igs/pages", post(control::add_page))
        .route("/_igs/subscriptions", get(control::subscriptions))
        .route(
            "/_igs/subscriptions/{ig_id}",
            delete(control::drop_subscriptions),
        )
        .route("/_igs/withheld", get(control::withheld))
        .route(
            "/_igs/messenger_profile/{ig_id}",
            get(control::messenger_profile),
        )
        .route(
            "/_igs/messenger_profile_refusal",
            post(control::refuse_messenger_profile),
        )
        .route("/_igs/cdn/{name}", get(control::cdn))
        .route("/_igs/cdn/m/{id}", get(control::cdn_hosted))
        .route("/_igs/cdn/story/{id}", get(control::cdn_story))
        .route("/_igs/stories/{id}", delete(control::delete_story))
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

    /// The account's own node on this host: the Page, or the Instagram account.
    pub fn own_id(self, account: &BusinessAccount) -> &str {
        match self {
            Api::Facebook => &account.page_id,
            Api::Instagram => &account.ig_id,
        }
    }

    /// `facebook` or `instagram`, as calls and records name the host.
    pub fn name(self) -> &'static str {
        match self {
            Api::Facebook => "facebook",
            Api::Instagram => "instagram",
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
    /// Where `token` was found.
    pub token_in: Option<TokenPlace>,
    pub body: Bytes,
    /// Query and body parameters merged, or why the body could not be read.
    pub params: Result<Params, GraphError>,
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
        let params = Params::parse(&query, &body);
        // Meta reads the token from the query, the `Authorization` header or a
        // form body; the first found wins.
        let found = [
            (TokenPlace::Query, query.get("access_token").cloned()),
            (TokenPlace::Header, bearer(headers)),
            (
                TokenPlace::Body,
                params.as_ref().ok().and_then(|p| p.str("access_token")),
            ),
        ]
        .into_iter()
        .find_map(|(place, token)| Some((place, token?)));
        let (token_in, token) = found.map_or((None, None), |(p, t)| (Some(p), Some(t)));
        GraphRequest {
            method,
            api: Api::from_host(&host),
            host,
            version,
            segments: rest,
            query,
            token,
            token_in,
            body,
            params,
        }
    }

    fn recorded(&self) -> RecordedCall {
        let api = match self.api {
            Some(api) => api.name().to_owned(),
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
            token_in: self.token_in,
        }
    }

    /// The business account whose token for this host was presented.
    pub fn business(&self, sim: &Simulator) -> Result<BusinessAccount, GraphError> {
        let (Some(api), Some(token)) = (self.api, self.token.as_deref()) else {
            return Err(GraphError::invalid_token());
        };
        let state = sim.state();
        let found = state.businesses.iter().find(|b| api.token_of(b) == token);
        let business = found.cloned().ok_or_else(GraphError::invalid_token)?;
        if state.revoked.contains(&business.ig_id) {
            return Err(GraphError::token_revoked());
        }
        Ok(business)
    }

    /// The host of the call; only meaningful once [`dispatch`] has refused
    /// unknown hosts.
    pub fn host_api(&self) -> Api {
        self.api.unwrap_or(Api::Facebook)
    }

    /// The business whose token was presented, when `node` is that account's
    /// own node on this host (`me` included); else Meta's "object does not exist".
    pub fn own_node(&self, sim: &Simulator, node: &str) -> Result<BusinessAccount, GraphError> {
        let business = self.business(sim)?;
        if node == "me" || node == self.host_api().own_id(&business) {
            Ok(business)
        } else {
            Err(GraphError::no_such_object(self.method.as_str(), node))
        }
    }

    pub fn params(&self) -> Result<&Params, GraphError> {
        self.params.as_ref().map_err(Clone::clone)
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
    // Login's pages and code exchange are no Graph calls: faults leave them be.
    if let Some(host) = login::LoginHost::from_host(&request.host) {
        return login::dispatch(&sim, host, &request);
    }
    if request.api.is_none() {
        if let Some(Fault::Unavailable) = sim.fault() {
            return GraphError::unexpected().into_response();
        }
        return dispatch(&sim, &request).await;
    }
    // Every Graph call counts against the app's budget, and every answer tells
    // how full the budgets are.
    let app = sim.state().limits.admit(usage::APP, Lane::App);
    let answer = match (app, sim.fault()) {
        (Err(_), _) => GraphError::throttled(4).into_response(),
        (_, Some(Fault::Unavailable)) => GraphError::unexpected().into_response(),
        (_, Some(Fault::InvalidToken)) => GraphError::token_revoked().into_response(),
        _ => dispatch(&sim, &request).await,
    };
    usage::stamp(&sim, &request, answer)
}

async fn dispatch(sim: &Simulator, request: &GraphRequest) -> Response {
    if request.api.is_none() {
        return GraphError::unsupported(request.method.as_str()).into_response();
    }
    let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
    let instagram = request.api == Some(Api::Instagram);
    let result = match (&request.method, segments.as_slice()) {
        (&Method::GET, ["refresh_access_token"]) if instagram => token::refresh(sim, request),
        (&Method::GET, ["access_token"]) if instagram => login::instagram_exchange(sim, request),
        (&Method::GET, ["oauth", "access_token"]) if !instagram => {
            login::facebook_exchange(sim, request)
        }
        (&Method::GET, ["me", "accounts"]) if !instagram => login::facebook_accounts(sim, request),
        (&Method::POST, [node, "subscribed_apps"]) => {
            subscribed_apps::subscribe(sim, request, node)
        }
        (&Method::GET, [node, "subscribed_apps"]) => subscribed_apps::list(sim, request, node),
        (&Method::DELETE, [node, "subscribed_apps"]) => {
            subscribed_apps::unsubscribe(sim, request, node)
        }
        (&Method::POST, [node, "messenger_profile"]) => messenger_profile::set(sim, request, node),
        (&Method::GET, [node, "messenger_profile"]) => messenger_profile::get(sim, request, node),
        (&Method::DELETE, [node, "messenger_profile"]) => {
            messenger_profile::delete(sim, request, node)
        }
        (&Method::POST, [node, "messages"]) => Ok(send::post(sim, request, node).await),
        (&Method::GET, [node, "conversations"]) => conversations::list(sim, request, node),
        (&Method::POST, [node, "pass_thread_control"]) => routing::pass(sim, request, node),
        (&Method::POST, [node, "take_thread_control"]) => routing::take(sim, request, node),
        (&Method::GET, [node, "thread_owner"]) => routing::owner(sim, request, node),
        (&Method::POST, [comment, "replies"]) => Ok(comments::reply(sim, request, comment)),
        (&Method::POST, [comment]) => Ok(comments::hide(sim, request, comment)),
        (&Method::DELETE, [comment]) => Ok(comments::delete(sim, request, comment)),
        (&Method::GET, [id]) => match login::own_profile(sim, request, id) {
            Some(answer) => answer,
            None => match conversations::lookup(sim, request, id) {
                Some(answer) => answer,
                None => profile::get(sim, request, id).await,
            },
        },
        _ => Err(GraphError::unsupported(request.method.as_str())),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}
