//! Settings › Automatic replies › an inbox's business hours: the time zone, each
//! weekday's hours as people write them ("09:00-12:30, 13:30-17:30"), holidays, the
//! away message and the greeting. The action is `service::automatic::set_hours`; the
//! page turns its text fields into the API's shape and back, and shows a refusal
//! beside the field the service names.

use super::form::{self, Entered, Said};
use super::{admin_only, sections, settings_frame, Section};
use crate::app::App;
use crate::service::automatic as service;
use crate::web::desk::Frame;
use crate::web::session::{Posted, Signed};
use crate::web::{render, Failed};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use igdesk_domain::automatic::hours::{day_name, DAYS};
use igdesk_domain::automatic::{BusinessHours, OpenRange, Weekly};
use igdesk_domain::InboxId;
use std::collections::BTreeMap;

const OVERVIEW: &str = "/settings/automatic";

pub struct DayField {
    pub key: &'static str,
    pub name: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "settings/business_hours.html")]
struct HoursPage {
    frame: Frame,
    sections: Vec<Section>,
    notice: Option<String>,
    shown: Option<form::Shown>,
    inbox: String,
    inbox_id: i64,
    set: bool,
    state: String,
    time_zone: String,
    days: Vec<DayField>,
    holidays: String,
    away_message: String,
    greeting: String,
    entered: Entered,
}

impl HoursPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.entered.error(field)
    }
}

/// One weekday's ranges as the page writes them.
fn written(ranges: &[OpenRange]) -> String {
    ranges
        .iter()
        .map(|r| format!("{}-{}", r.open, r.close))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A weekday's text as ranges. What cannot be split is kept whole as an opening
/// time, so the service refuses it with the day named (one set of words for both
/// faces).
fn ranges(text: &str) -> Vec<OpenRange> {
    text.split([',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("closed"))
        .map(|s| match s.split_once(['-', '–']) {
            Some((open, close)) => OpenRange {
                open: open.trim().to_owned(),
                close: close.trim().to_owned(),
            },
            None => OpenRange {
                open: s.to_owned(),
                close: String::new(),
            },
        })
        .collect()
}

fn hours_of(entered: &Entered) -> BusinessHours {
    let mut weekly = Weekly::default();
    for (index, key) in DAYS.iter().enumerate() {
        *weekly.day_mut(index) = ranges(entered.value(key));
    }
    let text = |key: &str| Some(entered.value(key).to_owned()).filter(|t| !t.trim().is_empty());
    BusinessHours {
        time_zone: entered.value("time_zone").to_owned(),
        weekly,
        holidays: entered
            .value("holidays")
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect(),
        away_message: text("away_message"),
        greeting: text("greeting"),
    }
}

/// The service's field as this page names it: `weekly.mon` is the field `mon`.
fn page_field(field: Option<&'static str>) -> Option<&'static str> {
    field.map(|f| f.strip_prefix("weekly.").unwrap_or(f))
}

async fn page(
    app: &App,
    signed: &Signed,
    inbox: InboxId,
    status: StatusCode,
    mut said: Said,
    entered: Option<Entered>,
) -> Result<Response, Failed> {
    admin_only(signed)?;
    let name = app
        .store
        .inboxes()
        .await?
        .into_iter()
        .find(|i| i.id == inbox)
        .map(|i| i.name)
        .ok_or_else(|| crate::service::ServiceError::not_found("inbox"))?;
    let stored = service::hours(app, &signed.agent, inbox).await?;
    let state = match &stored {
        None => "No business hours: always open".to_owned(),
        Some(h) => service::InboxHoursState {
            inbox_id: inbox,
            inbox: name.clone(),
            open: h.is_open(crate::now_ms()),
            away_message: h.away_message.is_some(),
        }
        .words()
        .to_owned(),
    };
    let shown = match &entered {
        Some(e) => hours_of(e),
        None => stored.clone().unwrap_or_else(|| BusinessHours {
            time_zone: String::new(),
            weekly: Weekly::default(),
            holidays: vec![],
            away_message: None,
            greeting: None,
        }),
    };
    let days = DAYS
        .iter()
        .enumerate()
        .map(|(index, key)| DayField {
            key,
            name: day_name(index),
            value: match &entered {
                Some(e) => e.value(key).to_owned(),
                None => written(shown.weekly.day(index)),
            },
        })
        .collect();
    let view = HoursPage {
        frame: settings_frame(app, signed, &format!("Business hours of {name}")).await?,
        sections: sections(true, OVERVIEW),
        notice: said.notice.take(),
        shown: said.shown.take(),
        inbox: name,
        inbox_id: inbox.0,
        set: stored.is_some(),
        state,
        time_zone: shown.time_zone.clone(),
        days,
        holidays: match &entered {
            Some(e) => e.value("holidays").to_owned(),
            None => shown.holidays.join(", "),
        },
        away_message: shown.away_message.clone().unwrap_or_default(),
        greeting: shown.greeting.clone().unwrap_or_default(),
        entered: entered.unwrap_or_default(),
    };
    Ok(said.answer(app, render(status, view)))
}

fn path_of(inbox: InboxId) -> String {
    format!("/settings/automatic/hours/{inbox}")
}

pub async fn show(
    State(app): State<App>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, Failed> {
    let inbox = InboxId(id);
    let said = form::said(&app, &signed, &headers, &path_of(inbox));
    page(&app, &signed, inbox, StatusCode::OK, said, None).await
}

/// `Save business hours`, or `Remove business hours` (`remove` posted).
pub async fn save(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let inbox = InboxId(id);
    let entered = Entered::new("hours", form);
    if entered.has("remove") {
        service::remove_hours(&app, &signed.agent, inbox).await?;
        let notice = "Business hours removed: the inbox is always open and sends no away message or greeting.";
        return Ok(form::saved(&app, &signed, &path_of(inbox), notice, None));
    }
    match service::set_hours(&app, &signed.agent, inbox, hours_of(&entered)).await {
        Ok(_) => {
            let notice = "Business hours saved: they apply to the next message that comes in.";
            Ok(form::saved(&app, &signed, &path_of(inbox), notice, None))
        }
        Err(e) if form::shown_on_form(&e) => {
            let refused = entered.refused(page_field(e.field), e.message.clone());
            let status = form::refused_status(&e);
            page(&app, &signed, inbox, status, Said::nothing(), Some(refused)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_written_and_read_as_people_write_them() {
        let read = ranges("09:00-12:30, 13:30 – 17:30");
        assert_eq!(read.len(), 2);
        assert_eq!(
            (read[1].open.as_str(), read[1].close.as_str()),
            ("13:30", "17:30")
        );
        assert_eq!(written(&read), "09:00-12:30, 13:30-17:30");
        assert!(ranges("closed").is_empty());
        assert_eq!(ranges("9am")[0].close, "", "kept for the service to refuse");
        assert_eq!(page_field(Some("weekly.tue")), Some("tue"));
    }
}
