//! Settings › Topics (RT-6): the topics agents tag conversations with, and a new one
//! by name. The action is `service::topics`.

use super::form::{self, Entered, Said, Shown};
use super::{admin_only, sections, settings_frame, Section};
use crate::app::App;
use crate::service::topics as service;
use crate::web::desk::Frame;
use crate::web::session::{Posted, Signed};
use crate::web::{render, Failed};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::collections::BTreeMap;

const PAGE: &str = "/settings/topics";

pub struct TopicRow {
    pub name: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "settings/topics.html")]
struct TopicsPage {
    frame: Frame,
    sections: Vec<Section>,
    notice: Option<String>,
    shown: Option<Shown>,
    topics: Vec<TopicRow>,
    requiring: Vec<String>,
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
    let topics = service::all(app)
        .await?
        .into_iter()
        .map(|t| TopicRow {
            name: t.name,
            created: form::when(t.created_at),
        })
        .collect();
    let requiring = app
        .store
        .inboxes()
        .await?
        .into_iter()
        .filter(|i| i.requires_topic)
        .map(|i| i.name)
        .collect();
    let view = TopicsPage {
        frame: settings_frame(app, signed, "Topics").await?,
        sections: sections(true, PAGE),
        notice: said.notice.take(),
        shown: said.shown.take(),
        topics,
        requiring,
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

/// `Add topic`.
pub async fn create(
    State(app): State<App>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let entered = Entered::new("new", form);
    match service::create(&app, entered.value("name")).await {
        Ok(topic) => {
            let notice = format!(
                "Topic {} added: agents can choose it on a Conversation now.",
                topic.name
            );
            Ok(form::saved(&app, &signed, PAGE, notice, None))
        }
        Err(e) if form::shown_on_form(&e) => {
            let message = match e.code {
                "already_exists" => format!(
                    "There is already a topic named {} (names are compared in any case).",
                    entered.value("name").trim()
                ),
                _ => "A topic needs a name of 1 to 80 characters.".to_owned(),
            };
            let refused = entered.refused(Some("name"), message);
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
