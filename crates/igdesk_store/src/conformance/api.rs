//! The Business Messaging API's store (API-1, API-3, API-4) on every backend.

use super::{account, apply, message, T0};
use crate::api::*;
use crate::model::Account;
use crate::prelude::*;
use igdesk_domain::ItemId;

fn settings(handover: HandoverTarget) -> ApiSettings {
    ApiSettings {
        inbound_url: Some("http://receiver.example/inbound".into()),
        status_url: Some("http://receiver.example/status".into()),
        secret_sealed: "sealed".into(),
        handover,
        inbound_retry_seconds: 3600,
        status_retry_seconds: 3600,
    }
}

pub async fn product_tokens_are_found_by_hash_scoped_and_revocable(store: &dyn Store) {
    let shop = account(store, "1784").await;
    assert!(
        store
            .create_api_token("9999", "x", "h0", T0)
            .await
            .unwrap()
            .is_none(),
        "no such account"
    );
    let token = store
        .create_api_token("1784", "shop bot", "h1", T0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(token.account_id, shop.id);
    assert_eq!(token.account_ig_id, "1784");
    let found = store.api_token_by_hash("h1").await.unwrap().unwrap();
    assert_eq!((found.id, found.revoked_at), (token.id, None));
    assert!(store.api_token_by_hash("h2").await.unwrap().is_none());
    let revoked = store
        .revoke_api_token(token.id, T0 + 5)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(T0 + 5));
    let again = store
        .revoke_api_token(token.id, T0 + 9)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        again.revoked_at,
        Some(T0 + 5),
        "the first revocation is kept"
    );
    assert_eq!(store.api_tokens().await.unwrap().len(), 1);
}

pub async fn inbound_webhooks_go_one_at_a_time_per_conversation_in_order(store: &dyn Store) {
    let shop = account(store, "1784").await;
    store
        .set_api_settings(shop.id, &settings(HandoverTarget::Agents), T0)
        .await
        .unwrap();
    apply(
        store,
        &[
            message(shop.id, "a", "m1", "one", T0),
            message(shop.id, "a", "m2", "two", T0 + 1),
            message(shop.id, "b", "m3", "other", T0 + 2),
        ],
    )
    .await;
    let first = store.claim_webhooks(10, T0, T0 + 1_000).await.unwrap();
    let texts: Vec<String> = first
        .iter()
        .map(|w| {
            serde_json::from_str::<serde_json::Value>(&w.payload).unwrap()["message"]["text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(texts, ["one", "other"], "one per conversation, the oldest");
    assert_eq!(
        first[0].url.as_deref(),
        Some("http://receiver.example/inbound")
    );
    assert!(
        store
            .claim_webhooks(10, T0, T0 + 1_000)
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    store
        .settle_webhook(
            first[0].id,
            WebhookOutcome::Retry {
                at: T0 + 500,
                error: "down".into(),
            },
        )
        .await
        .unwrap();
    assert!(
        store
            .claim_webhooks(10, T0 + 100, T0 + 1_000)
            .await
            .unwrap()
            .is_empty(),
        "the second waits behind the first"
    );
    store
        .settle_webhook(first[0].id, WebhookOutcome::Delivered(T0 + 600))
        .await
        .unwrap();
    let next = store
        .claim_webhooks(10, T0 + 600, T0 + 2_000)
        .await
        .unwrap();
    assert_eq!(next.len(), 1);
    assert!(next[0].payload.contains("two"));
    store
        .settle_webhook(next[0].id, WebhookOutcome::Expired("gave up".into()))
        .await
        .unwrap();
    let counts = store.webhook_counts(shop.id).await.unwrap();
    assert_eq!(
        (counts.delivered, counts.expired, counts.pending),
        (1, 1, 1)
    );
    // The first failed once but was delivered: only the one given up is a failure.
    let failures = store.webhook_failures(shop.id, 5).await.unwrap();
    assert_eq!(
        failures
            .iter()
            .map(|f| (
                f.id,
                f.expired,
                f.attempts,
                f.error.as_str(),
                f.next_attempt_at
            ))
            .collect::<Vec<_>>(),
        vec![(next[0].id, true, 1, "gave up", None)]
    );
    // While the bot has them, customers' messages open no conversation.
    let open = store
        .conversations(super::admin(store).await, Some("open"))
        .await
        .unwrap();
    assert!(open.is_empty());
}

/// A SQLite instance that starts again after a crash (`kill -9`) frees what the dead
/// one held: a webhook it was posting (the head of its customer's queue) goes again at
/// once, not after its 60-second lease, and so does routing.
pub async fn releasing_all_leases_frees_webhooks_and_routing_too(store: &dyn Store) {
    let shop = account(store, "1784").await;
    store
        .set_api_settings(shop.id, &settings(HandoverTarget::Agents), T0)
        .await
        .unwrap();
    apply(store, &[message(shop.id, "a", "m1", "one", T0)]).await;
    let posting = store.claim_webhooks(10, T0, T0 + 60_000).await.unwrap();
    assert_eq!(posting.len(), 1);
    assert!(store
        .take_lease("routing", "dead", T0, T0 + 15_000)
        .await
        .unwrap());
    // The instance dies here; the next one starts.
    assert!(store
        .claim_webhooks(10, T0 + 1, T0 + 60_000)
        .await
        .unwrap()
        .is_empty());
    assert!(store.release_all_leases().await.unwrap() >= 2);
    let again = store.claim_webhooks(10, T0 + 1, T0 + 60_000).await.unwrap();
    assert_eq!(
        again.iter().map(|w| w.id).collect::<Vec<_>>(),
        [posting[0].id]
    );
    assert!(store
        .take_lease("routing", "next", T0 + 1, T0 + 15_000)
        .await
        .unwrap());
}

pub async fn a_human_agent_tap_hands_over_and_an_api_send_takes_back(store: &dyn Store) {
    let shop = account(store, "1784").await;
    store
        .set_api_settings(shop.id, &settings(HandoverTarget::Agents), T0)
        .await
        .unwrap();
    let token = store
        .create_api_token("1784", "", "h", T0)
        .await
        .unwrap()
        .unwrap();
    let mut tap = message(shop.id, "a", "m1", "Talk to a person", T0);
    if let igdesk_domain::changes::ChangeKind::AddItem { item, .. } = &mut tap.kind {
        item.context.quick_reply_payload = Some(HUMAN_AGENT_PAYLOAD.into());
    }
    apply(store, &[tap]).await;
    let scope = super::admin(store).await;
    let open = store.conversations(scope, Some("open")).await.unwrap();
    assert_eq!(open.len(), 1, "handed to the agents");
    assert_eq!(
        open[0].routed_reason.as_deref(),
        Some(HANDOVER_ROUTED_REASON)
    );
    let queued = store
        .queue_api_message(
            NewApiMessage {
                account: shop.id,
                token: token.id,
                igsid: "a".into(),
                reference: Some("r".into()),
                valid_until: None,
                parts: vec![crate::model::OutgoingPart {
                    provisional_mid: "p1".into(),
                    text: Some("bot".into()),
                    attachments: vec![],
                    message: serde_json::json!({"text": "bot"}),
                }],
            },
            T0 + 10,
        )
        .await
        .unwrap();
    let ApiQueued::Queued { items, took_back } = queued else {
        panic!("queued");
    };
    assert_eq!(items.len(), 1);
    assert_eq!(took_back.unwrap().conversation, Some(open[0].id));
    assert!(store
        .conversations(scope, Some("open"))
        .await
        .unwrap()
        .is_empty());
    let unknown = store
        .queue_api_message(
            NewApiMessage {
                account: shop.id,
                token: token.id,
                igsid: "never-wrote".into(),
                reference: None,
                valid_until: None,
                parts: vec![],
            },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(unknown, ApiQueued::UnknownRecipient);
}

fn api_message(shop: &Account, token: &ApiToken, igsid: &str, text: &str) -> NewApiMessage {
    NewApiMessage {
        account: shop.id,
        token: token.id,
        igsid: igsid.into(),
        reference: Some(text.into()),
        valid_until: None,
        parts: vec![crate::model::OutgoingPart {
            provisional_mid: format!("p-{igsid}-{text}"),
            text: Some(text.into()),
            attachments: vec![],
            message: serde_json::json!({ "text": text }),
        }],
    }
}

/// One request's messages in one transaction: outcomes in the request's order, an
/// unknown recipient refused without holding the others back, each customer's
/// messages queued in order with only the first given a send job; and two requests
/// naming the same customers in opposite orders, side by side, both go through.
pub async fn a_requests_messages_are_queued_together_in_order(store: &dyn Store) {
    let shop = account(store, "1784").await;
    let token = store
        .create_api_token("1784", "", "h", T0)
        .await
        .unwrap()
        .unwrap();
    let customers = ["a", "b", "c", "d"];
    let changes: Vec<_> = customers
        .iter()
        .map(|c| message(shop.id, c, &format!("m-{c}"), "hi", T0))
        .collect();
    apply(store, &changes).await;

    let batch = vec![
        api_message(&shop, &token, "a", "a1"),
        api_message(&shop, &token, "nobody", "x"),
        api_message(&shop, &token, "b", "b1"),
        api_message(&shop, &token, "a", "a2"),
    ];
    let outcomes = store.queue_api_messages(batch, T0 + 1).await.unwrap();
    let items: Vec<Option<Vec<ItemId>>> = outcomes
        .into_iter()
        .map(|o| match o {
            ApiQueued::Queued { items, .. } => Some(items),
            ApiQueued::UnknownRecipient => None,
        })
        .collect();
    assert_eq!(
        items.iter().map(Option::is_some).collect::<Vec<_>>(),
        [true, false, true, true]
    );
    let state = |item: ItemId| async move { store.outgoing(item).await.unwrap().unwrap().state };
    let (a1, b1, a2) = (
        items[0].as_ref().unwrap()[0],
        items[2].as_ref().unwrap()[0],
        items[3].as_ref().unwrap()[0],
    );
    assert_eq!(
        (state(a1).await, state(b1).await, state(a2).await),
        (
            "queued".to_owned(),
            "queued".to_owned(),
            "waiting".to_owned()
        ),
        "one head per customer, the second of a's waiting behind the first"
    );
    assert!(a1 < a2, "a's messages in the request's order");

    for round in 0..20 {
        let forward: Vec<_> = ["c", "d"]
            .iter()
            .map(|c| api_message(&shop, &token, c, &format!("f{round}")))
            .collect();
        let backward: Vec<_> = ["d", "c"]
            .iter()
            .map(|c| api_message(&shop, &token, c, &format!("r{round}")))
            .collect();
        let (one, two) = tokio::join!(
            store.queue_api_messages(forward, T0 + 2),
            store.queue_api_messages(backward, T0 + 2),
        );
        assert_eq!(one.unwrap().len(), 2, "round {round}");
        assert_eq!(two.unwrap().len(), 2, "round {round}");
    }
}
