//! The outbox's part of the conformance suite.

use super::{account, admin, apply, customer_of, echo, message, part, T0};
use crate::model::*;
use crate::prelude::*;
use crate::StoreError;
use igdesk_domain::changes::{Change, ChangeKind, ConversationEffect};

async fn reply(
    store: &dyn Store,
    a: &Account,
    c: &Customer,
    lane: Lane,
    texts: &[&str],
) -> Vec<igdesk_domain::ItemId> {
    let reply = NewReply {
        account: a.id,
        customer: c.id,
        lane,
        author: "human",
        comment_id: None,
        parts: texts.iter().map(|t| part(t)).collect(),
    };
    store.queue_reply(reply, T0).await.unwrap()
}

async fn claim_one(store: &dyn Store, now: i64) -> Vec<(Job, Outgoing)> {
    let mut out = Vec::new();
    for job in store.claim_sends(10, now, now + 1_000).await.unwrap() {
        let item = igdesk_domain::ItemId(job.payload.parse().unwrap());
        out.push((job, store.outgoing(item).await.unwrap().unwrap()));
    }
    out
}

pub async fn a_customers_messages_leave_one_at_a_time_in_order(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    apply(store, &[message(a.id, "555", "m1", "hi", T0)]).await;
    let c = customer_of(store, scope, "555").await;
    assert_eq!(c.last_message_at, Some(T0));
    let ids = reply(store, &a, &c, Lane::Api, &["one", "two"]).await;
    let claimed = claim_one(store, T0).await;
    assert_eq!(
        claimed.len(),
        1,
        "only the head of the customer's queue is due"
    );
    let (job, out) = &claimed[0];
    assert_eq!(
        (out.item, out.state.as_str(), out.igsid.as_str()),
        (ids[0], "queued", "555")
    );
    assert!(store.mark_sending(out.item, T0).await.unwrap());
    store
        .record_sent(job.id, out.item, "mid-one", T0 + 1)
        .await
        .unwrap();
    let claimed = claim_one(store, T0 + 2).await;
    assert_eq!(claimed[0].1.item, ids[1], "then the next");
    let (job, out) = &claimed[0];
    store
        .record_failed(job.id, out.item, "outside the messaging window", T0 + 3)
        .await
        .unwrap();
    let items = store.timeline(scope, c.id).await.unwrap().unwrap();
    let statuses: Vec<_> = items
        .iter()
        .map(|i| (i.status.as_str(), i.mid.as_str()))
        .collect();
    assert_eq!(
        statuses[1..],
        [("sent", "mid-one"), ("failed", "igdesk:out:two")]
    );
    assert_eq!(
        items[2].failure.as_deref(),
        Some("outside the messaging window")
    );
    assert_eq!(store.sends_since(a.id, T0 - 1).await.unwrap(), vec![T0 + 1]);
    assert!(claim_one(store, T0 + 10).await.is_empty());
}

pub async fn a_persons_reply_goes_before_queued_automated_messages(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    apply(store, &[message(a.id, "555", "m1", "hi", T0)]).await;
    let c = customer_of(store, scope, "555").await;
    reply(store, &a, &c, Lane::Api, &["bot 1", "bot 2"]).await;
    let human = reply(store, &a, &c, Lane::Console, &["a person"]).await;
    let claimed = claim_one(store, T0).await;
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].1.item, human[0]);
    assert_eq!(claimed[0].1.lane, "console");
    // The automated head stepped back: it cannot start now.
    let bot = store
        .outgoing(igdesk_domain::ItemId(human[0].0 - 2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bot.state, "waiting");
    assert!(!store.mark_sending(bot.item, T0).await.unwrap());
}

pub async fn a_persons_replies_are_claimed_without_the_backlog(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    apply(store, &[message(a.id, "555", "m1", "hi", T0)]).await;
    apply(store, &[message(a.id, "556", "m2", "hi", T0)]).await;
    let bot = customer_of(store, scope, "555").await;
    let person = customer_of(store, scope, "556").await;
    reply(store, &a, &bot, Lane::Api, &["bot 1"]).await;
    let human = reply(store, &a, &person, Lane::Console, &["a person"]).await;
    let console = Lane::Console.priority();
    let claimed = store
        .claim_sends_up_to(console, 10, T0, T0 + 1_000)
        .await
        .unwrap();
    assert_eq!(
        claimed.len(),
        1,
        "the API message stays for the backlog's loop"
    );
    assert_eq!(claimed[0].payload, human[0].0.to_string());
    assert_eq!(claim_one(store, T0).await.len(), 1, "the API message");
}

pub async fn paused_or_disconnected_accounts_hold_their_queue(store: &dyn Store) {
    let a = account(store, "1784").await;
    let b = account(store, "1785").await;
    let scope = admin(store).await;
    apply(store, &[message(a.id, "555", "m1", "hi", T0)]).await;
    apply(store, &[message(a.id, "556", "m2", "hi", T0)]).await;
    apply(store, &[message(b.id, "557", "m3", "hi", T0)]).await;
    let c = customer_of(store, scope, "555").await;
    let later = customer_of(store, scope, "556").await;
    let other = customer_of(store, scope, "557").await;
    reply(store, &a, &c, Lane::Console, &["hello"]).await;
    store
        .pause_sends(a.id, T0 + 5_000, "throttled")
        .await
        .unwrap();
    // Queued during the pause: held as well, to the same end.
    reply(store, &a, &later, Lane::Api, &["queued while paused"]).await;
    reply(store, &b, &other, Lane::Api, &["another account"]).await;
    let claimed = claim_one(store, T0 + 4_999).await;
    let accounts: Vec<_> = claimed.iter().map(|(_, out)| out.account_id).collect();
    assert_eq!(accounts, vec![b.id], "only the account that may send");
    let (job, out) = &claimed[0];
    assert!(store.mark_sending(out.item, T0).await.unwrap());
    store
        .record_sent(job.id, out.item, "mid-b", T0)
        .await
        .unwrap();
    let claimed = claim_one(store, T0 + 5_000).await;
    let items: Vec<_> = claimed.iter().map(|(_, out)| out.customer_id).collect();
    assert_eq!(items, vec![c.id, later.id], "both at the pause's end");
    store.release_all_leases().await.unwrap();
    store
        .mark_needs_reconnect(a.id, "an older token", "190")
        .await
        .unwrap();
    assert!(
        !store.account(a.id).await.unwrap().unwrap().needs_reconnect,
        "a renewed token is not blamed"
    );
    store
        .mark_needs_reconnect(a.id, "sealed", "190")
        .await
        .unwrap();
    assert!(claim_one(store, T0 + 6_000).await.is_empty());
    assert!(store.account(a.id).await.unwrap().unwrap().needs_reconnect);
    let back = store
        .reconnect_account("1784", "new-sealed-token")
        .await
        .unwrap()
        .unwrap();
    assert!(!back.needs_reconnect);
    assert_eq!(back.token_sealed, "new-sealed-token");
    assert_eq!(claim_one(store, T0 + 6_000).await.len(), 2);
}

/// The Conversations API's copy of the business's message, as the history import
/// gives it: an echo, imported, to the second.
fn imported_echo(a: &Account, mid: &str, text: &str, at: i64) -> Change {
    let mut echo = echo(a.id, "555", mid, text, at);
    if let ChangeKind::Echo { item, .. } = &mut echo.kind {
        item.context.imported = true;
    }
    echo
}

pub async fn an_echo_completes_the_message_being_sent(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    apply(store, &[message(a.id, "555", "m1", "hi", T0)]).await;
    let c = customer_of(store, scope, "555").await;
    let ids = reply(store, &a, &c, Lane::Console, &["are you there?", "second"]).await;
    let claimed = claim_one(store, T0).await;
    store.mark_sending(claimed[0].1.item, T0).await.unwrap();
    // igdesk stops here; Meta had accepted the message and echoes it.
    let echo = echo(a.id, "555", "meta-mid", "are you there?", T0 + 1);
    let out = apply(store, std::slice::from_ref(&echo)).await;
    assert_eq!((out.echoes_matched, out.items_added.len()), (1, 0));
    let sent = store.outgoing(ids[0]).await.unwrap().unwrap();
    assert_eq!(sent.state, "sent");
    let items = store.timeline(scope, c.id).await.unwrap().unwrap();
    assert_eq!(
        items.iter().filter(|i| i.direction == "out").count(),
        2,
        "not shown twice"
    );
    assert_eq!(items[1].mid, "meta-mid");
    // The next message became due; the same echo again changes nothing.
    assert_eq!(
        store.outgoing(ids[1]).await.unwrap().unwrap().state,
        "queued"
    );
    let again = apply(store, &[echo]).await;
    assert_eq!(
        (
            again.echoes_matched,
            again.items_added.len(),
            again.duplicates
        ),
        (0, 0, 1)
    );
}

/// A history import that reads Meta's thread while igdesk is sending a message
/// (Meta has it, igdesk has not recorded Meta's answer yet) completes that message
/// as its echo would, instead of adding it again as the Instagram app's; an older
/// message of the same text in the history does not.
pub async fn an_imported_copy_completes_the_message_being_sent(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    apply(store, &[message(a.id, "555", "m1", "hi", T0)]).await;
    let c = customer_of(store, scope, "555").await;
    let ids = reply(store, &a, &c, Lane::Console, &["thanks!"]).await;
    let claimed = claim_one(store, T0 + 10_000).await;
    store
        .mark_sending(claimed[0].1.item, T0 + 10_000)
        .await
        .unwrap();
    // Last week's "thanks!", written long before this attempt began.
    let older = apply(
        store,
        &[imported_echo(&a, "old-mid", "thanks!", T0 - 7_000)],
    )
    .await;
    assert_eq!((older.echoes_matched, older.items_added.len()), (0, 1));
    assert_eq!(
        store.outgoing(ids[0]).await.unwrap().unwrap().state,
        "sending"
    );
    // Written in the second that ended as the attempt began: not it.
    let before = imported_echo(&a, "before-mid", "thanks!", T0 + 9_000);
    let before = apply(store, &[before]).await;
    assert_eq!((before.echoes_matched, before.items_added.len()), (0, 1));
    // This attempt's copy, its time cut to the second.
    let copy = imported_echo(&a, "meta-mid", "thanks!", T0 + 10_000);
    let copy = apply(store, &[copy]).await;
    assert_eq!((copy.echoes_matched, copy.items_added.len()), (1, 0));
    let sent = store.outgoing(ids[0]).await.unwrap().unwrap();
    assert_eq!(sent.state, "sent");
    let items = store.timeline(scope, c.id).await.unwrap().unwrap();
    let out: Vec<(&str, &str)> = items
        .iter()
        .filter(|i| i.direction == "out")
        .map(|i| (i.mid.as_str(), i.source.as_str()))
        .collect();
    assert_eq!(
        out,
        [
            ("old-mid", "instagram_app"),
            ("meta-mid", "igdesk"),
            ("before-mid", "instagram_app")
        ],
        "igdesk's message once (when it was queued), with Meta's id"
    );
}

pub async fn an_imported_message_gives_way_to_its_webhook(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    // The Conversations API gives the time to the second, the webhook to the ms.
    let mut imported = message(a.id, "555", "m1", "from history", T0 - 321);
    if let ChangeKind::AddItem {
        item, conversation, ..
    } = &mut imported.kind
    {
        item.context.imported = true;
        *conversation = ConversationEffect::None;
    }
    store.apply_changes(&[imported], T0).await.unwrap();
    let mut webhook = message(a.id, "555", "m1", "from history", T0);
    if let ChangeKind::AddItem { item, .. } = &mut webhook.kind {
        item.attachments = vec![igdesk_domain::timeline::Attachment {
            kind: "image".into(),
            ..Default::default()
        }];
    }
    apply(store, &[webhook]).await;
    let c = customer_of(store, scope, "555").await;
    let items = store.timeline(scope, c.id).await.unwrap().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].attachments.len(), 1, "the webhook's fuller copy");
    assert!(!items[0].context.imported);
    assert_eq!(items[0].created_at, T0, "the webhook's time");
    let open = store.conversations(scope, Some("open")).await.unwrap();
    assert_eq!(
        (open.len(), items[0].conversation_id),
        (1, Some(open[0].id)),
        "the live copy opens its conversation and is in it"
    );
}

pub async fn uploads_and_item_context_round_trip(store: &dyn Store) {
    store
        .save_upload("abc", "image/png", vec![1, 2, 3], T0)
        .await
        .unwrap();
    assert_eq!(
        store.upload("abc").await.unwrap(),
        Some(("image/png".to_string(), vec![1, 2, 3]))
    );
    assert_eq!(store.upload("nope").await.unwrap(), None);
    let a = account(store, "1784").await;
    let out = apply(store, &[message(a.id, "555", "m1", "hi", T0)]).await;
    let id = out.items_added[0];
    let mut item = store.item_for_job(id).await.unwrap().unwrap();
    item.context.liked = true;
    store.set_item_context(id, &item.context).await.unwrap();
    assert!(store.item_for_job(id).await.unwrap().unwrap().context.liked);
    let reply = store
        .record_comment_reply(id, "c-2", "thanks", T0)
        .await
        .unwrap();
    let reply = store.item_for_job(reply).await.unwrap().unwrap();
    assert_eq!(
        (
            reply.mid.as_str(),
            reply.status.as_str(),
            reply.direction.as_str()
        ),
        ("c-2", "sent", "out")
    );
    assert!(
        store
            .item_for_job(id)
            .await
            .unwrap()
            .unwrap()
            .context
            .replied_publicly
    );
}

/// A reply queued while the customer's head is being settled must be handed over
/// by one side or the other, whichever commits last: run side by side many times
/// (PostgreSQL's READ COMMITTED is where the two can miss each other).
pub async fn a_reply_queued_while_the_head_settles_is_always_handed_over(store: &dyn Store) {
    const ROUNDS: usize = 60;
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    let changes: Vec<Change> = (0..ROUNDS)
        .map(|i| message(a.id, &format!("7{i:03}"), &format!("m{i}"), "hi", T0))
        .collect();
    apply(store, &changes).await;
    for i in 0..ROUNDS {
        let c = customer_of(store, scope, &format!("7{i:03}")).await;
        let first = reply(store, &a, &c, Lane::Console, &["first"]).await[0];
        let claimed = claim_one(store, T0).await;
        let (job, out) = claimed
            .iter()
            .find(|(_, out)| out.item == first)
            .expect("the head is due");
        assert!(store.mark_sending(out.item, T0).await.unwrap());
        let second = NewReply {
            account: a.id,
            customer: c.id,
            lane: Lane::Console,
            author: "human",
            comment_id: None,
            parts: vec![part("second")],
        };
        let mid = format!("mid-{i}");
        let (queued, settled) = tokio::join!(
            store.queue_reply(second, T0 + 1),
            store.record_sent(job.id, first, &mid, T0 + 1),
        );
        let second = queued.unwrap()[0];
        settled.unwrap();
        let state = store.outgoing(second).await.unwrap().unwrap().state;
        assert_eq!(
            state, "queued",
            "round {i}: the second reply was left {state}"
        );
        let claimed = claim_one(store, T0 + 2).await;
        assert!(
            claimed.iter().any(|(_, out)| out.item == second),
            "round {i}: the second reply has no send job"
        );
        for (job, out) in claimed {
            store
                .record_sent(job.id, out.item, &format!("mid-2-{i}"), T0 + 3)
                .await
                .unwrap();
        }
    }
    assert_eq!(store.repair_stalled_queues(T0 + 4).await.unwrap(), 0);
}

/// A customer's comment (`mid` is its comment id), applied; answers its item.
async fn comment(store: &dyn Store, a: &Account, mid: &str) -> igdesk_domain::ItemId {
    let mut change = message(a.id, "555", mid, "how much?", T0);
    if let ChangeKind::AddItem { item, .. } = &mut change.kind {
        item.kind = igdesk_domain::timeline::ItemKind::Comment;
    }
    apply(store, &[change]).await.items_added[0]
}

pub async fn a_comments_replies_are_taken_once(store: &dyn Store) {
    let a = account(store, "1784").await;
    let id = comment(store, &a, "c-1").await;
    let scope = admin(store).await;
    let c = customer_of(store, scope, "555").await;

    // Public: taken by one caller of many at once; given back when not posted.
    let claims = tokio::join!(
        store.claim_public_reply(id),
        store.claim_public_reply(id),
        store.claim_public_reply(id),
        store.claim_public_reply(id),
    );
    let claims = [claims.0, claims.1, claims.2, claims.3];
    let taken = claims.into_iter().filter(|c| *c.as_ref().unwrap()).count();
    assert_eq!(taken, 1);
    store.release_public_reply(id).await.unwrap();
    assert!(store.claim_public_reply(id).await.unwrap());
    let message_item = apply(store, &[message(a.id, "555", "m-1", "hi", T0)])
        .await
        .items_added[0];
    assert!(
        !store.claim_public_reply(message_item).await.unwrap(),
        "only a customer's comment is answered so"
    );

    // Private: taken in the transaction that queues it; a second is refused whole.
    let private = |text: &str| NewReply {
        account: a.id,
        customer: c.id,
        lane: Lane::Console,
        author: "human",
        comment_id: Some("c-1".into()),
        parts: vec![part(text)],
    };
    let (first, second) = tokio::join!(
        store.queue_reply(private("one"), T0),
        store.queue_reply(private("two"), T0),
    );
    let results = [first, second];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results
        .iter()
        .any(|r| matches!(r, Err(StoreError::Conflict(_)))));
    let items = store.timeline(scope, c.id).await.unwrap().unwrap();
    assert_eq!(
        items.iter().filter(|i| i.direction == "out").count(),
        1,
        "nothing of the refused one is queued"
    );

    // Rewriting the comment's context (hiding it) keeps both answers taken.
    let mut item = store.item_for_job(id).await.unwrap().unwrap();
    assert!(item.context.replied_publicly && item.context.replied_privately);
    item.context.replied_publicly = false;
    item.context.replied_privately = false;
    item.context.hidden = true;
    store.set_item_context(id, &item.context).await.unwrap();
    let item = store.item_for_job(id).await.unwrap().unwrap();
    assert!(item.context.hidden);
    assert!(item.context.replied_publicly && item.context.replied_privately);
}

pub async fn uploads_past_retention_go_unless_still_needed(store: &dyn Store) {
    const DAY: i64 = 86_400_000;
    let a = account(store, "1784").await;
    apply(store, &[message(a.id, "555", "m1", "hi", T0)]).await;
    let c = customer_of(store, admin(store).await, "555").await;
    // Made in time order, as uploads are.
    for (id, at) in [
        ("0ld", T0 - 40 * DAY),
        ("queued", T0 - 39 * DAY),
        ("sent", T0 - 39 * DAY),
        ("answer", T0 - 38 * DAY),
        ("rece7t", T0 - DAY),
    ] {
        store
            .save_upload(id, "image/gif", b"GIF89a".to_vec(), at)
            .await
            .unwrap();
    }
    store
        .add_saved_answer(
            crate::NewSavedAnswer {
                inbox_id: None,
                title: "Picture".into(),
                text: "here".into(),
                image_id: Some("answer".into()),
            },
            T0,
        )
        .await
        .unwrap();
    let image = |id: &str| OutgoingPart {
        provisional_mid: format!("igdesk:out:{id}"),
        text: None,
        attachments: vec![],
        message: serde_json::json!({"attachment": {"type": "image", "payload": {"url": format!("https://desk.example/media/{id}")}}}),
    };
    let reply = NewReply {
        account: a.id,
        customer: c.id,
        lane: Lane::Console,
        author: "human",
        comment_id: None,
        parts: vec![image("sent"), image("queued")],
    };
    store.queue_reply(reply, T0).await.unwrap();
    // The first image is sent; the second waits behind it.
    let claimed = claim_one(store, T0).await;
    let (job, out) = &claimed[0];
    store
        .record_sent(job.id, out.item, "mid-sent", T0)
        .await
        .unwrap();

    assert_eq!(store.prune_uploads(T0 - 30 * DAY).await.unwrap(), 2);
    for (id, kept) in [
        ("0ld", false),
        ("sent", false),
        ("rece7t", true),
        ("queued", true),
        ("answer", true),
    ] {
        assert_eq!(store.upload(id).await.unwrap().is_some(), kept, "{id}");
    }
    assert_eq!(store.prune_uploads(T0 - 30 * DAY).await.unwrap(), 0);
}

pub async fn sends_recorded_together_each_complete_and_hand_over(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    apply(
        store,
        &[
            message(a.id, "555", "m1", "hi", T0),
            message(a.id, "556", "m2", "hello", T0),
        ],
    )
    .await;
    let first = customer_of(store, scope, "555").await;
    let second = customer_of(store, scope, "556").await;
    let ids_first = reply(store, &a, &first, Lane::Api, &["one", "two"]).await;
    let ids_second = reply(store, &a, &second, Lane::Api, &["uno"]).await;
    let claimed = claim_one(store, T0).await;
    assert_eq!(claimed.len(), 2, "each customer's head");
    let mut sent = Vec::new();
    for (job, out) in &claimed {
        assert!(store.mark_sending(out.item, T0).await.unwrap());
        sent.push(SentRecord {
            job: job.id,
            item: out.item,
            mid: format!("mid-{}", out.item),
            at: T0 + 1,
        });
    }
    store.record_all_sent(Lane::Api, &sent).await.unwrap();
    // Both recorded, their jobs gone; the first customer's next is due.
    for (customer, id) in [(&first, ids_first[0]), (&second, ids_second[0])] {
        let items = store.timeline(scope, customer.id).await.unwrap().unwrap();
        let item = items.iter().find(|i| i.id == id).unwrap();
        assert_eq!(
            (item.status.as_str(), item.mid.clone()),
            ("sent", format!("mid-{id}"))
        );
    }
    let next = claim_one(store, T0 + 2).await;
    let items: Vec<_> = next.iter().map(|(_, out)| out.item).collect();
    assert_eq!(items, vec![ids_first[1]]);
}
