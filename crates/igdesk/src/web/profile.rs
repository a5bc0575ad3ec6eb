//! The customer profile (SPEC UI-2, UI-3): who the person is, their whole timeline,
//! and the composer at its foot.

use super::desk::{frame, Frame};
use super::item::{card, quotes, ItemCard};
use super::session::{Posted, Signed};
use super::{render, Failed};
use crate::app::App;
use crate::service::error::{Kind, ServiceError};
use crate::service::seen;
use crate::service::{answering, notes};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use igdesk_domain::{CustomerId, ItemId, Millis};
use igdesk_store::{Conversation, Customer, TimelineItem};
use serde::Deserialize;

/// Items drawn with the page; older ones come when the agent scrolls up.
pub const PAGE_ITEMS: usize = 60;

pub struct CustomerCard {
    pub id: i64,
    pub name: String,
    pub username: Option<String>,
    pub igsid: String,
    pub picture: Option<String>,
    pub verified: bool,
    pub followers: Option<String>,
    pub follows_business: Option<bool>,
    pub business_follows: Option<bool>,
    pub phone: String,
    pub email: String,
    pub notes: String,
}

pub struct OpenConversation {
    pub id: i64,
    pub mine: bool,
    pub topics: Vec<String>,
}

pub struct TopicOption {
    pub id: i64,
    pub name: String,
    pub chosen: bool,
}

/// A quiet line between chapters of the timeline.
pub struct Divider {
    pub before_item: i64,
    pub text: String,
}

#[derive(Template)]
#[template(path = "profile.html")]
pub struct ProfilePage {
    frame: Frame,
    customer: CustomerCard,
    conversation: Option<OpenConversation>,
    items: Vec<ItemCard>,
    dividers: Vec<Divider>,
    older_before: Option<i64>,
    /// The last incoming item: what No Reply Needed marks.
    last_incoming: Option<i64>,
    needs_topic: bool,
    topics: Vec<TopicOption>,
    draft: String,
    error: Option<String>,
    /// The composer writes an internal note (a refused note is drawn again so).
    note_mode: bool,
    /// The Transfer dialog, for whoever may hand the open conversation over.
    transfer: Option<super::transfer::TransferDialog>,
    transfer_lines: Vec<super::transfer::TransferLine>,
    /// The customer's labels, and every label the agent knows (suggestions).
    labels: Vec<String>,
    label_names: Vec<String>,
    /// A label refused without scripts: what was typed and why, beside the field.
    label_draft: String,
    label_error: Option<String>,
    /// The company's accounts they follow and are followed by (several accounts).
    company: Option<super::follows::CompanyLists>,
}

impl ProfilePage {
    fn transfers_after(&self, item: &i64) -> Vec<&str> {
        self.transfer_lines
            .iter()
            .filter(|l| l.after_item == *item)
            .map(|l| l.text.as_str())
            .collect()
    }

    fn divider_before(&self, item: &i64) -> Option<&str> {
        self.dividers
            .iter()
            .find(|d| d.before_item == *item)
            .map(|d| d.text.as_str())
    }
}

fn customer_card(c: &Customer) -> CustomerCard {
    let ig = &c.instagram;
    CustomerCard {
        id: c.id.0,
        name: c.name.clone(),
        username: ig.username.clone(),
        igsid: c.igsid.clone(),
        picture: ig.profile_pic.clone(),
        verified: ig.is_verified == Some(true),
        followers: ig.follower_count.map(followers),
        follows_business: ig.follows_business,
        business_follows: ig.business_follows,
        phone: c.phone.clone().unwrap_or_default(),
        email: c.email.clone().unwrap_or_default(),
        notes: c.notes.clone().unwrap_or_default(),
    }
}

/// 950, 12.4k, 3.1M: as Instagram shows a follower count.
fn followers(n: i64) -> String {
    match n {
        ..=999 => n.to_string(),
        1_000..=9_999 => format!("{},{:03}", n / 1000, n % 1000),
        10_000..=999_999 => format!("{:.1}k", n as f64 / 1000.0).replace(".0k", "k"),
        _ => format!("{:.1}M", n as f64 / 1_000_000.0).replace(".0M", "M"),
    }
}

/// Chapters: where each conversation opened and how it ended.
fn dividers(items: &[TimelineItem], conversations: &[Conversation], agent: &str) -> Vec<Divider> {
    let mut out = Vec::new();
    let mut seen = None;
    for item in items {
        let Some(conversation) = item.conversation_id else {
            continue;
        };
        if seen == Some(conversation) {
            continue;
        }
        if let Some(previous) = seen.and_then(|p| conversations.iter().find(|c| c.id == p)) {
            if let Some(ended) = ended_words(previous) {
                out.push(Divider {
                    before_item: item.id.0,
                    text: ended,
                });
            }
        }
        seen = Some(conversation);
        let mut text = "Conversation opened".to_owned();
        if let Some(c) = conversations.iter().find(|c| c.id == conversation) {
            match (&c.routed_reason, c.agent_id) {
                (Some(reason), _) => text.push_str(&format!(" · {reason}")),
                (None, Some(_)) => text.push_str(&format!(" · Routed to {agent}")),
                (None, None) => {}
            }
        }
        // The opening line goes before the first item; an ending one may already be there.
        match out.iter_mut().find(|d| d.before_item == item.id.0) {
            Some(d) => d.text = format!("{} — {text}", d.text),
            None => out.push(Divider {
                before_item: item.id.0,
                text,
            }),
        }
    }
    out
}

fn ended_words(c: &Conversation) -> Option<String> {
    Some(match c.ended_by.as_deref()? {
        "agent" => "Conversation closed".to_owned(),
        "no_reply_needed" => "Ended · No Reply Needed".to_owned(),
        "auto_end" => "Ended · the customer went quiet".to_owned(),
        "api" => "Ended · taken back by the API".to_owned(),
        other => format!("Ended · {other}"),
    })
}

async fn build(
    app: &App,
    signed: &Signed,
    id: CustomerId,
    draft: String,
    error: Option<String>,
    at: Option<ItemId>,
) -> Result<ProfilePage, ServiceError> {
    let scope = signed.agent.scope();
    let customer = app
        .store
        .customer(scope, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("customer"))?;
    let items = timeline_reaching(app, scope, id, at).await?;
    // Stories the customer may have deleted since are checked (not waited for).
    crate::service::stories::shown(app, &items);
    let conversations = app.store.customer_conversations(scope, id).await?;
    let open = conversations.iter().find(|c| c.state == "open");
    let mut frame = frame(
        app,
        signed,
        &customer.name,
        &["profile.js", "saved_answers.js", "transfer.js", "labels.js"],
    )
    .await?;
    frame.current_customer = id.0;
    let now: Millis = crate::now_ms();
    let quotes = quotes(&items);
    let cards = items
        .iter()
        .map(|i| card(i, &customer.name, &quotes, now, signed.agent.id))
        .collect();
    let last_incoming = items
        .iter()
        .rev()
        .find(|i| i.direction == "in" && open.is_some_and(|o| Some(o.id) == i.conversation_id))
        .map(|i| i.id.0);
    Ok(ProfilePage {
        dividers: dividers(&items, &conversations, "you"),
        // A full page may have older items before it.
        older_before: (!items.is_empty() && items.len() % PAGE_ITEMS == 0).then(|| items[0].id.0),
        conversation: open.map(|c| OpenConversation {
            id: c.id.0,
            mine: c.agent_id == Some(signed.agent.id),
            topics: c.topics.clone(),
        }),
        needs_topic: app.store.reply_needs_topic(scope, id).await?,
        topics: app
            .store
            .topics()
            .await?
            .into_iter()
            .map(|t| TopicOption {
                chosen: open.is_some_and(|c| c.topics.contains(&t.name)),
                id: t.id.0,
                name: t.name,
            })
            .collect(),
        company: super::follows::lists(app, scope, id).await?,
        customer: customer_card(&customer),
        items: cards,
        last_incoming,
        draft,
        error,
        note_mode: false,
        transfer: super::transfer::dialog(app, &signed.agent, open).await?,
        transfer_lines: super::transfer::lines(app, &signed.agent, id, &items).await?,
        labels: crate::service::labels::of_customer(app, &signed.agent, id).await?,
        label_names: crate::service::labels::all(app, &signed.agent)
            .await?
            .into_iter()
            .map(|l| l.name)
            .collect(),
        label_draft: String::new(),
        label_error: None,
        frame,
    })
}

/// A label refused without scripts (the script shows the JSON API's refusal in the
/// same place): the customer's page again with the reason beside the field and what
/// was typed kept.
pub async fn label_refused(
    app: &App,
    signed: &Signed,
    id: CustomerId,
    draft: String,
    refusal: &str,
) -> Result<Response, Failed> {
    let mut page = build(app, signed, id, String::new(), None, None).await?;
    page.label_draft = draft;
    page.label_error = Some(sentence(refusal));
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, page))
}

/// A search result opens the timeline at its item (`?item=`).
#[derive(Deserialize, Default)]
pub struct Jump {
    #[serde(default, deserialize_with = "item_or_none")]
    item: Option<ItemId>,
}

/// An id that is not a number opens the timeline at its newest items, as without one.
fn item_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ItemId>, D::Error> {
    Ok(String::deserialize(d)?.parse().ok().map(ItemId))
}

/// Pages read back from the newest at most, looking for a searched-for item.
const JUMP_PAGES: usize = 20;

/// The newest page of the timeline; when `at` is older than that, the pages back to
/// it (at most `JUMP_PAGES`), so the item is on the page and can be scrolled to.
async fn timeline_reaching(
    app: &App,
    scope: igdesk_store::Scope,
    id: CustomerId,
    at: Option<ItemId>,
) -> Result<Vec<TimelineItem>, ServiceError> {
    let mut items = app
        .store
        .timeline_page(scope, id, None, PAGE_ITEMS as i64)
        .await?
        .unwrap_or_default();
    let Some(at) = at else { return Ok(items) };
    for _ in 1..JUMP_PAGES {
        match items.first() {
            Some(oldest) if oldest.id > at && items.len() % PAGE_ITEMS == 0 => {
                let older = app
                    .store
                    .timeline_page(scope, id, Some(oldest.id), PAGE_ITEMS as i64)
                    .await?
                    .unwrap_or_default();
                items.splice(0..0, older);
            }
            _ => break,
        }
    }
    Ok(items)
}

pub async fn page(
    State(app): State<App>,
    signed: Signed,
    Path(id): Path<String>,
    Query(jump): Query<Jump>,
    Query(work): Query<super::views::WorkQuery>,
) -> Result<Response, Failed> {
    let id = customer_id(&id)?;
    let mut page = build(&app, &signed, id, String::new(), None, jump.item).await?;
    // The list keeps the view it was opened from.
    if !super::views::is_plain(&work) {
        super::views::apply(&app, &signed, &mut page.frame, &work).await?;
    }
    // An agent opened the conversation: Instagram shows the customer it was seen
    // (once per newest message; the service decides).
    if let Err(e) = seen::conversation_opened(&app, &signed.agent, id).await {
        tracing::warn!(error = %e, "cannot mark the conversation seen");
    }
    Ok(render(StatusCode::OK, page))
}

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    text: String,
    /// `note`: an internal note rather than a reply.
    #[serde(default)]
    mode: String,
}

/// Sending text without scripts: the same service the API uses, the reason beside
/// the composer when it is refused, and the text kept.
pub async fn reply(
    State(app): State<App>,
    Path(id): Path<String>,
    Posted { signed, form }: Posted<ReplyForm>,
) -> Result<Response, Failed> {
    let id = customer_id(&id)?;
    if form.mode == "note" {
        let refused = match notes::add(&app, &signed.agent, id, &form.text).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!("/customers/{}#composer", id.0)).into_response())
            }
            Err(e) if matches!(e.kind, Kind::NotFound | Kind::Internal) => return Err(e.into()),
            Err(e) => sentence(&e.message),
        };
        let mut page = build(&app, &signed, id, form.text, Some(refused), None).await?;
        page.note_mode = true;
        return Ok(render(StatusCode::BAD_REQUEST, page));
    }
    let text = Some(form.text.clone());
    let refused = match answering::reply_as_agent(&app, &signed.agent, id, text, Vec::new()).await {
        Ok(_) => return Ok(Redirect::to(&format!("/customers/{}#composer", id.0)).into_response()),
        Err(e) if matches!(e.kind, Kind::NotFound | Kind::Internal) => return Err(e.into()),
        Err(e) => sentence(&e.message),
    };
    let page = build(&app, &signed, id, form.text, Some(refused), None).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, page))
}

fn customer_id(raw: &str) -> Result<CustomerId, ServiceError> {
    raw.parse()
        .map(CustomerId)
        .map_err(|_| ServiceError::not_found("customer"))
}

/// A refusal as the page says it: a capital first letter and a full stop.
fn sentence(text: &str) -> String {
    let mut chars = text.trim().chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let mut out: String = first.to_uppercase().chain(chars).collect();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{followers, sentence};

    #[test]
    fn refusals_read_as_sentences() {
        assert_eq!(
            sentence("the text has 641 characters; at most 640 are allowed"),
            "The text has 641 characters; at most 640 are allowed."
        );
        assert_eq!(sentence("Done."), "Done.");
    }

    #[test]
    fn follower_counts_read_as_on_instagram() {
        assert_eq!(followers(950), "950");
        assert_eq!(followers(1_204), "1,204");
        assert_eq!(followers(12_400), "12.4k");
        assert_eq!(followers(20_000), "20k");
        assert_eq!(followers(3_100_000), "3.1M");
    }
}
