//! Agents, their personal tokens and inbox settings: the people part of the suite.

use super::T0;
use crate::model::*;
use crate::prelude::*;
use igdesk_domain::{AgentId, AgentTokenId, InboxId};

pub(super) async fn person(store: &dyn Store, email: &str, admin: bool, inboxes: &[&str]) -> Agent {
    store
        .add_agent(
            NewAgent {
                email: email.into(),
                name: email.into(),
                password_hash: "x".into(),
                is_admin: admin,
                inboxes: inboxes.iter().map(|i| i.to_string()).collect(),
            },
            T0,
        )
        .await
        .expect("add agent")
}

pub async fn agent_tokens_are_listed_and_revoked_only_by_their_owner_or_an_admin(
    store: &dyn Store,
) {
    let ana = person(store, "ana@example.com", false, &[]).await;
    let ben = person(store, "ben@example.com", false, &[]).await;
    let boss = person(store, "boss@example.com", true, &[]).await;
    let laptop = store
        .add_agent_token(ana.id, "h1", "laptop", T0)
        .await
        .unwrap();
    assert_eq!(
        (
            laptop.agent_id,
            laptop.label.as_str(),
            laptop.created_at,
            laptop.revoked_at
        ),
        (ana.id, "laptop", T0, None)
    );
    let script = store
        .add_agent_token(ana.id, "h2", "script", T0 + 1)
        .await
        .unwrap();
    let bens = store
        .add_agent_token(ben.id, "h3", "ben's", T0)
        .await
        .unwrap();
    let listed = store.agent_tokens(ana.id).await.unwrap();
    assert_eq!(
        listed,
        vec![script.clone(), laptop.clone()],
        "newest first, own only"
    );

    assert_eq!(
        store
            .revoke_agent_token(ben.scope(), laptop.id, T0 + 5)
            .await
            .unwrap(),
        None,
        "another agent's token is not in scope"
    );
    assert!(store.agent_by_token_hash("h1").await.unwrap().is_some());
    let revoked = store
        .revoke_agent_token(ana.scope(), laptop.id, T0 + 5)
        .await
        .unwrap()
        .expect("one's own token");
    assert_eq!(revoked.revoked_at, Some(T0 + 5));
    assert!(store.agent_by_token_hash("h1").await.unwrap().is_none());
    let again = store
        .revoke_agent_token(ana.scope(), laptop.id, T0 + 9)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        again.revoked_at,
        Some(T0 + 5),
        "the first revocation stands"
    );
    assert_eq!(
        store.agent_tokens(ana.id).await.unwrap()[1].revoked_at,
        Some(T0 + 5)
    );

    let by_admin = store
        .revoke_agent_token(boss.scope(), bens.id, T0 + 6)
        .await
        .unwrap();
    assert_eq!(by_admin.map(|t| t.agent_id), Some(ben.id));
    assert!(store.agent_by_token_hash("h3").await.unwrap().is_none());
    assert!(store.agent_by_token_hash("h2").await.unwrap().is_some());
    assert_eq!(
        store
            .revoke_agent_token(boss.scope(), AgentTokenId(9_999), T0)
            .await
            .unwrap(),
        None
    );
}

pub async fn agents_are_listed_with_inboxes_and_capacity_and_changed_in_one_go(store: &dyn Store) {
    let sales = store.ensure_inbox("Sales", T0).await.unwrap();
    let ana = person(store, "ana@example.com", false, &["Instagram", "Sales"]).await;
    let details = store.agent_details().await.unwrap();
    assert_eq!(details.len(), 1);
    let listed = &details[0];
    assert_eq!(
        (
            listed.id,
            listed.email.as_str(),
            listed.is_admin,
            listed.created_at
        ),
        (ana.id, "ana@example.com", false, T0)
    );
    assert_eq!(
        (listed.standard_capacity, listed.max_capacity),
        (3, 5),
        "the schema's defaults"
    );
    let names: Vec<_> = listed.inboxes.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["Instagram", "Sales"]);

    let changed = store
        .update_agent(
            ana.id,
            AgentChange {
                name: Some("Ana Lima".into()),
                is_admin: Some(true),
                inboxes: Some(vec![sales.id, sales.id]),
                capacity: Some(Capacity {
                    standard: 2,
                    max: 8,
                }),
            },
            0,
        )
        .await
        .unwrap()
        .expect("the agent exists");
    assert_eq!(
        (
            changed.name.as_str(),
            changed.is_admin,
            changed.standard_capacity,
            changed.max_capacity
        ),
        ("Ana Lima", true, 2, 8)
    );
    assert_eq!(
        changed.inboxes,
        vec![InboxRef {
            id: sales.id,
            name: "Sales".into()
        }]
    );
    let untouched = store
        .update_agent(ana.id, AgentChange::default(), 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(untouched, changed, "nothing asked, nothing changed");
    assert_eq!(store.agent_detail(ana.id).await.unwrap(), Some(changed));
    let emptied = store
        .update_agent(
            ana.id,
            AgentChange {
                inboxes: Some(vec![]),
                ..AgentChange::default()
            },
            0,
        )
        .await
        .unwrap()
        .unwrap();
    assert!(emptied.inboxes.is_empty());
    assert!(store
        .update_agent(AgentId(9_999), AgentChange::default(), 0)
        .await
        .unwrap()
        .is_none());
    assert!(store.agent_detail(AgentId(9_999)).await.unwrap().is_none());
}

pub async fn inbox_settings_change_field_by_field(store: &dyn Store) {
    let sales = store.ensure_inbox("Sales", T0).await.unwrap();
    assert_eq!(
        (
            sales.sla_target_seconds,
            sales.auto_end_seconds,
            sales.requires_topic
        ),
        (3_600, 86_400, false),
        "the schema's defaults"
    );
    let changed = store
        .update_inbox(
            sales.id,
            InboxChange {
                sla_target_seconds: Some(120),
                ..InboxChange::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            changed.sla_target_seconds,
            changed.auto_end_seconds,
            changed.requires_topic
        ),
        (120, 86_400, false)
    );
    store
        .update_inbox(
            sales.id,
            InboxChange {
                auto_end_seconds: Some(600),
                requires_topic: Some(true),
                ..InboxChange::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    let listed = store.inboxes().await.unwrap();
    let found = listed.iter().find(|i| i.id == sales.id).unwrap();
    assert_eq!(
        (
            found.sla_target_seconds,
            found.auto_end_seconds,
            found.requires_topic
        ),
        (120, 600, true)
    );
    let default = listed.iter().find(|i| i.is_default).unwrap();
    assert!(!default.requires_topic, "other inboxes keep theirs");
    assert!(store
        .update_inbox(InboxId(9_999), InboxChange::default())
        .await
        .unwrap()
        .is_none());
}
