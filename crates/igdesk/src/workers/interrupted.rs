//! An attempt whose outcome is unknown: igdesk stopped (a crash, a kill) after
//! `mark_sending` and before it recorded Meta's answer. Meta may have the message;
//! its echo usually settles it within the echo grace, but Meta holds echoes back
//! for as long as webhook deliveries fail, so the absence of an echo proves
//! nothing. Before sending again, Meta's own record of the thread is asked: the
//! Conversations API lists a sent message at once. But it lists only a thread's 20
//! newest messages: when those do not reach back to the attempt (the customer kept
//! writing while the answer was awaited), the attempt's absence from them proves
//! nothing either, and sending again could send it twice (the crash soak did). Then
//! only its echo can tell: it gets one more echo grace, and without an echo the
//! message fails with the reason rather than risk going twice.

use crate::app::App;
use igdesk_domain::{ItemId, Millis};
use igdesk_meta::graph::HistoryMessage;
use igdesk_meta::{AccountAuth, GraphError};
use igdesk_store::Outgoing;
use std::collections::HashMap;
use std::sync::Mutex;

/// Meta's clock and ours may disagree by this much; its times are in whole seconds.
const CLOCK_SKEW: Millis = 5_000;
/// Meta gives the details of a thread's 20 newest messages, no older ones.
const META_LISTS: usize = 20;

/// What Meta's record says of an interrupted attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum AtMeta {
    /// It went out, with this id.
    Sent(String),
    /// Nothing in the thread is it: sending again sends it once.
    NotSent,
    /// The messages Meta lists are all newer than the attempt: whether it went out
    /// cannot be told from them. Its echo can still tell.
    OutOfSight,
}

pub async fn look_up(app: &App, auth: &AccountAuth, out: &Outgoing) -> Result<AtMeta, LookUpError> {
    let since = out.sending_since.unwrap_or(out.queued_at);
    let messages = app.graph.thread_with(auth, &out.igsid).await?;
    // Oldest first: of two alike, the earlier one is the earlier attempt's.
    for candidate in matching(&messages, out, since).into_iter().rev() {
        if !app.store.mid_stored(out.account_id, &candidate.id).await? {
            return Ok(AtMeta::Sent(candidate.id.clone()));
        }
    }
    if reaches_back(&messages, since) {
        Ok(AtMeta::NotSent)
    } else {
        Ok(AtMeta::OutOfSight)
    }
}

/// Whether the listed messages cover everything since the attempt began: the whole
/// thread is listed, or its oldest listed message is older than the attempt.
fn reaches_back(messages: &[HistoryMessage], since: Millis) -> bool {
    messages.len() < META_LISTS
        || messages
            .iter()
            .filter_map(|m| {
                m.created_time
                    .as_deref()
                    .and_then(super::history::parse_time)
            })
            .any(|at| at < since - CLOCK_SKEW)
}

/// The business's messages in the thread (newest first) that can be this attempt:
/// the same text (none for an image), sent since the attempt began.
fn matching<'a>(
    messages: &'a [HistoryMessage],
    out: &Outgoing,
    since: Millis,
) -> Vec<&'a HistoryMessage> {
    let text = out.message["text"].as_str().unwrap_or_default();
    messages
        .iter()
        .filter(|m| m.from.as_ref().is_some_and(|from| from.id != out.igsid))
        .filter(|m| m.message.as_deref().unwrap_or_default() == text)
        .filter(|m| {
            m.created_time
                .as_deref()
                .and_then(super::history::parse_time)
                .is_some_and(|at| at >= since - CLOCK_SKEW)
        })
        .collect()
}

/// When this instance first found each interrupted attempt out of sight in Meta's
/// record: from then on it waits one echo grace for the attempt's echo, not longer.
/// Kept in memory: an instance that starts again has Meta's held echoes coming, and
/// gives them their grace anew.
/// Longer than the longest echo grace a setting allows (an hour) and the retries
/// around it.
const FORGET_AFTER: Millis = 2 * 60 * 60_000;

#[derive(Default)]
pub struct OutOfSight(Mutex<HashMap<ItemId, Millis>>);

impl OutOfSight {
    /// When `item` was first found out of sight (now, if this is the first time).
    /// An attempt settled meanwhile by its echo is never asked about again: entries
    /// older than any wait are dropped here, so the map stays small.
    pub fn since(&self, item: ItemId, now: Millis) -> Millis {
        let mut waiting = self.lock();
        waiting.retain(|_, first| now - *first < FORGET_AFTER);
        *waiting.entry(item).or_insert(now)
    }

    pub fn forget(&self, item: ItemId) {
        self.lock().remove(&item);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ItemId, Millis>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LookUpError {
    #[error("cannot ask Meta whether an interrupted attempt went out: {0}")]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Store(#[from] igdesk_store::StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use igdesk_meta::graph::Party;

    fn sent(id: &str, from: &str, text: &str, time: &str) -> HistoryMessage {
        HistoryMessage {
            id: id.into(),
            created_time: Some(time.into()),
            from: Some(Party {
                id: from.into(),
                username: None,
            }),
            to: None,
            message: Some(text.into()),
            ..HistoryMessage::default()
        }
    }

    fn outgoing(text: Option<&str>, sending_since: Millis) -> Outgoing {
        let message = match text {
            Some(text) => serde_json::json!({ "text": text }),
            None => {
                serde_json::json!({ "attachment": { "type": "image", "payload": { "url": "x" } } })
            }
        };
        Outgoing {
            item: igdesk_domain::ItemId(1),
            account_id: igdesk_domain::AccountId(1),
            customer_id: igdesk_domain::CustomerId(1),
            igsid: "555".into(),
            lane: "console".into(),
            author: "human".into(),
            message,
            comment_id: None,
            state: "sending".into(),
            attempts: 1,
            sending_since: Some(sending_since),
            customer_last_message_at: None,
            queued_at: sending_since,
            valid_until: None,
        }
    }

    // 2026-11-21T08:00:00Z
    const AT: Millis = 1_795_248_000_000;

    #[test]
    fn the_business_message_with_the_same_text_since_the_attempt_matches() {
        let thread = [
            sent("m4", "555", "thanks!", "2026-11-21T08:00:09+0000"),
            sent("m3", "1784", "hello", "2026-11-21T08:00:02+0000"),
            sent("m2", "1784", "other", "2026-11-21T08:00:01+0000"),
            sent("m1", "1784", "hello", "2026-11-21T07:00:00+0000"),
        ];
        let found: Vec<&str> = matching(&thread, &outgoing(Some("hello"), AT), AT)
            .iter()
            .map(|m| m.id.as_str())
            .collect();
        assert_eq!(
            found,
            ["m3"],
            "not the customer's, not another text, not an hour ago"
        );
    }

    #[test]
    fn an_image_matches_a_message_without_text() {
        let thread = [
            sent("m2", "1784", "", "2026-11-21T08:00:00+0000"),
            sent("m1", "555", "", "2026-11-21T08:00:00+0000"),
        ];
        let found = matching(&thread, &outgoing(None, AT), AT);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "m2");
    }

    #[test]
    fn nothing_in_the_thread_is_not_sent() {
        assert!(matching(&[], &outgoing(Some("hello"), AT), AT).is_empty());
        assert!(reaches_back(&[], AT));
    }

    /// `n` customer messages, the oldest `first_second` seconds after 08:00:00.
    fn chatter(n: u32, first_second: u32) -> Vec<HistoryMessage> {
        (0..n)
            .rev()
            .map(|i| {
                let at = format!(
                    "2026-11-21T08:{:02}:{:02}+0000",
                    (first_second + i) / 60,
                    (first_second + i) % 60
                );
                sent(&format!("c{i}"), "555", "more", &at)
            })
            .collect()
    }

    #[test]
    fn twenty_messages_all_newer_than_the_attempt_cannot_tell() {
        // The attempt began at 08:00:00; the customer wrote 20 times from 08:00:10.
        assert!(
            !reaches_back(&chatter(20, 10), AT),
            "20 newer: out of sight"
        );
        assert!(
            reaches_back(&chatter(19, 10), AT),
            "the whole thread is listed"
        );
        // An attempt at 08:00:10 among messages from 08:00:00 on is within sight.
        assert!(
            reaches_back(&chatter(20, 0), AT + 10_000),
            "the oldest listed is older than the attempt"
        );
    }
}
