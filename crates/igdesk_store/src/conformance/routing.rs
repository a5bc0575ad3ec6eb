//! Routing, sessions, SLA and live streams: the agent's day, on every backend.

use super::{account, apply, echo, message, T0};
use crate::model::*;
use crate::prelude::*;
use crate::routing::*;
use igdesk_domain::changes::{Change, ChangeKind};
use igdesk_domain::{AgentId, ConversationId, EventId, Igsid, Mid};

const OFFER_FOR: i64 = 30_000;
const HOUR: i64 = 3_600_000;

/// An agent of the Instagram inbox, available or away.
pub async fn agent(store: &dyn Store, email: &str, available: bool) -> Agent {
    let agent = store
        .add_agent(
            NewAgent {
                email: email.into(),
                name: email.into(),
                password_hash: "x".into(),
                is_admin: false,
                inboxes: vec!["Instagram".into()],
            },
            T0,
        )
        .await
        .unwrap();
    store.set_available(agent.id, available, T0).await.unwrap();
    agent
}

async fn open_conversation_of(store: &dyn Store, scope: Scope, igsid: &str) -> Conversation {
    let c = &store.customers_by_igsid(scope, igsid).await.unwrap()[0];
    store
        .conversations(scope, Some("open"))
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.customer_id == c.id)
        .expect("an open conversation")
}

pub async fn work_is_offered_to_one_agent_longest_waiting_first(store: &dyn Store) {
    let a = account(store, "1784").await;
    let ana = agent(store, "ana@x", true).await;
    let ben = agent(store, "ben@x", true).await;
    let _away = agent(store, "cy@x", false).await;
    for (n, igsid) in ["c1", "c2", "c3"].iter().enumerate() {
        let at = T0 + n as i64;
        apply(
            store,
            &[message(a.id, igsid, &format!("m{n}"), "hello there", at)],
        )
        .await;
    }
    let offers = store.route(T0 + 10, OFFER_FOR, 100).await.unwrap();
    assert_eq!(offers.len(), 3);
    let who: Vec<_> = offers
        .iter()
        .map(|o| (o.customer_name.as_str(), o.agent_id))
        .collect();
    // Oldest work first; each goes to the agent carrying the least, ties to the one
    // offered work longest ago.
    assert_eq!(who, vec![("c1", ana.id), ("c2", ben.id), ("c3", ana.id)]);
    assert_eq!(offers[0].preview, "hello there");
    assert_eq!(offers[0].expires_at, T0 + 10 + OFFER_FOR);
    assert!(
        store
            .route(T0 + 11, OFFER_FOR, 100)
            .await
            .unwrap()
            .is_empty(),
        "work with an offer in flight is not offered again"
    );
    assert_eq!(store.offers_for(ana.id).await.unwrap().len(), 2);
    let events = store
        .events_after(ana.id, EventId(0), 100)
        .await
        .unwrap()
        .events;
    let kinds: Vec<_> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, vec!["offer", "offer"]);
    assert_eq!(events[0].payload["customer_name"], "c1");
}

pub async fn accept_assigns_and_decline_holds_until_next(store: &dyn Store) {
    let a = account(store, "1784").await;
    let ana = agent(store, "ana@x", true).await;
    apply(store, &[message(a.id, "c1", "m1", "hi", T0)]).await;
    apply(store, &[message(a.id, "c2", "m2", "hi", T0 + 1)]).await;
    let offers = store.route(T0, OFFER_FOR, 100).await.unwrap();
    assert_eq!(offers.len(), 2);
    let now = T0 + 1_000;
    let accepted = store.accept_offer(ana.id, offers[0].id, now).await.unwrap();
    assert_eq!(accepted, OfferAnswer::Done(offers[0].conversation_id));
    let again = store.accept_offer(ana.id, offers[0].id, now).await.unwrap();
    assert_eq!(again, OfferAnswer::Unknown, "an offer is answered once");
    assert_eq!(
        store
            .decline_offer(ana.id, offers[1].id, now)
            .await
            .unwrap(),
        OfferAnswer::Done(offers[1].conversation_id)
    );
    let state = store.agent_routing(ana.id).await.unwrap().unwrap();
    assert!(
        state.held && state.conversations == 1 && state.offers == 0,
        "{state:?}"
    );
    assert!(
        store.route(now, OFFER_FOR, 100).await.unwrap().is_empty(),
        "a held agent gets no offers"
    );
    let ben = agent(store, "ben@x", true).await;
    let moved = store.route(now, OFFER_FOR, 100).await.unwrap();
    assert_eq!(
        (moved.len(), moved[0].agent_id, moved[0].conversation_id),
        (1, ben.id, offers[1].conversation_id),
        "declined work goes to another agent"
    );
    assert_eq!(
        store.request_next(ana.id, now).await.unwrap(),
        NextAnswer::Granted
    );
    assert!(!store.agent_routing(ana.id).await.unwrap().unwrap().held);
}

pub async fn an_unanswered_offer_expires_and_moves_on(store: &dyn Store) {
    let a = account(store, "1784").await;
    let ana = agent(store, "ana@x", true).await;
    apply(store, &[message(a.id, "c1", "m1", "hi", T0)]).await;
    let offer = store.route(T0, OFFER_FOR, 10).await.unwrap().remove(0);
    assert_eq!(
        store.next_offer_expiry().await.unwrap(),
        Some(T0 + OFFER_FOR)
    );
    assert!(store
        .expire_offers(T0 + OFFER_FOR - 1)
        .await
        .unwrap()
        .is_empty());
    let late = store
        .accept_offer(ana.id, offer.id, T0 + OFFER_FOR)
        .await
        .unwrap();
    assert_eq!(late, OfferAnswer::Expired);
    let expired = store.expire_offers(T0 + OFFER_FOR).await.unwrap();
    assert_eq!(expired, vec![offer.clone()]);
    assert!(store.agent_routing(ana.id).await.unwrap().unwrap().held);
    let ben = agent(store, "ben@x", true).await;
    let moved = store.route(T0 + OFFER_FOR, OFFER_FOR, 10).await.unwrap();
    assert_eq!(
        (moved[0].agent_id, moved[0].conversation_id),
        (ben.id, offer.conversation_id)
    );
    let kinds: Vec<_> = store
        .events_after(ana.id, EventId(0), 10)
        .await
        .unwrap()
        .events
        .into_iter()
        .map(|e| (e.kind, e.payload["reason"].as_str().map(str::to_owned)))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("offer".into(), None),
            ("offer_withdrawn".into(), Some("timeout".into()))
        ]
    );
}

pub async fn capacity_is_standard_then_next_one_at_a_time_up_to_the_maximum(store: &dyn Store) {
    let a = account(store, "1784").await;
    let ana = agent(store, "ana@x", true).await;
    for n in 0..7 {
        apply(
            store,
            &[message(
                a.id,
                &format!("c{n}"),
                &format!("m{n}"),
                "hi",
                T0 + n,
            )],
        )
        .await;
    }
    let mut now = T0 + 100;
    let accept_all = async |store: &dyn Store, now: i64| {
        let offers = store.route(now, OFFER_FOR, 100).await.unwrap();
        for o in &offers {
            store.accept_offer(ana.id, o.id, now).await.unwrap();
        }
        offers.len()
    };
    assert_eq!(accept_all(store, now).await, 3, "the standard capacity");
    assert_eq!(accept_all(store, now).await, 0);
    for expected_total in [4, 5] {
        now += 1;
        assert_eq!(
            store.request_next(ana.id, now).await.unwrap(),
            NextAnswer::Granted
        );
        assert_eq!(
            accept_all(store, now).await,
            1,
            "Next brings exactly one more"
        );
        assert_eq!(accept_all(store, now).await, 0);
        let state = store.agent_routing(ana.id).await.unwrap().unwrap();
        assert_eq!(state.conversations, expected_total);
    }
    assert_eq!(
        store.request_next(ana.id, now).await.unwrap(),
        NextAnswer::AtMaximum
    );
    assert_eq!(accept_all(store, now).await, 0, "never beyond the maximum");

    // One ends; Next brings one more, offered. With that offer waiting, Next is still
    // granted (the agent has four conversations, below the maximum) and brings nothing
    // beyond it: Close & Next meets such an offer when routing made it as the close
    // freed the room.
    let scope = Scope {
        agent: ana.id,
        admin: false,
    };
    let first = open_conversation_of(store, scope, "c0").await;
    store
        .close_conversation(scope, first.id, now)
        .await
        .unwrap();
    now += 1;
    assert_eq!(
        store.request_next(ana.id, now).await.unwrap(),
        NextAnswer::Granted
    );
    assert_eq!(store.route(now, OFFER_FOR, 100).await.unwrap().len(), 1);
    assert_eq!(
        store.request_next(ana.id, now).await.unwrap(),
        NextAnswer::Granted
    );
    assert!(store.route(now, OFFER_FOR, 100).await.unwrap().is_empty());
    store.set_available(ana.id, false, now).await.unwrap();
    let state = store.agent_routing(ana.id).await.unwrap().unwrap();
    assert!(!state.available);
}

pub async fn sessions_end_by_close_no_reply_needed_and_silence(store: &dyn Store) {
    let a = account(store, "1784").await;
    let ana = agent(store, "ana@x", true).await;
    let ben = agent(store, "ben@x", false).await;
    apply(store, &[message(a.id, "c1", "m1", "hi", T0)]).await;
    apply(store, &[message(a.id, "c2", "m2", "hi", T0)]).await;
    apply(store, &[message(a.id, "c3", "m3", "first", T0)]).await;
    apply(store, &[message(a.id, "c3", "m4", "second", T0 + 5)]).await;
    for o in store.route(T0, OFFER_FOR, 10).await.unwrap() {
        store.accept_offer(ana.id, o.id, T0).await.unwrap();
    }
    let scope = ana.scope();
    let c1 = open_conversation_of(store, scope, "c1").await;
    let answer = store
        .close_conversation(ben.scope(), c1.id, T0)
        .await
        .unwrap();
    assert_eq!(answer, CloseAnswer::NotYours);
    assert_eq!(
        store.close_conversation(scope, c1.id, T0).await.unwrap(),
        CloseAnswer::Closed
    );
    let twice = store.close_conversation(scope, c1.id, T0).await.unwrap();
    assert_eq!(twice, CloseAnswer::AlreadyClosed);
    let unknown = store
        .close_conversation(scope, ConversationId(999), T0)
        .await
        .unwrap();
    assert_eq!(unknown, CloseAnswer::Unknown);
    // A new message afterwards is new work on the same profile.
    apply(store, &[message(a.id, "c1", "m5", "again", T0 + 10)]).await;
    let reopened = open_conversation_of(store, scope, "c1").await;
    assert!(reopened.id != c1.id && reopened.customer_id == c1.customer_id);

    let c3 = open_conversation_of(store, scope, "c3").await;
    let items = store
        .timeline(scope, c3.customer_id)
        .await
        .unwrap()
        .unwrap();
    let first = items.iter().find(|i| i.mid == "m3").unwrap().id;
    let last = items.iter().find(|i| i.mid == "m4").unwrap().id;
    let not_last = store.no_reply_needed(scope, first, T0 + 20).await.unwrap();
    assert_eq!(not_last, NoReplyAnswer::NotLastIncoming);
    let ended = store.no_reply_needed(scope, last, T0 + 20).await.unwrap();
    assert_eq!(ended, NoReplyAnswer::Ended(c3.id));
    let items = store
        .timeline(scope, c3.customer_id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        items
            .iter()
            .find(|i| i.id == last)
            .unwrap()
            .context
            .no_reply_needed
    );

    // The default inbox ends a session after a day of customer silence.
    let c2 = open_conversation_of(store, scope, "c2").await;
    assert!(store.auto_end(T0 + 24 * HOUR - 1).await.unwrap().is_empty());
    let silent = store.auto_end(T0 + 24 * HOUR).await.unwrap();
    assert_eq!(silent, vec![c2.id]);
    let ends: Vec<_> = store
        .events_after(ana.id, EventId(0), 100)
        .await
        .unwrap()
        .events
        .into_iter()
        .filter(|e| e.kind == "ended")
        .map(|e| e.payload["ended_by"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ends, vec!["agent", "no_reply_needed", "auto_end"]);
}

pub async fn sla_is_met_when_a_persons_reply_leaves_or_by_an_echo_never_by_an_automatic_one(
    store: &dyn Store,
) {
    let a = account(store, "1784").await;
    let ana = agent(store, "ana@x", true).await;
    let scope = ana.scope();
    let waiting = ["fast", "slow", "bot", "echoed", "failed", "left-late"];
    for igsid in waiting {
        apply(
            store,
            &[message(a.id, igsid, &format!("m-{igsid}"), "hi", T0)],
        )
        .await;
    }
    let customer = |igsid: &'static str| async move {
        store
            .customers_by_igsid(scope, igsid)
            .await
            .unwrap()
            .remove(0)
    };
    // Queued at `at`; Meta accepts it at `sent_at`, or refuses it then (`None`).
    let reply = |c: Customer, author: &'static str, at: i64, sent_at: Option<i64>, done: i64| async move {
        let part = OutgoingPart {
            provisional_mid: format!("out-{}-{author}", c.id),
            text: Some("answer".into()),
            attachments: vec![],
            message: serde_json::json!({ "text": "answer" }),
        };
        let reply = NewReply {
            account: c.account_id,
            customer: c.id,
            lane: Lane::Api,
            author,
            comment_id: None,
            parts: vec![part],
        };
        let item = store.queue_reply(reply, at).await.unwrap()[0];
        let job = store
            .claim_sends(10, at, at + 1_000)
            .await
            .unwrap()
            .into_iter()
            .find(|j| j.payload == item.0.to_string())
            .expect("the reply's send job");
        match sent_at {
            Some(sent_at) => store
                .record_sent(job.id, item, &format!("mid-{}", c.id), sent_at)
                .await
                .unwrap(),
            None => store
                .record_failed(job.id, item, "refused", done)
                .await
                .unwrap(),
        }
    };
    let minute = 60_000;
    reply(
        customer("fast").await,
        "human",
        T0 + minute,
        Some(T0 + minute + 1),
        0,
    )
    .await;
    reply(
        customer("slow").await,
        "human",
        T0 + 2 * HOUR,
        Some(T0 + 2 * HOUR + 1),
        0,
    )
    .await;
    reply(
        customer("bot").await,
        "automatic",
        T0 + 1_000,
        Some(T0 + 2_000),
        0,
    )
    .await;
    reply(
        customer("failed").await,
        "human",
        T0 + minute,
        None,
        T0 + minute + 1,
    )
    .await;
    // Queued within the target, accepted by Meta only after it.
    reply(
        customer("left-late").await,
        "human",
        T0 + 50 * minute,
        Some(T0 + 61 * minute),
        0,
    )
    .await;
    apply(
        store,
        &[echo(a.id, "echoed", "e1", "from the app", T0 + 120_000)],
    )
    .await;
    let inbox = a.inbox_id;
    let early = store
        .sla_report(inbox, T0, T0 + 1, T0 + 1_000)
        .await
        .unwrap()
        .unwrap();
    // Answered in time: fast and echoed. Answered late: slow, and left-late, whose
    // reply left after the target. The bot's and the failed reply's customers wait.
    assert_eq!(
        (early.total, early.met, early.breached, early.waiting),
        (6, 2, 2, 2)
    );
    assert_eq!(early.target_seconds, 3600);
    let later = store
        .sla_report(inbox, T0, T0 + 1, T0 + 3 * HOUR)
        .await
        .unwrap()
        .unwrap();
    // An automatic reply counts not; a reply Meta refused answered nobody.
    assert_eq!(
        (later.total, later.met, later.breached, later.waiting),
        (6, 2, 4, 0)
    );
    let elsewhere = store
        .sla_report(inbox, T0 + 1, T0 + 2, T0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(elsewhere.total, 0, "the period is by when the wait started");
    let missing = store
        .sla_report(igdesk_domain::InboxId(999), T0, T0 + 1, T0)
        .await;
    assert!(missing.unwrap().is_none());
}

pub async fn an_echo_routes_the_conversation_with_its_reason(store: &dyn Store) {
    let a = account(store, "1784").await;
    let ana = agent(store, "ana@x", true).await;
    apply(store, &[echo(a.id, "c1", "e1", "from the app", T0)]).await;
    let offers = store.route(T0, OFFER_FOR, 10).await.unwrap();
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].agent_id, ana.id);
    assert_eq!(offers[0].reason.as_deref(), Some(ECHO_ROUTED_REASON));
    assert_eq!(offers[0].preview, "from the app");
}

pub async fn an_agents_stream_carries_its_conversations_items_in_order(store: &dyn Store) {
    let a = account(store, "1784").await;
    let ana = agent(store, "ana@x", true).await;
    apply(store, &[message(a.id, "c1", "m1", "hi", T0)]).await;
    let offer = store.route(T0, OFFER_FOR, 10).await.unwrap().remove(0);
    store.accept_offer(ana.id, offer.id, T0).await.unwrap();
    let seen = store.last_event_id(ana.id).await.unwrap();
    apply(store, &[message(a.id, "c1", "m2", "more", T0 + 1)]).await;
    let react = Change {
        account: Some(a.id),
        kind: ChangeKind::React {
            igsid: Igsid("c1".into()),
            mid: Mid("m2".into()),
            reaction: Some("love".into()),
            emoji: None,
            at: T0 + 2,
        },
    };
    apply(store, &[react]).await;
    let after = store.events_after(ana.id, seen, 100).await.unwrap().events;
    let kinds: Vec<_> = after.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, vec!["item", "reaction"]);
    assert!(after[0].id > seen && after[1].id > after[0].id);
    assert_eq!(after[0].item_id, after[1].item_id);
    let resumed = store
        .events_after(ana.id, after[0].id, 100)
        .await
        .unwrap()
        .events;
    assert_eq!(
        resumed,
        after[1..].to_vec(),
        "resuming after an id misses nothing"
    );
    assert_eq!(
        store.prune_events(T0 + 3).await.unwrap() as usize,
        kinds.len() + 2
    );
}

pub async fn a_lease_has_one_holder_until_it_runs_out(store: &dyn Store) {
    assert!(store.take_lease("routing", "a", T0, T0 + 10).await.unwrap());
    assert!(store
        .take_lease("routing", "a", T0 + 5, T0 + 15)
        .await
        .unwrap());
    assert!(!store
        .take_lease("routing", "b", T0 + 10, T0 + 20)
        .await
        .unwrap());
    assert!(store
        .take_lease("routing", "b", T0 + 15, T0 + 25)
        .await
        .unwrap());
}

/// The console's reads: a timeline a page at a time, newest page first and each page
/// oldest first; a customer's conversations; an agent's own open conversations.
pub async fn the_console_reads_a_page_of_a_timeline_and_an_agents_conversations(store: &dyn Store) {
    let a = account(store, "1784").await;
    let ana = agent(store, "ana@x", true).await;
    let changes: Vec<Change> = (0..5)
        .map(|n| message(a.id, "c1", &format!("m{n}"), &format!("text {n}"), T0 + n))
        .collect();
    apply(store, &changes).await;
    let customer = store.customers_by_igsid(ana.scope(), "c1").await.unwrap()[0].id;
    let texts = |items: Vec<TimelineItem>| -> Vec<String> {
        items
            .into_iter()
            .map(|i| i.text.unwrap_or_default())
            .collect()
    };
    let newest = store
        .timeline_page(ana.scope(), customer, None, 2)
        .await
        .unwrap()
        .unwrap();
    let before = newest[0].id;
    assert_eq!(texts(newest), ["text 3", "text 4"]);
    let older = store
        .timeline_page(ana.scope(), customer, Some(before), 2)
        .await
        .unwrap()
        .unwrap();
    let oldest_id = older[0].id;
    assert_eq!(texts(older), ["text 1", "text 2"]);
    let last = store
        .timeline_page(ana.scope(), customer, Some(oldest_id), 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(texts(last), ["text 0"]);
    let elsewhere = Scope {
        agent: AgentId(ana.id.0 + 1000),
        admin: false,
    };
    assert!(store
        .timeline_page(elsewhere, customer, None, 2)
        .await
        .unwrap()
        .is_none());

    let conversations = store
        .customer_conversations(ana.scope(), customer)
        .await
        .unwrap();
    assert_eq!(conversations.len(), 1);
    assert!(store
        .customer_conversations(elsewhere, customer)
        .await
        .unwrap()
        .is_empty());
    assert!(store.agent_conversations(ana.id).await.unwrap().is_empty());
    let offers = store.route(T0 + 10, OFFER_FOR, 100).await.unwrap();
    store
        .accept_offer(ana.id, offers[0].id, T0 + 20)
        .await
        .unwrap();
    let mine = store.agent_conversations(ana.id).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, conversations[0].id);
}
