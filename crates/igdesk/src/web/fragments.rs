//! Pieces of a page, drawn by the same templates as the page, that the page's
//! scripts fetch and swap in when the live stream says something changed: the
//! offer banner, the top bar, the conversation list, one timeline item, older items.

use super::desk::{offer_cards, ConversationRow, OfferCard, TopBar};
use super::item::{card, quotes, ItemCard};
use super::profile::PAGE_ITEMS;
use super::session::Signed;
use super::views::{work_list, WorkQuery, WorkView};
use super::{render, Failed};
use crate::app::App;
use crate::service::error::ServiceError;
use crate::service::moderation::visible_item;
use crate::service::routing;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use igdesk_domain::timeline::ReplyTo;
use igdesk_domain::{CustomerId, ItemId};
use serde::Deserialize;

#[derive(Template)]
#[template(
    source = r#"{% import "_macros.html" as m %}{% call m::offers(offers, held, csrf) %}"#,
    ext = "html"
)]
struct Offers {
    offers: Vec<OfferCard>,
    held: bool,
    csrf: String,
}

pub async fn offers(State(app): State<App>, signed: Signed) -> Result<Response, Failed> {
    let offers = offer_cards(&app, &signed.agent, app.clock.now()).await?;
    let routing = app.store.agent_routing(signed.agent.id).await?;
    Ok(render(
        StatusCode::OK,
        Offers {
            offers,
            held: routing.is_some_and(|r| r.held),
            csrf: signed.csrf,
        },
    ))
}

#[derive(Template)]
#[template(
    source = r#"{% import "_macros.html" as m %}{% call m::topbar(bar, csrf) %}"#,
    ext = "html"
)]
struct Bar {
    bar: TopBar,
    csrf: String,
}

pub async fn topbar(State(app): State<App>, signed: Signed) -> Result<Response, Failed> {
    let routing = routing::state(&app, &signed.agent).await?;
    Ok(render(
        StatusCode::OK,
        Bar {
            bar: TopBar::from_routing(&routing),
            csrf: signed.csrf,
        },
    ))
}

#[derive(Template)]
#[template(
    source = r#"{% import "_macros.html" as m %}{% call m::conversations(rows, current, view) %}"#,
    ext = "html"
)]
struct Conversations {
    rows: Vec<ConversationRow>,
    current: i64,
    view: WorkView,
}

#[derive(Deserialize)]
pub struct Current {
    #[serde(default)]
    current: i64,
}

pub async fn conversations(
    State(app): State<App>,
    signed: Signed,
    Query(current): Query<Current>,
    Query(work): Query<WorkQuery>,
) -> Result<Response, Failed> {
    // The view the page shows (its filters travel in the address).
    let (rows, view) = work_list(&app, &signed, &work, crate::now_ms()).await?;
    Ok(render(
        StatusCode::OK,
        Conversations {
            rows,
            current: current.current,
            view,
        },
    ))
}

#[derive(Template)]
#[template(
    source = r#"{% import "_macros.html" as m %}{% for item in items %}{% call m::item(item) %}{% endfor %}"#,
    ext = "html"
)]
struct Items {
    items: Vec<ItemCard>,
}

/// One item as it is now (a new message, a status, a reaction), if the agent may see it.
pub async fn item(
    State(app): State<App>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Response, Failed> {
    let id = id
        .parse()
        .map(ItemId)
        .map_err(|_| ServiceError::not_found("item"))?;
    let (item, customer) = visible_item(&app, &signed.agent, id).await?;
    let quotes = match &item.reply_to {
        Some(ReplyTo::Message { .. }) => {
            let page = app
                .store
                .timeline_page(signed.agent.scope(), customer.id, None, PAGE_ITEMS as i64)
                .await?;
            quotes(&page.unwrap_or_default())
        }
        _ => Default::default(),
    };
    let items = vec![card(
        &item,
        &customer.name,
        &quotes,
        crate::now_ms(),
        signed.agent.id,
    )];
    Ok(render(StatusCode::OK, Items { items }))
}

#[derive(Deserialize)]
pub struct Before {
    before: i64,
}

/// Older items, when the agent scrolls up.
pub async fn older(
    State(app): State<App>,
    signed: Signed,
    Path(id): Path<String>,
    Query(before): Query<Before>,
) -> Result<Response, Failed> {
    let id = id
        .parse()
        .map(CustomerId)
        .map_err(|_| ServiceError::not_found("customer"))?;
    let scope = signed.agent.scope();
    let not_found = || ServiceError::not_found("customer");
    let customer = app.store.customer(scope, id).await?.ok_or_else(not_found)?;
    let before = Some(ItemId(before.before));
    let items = app
        .store
        .timeline_page(scope, id, before, PAGE_ITEMS as i64)
        .await?
        .ok_or_else(not_found)?;
    crate::service::stories::shown(&app, &items);
    let quotes = quotes(&items);
    let now = crate::now_ms();
    let items = items
        .iter()
        .map(|i| card(i, &customer.name, &quotes, now, signed.agent.id))
        .collect();
    Ok(render(StatusCode::OK, Items { items }))
}

#[derive(Template)]
#[template(
    source = r#"{% import "_macros.html" as m %}{% call m::offer_article(offer, csrf) %}"#,
    ext = "html"
)]
struct OfferArticle {
    offer: OfferCard,
    csrf: String,
}

/// One offer's banner, drawn for the live stream's `offer` event so that a console
/// shows it without asking again (its forms' CSRF token is filled in by the page).
pub fn offer_article(app: &App, offer: &igdesk_store::Offer) -> Option<String> {
    OfferArticle {
        offer: super::desk::offer_card(offer, app.clock.now()),
        csrf: String::new(),
    }
    .render()
    .ok()
}

#[derive(Template)]
#[template(
    source = r#"<div class="mention-notice" data-event-id="{{ event }}"><p><span aria-hidden="true">💬</span> <strong>{{ author }}</strong> mentioned you on <a href="/customers/{{ customer_id }}#item-{{ note }}">{{ customer }}’s timeline</a></p><button type="button" class="link dismiss" aria-label="Dismiss: {{ author }} mentioned you on {{ customer }}’s timeline">Dismiss</button></div>"#,
    ext = "html"
)]
struct MentionNotice {
    event: i64,
    author: String,
    customer: String,
    customer_id: i64,
    note: i64,
}

/// The notice a `mention` event shows the mentioned agent ("Ana mentioned you on
/// Chloé’s timeline"), drawn for the event like an offer's banner.
pub fn mention_notice(event: i64, payload: &serde_json::Value) -> Option<String> {
    let text = |key: &str| payload[key].as_str().map(str::to_owned);
    MentionNotice {
        event,
        author: text("author_name")?,
        customer: text("customer_name")?,
        customer_id: payload["customer_id"].as_i64()?,
        note: payload["note_id"].as_i64()?,
    }
    .render()
    .ok()
}
