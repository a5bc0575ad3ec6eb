//! The desk: the frame every page shares (availability, Next, the offer banner) and
//! the agent's own conversations (SPEC UI-1, RT-1 … RT-3).

use super::item::short;
use super::session::{NoFields, Posted, Signed};
use super::{assets, render, Failed};
use crate::app::App;
use crate::service::error::{Kind, ServiceError};
use crate::service::routing;
use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use igdesk_domain::{Millis, OfferId};
use igdesk_store::{Agent, AgentRouting, Offer};
use serde::Deserialize;

/// What every signed-in page shows around its content.
pub struct Frame {
    pub title: String,
    pub agent_name: String,
    pub csrf: String,
    pub css: String,
    pub scripts: Vec<String>,
    pub bar: TopBar,
    pub offers: Vec<OfferCard>,
    pub conversations: Vec<ConversationRow>,
    /// The list's filters.
    pub view: super::views::WorkView,
    /// The customer whose profile is open, to mark it in the list.
    pub current_customer: i64,
    /// A Settings page is open (marks Settings in the top bar).
    pub settings: bool,
    /// What every page says until it is dealt with: accounts of the agent's inboxes
    /// that need reconnecting (ACC-6).
    pub notices: Vec<String>,
    /// What the top bar's search box holds (the search page keeps it there).
    pub search: String,
}

pub struct TopBar {
    pub available: bool,
    pub conversations: i64,
    pub standard: i64,
    pub maximum: i64,
    /// Why Next cannot be pressed now, if it cannot.
    pub next_blocked: Option<String>,
    /// An offer was let go (declined or timed out): nothing comes until Next.
    pub held: bool,
}

pub struct OfferCard {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub preview: String,
    pub reason: Option<String>,
    /// "Transferred by Ana: note", for a conversation handed over.
    pub transfer: Option<String>,
    pub expires_at_ms: Millis,
    pub seconds_left: i64,
}

pub struct ConversationRow {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub waiting: Option<String>,
    /// ok, near (past 3/4 of the inbox's target) or late (past it); empty when answered.
    pub sla: &'static str,
    pub topics: String,
    /// The session has ended (a view of closed work).
    pub closed: bool,
    /// Who holds it, in everyone's work ("Waiting for an agent" when nobody).
    pub agent: Option<String>,
    /// The agents an administrator may assign it to (everyone's open work only).
    pub assignees: Vec<(i64, String)>,
}

impl TopBar {
    pub fn from_routing(routing: &AgentRouting) -> Self {
        let next_blocked = if routing.conversations >= routing.max_capacity {
            Some(format!(
                "You have your maximum of {} conversations: close one first",
                routing.max_capacity
            ))
        } else if !routing.available {
            Some("Set yourself Available to receive work".to_owned())
        } else {
            None
        };
        TopBar {
            available: routing.available,
            conversations: routing.conversations,
            standard: routing.standard_capacity,
            maximum: routing.max_capacity,
            next_blocked,
            held: routing.held,
        }
    }
}

pub fn offer_card(offer: &Offer, now: Millis) -> OfferCard {
    OfferCard {
        id: offer.id.0,
        customer_id: offer.customer_id.0,
        customer_name: offer.customer_name.clone(),
        preview: short(&offer.preview, 90),
        reason: offer.reason.clone(),
        transfer: crate::service::transfer::offer_words(offer),
        expires_at_ms: offer.expires_at,
        seconds_left: ((offer.expires_at - now).max(0) + 999) / 1000,
    }
}

/// The agent's waiting offers as the banner shows them.
pub async fn offer_cards(
    app: &App,
    agent: &Agent,
    now: Millis,
) -> Result<Vec<OfferCard>, ServiceError> {
    let offers = routing::offers(app, agent).await?;
    Ok(offers.iter().map(|o| offer_card(o, now)).collect())
}

/// The frame of a page for this agent.
pub async fn frame(
    app: &App,
    signed: &Signed,
    title: &str,
    scripts: &[&str],
) -> Result<Frame, ServiceError> {
    let now = app.clock.now();
    let routing = app.store.agent_routing(signed.agent.id).await?;
    let bar = routing
        .as_ref()
        .map(TopBar::from_routing)
        .unwrap_or(TopBar {
            available: false,
            conversations: 0,
            standard: 0,
            maximum: 0,
            next_blocked: Some("Routing is not set up for you".into()),
            held: false,
        });
    let offers = offer_cards(app, &signed.agent, now).await?;
    // Waits are between real times (the customer's messages), whatever the routing
    // clock says.
    let (conversations, view) = super::views::plain(app, signed, crate::now_ms()).await?;
    Ok(Frame {
        title: title.to_owned(),
        agent_name: signed.agent.name.clone(),
        csrf: signed.csrf.clone(),
        css: assets::url("console.css"),
        scripts: scripts.iter().map(|s| assets::url(s)).collect(),
        bar,
        offers,
        conversations,
        view,
        current_customer: 0,
        settings: false,
        notices: reconnect_notices(app, &signed.agent).await?,
        search: String::new(),
    })
}

/// Accounts of the agent's inboxes (all, for administrators) whose token Meta
/// refused: replies to their customers wait until one is reconnected.
async fn reconnect_notices(app: &App, agent: &Agent) -> Result<Vec<String>, ServiceError> {
    let waiting: Vec<_> = app
        .store
        .accounts()
        .await?
        .into_iter()
        .filter(|a| a.needs_reconnect)
        .collect();
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let mine = if agent.is_admin {
        None
    } else {
        Some(crate::service::dashboard::my_inboxes(app, agent).await?)
    };
    let whom = if agent.is_admin {
        "Reconnect it in Settings › Instagram accounts"
    } else {
        "An administrator can reconnect it in Settings"
    };
    Ok(waiting
        .into_iter()
        .filter(|a| mine.as_ref().is_none_or(|m| m.contains(&a.inbox_id)))
        .map(|a| {
            format!(
                "Instagram account @{} needs reconnecting: Meta refused its access, and replies to its customers wait. {whom}.",
                a.username
            )
        })
        .collect())
}

#[derive(Template)]
#[template(path = "desk.html")]
struct DeskPage {
    frame: Frame,
}

pub async fn page(
    State(app): State<App>,
    signed: Signed,
    Query(work): Query<super::views::WorkQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Failed> {
    let mut frame = frame(&app, &signed, "Desk", &["desk.js"]).await?;
    if !super::views::is_plain(&work) {
        super::views::apply(&app, &signed, &mut frame, &work).await?;
    }
    // The filter form sends every field, empty ones too: the view's own address is
    // the one to bookmark.
    let asked = raw.filter(|q| !q.is_empty()).map(|q| format!("?{q}"));
    if asked.is_some_and(|q| q != frame.view.query) {
        return Ok(Redirect::to(&format!("/desk{}", frame.view.query)).into_response());
    }
    Ok(render(StatusCode::OK, DeskPage { frame }))
}

#[derive(Deserialize)]
pub struct AvailabilityForm {
    available: String,
}

/// The Available toggle without scripts (the script uses the JSON API).
pub async fn set_availability(
    State(app): State<App>,
    Posted { signed, form }: Posted<AvailabilityForm>,
) -> Response {
    match routing::set_availability(&app, &signed.agent, form.available == "true").await {
        Ok(_) => Redirect::to("/desk").into_response(),
        Err(e) => Failed::from(e).into_response(),
    }
}

/// Next without scripts. At the maximum the button is drawn disabled, with the
/// reason; a stale page that posts anyway just comes back to the desk.
pub async fn next(State(app): State<App>, Posted { signed, .. }: Posted<NoFields>) -> Response {
    match routing::next(&app, &signed.agent).await {
        Ok(_) => Redirect::to("/desk").into_response(),
        Err(e) if e.kind == Kind::Conflict => Redirect::to("/desk").into_response(),
        Err(e) => Failed::from(e).into_response(),
    }
}

/// Accept or Decline from the banner without scripts. An offer that ran out or went
/// elsewhere meanwhile just leaves the banner.
pub async fn answer_offer(
    State(app): State<App>,
    Path((id, answer)): Path<(i64, String)>,
    Posted { signed, .. }: Posted<NoFields>,
) -> Response {
    let offer = OfferId(id);
    let answered = match answer.as_str() {
        "accept" => routing::accept(&app, &signed.agent, offer)
            .await
            .map(|accepted| format!("/customers/{}#composer", accepted.customer.0)),
        "decline" => routing::decline(&app, &signed.agent, offer)
            .await
            .map(|()| "/desk".to_owned()),
        _ => return super::not_found(),
    };
    match answered {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e) if matches!(e.kind, Kind::NotFound | Kind::Conflict) => {
            Redirect::to("/desk").into_response()
        }
        Err(e) => Failed::from(e).into_response(),
    }
}
