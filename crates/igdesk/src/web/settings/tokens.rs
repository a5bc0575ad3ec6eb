//! Settings › My tokens, for every agent: their personal API tokens (made and shown
//! once, listed, revoked) and their own password. The actions are
//! `service::agent_tokens` and `service::passwords`.

use super::form::{self, Entered, Said, Shown};
use super::{sections, settings_frame, Section};
use crate::api::session::session_cookie;
use crate::app::App;
use crate::service::error::{Kind, ServiceError};
use crate::service::{agent_tokens as service, passwords};
use crate::web::desk::Frame;
use crate::web::session::{NoFields, Posted, Signed};
use crate::web::{render, Failed};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use igdesk_domain::AgentTokenId;
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;

const PAGE: &str = "/settings/tokens";

pub struct TokenRow {
    pub id: i64,
    pub label: String,
    pub created: String,
    pub revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "settings/tokens.html")]
struct TokensPage {
    frame: Frame,
    sections: Vec<Section>,
    notice: Option<String>,
    shown: Option<Shown>,
    tokens: Vec<TokenRow>,
    entered: Entered,
    api_url: String,
}

async fn page(
    app: &App,
    signed: &Signed,
    status: StatusCode,
    mut said: Said,
    entered: Entered,
) -> Result<Response, Failed> {
    let tokens = service::list(app, &signed.agent)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id.0,
            label: t.label,
            created: form::when(t.created_at),
            revoked: t.revoked_at.map(form::when),
        })
        .collect();
    let view = TokensPage {
        frame: settings_frame(app, signed, "My tokens").await?,
        sections: sections(signed.agent.is_admin, PAGE),
        notice: said.notice.take(),
        shown: said.shown.take(),
        tokens,
        entered,
        api_url: format!("{}/api/v1", app.settings.public_url.trim_end_matches('/')),
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

/// `Create token`: its secret shown once.
pub async fn create(
    State(app): State<App>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    let entered = Entered::new("new", form);
    match service::create(&app, &signed.agent, entered.value("label")).await {
        Ok((row, secret)) => {
            let shown = Shown {
                label: format!("Token “{}”", row.label),
                value: secret.expose_secret().to_owned(),
                hint:
                    "Send it as Authorization: Bearer <token>; it acts as you until you revoke it."
                        .into(),
            };
            let notice = format!("Token “{}” created.", row.label);
            Ok(form::saved(&app, &signed, PAGE, notice, Some(shown)))
        }
        Err(e) if form::shown_on_form(&e) => {
            let refused = entered.refused(
                Some("label"),
                "Enter a label of 1 to 80 characters: where the token is used.",
            );
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

/// `Revoke` (confirmed on the page first).
pub async fn revoke(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<NoFields>,
) -> Result<Response, Failed> {
    let token = service::revoke(&app, &signed.agent, AgentTokenId(id)).await?;
    let notice = format!(
        "Token “{}” is revoked: it no longer signs anything in.",
        token.label
    );
    Ok(form::saved(&app, &signed, PAGE, notice, None))
}

/// `Change password`: the current one, the new one twice. Passwords are never drawn
/// back into a refused form.
pub async fn change_password(
    State(app): State<App>,
    headers: HeaderMap,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    let entered = Entered::new("password", BTreeMap::new());
    let value = |field: &str| form.get(field).cloned().unwrap_or_default();
    let (current, new, repeat) = (
        value("current_password"),
        value("new_password"),
        value("repeat_password"),
    );
    if new != repeat {
        let refused = entered.refused(
            Some("repeat_password"),
            "The two new passwords differ: type the same one twice.",
        );
        return page(
            &app,
            &signed,
            StatusCode::BAD_REQUEST,
            Said::nothing(),
            refused,
        )
        .await;
    }
    let keep = session_cookie(&headers);
    match passwords::change_own(
        &app,
        &signed.agent,
        SecretString::from(current),
        SecretString::from(new),
        keep.as_deref(),
    )
    .await
    {
        Ok(()) => {
            let notice = "Your password was changed. Your other sessions were signed out; this one stays. Personal tokens keep working.";
            Ok(form::saved(&app, &signed, PAGE, notice, None))
        }
        Err(e) if form::shown_on_form(&e) || e.kind == Kind::Unauthorized => {
            let (field, message) = sentence(&e);
            let refused = entered.refused(field, message);
            let status = if e.code == "wrong_password" {
                StatusCode::BAD_REQUEST
            } else {
                form::refused_status(&e)
            };
            page(&app, &signed, status, Said::nothing(), refused).await
        }
        Err(e) => Err(e.into()),
    }
}

fn sentence(e: &ServiceError) -> (Option<&'static str>, String) {
    match e.code {
        "wrong_password" => (
            Some("current_password"),
            "That is not your current password.".into(),
        ),
        "weak_password" => (
            Some("new_password"),
            format!(
                "Choose a password of at least {} characters.",
                passwords::PASSWORD_MIN_CHARS
            ),
        ),
        "password_too_long" => (
            Some("new_password"),
            format!(
                "Choose a password of at most {} characters.",
                passwords::PASSWORD_MAX_CHARS
            ),
        ),
        "too_many_attempts" => (
            Some("current_password"),
            format!("{}.", capitalised(&e.message)),
        ),
        "password_changed" => (
            None,
            "Your password was changed meanwhile, elsewhere: sign in again with the new one."
                .into(),
        ),
        _ => (None, e.message.clone()),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}
