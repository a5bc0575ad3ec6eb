//! Facebook Login on graph.facebook.com: the dialog's code for a user token
//! (`oauth/access_token`), that token for a long-lived one
//! (`grant_type=fb_exchange_token`), the Pages the person manages
//! (`me/accounts`: every business's Page with its Page token, the one the Graph
//! API accepts for it, and its Instagram account) and `me`.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::{only_fields, param, token_answer, Api, GraphError, GraphRequest, ACCOUNT_PICTURE};
use crate::graph::fields::{Field, Fields};
use crate::ids;
use crate::sim::login::{LoginConfig, Refusal, FACEBOOK_USER_ID};
use crate::sim::Simulator;

/// What `me/accounts` answers without `fields` (Meta's default set).
const DEFAULT_PAGE_FIELDS: &str = "access_token,category,name,id,tasks";

/// The tasks of a Page's full administrator.
const TASKS: [&str; 6] = [
    "ADVERTISE",
    "ANALYZE",
    "CREATE_CONTENT",
    "MESSAGING",
    "MODERATE",
    "MANAGE",
];

/// `GET /oauth/access_token`: a code for a user token, or a user token for a
/// long-lived one. The app is checked first, as Meta does.
pub(crate) fn exchange(sim: &Simulator, request: &GraphRequest) -> Result<Response, GraphError> {
    let client_id = checked_app(request, &sim.login_config())?;
    match param(request, "grant_type").as_deref() {
        None => {}
        Some("fb_exchange_token") => {
            let old = param(request, "fb_exchange_token").unwrap_or_default();
            let mut state = sim.state();
            if !state.logins.is_user_token(&old) {
                return Err(GraphError::invalid_token());
            }
            return Ok(token_answer(state.logins.issue_user_token()));
        }
        Some(other) => {
            return Err(GraphError::param(format!(
                "Unsupported grant_type {other}: the simulator plays fb_exchange_token and codes"
            )))
        }
    }
    let code = param(request, "code").unwrap_or_default();
    let redirect_uri = param(request, "redirect_uri").unwrap_or_default();
    let mut state = sim.state();
    let logins = &mut state.logins;
    logins
        .redeem(
            &code,
            Api::Facebook,
            &client_id,
            &redirect_uri,
            ids::now_ms(),
        )
        .map_err(refused)?;
    let token = logins.issue_user_token();
    // The person authorized the app again: Page tokens revoked before work again.
    state.revoked.clear();
    Ok(token_answer(token))
}

/// The `client_id` when it names the Meta app and `client_secret` is its secret.
fn checked_app(request: &GraphRequest, config: &LoginConfig) -> Result<String, GraphError> {
    let client_id = param(request, "client_id")
        .ok_or_else(|| GraphError::oauth(101, "Missing client_id parameter."))?;
    if client_id != config.facebook_app_id {
        let message = "Error validating application. Invalid application ID.";
        return Err(GraphError::oauth(101, message));
    }
    if param(request, "client_secret").as_deref() != Some(config.facebook_app_secret.as_str()) {
        return Err(GraphError::oauth(1, "Error validating client secret."));
    }
    Ok(client_id)
}

/// Meta's words for each refused code.
fn refused(refusal: Refusal) -> GraphError {
    match refusal {
        Refusal::Unknown => GraphError::oauth(100, "Invalid verification code format."),
        Refusal::Used => {
            GraphError::oauth(100, "This authorization code has been used.").with_subcode(36009)
        }
        Refusal::Expired => GraphError::oauth(100, "This authorization code has expired."),
        Refusal::OtherRedirectUri => GraphError::oauth(
            100,
            "Error validating verification code. Please make sure your redirect_uri is \
             identical to the one you used in the OAuth dialog request",
        )
        .with_subcode(36008),
    }
}

/// A Page as `me/accounts` shows it.
struct PageView {
    id: String,
    name: String,
    token: String,
    instagram: Option<Value>,
}

/// `GET /me/accounts` with a user token: every Page the person manages.
pub(crate) fn accounts(sim: &Simulator, request: &GraphRequest) -> Result<Response, GraphError> {
    let token = request.token.as_deref().unwrap_or_default();
    let pages = {
        let state = sim.state();
        if !state.logins.is_user_token(token) {
            return Err(GraphError::invalid_token());
        }
        let names = &state.logins.names;
        let linked = state.businesses.iter().map(|b| {
            let name = names.get(&b.ig_id).unwrap_or(&b.username).clone();
            let instagram = json!({
                "id": b.ig_id,
                "username": b.username,
                "name": name,
            });
            PageView {
                id: b.page_id.clone(),
                name,
                token: b.page_token.clone(),
                instagram: Some(instagram),
            }
        });
        let bare = state.logins.bare_pages.iter().map(|p| PageView {
            id: p.id.clone(),
            name: p.name.clone(),
            token: p.token.clone(),
            instagram: None,
        });
        linked.chain(bare).collect::<Vec<_>>()
    };
    // Outside the lock: the picture's URL reads the simulator's own.
    let picture = sim.media_url(ACCOUNT_PICTURE);
    let asked = request.params()?.str("fields");
    let fields = Fields::parse(asked.as_deref().unwrap_or(DEFAULT_PAGE_FIELDS));
    let data = pages
        .iter()
        .map(|page| render_page(page, &fields, &picture))
        .collect::<Result<Vec<Value>, GraphError>>()?;
    let mut answer = json!({ "data": data });
    if let (Some(first), Some(last)) = (pages.first(), pages.last()) {
        answer["paging"] = json!({
            "cursors": {"before": cursor(&first.id), "after": cursor(&last.id)}
        });
    }
    Ok(Json(answer).into_response())
}

/// An opaque cursor, base64-looking like Meta's.
fn cursor(id: &str) -> String {
    format!("QVFI{id}")
}

fn render_page(page: &PageView, fields: &Fields, picture: &str) -> Result<Value, GraphError> {
    let mut out = Map::new();
    for field in &fields.0 {
        let value = match field.name.as_str() {
            "id" => json!(page.id),
            "name" => json!(page.name),
            "access_token" => json!(page.token),
            "category" => json!("Shopping & retail"),
            "tasks" => json!(TASKS),
            // A Page without an Instagram account has no such field at all.
            "instagram_business_account" => match &page.instagram {
                Some(account) => render_account(account, field, picture)?,
                None => continue,
            },
            other => return Err(GraphError::nonexisting_field_on(other, "Page")),
        };
        out.insert(field.name.clone(), value);
    }
    out.insert("id".to_owned(), json!(page.id));
    Ok(Value::Object(out))
}

/// The Instagram account with the subfields asked for (only `id` when none).
fn render_account(account: &Value, field: &Field, picture: &str) -> Result<Value, GraphError> {
    let mut out = Map::new();
    for name in &field.sub {
        let value = match name.as_str() {
            "id" | "username" | "name" => account[name].clone(),
            "profile_picture_url" => json!(picture),
            other => return Err(GraphError::nonexisting_field_on(other, "IGUser")),
        };
        out.insert(name.clone(), value);
    }
    out.insert("id".to_owned(), account["id"].clone());
    Ok(Value::Object(out))
}

/// `GET /me` (or the node's own id): the person, with a user token; the Page,
/// with a Page token.
pub(super) fn me(
    sim: &Simulator,
    request: &GraphRequest,
    node: &str,
) -> Option<Result<Response, GraphError>> {
    let token = request.token.as_deref().unwrap_or_default();
    if sim.state().logins.is_user_token(token) {
        if node != "me" && node != FACEBOOK_USER_ID {
            return None;
        }
        let name = sim.login_config().facebook_user_name;
        let user = json!({"id": FACEBOOK_USER_ID, "name": name});
        return Some(only_fields(request, user, "User", "name,id"));
    }
    let business = match request.business(sim) {
        Ok(business) => business,
        Err(error) => return (node == "me").then_some(Err(error)),
    };
    if node != "me" && node != business.page_id {
        return None;
    }
    let name = sim.state().logins.names.get(&business.ig_id).cloned();
    let name = name.unwrap_or(business.username);
    let page = json!({"id": business.page_id, "name": name});
    Some(only_fields(request, page, "Page", "name,id"))
}
