//! Topics (RT-6) and merged profiles (RT-7): their part of the suite.

use super::people::person;
use super::{account, admin, apply, customer_of, message, T0};
use crate::labels::WorkFilter;
use crate::model::*;
use crate::prelude::*;
use crate::StoreError;
use igdesk_domain::changes::{ChangeKind, ConversationEffect};
use igdesk_domain::timeline::ItemKind;
use igdesk_domain::{ConversationId, CustomerId};

fn texts(items: &[TimelineItem]) -> Vec<&str> {
    items.iter().filter_map(|i| i.text.as_deref()).collect()
}

pub async fn topics_are_unique_in_any_case_and_listed_by_name(store: &dyn Store) {
    let billing = store.add_topic("Billing", T0).await.unwrap();
    assert_eq!((billing.name.as_str(), billing.created_at), ("Billing", T0));
    store.add_topic("returns", T0).await.unwrap();
    store.add_topic("Accounts", T0).await.unwrap();
    for taken in ["Billing", "billing"] {
        let again = store.add_topic(taken, T0).await;
        assert!(
            matches!(again, Err(StoreError::Conflict(_))),
            "{taken}: {again:?}"
        );
    }
    let names: Vec<_> = store
        .topics()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["Accounts", "Billing", "returns"]);
}

pub async fn conversation_topics_are_replaced_by_agents_of_its_inbox(store: &dyn Store) {
    let a = account(store, "1784").await;
    let insider = person(store, "in@example.com", false, &["Instagram"]).await;
    let outsider = person(store, "out@example.com", false, &["Other"]).await;
    apply(store, &[message(a.id, "555", "m1", "hi", T0)]).await;
    let conversation = store.conversations(insider.scope(), None).await.unwrap()[0].id;
    let returns = store.add_topic("Returns", T0).await.unwrap();
    let billing = store.add_topic("Billing", T0).await.unwrap();

    let refused = store
        .set_conversation_topics(outsider.scope(), conversation, &[billing.id])
        .await
        .unwrap();
    assert!(refused.is_none(), "not the outsider's inbox");
    assert!(store
        .set_conversation_topics(insider.scope(), ConversationId(9_999), &[billing.id])
        .await
        .unwrap()
        .is_none());

    let set = store
        .set_conversation_topics(
            insider.scope(),
            conversation,
            &[returns.id, billing.id, returns.id],
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(set, vec![billing.clone(), returns.clone()]);
    let listed = store.conversations(insider.scope(), None).await.unwrap();
    assert_eq!(listed[0].topics, ["Billing", "Returns"]);

    let replaced = store
        .set_conversation_topics(insider.scope(), conversation, &[returns.id])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(replaced, vec![returns]);
    store
        .set_conversation_topics(insider.scope(), conversation, &[])
        .await
        .unwrap()
        .unwrap();
    let listed = store.conversations(insider.scope(), None).await.unwrap();
    assert!(listed[0].topics.is_empty());
}

/// A view's page (`work`, written by the database as one value) reads each
/// conversation as `conversation` does: names with quotes, a line break and accents,
/// a blank or missing name as the IGSID, topics by name in any case, a closed one's
/// end; most recent first, a page at a time.
pub async fn a_views_page_reads_each_conversation_as_it_is_read_alone(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    for (n, igsid) in ["501", "502", "503", "504"].into_iter().enumerate() {
        let at = T0 + 10 * n as i64;
        apply(
            store,
            &[message(a.id, igsid, &format!("m{igsid}"), "hi", at)],
        )
        .await;
    }
    let named = |igsid: &'static str, name: Option<&str>| {
        let name = name.map(str::to_owned);
        async move {
            FetchedProfile {
                customer: customer_of(store, scope, igsid).await.id,
                facts: ProfileFacts {
                    name,
                    ..Default::default()
                },
                job: igdesk_domain::JobId(0),
            }
        }
    };
    let profiles = [
        named("501", Some("Zoë \"Z\" O'Neil \\ 日本\nsecond line")).await,
        named("502", Some("   ")).await,
        named("503", Some("Ben")).await,
    ];
    store.update_profiles(&profiles, T0 + 50).await.unwrap();
    let open = store.conversations(scope, Some("open")).await.unwrap();
    let first = open
        .iter()
        .find(|c| c.customer_id == profiles[0].customer)
        .unwrap()
        .id;
    let third = open
        .iter()
        .find(|c| c.customer_id == profiles[2].customer)
        .unwrap()
        .id;
    let returns = store.add_topic("Returns", T0).await.unwrap();
    let billing = store.add_topic("billing", T0).await.unwrap();
    let accounts = store.add_topic("Accounts", T0).await.unwrap();
    store
        .set_conversation_topics(scope, first, &[returns.id, billing.id, accounts.id])
        .await
        .unwrap()
        .unwrap();
    store
        .close_conversation(scope, third, T0 + 60)
        .await
        .unwrap();

    let page = |limit, after| WorkFilter {
        limit: Some(limit),
        after,
        ..WorkFilter::default()
    };
    let listed = store.work(scope, &page(500, None)).await.unwrap();
    let mut alone = Vec::new();
    for c in &listed {
        let read = store.conversation(scope, c.id).await.unwrap().unwrap();
        alone.push(serde_json::to_value(read).unwrap());
    }
    let as_listed: Vec<_> = listed
        .iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect();
    assert_eq!(as_listed, alone);
    assert_eq!(listed.len(), 4);
    let names: Vec<&str> = listed.iter().map(|c| c.customer_name.as_str()).collect();
    assert_eq!(
        names,
        ["504", "Ben", "502", "Zoë \"Z\" O'Neil \\ 日本\nsecond line"]
    );
    let with_topics = listed.iter().find(|c| c.id == first).unwrap();
    assert_eq!(with_topics.topics, ["Accounts", "billing", "Returns"]);
    let closed = listed.iter().find(|c| c.id == third).unwrap();
    assert_eq!(
        (closed.state.as_str(), closed.closed_at),
        ("closed", Some(T0 + 60))
    );

    let head = store.work(scope, &page(3, None)).await.unwrap();
    let last = head.last().unwrap();
    let rest = store
        .work(scope, &page(3, Some((last.last_item_at, last.id))))
        .await
        .unwrap();
    let ids = |page: &[Conversation]| page.iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!([ids(&head), ids(&rest)].concat(), ids(&listed));
    assert_eq!(rest.len(), 1);
}

pub async fn a_reply_needs_a_topic_only_where_the_inbox_requires_one(store: &dyn Store) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    apply(store, &[message(a.id, "555", "m1", "hi", T0)]).await;
    let customer = customer_of(store, scope, "555").await;
    assert!(!store.reply_needs_topic(scope, customer.id).await.unwrap());

    let requiring = InboxChange {
        requires_topic: Some(true),
        ..InboxChange::default()
    };
    store
        .update_inbox(a.inbox_id, requiring)
        .await
        .unwrap()
        .unwrap();
    assert!(store.reply_needs_topic(scope, customer.id).await.unwrap());
    let outsider = person(store, "out@example.com", false, &["Other"]).await;
    assert!(
        !store
            .reply_needs_topic(outsider.scope(), customer.id)
            .await
            .unwrap(),
        "nothing is said about a customer out of scope"
    );

    let topic = store.add_topic("Billing", T0).await.unwrap();
    let conversation = store.conversations(scope, None).await.unwrap()[0].id;
    store
        .set_conversation_topics(scope, conversation, &[topic.id])
        .await
        .unwrap()
        .unwrap();
    assert!(!store.reply_needs_topic(scope, customer.id).await.unwrap());

    // A customer with no open conversation has nothing to tag.
    let mut mention = message(a.id, "556", "s1", "", T0);
    if let ChangeKind::AddItem {
        item, conversation, ..
    } = &mut mention.kind
    {
        item.kind = ItemKind::StoryMention;
        *conversation = ConversationEffect::None;
    }
    apply(store, &[mention]).await;
    let quiet = customer_of(store, scope, "556").await;
    assert!(!store.reply_needs_topic(scope, quiet.id).await.unwrap());
}

pub async fn merging_points_the_other_profile_to_the_survivor_and_keeps_everything(
    store: &dyn Store,
) {
    let a = account(store, "1784").await;
    let scope = admin(store).await;
    apply(
        store,
        &[
            message(a.id, "555", "m1", "first", T0),
            message(a.id, "556", "m2", "second", T0 + 1),
            message(a.id, "555", "m3", "third", T0 + 2),
            message(a.id, "557", "m4", "elsewhere", T0 + 3),
        ],
    )
    .await;
    let survivor = customer_of(store, scope, "555").await.id;
    let other = customer_of(store, scope, "556").await.id;
    let third = customer_of(store, scope, "557").await.id;
    let contact = |phone: &str, email: &str| ContactDetails {
        phone: Some(phone.into()),
        email: Some(email.into()),
        notes: None,
    };
    store
        .update_contact(scope, survivor, contact("+31 1", ""))
        .await
        .unwrap();
    store
        .update_contact(scope, other, contact("+31 2", "b@example.com"))
        .await
        .unwrap();

    let merged = match store.merge_customers(scope, survivor, other).await.unwrap() {
        MergeOutcome::Merged(c) => c,
        outcome => panic!("{outcome:?}"),
    };
    assert_eq!(merged.id, survivor);
    assert_eq!(
        (
            merged.phone.as_deref(),
            merged.email.as_deref(),
            merged.merged_into
        ),
        (Some("+31 1"), Some("b@example.com"), None),
        "the survivor's own details stay; its empty ones take the other's"
    );
    let gone = store
        .customer(scope, other)
        .await
        .unwrap()
        .expect("nothing deleted");
    assert_eq!(
        (gone.merged_into, gone.phone.as_deref()),
        (Some(survivor), Some("+31 2"))
    );
    assert_eq!(
        customer_of(store, scope, "556").await.merged_into,
        Some(survivor)
    );
    let timeline = store.timeline(scope, survivor).await.unwrap().unwrap();
    assert_eq!(texts(&timeline), ["first", "second", "third"]);
    let own = store.timeline(scope, other).await.unwrap().unwrap();
    assert_eq!(texts(&own), ["second"]);

    let refused = [
        (survivor, other, "other"),
        (other, survivor, "survivor"),
        (third, other, "other again"),
    ];
    for (into, from, what) in refused {
        let outcome = store.merge_customers(scope, into, from).await.unwrap();
        assert!(
            matches!(outcome, MergeOutcome::AlreadyMerged(id) if id == other),
            "{what}: {outcome:?}"
        );
    }
    assert!(matches!(
        store
            .merge_customers(scope, survivor, survivor)
            .await
            .unwrap(),
        MergeOutcome::SameCustomer
    ));
    assert!(matches!(
        store
            .merge_customers(scope, survivor, CustomerId(9_999))
            .await
            .unwrap(),
        MergeOutcome::NotFound
    ));

    // Merged again, the survivor takes the profiles merged into it along.
    assert!(matches!(
        store.merge_customers(scope, third, survivor).await.unwrap(),
        MergeOutcome::Merged(_)
    ));
    for id in [survivor, other] {
        let c = store.customer(scope, id).await.unwrap().unwrap();
        assert_eq!(
            c.merged_into,
            Some(third),
            "{id} points straight at the one shown"
        );
    }
    let all = store.timeline(scope, third).await.unwrap().unwrap();
    assert_eq!(texts(&all), ["first", "second", "third", "elsewhere"]);
}

pub async fn merging_needs_both_profiles_in_scope(store: &dyn Store) {
    let shop = account(store, "1784").await;
    let other_shop = account(store, "1785").await;
    let elsewhere = store.ensure_inbox("Other", T0).await.unwrap();
    store
        .set_account_inbox(other_shop.id, Some(elsewhere.id))
        .await
        .unwrap();
    let insider = person(store, "in@example.com", false, &["Instagram"]).await;
    let scope = admin(store).await;
    apply(
        store,
        &[
            message(shop.id, "555", "m1", "to the shop", T0),
            message(other_shop.id, "777", "m2", "to the other shop", T0 + 1),
        ],
    )
    .await;
    let mine = customer_of(store, scope, "555").await.id;
    let theirs = customer_of(store, scope, "777").await.id;
    assert!(matches!(
        store
            .merge_customers(insider.scope(), mine, theirs)
            .await
            .unwrap(),
        MergeOutcome::NotFound
    ));
    assert!(store
        .customer(scope, theirs)
        .await
        .unwrap()
        .unwrap()
        .merged_into
        .is_none());
    assert!(matches!(
        store.merge_customers(scope, mine, theirs).await.unwrap(),
        MergeOutcome::Merged(_)
    ));
    let everything = store.timeline(scope, mine).await.unwrap().unwrap();
    assert_eq!(texts(&everything), ["to the shop", "to the other shop"]);
    let seen = store
        .timeline(insider.scope(), mine)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        texts(&seen),
        ["to the shop"],
        "items of a profile out of the agent's inboxes stay out of sight"
    );
}
