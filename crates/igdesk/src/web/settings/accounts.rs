//! Settings › Instagram accounts (ACC-1, ACC-6): the accounts table of seed 002 with
//! the login path, the webhook state and reconnecting; adding an account with
//! Meta's login, the page that lists what a login found, and Meta's redirect back.

use super::{admin_only, sections, settings_frame, Section};
use crate::app::App;
use crate::service::connect::{self as service, Callback, Candidate};
use crate::service::error::{Kind, ServiceError};
use crate::web::desk::Frame;
use crate::web::session::{NoFields, Posted, Signed};
use crate::web::{assets, render, render_with_form_targets, Failed};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use igdesk_domain::AccountId;
use igdesk_meta::LoginPath;
use igdesk_store::{Account, HistoryProgress};
use serde::Deserialize;
use std::collections::BTreeMap;

pub struct AccountRow {
    pub id: i64,
    pub page_name: String,
    pub username: String,
    pub page_id: String,
    pub added_by: String,
    pub added_on: String,
    pub login: &'static str,
    /// "Subscribed", "Not subscribed", "Not checked yet".
    pub webhooks: &'static str,
    pub webhooks_ok: bool,
    pub last_event: String,
    pub needs_reconnect: bool,
    /// "History imported", "History: 340 threads imported, importing…".
    pub history: String,
    /// The counts, once finished.
    pub history_detail: Option<String>,
    pub history_done: bool,
}

/// A login path's button: enabled, or why not.
pub struct LoginButton {
    pub login: &'static str,
    pub label: &'static str,
    pub missing: Option<String>,
}

#[derive(Template)]
#[template(path = "settings/accounts.html")]
struct AccountsPage {
    frame: Frame,
    sections: Vec<Section>,
    accounts: Vec<AccountRow>,
    buttons: Vec<LoginButton>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct Notice {
    connected: Option<usize>,
    removed: Option<String>,
}

fn date(at: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(at.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!("{} {} {}", t.day(), &t.month().to_string()[..3], t.year())
}

/// 12,340: thousands grouped, as the table reads them.
fn grouped(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) && c.is_ascii_digit() {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How far the account's history import got (ACC-7). An account with no progress
/// yet has its import queued: the job starts it within moments of connecting.
fn history(progress: Option<&HistoryProgress>) -> (String, Option<String>, bool) {
    let count = |n: i64, one: &str, many: &str| {
        format!("{} {}", grouped(n), if n == 1 { one } else { many })
    };
    match progress {
        None => ("History: waiting to import…".to_owned(), None, false),
        Some(p) if p.finished() => (
            "History imported".to_owned(),
            Some(format!(
                "{}, {}",
                count(p.threads, "thread", "threads"),
                count(p.messages, "message", "messages")
            )),
            true,
        ),
        Some(p) => (
            format!(
                "History: {} imported, importing…",
                count(p.threads, "thread", "threads")
            ),
            None,
            false,
        ),
    }
}

fn row(a: &Account, progress: Option<&HistoryProgress>, now: i64) -> AccountRow {
    let (history, history_detail, history_done) = history(progress);
    AccountRow {
        id: a.id.0,
        page_name: a.page_name.clone(),
        username: a.username.clone(),
        page_id: a.page_id.clone(),
        added_by: a.added_by.clone(),
        added_on: date(a.added_at),
        login: if a.login_path == "instagram" {
            "Instagram Login"
        } else {
            "Facebook Login"
        },
        webhooks: match a.subscribed {
            Some(true) => "Subscribed",
            Some(false) => "Not subscribed",
            None => "Not checked yet",
        },
        webhooks_ok: a.subscribed == Some(true),
        last_event: match a.last_event_at {
            Some(at) => format!(
                "last event {} ago",
                crate::web::item::waited(now - at).replace("just now", "under a minute")
            ),
            None => "no event yet".to_owned(),
        },
        needs_reconnect: a.needs_reconnect,
        history,
        history_detail,
        history_done,
    }
}

/// Where Meta's dialogs are, for the page's form policy.
fn meta_origins(app: &App) -> Vec<String> {
    [
        &app.settings.facebook_www_base_url,
        &app.settings.instagram_www_base_url,
    ]
    .iter()
    .filter_map(|url| reqwest::Url::parse(url).ok())
    .map(|u| u.origin().ascii_serialization())
    .collect()
}

async fn accounts_page(
    app: &App,
    signed: &Signed,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, Failed> {
    admin_only(signed)?;
    let now = crate::now_ms();
    let imports = app.store.history_imports().await?;
    let accounts = app
        .store
        .accounts()
        .await?
        .iter()
        .map(|a| row(a, imports.iter().find(|p| p.account == a.id), now))
        .collect();
    let button = |login: LoginPath, label| LoginButton {
        login: login.as_str(),
        label,
        missing: service::app_for(app, login).err().map(|e| e.message),
    };
    let page = AccountsPage {
        frame: settings_frame(app, signed, "Instagram accounts").await?,
        sections: sections(true, "/settings/accounts"),
        accounts,
        buttons: vec![
            button(LoginPath::Facebook, "Add Instagram account"),
            button(LoginPath::Instagram, "Add with Instagram Login"),
        ],
        notice,
        error,
    };
    Ok(render_with_form_targets(status, page, &meta_origins(app)))
}

pub async fn page(
    State(app): State<App>,
    signed: Signed,
    Query(notice): Query<Notice>,
) -> Result<Response, Failed> {
    let notice = match (notice.connected, notice.removed) {
        (Some(1), _) => Some("The account is connected and subscribed to its webhooks; its recent conversations are being imported.".to_owned()),
        (Some(n), _) => Some(format!("{n} accounts are connected and subscribed to their webhooks; their recent conversations are being imported.")),
        (None, Some(username)) => Some(format!("@{} was removed: it no longer sends, and its history stays readable.", short(&username))),
        (None, None) => None,
    };
    accounts_page(&app, &signed, StatusCode::OK, notice, None).await
}

fn short(text: &str) -> String {
    text.chars().take(60).collect()
}

#[derive(Deserialize)]
pub struct StartForm {
    login: String,
}

/// `Add Instagram account`: on to Meta's dialog.
pub async fn start(State(app): State<App>, Posted { signed, form }: Posted<StartForm>) -> Response {
    let Some(login) = LoginPath::parse(&form.login) else {
        return Failed::from(ServiceError::not_found("login")).into_response();
    };
    go_to_meta(&app, &signed, login).await
}

async fn go_to_meta(app: &App, signed: &Signed, login: LoginPath) -> Response {
    match service::start(app, &signed.agent, login).await {
        Ok(started) => Redirect::to(&started.authorize_url).into_response(),
        Err(e) if e.kind == Kind::BadInput => {
            accounts_page(app, signed, StatusCode::BAD_REQUEST, None, Some(e.message))
                .await
                .into_response()
        }
        Err(e) => Failed::from(e).into_response(),
    }
}

/// `Reconnect`: Meta's login again, on the account's own path.
pub async fn reconnect(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<NoFields>,
) -> Response {
    let account = match app.store.account(AccountId(id)).await {
        Ok(Some(account)) => account,
        Ok(None) => return Failed::from(ServiceError::not_found("account")).into_response(),
        Err(e) => return Failed::from(e).into_response(),
    };
    let login = LoginPath::parse(&account.login_path).unwrap_or(LoginPath::Facebook);
    go_to_meta(&app, &signed, login).await
}

/// `Check webhooks`: asks Meta now, subscribing again when needed.
pub async fn check(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<NoFields>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let account = app
        .store
        .account(AccountId(id))
        .await?
        .ok_or_else(|| ServiceError::not_found("account"))?;
    service::check_subscription(&app, &account).await;
    Ok(Redirect::to("/settings/accounts").into_response())
}

/// `Remove` (confirmed on the page first).
pub async fn remove(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<NoFields>,
) -> Result<Response, Failed> {
    let removed = service::remove(&app, &signed.agent, AccountId(id)).await?;
    let to = reqwest::Url::parse_with_params(
        "http://igdesk/settings/accounts",
        &[("removed", removed.username.as_str())],
    )
    .map(|url| format!("{}?{}", url.path(), url.query().unwrap_or_default()))
    .unwrap_or_else(|_| "/settings/accounts".to_owned());
    Ok(Redirect::to(&to).into_response())
}

#[derive(Template)]
#[template(path = "settings/connect_error.html")]
struct CallbackFailed {
    css: String,
    message: String,
}

/// Meta's redirect back from its login. On success, on to the accounts it found;
/// otherwise the reason, with a 4xx status, and nothing connected.
pub async fn callback(
    State(app): State<App>,
    Path(login): Path<String>,
    Query(cb): Query<Callback>,
) -> Response {
    let Some(login) = LoginPath::parse(&login) else {
        return crate::web::not_found();
    };
    match service::callback(&app, login, cb).await {
        Ok(state) => Redirect::to(&format!("/settings/accounts/connect/{state}")).into_response(),
        Err(e) => {
            let status = match e.kind {
                Kind::Conflict => StatusCode::CONFLICT,
                Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::BAD_REQUEST,
            };
            render(
                status,
                CallbackFailed {
                    css: assets::url("console.css"),
                    message: e.message,
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "settings/connect.html")]
struct PickPage {
    frame: Frame,
    sections: Vec<Section>,
    state: String,
    login: String,
    candidates: Vec<Candidate>,
    error: Option<String>,
}

async fn pick_page(
    app: &App,
    signed: &Signed,
    state: String,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, Failed> {
    let found = service::candidates(app, &signed.agent, &state).await?;
    let page = PickPage {
        frame: settings_frame(app, signed, "Connect Instagram accounts").await?,
        sections: sections(true, "/settings/accounts"),
        state,
        login: if found.login == "instagram" {
            "Instagram Login".into()
        } else {
            "Facebook Login".into()
        },
        candidates: found.accounts,
        error,
    };
    Ok(render(status, page))
}

/// The accounts a login found, to pick from.
pub async fn found(
    State(app): State<App>,
    Path(state): Path<String>,
    signed: Signed,
) -> Result<Response, Failed> {
    pick_page(&app, &signed, state, StatusCode::OK, None).await
}

/// `Connect accounts`: the ticked ones (`pick-{ig_id}` fields).
pub async fn connect(
    State(app): State<App>,
    Path(state): Path<String>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    let picked: Vec<String> = form
        .keys()
        .filter_map(|k| k.strip_prefix("pick-"))
        .map(str::to_owned)
        .collect();
    match service::connect(&app, &signed.agent, &state, &picked).await {
        Ok(connected) => Ok(Redirect::to(&format!(
            "/settings/accounts?connected={}",
            connected.len()
        ))
        .into_response()),
        Err(e) if e.kind == Kind::BadInput => {
            pick_page(
                &app,
                &signed,
                state,
                StatusCode::BAD_REQUEST,
                Some(e.message),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
