//! Automatic replies (OUT-9): their settings, and the replies processing queues in
//! the transaction that adds the customer's message.

use super::{account, admin, apply, customer_of, message, T0};
use crate::automatic::{NewRule, RuleChange};
use crate::prelude::*;
use igdesk_domain::automatic::{Actions, BusinessHours, OpenRange, Trigger, Weekly};
use igdesk_domain::{InboxId, RuleId};

fn hours(away: &str) -> BusinessHours {
    BusinessHours {
        time_zone: "UTC".into(),
        weekly: Weekly {
            mon: vec![OpenRange {
                open: "09:00".into(),
                close: "17:00".into(),
            }],
            ..Weekly::default()
        },
        holidays: vec!["2026-12-25".into()],
        away_message: Some(away.into()),
        greeting: None,
    }
}

fn keywords(name: &str, word: &str, reply: &str) -> NewRule {
    NewRule {
        name: name.into(),
        inbox_id: None,
        enabled: true,
        trigger: Trigger::Keywords {
            keywords: vec![word.into()],
        },
        actions: Actions {
            reply_text: Some(reply.into()),
            ..Actions::default()
        },
    }
}

pub async fn business_hours_are_kept_per_inbox(store: &dyn Store) {
    let inbox = store.inboxes().await.unwrap()[0].id;
    assert_eq!(store.business_hours(inbox).await.unwrap(), None);
    assert!(store
        .set_business_hours(inbox, Some(&hours("Closed")), T0)
        .await
        .unwrap());
    assert!(store
        .set_business_hours(inbox, Some(&hours("Back at 9")), T0)
        .await
        .unwrap());
    assert_eq!(
        store.business_hours(inbox).await.unwrap(),
        Some(hours("Back at 9"))
    );
    assert_eq!(
        store.all_business_hours().await.unwrap(),
        vec![(inbox, hours("Back at 9"))]
    );
    assert!(!store
        .set_business_hours(InboxId(999), Some(&hours("x")), T0)
        .await
        .unwrap());
    assert!(store.set_business_hours(inbox, None, T0).await.unwrap());
    assert!(store.all_business_hours().await.unwrap().is_empty());
}

pub async fn rules_keep_their_order_and_change(store: &dyn Store) {
    let first = store
        .add_rule(keywords("Prices", "price", "See our prices"), T0)
        .await
        .unwrap();
    let second = store
        .add_rule(keywords("Returns", "return", "Free returns"), T0)
        .await
        .unwrap();
    assert!(first.position < second.position);
    let names = |rules: Vec<igdesk_domain::automatic::Rule>| -> Vec<String> {
        rules.into_iter().map(|r| r.name).collect()
    };
    assert_eq!(names(store.rules().await.unwrap()), ["Prices", "Returns"]);
    let moved = RuleChange {
        position: Some(first.position - 1),
        ..RuleChange::default()
    };
    store
        .update_rule(second.id, moved, T0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(names(store.rules().await.unwrap()), ["Returns", "Prices"]);
    let off = RuleChange {
        enabled: Some(false),
        trigger: Some(Trigger::StoryMention),
        ..RuleChange::default()
    };
    let changed = store.update_rule(first.id, off, T0).await.unwrap().unwrap();
    assert_eq!(store.rule(first.id).await.unwrap(), Some(changed.clone()));
    assert!(!changed.enabled && changed.trigger == Trigger::StoryMention);
    assert!(store
        .update_rule(RuleId(999), RuleChange::default(), T0)
        .await
        .unwrap()
        .is_none());
    assert!(store.delete_rule(first.id).await.unwrap());
    assert!(!store.delete_rule(first.id).await.unwrap());
    assert_eq!(names(store.rules().await.unwrap()), ["Returns"]);
}

pub async fn a_rule_answers_once_an_hour_with_the_message_that_called_for_it(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    store
        .add_rule(keywords("Prices", "price", "See our prices"), T0)
        .await
        .unwrap();
    let asked = message(a.id, "555", "m1", "What's the price?", T0);
    let applied = apply(store, std::slice::from_ref(&asked)).await;
    assert_eq!(applied.automatic_replies, 1);
    // Meta's redelivery adds nothing, so it answers nothing.
    assert_eq!(apply(store, &[asked]).await.automatic_replies, 0);
    // Within the hour the rule does not answer the same customer again.
    let again = message(a.id, "555", "m2", "price?", T0);
    assert_eq!(apply(store, &[again]).await.automatic_replies, 0);
    let customer = customer_of(store, scope, "555").await;
    let items = store.timeline(scope, customer.id).await.unwrap().unwrap();
    let replies: Vec<_> = items.iter().filter(|i| i.direction == "out").collect();
    assert_eq!(replies.len(), 1);
    assert_eq!(
        replies[0].context.automatic.as_deref(),
        Some("Rule: Prices")
    );
    let out = store.outgoing(replies[0].id).await.unwrap().unwrap();
    assert_eq!(
        (out.author.as_str(), out.state.as_str()),
        ("automatic", "queued")
    );
    assert_eq!(out.message["text"], "See our prices");
}

pub async fn the_away_message_goes_once_per_conversation(store: &dyn Store) {
    let a = account(store, "1784").await;
    let inbox = store.inboxes().await.unwrap()[0].id;
    // Monday only, 9 to 5 UTC: T0 (a Sunday, 27 October 2024) is closed.
    store
        .set_business_hours(inbox, Some(&hours("We're closed")), T0)
        .await
        .unwrap();
    let first = message(a.id, "555", "m1", "Hello?", T0);
    let second = message(a.id, "555", "m2", "Anyone?", T0 + 1);
    assert_eq!(apply(store, &[first]).await.automatic_replies, 1);
    assert_eq!(apply(store, &[second]).await.automatic_replies, 0);
    let other = message(a.id, "556", "m3", "Hi", T0);
    assert_eq!(apply(store, &[other]).await.automatic_replies, 1);
}
