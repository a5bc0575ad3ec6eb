//! `import_history`: on connecting an account, its recent conversations come in
//! through the Conversations API (Meta gives the 20 newest messages of each thread),
//! so agents see what was said before igdesk (ACC-7). Messages are keyed by Meta's id
//! like webhooks, so one that also arrives by webhook is stored once.

use super::Outcome;
use crate::app::App;
use crate::now_ms;
use igdesk_domain::changes::{Change, ChangeKind, ConversationEffect, NewItem};
use igdesk_domain::timeline::{Direction, ItemContext, ItemKind, ItemStatus, Source};
use igdesk_domain::{Igsid, Mid, Millis};
use igdesk_meta::graph::HistoryThread;
use igdesk_meta::ErrorAction;
use igdesk_store::{Account, Job};
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::OffsetDateTime;

pub async fn import(app: &App, job: &Job) -> Outcome {
    let account = match super::account_of(app, job).await {
        Ok(account) => account,
        Err(outcome) => return outcome,
    };
    let id = account.id;
    let auth = match app.auth_for(&account) {
        Ok(auth) => auth,
        Err(e) => return Outcome::GiveUp(e.to_string()),
    };
    let threads = match app.graph.conversations(&auth).await {
        Ok(threads) => threads,
        Err(e) => {
            return match e.action() {
                ErrorAction::RetryLater | ErrorAction::BackOff => Outcome::Retry {
                    error: e.to_string(),
                    after: e.retry_after().map(|d| d.as_millis() as i64),
                },
                ErrorAction::Reconnect => {
                    let _ = app
                        .store
                        .mark_needs_reconnect(id, &account.token_sealed, &e.to_string())
                        .await;
                    Outcome::GiveUp(e.to_string())
                }
                ErrorAction::GiveUp => Outcome::GiveUp(e.to_string()),
            }
        }
    };
    let changes = history_changes(&account, &threads, now_ms());
    match app.store.apply_changes(&changes, now_ms()).await {
        Ok(applied) => {
            tracing::info!(account = %account.ig_id, threads = threads.len(), added = applied.items_added.len(), "history imported");
            app.wake.profiles.notify_waiters();
            Outcome::Done
        }
        Err(e) => Outcome::retry(e),
    }
}

/// Meta's time, `2026-11-21T08:00:00+0000` (or RFC 3339), in milliseconds.
pub(super) fn parse_time(text: &str) -> Option<Millis> {
    OffsetDateTime::parse(text, &Iso8601::DEFAULT)
        .or_else(|_| OffsetDateTime::parse(text, &Rfc3339))
        .ok()
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as Millis)
}

/// Each message as an item on its customer's timeline; nothing opens a conversation.
/// Oldest first across all threads (Meta lists them newest first), so items are
/// stored in the order they were written, as search's newest-first order assumes.
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
            if outgoing && !account.settings.echo {
                // The business's own messages appear only with echo on (ACC-3).
                continue;
            }
            let customer = if outgoing {
                match m.to.as_ref().and_then(|to| to.data.first()) {
                    Some(to) => to.id.clone(),
                    None => continue,
                }
            } else {
                from.id.clone()
            };
            let item = NewItem {
                kind: ItemKind::Message,
                direction: if outgoing {
                    Direction::Out
                } else {
                    Direction::In
                },
                source: if outgoing {
                    Source::InstagramApp
                } else {
                    Source::Customer
                },
                mid: Mid(m.id.clone()),
                text: m.message.clone().filter(|t| !t.is_empty()),
                attachments: vec![],
                reply_to: None,
                context: ItemContext {
                    imported: true,
                    ..ItemContext::default()
                },
                status: if outgoing {
                    ItemStatus::Sent
                } else {
                    ItemStatus::Received
                },
                raw: None,
                created_at: m
                    .created_time
                    .as_deref()
                    .and_then(parse_time)
                    .unwrap_or(now),
            };
            changes.push(Change {
                account: Some(account.id),
                kind: ChangeKind::AddItem {
                    igsid: Igsid(customer),
                    username: (!outgoing).then(|| from.username.clone()).flatten(),
                    conversation: ConversationEffect::None,
                    item,
                    refresh_profile: !outgoing,
                },
            });
        }
    }
    changes.sort_by_key(|change| match &change.kind {
        ChangeKind::AddItem { item, .. } => item.created_at,
        _ => now,
    });
    changes
}

#[cfg(test)]
mod tests {
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
}
