//! Transfer: an agent hands an open conversation to another agent or to an
//! inbox. The JSON API (`POST /conversations/{id}/transfer`) and the console's Transfer
//! dialog both call [`transfer`].
//!
//! - Who may: the agent holding the conversation, or an administrator (anyone's,
//!   waiting work too). A conversation the caller cannot see is not found.
//! - To an agent: an active member of the conversation's inbox who could take an offer
//!   now (available, not holding off until Next, with room). The conversation leaves
//!   its holder at once and waits, unassigned, as an ordinary 30-second offer to the
//!   target, which says "Transferred by Ana: note". Declined or timed out, it is waiting
//!   work of its inbox again, and routing offers it to someone other than the agent
//!   who transferred it (to them only when nobody else can take it).
//! - To an inbox: administrators any inbox, agents their own (the inboxes whose work
//!   they see); it leaves its holder and goes back to routing there.
//! - The SLA clock keeps running: nothing about the customer's wait changes.
//! - The timeline records each transfer (`Transferred to Ben by Ana: note`).

use super::error::ServiceError;
use crate::app::App;
use crate::workers::router::OFFER_TIMEOUT;
use igdesk_domain::{AgentId, ConversationId, CustomerId, InboxId};
use igdesk_store::{
    Agent, Offer, Transfer, TransferAnswer, TransferRequest, TransferTargets, TransferTo,
    TRANSFER_NOTE_CHARS,
};

/// A transfer made, and for a transfer to an agent the offer they got.
#[derive(Debug, Clone)]
pub struct Transferred {
    pub transfer: Transfer,
    pub offer: Option<Offer>,
}

/// Where to, from the request's `agent_id` and `inbox_id`: exactly one of the two.
pub fn target(agent_id: Option<i64>, inbox_id: Option<i64>) -> Result<TransferTo, ServiceError> {
    match (agent_id, inbox_id) {
        (Some(agent), None) => Ok(TransferTo::Agent(AgentId(agent))),
        (None, Some(inbox)) => Ok(TransferTo::Inbox(InboxId(inbox))),
        (None, None) => Err(ServiceError::bad_request(
            "missing_target",
            "choose an agent (agent_id) or an inbox (inbox_id) to transfer to",
        )
        .field("agent_id")),
        (Some(_), Some(_)) => Err(ServiceError::bad_request(
            "both_targets",
            "transfer to an agent (agent_id) or to an inbox (inbox_id), not both",
        )
        .field("inbox_id")),
    }
}

/// The note as kept: trimmed, none when blank, at most 500 characters.
pub fn note(raw: Option<&str>) -> Result<Option<String>, ServiceError> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let chars = text.chars().count();
    if chars > TRANSFER_NOTE_CHARS {
        return Err(ServiceError::bad_request(
            "note_too_long",
            format!("the note has {chars} characters; at most {TRANSFER_NOTE_CHARS} are allowed"),
        )
        .field("note"));
    }
    Ok(Some(text.to_owned()))
}

/// Hands the conversation over (see the module's rules).
pub async fn transfer(
    app: &App,
    agent: &Agent,
    conversation: ConversationId,
    to: TransferTo,
    note_text: Option<&str>,
) -> Result<Transferred, ServiceError> {
    let request = TransferRequest {
        scope: agent.scope(),
        conversation,
        to,
        note: note(note_text)?,
        offer_for: OFFER_TIMEOUT,
    };
    let made = match app.store.transfer(request, app.clock.now()).await? {
        TransferAnswer::Done(made) => *made,
        other => return Err(refused(other)),
    };
    let kind = if made.offer.is_some() {
        "agent"
    } else {
        "inbox"
    };
    metrics::counter!("igdesk_transfers_total", "to" => kind).increment(1);
    tracing::info!(
        conversation.id = conversation.0,
        transfer.id = made.transfer.id.0,
        by = agent.id.0,
        to = kind,
        "conversation transferred"
    );
    // Waiting work in the inbox (a transfer there) is routed at once; the holder's and
    // the target's consoles learn it from their streams.
    app.reroute();
    app.wake.live.agents(
        made.transfer
            .from_agent_id
            .into_iter()
            .chain(made.transfer.to_agent.as_ref().map(|a| a.agent_id)),
    );
    Ok(Transferred {
        transfer: made.transfer,
        offer: made.offer,
    })
}

/// Who and where the conversation can be transferred to.
pub async fn targets(
    app: &App,
    agent: &Agent,
    conversation: ConversationId,
) -> Result<TransferTargets, ServiceError> {
    app.store
        .transfer_targets(agent.scope(), conversation)
        .await?
        .ok_or_else(|| ServiceError::not_found("conversation"))
}

/// The customer's transfers, oldest first; not found when the agent cannot see them.
pub async fn history(
    app: &App,
    agent: &Agent,
    customer: CustomerId,
) -> Result<Vec<Transfer>, ServiceError> {
    // The store answers an invisible customer's history as empty; an empty one and
    // an invisible customer must not read alike here.
    if app.store.customer(agent.scope(), customer).await?.is_none() {
        return Err(ServiceError::not_found("customer"));
    }
    Ok(app
        .store
        .customer_transfers(agent.scope(), customer)
        .await?)
}

/// The timeline's line for a transfer: "Transferred to Ben by Ana: note".
pub fn words(t: &Transfer) -> String {
    let to = match &t.to_agent {
        Some(agent) => agent.name.clone(),
        None => format!("inbox {}", t.to_inbox.name),
    };
    with_note(format!("Transferred to {to} by {}", t.by.name), &t.note)
}

/// What the offer banner says of a transferred conversation: "Transferred by Ana: note".
pub fn offer_words(offer: &Offer) -> Option<String> {
    let by = offer.transferred_by.as_ref()?;
    Some(with_note(
        format!("Transferred by {}", by.name),
        &offer.note,
    ))
}

fn with_note(line: String, note: &Option<String>) -> String {
    match note {
        Some(note) => format!("{line}: {note}"),
        None => line,
    }
}

fn refused(answer: TransferAnswer) -> ServiceError {
    let busy = |code, message: String| ServiceError::conflict(code, message).field("agent_id");
    match answer {
        TransferAnswer::Done(_) | TransferAnswer::Unknown => {
            ServiceError::not_found("conversation")
        }
        TransferAnswer::Closed => {
            ServiceError::conflict("already_closed", "this session has already ended")
        }
        TransferAnswer::NotYours => ServiceError::forbidden(
            "only the agent holding the conversation (or an administrator) can transfer it",
        ),
        TransferAnswer::UnknownInbox => ServiceError::not_found("inbox").field("inbox_id"),
        TransferAnswer::NotInInbox => ServiceError::bad_request(
            "not_in_inbox",
            "that agent is not an active agent of this conversation's inbox",
        )
        .field("agent_id"),
        TransferAnswer::AlreadyTheirs(name) => busy(
            "already_theirs",
            format!("{name} already has this conversation"),
        ),
        TransferAnswer::Away(name) => busy(
            "agent_away",
            format!("{name} is away: choose an available agent, or transfer to the inbox"),
        ),
        TransferAnswer::Held(name) => busy(
            "agent_held",
            format!("{name} let an offer go and gets no more work until they press Next"),
        ),
        TransferAnswer::AtCapacity(name) => busy(
            "agent_at_capacity",
            format!("{name} has no room for another conversation: choose someone else, or transfer to the inbox"),
        ),
        TransferAnswer::Busy => ServiceError::conflict(
            "conversation_changed",
            "the conversation changed meanwhile: reload it and try again",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_target_is_asked_for_by_its_field() {
        assert_eq!(target(Some(2), None), Ok(TransferTo::Agent(AgentId(2))));
        assert_eq!(target(None, Some(3)), Ok(TransferTo::Inbox(InboxId(3))));
        assert_eq!(target(None, None).unwrap_err().field, Some("agent_id"));
        assert_eq!(
            target(Some(2), Some(3)).unwrap_err().field,
            Some("inbox_id")
        );
    }

    #[test]
    fn notes_are_trimmed_blank_is_none_and_500_characters_at_most() {
        assert_eq!(note(Some("  sizes  ")), Ok(Some("sizes".to_owned())));
        assert_eq!(note(Some("   ")), Ok(None));
        assert_eq!(note(None), Ok(None));
        assert!(note(Some(&"é".repeat(500))).is_ok());
        let refused = note(Some(&"é".repeat(501))).unwrap_err();
        assert_eq!(
            (refused.code, refused.field),
            ("note_too_long", Some("note"))
        );
    }
}
