//! Pieces of a page, drawn by the same templates as the page, that the page's
//! scripts fetch and swap in when the live stream says something changed: the
//! offer banner, the top bar, the conversation list, one timeline item, older items.

use super::desk::{my_conversations, offer_cards, ConversationRow, OfferCard, TopBar};
use super::item::{card, quotes, ItemCard};
use super::profile::PAGE_ITEMS;
use super::session::Signed;
use super::{page_error, render};
use crate::app::App;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
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

pub async fn offers(State(app): State<App>, signed: Signed) -> Response {
    let now = app.clock.now();
    let (offers, routing) = match (
        offer_cards(&app, &signed.agent, now).await,
        app.store.agent_routing(signed.agent.id).await,
    ) {
        (Ok(offers), Ok(routing)) => (offers, routing),
        (Err(e), _) | (_, Err(e)) => return page_error(e),
    };
    render(
        StatusCode::OK,
        Offers {
            offers,
            held: routing.is_some_and(|r| r.held),
            csrf: signed.csrf,
        },
    )
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

pub async fn topbar(State(app): State<App>, signed: Signed) -> Response {
    match app.store.agent_routing(signed.agent.id).await {
        Ok(Some(routing)) => render(
            StatusCode::OK,
            Bar {
                bar: TopBar::from_routing(&routing),
                csrf: signed.csrf,
            },
        ),
        Ok(None) => super::not_found(),
        Err(e) => page_error(e),
    }
}

#[derive(Template)]
#[template(
    source = r#"{% import "_macros.html" as m %}{% call m::conversations(rows, current) %}"#,
    ext = "html"
)]
struct Conversations {
    rows: Vec<ConversationRow>,
    current: i64,
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
) -> Response {
    match my_conversations(&app, &signed.agent, crate::now_ms()).await {
        Ok(rows) => render(
            StatusCode::OK,
            Conversations {
                rows,
                current: current.current,
            },
        ),
        Err(e) => page_error(e),
    }
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
pub async fn item(State(app): State<App>, signed: Signed, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse().map(ItemId) else {
        return super::not_found();
    };
    let found = match app.store.item_for_job(id).await {
        Ok(found) => found,
        Err(e) => return page_error(e),
    };
    let Some(item) = found else {
        return super::not_found();
    };
    // Scoped like every read: the item's customer must be in the agent's inboxes.
    let customer = match app
        .store
        .customer(signed.agent.scope(), item.customer_id)
        .await
    {
        Ok(Some(customer)) => customer,
        Ok(None) => return super::not_found(),
        Err(e) => return page_error(e),
    };
    let quotes = match &item.reply_to {
        Some(igdesk_domain::timeline::ReplyTo::Message { .. }) => {
            let scope = signed.agent.scope();
            let page = app
                .store
                .timeline_page(scope, customer.id, None, PAGE_ITEMS as i64)
                .await;
            quotes(&page.ok().flatten().unwrap_or_default())
        }
        _ => Default::default(),
    };
    let items = vec![card(&item, &customer.name, &quotes, crate::now_ms())];
    render(StatusCode::OK, Items { items })
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
) -> Response {
    let Ok(id) = id.parse().map(CustomerId) else {
        return super::not_found();
    };
    let scope = signed.agent.scope();
    let before = Some(ItemId(before.before));
    let (customer, items) = match (
        app.store.customer(scope, id).await,
        app.store
            .timeline_page(scope, id, before, PAGE_ITEMS as i64)
            .await,
    ) {
        (Ok(Some(c)), Ok(Some(items))) => (c, items),
        (Ok(_), Ok(_)) => return super::not_found(),
        (Err(e), _) | (_, Err(e)) => return page_error(e),
    };
    let quotes = quotes(&items);
    let now = crate::now_ms();
    let items = items
        .iter()
        .map(|i| card(i, &customer.name, &quotes, now))
        .collect();
    render(StatusCode::OK, Items { items })
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
pub async fn offer_article(app: &App, offer: &igdesk_store::Offer) -> Option<String> {
    let mut card = super::desk::offer_card(offer, app.clock.now());
    if let Ok(Some(customer)) = app.store.customer_for_job(offer.customer_id).await {
        card.customer_name = customer.name;
    }
    OfferArticle {
        offer: card,
        csrf: String::new(),
    }
    .render()
    .ok()
}
