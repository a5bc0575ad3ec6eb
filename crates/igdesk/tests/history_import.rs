//! History import (ACC-7): on connecting an account, igdesk follows the
//! Conversations API's paging to every thread and imports each thread's newest
//! messages as the webhook path would make them (attachments, shares, Story
//! replies and mentions, reactions); an interrupted import resumes where it stopped
//! and imports each message once; the accounts table shows how far it got.

mod common;

use common::accounts::{connect_business, console_page};
use common::{start_postgres, start_sqlite, TestApp, IG_ID};
use igdesk_igs::{Delivery, Event, Fault, HistoryAttachment, HistoryMessage, HistoryStory};
use igdesk_store::{Account, HistoryProgress};
use serde_json::Value;

const SECOND: &str = "17841400000000002";

/// `n` customers of the second account, one thread each with two messages.
fn give_threads(app: &TestApp, n: i64) -> Vec<String> {
    let start = igdesk::now_ms() - 2 * 3_600_000;
    (0..n)
        .map(|i| {
            let igsid = format!("{}", 3_000_000 + i);
            let at = start + i * 10_000;
            app.sim.add_history(
                SECOND,
                &igsid,
                vec![
                    HistoryMessage::from_customer(format!("question {i}"), at),
                    HistoryMessage::from_business(format!("answer {i}"), at + 1_000),
                ],
            );
            igsid
        })
        .collect()
}

async fn progress(app: &TestApp, account: &Account) -> Option<HistoryProgress> {
    let store = &app.running.app.store;
    store.history_progress(account.id).await.unwrap()
}

async fn finished(app: &TestApp, account: &Account) {
    app.eventually("the import to finish", || async {
        progress(app, account).await.is_some_and(|p| p.finished())
    })
    .await;
}

/// Conversations API calls the second account made, and how many of them asked
/// for a page after a cursor.
fn list_calls(app: &TestApp) -> (usize, usize) {
    let calls: Vec<_> = app
        .sim
        .calls()
        .into_iter()
        .filter(|c| c.method == "GET" && c.path.ends_with("/conversations"))
        .filter(|c| c.path.starts_with(&format!("2{}", &SECOND[3..])))
        .collect();
    let after = calls
        .iter()
        .filter(|c| c.query.contains_key("after"))
        .count();
    (calls.len(), after)
}

async fn many_threads_over_several_pages(app: TestApp) {
    let customers = give_threads(&app, 60);
    let account = connect_business(&app, SECOND, "shop.two").await;
    app.running.app.wake.history.notify_waiters();
    finished(&app, &account).await;
    let done = progress(&app, &account).await.unwrap();
    assert_eq!(
        (done.threads, done.messages, done.cursor.as_deref()),
        (60, 120, None)
    );
    assert_eq!(list_calls(&app), (3, 2), "three pages of 25, two by cursor");
    for igsid in [&customers[0], &customers[30], &customers[59]] {
        let items = app.timeline(igsid).await;
        let texts: Vec<&str> = items.iter().filter_map(|i| i["text"].as_str()).collect();
        let n = &igsid[5..].trim_start_matches('0');
        let n = if n.is_empty() { "0" } else { n };
        assert_eq!(
            texts,
            [format!("question {n}"), format!("answer {n}")],
            "{igsid}"
        );
        assert!(items.iter().all(|i| i["context"]["imported"] == true));
    }
    let (_, conversations) = app.get("/api/v1/conversations").await;
    assert!(
        conversations["data"].as_array().unwrap().is_empty(),
        "history opens no conversation"
    );

    // Reconnecting queues the import again: a finished one is not redone.
    let store = &app.running.app.store;
    igdesk::accounts::queue_first_jobs(store.as_ref(), &account)
        .await
        .unwrap();
    app.running.app.wake.history.notify_waiters();
    // The worker looks for due jobs at least every half second.
    tokio::time::sleep(std::time::Duration::from_millis(2_000)).await;
    assert_eq!(list_calls(&app).0, 3, "Meta was not asked again");
    assert_eq!(progress(&app, &account).await.unwrap(), done);

    // The accounts table says it is done.
    let page = console_page(&app, "/settings/accounts").await;
    assert!(page.contains("History imported"), "{page}");
    assert!(page.contains("60 threads, 120 messages"), "{page}");
}

#[tokio::test]
async fn many_threads_over_several_pages_on_sqlite() {
    many_threads_over_several_pages(start_sqlite().await).await;
}

#[tokio::test]
async fn many_threads_over_several_pages_on_postgres() {
    if std::env::var("IGDESK_TEST_POSTGRES_URL").is_err() {
        return;
    }
    many_threads_over_several_pages(start_postgres().await).await;
}

async fn an_interrupted_import_resumes(app: TestApp) {
    let customers = give_threads(&app, 60);
    // The first account's import (at start) is done before Meta starts failing.
    let first = app.running.app.store.account_by_ig_id(IG_ID).await.unwrap();
    finished(&app, &first.unwrap()).await;
    // The first page is read, then Meta fails every call.
    app.sim
        .set_fault(Some(Fault::ConversationsUnavailable { after: 1 }));
    let account = connect_business(&app, SECOND, "shop.two").await;
    app.running.app.wake.history.notify_waiters();
    app.eventually("the first page", || async {
        progress(&app, &account)
            .await
            .is_some_and(|p| p.threads == 25)
    })
    .await;
    app.eventually("the second page to fail", || async {
        list_calls(&app).0 >= 2
    })
    .await;
    let stopped = progress(&app, &account).await.unwrap();
    assert!(!stopped.finished() && stopped.cursor.is_some());
    let page = console_page(&app, "/settings/accounts").await;
    assert!(
        page.contains("History: 25 threads imported, importing…"),
        "{page}"
    );

    app.sim.set_fault(None);
    finished(&app, &account).await;
    let done = progress(&app, &account).await.unwrap();
    assert_eq!((done.threads, done.messages), (60, 120), "each page once");
    let (calls, after) = list_calls(&app);
    assert_eq!(calls - after, 1, "the first page was not read again");
    // Each message once.
    for igsid in &customers {
        assert_eq!(app.timeline(igsid).await.len(), 2, "{igsid}");
    }
}

#[tokio::test]
async fn an_interrupted_import_resumes_on_sqlite() {
    an_interrupted_import_resumes(start_sqlite().await).await;
}

#[tokio::test]
async fn an_interrupted_import_resumes_on_postgres() {
    if std::env::var("IGDESK_TEST_POSTGRES_URL").is_err() {
        return;
    }
    an_interrupted_import_resumes(start_postgres().await).await;
}

fn kinds(items: &[Value]) -> Vec<(&str, Option<&str>)> {
    items
        .iter()
        .map(|i| (i["kind"].as_str().unwrap(), i["text"].as_str()))
        .collect()
}

async fn every_kind_of_message_becomes_an_item(app: TestApp) {
    let at = igdesk::now_ms() - 3_600_000;
    let story = HistoryStory {
        id: "18000000000000009".into(),
        link: format!("{}/_igs/cdn/story/old.jpg", "https://cdn.example"),
    };
    let messages = vec![
        HistoryMessage {
            attachments: vec![HistoryAttachment {
                kind: "image".into(),
                url: "https://cdn.example/photo.jpg".into(),
            }],
            ..HistoryMessage::from_customer("", at)
        },
        HistoryMessage {
            share: Some("https://www.instagram.com/p/abc/".into()),
            ..HistoryMessage::from_customer("", at + 1_000)
        },
        HistoryMessage {
            story_reply: Some(story.clone()),
            ..HistoryMessage::from_customer("love this", at + 2_000)
        },
        HistoryMessage {
            story_mention: Some(story.clone()),
            ..HistoryMessage::from_customer("", at + 3_000)
        },
        HistoryMessage {
            reactions: vec!["❤️".into()],
            ..HistoryMessage::from_business("thank you!", at + 4_000)
        },
        HistoryMessage::from_customer("", at + 5_000),
    ];
    let mids = app.sim.add_history(SECOND, "3000001", messages);
    let account = connect_business(&app, SECOND, "shop.two").await;
    app.running.app.wake.history.notify_waiters();
    finished(&app, &account).await;
    let items = app.timeline("3000001").await;
    assert_eq!(
        kinds(&items),
        [
            ("message", None),
            ("message", None),
            ("message", Some("love this")),
            ("story_mention", None),
            ("message", Some("thank you!")),
            ("unsupported", None),
        ],
        "{items:#?}"
    );
    let photo = &items[0]["attachments"][0];
    assert_eq!(photo["type"], "image");
    assert_eq!(photo["url"], "https://cdn.example/photo.jpg");
    let share = &items[1]["attachments"][0];
    assert_eq!(share["type"], "share");
    assert_eq!(share["url"], "https://www.instagram.com/p/abc/");
    assert_eq!(items[2]["reply_to"]["type"], "story");
    assert_eq!(items[2]["reply_to"]["url"], story.link.as_str());
    assert_eq!(items[3]["attachments"][0]["url"], story.link.as_str());
    assert_eq!(items[4]["direction"], "out");
    assert_eq!(items[4]["reaction"], "❤️", "the customer's heart");
    assert_eq!(
        items[5]["mid"],
        mids[5].as_str(),
        "nothing to show: unsupported"
    );

    // A webhook for a message already imported is the same message.
    let redelivered = Event::text("3000001", "love this").with_mid(&mids[2]);
    let status = app
        .sim
        .deliver(&Delivery::new(SECOND).push(redelivered))
        .await
        .unwrap();
    assert_eq!(status, 200);
    app.settle().await;
    assert_eq!(app.timeline("3000001").await.len(), 6);
}

#[tokio::test]
async fn every_kind_of_message_becomes_an_item_on_sqlite() {
    every_kind_of_message_becomes_an_item(start_sqlite().await).await;
}

#[tokio::test]
async fn every_kind_of_message_becomes_an_item_on_postgres() {
    if std::env::var("IGDESK_TEST_POSTGRES_URL").is_err() {
        return;
    }
    every_kind_of_message_becomes_an_item(start_postgres().await).await;
}

#[tokio::test]
async fn the_twenty_newest_messages_of_a_thread_come_once_oldest_first() {
    let app = start_sqlite().await;
    let now = igdesk::now_ms();
    let history: Vec<HistoryMessage> = (0..25)
        .map(|i| HistoryMessage {
            from_customer: i % 2 == 0,
            text: format!("old {i}"),
            at_ms: now - 3_600_000 + i * 1000,
            ..HistoryMessage::default()
        })
        .collect();
    app.sim.add_history(IG_ID, "777", history.clone());
    app.sim.add_history(SECOND, "778", history);
    let account = connect_business(&app, SECOND, "shop.two").await;
    app.running.app.wake.history.notify_waiters();
    finished(&app, &account).await;
    let items = app.timeline("778").await;
    assert_eq!(items.len(), 20, "Meta's 20 newest");
    assert_eq!(items.last().unwrap()["text"], "old 24");
    let ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "oldest stored first: {ids:?}"
    );
}
