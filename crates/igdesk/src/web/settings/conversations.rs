//! Settings › Conversation settings (ACC-3), per Instagram account: whether echoes
//! (messages sent from the Instagram app) show, and whether Story @mentions and
//! comments create conversations. The action is `service::entry_points`.

use super::form::{self, Entered, Said, Shown};
use super::{admin_only, sections, settings_frame, Section};
use crate::app::App;
use crate::service::entry_points::{self as service, SettingsChange};
use crate::web::desk::Frame;
use crate::web::session::{Posted, Signed};
use crate::web::{render, Failed};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use igdesk_domain::AccountId;
use std::collections::BTreeMap;

const PAGE: &str = "/settings/conversations";

pub struct AccountSettings {
    pub id: i64,
    pub username: String,
    pub page_name: String,
    pub echo: bool,
    pub story_mentions: bool,
    pub comments: bool,
}

#[derive(Template)]
#[template(path = "settings/conversations.html")]
struct ConversationsPage {
    frame: Frame,
    sections: Vec<Section>,
    notice: Option<String>,
    shown: Option<Shown>,
    accounts: Vec<AccountSettings>,
}

async fn page(app: &App, signed: &Signed, mut said: Said) -> Result<Response, Failed> {
    admin_only(signed)?;
    let accounts = app
        .store
        .accounts()
        .await?
        .into_iter()
        .map(|a| AccountSettings {
            id: a.id.0,
            username: a.username,
            page_name: a.page_name,
            echo: a.settings.echo,
            story_mentions: a.settings.story_mentions_create_conversations,
            comments: a.settings.comments_create_conversations,
        })
        .collect();
    let view = ConversationsPage {
        frame: settings_frame(app, signed, "Conversation settings").await?,
        sections: sections(true, PAGE),
        notice: said.notice.take(),
        shown: said.shown.take(),
        accounts,
    };
    Ok(said.answer(app, render(StatusCode::OK, view)))
}

pub async fn show(
    State(app): State<App>,
    signed: Signed,
    headers: HeaderMap,
) -> Result<Response, Failed> {
    let said = form::said(&app, &signed, &headers, PAGE);
    page(&app, &signed, said).await
}

/// `Save` on one account: each box ticked or not (a checkbox left unticked is not
/// posted at all).
pub async fn save(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let entered = Entered::new("", form);
    let change = SettingsChange {
        echo: Some(entered.ticked("echo")),
        story_mentions_create_conversations: Some(entered.ticked("story_mentions")),
        comments_create_conversations: Some(entered.ticked("comments")),
    };
    let account =
        service::set_conversation_settings(&app, &signed.agent, AccountId(id), change).await?;
    let s = account.settings;
    let on_off = |on: bool| if on { "on" } else { "off" };
    let notice = format!(
        "Saved for @{}: echo {}, Story @mentions {}, comments {}. They apply to the next message that arrives.",
        account.username,
        on_off(s.echo),
        on_off(s.story_mentions_create_conversations),
        on_off(s.comments_create_conversations),
    );
    Ok(form::saved(&app, &signed, PAGE, notice, None))
}
