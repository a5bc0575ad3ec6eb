//! `import_history`: on connecting an account, its conversations come in through
//! the Conversations API (ACC-7), so agents see what was said before igdesk. The
//! threads are read a page at a time, following Meta's cursors to the last; Meta
//! gives the 20 newest messages of each thread. A page's messages and the cursor
//! after it are stored in one transaction, so an import that is interrupted (a
//! restart, Meta unavailable) resumes at the page it stopped at, and one that
//! finished is not done again. Messages are keyed by Meta's id like webhooks, so
//! one that also arrives by webhook is stored once.
//!
//! A message becomes the item the webhook path makes of it (`mapping`): its
//! attachments, shares and the Story it mentions or replies to come with it, and
//! the customer's reactions are recorded as reactions.

use super::mapping::message_item;
use super::Outcome;
use crate::app::App;
use crate::now_ms;
use igdesk_domain::changes::{Change, ChangeKind, ConversationEffect};
use igdesk_domain::timeline::{Attachment, Direction, ItemStatus, ReplyTo, Source};
use igdesk_domain::{Igsid, Mid, Millis};
use igdesk_meta::graph::{HistoryMessage, HistoryThread};
use igdesk_meta::webhook::InboundMessage;
use igdesk_meta::{ErrorAction, GraphError};
use igdesk_store::{Account, HistoryPage, Job};
use std::time::Duration;
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::OffsetDateTime;

/// Pages read in one run of the job; the rest is the next run's (the job stays
/// well within its lease, and a shutdown does not wait long for it).
const PAGES_PER_RUN: usize = 10;
/// Meta allows the Conversations API two calls a second per account.
const CALL_EVERY: Duration = Duration::from_millis(500);

pub async fn import(app: &App, job: &Job) -> Outcome {
    let account = match super::account_of(app, job).await {
        Ok(account) => account,
        Err(outcome) => return outcome,
    };
    let auth = match app.auth_for(&account) {
        Ok(auth) => auth,
        Err(e) => return Outcome::GiveUp(e.to_string()),
    };
    let mut cursor = match app.store.history_progress(account.id).await {
        Ok(Some(progress)) if progress.finished() => return Outcome::Done,
        Ok(progress) => progress.and_then(|p| p.cursor),
        Err(e) => return later(e, None),
    };
    for page_number in 0..PAGES_PER_RUN {
        if page_number > 0 {
            tokio::time::sleep(CALL_EVERY).await;
        }
        let page = match app.graph.conversations(&auth, cursor.as_deref()).await {
            Ok(page) => page,
            Err(e) => return graph_failed(app, &account, e).await,
        };
        let changes = history_changes(&account, &page.threads, now_ms());
        let messages = page
            .threads
            .iter()
            .filter_map(|t| t.messages.as_ref())
            .map(|m| m.data.len() as i64)
            .sum();
        let recorded = HistoryPage {
            account: account.id,
            changes: &changes,
            threads: page.threads.len() as i64,
            messages,
            next: page.after.as_deref(),
        };
        match app.store.record_history_page(recorded, now_ms()).await {
            Ok(applied) => {
                tracing::info!(account = %account.ig_id, threads = page.threads.len(), added = applied.items_added.len(), "history page imported");
                app.wake.profiles.notify_waiters();
            }
            Err(e) => return later(e, None),
        }
        match page.after {
            Some(after) => cursor = Some(after),
            None => {
                tracing::info!(account = %account.ig_id, "history imported");
                return Outcome::Done;
            }
        }
    }
    // More pages: the next run goes on after Meta's pace.
    Outcome::Again(now_ms() + CALL_EVERY.as_millis() as Millis)
}

/// Tried again from the cursor, with the usual backoff (or Meta's own wait). Every
/// run counts as an attempt, a long import's runs too: the import's job may make
/// [`super::HISTORY_ATTEMPTS`] of them.
fn later(error: impl std::fmt::Display, after: Option<Millis>) -> Outcome {
    Outcome::Retry {
        error: error.to_string(),
        after,
    }
}

async fn graph_failed(app: &App, account: &Account, e: GraphError) -> Outcome {
    match e.action() {
        ErrorAction::RetryLater | ErrorAction::BackOff => {
            let after = e.retry_after().map(|d| d.as_millis() as Millis);
            later(e, after)
        }
        ErrorAction::Reconnect => {
            let _ = app
                .store
                .mark_needs_reconnect(account.id, &account.token_sealed, &e.to_string())
                .await;
            Outcome::GiveUp(e.to_string())
        }
        ErrorAction::GiveUp => Outcome::GiveUp(e.to_string()),
    }
}

/// Meta's time, `2026-11-21T08:00:00+0000` (or RFC 3339), in milliseconds.
pub(super) fn parse_time(text: &str) -> Option<Millis> {
    OffsetDateTime::parse(text, &Iso8601::DEFAULT)
        .or_else(|_| OffsetDateTime::parse(text, &Rfc3339))
        .ok()
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as Millis)
}

/// Each message as an item on its customer's timeline, with the customer's
/// reactions on it; nothing opens a conversation. Oldest first across all threads
/// (Meta lists them newest first), so items are stored in the order they were
/// written, as search's newest-first order assumes.
pub fn history_changes(account: &Account, threads: &[HistoryThread], now: Millis) -> Vec<Change> {
    let business = [account.ig_id.as_str(), account.page_id.as_str()];
    let mut changes = Vec::new();
    for thread in threads {
        let Some(messages) = &thread.messages else {
            continue;
        };
        for m in &messages.data {
            let Some(from) = &m.from else { continue };
            let outgoing = business.contains(&from.id.as_str());
            let customer = if outgoing {
                match m.to.as_ref().and_then(|to| to.data.first()) {
                    Some(to) => to.id.clone(),
                    None => continue,
                }
            } else {
                from.id.clone()
            };
            let at = m
                .created_time
                .as_deref()
                .and_then(parse_time)
                .unwrap_or(now);
            let mut item = message_item(&as_inbound(m), at);
            item.context.imported = true;
            let kind = if outgoing {
                item.direction = Direction::Out;
                item.source = Source::InstagramApp;
                item.status = ItemStatus::Sent;
                // As its echo would: a message igdesk is sending right now (Meta
                // has it, igdesk has not recorded Meta's answer yet) is completed,
                // not added again as the Instagram app's; the business's own
                // messages appear only with echo on (ACC-3).
                ChangeKind::Echo {
                    igsid: Igsid(customer.clone()),
                    item,
                    show_unmatched: account.settings.echo,
                }
            } else {
                ChangeKind::AddItem {
                    igsid: Igsid(customer.clone()),
                    username: from.username.clone(),
                    conversation: ConversationEffect::None,
                    item,
                    refresh_profile: true,
                }
            };
            changes.push(Change {
                account: Some(account.id),
                kind,
            });
            // The customer's reactions are kept either way, as a webhook's are.
            changes.extend(reactions(account, m, &customer, at));
        }
    }
    changes.sort_by_key(|change| match &change.kind {
        ChangeKind::AddItem { item, .. } | ChangeKind::Echo { item, .. } => item.created_at,
        ChangeKind::React { at, .. } => *at,
        _ => now,
    });
    changes
}

/// A Conversations API message as a webhook's message: what the webhook path
/// makes an item of. One with nothing igdesk can show (no text, file, share or
/// Story) is an unsupported message, never an empty item.
fn as_inbound(m: &HistoryMessage) -> InboundMessage {
    let mut attachments: Vec<Attachment> = m
        .attachments
        .iter()
        .flat_map(|page| &page.data)
        .filter_map(|a| {
            let audio = a
                .mime_type
                .as_deref()
                .is_some_and(|t| t.starts_with("audio"));
            let (kind, url) = if let Some(image) = &a.image_data {
                ("image", image.url.clone())
            } else if let Some(video) = &a.video_data {
                (if audio { "audio" } else { "video" }, video.url.clone())
            } else {
                ("file", Some(a.file_url.clone()?))
            };
            Some(Attachment {
                kind: kind.into(),
                url,
                title: a.name.clone(),
                media_id: None,
            })
        })
        .collect();
    attachments.extend(
        m.shares
            .iter()
            .flat_map(|page| &page.data)
            .map(|share| Attachment {
                kind: "share".into(),
                url: share.link.clone(),
                title: share.name.clone(),
                media_id: None,
            }),
    );
    let story = m.story.as_ref();
    if let Some(mention) = story.and_then(|s| s.mention.as_ref()) {
        attachments.push(Attachment {
            kind: "story_mention".into(),
            url: mention.link.clone(),
            title: None,
            media_id: mention.id.clone(),
        });
    }
    let reply_to = story
        .and_then(|s| s.reply_to.as_ref())
        .map(|s| ReplyTo::Story {
            id: s.id.clone(),
            url: s.link.clone(),
        });
    let text = m.message.clone().filter(|t| !t.is_empty());
    let empty = text.is_none() && attachments.is_empty() && reply_to.is_none();
    InboundMessage {
        mid: m.id.clone(),
        text,
        attachments,
        reply_to,
        quick_reply_payload: None,
        referral: None,
        is_echo: false,
        is_unsupported: m.is_unsupported.unwrap_or(false) || empty,
    }
}

/// The customer's reactions on a message (Meta lists the emoji and who reacted),
/// as a webhook's reaction is recorded: `love` for a heart, `other` with the emoji.
fn reactions(account: &Account, m: &HistoryMessage, customer: &str, at: Millis) -> Vec<Change> {
    let list = m.reactions.iter().flat_map(|page| &page.data);
    list.filter(|r| r.users.iter().any(|u| u.id == customer))
        .map(|r| {
            let emoji = r.reaction.clone();
            let heart = emoji
                .as_deref()
                .is_some_and(|e| e.trim_end_matches('\u{fe0f}') == "❤");
            Change {
                account: Some(account.id),
                kind: ChangeKind::React {
                    igsid: Igsid(customer.to_owned()),
                    mid: Mid(m.id.clone()),
                    reaction: Some(if heart { "love" } else { "other" }.into()),
                    emoji,
                    at,
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::as_inbound;
    use igdesk_meta::graph::{HistoryMessage, MediaData, MessageAttachment, Page};

    #[test]
    fn meta_times_parse() {
        assert_eq!(
            super::parse_time("2024-10-27T03:33:20+0000"),
            Some(1_730_000_000_000)
        );
        assert_eq!(
            super::parse_time("2024-10-27T03:33:20Z"),
            Some(1_730_000_000_000)
        );
        assert_eq!(super::parse_time("yesterday"), None);
    }

    #[test]
    fn a_message_is_never_empty() {
        let audio = MessageAttachment {
            mime_type: Some("audio/mpeg".into()),
            video_data: Some(MediaData {
                url: Some("https://cdn.example/a.mp3".into()),
                preview_url: None,
            }),
            ..MessageAttachment::default()
        };
        let voice = HistoryMessage {
            id: "m1".into(),
            message: Some(String::new()),
            attachments: Some(Page {
                data: vec![audio],
                paging: None,
            }),
            ..HistoryMessage::default()
        };
        let inbound = as_inbound(&voice);
        assert_eq!((inbound.text, inbound.is_unsupported), (None, false));
        assert_eq!(inbound.attachments[0].kind, "audio");
        let blank = HistoryMessage {
            id: "m2".into(),
            ..HistoryMessage::default()
        };
        assert!(as_inbound(&blank).is_unsupported, "shown as unsupported");
    }
}
