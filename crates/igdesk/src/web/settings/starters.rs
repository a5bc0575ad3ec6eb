//! Settings › Instagram accounts › Conversation starters, per account: up to 4
//! ice breakers (question and payload) and the persistent menu (postback or link
//! items). Saving sends them to Meta, reads them back and shows what Instagram
//! holds; a refusal is shown beside its field, Meta's own in words above the form.
//! The action is `service::starters`.

use super::form::{self, Entered, Said};
use super::{admin_only, sections, settings_frame, Section};
use crate::app::App;
use crate::service::error::{Kind, ServiceError};
use crate::service::starters::{self as service, field_name, Starters};
use crate::web::desk::Frame;
use crate::web::session::{Posted, Signed};
use crate::web::{render, Failed};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use igdesk_domain::AccountId;
use igdesk_meta::{IceBreaker, MenuItem};
use std::collections::BTreeMap;

/// Menu rows offered beyond the items held, so that one can be added.
const SPARE_MENU_ROWS: usize = 2;

fn page_of(id: i64) -> String {
    format!("/settings/accounts/{id}/starters")
}

/// One ice breaker's row in the form.
pub struct BreakerRow {
    pub index: usize,
    pub question: String,
    pub payload: String,
}

/// One menu item's row in the form: `kind` is `postback` or `web_url`; `value` is
/// the payload or the link.
pub struct MenuRow {
    pub index: usize,
    pub kind: String,
    pub title: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "settings/starters.html")]
struct StartersPage {
    frame: Frame,
    sections: Vec<Section>,
    account_id: i64,
    username: String,
    notice: Option<String>,
    /// What Instagram holds now; `None` when Meta could not say.
    held: Option<Starters>,
    /// Why Meta could not be asked, or refused the change.
    meta_error: Option<String>,
    breakers: Vec<BreakerRow>,
    menu: Vec<MenuRow>,
    /// The form is offered once what Instagram holds is known (or the
    /// administrator's own values are shown again): an empty form saved over
    /// starters that could not be read would remove them.
    editable: bool,
    /// A field was refused: said above the form too, as the field may be far down.
    refused: bool,
    entered: Entered,
    max_question: usize,
    max_title: usize,
}

impl StartersPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.entered.error(field)
    }

    /// A menu row's value field answers for its payload and its link.
    fn value_error(&self, index: &usize) -> Option<&str> {
        let payload = format!("persistent_menu[{index}].payload");
        let url = format!("persistent_menu[{index}].url");
        self.error(&payload).or_else(|| self.error(&url))
    }

    fn field_error(&self, list: &str, index: &usize, key: &str) -> Option<&str> {
        self.error(&format!("{list}[{index}].{key}"))
    }
}

fn rows_held(held: &Starters) -> (Vec<BreakerRow>, Vec<MenuRow>) {
    let breakers = (0..service::MAX_ICE_BREAKERS)
        .map(|index| {
            let b = held.ice_breakers.get(index);
            BreakerRow {
                index,
                question: b.map(|b| b.question.clone()).unwrap_or_default(),
                payload: b.map(|b| b.payload.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let count = (held.persistent_menu.len() + SPARE_MENU_ROWS).min(service::MAX_MENU_ITEMS);
    let menu = (0..count)
        .map(|index| match held.persistent_menu.get(index) {
            Some(MenuItem::Postback { title, payload }) => MenuRow {
                index,
                kind: "postback".into(),
                title: title.clone(),
                value: payload.clone(),
            },
            Some(MenuItem::WebUrl { title, url }) => MenuRow {
                index,
                kind: "web_url".into(),
                title: title.clone(),
                value: url.clone(),
            },
            None => MenuRow {
                index,
                kind: "postback".into(),
                title: String::new(),
                value: String::new(),
            },
        })
        .collect();
    (breakers, menu)
}

fn rows_entered(entered: &Entered) -> (Vec<BreakerRow>, Vec<MenuRow>) {
    let breaker = |index: usize, field: &str| {
        let name = format!("ice_breakers[{index}].{field}");
        entered.value(&name).to_owned()
    };
    let item = |index: usize, field: &str| {
        let name = format!("persistent_menu[{index}].{field}");
        entered.value(&name).to_owned()
    };
    let breakers = (0..service::MAX_ICE_BREAKERS)
        .map(|index| BreakerRow {
            index,
            question: breaker(index, "question"),
            payload: breaker(index, "payload"),
        })
        .collect();
    let menu = (0..menu_rows_posted(entered))
        .map(|index| MenuRow {
            index,
            kind: item(index, "type"),
            title: item(index, "title"),
            value: item(index, "value"),
        })
        .collect();
    (breakers, menu)
}

/// How many menu rows the form had.
fn menu_rows_posted(entered: &Entered) -> usize {
    (0..service::MAX_MENU_ITEMS)
        .take_while(|i| {
            let title = format!("persistent_menu[{i}].title");
            let kind = format!("persistent_menu[{i}].type");
            entered.has(&title) || entered.has(&kind)
        })
        .count()
}

async fn page(
    app: &App,
    signed: &Signed,
    id: i64,
    status: StatusCode,
    mut said: Said,
    entered: Option<Entered>,
    meta_error: Option<String>,
) -> Result<Response, Failed> {
    admin_only(signed)?;
    let account = app
        .store
        .account(AccountId(id))
        .await?
        .ok_or_else(|| ServiceError::not_found("account"))?;
    // What Meta holds is shown every time: the page never shows a copy.
    let (held, read_error) = match service::get(app, &signed.agent, account.id).await {
        Ok(held) => (Some(held), None),
        Err(e) if e.kind == Kind::Internal => return Err(e.into()),
        Err(e) => (None, Some(e.message)),
    };
    let editable = held.is_some() || entered.is_some();
    let refused = meta_error.is_none() && entered.as_ref().is_some_and(|e| e.general().is_none());
    let (breakers, menu) = match &entered {
        Some(entered) => rows_entered(entered),
        None => rows_held(held.as_ref().unwrap_or(&Starters::default())),
    };
    let view = StartersPage {
        frame: settings_frame(app, signed, "Conversation starters").await?,
        sections: sections(true, "/settings/accounts"),
        account_id: id,
        username: account.username,
        notice: said.notice.take(),
        held,
        meta_error: meta_error
            .or(read_error.map(|e| format!("What Instagram holds could not be read. {e}"))),
        breakers,
        menu,
        editable,
        refused,
        entered: entered.unwrap_or_default(),
        max_question: service::MAX_QUESTION_CHARS,
        max_title: service::MAX_MENU_TITLE_CHARS,
    };
    Ok(said.answer(app, render(status, view)))
}

pub async fn show(
    State(app): State<App>,
    Path(id): Path<i64>,
    signed: Signed,
    headers: HeaderMap,
) -> Result<Response, Failed> {
    let said = form::said(&app, &signed, &headers, &page_of(id));
    page(&app, &signed, id, StatusCode::OK, said, None, None).await
}

/// The rows filled in, blank ones left out, with the row each came from (so a
/// refusal is shown on the row the administrator typed in).
fn wanted(entered: &Entered) -> (Starters, Vec<usize>, Vec<usize>) {
    let (breakers, menu) = rows_entered(entered);
    let mut starters = Starters::default();
    let mut breaker_rows = Vec::new();
    for row in breakers {
        if row.question.trim().is_empty() && row.payload.trim().is_empty() {
            continue;
        }
        breaker_rows.push(row.index);
        starters.ice_breakers.push(IceBreaker {
            question: row.question.trim().to_owned(),
            payload: row.payload.trim().to_owned(),
        });
    }
    let mut menu_rows = Vec::new();
    for row in menu {
        if row.title.trim().is_empty() && row.value.trim().is_empty() {
            continue;
        }
        menu_rows.push(row.index);
        let title = row.title.trim().to_owned();
        let value = row.value.trim().to_owned();
        starters.persistent_menu.push(match row.kind.as_str() {
            "web_url" => MenuItem::WebUrl { title, url: value },
            _ => MenuItem::Postback {
                title,
                payload: value,
            },
        });
    }
    (starters, breaker_rows, menu_rows)
}

/// `ice_breakers[0].payload` of the list sent, as the form's row it came from.
fn on_row(field: &'static str, breakers: &[usize], menu: &[usize]) -> &'static str {
    let Some((list, rest)) = field.split_once('[') else {
        return field;
    };
    let Some((index, key)) = rest.split_once("].") else {
        return field;
    };
    let rows = if list == "ice_breakers" {
        breakers
    } else {
        menu
    };
    match index.parse::<usize>().ok().and_then(|i| rows.get(i)) {
        Some(row) => field_name(list, *row, key),
        None => field,
    }
}

/// `Save`: sent to Meta, read back, shown.
pub async fn save(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let entered = Entered::new("starters", form);
    let (starters, breaker_rows, menu_rows) = wanted(&entered);
    match service::set(&app, &signed.agent, AccountId(id), &starters).await {
        Ok(held) => {
            let notice = format!(
                "Saved. Instagram now holds {} and {}; people see them the next time they open a chat with you.",
                count(held.ice_breakers.len(), "ice breaker"),
                count(held.persistent_menu.len(), "menu item"),
            );
            Ok(form::saved(&app, &signed, &page_of(id), notice, None))
        }
        Err(e) if e.field.is_some() && e.kind == Kind::Refused => {
            let field = e.field.map(|f| on_row(f, &breaker_rows, &menu_rows));
            let entered = entered.refused(field, e.message);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(
                &app,
                &signed,
                id,
                status,
                Said::nothing(),
                Some(entered),
                None,
            )
            .await
        }
        Err(e) if matches!(e.kind, Kind::Conflict | Kind::Unavailable) => {
            let status = if e.kind == Kind::Conflict {
                StatusCode::CONFLICT
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            let words = format!("Instagram did not take the change: {}", e.message);
            page(
                &app,
                &signed,
                id,
                status,
                Said::nothing(),
                Some(entered),
                Some(words),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

fn count(n: usize, what: &str) -> String {
    match n {
        0 => format!("no {what}s"),
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}
