//! Transfer on the customer page: the `Transfer` dialog's choices, and the
//! timeline's lines for the transfers made ("Transferred to Ben by Ana: note"). The
//! dialog submits to the JSON API (`static/transfer.js`).

use crate::app::App;
use crate::service::error::ServiceError;
use crate::service::transfer;
use igdesk_domain::CustomerId;
use igdesk_store::{Agent, Conversation, TimelineItem};

/// The Transfer dialog of the open conversation.
pub struct TransferDialog {
    pub conversation_id: i64,
    pub inbox_name: String,
    /// The available agents of the conversation's inbox.
    pub agents: Vec<AgentOption>,
    pub inboxes: Vec<InboxOption>,
}

pub struct AgentOption {
    pub id: i64,
    /// The name, and why an offer cannot go to them now if it cannot.
    pub label: String,
    pub disabled: bool,
}

pub struct InboxOption {
    pub id: i64,
    pub name: String,
}

/// A transfer's line in the timeline, after the item it followed.
pub struct TransferLine {
    pub after_item: i64,
    pub text: String,
}

/// The dialog, for the agent holding the open conversation or an administrator.
pub async fn dialog(
    app: &App,
    agent: &Agent,
    open: Option<&Conversation>,
) -> Result<Option<TransferDialog>, ServiceError> {
    let Some(open) = open.filter(|c| agent.is_admin || c.agent_id == Some(agent.id)) else {
        return Ok(None);
    };
    let targets = transfer::targets(app, agent, open.id).await?;
    Ok(Some(TransferDialog {
        conversation_id: open.id.0,
        inbox_name: targets.inbox.name,
        agents: targets
            .agents
            .into_iter()
            .filter(|a| a.available && a.agent_id != agent.id)
            .map(|a| AgentOption {
                id: a.agent_id.0,
                disabled: a.unable.is_some(),
                label: match a.unable {
                    Some(why) => format!("{} — {why}", a.name),
                    None => a.name,
                },
            })
            .collect(),
        inboxes: targets
            .inboxes
            .into_iter()
            .map(|i| InboxOption {
                id: i.inbox_id.0,
                name: i.name,
            })
            .collect(),
    }))
}

/// The customer's transfers, each after the item that was its conversation's latest
/// when it was made; one whose item is not on the page is left to the older pages.
pub async fn lines(
    app: &App,
    agent: &Agent,
    customer: CustomerId,
    items: &[TimelineItem],
) -> Result<Vec<TransferLine>, ServiceError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let transfers = transfer::history(app, agent, customer).await?;
    Ok(transfers
        .iter()
        .filter_map(|t| {
            let after = t.after_item_id?;
            items.iter().any(|i| i.id == after).then(|| TransferLine {
                after_item: after.0,
                text: transfer::words(t),
            })
        })
        .collect())
}
