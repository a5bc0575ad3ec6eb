//! Comment moderation (meta-instagram-api.md §3), on either host:
//! `POST /{comment}/replies?message=…` → `{"id"}`, `POST /{comment}?hide=true|false`
//! and `DELETE /{comment}` → `{"success":true}`; parameters may also come in a
//! form or JSON body.
//!
//! The comment must be one the simulator knows for this business and not
//! deleted (else 100/33, as Graph answers for a node that does not exist). A
//! hidden comment cannot be replied to. A reply to a reply joins the top-level
//! comment, as on Instagram. Every call that passes the token check is recorded
//! with its outcome in [`crate::Simulator::comment_actions`].

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{usage, GraphError, GraphRequest};
use crate::ids;
use crate::sim::{
    take_fault, BusinessAccount, CommentActionRecord, Fault, FaultScope, Simulator, State,
    TrackedComment,
};

pub(crate) fn reply(sim: &Simulator, request: &GraphRequest, comment: &str) -> Response {
    let message = request
        .params()
        .ok()
        .and_then(|p| p.str("message"))
        .filter(|m| !m.is_empty());
    let text = message.clone();
    moderate(
        sim,
        request,
        comment,
        "reply",
        message,
        |state, business| {
            let text = text.ok_or_else(|| GraphError::param("Param message is required"))?;
            let tracked = &state.world.comments[comment];
            if tracked.hidden {
                return Err(GraphError::param(format!(
                    "The comment {comment} is hidden and cannot be replied to"
                )));
            }
            let id = ids::new_comment_id();
            let reply = TrackedComment {
                id: id.clone(),
                business_ig_id: business.ig_id.clone(),
                author_igsid: business.ig_id.clone(),
                author_username: business.username.clone(),
                text,
                media_id: tracked.media_id.clone(),
                parent_id: Some(
                    tracked
                        .parent_id
                        .clone()
                        .unwrap_or_else(|| comment.to_owned()),
                ),
                at_ms: ids::now_ms(),
                hidden: false,
                deleted: false,
                private_reply_mid: None,
            };
            state.world.comments.insert(id.clone(), reply);
            Ok((json!({ "id": id }), Some(id)))
        },
    )
}

pub(crate) fn hide(sim: &Simulator, request: &GraphRequest, comment: &str) -> Response {
    let hide = request.params().ok().and_then(|p| p.str("hide"));
    let hide = match hide.as_deref() {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    };
    let action = if hide == Some(false) {
        "unhide"
    } else {
        "hide"
    };
    moderate(sim, request, comment, action, None, |state, _| {
        let hide = hide.ok_or_else(|| GraphError::param("Param hide must be true or false"))?;
        if let Some(tracked) = state.world.comments.get_mut(comment) {
            tracked.hidden = hide;
        }
        Ok((json!({"success": true}), None))
    })
}

pub(crate) fn delete(sim: &Simulator, request: &GraphRequest, comment: &str) -> Response {
    moderate(sim, request, comment, "delete", None, |state, _| {
        if let Some(tracked) = state.world.comments.get_mut(comment) {
            tracked.deleted = true;
        }
        Ok((json!({"success": true}), None))
    })
}

/// What an action answers, and the id of a new comment.
type Applied = (Value, Option<String>);

/// The checks every moderation call shares, then `apply` on a live comment of
/// this business; the outcome is recorded either way.
fn moderate(
    sim: &Simulator,
    request: &GraphRequest,
    comment: &str,
    action: &str,
    message: Option<String>,
    apply: impl FnOnce(&mut State, &BusinessAccount) -> Result<Applied, GraphError>,
) -> Response {
    let business = match request.business(sim) {
        Ok(business) => business,
        Err(error) => return error.into_response(),
    };
    let api = request.host_api();
    let mut state = sim.state();
    let result = throttled(&mut state, api.own_id(&business)).and_then(|()| {
        let live = state
            .world
            .comments
            .get(comment)
            .is_some_and(|c| c.business_ig_id == business.ig_id && !c.deleted);
        if !live {
            return Err(GraphError::no_such_object(request.method.as_str(), comment));
        }
        apply(&mut state, &business)
    });
    let (reply_id, error) = match &result {
        Ok((_, reply_id)) => (reply_id.clone(), None),
        Err(error) => (None, Some(error)),
    };
    state.records.comment_actions.push(CommentActionRecord {
        business_ig_id: business.ig_id.clone(),
        api: api.name().to_owned(),
        comment_id: comment.to_owned(),
        action: action.to_owned(),
        message,
        reply_id,
        ok: error.is_none(),
        error_code: error.map(|e| e.code),
        error_message: error.map(|e| e.message.clone()),
        at_ms: ids::now_ms(),
    });
    match result {
        Ok((body, _)) => Json(body).into_response(),
        Err(error) => error.into_response(),
    }
}

/// An injected throttle applies to moderation calls too.
fn throttled(state: &mut State, object_id: &str) -> Result<(), GraphError> {
    match take_fault(&mut state.fault, FaultScope::CommentModeration) {
        Some(Fault::Throttle {
            code,
            regain_minutes,
            ..
        }) => Err(GraphError::throttled(code).with_usage(usage::value(
            object_id,
            100,
            regain_minutes,
        ))),
        _ => Ok(()),
    }
}
