//! The agent's live stream (RT-8) as Server-Sent Events: offers and their
//! withdrawals, new items, status changes and reactions on the agent's conversations,
//! sessions assigned and ended. Every event has an id; a console that reconnects
//! with `Last-Event-ID` gets everything after it, from the database, without gaps.

use super::auth::{Caller, Credential};
use super::error::ApiError;
use super::extract::QueryParams;
use super::views::load_views;
use crate::app::App;
use crate::live::News;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use igdesk_domain::timeline::display_name;
use igdesk_domain::{AgentId, EventId};
use igdesk_store::{AgentEvent, Scope, SETTLED_CHECK};
use serde::Deserialize;
use serde_json::json;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast;
use utoipa::IntoParams;

const READ_BATCH: i64 = 200;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Resume {
    /// The last event id seen (same as the `Last-Event-ID` header, which wins).
    last_event_id: Option<i64>,
}

struct Reader {
    _open: OpenStream,
    app: App,
    agent: AgentId,
    /// What the agent may read: an item event shows its item only while the
    /// customer is in scope (an agent taken off an inbox replays none of its
    /// messages from old events).
    scope: Scope,
    /// What the stream was opened with: after a `signed_out` event (the agent was
    /// switched off, or their password changed) the stream ends unless it still
    /// signs the agent in.
    credential: Credential,
    recheck: bool,
    cursor: EventId,
    buffered: VecDeque<AgentEvent>,
    /// The last read found less than a batch: nothing more until news.
    caught_up: bool,
    /// The last read left this transaction's events for later: they are committed,
    /// so no news will come for them; the stream looks again once they are settled.
    held_back: Option<i64>,
    news: broadcast::Receiver<News>,
}

/// The agent's live stream, as Server-Sent Events.
///
/// Each event is named by its kind and has an id; its data is JSON: `id`, `kind`,
/// `conversation_id`, `payload`, `created_at_ms`, and for item events `item_id` and
/// `item` (the item as it is now). Comments keep the connection open every 15 s.
#[utoipa::path(
    get,
    path = "/events",
    tag = "live",
    operation_id = "live_events",
    params(
        Resume,
        ("Last-Event-ID" = Option<i64>, Header, description = "The last event id seen; wins over `last_event_id`"),
    ),
    responses(
        // Each event's shape (id, name, JSON data) is spelled out in the document by
        // `constraints::media_rules`.
        (status = 200, description = "The stream", content_type = "text/event-stream", body = String),
        (status = 400, description = "Last-Event-ID is not an event id (`invalid_last_event_id`)", body = ApiError),
    )
)]
pub async fn stream(
    State(app): State<App>,
    Caller(agent): Caller,
    headers: HeaderMap,
    QueryParams(resume): QueryParams<Resume>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let header = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .ok_or_else(|| {
                    ApiError::bad_request("invalid_last_event_id", "Last-Event-ID is an event id")
                })
        })
        .transpose()?;
    let cursor = match header.or(resume.last_event_id) {
        Some(id) => EventId(id),
        // A fresh console asks for waiting offers itself; the stream brings what's new.
        None => app.store.last_event_id(agent.id).await?,
    };
    let credential = Credential::of(&headers).ok_or_else(ApiError::unauthorized)?;
    let reader = Reader {
        news: app.wake.live.subscribe(),
        _open: OpenStream::new(),
        app,
        agent: agent.id,
        scope: Scope {
            agent: agent.id,
            admin: agent.is_admin,
        },
        credential,
        recheck: false,
        cursor,
        buffered: VecDeque::new(),
        caught_up: false,
        held_back: None,
    };
    let events = stream::unfold(reader, next_event);
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

async fn next_event(mut r: Reader) -> Option<(Result<Event, Infallible>, Reader)> {
    loop {
        if std::mem::take(&mut r.recheck) && !r.credential.signs_in(&r.app).await {
            return None;
        }
        if let Some(event) = r.buffered.pop_front() {
            r.recheck = event.kind == "signed_out";
            let sse = render(&r.app, r.scope, event).await;
            return Some((Ok(sse), r));
        }
        if !r.caught_up {
            match r
                .app
                .store
                .events_after(r.agent, r.cursor, READ_BATCH)
                .await
            {
                Ok(read) => {
                    let events = read.events;
                    r.caught_up = (events.len() as i64) < READ_BATCH;
                    r.held_back = read.held_back;
                    r.cursor = events.last().map(|e| e.id).unwrap_or(r.cursor);
                    r.buffered.extend(events);
                    if !r.buffered.is_empty() {
                        continue;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot read a live stream's events"),
            }
        }
        // News sent while the stream read or wrote is still queued in the receiver,
        // so waiting here misses nothing. News that never came (another instance's
        // lost NOTIFY) is found by the instance's watch (`live::watch`), not by each
        // stream looking on its own.
        r.caught_up = false;
        // A stream whose events are held back (PostgreSQL: an earlier transaction is
        // still running) asks whether they are settled as often as the store's answer
        // may be old. Made once: news for other agents does not put it off.
        let first_check = tokio::time::Instant::now() + SETTLED_CHECK;
        let mut check = tokio::time::interval_at(first_check, SETTLED_CHECK);
        check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = r.app.stopping.cancelled() => return None,
                _ = check.tick(), if r.held_back.is_some() => {
                    // An error is left to the read, which logs it.
                    let tx = r.held_back.unwrap_or_default();
                    if r.app.store.settled(tx).await.unwrap_or(true) {
                        break;
                    }
                }
                news = r.news.recv() => match news {
                    Ok(news) if !news.concerns(r.agent) => continue,
                    // News for this agent, or missed news: look.
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            }
        }
    }
}

/// The event as the console reads it: what the store recorded, plus the item as it
/// is now for item events.
async fn render(app: &App, scope: Scope, event: AgentEvent) -> Event {
    let mut data = json!({
        "id": event.id,
        "kind": event.kind,
        "conversation_id": event.conversation_id,
        "payload": event.payload,
        "created_at_ms": event.created_at,
    });
    // The console draws an offer's banner from the event itself: server-rendered, with
    // no second request on the way from the webhook to the agent's screen.
    if event.kind == "offer" {
        if let Ok(offer) = serde_json::from_value::<igdesk_store::Offer>(event.payload.clone()) {
            if let Some(html) = crate::web::fragments::offer_article(app, &offer) {
                data["html"] = json!(html);
            }
        }
    }
    // A mention comes with its notice drawn, the same way.
    if event.kind == igdesk_store::EVENT_MENTION {
        if let Some(html) = crate::web::fragments::mention_notice(event.id.0, &event.payload) {
            data["html"] = json!(html);
        }
    }
    if let Some(item) = event.item_id {
        data["item_id"] = json!(item);
        if let Ok(Some(found)) = app.store.item_for_job(item).await {
            if let Ok(Some(c)) = app.store.customer(scope, found.customer_id).await {
                let name = display_name(Some(&c.name), &c.igsid);
                if let Ok(views) = load_views(app, &[item], &name).await {
                    data["item"] = json!(views.first());
                }
            }
        }
    }
    Event::default()
        .id(event.id.0.to_string())
        .event(event.kind)
        .data(data.to_string())
}

/// Counts open streams for the metrics, however a stream ends.
struct OpenStream;

impl OpenStream {
    fn new() -> Self {
        metrics::gauge!("igdesk_live_streams").increment(1.0);
        OpenStream
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        metrics::gauge!("igdesk_live_streams").decrement(1.0);
    }
}
