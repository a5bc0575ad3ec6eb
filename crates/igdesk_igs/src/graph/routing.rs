//! Conversation Routing (meta-instagram-api.md §7), what Meta kept of the
//! Handover Protocol for Instagram:
//! `POST /{node}/pass_thread_control` (`recipient`, `target_app_id`, `metadata`),
//! `POST /{node}/take_thread_control` (`recipient`, `metadata`), both answering
//! `{"success":true}`, and `GET /{node}/thread_owner?recipient=<IGSID>`.
//!
//! Meta documents them on the Facebook-Login path (graph.facebook.com, the
//! Page as node, a Page token). Whether graph.instagram.com serves them is
//! unconfirmed; they are answered there too (the Instagram account as node,
//! the Instagram token) so that igdesk's Instagram-Login accounts can be
//! exercised; a real account may refuse them there.
//!
//! Simplifications: sends keep working while another app owns a thread (Meta
//! refuses them) and events are not moved to `standby`, so a pass never
//! breaks the flows other tests rely on; no `messaging_handover` webhook is
//! delivered.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{GraphError, GraphRequest, Params};
use crate::sim::{BusinessAccount, Simulator, IGDESK_APP_ID};

/// `POST /{node}/pass_thread_control`: the thread goes to `target_app_id`.
pub(crate) fn pass(
    sim: &Simulator,
    request: &GraphRequest,
    node: &str,
) -> Result<Response, GraphError> {
    let business = request.own_node(sim, node)?;
    let params = request.params()?;
    let igsid = recipient_id(params)?;
    let target = params
        .str("target_app_id")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| GraphError::param("Param target_app_id is required"))?;
    set_owner(sim, &business, &igsid, &target)?;
    Ok(success())
}

/// `POST /{node}/take_thread_control`: the thread comes back to igdesk's app.
/// An older Meta doc answers `{"data":[{"thread_owner":…}]}` here; Conversation
/// Routing answers `{"success":true}`, which is what igdesk must accept.
pub(crate) fn take(
    sim: &Simulator,
    request: &GraphRequest,
    node: &str,
) -> Result<Response, GraphError> {
    let business = request.own_node(sim, node)?;
    let igsid = recipient_id(request.params()?)?;
    set_owner(sim, &business, &igsid, IGDESK_APP_ID)?;
    Ok(success())
}

/// `GET /{node}/thread_owner?recipient=<IGSID>`.
pub(crate) fn owner(
    sim: &Simulator,
    request: &GraphRequest,
    node: &str,
) -> Result<Response, GraphError> {
    let business = request.own_node(sim, node)?;
    // Here `recipient` is the bare IGSID, not a `{"id":…}` object.
    let igsid = request
        .params()?
        .str("recipient")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| GraphError::param("Param recipient is required"))?;
    let state = sim.state();
    if !state.is_customer(&business.ig_id, &igsid) {
        return Err(GraphError::no_matching_user());
    }
    let app_id = state.routing.owner(&business.ig_id, &igsid);
    Ok(Json(json!({ "data": [{ "thread_owner": { "app_id": app_id } }] })).into_response())
}

/// `recipient.id`, given as a JSON object or as JSON text in a form body.
fn recipient_id(params: &Params) -> Result<String, GraphError> {
    let recipient = params.object("recipient")?.unwrap_or_default();
    match recipient.get("id") {
        Some(Value::String(id)) if !id.is_empty() => Ok(id.clone()),
        Some(Value::Number(id)) => Ok(id.to_string()),
        _ => Err(GraphError::param("Param recipient[id] is required")),
    }
}

/// Only someone the business can address has a thread to route.
fn set_owner(
    sim: &Simulator,
    business: &BusinessAccount,
    igsid: &str,
    app_id: &str,
) -> Result<(), GraphError> {
    let mut state = sim.state();
    if !state.is_customer(&business.ig_id, igsid) {
        return Err(GraphError::no_matching_user());
    }
    state.routing.set_owner(&business.ig_id, igsid, app_id);
    Ok(())
}

fn success() -> Response {
    Json(json!({ "success": true })).into_response()
}
