//! Sender actions: `mark_seen`, `typing_on`, `typing_off`, and reactions
//! (`react` with `payload.message_id` and `payload.reaction`, `unreact` with
//! `payload.message_id`). They need no messaging window. A reaction's target
//! must be a message the customer sent the business, still there: not unsent
//! (an `is_deleted` event was delivered for it), and for a Story mention not
//! older than 24 hours (Stories expire).

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{Recipient, Send, DAY_MS};
use crate::graph::{GraphError, Params};
use crate::ids;
use crate::sim::{SenderActionRecord, State};

pub(super) fn perform(
    send: &Send<'_>,
    params: &Params,
    recipient: Recipient,
    action: &str,
) -> Result<Response, GraphError> {
    let Recipient::User(igsid) = recipient else {
        return Err(GraphError::param(
            "Param recipient[id] is required for sender actions",
        ));
    };
    let business = &send.business.ig_id;
    let mut state = send.sim.state();
    if !state.is_customer(business, &igsid) {
        return Err(GraphError::no_matching_user());
    }
    let (target_mid, reaction) = match action {
        "typing_on" | "typing_off" => (None, None),
        "mark_seen" => (state.world.newest_customer_mid(business, &igsid), None),
        "react" | "unreact" => {
            let payload = params.object("payload")?.ok_or_else(|| {
                GraphError::param(format!("Param payload is required for {action}"))
            })?;
            let text = |key: &str| match payload.get(key) {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                _ => None,
            };
            let mid = text("message_id")
                .ok_or_else(|| GraphError::param("Param payload[message_id] is required"))?;
            let reaction = if action == "react" {
                let reaction = text("reaction")
                    .ok_or_else(|| GraphError::param("Param payload[reaction] is required"))?;
                Some(reaction)
            } else {
                None
            };
            check_target(&state, business, &igsid, &mid)?;
            (Some(mid), reaction)
        }
        other => {
            return Err(GraphError::param(format!(
                "Param sender_action must be mark_seen, typing_on, typing_off, react or \
                 unreact, not {other}"
            )))
        }
    };
    state.records.actions.push(SenderActionRecord {
        business_ig_id: business.clone(),
        api: send.api.name().to_owned(),
        recipient_igsid: igsid.clone(),
        action: action.to_owned(),
        target_mid,
        reaction,
        at_ms: ids::now_ms(),
    });
    Ok(Json(json!({ "recipient_id": igsid })).into_response())
}

fn check_target(state: &State, business: &str, igsid: &str, mid: &str) -> Result<(), GraphError> {
    let message = state
        .world
        .customer_message(mid)
        .filter(|m| m.business == business && m.igsid == igsid)
        .ok_or_else(|| {
            GraphError::param(format!(
                "Param payload[message_id] {mid} is not a message from this user"
            ))
        })?;
    if message.deleted {
        return Err(GraphError::message_unavailable("the customer unsent it"));
    }
    if message.story_mention && ids::now_ms() - message.at_ms > DAY_MS {
        return Err(GraphError::message_unavailable("the story has expired"));
    }
    Ok(())
}
