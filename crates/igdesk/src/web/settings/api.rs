//! Settings › API & webhooks (API-1, API-3…API-5): per Instagram account, the
//! Business Messaging API on or off, where inbound messages and status reports are
//! POSTed, who gets a customer asking for a person, how long webhooks are retried,
//! the signing secret (shown once, after it is made), how the webhooks fare, and the
//! account's product tokens. The actions are `service::api_settings` and
//! `service::product_tokens`.

use super::form::{self, Entered, Said, Shown};
use super::{admin_only, sections, settings_frame, Section};
use crate::app::App;
use crate::service::api_settings::{self as service, Change};
use crate::service::entry_points::account;
use crate::service::error::ServiceError;
use crate::service::product_tokens;
use crate::web::desk::Frame;
use crate::web::session::{NoFields, Posted, Signed};
use crate::web::{render, Failed};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use igdesk_domain::{AccountId, ApiTokenId};
use igdesk_store::{Account, ApiSettings, HandoverTarget, WebhookStream};
use secrecy::ExposeSecret;
use std::collections::BTreeMap;

const PAGE: &str = "/settings/api";
/// How many of the last failed webhooks the page lists.
const FAILURES_SHOWN: i64 = 5;

pub struct AccountApi {
    pub id: i64,
    pub username: String,
    pub page_name: String,
    pub on: bool,
    pub inbound_url: String,
    pub pending: i64,
    pub delivered: i64,
    pub expired: i64,
    /// Product tokens not revoked.
    pub tokens: usize,
}

#[derive(Template)]
#[template(path = "settings/api.html")]
struct OverviewPage {
    frame: Frame,
    sections: Vec<Section>,
    notice: Option<String>,
    shown: Option<Shown>,
    accounts: Vec<AccountApi>,
}

pub async fn overview(
    State(app): State<App>,
    signed: Signed,
    headers: HeaderMap,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let mut said = form::said(&app, &signed, &headers, PAGE);
    let mut accounts = Vec::new();
    for a in app.store.accounts().await? {
        let settings = service::get(&app, &signed.agent, a.id).await?;
        let counts = service::counts(&app, a.id).await?;
        let tokens = product_tokens::list(&app, &signed.agent, a.id)
            .await?
            .iter()
            .filter(|t| t.token.revoked_at.is_none())
            .count();
        accounts.push(AccountApi {
            tokens,
            id: a.id.0,
            username: a.username,
            page_name: a.page_name,
            on: settings.is_some(),
            inbound_url: settings.and_then(|s| s.inbound_url).unwrap_or_default(),
            pending: counts.pending,
            delivered: counts.delivered,
            expired: counts.expired,
        });
    }
    let view = OverviewPage {
        frame: settings_frame(&app, &signed, "API & webhooks").await?,
        sections: sections(true, PAGE),
        notice: said.notice.take(),
        shown: said.shown.take(),
        accounts,
    };
    Ok(said.answer(&app, render(StatusCode::OK, view)))
}

pub struct FailureRow {
    pub stream: &'static str,
    pub state: String,
    pub attempts: i64,
    pub error: String,
    pub created: String,
}

pub struct ProductTokenRow {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub revoked: Option<String>,
}

pub struct HandoverOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "settings/api_account.html")]
struct AccountPage {
    frame: Frame,
    sections: Vec<Section>,
    notice: Option<String>,
    shown: Option<Shown>,
    id: i64,
    username: String,
    page_name: String,
    ig_id: String,
    on: bool,
    /// The settings form's values: as stored, or as entered when refused.
    inbound_url: String,
    status_url: String,
    handover: Vec<HandoverOption>,
    inbound_retry_hours: String,
    status_retry_hours: String,
    pending: i64,
    delivered: i64,
    expired: i64,
    failures: Vec<FailureRow>,
    tokens: Vec<ProductTokenRow>,
    entered: Entered,
    message_url: String,
}

fn page_of(account: i64) -> String {
    format!("{PAGE}/{account}")
}

async fn account_page(
    app: &App,
    signed: &Signed,
    id: AccountId,
    status: StatusCode,
    mut said: Said,
    entered: Entered,
) -> Result<Response, Failed> {
    admin_only(signed)?;
    let found: Account = account(app, id).await?;
    let settings: Option<ApiSettings> = service::get(app, &signed.agent, id).await?;
    let counts = service::counts(app, id).await?;
    let failures = service::failures(app, id, FAILURES_SHOWN)
        .await?
        .into_iter()
        .map(|f| FailureRow {
            stream: match f.stream {
                WebhookStream::Inbound => "Inbound message",
                WebhookStream::Status => "Status report",
            },
            state: match f.next_attempt_at {
                Some(at) if !f.expired => format!("Retrying · next try {}", form::when(at)),
                _ => "Given up".to_owned(),
            },
            attempts: f.attempts,
            error: f.error,
            created: form::when(f.created_at),
        })
        .collect();
    let tokens = product_tokens::list(app, &signed.agent, id)
        .await?
        .into_iter()
        .map(|t| ProductTokenRow {
            id: t.token.id.0,
            name: t.token.name,
            created: form::when(t.token.created_at),
            last_used: t
                .last_used_at
                .map_or_else(|| "Never".to_owned(), form::when),
            revoked: t.token.revoked_at.map(form::when),
        })
        .collect();
    let refused = entered.is("settings");
    let stored = |value: Option<&String>| value.cloned().unwrap_or_default();
    let handover_now = if refused {
        HandoverTarget::parse(entered.value("handover")).unwrap_or(HandoverTarget::Agents)
    } else {
        settings
            .as_ref()
            .map_or(HandoverTarget::Agents, |s| s.handover)
    };
    let hours = |field: &str, seconds: Option<i64>, default: i64| {
        if refused {
            entered.value(field).to_owned()
        } else {
            (seconds.map_or(default, |s| s / 3600)).to_string()
        }
    };
    let view = AccountPage {
        frame: settings_frame(
            app,
            signed,
            &format!("API & webhooks · @{}", found.username),
        )
        .await?,
        sections: sections(true, PAGE),
        notice: said.notice.take(),
        shown: said.shown.take(),
        id: found.id.0,
        username: found.username,
        page_name: found.page_name,
        ig_id: found.ig_id,
        on: settings.is_some(),
        inbound_url: if refused {
            entered.value("inbound_url").to_owned()
        } else {
            stored(settings.as_ref().and_then(|s| s.inbound_url.as_ref()))
        },
        status_url: if refused {
            entered.value("status_url").to_owned()
        } else {
            stored(settings.as_ref().and_then(|s| s.status_url.as_ref()))
        },
        handover: [
            (HandoverTarget::Agents, "igdesk's agents"),
            (HandoverTarget::InstagramInbox, "Instagram's own inbox"),
        ]
        .into_iter()
        .map(|(target, label)| HandoverOption {
            value: target.as_str(),
            label,
            selected: target == handover_now,
        })
        .collect(),
        inbound_retry_hours: hours(
            "inbound_retry_hours",
            settings.as_ref().map(|s| s.inbound_retry_seconds),
            service::INBOUND_RETRY_HOURS,
        ),
        status_retry_hours: hours(
            "status_retry_hours",
            settings.as_ref().map(|s| s.status_retry_seconds),
            service::STATUS_RETRY_HOURS,
        ),
        pending: counts.pending,
        delivered: counts.delivered,
        expired: counts.expired,
        failures,
        tokens,
        entered,
        message_url: format!(
            "{}/v1.0/message",
            app.settings.public_url.trim_end_matches('/')
        ),
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
    account_page(
        &app,
        &signed,
        AccountId(id),
        StatusCode::OK,
        said,
        Entered::default(),
    )
    .await
}

/// `Turn on the API` / `Save`: the URLs, the handover target, the retry periods.
pub async fn save(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let entered = Entered::new("settings", form);
    let account_id = AccountId(id);
    let refuse = |entered: Entered, field: &'static str, message: String| {
        let refused = entered.refused(Some(field), message);
        account_page(
            &app,
            &signed,
            account_id,
            StatusCode::BAD_REQUEST,
            Said::nothing(),
            refused,
        )
    };
    let Some(handover) = HandoverTarget::parse(entered.value("handover")) else {
        return refuse(
            entered,
            "handover",
            "Choose who gets a customer asking for a person.".into(),
        )
        .await;
    };
    let mut hours = [None, None];
    for (slot, field) in hours
        .iter_mut()
        .zip(["inbound_retry_hours", "status_retry_hours"])
    {
        match form::whole_number(entered.value(field), field, "the hours") {
            Ok(h) => *slot = Some(h),
            Err((_, message)) => return refuse(entered, field, message).await,
        }
    }
    let was_on = service::get(&app, &signed.agent, AccountId(id))
        .await?
        .is_some();
    let change = Change {
        inbound_url: Some(entered.value("inbound_url").trim().to_owned()),
        status_url: Some(entered.value("status_url").trim().to_owned()),
        handover: Some(handover),
        inbound_retry_hours: hours[0],
        status_retry_hours: hours[1],
        rotate_secret: false,
    };
    match service::set(&app, &signed.agent, AccountId(id), change).await {
        Ok(saved) => {
            let username = account(&app, AccountId(id)).await?.username;
            let notice = if was_on {
                format!(
                    "Saved: @{username}'s webhooks go where it says below from the next one on."
                )
            } else {
                format!("The Business Messaging API is on for @{username}: customers' messages go to your inbound URL until they ask for a person.")
            };
            let shown = saved.signing_secret.map(|secret| Shown {
                label: format!("Signing secret for @{username}"),
                value: secret.expose_secret().to_owned(),
                hint: "Your receiver checks each webhook's webhook-signature header with it (Standard Webhooks).".into(),
            });
            Ok(form::saved(&app, &signed, &page_of(id), notice, shown))
        }
        Err(e) if form::shown_on_form(&e) => {
            let field = e.field.unwrap_or("inbound_url");
            let said = sentence(&e, app.settings.webhook_allow_private);
            refuse(entered, field, said).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `Rotate signing secret` (confirmed on the page first).
pub async fn rotate(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<NoFields>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let saved = service::rotate_secret(&app, &signed.agent, AccountId(id)).await?;
    let username = account(&app, AccountId(id)).await?.username;
    let shown = saved.signing_secret.map(|secret| Shown {
        label: format!("New signing secret for @{username}"),
        value: secret.expose_secret().to_owned(),
        hint: "Webhooks are signed with it from now on: put it in your receiver right away.".into(),
    });
    let notice = "The signing secret was rotated: the old one no longer signs anything.";
    Ok(form::saved(&app, &signed, &page_of(id), notice, shown))
}

/// `Turn off the API` (confirmed on the page first).
pub async fn turn_off(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<NoFields>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    service::turn_off(&app, &signed.agent, AccountId(id)).await?;
    let username = account(&app, AccountId(id)).await?.username;
    let notice = format!(
        "The Business Messaging API is off for @{username}: customers' messages go to your agents, and webhooks not yet delivered were dropped."
    );
    Ok(form::saved(&app, &signed, &page_of(id), notice, None))
}

/// `Create product token`: its secret shown once.
pub async fn create_token(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let entered = Entered::new("token", form);
    match product_tokens::create(
        &app,
        &signed.agent,
        AccountId(id),
        entered.value("token_name"),
    )
    .await
    {
        Ok(issued) => {
            let username = account(&app, AccountId(id)).await?.username;
            let message_url = format!(
                "{}/v1.0/message",
                app.settings.public_url.trim_end_matches('/')
            );
            let shown = Shown {
                label: format!("Product token “{}” for @{username}", issued.token.name),
                value: issued.secret.expose_secret().to_owned(),
                hint: format!(
                    "Your system sends it to {message_url} as messages.authentication.producttoken or in the X-CM-PRODUCTTOKEN header."
                ),
            };
            let notice = format!("Product token “{}” created.", issued.token.name);
            Ok(form::saved(
                &app,
                &signed,
                &page_of(id),
                notice,
                Some(shown),
            ))
        }
        Err(e) if form::shown_on_form(&e) => {
            let refused = entered.refused(
                Some("token_name"),
                format!(
                    "Enter a name of 1 to {} characters: where the token is used.",
                    product_tokens::NAME_MAX_CHARS
                ),
            );
            account_page(
                &app,
                &signed,
                AccountId(id),
                form::refused_status(&e),
                Said::nothing(),
                refused,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `Revoke` a product token (confirmed on the page first).
pub async fn revoke_token(
    State(app): State<App>,
    Path((id, token)): Path<(i64, i64)>,
    Posted { signed, .. }: Posted<NoFields>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let revoked =
        product_tokens::revoke(&app, &signed.agent, AccountId(id), ApiTokenId(token)).await?;
    let notice = format!(
        "Product token “{}” is revoked: /v1.0/message refuses it from now on.",
        revoked.name
    );
    Ok(form::saved(&app, &signed, &page_of(id), notice, None))
}

/// The service's refusal in the page's words.
fn sentence(e: &ServiceError, allow_private: bool) -> String {
    match e.code {
        "invalid_url" if allow_private => {
            "Enter a URL that starts with https:// (or http://), or leave it empty.".into()
        }
        "invalid_url" => {
            "Enter a URL that starts with https://, or leave it empty. (http:// needs IGDESK_WEBHOOK_ALLOW_PRIVATE=true, for development only.)".into()
        }
        "private_url" => {
            "Enter a public address: this one is on this machine or a private network (loopback, private, link-local or reserved). IGDESK_WEBHOOK_ALLOW_PRIVATE=true allows it, for development only.".into()
        }
        "invalid_retry" => "Enter 1 to 2,160 hours (90 days).".into(),
        _ => e.message.clone(),
    }
}
