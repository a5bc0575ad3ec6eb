//! History import's progress (ACC-7) and the person's follow facts across the
//! company's accounts (IN-5).

use super::{account, admin, message, T0};
use crate::history::HistoryPage;
use crate::model::*;
use crate::prelude::*;
use igdesk_domain::JobId;

pub async fn a_history_page_and_the_next_cursor_are_recorded_together(store: &dyn Store) {
    let a = account(store, "1784").await;
    assert_eq!(store.history_progress(a.id).await.unwrap(), None);
    let first = [message(a.id, "555", "m1", "hello", T0)];
    let page = |changes, threads, messages, next| HistoryPage {
        account: a.id,
        changes,
        threads,
        messages,
        next,
    };
    let out = store
        .record_history_page(page(&first, 1, 1, Some("c1")), T0)
        .await
        .unwrap();
    assert_eq!(out.items_added.len(), 1);
    let started = store.history_progress(a.id).await.unwrap().unwrap();
    assert_eq!(
        (started.cursor.as_deref(), started.threads, started.messages),
        (Some("c1"), 1, 1)
    );
    assert!(!started.finished());

    // The page read again after an interruption adds nothing twice; the last page
    // finishes the import.
    let second = [
        message(a.id, "555", "m1", "hello", T0),
        message(a.id, "556", "m2", "hi", T0 + 1),
    ];
    let out = store
        .record_history_page(page(&second, 2, 2, None), T0 + 10)
        .await
        .unwrap();
    assert_eq!((out.items_added.len(), out.duplicates), (1, 1));
    let done = store.history_progress(a.id).await.unwrap().unwrap();
    assert_eq!(
        (
            done.cursor.clone(),
            done.threads,
            done.messages,
            done.finished_at
        ),
        (None, 3, 3, Some(T0 + 10))
    );
    assert_eq!(done.started_at, T0);
    assert_eq!(store.history_imports().await.unwrap(), vec![done]);
}

pub async fn the_same_person_is_found_at_each_account_by_username(store: &dyn Store) {
    let facts = |customer, username: &str, follows, followed| FetchedProfile {
        customer,
        facts: ProfileFacts {
            username: Some(username.into()),
            follows_business: Some(follows),
            business_follows: Some(followed),
            ..Default::default()
        },
        job: JobId(0),
    };
    let a = account(store, "1784").await;
    super::apply(store, &[message(a.id, "556", "m0", "hello", T0)]).await;
    let scope = admin(store).await;
    let alone = store.customers_by_igsid(scope, "556").await.unwrap()[0].id;
    store
        .update_profiles(&[facts(alone, "bea.costa", true, false)], T0)
        .await
        .unwrap();
    assert!(
        store
            .customers_by_username(&["bea.costa".into()])
            .await
            .unwrap()
            .is_empty(),
        "one account: no other account to find the person at"
    );
    let b = account(store, "1785").await;
    super::apply(store, &[message(a.id, "555", "m1", "hello", T0)]).await;
    super::apply(store, &[message(b.id, "777", "m2", "hello", T0)]).await;
    let at_a = store.customers_by_igsid(scope, "555").await.unwrap()[0].id;
    let at_b = store.customers_by_igsid(scope, "777").await.unwrap()[0].id;
    store
        .update_profiles(
            &[
                facts(at_a, "Ana.Lima", true, false),
                facts(at_b, "ana.lima", false, true),
            ],
            T0,
        )
        .await
        .unwrap();
    let seen_from_b = store.company_follows(scope, at_b).await.unwrap();
    let lines: Vec<_> = seen_from_b
        .iter()
        .map(|f| {
            (
                f.account,
                f.customer,
                f.follows_account,
                f.followed_by_account,
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (b.id, at_b, Some(false), Some(true)),
            (a.id, at_a, Some(true), Some(false)),
        ],
        "the customer's own account first"
    );
    let found = store
        .customers_by_username(&["ANA.LIMA".into()])
        .await
        .unwrap();
    let mut ids: Vec<_> = found.iter().map(|c| c.id).collect();
    ids.sort();
    assert_eq!(ids, [at_a, at_b]);
    let found = store
        .customers_by_username(&["bea.costa".into()])
        .await
        .unwrap();
    assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), [alone]);
    assert!(store
        .customers_by_username(&["someone.else".into()])
        .await
        .unwrap()
        .is_empty());
}
