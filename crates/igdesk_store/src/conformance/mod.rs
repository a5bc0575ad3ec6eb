//! The conformance suite: what every backend must do, written once. Each function
//! takes a freshly migrated store; `tests/conformance.rs` runs them all on SQLite
//! and on PostgreSQL.

mod access;
mod api;
mod automatic;
mod history_follows;
mod limits;
mod outbox;
mod people;
mod routing;
mod seen;
mod stories;
mod topics;

pub use access::*;
pub use api::*;
pub use automatic::*;
pub use history_follows::*;
pub use limits::*;
pub use outbox::*;
pub use people::*;
pub use routing::*;
pub use seen::*;
pub use stories::*;
pub use topics::*;

use crate::model::*;
use crate::prelude::*;
use crate::{StoreError, JOB_PROCESS_DELIVERY, JOB_REFRESH_PROFILE};
use igdesk_domain::changes::{Change, ChangeKind, ConversationEffect, NewItem};
use igdesk_domain::timeline::{Direction, ItemContext, ItemKind, ItemStatus, Source};
use igdesk_domain::{AccountId, ConversationSettings, Igsid, JobId, Mid};

const T0: i64 = 1_730_000_000_000;

pub async fn account(store: &dyn Store, ig_id: &str) -> Account {
    store
        .add_account(
            NewAccount {
                ig_id: ig_id.into(),
                page_id: format!("page-{ig_id}"),
                page_name: "Shop".into(),
                username: "shop".into(),
                login_path: "facebook".into(),
                token_sealed: "sealed".into(),
                added_by: "test".into(),
                settings: ConversationSettings::default(),
            },
            T0,
        )
        .await
        .expect("add account")
}

async fn admin(store: &dyn Store) -> Scope {
    store
        .add_agent(
            NewAgent {
                email: "admin@example.com".into(),
                name: "Admin".into(),
                password_hash: "x".into(),
                is_admin: true,
                inboxes: vec![],
            },
            T0,
        )
        .await
        .unwrap()
        .scope()
}

pub fn message(account: AccountId, igsid: &str, mid: &str, text: &str, at: i64) -> Change {
    Change {
        account: Some(account),
        kind: ChangeKind::AddItem {
            igsid: Igsid(igsid.into()),
            username: None,
            conversation: ConversationEffect::Open,
            item: NewItem {
                kind: ItemKind::Message,
                direction: Direction::In,
                source: Source::Customer,
                mid: Mid(mid.into()),
                text: Some(text.into()),
                attachments: vec![],
                reply_to: None,
                context: ItemContext::default(),
                status: ItemStatus::Received,
                raw: None,
                created_at: at,
            },
            refresh_profile: true,
        },
    }
}

/// Meta's echo of the business's message `mid` to `igsid`, sent from anywhere
/// (the Instagram app, or igdesk before it recorded Meta's answer).
pub fn echo(account: AccountId, igsid: &str, mid: &str, text: &str, at: i64) -> Change {
    let ChangeKind::AddItem { mut item, .. } = message(account, igsid, mid, text, at).kind else {
        unreachable!()
    };
    item.direction = Direction::Out;
    item.source = Source::InstagramApp;
    item.status = ItemStatus::Sent;
    Change {
        account: Some(account),
        kind: ChangeKind::Echo {
            igsid: Igsid(igsid.into()),
            item,
            show_unmatched: true,
        },
    }
}

/// The customer with this IGSID, as `scope` sees them.
async fn customer_of(store: &dyn Store, scope: Scope, igsid: &str) -> Customer {
    store
        .customers_by_igsid(scope, igsid)
        .await
        .unwrap()
        .remove(0)
}

/// One text message of a reply.
pub fn part(text: &str) -> OutgoingPart {
    OutgoingPart {
        provisional_mid: format!("igdesk:out:{text}"),
        text: Some(text.into()),
        attachments: vec![],
        message: serde_json::json!({ "text": text }),
    }
}

/// Records one delivery and applies `changes` through its job, as intake does.
async fn apply(store: &dyn Store, changes: &[Change]) -> ApplyOutcome {
    let ids = store
        .record_deliveries(&[NewDelivery {
            received_at: T0,
            body: b"{}".to_vec(),
            body_hash: None,
            strand: crate::parts::NO_STRAND,
        }])
        .await
        .unwrap();
    let jobs = store
        .claim_jobs(&[JOB_PROCESS_DELIVERY], 10, T0, T0 + 1000)
        .await
        .unwrap();
    let job = jobs
        .iter()
        .find(|j| j.payload == ids[0].0.to_string())
        .expect("its job");
    let batch = [DeliveryChanges {
        job: job.id,
        delivery: ids[0],
        changes: changes.to_vec(),
    }];
    store.apply_deliveries(&batch, T0).await.unwrap()
}

pub async fn accounts_are_unique_and_default_to_the_instagram_inbox(store: &dyn Store) {
    let a = account(store, "1784").await;
    assert_eq!(a.settings, ConversationSettings::default());
    assert!(!a.needs_reconnect);
    let again = store
        .add_account(
            NewAccount {
                ig_id: "1784".into(),
                page_id: "p".into(),
                page_name: "n".into(),
                username: "u".into(),
                login_path: "facebook".into(),
                token_sealed: "s".into(),
                added_by: "t".into(),
                settings: ConversationSettings::default(),
            },
            T0,
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let found = store.account_by_ig_id("1784").await.unwrap().unwrap();
    assert_eq!((found.id, found.inbox_id), (a.id, a.inbox_id));
    assert!(store.account_by_ig_id("nope").await.unwrap().is_none());
    assert_eq!(store.accounts().await.unwrap().len(), 1);
}

pub async fn deliveries_are_written_with_their_jobs(store: &dyn Store) {
    let batch: Vec<_> = (0..1_200)
        .map(|i| NewDelivery {
            received_at: T0 + i,
            body: format!("{{\"n\":{i}}}").into_bytes(),
            body_hash: None,
            strand: crate::parts::NO_STRAND,
        })
        .collect();
    let ids = store.record_deliveries(&batch).await.unwrap();
    assert_eq!(ids.len(), 1_200);
    let bodies = store.delivery_bodies(&ids).await.unwrap();
    assert_eq!(bodies.len(), 1_200);
    let (id, body) = &bodies.iter().find(|(id, _)| *id == ids[7]).unwrap();
    assert_eq!((*id, body.as_slice()), (ids[7], &b"{\"n\":7}"[..]));
    assert_eq!(store.pending_job_count().await.unwrap(), 1_200);
    let counts = store.delivery_counts().await.unwrap();
    assert_eq!(counts, vec![("pending".to_string(), 1_200)]);
    let rejected = store
        .record_rejected_delivery(
            NewDelivery {
                received_at: T0,
                body: b"not json".to_vec(),
                body_hash: None,
                strand: crate::parts::NO_STRAND,
            },
            "not JSON",
        )
        .await
        .unwrap();
    let kept = store.delivery_bodies(&[rejected]).await.unwrap();
    assert_eq!(kept, vec![(rejected, b"not json".to_vec())]);
    assert_eq!(
        store.pending_job_count().await.unwrap(),
        1_200,
        "a rejected delivery has no job"
    );
}

/// A checkpoint runs beside the writer and loses nothing committed.
pub async fn a_checkpoint_keeps_every_committed_delivery(store: &dyn Store) {
    let batch: Vec<_> = (0..300)
        .map(|i| NewDelivery {
            received_at: T0 + i,
            body: format!("{{\"n\":{i}}}").into_bytes(),
            body_hash: None,
            strand: crate::parts::NO_STRAND,
        })
        .collect();
    let ids = store.record_deliveries(&batch).await.unwrap();
    let (writing, checkpoint) = tokio::join!(store.record_deliveries(&batch), store.checkpoint());
    checkpoint.unwrap();
    let more = writing.unwrap();
    store.checkpoint().await.unwrap();
    let all: Vec<_> = ids.iter().chain(&more).copied().collect();
    assert_eq!(store.delivery_bodies(&all).await.unwrap().len(), 600);
    assert_eq!(store.pending_job_count().await.unwrap(), 600);
}

/// A body already stored (same hash: Meta redelivering) is not stored again, nor
/// given a second job, whether it repeats within one group commit or in a later one;
/// a different body is stored even when its events are the same.
pub async fn a_redelivered_body_is_stored_once(store: &dyn Store) {
    let delivery = |body: &str| NewDelivery {
        received_at: T0,
        body: body.as_bytes().to_vec(),
        body_hash: Some(format!("hash of {body}").into_bytes()),
        strand: crate::parts::NO_STRAND,
    };
    let first = store
        .record_deliveries(&[delivery("a"), delivery("a"), delivery("b")])
        .await
        .unwrap();
    assert_eq!(first.len(), 2, "the repeat within the group is skipped");
    let again = store
        .record_deliveries(&[delivery("b"), delivery("c"), delivery("a")])
        .await
        .unwrap();
    assert_eq!(again.len(), 1, "only c is new");
    assert_eq!(
        store.delivery_bodies(&again).await.unwrap(),
        vec![(again[0], b"c".to_vec())]
    );
    assert_eq!(store.pending_job_count().await.unwrap(), 3);
    let counts = store.delivery_counts().await.unwrap();
    assert_eq!(counts, vec![("pending".to_string(), 3)]);
    // Unreadable bodies come back too: the first copy is the one kept.
    let rejected = store
        .record_rejected_delivery(delivery("x"), "not JSON")
        .await
        .unwrap();
    let repeat = store
        .record_rejected_delivery(delivery("x"), "not JSON")
        .await
        .unwrap();
    assert_eq!(rejected, repeat);
    let counts = store.delivery_counts().await.unwrap();
    assert_eq!(
        counts,
        vec![("pending".to_string(), 3), ("rejected".to_string(), 1)]
    );
}

pub async fn a_claimed_job_is_not_claimed_again_until_its_lease_ends(store: &dyn Store) {
    store
        .record_deliveries(&[NewDelivery {
            received_at: T0,
            body: vec![],
            body_hash: None,
            strand: crate::parts::NO_STRAND,
        }])
        .await
        .unwrap();
    let first = store
        .claim_jobs(&[JOB_PROCESS_DELIVERY], 5, T0, T0 + 60_000)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].attempts, 1);
    assert!(store
        .claim_jobs(&[JOB_PROCESS_DELIVERY], 5, T0 + 1, T0 + 60_000)
        .await
        .unwrap()
        .is_empty());
    let again = store
        .claim_jobs(&[JOB_PROCESS_DELIVERY], 5, T0 + 60_000, T0 + 120_000)
        .await
        .unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 2));
    store
        .retry_job(again[0].id, T0 + 200_000, "flaky")
        .await
        .unwrap();
    assert!(store
        .claim_jobs(&[JOB_PROCESS_DELIVERY], 5, T0 + 199_999, T0 + 300_000)
        .await
        .unwrap()
        .is_empty());
    let later = store
        .claim_jobs(&[JOB_PROCESS_DELIVERY], 5, T0 + 200_000, T0 + 300_000)
        .await
        .unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(store.release_all_leases().await.unwrap(), 1);
    store.complete_job(later[0].id).await.unwrap();
    assert_eq!(store.pending_job_count().await.unwrap(), 0);
}

pub async fn a_renewed_lease_keeps_its_job_and_a_settled_one_is_not_taken_back(store: &dyn Store) {
    for key in ["held", "settled"] {
        let job = NewJob {
            kind: "k".into(),
            dedup_key: Some(key.into()),
            payload: key.into(),
            run_at: T0,
        };
        store.enqueue_job(job, T0).await.unwrap();
    }
    let claimed = store.claim_jobs(&["k"], 10, T0, T0 + 10_000).await.unwrap();
    let ids: Vec<JobId> = claimed.iter().map(|j| j.id).collect();
    let settled = claimed.iter().find(|j| j.payload == "settled").unwrap();
    store
        .retry_job(settled.id, T0 + 5_000, "waits")
        .await
        .unwrap();
    assert_eq!(store.renew_leases(&ids, T0 + 20_000).await.unwrap(), 1);
    // Past the first term the held job is still held; the settled one is due again.
    let again = store
        .claim_jobs(&["k"], 10, T0 + 15_000, T0 + 25_000)
        .await
        .unwrap();
    let payloads: Vec<&str> = again.iter().map(|j| j.payload.as_str()).collect();
    assert_eq!(payloads, vec!["settled"]);
    let later = store
        .claim_jobs(&["k"], 10, T0 + 20_000, T0 + 30_000)
        .await
        .unwrap();
    assert_eq!(later.len(), 1, "the renewed lease ends in its turn");
    assert_eq!(later[0].payload, "held");
}

pub async fn job_dedup_keys_hold_while_waiting_and_free_on_burial(store: &dyn Store) {
    let job = || NewJob {
        kind: "k".into(),
        dedup_key: Some("same".into()),
        payload: "p".into(),
        run_at: T0,
    };
    store.enqueue_job(job(), T0).await.unwrap();
    store.enqueue_job(job(), T0).await.unwrap();
    let claimed = store.claim_jobs(&["k"], 10, T0, T0 + 1).await.unwrap();
    assert_eq!(claimed.len(), 1);
    store.bury_job(claimed[0].id, "hopeless").await.unwrap();
    store.enqueue_job(job(), T0).await.unwrap();
    assert_eq!(
        store
            .claim_jobs(&["k"], 10, T0, T0 + 1)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// A batch of jobs is settled in one commit: completed ones are gone, retried ones
/// wait for their time with their error, buried ones are dead and free their key.
pub async fn a_batch_of_jobs_is_settled_at_once(store: &dyn Store) {
    for key in ["a", "b", "c"] {
        let job = NewJob {
            kind: "k".into(),
            dedup_key: Some(key.into()),
            payload: key.into(),
            run_at: T0,
        };
        store.enqueue_job(job, T0).await.unwrap();
    }
    let claimed = store.claim_jobs(&["k"], 10, T0, T0 + 60_000).await.unwrap();
    let id = |payload: &str| claimed.iter().find(|j| j.payload == payload).unwrap().id;
    store
        .settle_jobs(&[
            Settlement::Complete(id("a")),
            Settlement::Retry {
                id: id("b"),
                run_at: T0 + 5_000,
                error: "later".into(),
            },
            Settlement::Bury {
                id: id("c"),
                error: "hopeless".into(),
            },
        ])
        .await
        .unwrap();
    assert_eq!(store.pending_job_count().await.unwrap(), 1, "only b waits");
    let early = store.claim_jobs(&["k"], 10, T0 + 1, T0 + 60_000).await;
    assert!(early.unwrap().is_empty(), "b waits for its time, unleased");
    let due = store
        .claim_jobs(&["k"], 10, T0 + 5_000, T0 + 60_000)
        .await
        .unwrap();
    assert_eq!((due.len(), due[0].payload.as_str()), (1, "b"));
    let dead = store.dead_jobs(10).await.unwrap();
    assert_eq!(
        (dead.len(), dead[0].last_error.as_deref()),
        (1, Some("hopeless"))
    );
    let again = NewJob {
        kind: "k".into(),
        dedup_key: Some("c".into()),
        payload: "c".into(),
        run_at: T0,
    };
    store.enqueue_job(again, T0).await.unwrap();
    assert_eq!(
        store.pending_job_count().await.unwrap(),
        2,
        "c's key is free"
    );
}

pub async fn a_message_creates_customer_conversation_item_and_profile_job(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    let out = apply(store, &[message(a.id, "555", "m1", "hello", T0)]).await;
    assert_eq!((out.items_added.len(), out.duplicates), (1, 0));
    let customers = store.customers_by_igsid(scope, "555").await.unwrap();
    assert_eq!(customers.len(), 1);
    assert_eq!(
        customers[0].name, "555",
        "named by its number until the profile comes"
    );
    let timeline = store
        .timeline(scope, customers[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].text.as_deref(), Some("hello"));
    assert!(timeline[0].conversation_id.is_some());
    let conversations = store.conversations(scope, Some("open")).await.unwrap();
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0].inbox_id, a.inbox_id);
    let jobs = store
        .claim_jobs(&[JOB_REFRESH_PROFILE], 10, T0, T0 + 1)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].payload, customers[0].id.0.to_string());
    let counts = store.delivery_counts().await.unwrap();
    assert_eq!(counts, vec![("processed".to_string(), 1)]);

    let fetched = FetchedProfile {
        customer: customers[0].id,
        facts: ProfileFacts {
            name: Some("Ana".into()),
            username: Some("ana".into()),
            follower_count: Some(12),
            is_verified: Some(true),
            ..Default::default()
        },
        job: jobs[0].id,
    };
    store.update_profiles(&[fetched], T0 + 5).await.unwrap();
    assert_eq!(store.pending_job_count().await.unwrap(), 0);
    let c = store
        .customer(scope, customers[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.name.as_str(), c.instagram.username.as_deref()),
        ("Ana", Some("ana"))
    );
    assert_eq!(
        (c.instagram.follower_count, c.instagram.is_verified),
        (Some(12), Some(true))
    );
}

pub async fn the_same_mid_twice_changes_nothing(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    apply(store, &[message(a.id, "555", "m1", "hello", T0)]).await;
    let out = apply(
        store,
        &[
            message(a.id, "555", "m1", "hello", T0),
            message(a.id, "555", "m1", "hello", T0),
        ],
    )
    .await;
    assert_eq!((out.items_added.len(), out.duplicates), (0, 2));
    let c = &store.customers_by_igsid(scope, "555").await.unwrap()[0];
    assert_eq!(store.timeline(scope, c.id).await.unwrap().unwrap().len(), 1);
    assert_eq!(store.conversations(scope, None).await.unwrap().len(), 1);
    // Sent again after the conversation ended, it opens no new one either.
    let open = store.conversations(scope, Some("open")).await.unwrap()[0].id;
    assert_eq!(
        store.close_conversation(scope, open, T0 + 5).await.unwrap(),
        crate::routing::CloseAnswer::Closed
    );
    let out = apply(store, &[message(a.id, "555", "m1", "hello", T0)]).await;
    assert_eq!((out.items_added.len(), out.duplicates), (0, 1));
    assert!(store
        .conversations(scope, Some("open"))
        .await
        .unwrap()
        .is_empty());
}

/// Many customers in one batch are written a kind of row at a time; a customer's
/// second message waits for their first, and a redelivery in the same batch is
/// still a duplicate.
pub async fn a_batch_of_customers_keeps_each_customers_order(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    let out = apply(
        store,
        &[
            message(a.id, "1", "m1", "first", T0),
            message(a.id, "2", "m2", "hi", T0 + 1),
            message(a.id, "1", "m3", "second", T0 + 2),
            message(a.id, "2", "m2", "hi", T0 + 1),
            message(a.id, "3", "m4", "hey", T0 + 3),
        ],
    )
    .await;
    assert_eq!((out.items_added.len(), out.duplicates), (4, 1));
    let mut sorted = out.items_added.clone();
    sorted.sort();
    assert_eq!(
        out.items_added, sorted,
        "items are added in the order they came"
    );
    assert_eq!(out.profile_jobs, 3, "one refresh per customer");
    let conversations = store.conversations(scope, Some("open")).await.unwrap();
    assert_eq!(conversations.len(), 3, "one conversation per customer");
    let first = &store.customers_by_igsid(scope, "1").await.unwrap()[0];
    let theirs = conversations
        .iter()
        .find(|c| c.customer_id == first.id)
        .unwrap();
    assert_eq!(
        (
            theirs.opened_at,
            theirs.last_item_at,
            theirs.last_incoming_at
        ),
        (T0, T0 + 2, Some(T0 + 2))
    );
    let timeline = store.timeline(scope, first.id).await.unwrap().unwrap();
    let texts: Vec<_> = timeline.iter().map(|t| t.text.as_deref()).collect();
    assert_eq!(texts, [Some("first"), Some("second")]);
    assert!(timeline
        .iter()
        .all(|t| t.conversation_id == Some(theirs.id)));
    let report = store
        .sla_report(a.inbox_id, T0 - 1, T0 + 10, T0 + 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (report.total, report.waiting),
        (3, 3),
        "one clock per conversation: {report:?}"
    );
}

pub async fn deletions_remove_content_even_when_they_come_first(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    let delete = |mid: &str| Change {
        account: Some(a.id),
        kind: ChangeKind::DeleteContent {
            igsid: Igsid("555".into()),
            mid: Mid(mid.into()),
            at: T0,
        },
    };
    apply(
        store,
        &[message(a.id, "555", "m1", "secret", T0), delete("m1")],
    )
    .await;
    apply(store, &[delete("m2")]).await;
    apply(store, &[message(a.id, "555", "m2", "late secret", T0 + 1)]).await;
    let c = &store.customers_by_igsid(scope, "555").await.unwrap()[0];
    let items = store.timeline(scope, c.id).await.unwrap().unwrap();
    assert_eq!(items.len(), 2);
    for item in items {
        assert!(item.deleted, "{item:?}");
        assert_eq!(item.text, None);
    }
}

pub async fn reactions_follow_the_latest_event(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    let react = |reaction: Option<&str>, at: i64| Change {
        account: Some(a.id),
        kind: ChangeKind::React {
            igsid: Igsid("555".into()),
            mid: Mid("m1".into()),
            reaction: reaction.map(str::to_owned),
            emoji: None,
            at,
        },
    };
    apply(
        store,
        &[
            message(a.id, "555", "m1", "hi", T0),
            react(Some("laugh"), T0 + 10),
        ],
    )
    .await;
    let c = &store.customers_by_igsid(scope, "555").await.unwrap()[0];
    let reaction = |items: Vec<TimelineItem>| items[0].reaction.clone();
    assert_eq!(
        reaction(store.timeline(scope, c.id).await.unwrap().unwrap()).as_deref(),
        Some("laugh")
    );
    // A stale unreact (older than the reaction) is ignored; a newer one removes it.
    apply(store, &[react(None, T0 + 5)]).await;
    assert!(reaction(store.timeline(scope, c.id).await.unwrap().unwrap()).is_some());
    apply(store, &[react(None, T0 + 20)]).await;
    assert!(reaction(store.timeline(scope, c.id).await.unwrap().unwrap()).is_none());
}

pub async fn reads_mark_outgoing_items_up_to_the_seen_one(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    let echo = |mid: &str, at: i64| {
        let mut c = message(a.id, "555", mid, "from the app", at);
        if let ChangeKind::AddItem {
            item, conversation, ..
        } = &mut c.kind
        {
            item.direction = Direction::Out;
            item.source = Source::InstagramApp;
            item.status = ItemStatus::Sent;
            *conversation = ConversationEffect::JoinIfOpen;
        }
        c
    };
    let read = Change {
        account: Some(a.id),
        kind: ChangeKind::Read {
            igsid: Igsid("555".into()),
            mid: Mid("e2".into()),
        },
    };
    apply(
        store,
        &[
            message(a.id, "555", "m1", "hi", T0),
            echo("e1", T0 + 1),
            echo("e2", T0 + 2),
            echo("e3", T0 + 3),
            read,
        ],
    )
    .await;
    let c = &store.customers_by_igsid(scope, "555").await.unwrap()[0];
    let statuses: Vec<_> = store
        .timeline(scope, c.id)
        .await
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|i| i.status)
        .collect();
    assert_eq!(statuses, ["received", "read", "read", "sent"]);
}

pub async fn items_that_open_nothing_stay_on_the_profile(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    let mut mention = message(a.id, "555", "s1", "", T0);
    if let ChangeKind::AddItem {
        item, conversation, ..
    } = &mut mention.kind
    {
        item.kind = ItemKind::StoryMention;
        *conversation = ConversationEffect::None;
    }
    let note = Change {
        account: None,
        kind: ChangeKind::Note {
            kind: "unknown_account".into(),
            reason: "nobody".into(),
            raw: "{}".into(),
        },
    };
    let out = apply(store, &[mention, note]).await;
    assert_eq!((out.items_added.len(), out.notes), (1, 1));
    assert!(store.conversations(scope, None).await.unwrap().is_empty());
    let c = &store.customers_by_igsid(scope, "555").await.unwrap()[0];
    let items = store.timeline(scope, c.id).await.unwrap().unwrap();
    assert_eq!(
        (items[0].kind.as_str(), items[0].conversation_id),
        ("story_mention", None)
    );
    let notes = store.event_notes(10).await.unwrap();
    assert_eq!(
        (notes.len(), notes[0].kind.as_str()),
        (1, "unknown_account")
    );
}

pub async fn agents_see_only_their_inboxes(store: &dyn Store) {
    let a = account(store, "1784").await;
    let outsider = store
        .add_agent(
            NewAgent {
                email: "b@example.com".into(),
                name: "B".into(),
                password_hash: "x".into(),
                is_admin: false,
                inboxes: vec!["Other".into()],
            },
            T0,
        )
        .await
        .unwrap();
    let insider = store
        .add_agent(
            NewAgent {
                email: "a@example.com".into(),
                name: "A".into(),
                password_hash: "x".into(),
                is_admin: false,
                inboxes: vec!["Instagram".into()],
            },
            T0,
        )
        .await
        .unwrap();
    apply(store, &[message(a.id, "555", "m1", "hi", T0)]).await;
    let seen = store
        .customers_by_igsid(insider.scope(), "555")
        .await
        .unwrap();
    assert_eq!(seen.len(), 1);
    let id = seen[0].id;
    assert!(store
        .customers_by_igsid(outsider.scope(), "555")
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .customer(outsider.scope(), id)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .timeline(outsider.scope(), id)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .conversations(outsider.scope(), None)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .conversations(insider.scope(), None)
            .await
            .unwrap()
            .len(),
        1
    );
}

pub async fn agent_tokens_resolve_to_their_agent(store: &dyn Store) {
    let agent = store
        .add_agent(
            NewAgent {
                email: "a@example.com".into(),
                name: "A".into(),
                password_hash: "x".into(),
                is_admin: false,
                inboxes: vec![],
            },
            T0,
        )
        .await
        .unwrap();
    store
        .add_agent_token(agent.id, "hash-1", "cli", T0)
        .await
        .unwrap();
    assert_eq!(
        store
            .agent_by_token_hash("hash-1")
            .await
            .unwrap()
            .unwrap()
            .id,
        agent.id
    );
    assert!(store.agent_by_token_hash("hash-2").await.unwrap().is_none());
    let dup = store
        .add_agent(
            NewAgent {
                email: "a@example.com".into(),
                name: "A2".into(),
                password_hash: "x".into(),
                is_admin: false,
                inboxes: vec![],
            },
            T0,
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))));
}

pub async fn sessions_sign_in_and_expire(store: &dyn Store) {
    let agent = store
        .add_agent(
            NewAgent {
                email: "Ana@Example.com".into(),
                name: "Ana".into(),
                password_hash: "hash".into(),
                is_admin: false,
                inboxes: vec![],
            },
            T0,
        )
        .await
        .unwrap();
    let (found, hash) = store
        .agent_for_sign_in("ana@example.com ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, hash.as_str()), (agent.id, "hash"));
    assert!(store
        .agent_for_sign_in("bob@example.com")
        .await
        .unwrap()
        .is_none());
    store
        .create_session(NewSession {
            token_hash: "t1".into(),
            agent: agent.id,
            csrf_token: "c1".into(),
            created_at: T0,
            expires_at: T0 + 1_000,
        })
        .await
        .unwrap();
    let (who, csrf) = store.session("t1", T0 + 999).await.unwrap().unwrap();
    assert_eq!((who.id, csrf.as_str()), (agent.id, "c1"));
    assert!(
        store.session("t1", T0 + 1_000).await.unwrap().is_none(),
        "expired"
    );
    store.end_session("t1").await.unwrap();
    assert!(
        store.session("t1", T0).await.unwrap().is_none(),
        "signed out"
    );
}
