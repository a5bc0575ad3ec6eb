//! Settings › Inboxes (RT-4, RT-5, RT-6): the inboxes, a new one by name, and per
//! inbox its SLA target (minutes here, seconds in the JSON API), when a quiet
//! conversation ends by itself (hours) and whether replies wait for a topic. The
//! actions are `service::inboxes`.

use super::form::{self, Entered, Said, Shown};
use super::{admin_only, sections, settings_frame, Section};
use crate::app::App;
use crate::service::error::ServiceError;
use crate::service::inboxes as service;
use crate::web::desk::Frame;
use crate::web::session::{Posted, Signed};
use crate::web::{render, Failed};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use igdesk_domain::InboxId;
use igdesk_store::InboxChange;
use std::collections::BTreeMap;

const PAGE: &str = "/settings/inboxes";

pub struct InboxCard {
    pub id: i64,
    pub name: String,
    pub is_default: bool,
    pub sla_minutes: String,
    pub auto_end_hours: String,
    pub requires_topic: bool,
    pub agents: Vec<String>,
    pub entry_points: Vec<String>,
}

#[derive(Template)]
#[template(path = "settings/inboxes.html")]
struct InboxesPage {
    frame: Frame,
    sections: Vec<Section>,
    notice: Option<String>,
    shown: Option<Shown>,
    inboxes: Vec<InboxCard>,
    entered: Entered,
}

async fn page(
    app: &App,
    signed: &Signed,
    status: StatusCode,
    mut said: Said,
    entered: Entered,
) -> Result<Response, Failed> {
    admin_only(signed)?;
    let agents = app.store.agent_details().await?;
    let accounts = app.store.accounts().await?;
    let inboxes = service::all(app)
        .await?
        .into_iter()
        .map(|i| {
            let target = format!("inbox-{}", i.id.0);
            let refused = entered.is(&target);
            InboxCard {
                id: i.id.0,
                sla_minutes: if refused {
                    entered.value("sla_minutes").to_owned()
                } else {
                    form::number(i.sla_target_seconds as f64 / 60.0)
                },
                auto_end_hours: if refused {
                    entered.value("auto_end_hours").to_owned()
                } else {
                    form::number(i.auto_end_seconds as f64 / 3600.0)
                },
                requires_topic: if refused {
                    entered.ticked("requires_topic")
                } else {
                    i.requires_topic
                },
                agents: agents
                    .iter()
                    .filter(|a| a.active && a.inboxes.iter().any(|r| r.id == i.id))
                    .map(|a| a.name.clone())
                    .collect(),
                entry_points: accounts
                    .iter()
                    .filter(|a| a.inbox_id == i.id)
                    .map(|a| format!("@{}", a.username))
                    .collect(),
                name: i.name,
                is_default: i.is_default,
            }
        })
        .collect();
    let view = InboxesPage {
        frame: settings_frame(app, signed, "Inboxes").await?,
        sections: sections(true, PAGE),
        notice: said.notice.take(),
        shown: said.shown.take(),
        inboxes,
        entered,
    };
    Ok(said.answer(app, render(status, view)))
}

pub async fn show(
    State(app): State<App>,
    signed: Signed,
    headers: HeaderMap,
) -> Result<Response, Failed> {
    let said = form::said(&app, &signed, &headers, PAGE);
    page(&app, &signed, StatusCode::OK, said, Entered::default()).await
}

/// `Create inbox`.
pub async fn create(
    State(app): State<App>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let entered = Entered::new("new", form);
    let name = entered.value("name").trim().to_owned();
    let existed = service::all(&app).await?.iter().any(|i| i.name == name);
    match service::create(&app, &signed.agent, &name).await {
        Ok(inbox) if existed => {
            let notice = format!(
                "There is already an inbox named {}: nothing changed.",
                inbox.name
            );
            Ok(form::saved(&app, &signed, PAGE, notice, None))
        }
        Ok(inbox) => {
            let notice = format!(
                "Inbox {} created. Add agents to it under Agents, and link an Entry Point to it under Entry points.",
                inbox.name
            );
            Ok(form::saved(&app, &signed, PAGE, notice, None))
        }
        Err(e) if form::shown_on_form(&e) => {
            let refused =
                entered.refused(Some("name"), "An inbox needs a name of 1 to 80 characters.");
            page(
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

/// `Save` on one inbox: SLA target in minutes, auto-end in hours, requires topic.
pub async fn save(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let entered = Entered::new(format!("inbox-{id}"), form);
    let change = match read(&entered) {
        Ok(change) => change,
        Err((field, message)) => {
            let refused = entered.refused(field, message);
            return page(
                &app,
                &signed,
                StatusCode::BAD_REQUEST,
                Said::nothing(),
                refused,
            )
            .await;
        }
    };
    match service::update(&app, &signed.agent, InboxId(id), change).await {
        Ok(inbox) => {
            let notice = format!(
                "Saved {}: SLA target {} minutes, quiet Conversations end after {} hours, {}.",
                inbox.name,
                form::number(inbox.sla_target_seconds as f64 / 60.0),
                form::number(inbox.auto_end_seconds as f64 / 3600.0),
                if inbox.requires_topic {
                    "a Topic is required before replying"
                } else {
                    "no Topic required"
                }
            );
            Ok(form::saved(&app, &signed, PAGE, notice, None))
        }
        Err(e) if form::shown_on_form(&e) => {
            let (field, message) = sentence(&e);
            let refused = entered.refused(field, message);
            page(
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

/// The form's minutes and hours as the service's seconds.
fn read(entered: &Entered) -> Result<InboxChange, (Option<&'static str>, String)> {
    let minutes = form::decimal_number(
        entered.value("sla_minutes"),
        "sla_minutes",
        "the SLA target",
    )?;
    if minutes <= 0.0 {
        return Err((Some("sla_minutes"), "Enter more than 0 minutes.".into()));
    }
    let hours = form::decimal_number(
        entered.value("auto_end_hours"),
        "auto_end_hours",
        "the hours",
    )?;
    if hours <= 0.0 {
        return Err((
            Some("auto_end_hours"),
            "Enter more than 0 hours: at least 0.02 (one minute).".into(),
        ));
    }
    Ok(InboxChange {
        sla_target_seconds: Some(seconds(minutes * 60.0)),
        auto_end_seconds: Some(seconds(hours * 3600.0)),
        requires_topic: Some(entered.ticked("requires_topic")),
    })
}

/// Whole seconds, kept in range of an `i64` (the service refuses what is too long).
fn seconds(value: f64) -> i64 {
    value.round().clamp(0.0, 1e15) as i64
}

/// The service's refusal in the page's units.
fn sentence(e: &ServiceError) -> (Option<&'static str>, String) {
    match e.field {
        Some("sla_target_seconds") => (
            Some("sla_minutes"),
            "Enter 0.02 minutes (one second) to 525,600 minutes (a year).".into(),
        ),
        Some("auto_end_seconds") => (
            Some("auto_end_hours"),
            "Enter 0.02 hours (one minute) to 8,760 hours (a year).".into(),
        ),
        _ => (None, e.message.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entered(minutes: &str, hours: &str) -> Entered {
        Entered::new(
            "inbox-1",
            BTreeMap::from([
                ("sla_minutes".to_owned(), minutes.to_owned()),
                ("auto_end_hours".to_owned(), hours.to_owned()),
            ]),
        )
    }

    #[test]
    fn minutes_and_hours_become_seconds() {
        let change = read(&entered("1.5", "24")).unwrap();
        assert_eq!(change.sla_target_seconds, Some(90));
        assert_eq!(change.auto_end_seconds, Some(86_400));
        assert_eq!(change.requires_topic, Some(false));
    }

    #[test]
    fn a_bad_number_names_its_field() {
        assert_eq!(
            read(&entered("soon", "24")).unwrap_err().0,
            Some("sla_minutes")
        );
        assert_eq!(
            read(&entered("0", "24")).unwrap_err().0,
            Some("sla_minutes")
        );
        assert_eq!(
            read(&entered("5", "-1")).unwrap_err().0,
            Some("auto_end_hours")
        );
    }
}
