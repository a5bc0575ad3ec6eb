//! Settings › Entry points (ACC-2): each connected Instagram account is an entry
//! point whose new work goes to the Instagram channel's default inbox unless an
//! exception links it to another inbox. The action is `service::entry_points`.

use super::form::{self, Entered, Said, Shown};
use super::{admin_only, sections, settings_frame, Section};
use crate::app::App;
use crate::service::entry_points as service;
use crate::service::error::ServiceError;
use crate::service::inboxes;
use crate::web::desk::Frame;
use crate::web::session::{Posted, Signed};
use crate::web::{render, Failed};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use igdesk_domain::{AccountId, InboxId};
use std::collections::BTreeMap;

const PAGE: &str = "/settings/entry-points";

pub struct EntryPoint {
    pub id: i64,
    pub username: String,
    pub page_name: String,
    /// The inbox chosen in the select: `default`, or an inbox id.
    pub choice: String,
    pub goes_to: String,
    pub exception: bool,
}

pub struct InboxOption {
    pub value: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "settings/entry_points.html")]
struct EntryPointsPage {
    frame: Frame,
    sections: Vec<Section>,
    notice: Option<String>,
    shown: Option<Shown>,
    default_inbox: String,
    options: Vec<InboxOption>,
    entry_points: Vec<EntryPoint>,
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
    let inboxes = inboxes::all(app).await?;
    let default = inboxes.iter().find(|i| i.is_default);
    let default_name = default.map_or_else(|| "Instagram".to_owned(), |i| i.name.clone());
    let mut options = vec![InboxOption {
        value: "default".into(),
        name: format!("Default inbox ({default_name})"),
    }];
    options.extend(
        inboxes
            .iter()
            .filter(|i| !i.is_default)
            .map(|i| InboxOption {
                value: i.id.0.to_string(),
                name: i.name.clone(),
            }),
    );
    let entry_points = app
        .store
        .accounts()
        .await?
        .into_iter()
        .map(|a| {
            let exception = default.is_none_or(|d| d.id != a.inbox_id);
            let goes_to = inboxes
                .iter()
                .find(|i| i.id == a.inbox_id)
                .map_or_else(|| format!("inbox {}", a.inbox_id.0), |i| i.name.clone());
            let target = format!("account-{}", a.id.0);
            EntryPoint {
                id: a.id.0,
                username: a.username,
                page_name: a.page_name,
                choice: if entered.is(&target) {
                    entered.value("inbox").to_owned()
                } else if exception {
                    a.inbox_id.0.to_string()
                } else {
                    "default".into()
                },
                goes_to,
                exception,
            }
        })
        .collect();
    let (notice, shown) = (said.notice.take(), said.shown.take());
    let view = EntryPointsPage {
        frame: settings_frame(app, signed, "Entry points").await?,
        sections: sections(true, PAGE),
        notice,
        shown,
        default_inbox: default_name,
        options,
        entry_points,
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

/// `Save` on one entry point: its inbox (`default`, or an inbox's id).
pub async fn save(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let entered = Entered::new(format!("account-{id}"), form);
    let inbox = match entered.value("inbox") {
        "default" | "" => None,
        other => match other.parse() {
            Ok(n) => Some(InboxId(n)),
            Err(_) => {
                let refused = entered.refused(Some("inbox"), "Choose an inbox from the list.");
                return page(
                    &app,
                    &signed,
                    StatusCode::BAD_REQUEST,
                    Said::nothing(),
                    refused,
                )
                .await;
            }
        },
    };
    match service::set_inbox(&app, &signed.agent, AccountId(id), inbox).await {
        Ok(account) => {
            let to = app
                .store
                .inboxes()
                .await?
                .into_iter()
                .find(|i| i.id == account.inbox_id)
                .map(|i| match inbox {
                    None => format!("the default inbox ({})", i.name),
                    Some(_) => i.name,
                })
                .unwrap_or_default();
            let notice = format!(
                "Saved: new conversations from @{} go to {to}. Conversations already open stay where they are.",
                account.username
            );
            Ok(form::saved(&app, &signed, PAGE, notice, None))
        }
        Err(e) if form::shown_on_form(&e) => {
            let refused = entered.refused(Some("inbox"), sentence(&e));
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

fn sentence(e: &ServiceError) -> String {
    match e.code {
        "unknown_inbox" => "That inbox no longer exists: reload the page and choose again.".into(),
        _ => e.message.clone(),
    }
}
