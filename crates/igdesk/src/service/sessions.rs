//! Ending sessions (RT-4): Close, Close & Next, and No Reply Needed. An ended session
//! frees the agent's room, so the router is woken at once, and every console is told.

use super::error::ServiceError;
use super::routing::ask_next;
use crate::app::App;
use igdesk_domain::{ConversationId, ItemId};
use igdesk_store::{Agent, CloseAnswer, NoReplyAnswer};

/// Close a conversation assigned to the agent (an administrator closes anyone's).
pub async fn close(
    app: &App,
    agent: &Agent,
    conversation: ConversationId,
) -> Result<(), ServiceError> {
    let answer = app
        .store
        .close_conversation(agent.scope(), conversation, app.clock.now())
        .await?;
    match answer {
        CloseAnswer::Closed => {}
        CloseAnswer::Unknown => return Err(ServiceError::not_found("conversation")),
        CloseAnswer::AlreadyClosed => {
            return Err(ServiceError::conflict(
                "already_closed",
                "this session has already ended",
            ))
        }
        CloseAnswer::NotYours => {
            return Err(ServiceError::conflict(
                "not_assigned_to_you",
                "only the agent the conversation is assigned to (or an administrator) closes it",
            ))
        }
    }
    metrics::counter!("igdesk_sessions_ended_total", "by" => "agent").increment(1);
    app.reroute();
    app.wake.live.everyone();
    Ok(())
}

/// Close & Next: close, then ask for the next piece of work. Refused with
/// `at_maximum` when the agent is still at their maximum — the conversation is
/// closed nonetheless.
pub async fn close_and_next(
    app: &App,
    agent: &Agent,
    conversation: ConversationId,
) -> Result<(), ServiceError> {
    close(app, agent, conversation).await?;
    ask_next(app, agent).await
}

/// No Reply Needed on the last incoming message of an open session: the SLA is met
/// and the session ends. Answers the conversation that ended.
pub async fn no_reply_needed(
    app: &App,
    agent: &Agent,
    item: ItemId,
) -> Result<ConversationId, ServiceError> {
    match app
        .store
        .no_reply_needed(agent.scope(), item, app.clock.now())
        .await?
    {
        NoReplyAnswer::Ended(conversation) => {
            metrics::counter!("igdesk_sessions_ended_total", "by" => "no_reply_needed")
                .increment(1);
            app.reroute();
            app.wake.live.everyone();
            Ok(conversation)
        }
        NoReplyAnswer::Unknown => Err(ServiceError::not_found("timeline item")),
        NoReplyAnswer::NotLastIncoming => Err(ServiceError::conflict(
            "not_last_incoming",
            "only the last incoming message of an open session can be marked No Reply Needed",
        )),
    }
}
