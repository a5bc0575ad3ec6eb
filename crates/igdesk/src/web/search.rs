//! `/search`: the top bar's search box. People first, then messages with the words
//! that matched marked and a link into the timeline at that item; both through
//! `service::search`, as `GET /api/v1/search`.

use super::desk::{frame, Frame};
use super::session::Signed;
use super::{render, Failed};
use crate::api::views::rfc3339;
use crate::app::App;
use crate::service::search::{self as service, Piece, Search, SearchKind};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use igdesk_domain::Millis;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    kind: Option<String>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    frame: Frame,
    q: String,
    /// `all`, `people` or `messages`.
    kind: &'static str,
    error: Option<String>,
    people: Vec<PersonRow>,
    messages: Vec<MessageRow>,
    /// The link to the next page, when there is one.
    next: Option<String>,
    /// Links to every person or every message found, from the first page of both.
    more_people: Option<String>,
    more_messages: Option<String>,
    searched: bool,
}

struct PersonRow {
    id: i64,
    name: String,
    username: Option<String>,
    igsid: String,
    phone: Option<String>,
    email: Option<String>,
}

struct MessageRow {
    customer_id: i64,
    item_id: i64,
    /// "Comment", "Note", "Message" …, and who wrote it.
    label: String,
    when: String,
    excerpt: Vec<Piece>,
}

pub async fn page(
    State(app): State<App>,
    signed: Signed,
    Query(query): Query<SearchQuery>,
) -> Result<Response, Failed> {
    let mut frame = frame(&app, &signed, "Search", &["desk.js"]).await?;
    frame.search = query.q.clone();
    let mut page = SearchPage {
        frame,
        q: query.q.trim().to_owned(),
        kind: "all",
        error: None,
        people: Vec::new(),
        messages: Vec::new(),
        next: None,
        more_people: None,
        more_messages: None,
        searched: false,
    };
    if query.q.trim().is_empty() {
        return Ok(render(StatusCode::OK, page));
    }
    let search = match Search::parse(
        &query.q,
        query.kind.as_deref(),
        None,
        query.cursor.as_deref(),
    ) {
        Ok(s) => s,
        Err(e) if e.field.is_some() => {
            page.error = Some(e.message);
            return Ok(render(StatusCode::BAD_REQUEST, page));
        }
        Err(e) => return Err(e.into()),
    };
    let found = service::search(&app, &signed.agent, &search).await?;
    page.searched = true;
    page.kind = search.kind.as_str();
    page.next = found.next.map(|n| link(&search.text, search.kind, Some(n)));
    if search.kind == SearchKind::All {
        if found.people.len() == search.limit {
            page.more_people = Some(link(&search.text, SearchKind::People, None));
        }
        if found.items.len() == search.limit {
            page.more_messages = Some(link(&search.text, SearchKind::Messages, None));
        }
    }
    page.people = found
        .people
        .into_iter()
        .map(|c| PersonRow {
            id: c.id.0,
            name: c.name,
            username: c.instagram.username,
            igsid: c.igsid,
            phone: c.phone.filter(|p| !p.is_empty()),
            email: c.email.filter(|e| !e.is_empty()),
        })
        .collect();
    page.messages = found
        .items
        .into_iter()
        .map(|f| MessageRow {
            customer_id: f.item.customer_id.0,
            item_id: f.item.id.0,
            label: label(&f.item.kind, &f.item.direction, &f.customer_name),
            when: when(f.item.created_at),
            excerpt: f.excerpt,
        })
        .collect();
    Ok(render(StatusCode::OK, page))
}

/// `/search?q=…&kind=…[&cursor=…]`, the text encoded by the URL library.
fn link(text: &str, kind: SearchKind, cursor: Option<i64>) -> String {
    let cursor = cursor.map(|c| c.to_string());
    let mut params = vec![("q", text), ("kind", kind.as_str())];
    if let Some(c) = &cursor {
        params.push(("cursor", c));
    }
    reqwest::Url::parse_with_params("http://igdesk/search", &params)
        .map(|u| format!("{}?{}", u.path(), u.query().unwrap_or_default()))
        .unwrap_or_else(|_| "/search".to_owned())
}

/// What the item is and who wrote it, as the timeline says it.
fn label(kind: &str, direction: &str, customer: &str) -> String {
    match (kind, direction) {
        ("note", _) => "Note from your team".to_owned(),
        ("comment", "in") => format!("Comment by {customer}"),
        ("comment", _) => "Comment reply".to_owned(),
        (_, "in") => format!("Message from {customer}"),
        _ => format!("Message to {customer}"),
    }
}

/// "2026-11-30 14:31 UTC".
fn when(at: Millis) -> String {
    format!(
        "{} UTC",
        rfc3339(at).get(..16).unwrap_or_default().replace('T', " ")
    )
}
