//! The Send API: `POST /{node}/messages` (meta-instagram-api.md §4, §6).
//!
//! Meta's order, as far as it shows from outside: the token (190) and the node
//! (100/33); injected faults; the per-second call rate of the host (4); the
//! body: recipient, then either a sender action ([`actions`]) or a message,
//! whose shape is checked ([`message`]) before the policy: the recipient must
//! be a user of the business (100/2018001), the 24-hour window (10/2534022),
//! or for a private reply the comment's own rules; then media are fetched
//! ([`fetch`]). An accepted message is recorded, joins its thread, and is
//! echoed to the webhook shortly after the answer.

mod actions;
mod fetch;
mod message;
mod template;

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::{usage, Api, GraphError, GraphRequest, Params};
use crate::ids;
use crate::sim::limits::Lane;
use crate::sim::{take_fault, BusinessAccount, Fault, FaultScope, SentMessage, Simulator, State};
use crate::webhook::{Delivery, Event};
use message::Outgoing;

pub(crate) const HOUR_MS: i64 = 3_600_000;
pub(crate) const DAY_MS: i64 = 24 * HOUR_MS;

pub(crate) async fn post(sim: &Simulator, request: &GraphRequest, node: &str) -> Response {
    let business = match request.own_node(sim, node) {
        Ok(business) => business,
        Err(error) => return error.into_response(),
    };
    let api = request.host_api();
    let object_id = api.own_id(&business).to_owned();
    let answer_after = match apply_fault(sim, &object_id).await {
        Ok(answer_after) => answer_after,
        Err(error) => return error.into_response(),
    };
    let lane = match api {
        Api::Facebook => Lane::SendFacebook,
        Api::Instagram => Lane::SendInstagram,
    };
    let admitted = sim.state().limits.admit(&business.ig_id, lane);
    let usage = match admitted {
        Ok(usage) => usage::of(&object_id, usage),
        Err(usage) => {
            let error = GraphError::throttled(4).with_usage(usage::of(&object_id, usage));
            return error.into_response();
        }
    };
    let send = Send {
        sim,
        business: &business,
        api,
        object_id: &object_id,
    };
    let handled = send.handle(request).await;
    if let Some(pause) = answer_after {
        tokio::time::sleep(pause).await;
    }
    match handled {
        Ok(answer) => usage::attach(answer, &usage),
        // Errors with their own usage (the hourly private-reply limit) keep it.
        Err(error) if error.usage.is_some() => error.into_response(),
        Err(error) => error.with_usage(usage).into_response(),
    }
}

/// The injected fault for this call, if any: a pause, an error to answer, or how
/// long to hold the answer back once the call is carried out.
async fn apply_fault(sim: &Simulator, object_id: &str) -> Result<Option<Duration>, GraphError> {
    let fault = take_fault(&mut sim.state().fault, FaultScope::Send);
    match fault {
        Some(Fault::SendSlow { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            Ok(None)
        }
        Some(Fault::SendAnswerSlow { millis }) => Ok(Some(Duration::from_millis(millis))),
        Some(Fault::SendError {
            code,
            subcode,
            message,
            http_status,
            ..
        }) => {
            let status = StatusCode::from_u16(http_status).unwrap_or(StatusCode::BAD_REQUEST);
            Err(GraphError::injected_with_status(
                code, subcode, &message, status,
            ))
        }
        Some(Fault::Throttle {
            code,
            regain_minutes,
            ..
        }) => Err(GraphError::throttled(code).with_usage(usage::value(
            object_id,
            100,
            regain_minutes,
        ))),
        _ => Ok(None),
    }
}

/// Whom a call addresses.
pub(crate) enum Recipient {
    User(String),
    Comment(String),
}

impl Recipient {
    fn parse(recipient: &Map<String, Value>) -> Result<Recipient, GraphError> {
        let text = |key: &str| match recipient.get(key) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        if let Some(id) = text("id") {
            Ok(Recipient::User(id))
        } else if let Some(comment) = text("comment_id") {
            Ok(Recipient::Comment(comment))
        } else {
            Err(GraphError::param(
                "Param recipient must have an id or a comment_id",
            ))
        }
    }
}

/// `messaging_type` and `tag`. A tag without a type implies MESSAGE_TAG;
/// Instagram knows one tag, HUMAN_AGENT.
struct Tagging {
    messaging_type: String,
    tag: Option<String>,
}

impl Tagging {
    fn parse(params: &Params) -> Result<Tagging, GraphError> {
        let tag = params.str("tag");
        let messaging_type = match (params.str("messaging_type"), &tag) {
            (Some(kind), _) => kind,
            (None, Some(_)) => "MESSAGE_TAG".to_owned(),
            (None, None) => "RESPONSE".to_owned(),
        };
        match (messaging_type.as_str(), tag.as_deref()) {
            ("RESPONSE" | "UPDATE", None) | ("MESSAGE_TAG", Some("HUMAN_AGENT")) => {}
            ("RESPONSE" | "UPDATE", Some(_)) => {
                return Err(GraphError::param(
                    "Param tag may only be used with messaging_type MESSAGE_TAG",
                ))
            }
            ("MESSAGE_TAG", None) => {
                return Err(GraphError::param(
                    "Param tag is required when messaging_type is MESSAGE_TAG",
                ))
            }
            ("MESSAGE_TAG", Some(other)) => {
                return Err(GraphError::param(format!(
                    "Param tag must be HUMAN_AGENT for Instagram, not {other}"
                )))
            }
            (other, _) => {
                return Err(GraphError::param(format!(
                    "Param messaging_type must be RESPONSE, UPDATE or MESSAGE_TAG, not {other}"
                )))
            }
        }
        Ok(Tagging {
            messaging_type,
            tag,
        })
    }

    fn human_agent(&self) -> bool {
        self.tag.as_deref() == Some("HUMAN_AGENT")
    }
}

/// One Send API call that passed the token, fault and rate checks.
struct Send<'a> {
    sim: &'a Simulator,
    business: &'a BusinessAccount,
    api: Api,
    object_id: &'a str,
}

impl Send<'_> {
    async fn handle(&self, request: &GraphRequest) -> Result<Response, GraphError> {
        let params = request.params()?;
        let recipient = params
            .object("recipient")?
            .ok_or_else(|| GraphError::param("Param recipient must be non-empty"))?;
        let recipient = Recipient::parse(&recipient)?;
        match (params.object("message")?, params.str("sender_action")) {
            (Some(_), Some(_)) => Err(GraphError::param(
                "Params message and sender_action cannot be used together",
            )),
            (None, Some(action)) => actions::perform(self, params, recipient, &action),
            (Some(message), None) => self.message(params, recipient, &message).await,
            (None, None) => Err(GraphError::param(
                "Param message or sender_action must be set",
            )),
        }
    }

    async fn message(
        &self,
        params: &Params,
        recipient: Recipient,
        message: &Map<String, Value>,
    ) -> Result<Response, GraphError> {
        let outgoing = message::parse(message)?;
        let tagging = Tagging::parse(params)?;
        let ig_id = &self.business.ig_id;
        let (igsid, comment_id) = match recipient {
            Recipient::User(igsid) => {
                let state = self.sim.state();
                check_window(&state, ig_id, &igsid, &tagging)?;
                if state.routing.owner(ig_id, &igsid) != crate::IGDESK_APP_ID {
                    return Err(GraphError::thread_owned_elsewhere());
                }
                (igsid, None)
            }
            Recipient::Comment(comment) => {
                let author = self.private_reply_allowed(&mut self.sim.state(), &comment)?;
                (author, Some(comment))
            }
        };
        if outgoing.is_slow_lane() {
            let admitted = self.sim.state().limits.admit(ig_id, Lane::Media);
            admitted.map_err(|usage| {
                GraphError::throttled(4).with_usage(usage::of(self.object_id, usage))
            })?;
        }
        let mut fetched = None;
        if let Some(attachment) = &outgoing.attachment {
            if let Some(url) = &attachment.url {
                fetched = fetch::check(self.sim.fetch_client(), &attachment.kind, url).await?;
            }
        }
        // Meta re-hosts what it fetched: the echo names the simulator's copy (or, for
        // media not kept, one of its own), when the simulator knows where it is.
        let echo_url = match (fetched, &outgoing.attachment) {
            (Some((content_type, bytes)), _) => self.sim.host(&content_type, bytes),
            (None, Some(attachment)) if attachment.url.is_some() => {
                Some(self.sim.cdn_url(&attachment.kind))
            }
            _ => None,
        };
        let mid = ids::new_mid();
        let at_us = ids::now_us();
        let at_ms = at_us / 1_000;
        {
            let mut state = self.sim.state();
            if let Some(comment) = &comment_id {
                // Checked again: another reply may have won while media were fetched.
                self.private_reply_allowed(&mut state, comment)?;
                state.limits.count(ig_id, Lane::PrivateReplies);
                if let Some(tracked) = state.world.comments.get_mut(comment) {
                    tracked.private_reply_mid = Some(mid.clone());
                }
            }
            let text = outgoing.text.as_deref();
            state
                .world
                .add_to_thread(ig_id, &igsid, false, text, &mid, at_ms);
            let record = self.record(&outgoing, &tagging, &igsid, comment_id, &mid, at_us);
            state.records.sent.push(record);
        }
        let echo = Event::sent_echo(
            &igsid,
            &mid,
            outgoing.text.clone(),
            outgoing.echo_attachments(echo_url),
            at_ms,
        );
        self.sim.echo(Delivery::new(ig_id.clone()).push(echo));
        Ok(Json(json!({"recipient_id": igsid, "message_id": mid})).into_response())
    }

    /// A private reply's rules; the comment author's IGSID when allowed.
    fn private_reply_allowed(
        &self,
        state: &mut State,
        comment: &str,
    ) -> Result<String, GraphError> {
        let tracked = state
            .world
            .comments
            .get(comment)
            .filter(|c| c.business_ig_id == self.business.ig_id && !c.deleted)
            .ok_or_else(|| GraphError::no_such_object("POST", comment))?;
        if tracked.private_reply_mid.is_some() {
            return Err(GraphError::already_replied(comment));
        }
        if ids::now_ms() - tracked.at_ms > 7 * DAY_MS {
            return Err(GraphError::outside_window());
        }
        let author = tracked.author_igsid.clone();
        let limit = state
            .limits
            .peek(&self.business.ig_id, Lane::PrivateReplies);
        limit.map_err(|usage| {
            GraphError::throttled(613).with_usage(usage::of(self.object_id, usage))
        })?;
        Ok(author)
    }

    fn record(
        &self,
        outgoing: &Outgoing,
        tagging: &Tagging,
        igsid: &str,
        comment_id: Option<String>,
        mid: &str,
        at_us: i64,
    ) -> SentMessage {
        SentMessage {
            business_ig_id: self.business.ig_id.clone(),
            api: self.api.name().to_owned(),
            recipient_igsid: igsid.to_owned(),
            comment_id,
            mid: mid.to_owned(),
            kind: outgoing.kind.clone(),
            text: outgoing.text.clone(),
            attachment_url: outgoing.attachment.as_ref().and_then(|a| a.url.clone()),
            quick_replies: outgoing.quick_replies.clone(),
            template: outgoing.template.clone(),
            messaging_type: tagging.messaging_type.clone(),
            tag: tagging.tag.clone(),
            at_ms: at_us / 1_000,
            at_us,
        }
    }
}

/// The messaging window: 24 hours after the customer's last message, 7 days
/// with the HUMAN_AGENT tag; never for someone who has not written.
fn check_window(
    state: &State,
    business: &str,
    igsid: &str,
    tagging: &Tagging,
) -> Result<(), GraphError> {
    if !state.is_customer(business, igsid) {
        return Err(GraphError::no_matching_user());
    }
    let last = state
        .world
        .last_customer_message_ms(business, igsid)
        .ok_or_else(GraphError::outside_window)?;
    let age = ids::now_ms() - last;
    if age <= DAY_MS || (tagging.human_agent() && age <= 7 * DAY_MS) {
        Ok(())
    } else {
        Err(GraphError::outside_window())
    }
}
