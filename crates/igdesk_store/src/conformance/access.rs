//! Agents switched off and on, passwords, and product tokens as administrators
//! manage them (UI-4), on every backend.

use super::people::person;
use super::{account, admin, apply, customer_of, message, part, T0};
use crate::access::*;
use crate::api::*;
use crate::labels::{WorkFilter, WorkState};
use crate::model::*;
use crate::prelude::*;
use igdesk_domain::{AgentId, ApiTokenId, ConversationId, EventId};

const OFFER_FOR: i64 = 30_000;

async fn session(store: &dyn Store, agent: AgentId, token_hash: &str) {
    store
        .create_session(NewSession {
            token_hash: token_hash.into(),
            agent,
            csrf_token: "csrf".into(),
            created_at: T0,
            expires_at: T0 + 1_000_000_000_000,
        })
        .await
        .unwrap();
}

async fn signed_in(store: &dyn Store, token_hash: &str) -> bool {
    store.session(token_hash, T0).await.unwrap().is_some()
}

pub async fn switching_an_agent_off_signs_them_out_and_returns_their_work(store: &dyn Store) {
    let a = account(store, "1784").await;
    let boss = person(store, "boss@x", true, &[]).await;
    let ana = person(store, "ana@x", false, &["Instagram"]).await;
    store.set_available(ana.id, true, T0).await.unwrap();
    session(store, ana.id, "ana-laptop").await;
    store
        .add_agent_token(ana.id, "ana-t", "script", T0)
        .await
        .unwrap();
    apply(store, &[message(a.id, "c1", "m1", "hi", T0)]).await;
    let first = store.route(T0, OFFER_FOR, 10).await.unwrap().remove(0);
    store.accept_offer(ana.id, first.id, T0 + 1).await.unwrap();
    apply(store, &[message(a.id, "c2", "m2", "hello", T0 + 2)]).await;
    let waiting = store.route(T0 + 2, OFFER_FOR, 10).await.unwrap().remove(0);
    assert_eq!(waiting.agent_id, ana.id);

    let now = T0 + 10;
    let Deactivation::Done(undone) = store.deactivate_agent(ana.id, now).await.unwrap() else {
        panic!("switched off");
    };
    assert_eq!(
        undone,
        Undone {
            sessions_ended: 1,
            tokens_revoked: 1,
            offers_withdrawn: 1,
            conversations_returned: vec![first.conversation_id],
        }
    );
    assert!(!signed_in(store, "ana-laptop").await);
    assert!(store.agent_by_token_hash("ana-t").await.unwrap().is_none());
    assert!(store.offers_for(ana.id).await.unwrap().is_empty());
    let open = store
        .conversations(boss.scope(), Some("open"))
        .await
        .unwrap();
    assert_eq!(open.len(), 2);
    for c in &open {
        assert_eq!(c.agent_id, None, "{c:?}");
    }
    let returned = open.iter().find(|c| c.id == first.conversation_id).unwrap();
    assert_eq!(
        returned.routed_reason.as_deref(),
        Some(DEACTIVATED_ROUTED_REASON)
    );
    let report = store
        .sla_report(a.inbox_id, T0 - 1, now, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.waiting, 2, "the customers still wait: {report:?}");

    // Away, and staying away whatever a late request asks.
    store.set_available(ana.id, true, now).await.unwrap();
    assert!(
        !store
            .agent_routing(ana.id)
            .await
            .unwrap()
            .unwrap()
            .available
    );
    let details = store.agent_detail(ana.id).await.unwrap().unwrap();
    assert_eq!((details.active, details.deactivated_at), (false, Some(now)));
    let events = store
        .events_after(ana.id, EventId(0), 100)
        .await
        .unwrap()
        .events;
    let last = events.last().unwrap();
    assert_eq!(last.kind, "signed_out");
    assert_eq!(last.payload["reason"], "deactivated");
    assert!(events
        .iter()
        .any(|e| e.kind == "offer_withdrawn" && e.payload["reason"] == "deactivated"));

    // Their work goes to others; never to them.
    let ben = person(store, "ben@x", false, &["Instagram"]).await;
    store.set_available(ben.id, true, now).await.unwrap();
    let moved = store.route(now, OFFER_FOR, 10).await.unwrap();
    assert_eq!(moved.len(), 2);
    assert!(moved.iter().all(|o| o.agent_id == ben.id), "{moved:?}");
    let by_mail = store
        .credentials_by_email(" ANA@x ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (by_mail.agent.id, by_mail.deactivated_at),
        (ana.id, Some(now))
    );
    assert_eq!(
        store.deactivate_agent(ana.id, now + 1).await.unwrap(),
        Deactivation::AlreadyDeactivated
    );
    assert_eq!(
        store.deactivate_agent(AgentId(9_999), now).await.unwrap(),
        Deactivation::Unknown
    );
}

pub async fn switching_on_again_lets_the_password_in_but_no_old_credential(store: &dyn Store) {
    let ana = person(store, "ana@x", false, &[]).await;
    let old = store
        .add_agent_token(ana.id, "old-t", "old", T0)
        .await
        .unwrap();
    assert!(matches!(
        store.deactivate_agent(ana.id, T0 + 1).await.unwrap(),
        Deactivation::Done(_)
    ));
    // A sign-in and a token that raced the switching off: not recognised now, and
    // not brought back by switching on.
    session(store, ana.id, "raced").await;
    store
        .add_agent_token(ana.id, "raced-t", "raced", T0 + 2)
        .await
        .unwrap();
    assert!(!signed_in(store, "raced").await);
    assert!(store
        .agent_by_token_hash("raced-t")
        .await
        .unwrap()
        .is_none());

    assert_eq!(
        store.reactivate_agent(ana.id, T0 + 3).await.unwrap(),
        Reactivation::Done
    );
    assert!(!signed_in(store, "raced").await);
    assert!(store
        .agent_by_token_hash("raced-t")
        .await
        .unwrap()
        .is_none());
    assert!(store.agent_by_token_hash("old-t").await.unwrap().is_none());
    let tokens = store.agent_tokens(ana.id).await.unwrap();
    let old_now = tokens.iter().find(|t| t.id == old.id).unwrap();
    assert_eq!(
        old_now.revoked_at,
        Some(T0 + 1),
        "revoked when switched off"
    );
    assert!(tokens.iter().all(|t| t.revoked_at.is_some()));
    let details = store.agent_detail(ana.id).await.unwrap().unwrap();
    assert_eq!((details.active, details.deactivated_at), (true, None));
    assert_eq!(
        store
            .credentials(ana.id)
            .await
            .unwrap()
            .unwrap()
            .deactivated_at,
        None
    );
    // Signing in works again; new tokens too.
    session(store, ana.id, "fresh").await;
    assert!(signed_in(store, "fresh").await);
    store
        .add_agent_token(ana.id, "new-t", "new", T0 + 4)
        .await
        .unwrap();
    assert!(store.agent_by_token_hash("new-t").await.unwrap().is_some());
    assert_eq!(
        store.reactivate_agent(ana.id, T0 + 5).await.unwrap(),
        Reactivation::NotDeactivated
    );
    assert_eq!(
        store.reactivate_agent(AgentId(9_999), T0).await.unwrap(),
        Reactivation::Unknown
    );
}

pub async fn the_last_administrator_switched_on_stays_on(store: &dyn Store) {
    let boss = person(store, "boss@x", true, &[]).await;
    assert_eq!(
        store.deactivate_agent(boss.id, T0).await.unwrap(),
        Deactivation::LastAdmin
    );
    let deputy = person(store, "deputy@x", true, &[]).await;
    assert!(matches!(
        store.deactivate_agent(boss.id, T0).await.unwrap(),
        Deactivation::Done(_)
    ));
    assert_eq!(
        store.deactivate_agent(deputy.id, T0).await.unwrap(),
        Deactivation::LastAdmin,
        "a switched-off administrator does not count"
    );
    store.reactivate_agent(boss.id, T0 + 1).await.unwrap();
    assert!(matches!(
        store.deactivate_agent(deputy.id, T0 + 2).await.unwrap(),
        Deactivation::Done(_)
    ));
    let listed = store.agent_details().await.unwrap();
    let active: Vec<bool> = listed.iter().map(|a| a.active).collect();
    assert_eq!(active, [true, false], "both listed, switched off or not");
}

pub async fn a_password_change_ends_the_other_sessions(store: &dyn Store) {
    let ana = person(store, "ana@x", false, &[]).await;
    store
        .add_agent_token(ana.id, "ana-t", "script", T0)
        .await
        .unwrap();
    session(store, ana.id, "here").await;
    session(store, ana.id, "elsewhere").await;
    let changed = store
        .set_password(ana.id, "new-hash", Some("x"), Some("here"), T0 + 1)
        .await
        .unwrap();
    assert_eq!(changed, PasswordChange::Done { sessions_ended: 1 });
    assert!(signed_in(store, "here").await);
    assert!(!signed_in(store, "elsewhere").await);
    assert!(
        store.agent_by_token_hash("ana-t").await.unwrap().is_some(),
        "tokens are not passwords: they stay"
    );
    assert_eq!(
        store
            .credentials(ana.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "new-hash"
    );
    let last = store
        .events_after(ana.id, EventId(0), 10)
        .await
        .unwrap()
        .events;
    assert_eq!(last.last().unwrap().kind, "signed_out");
    // Checked against a hash that is no longer the one: the other change stands.
    assert_eq!(
        store
            .set_password(ana.id, "late-hash", Some("x"), None, T0 + 2)
            .await
            .unwrap(),
        PasswordChange::Changed
    );
    assert_eq!(
        store
            .credentials(ana.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "new-hash"
    );
    // An administrator's reset: every session ends.
    assert_eq!(
        store
            .set_password(ana.id, "reset-hash", None, None, T0 + 3)
            .await
            .unwrap(),
        PasswordChange::Done { sessions_ended: 1 }
    );
    assert!(!signed_in(store, "here").await);
    assert_eq!(
        store
            .set_password(AgentId(9_999), "h", None, None, T0)
            .await
            .unwrap(),
        PasswordChange::Unknown
    );
}

pub async fn product_tokens_are_listed_per_account_with_their_last_use(store: &dyn Store) {
    let shop = account(store, "1784").await;
    let other = account(store, "1785").await;
    let first = store
        .create_api_token("1784", "crm", "h1", T0)
        .await
        .unwrap()
        .unwrap();
    let second = store
        .create_api_token("1784", "bot", "h2", T0 + 1)
        .await
        .unwrap()
        .unwrap();
    store
        .create_api_token("1785", "theirs", "h3", T0)
        .await
        .unwrap()
        .unwrap();
    apply(store, &[message(shop.id, "c1", "m1", "hi", T0)]).await;
    let queued = store
        .queue_api_message(
            NewApiMessage {
                account: shop.id,
                token: first.id,
                igsid: "c1".into(),
                reference: None,
                valid_until: None,
                parts: vec![part("hello")],
            },
            T0 + 7,
        )
        .await
        .unwrap();
    assert!(matches!(queued, ApiQueued::Queued { .. }));

    let listed = store.account_api_tokens(shop.id).await.unwrap();
    let seen: Vec<_> = listed
        .iter()
        .map(|l| (l.token.id, l.token.name.as_str(), l.last_used_at))
        .collect();
    assert_eq!(
        seen,
        [(second.id, "bot", None), (first.id, "crm", Some(T0 + 7))],
        "newest first, the account's only"
    );
    assert!(
        store
            .revoke_account_api_token(other.id, first.id, T0 + 8)
            .await
            .unwrap()
            .is_none(),
        "another account's token is not found"
    );
    assert!(store
        .revoke_account_api_token(shop.id, ApiTokenId(9_999), T0)
        .await
        .unwrap()
        .is_none());
    let revoked = store
        .revoke_account_api_token(shop.id, first.id, T0 + 9)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(T0 + 9));
    let again = store
        .revoke_account_api_token(shop.id, first.id, T0 + 20)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        again.revoked_at,
        Some(T0 + 9),
        "the first revocation is kept"
    );
    let found = store.api_token_by_hash("h1").await.unwrap().unwrap();
    assert_eq!(found.revoked_at, Some(T0 + 9));
    assert_eq!(store.account_api_tokens(other.id).await.unwrap().len(), 1);
}

/// The work list tests each row against the agent's accounts and inboxes read once
/// (sql `Reach`); it must show exactly the conversations the one-conversation read
/// (`conversation_visible`) lets the agent see: their account's, and a customer's
/// closed ones while that customer's open conversation is in one of their inboxes.
pub async fn the_work_list_shows_exactly_what_an_agent_may_read(store: &dyn Store) {
    let a = account(store, "1784").await;
    let mut agents = Vec::new();
    for (email, inbox) in [
        ("ig@example.com", "Instagram"),
        ("other@example.com", "Other"),
    ] {
        let agent = store
            .add_agent(
                NewAgent {
                    email: email.into(),
                    name: inbox.into(),
                    password_hash: "x".into(),
                    is_admin: false,
                    inboxes: vec![inbox.into()],
                },
                T0,
            )
            .await
            .unwrap();
        agents.push(agent.scope());
    }
    let (instagram_agent, other_agent) = (agents[0], agents[1]);
    let everyone = admin(store).await;
    // 555: a closed conversation and an open one, both in Instagram; 666: closed only.
    apply(store, &[message(a.id, "555", "m1", "hi", T0)]).await;
    close_open(store, everyone, "555").await;
    apply(store, &[message(a.id, "555", "m2", "again", T0 + 20)]).await;
    apply(store, &[message(a.id, "666", "m3", "hello", T0 + 30)]).await;
    close_open(store, everyone, "666").await;
    // The account moves to Other: 555 stays with Instagram's agents through the open
    // conversation, 666 does not; 777 opens in Other.
    let other = store
        .inboxes()
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.name == "Other")
        .unwrap();
    store.set_account_inbox(a.id, Some(other.id)).await.unwrap();
    apply(store, &[message(a.id, "777", "m4", "hey", T0 + 40)]).await;

    let all = store.conversations(everyone, None).await.unwrap();
    assert_eq!(all.len(), 4);
    let mut igsids = std::collections::HashMap::new();
    for igsid in ["555", "666", "777"] {
        igsids.insert(customer_of(store, everyone, igsid).await.id, igsid);
    }
    for (scope, sees) in [
        (instagram_agent, vec!["555", "555"]),
        (other_agent, vec!["555", "555", "666", "777"]),
    ] {
        let mut readable = Vec::new();
        for c in &all {
            if store.conversation(scope, c.id).await.unwrap().is_some() {
                readable.push(c.id);
            }
        }
        for state in [None, Some(WorkState::Open), Some(WorkState::Closed)] {
            let filter = WorkFilter {
                state,
                ..WorkFilter::default()
            };
            let listed: Vec<ConversationId> = store
                .work(scope, &filter)
                .await
                .unwrap()
                .iter()
                .map(|c| c.id)
                .collect();
            let expected: Vec<ConversationId> = all
                .iter()
                .filter(|c| readable.contains(&c.id))
                .filter(|c| match state {
                    None => true,
                    Some(WorkState::Closed) => c.state == "closed",
                    Some(_) => c.state == "open",
                })
                .map(|c| c.id)
                .collect();
            assert_eq!(listed, expected, "{state:?}");
        }
        let mut seen: Vec<&str> = all
            .iter()
            .filter(|c| readable.contains(&c.id))
            .map(|c| igsids[&c.customer_id])
            .collect();
        seen.sort();
        assert_eq!(seen, sees);
    }
}

async fn close_open(store: &dyn Store, scope: Scope, igsid: &str) {
    let customer = customer_of(store, scope, igsid).await.id;
    let open = store.conversations(scope, Some("open")).await.unwrap();
    let c = open.iter().find(|c| c.customer_id == customer).unwrap();
    store
        .close_conversation(scope, c.id, T0 + 10)
        .await
        .unwrap();
}
