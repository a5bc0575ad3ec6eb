//! Settings › Agents (RT-1, RT-2, UI-4): the agents with their inboxes and capacity;
//! adding one with a first password igdesk makes and shows once; per agent, their
//! name, admin flag, inboxes and capacity, a new password when they lost theirs, and
//! switching them off and on. The actions are `service::agents`, `service::passwords`
//! and `service::access`.

use super::form::{self, Entered, Said, Shown};
use super::{admin_only, sections, settings_frame, Section};
use crate::app::App;
use crate::service::agents::{self as service, NewAgent, Update};
use crate::service::error::ServiceError;
use crate::service::{access, inboxes, passwords};
use crate::web::desk::Frame;
use crate::web::session::{NoFields, Posted, Signed};
use crate::web::{render, Failed};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use igdesk_domain::{AgentId, InboxId};
use igdesk_store::{AgentDetails, Capacity, Inbox};
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;

const PAGE: &str = "/settings/agents";
/// A new agent's capacity, as the store gives it.
const DEFAULT_CAPACITY: Capacity = Capacity {
    standard: 3,
    max: 5,
};

pub struct AgentRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    pub inboxes: String,
    pub standard: i64,
    pub max: i64,
    pub active: bool,
    pub since: String,
    pub me: bool,
}

pub struct InboxCheck {
    pub id: i64,
    pub name: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "settings/agents.html")]
struct AgentsPage {
    frame: Frame,
    sections: Vec<Section>,
    notice: Option<String>,
    shown: Option<Shown>,
    agents: Vec<AgentRow>,
    inboxes: Vec<InboxCheck>,
    entered: Entered,
    standard: String,
    max: String,
    capacity_limit: i64,
}

fn row(a: AgentDetails, me: AgentId) -> AgentRow {
    AgentRow {
        id: a.id.0,
        inboxes: if a.inboxes.is_empty() {
            "None".to_owned()
        } else {
            a.inboxes
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        },
        since: a.deactivated_at.map(form::when).unwrap_or_default(),
        me: a.id == me,
        name: a.name,
        email: a.email,
        is_admin: a.is_admin,
        standard: a.standard_capacity,
        max: a.max_capacity,
        active: a.active,
    }
}

/// The inboxes as checkboxes: as entered when refused, else ticked by `has`.
fn checks(
    all: &[Inbox],
    entered: &Entered,
    refused: bool,
    has: impl Fn(InboxId) -> bool,
) -> Vec<InboxCheck> {
    all.iter()
        .map(|i| InboxCheck {
            id: i.id.0,
            name: i.name.clone(),
            checked: if refused {
                entered.ticked(&format!("inbox-{}", i.id.0))
            } else {
                has(i.id)
            },
        })
        .collect()
}

async fn list_page(
    app: &App,
    signed: &Signed,
    status: StatusCode,
    mut said: Said,
    entered: Entered,
) -> Result<Response, Failed> {
    admin_only(signed)?;
    let all = inboxes::all(app).await?;
    let refused = entered.is("new");
    let inboxes = checks(&all, &entered, refused, |id| {
        all.iter().any(|i| i.id == id && i.is_default)
    });
    let agents = service::all(app, &signed.agent)
        .await?
        .into_iter()
        .map(|a| row(a, signed.agent.id))
        .collect();
    let (standard, max) = if refused {
        (
            entered.value("standard_capacity").to_owned(),
            entered.value("max_capacity").to_owned(),
        )
    } else {
        (
            DEFAULT_CAPACITY.standard.to_string(),
            DEFAULT_CAPACITY.max.to_string(),
        )
    };
    let view = AgentsPage {
        frame: settings_frame(app, signed, "Agents").await?,
        sections: sections(true, PAGE),
        notice: said.notice.take(),
        shown: said.shown.take(),
        agents,
        inboxes,
        entered,
        standard,
        max,
        capacity_limit: service::CAPACITY_LIMIT,
    };
    Ok(said.answer(app, render(status, view)))
}

pub async fn show(
    State(app): State<App>,
    signed: Signed,
    headers: HeaderMap,
) -> Result<Response, Failed> {
    let said = form::said(&app, &signed, &headers, PAGE);
    list_page(&app, &signed, StatusCode::OK, said, Entered::default()).await
}

/// The inboxes ticked on a form (`inbox-{id}` checkboxes).
fn ticked_inboxes(entered: &Entered, all: &[Inbox]) -> Vec<InboxId> {
    all.iter()
        .filter(|i| entered.ticked(&format!("inbox-{}", i.id.0)))
        .map(|i| i.id)
        .collect()
}

type Refusal = (Option<&'static str>, String);

fn capacity_fields(entered: &Entered) -> Result<(i64, i64), Refusal> {
    let standard = form::whole_number(
        entered.value("standard_capacity"),
        "standard_capacity",
        "the standard capacity",
    )?;
    let max = form::whole_number(
        entered.value("max_capacity"),
        "max_capacity",
        "the maximum capacity",
    )?;
    Ok((standard, max))
}

/// A first password, to be given to the agent: 16 letters and digits that cannot be
/// mistaken for one another, in groups of four.
fn first_password() -> SecretString {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut chars = String::with_capacity(19);
    while chars.len() < 19 {
        for b in crate::crypto::random_bytes(32) {
            // Bytes past the last whole multiple of the alphabet would favour its start.
            if usize::from(b) >= ALPHABET.len() * (256 / ALPHABET.len()) || chars.len() == 19 {
                continue;
            }
            if chars.len() % 5 == 4 {
                chars.push('-');
            }
            chars.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
        }
    }
    SecretString::from(chars)
}

fn password_shown(
    app: &App,
    name: &str,
    email: &str,
    password: &SecretString,
    first: bool,
) -> Shown {
    Shown {
        label: if first {
            format!("One-time password for {name} ({email})")
        } else {
            format!("New password for {name} ({email})")
        },
        value: password.expose_secret().to_owned(),
        hint: format!(
            "Give it to {name} privately. They sign in at {} with their email and this password, then choose their own under My tokens › Change password.",
            app.settings.public_url.trim_end_matches('/')
        ),
    }
}

/// `Add agent`: igdesk makes the first password and shows it once.
pub async fn create(
    State(app): State<App>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let entered = Entered::new("new", form);
    let all = inboxes::all(&app).await?;
    let (standard, max) = match capacity_fields(&entered) {
        Ok(pair) => pair,
        Err((field, message)) => {
            let refused = entered.refused(field, message);
            return list_page(
                &app,
                &signed,
                StatusCode::BAD_REQUEST,
                Said::nothing(),
                refused,
            )
            .await;
        }
    };
    let password = first_password();
    let new = NewAgent {
        email: entered.value("email").to_owned(),
        name: entered.value("name").to_owned(),
        password: password.clone(),
        admin: entered.ticked("admin"),
        inboxes: ticked_inboxes(&entered, &all),
        capacity: Some(Capacity { standard, max }),
    };
    match service::create(&app, &signed.agent, new).await {
        Ok(agent) => {
            let notice = format!(
                "{} was added{}. Their password is below, this once.",
                agent.name,
                if agent.inboxes.is_empty() {
                    ", in no inbox yet: nothing is routed to them until you add one".to_owned()
                } else {
                    String::new()
                }
            );
            let shown = password_shown(&app, &agent.name, &agent.email, &password, true);
            Ok(form::saved(&app, &signed, PAGE, notice, Some(shown)))
        }
        Err(e) if form::shown_on_form(&e) => {
            let (field, message) = sentence(&e);
            let refused = entered.refused(field, message);
            list_page(
                &app,
                &signed,
                form::refused_status(&e),
                Said::nothing(),
                refused,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The service's refusal in the page's words, at the page's field.
fn sentence(e: &ServiceError) -> Refusal {
    let limit = service::CAPACITY_LIMIT;
    match (e.code, e.field) {
        ("invalid_email", _) => (
            Some("email"),
            "Enter an email address, like lia@example.com.".into(),
        ),
        ("already_exists", _) => (
            Some("email"),
            "There is already an agent with this email (in any case).".into(),
        ),
        ("invalid_name", _) => (Some("name"), "Enter a name of 1 to 80 characters.".into()),
        ("invalid_capacity", Some("max_capacity")) => (
            Some("max_capacity"),
            format!("The maximum must be at least the standard capacity and at most {limit}."),
        ),
        ("invalid_capacity", _) => (
            Some("standard_capacity"),
            format!("The standard capacity must be from 0 to the maximum (at most {limit})."),
        ),
        ("unknown_inbox", _) => (
            Some("inboxes"),
            "One of these inboxes no longer exists: reload the page.".into(),
        ),
        ("own_admin_flag", _) => (
            Some("admin"),
            "You cannot remove your own admin flag: another administrator can.".into(),
        ),
        _ => (None, e.message.clone()),
    }
}

#[derive(Template)]
#[template(path = "settings/agent.html")]
struct AgentPage {
    frame: Frame,
    sections: Vec<Section>,
    notice: Option<String>,
    shown: Option<Shown>,
    agent: AgentRow,
    name: String,
    admin: bool,
    inboxes: Vec<InboxCheck>,
    standard: String,
    max: String,
    entered: Entered,
    capacity_limit: i64,
}

fn page_of(agent: i64) -> String {
    format!("{PAGE}/{agent}")
}

async fn agent_page(
    app: &App,
    signed: &Signed,
    id: AgentId,
    status: StatusCode,
    mut said: Said,
    entered: Entered,
) -> Result<Response, Failed> {
    admin_only(signed)?;
    let details = service::get(app, &signed.agent, id).await?;
    let all = inboxes::all(app).await?;
    let refused = entered.is("edit");
    let inboxes = checks(&all, &entered, refused, |inbox| {
        details.inboxes.iter().any(|r| r.id == inbox)
    });
    let (name, admin, standard, max) = if refused {
        (
            entered.value("name").to_owned(),
            entered.ticked("admin"),
            entered.value("standard_capacity").to_owned(),
            entered.value("max_capacity").to_owned(),
        )
    } else {
        (
            details.name.clone(),
            details.is_admin,
            details.standard_capacity.to_string(),
            details.max_capacity.to_string(),
        )
    };
    let view = AgentPage {
        frame: settings_frame(app, signed, &format!("Agents · {}", details.name)).await?,
        sections: sections(true, PAGE),
        notice: said.notice.take(),
        shown: said.shown.take(),
        agent: row(details, signed.agent.id),
        name,
        admin,
        inboxes,
        standard,
        max,
        entered,
        capacity_limit: service::CAPACITY_LIMIT,
    };
    Ok(said.answer(app, render(status, view)))
}

pub async fn show_agent(
    State(app): State<App>,
    Path(id): Path<i64>,
    signed: Signed,
    headers: HeaderMap,
) -> Result<Response, Failed> {
    let said = form::said(&app, &signed, &headers, &page_of(id));
    agent_page(
        &app,
        &signed,
        AgentId(id),
        StatusCode::OK,
        said,
        Entered::default(),
    )
    .await
}

/// `Save changes`: name, admin flag, inboxes, capacity.
pub async fn save(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let entered = Entered::new("edit", form);
    let all = inboxes::all(&app).await?;
    let refuse = |entered: Entered, (field, message): Refusal, status| {
        let refused = entered.refused(field, message);
        agent_page(&app, &signed, AgentId(id), status, Said::nothing(), refused)
    };
    let (standard, max) = match capacity_fields(&entered) {
        Ok(pair) => pair,
        Err(refusal) => return refuse(entered, refusal, StatusCode::BAD_REQUEST).await,
    };
    let update = Update {
        name: Some(entered.value("name").to_owned()),
        admin: Some(entered.ticked("admin")),
        inboxes: Some(ticked_inboxes(&entered, &all)),
        standard_capacity: Some(standard),
        max_capacity: Some(max),
    };
    match service::update(&app, &signed.agent, AgentId(id), update).await {
        Ok(agent) => {
            let notice = format!(
                "Saved {}: {}, in {}, capacity {} standard and {} maximum. Routing uses it from now on.",
                agent.name,
                if agent.is_admin { "administrator" } else { "agent" },
                if agent.inboxes.is_empty() {
                    "no inbox".to_owned()
                } else {
                    agent
                        .inboxes
                        .iter()
                        .map(|i| i.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                agent.standard_capacity,
                agent.max_capacity
            );
            Ok(form::saved(&app, &signed, &page_of(id), notice, None))
        }
        Err(e) if form::shown_on_form(&e) => {
            let status = form::refused_status(&e);
            refuse(entered, sentence(&e), status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `Reset password` (confirmed on the page first): a new password igdesk makes, shown
/// once; every session of the agent ends.
pub async fn reset_password(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<NoFields>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let agent = service::get(&app, &signed.agent, AgentId(id)).await?;
    let password = first_password();
    match passwords::reset(&app, &signed.agent, AgentId(id), password.clone()).await {
        Ok(()) => {
            let notice = format!(
                "{}'s password was reset and they were signed out everywhere. The new one is below, this once.",
                agent.name
            );
            let shown = password_shown(&app, &agent.name, &agent.email, &password, false);
            Ok(form::saved(
                &app,
                &signed,
                &page_of(id),
                notice,
                Some(shown),
            ))
        }
        Err(e) if e.kind == crate::service::Kind::Conflict => {
            let refused = Entered::new("password", BTreeMap::new()).refused(None, own_or(&e));
            agent_page(
                &app,
                &signed,
                AgentId(id),
                StatusCode::BAD_REQUEST,
                Said::nothing(),
                refused,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `Deactivate` (confirmed on the page first) and `Reactivate`.
pub async fn deactivate(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<NoFields>,
) -> Result<Response, Failed> {
    switch(app, id, signed, false).await
}

pub async fn reactivate(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<NoFields>,
) -> Result<Response, Failed> {
    switch(app, id, signed, true).await
}

async fn switch(app: App, id: i64, signed: Signed, on: bool) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let done = if on {
        access::reactivate(&app, &signed.agent, AgentId(id)).await
    } else {
        access::deactivate(&app, &signed.agent, AgentId(id)).await
    };
    match done {
        Ok(agent) => {
            let notice = if on {
                format!("{} is active again: they can sign in with their password. Their old personal tokens stay revoked.", agent.name)
            } else {
                format!("{} is deactivated: signed out everywhere, their personal tokens revoked, their offers and open Conversations back in routing.", agent.name)
            };
            Ok(form::saved(&app, &signed, &page_of(id), notice, None))
        }
        Err(e) if e.kind == crate::service::Kind::Conflict => {
            let refused = Entered::new("access", BTreeMap::new()).refused(None, own_or(&e));
            agent_page(
                &app,
                &signed,
                AgentId(id),
                StatusCode::BAD_REQUEST,
                Said::nothing(),
                refused,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A refusal of switching or resetting, in the page's words.
fn own_or(e: &ServiceError) -> String {
    match e.code {
        "own_account" => "You cannot deactivate yourself: another administrator can.".into(),
        "last_admin" => "This is the last active administrator: make someone else an administrator first, or nobody could reach the settings.".into(),
        "already_deactivated" => "This agent is deactivated already.".into(),
        "not_deactivated" => "This agent is active already.".into(),
        "own_password" => "Change your own password under My tokens, with your current one.".into(),
        _ => e.message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_password_is_long_readable_and_new_each_time() {
        let one = first_password();
        let two = first_password();
        let text = one.expose_secret();
        assert_eq!(text.len(), 19);
        assert_eq!(text.matches('-').count(), 3);
        assert!(text
            .chars()
            .all(|c| c == '-' || (c.is_ascii_alphanumeric() && !"ilo01".contains(c))));
        assert_ne!(text, two.expose_secret());
        assert!(passwords::check_new(&one, "password").is_ok());
    }
}
