//! Labels and views: agents put short words on customers ("vip",
//! "returns") and filter their work by them and by the conversations' own state,
//! inbox and channel; administrators see everyone's open work and assign a
//! conversation to an agent directly.

use super::error::ServiceError;
use crate::app::App;
use crate::now_ms;
use igdesk_domain::{AgentId, ConversationId, CustomerId};
use igdesk_store::{
    label_key, Agent, AssignAnswer, Conversation, LabelCount, LabelsAnswer, WorkFilter,
};

/// The longest label, in characters (after trimming).
pub const LABEL_CHARS: usize = 40;
/// More labels than this on one customer no longer sorts anyone.
pub const MOST_LABELS: usize = 20;

/// A label as typed, trimmed, or why it cannot be one (naming `field`).
pub fn clean(name: &str, field: &'static str) -> Result<String, ServiceError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > LABEL_CHARS {
        return Err(ServiceError::bad_request(
            "invalid_label",
            format!("a label is 1 to {LABEL_CHARS} characters"),
        )
        .field(field));
    }
    // A slash would not survive the label's own address (`…/labels/{label}`).
    if name.chars().any(|c| c.is_control() || c == '/') {
        return Err(ServiceError::bad_request(
            "invalid_label",
            "a label cannot contain a slash or control characters",
        )
        .field(field));
    }
    Ok(name.to_owned())
}

/// Every label the agent may know of, with how many of their customers carry it.
pub async fn all(app: &App, agent: &Agent) -> Result<Vec<LabelCount>, ServiceError> {
    Ok(app.store.labels(agent.scope()).await?)
}

/// A customer's labels, by name.
pub async fn of_customer(
    app: &App,
    agent: &Agent,
    customer: CustomerId,
) -> Result<Vec<String>, ServiceError> {
    app.store
        .customer_labels(agent.scope(), customer)
        .await?
        .ok_or_else(|| ServiceError::not_found("customer"))
}

/// Replaces a customer's labels (an empty list clears them); labels are made on
/// first use. Names repeated in another case are kept once; the list itself holds at
/// most 20 names, so that a list's length says whether it is taken.
pub async fn set(
    app: &App,
    agent: &Agent,
    customer: CustomerId,
    names: &[String],
) -> Result<Vec<String>, ServiceError> {
    let mut wanted: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let name = clean(name, "labels")?;
        if !wanted.iter().any(|w| label_key(w) == label_key(&name)) {
            wanted.push(name);
        }
    }
    if names.len() > MOST_LABELS {
        return Err(too_many("labels"));
    }
    let answer = app
        .store
        .set_customer_labels(agent.scope(), customer, &wanted, agent.id, now_ms())
        .await?;
    done(app, answer, "labels")
}

/// Adds one label to a customer (made on first use); adding one it has is no change.
pub async fn add(
    app: &App,
    agent: &Agent,
    customer: CustomerId,
    name: &str,
) -> Result<Vec<String>, ServiceError> {
    let name = clean(name, "label")?;
    let answer = app
        .store
        .add_customer_label(
            agent.scope(),
            customer,
            &name,
            MOST_LABELS,
            agent.id,
            now_ms(),
        )
        .await?;
    done(app, answer, "label")
}

/// Takes a label off a customer; taking one it does not have is no change.
pub async fn remove(
    app: &App,
    agent: &Agent,
    customer: CustomerId,
    name: &str,
) -> Result<Vec<String>, ServiceError> {
    let answer = app
        .store
        .remove_customer_label(agent.scope(), customer, name.trim(), now_ms())
        .await?;
    done(app, answer, "label")
}

fn too_many(field: &'static str) -> ServiceError {
    ServiceError::bad_request(
        "too_many_labels",
        format!("a customer carries at most {MOST_LABELS} labels"),
    )
    .field(field)
}

fn done(app: &App, answer: LabelsAnswer, field: &'static str) -> Result<Vec<String>, ServiceError> {
    match answer {
        LabelsAnswer::Done(labels) => {
            // The agent of the customer's open conversation was told in the store.
            app.wake.live.everyone();
            Ok(labels)
        }
        LabelsAnswer::Unknown => Err(ServiceError::not_found("customer")),
        LabelsAnswer::TooMany => Err(too_many(field)),
    }
}

/// A view of the work in the agent's scope. "All work" (no `assigned_to`) is for
/// administrators only; an agent's view is always their own.
pub async fn work(
    app: &App,
    agent: &Agent,
    mut filter: WorkFilter,
    everyone: bool,
) -> Result<Vec<Conversation>, ServiceError> {
    if everyone && !agent.is_admin {
        return Err(ServiceError::forbidden(
            "only administrators see everyone's work",
        ));
    }
    if !everyone {
        filter.assigned_to = Some(agent.id);
    }
    Ok(app.store.work(agent.scope(), &filter).await?)
}

/// The conversations of the caller's inboxes that match `filter` (the JSON API's
/// list: assigned to anyone or no one).
pub async fn conversations(
    app: &App,
    agent: &Agent,
    filter: &WorkFilter,
) -> Result<Vec<Conversation>, ServiceError> {
    Ok(app.store.work(agent.scope(), filter).await?)
}

/// An administrator assigns an open conversation to an agent of its inbox at once:
/// no offer, whatever the agent's capacity or availability. Whoever had it, or had
/// it offered, is told.
pub async fn assign(
    app: &App,
    admin: &Agent,
    conversation: ConversationId,
    to: AgentId,
) -> Result<CustomerId, ServiceError> {
    if !admin.is_admin {
        return Err(ServiceError::forbidden(
            "only administrators assign conversations directly",
        ));
    }
    match app
        .store
        .assign_conversation(conversation, to, app.clock.now())
        .await?
    {
        AssignAnswer::Done { customer, .. } => {
            // The new agent, the one who had it and any agent it was offered to all
            // have news; each stream reads only its own.
            app.wake.live.everyone();
            app.reroute();
            Ok(customer)
        }
        AssignAnswer::Unknown => Err(ServiceError::not_found("conversation")),
        AssignAnswer::Closed => Err(ServiceError::conflict(
            "already_closed",
            "this session has already ended",
        )),
        AssignAnswer::AlreadyTheirs => Err(ServiceError::conflict(
            "already_assigned",
            "the conversation is already assigned to this agent",
        )
        .field("agent_id")),
        AssignAnswer::NotInInbox => Err(ServiceError::bad_request(
            "not_in_inbox",
            "choose an active agent of the conversation's inbox",
        )
        .field("agent_id")),
    }
}

/// The demo's labels, once its opening scenario's customers are in: a few people to
/// filter by (`igdesk demo`).
pub async fn add_demo_labels(app: App, admin: Agent) {
    let labels: [(&str, &[&str]); 4] = [
        ("1000001", &["vip"]),
        ("1000003", &["vip", "returns"]),
        ("1000005", &["wholesale"]),
        ("2000001", &["wholesale", "vip"]),
    ];
    for (igsid, names) in labels {
        let mut waited = 0;
        let customer = loop {
            match app.store.customers_by_igsid(admin.scope(), igsid).await {
                Ok(found) if !found.is_empty() => break Some(found[0].id),
                _ if waited >= 100 => break None,
                _ => {
                    waited += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        };
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        if let Some(customer) = customer {
            if let Err(e) = set(&app, &admin, customer, &names).await {
                tracing::warn!(error = %e, "cannot label a demo customer");
            }
        }
    }
}
