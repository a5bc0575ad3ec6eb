//! Instagram's sender actions from the console: `mark_seen` once per newest customer
//! message, `typing_on` at most once every 10 seconds — decided in the store, so
//! agents acting at once never send two.

use super::{account, admin, apply, customer_of, message, T0};
use crate::model::*;
use crate::prelude::*;
use crate::JOB_SENDER_ACTION;
use igdesk_domain::changes::{ChangeKind, ConversationEffect};
use igdesk_domain::timeline::ItemKind;
use igdesk_domain::CustomerId;

/// The sender actions waiting, claimed and completed: their payloads, in order.
async fn take_actions(store: &dyn Store, now: i64) -> Vec<String> {
    let jobs = store
        .claim_jobs(&[JOB_SENDER_ACTION], 100, now, now + 1_000)
        .await
        .unwrap();
    let settled: Vec<_> = jobs.iter().map(|j| Settlement::Complete(j.id)).collect();
    store.settle_jobs(&settled).await.unwrap();
    jobs.into_iter().map(|j| j.payload).collect()
}

/// Both at once: on PostgreSQL two transactions race; on SQLite they take turns.
async fn twice_at_once(store: &dyn Store, customer: CustomerId, now: i64, typing: bool) -> usize {
    let call = || async move {
        if typing {
            store.queue_typing(customer, now).await.unwrap()
        } else {
            store.mark_seen_once(customer, now).await.unwrap()
        }
    };
    let (a, b) = tokio::join!(call(), call());
    usize::from(a) + usize::from(b)
}

pub async fn mark_seen_is_queued_once_per_newest_customer_message(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    apply(store, &[message(a.id, "555", "m1", "hi", T0)]).await;
    let c = customer_of(store, scope, "555").await;
    let seen = format!("mark_seen:{}", c.id.0);

    assert!(store.mark_seen_once(c.id, T0).await.unwrap(), "first open");
    assert!(
        !store.mark_seen_once(c.id, T0 + 1).await.unwrap(),
        "a reload sends nothing more"
    );
    assert_eq!(take_actions(store, T0 + 2).await, vec![seen.clone()]);

    // A second message: two agents open the conversation at the same moment.
    apply(
        store,
        &[message(a.id, "555", "m2", "still there?", T0 + 10)],
    )
    .await;
    assert_eq!(twice_at_once(store, c.id, T0 + 11, false).await, 1);
    assert!(!store.mark_seen_once(c.id, T0 + 12).await.unwrap());
    assert_eq!(take_actions(store, T0 + 13).await, vec![seen.clone()]);

    // A reply of the business's own and a comment are nothing new to see.
    let reply = NewReply {
        account: a.id,
        customer: c.id,
        lane: Lane::Console,
        author: "human",
        comment_id: None,
        parts: vec![OutgoingPart {
            provisional_mid: "igdesk:out:yes".into(),
            text: Some("yes".into()),
            attachments: vec![],
            message: serde_json::json!({ "text": "yes" }),
        }],
    };
    store.queue_reply(reply, T0 + 20).await.unwrap();
    let mut comment = message(a.id, "555", "c1", "nice post", T0 + 30);
    if let ChangeKind::AddItem { item, .. } = &mut comment.kind {
        item.kind = ItemKind::Comment;
    }
    apply(store, &[comment]).await;
    assert!(!store.mark_seen_once(c.id, T0 + 31).await.unwrap());
    assert!(take_actions(store, T0 + 32).await.is_empty());

    // Two messages before anyone looks: one mark_seen covers both.
    apply(
        store,
        &[
            message(a.id, "555", "m3", "hello?", T0 + 40),
            message(a.id, "555", "m4", "anyone?", T0 + 41),
        ],
    )
    .await;
    assert!(store.mark_seen_once(c.id, T0 + 42).await.unwrap());
    assert!(!store.mark_seen_once(c.id, T0 + 43).await.unwrap());
    assert_eq!(take_actions(store, T0 + 44).await, vec![seen]);

    // Nobody works on a customer without an open conversation: nothing to mark.
    let mut quiet = message(a.id, "666", "q1", "just saying", T0 + 50);
    if let ChangeKind::AddItem { conversation, .. } = &mut quiet.kind {
        *conversation = ConversationEffect::None;
    }
    apply(store, &[quiet]).await;
    let q = customer_of(store, scope, "666").await;
    assert!(!store.mark_seen_once(q.id, T0 + 51).await.unwrap());
    assert!(!store
        .mark_seen_once(CustomerId(q.id.0 + 1_000), T0 + 51)
        .await
        .unwrap());
    assert!(take_actions(store, T0 + 52).await.is_empty());
}

pub async fn typing_on_at_most_once_per_10_seconds(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    apply(store, &[message(a.id, "555", "m1", "hi", T0)]).await;
    let c = customer_of(store, scope, "555").await;
    let typing = format!("typing_on:{}", c.id.0);

    assert!(store.queue_typing(c.id, T0).await.unwrap());
    assert!(!store.queue_typing(c.id, T0 + 5_000).await.unwrap());
    assert!(!store.queue_typing(c.id, T0 + 9_999).await.unwrap());
    assert_eq!(take_actions(store, T0 + 9_999).await, vec![typing.clone()]);
    assert!(store.queue_typing(c.id, T0 + 10_000).await.unwrap());
    assert_eq!(twice_at_once(store, c.id, T0 + 20_000, true).await, 1);
    assert_eq!(
        take_actions(store, T0 + 20_000).await,
        vec![typing.clone(), typing]
    );
    assert!(!store
        .queue_typing(CustomerId(c.id.0 + 1_000), T0)
        .await
        .unwrap());

    // The worker skips sender actions of accounts whose sends are held.
    assert!(!store.sends_held(a.id, T0).await.unwrap());
    store
        .pause_sends(a.id, T0 + 5_000, "throttled")
        .await
        .unwrap();
    assert!(store.sends_held(a.id, T0).await.unwrap());
    assert!(!store.sends_held(a.id, T0 + 5_000).await.unwrap());
    store
        .mark_needs_reconnect(a.id, "sealed", "190")
        .await
        .unwrap();
    assert!(store.sends_held(a.id, T0 + 5_000).await.unwrap());
}
