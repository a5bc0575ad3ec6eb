//! Views of the work: the list in the console's left column filtered by
//! state, label, inbox and channel, as GET parameters so a view can be bookmarked and
//! survives moving from customer to customer; administrators also see everyone's
//! work and assign a conversation to an agent directly.

use super::desk::{ConversationRow, Frame};
use super::item::waited;
use super::session::{Posted, Signed};
use super::Failed;
use crate::app::App;
use crate::service::error::{Kind, ServiceError};
use crate::service::labels;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use igdesk_domain::{AgentId, ConversationId, CustomerId, InboxId, Millis};
use igdesk_store::{ChannelKind, Conversation, WorkFilter, WorkState};
use serde::Deserialize;

/// A view as the address gives it; anything igdesk does not know is left out.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WorkQuery {
    /// `all`: everyone's work (administrators); otherwise the agent's own.
    #[serde(default)]
    pub view: String,
    /// `open` (the default), `waiting` or `closed`.
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub inbox: String,
    /// `dm`, `story_mention` or `comment`.
    #[serde(default)]
    pub kind: String,
}

/// One choice of a filter's select.
pub struct Choice {
    pub value: String,
    pub name: String,
    pub chosen: bool,
}

/// The filters as the list's form draws them, and the address that keeps them.
pub struct WorkView {
    /// The list's heading: "My conversations", "All open work" …
    pub title: String,
    pub admin: bool,
    pub everyone: bool,
    pub states: Vec<Choice>,
    pub labels: Vec<Choice>,
    pub inboxes: Vec<Choice>,
    pub kinds: Vec<Choice>,
    /// `?state=…&label=…` for links and the live refresh; empty for the plain view.
    pub query: String,
    /// What the filters show, in words, when any is set ("Waiting on customer · vip").
    pub summary: String,
    pub csrf: String,
}

const STATES: [(&str, &str); 3] = [
    ("open", "Open"),
    ("waiting", "Waiting on customer"),
    ("closed", "Closed"),
];
const KINDS: [(&str, &str); 3] = [
    ("dm", "DM"),
    ("story_mention", "Story mention"),
    ("comment", "Comment"),
];

fn choices(options: &[(String, String)], chosen: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|(value, name)| Choice {
            value: value.clone(),
            name: name.clone(),
            chosen: value == chosen,
        })
        .collect()
}

/// The list and its filters for this agent and address.
pub async fn work_list(
    app: &App,
    signed: &Signed,
    query: &WorkQuery,
    now: Millis,
) -> Result<(Vec<ConversationRow>, WorkView), ServiceError> {
    let agent = &signed.agent;
    let everyone = agent.is_admin && query.view == "all";
    let state = WorkState::parse(query.state.trim()).unwrap_or(WorkState::Open);
    let kind = ChannelKind::parse(query.kind.trim());
    let inboxes = app.store.inboxes().await?;
    let mine = if agent.is_admin {
        inboxes.iter().map(|i| i.id).collect()
    } else {
        crate::service::dashboard::my_inboxes(app, agent).await?
    };
    let inbox = query
        .inbox
        .trim()
        .parse()
        .ok()
        .map(InboxId)
        .filter(|i| mine.contains(i));
    let known = labels::all(app, agent).await?;
    let label = known
        .iter()
        .find(|l| l.name.to_lowercase() == query.label.trim().to_lowercase())
        .map(|l| l.name.clone());
    let filter = WorkFilter {
        state: Some(state),
        label: label.clone(),
        inbox,
        kind,
        ..WorkFilter::default()
    };
    let conversations = labels::work(app, agent, filter, everyone).await?;
    let agents = if everyone {
        app.store.agent_details().await?
    } else {
        Vec::new()
    };
    let rows = conversations
        .iter()
        .map(|c| row(c, &inboxes, &agents, everyone, now))
        .collect();

    let mut pairs: Vec<(&str, String)> = Vec::new();
    if everyone {
        pairs.push(("view", "all".into()));
    }
    if state != WorkState::Open {
        pairs.push(("state", state.as_str().into()));
    }
    if let Some(l) = &label {
        pairs.push(("label", l.clone()));
    }
    if let Some(i) = inbox {
        pairs.push(("inbox", i.0.to_string()));
    }
    if let Some(k) = kind {
        pairs.push(("kind", k.as_str().into()));
    }
    // Encoded by the URL library: a label may hold any character but a slash.
    let query = reqwest::Url::parse_with_params("http://igdesk/desk", &pairs)
        .ok()
        .and_then(|u| u.query().filter(|q| !q.is_empty()).map(|q| format!("?{q}")))
        .unwrap_or_default();
    let mut said: Vec<String> = Vec::new();
    if state != WorkState::Open {
        said.push(
            STATES
                .iter()
                .find(|s| s.0 == state.as_str())
                .map_or("", |s| s.1)
                .into(),
        );
    }
    if let Some(l) = &label {
        said.push(l.clone());
    }
    if let Some(i) = inbox {
        said.extend(inboxes.iter().find(|x| x.id == i).map(|x| x.name.clone()));
    }
    if let Some(k) = kind {
        said.push(
            KINDS
                .iter()
                .find(|s| s.0 == k.as_str())
                .map_or("", |s| s.1)
                .into(),
        );
    }
    let owned = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(v, n)| ((*v).into(), (*n).into()))
            .collect()
    };
    let mut label_options = vec![(String::new(), "Any label".to_owned())];
    label_options.extend(known.iter().map(|l| (l.name.clone(), l.name.clone())));
    let mut inbox_options = vec![(String::new(), "Any inbox".to_owned())];
    inbox_options.extend(
        inboxes
            .iter()
            .filter(|i| mine.contains(&i.id))
            .map(|i| (i.id.0.to_string(), i.name.clone())),
    );
    let mut kind_options = vec![(String::new(), "Any channel".to_owned())];
    kind_options.extend(owned(&KINDS));
    let title = match (everyone, state) {
        (false, _) => "My conversations",
        (true, WorkState::Closed) => "All closed work",
        (true, _) => "All open work",
    };
    let view = WorkView {
        title: title.into(),
        admin: agent.is_admin,
        everyone,
        states: choices(&owned(&STATES), state.as_str()),
        labels: choices(&label_options, label.as_deref().unwrap_or("")),
        inboxes: choices(
            &inbox_options,
            &inbox.map(|i| i.0.to_string()).unwrap_or_default(),
        ),
        kinds: choices(&kind_options, kind.map_or("", ChannelKind::as_str)),
        query,
        summary: said.join(" · "),
        csrf: signed.csrf.clone(),
    };
    Ok((rows, view))
}

/// One conversation as the list shows it.
fn row(
    c: &Conversation,
    inboxes: &[igdesk_store::Inbox],
    agents: &[igdesk_store::AgentDetails],
    everyone: bool,
    now: Millis,
) -> ConversationRow {
    let target = inboxes
        .iter()
        .find(|i| i.id == c.inbox_id)
        .map_or(3_600_000, |i| i.sla_target_seconds * 1000);
    let open = c.state == "open";
    let waited_ms = c.last_incoming_at.map(|at| now - at);
    // A conversation is waiting when the customer wrote last.
    let waiting_now = open && c.last_incoming_at.is_some_and(|at| at >= c.last_item_at);
    let sla = match waited_ms {
        Some(w) if waiting_now && w > target => "late",
        Some(w) if waiting_now && w * 4 > target * 3 => "near",
        Some(_) if waiting_now => "ok",
        _ => "",
    };
    let holder = |id: AgentId| agents.iter().find(|a| a.id == id).map(|a| a.name.clone());
    ConversationRow {
        id: c.id.0,
        customer_id: c.customer_id.0,
        customer_name: c.customer_name.clone(),
        waiting: waited_ms.filter(|_| waiting_now).map(waited),
        sla,
        topics: c.topics.join(", "),
        closed: !open,
        agent: if everyone {
            Some(
                c.agent_id
                    .and_then(holder)
                    .unwrap_or_else(|| "Waiting for an agent".into()),
            )
        } else {
            None
        },
        assignees: if everyone && open {
            agents
                .iter()
                .filter(|a| a.active && Some(a.id) != c.agent_id)
                .filter(|a| a.inboxes.iter().any(|i| i.id == c.inbox_id))
                .map(|a| (a.id.0, a.name.clone()))
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// Draws the frame's list for this address (the plain view is drawn by `frame`).
pub async fn apply(
    app: &App,
    signed: &Signed,
    frame: &mut Frame,
    query: &WorkQuery,
) -> Result<(), ServiceError> {
    let (rows, view) = work_list(app, signed, query, crate::now_ms()).await?;
    frame.conversations = rows;
    frame.view = view;
    Ok(())
}

#[derive(Deserialize)]
pub struct AssignForm {
    // A string: the form's fields are read beside its CSRF token (flattened), where
    // numbers arrive as text.
    agent_id: String,
    /// The list's address, to come back to.
    #[serde(default)]
    back: String,
}

/// An administrator's `Assign` from the list, without scripts: the same service as
/// `POST /api/v1/conversations/{id}/assign`, then back to the view.
pub async fn assign(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, form }: Posted<AssignForm>,
) -> Response {
    let Ok(agent) = form.agent_id.trim().parse().map(AgentId) else {
        return Failed::from(
            ServiceError::bad_request("invalid_value", "choose an agent").field("agent_id"),
        )
        .into_response();
    };
    let done = labels::assign(&app, &signed.agent, ConversationId(id), agent).await;
    match done {
        Ok(_) => {
            // Only a path of this console: a form cannot send the agent elsewhere.
            let back = if form.back.starts_with("/desk") {
                form.back
            } else {
                "/desk?view=all".into()
            };
            Redirect::to(&back).into_response()
        }
        Err(e) => Failed::from(e).into_response(),
    }
}

/// The agent's own conversations, as every page's frame shows them first.
pub async fn plain(
    app: &App,
    signed: &Signed,
    now: Millis,
) -> Result<(Vec<ConversationRow>, WorkView), ServiceError> {
    work_list(app, signed, &WorkQuery::default(), now).await
}

/// Whether this address asks for anything but the plain view.
pub fn is_plain(query: &WorkQuery) -> bool {
    query.view.is_empty()
        && query.state.is_empty()
        && query.label.is_empty()
        && query.inbox.is_empty()
        && query.kind.is_empty()
}

#[derive(Deserialize)]
pub struct LabelForm {
    #[serde(default)]
    label: String,
}

/// Adds a label from the customer page without scripts (the script uses the JSON
/// API); a refusal is shown beside the field either way.
pub async fn add_label(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, form }: Posted<LabelForm>,
) -> Response {
    let customer = CustomerId(id);
    let refusal = match labels::add(&app, &signed.agent, customer, &form.label).await {
        Ok(_) => return Redirect::to(&format!("/customers/{id}#labels")).into_response(),
        Err(e) if matches!(e.kind, Kind::NotFound | Kind::Internal) => {
            return Failed::from(e).into_response()
        }
        Err(e) => e.message,
    };
    super::profile::label_refused(&app, &signed, customer, form.label, &refusal)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// Removes a label from the customer page without scripts.
pub async fn remove_label(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, form }: Posted<LabelForm>,
) -> Response {
    let customer = CustomerId(id);
    match labels::remove(&app, &signed.agent, customer, &form.label).await {
        Ok(_) => Redirect::to(&format!("/customers/{id}#labels")).into_response(),
        Err(e) => Failed::from(e).into_response(),
    }
}
