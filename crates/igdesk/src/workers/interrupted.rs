//! An attempt whose outcome is unknown: igdesk stopped (a crash, a kill) after
//! `mark_sending` and before it recorded Meta's answer. Meta may have the message;
//! its echo usually settles it within the echo grace, but Meta holds echoes back
//! for as long as webhook deliveries fail, so the absence of an echo proves
//! nothing. Before sending again, Meta's own record of the thread is asked: the
//! Conversations API lists a sent message at once.

use crate::app::App;
use igdesk_domain::Millis;
use igdesk_meta::graph::HistoryMessage;
use igdesk_meta::{AccountAuth, GraphError};
use igdesk_store::Outgoing;

/// Meta's clock and ours may disagree by this much; its times are in whole seconds.
const CLOCK_SKEW: Millis = 5_000;

/// What Meta's record says of an interrupted attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum AtMeta {
    /// It went out, with this id.
    Sent(String),
    /// Nothing in the thread is it: sending again sends it once.
    NotSent,
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
    Ok(AtMeta::NotSent)
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
    }
}
