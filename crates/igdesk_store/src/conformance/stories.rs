//! Stories that vanish (IN-6): checks queued once per item, hourly only while the
//! customer has an open conversation, and a Story marked gone once, with its live
//! event for the agent working the conversation.

use super::{account, admin, apply, customer_of, message, T0};
use crate::model::*;
use crate::prelude::*;
use crate::stories::{JOB_CHECK_STORY, STORY_CHECK_EVERY};
use igdesk_domain::changes::{Change, ChangeKind, ConversationEffect};
use igdesk_domain::time::DAY;
use igdesk_domain::timeline::{Attachment, ItemKind};
use igdesk_domain::{AccountId, ItemId};

fn mention(account: AccountId, igsid: &str, mid: &str, at: i64, opens: bool) -> Change {
    let mut change = message(account, igsid, mid, "", at);
    if let ChangeKind::AddItem {
        item, conversation, ..
    } = &mut change.kind
    {
        item.kind = ItemKind::StoryMention;
        item.text = None;
        item.attachments = vec![Attachment {
            kind: "story_mention".into(),
            url: Some(format!("https://cdn.example/{mid}")),
            title: None,
            media_id: None,
        }];
        if !opens {
            *conversation = ConversationEffect::None;
        }
    }
    change
}

/// The checks waiting, claimed and completed: the items they are for.
async fn take_checks(store: &dyn Store, now: i64) -> Vec<String> {
    let jobs = store
        .claim_jobs(&[JOB_CHECK_STORY], 100, now, now + 1_000)
        .await
        .unwrap();
    let settled: Vec<_> = jobs.iter().map(|j| Settlement::Complete(j.id)).collect();
    store.settle_jobs(&settled).await.unwrap();
    let mut items: Vec<String> = jobs.into_iter().map(|j| j.payload).collect();
    items.sort();
    items
}

pub async fn a_story_is_checked_once_at_a_time_and_marked_gone_once(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    let ana = store
        .add_agent(
            NewAgent {
                email: "ana@x".into(),
                name: "Ana".into(),
                password_hash: "x".into(),
                is_admin: false,
                inboxes: vec!["Instagram".into()],
            },
            T0,
        )
        .await
        .unwrap();
    store.set_available(ana.id, true, T0).await.unwrap();
    apply(
        store,
        &[
            message(a.id, "555", "m1", "hi", T0),
            mention(a.id, "555", "s1", T0 + 1, true),
            // Kept on a profile with no open conversation: only checked when shown.
            mention(a.id, "777", "s2", T0 + 2, false),
        ],
    )
    .await;
    let offer = store.route(T0 + 3, 30_000, 10).await.unwrap().remove(0);
    store.accept_offer(ana.id, offer.id, T0 + 3).await.unwrap();
    let c = customer_of(store, scope, "555").await;
    let items = store.timeline(scope, c.id).await.unwrap().unwrap();
    let (text, story) = (items[0].id, items[1].id);
    assert_eq!(items[1].kind, "story_mention");
    let other = customer_of(store, scope, "777").await;
    let lone = store.timeline(scope, other.id).await.unwrap().unwrap()[0].id;
    let id = |item: ItemId| item.0.to_string();

    // Shown to an agent: Story mentions only, one waiting check per item.
    let now = T0 + 10;
    let shown = [text, story, lone];
    assert_eq!(
        store
            .queue_story_checks(&shown, T0 - DAY, now)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .queue_story_checks(&shown, T0 - DAY, now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(take_checks(store, now).await, {
        let mut both = vec![id(story), id(lone)];
        both.sort();
        both
    });
    // A Story past its day is not asked about.
    assert_eq!(
        store.queue_story_checks(&shown, T0 + 2, now).await.unwrap(),
        0
    );
    assert_eq!(store.queue_story_checks(&[], T0, now).await.unwrap(), 0);

    // Hourly, on open conversations: due an hour after it was posted, then an hour
    // after its last check.
    let due = |now: i64| store.queue_due_story_checks(T0 - DAY, now - STORY_CHECK_EVERY, now, 100);
    assert_eq!(
        due(T0 + STORY_CHECK_EVERY).await.unwrap(),
        0,
        "not an hour old"
    );
    let later = T0 + 1 + STORY_CHECK_EVERY;
    assert_eq!(
        due(later).await.unwrap(),
        1,
        "the open conversation's Story"
    );
    assert_eq!(due(later).await.unwrap(), 0, "one waits already");
    assert_eq!(take_checks(store, later).await, vec![id(story)]);
    store.story_checked(story, later).await.unwrap();
    assert_eq!(due(later + 1).await.unwrap(), 0, "checked just now");
    assert_eq!(due(later + STORY_CHECK_EVERY).await.unwrap(), 1);
    take_checks(store, later + STORY_CHECK_EVERY).await;
    let limited = store
        .queue_due_story_checks(T0 - DAY, later + STORY_CHECK_EVERY, later, 0)
        .await
        .unwrap();
    assert_eq!(limited, 0, "at most `limit`");

    // Gone: once, with an item_updated event for the agent of the conversation.
    let seen = store.last_event_id(ana.id).await.unwrap();
    let gone_at = later + STORY_CHECK_EVERY + 5;
    assert_eq!(
        store.mark_story_gone(story, gone_at).await.unwrap(),
        vec![ana.id]
    );
    assert!(store
        .mark_story_gone(story, gone_at + 1)
        .await
        .unwrap()
        .is_empty());
    assert!(
        store
            .mark_story_gone(text, gone_at)
            .await
            .unwrap()
            .is_empty(),
        "a message is no Story"
    );
    assert!(
        store
            .mark_story_gone(lone, gone_at)
            .await
            .unwrap()
            .is_empty(),
        "nobody works on that profile"
    );
    let events = store.events_after(ana.id, seen, 100).await.unwrap().events;
    let told: Vec<_> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.item_id, e.conversation_id))
        .collect();
    assert_eq!(
        told,
        vec![("item_updated", Some(story), items[1].conversation_id)]
    );
    let items = store.timeline(scope, c.id).await.unwrap().unwrap();
    assert!(items[1].story_gone && !items[0].story_gone);
    assert!(store.timeline(scope, other.id).await.unwrap().unwrap()[0].story_gone);

    // A gone Story is asked about no more.
    assert_eq!(
        store
            .queue_story_checks(&shown, T0 - DAY, gone_at)
            .await
            .unwrap(),
        0
    );
    let far = gone_at + 10 * STORY_CHECK_EVERY;
    assert_eq!(
        store
            .queue_due_story_checks(T0 - DAY, far, far, 100)
            .await
            .unwrap(),
        0
    );
}
