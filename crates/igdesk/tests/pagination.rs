//! Long lists come a page at a time (at most 200), each with the cursor of the next:
//! a customer's timeline going back in time, and the conversations list. Followed to
//! the end, the pages are the whole list, in order, each item once; bad cursors and
//! limits are refused naming the parameter. SQLite and PostgreSQL, over real HTTP.

mod common;

use common::*;
use igdesk_igs::Event;
use serde_json::Value;

/// Every page of `path` (which has its own query), `limit` at a time.
async fn all_pages(app: &TestApp, path: &str, limit: usize) -> (Vec<Value>, Vec<usize>) {
    let (mut all, mut sizes, mut before) = (Vec::new(), Vec::new(), None::<String>);
    loop {
        let cursor = before
            .as_ref()
            .map(|b| format!("&before={b}"))
            .unwrap_or_default();
        let (status, page) = app.get(&format!("{path}&limit={limit}{cursor}")).await;
        assert_eq!(status, 200, "{page}");
        let data = page["data"].as_array().unwrap().clone();
        sizes.push(data.len());
        all.push(data);
        match page["next"].as_str() {
            Some(next) => before = Some(next.to_owned()),
            None => break,
        }
        assert!(sizes.len() < 100, "the pages end");
    }
    (all.concat(), sizes)
}

async fn pages(app: TestApp) {
    for i in 1..=25 {
        app.send(Event::text("c1", format!("message {i}"))).await;
    }
    for c in 2..=7 {
        app.send(Event::text(format!("c{c}"), "hello")).await;
    }
    app.settle().await;

    // The timeline: newest page first, oldest first within it, back in time.
    let customer = app.customer("c1").await["id"].clone();
    let path = format!("/api/v1/customers/{customer}/timeline?");
    let (whole, _) = all_pages(&app, &path, 200).await;
    let texts: Vec<_> = whole.iter().map(|i| i["text"].clone()).collect();
    assert_eq!(texts.len(), 25);
    let (paged, sizes) = all_pages(&app, &path, 10).await;
    assert_eq!(sizes, [10, 10, 5]);
    let (first, rest) = paged.split_at(10);
    assert_eq!(
        first[9]["text"], "message 25",
        "the newest page comes first"
    );
    assert_eq!(first[0]["text"], "message 16", "oldest first within it");
    // Pages go back in time: put back in order, they are the whole timeline.
    let in_order = [&rest[10..], &rest[..10], first].concat();
    assert_eq!(
        in_order
            .iter()
            .map(|i| i["text"].clone())
            .collect::<Vec<_>>(),
        texts
    );

    // The conversations: each once, in the list's order.
    let (whole, sizes) = all_pages(&app, "/api/v1/conversations?state=open", 200).await;
    assert_eq!((whole.len(), sizes), (7, vec![7]));
    let (paged, sizes) = all_pages(&app, "/api/v1/conversations?state=open", 3).await;
    assert_eq!(sizes, [3, 3, 1]);
    let ids = |list: &[Value]| list.iter().map(|c| c["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&paged), ids(&whole));

    // Bad input names the parameter.
    for (path, field) in [
        (
            format!("/api/v1/customers/{customer}/timeline?limit=0"),
            "limit",
        ),
        (
            format!("/api/v1/customers/{customer}/timeline?limit=201"),
            "limit",
        ),
        (
            format!("/api/v1/customers/{customer}/timeline?limit=ten"),
            "limit",
        ),
        (
            format!("/api/v1/customers/{customer}/timeline?before=x"),
            "before",
        ),
        ("/api/v1/conversations?limit=500".to_owned(), "limit"),
        ("/api/v1/conversations?before=12".to_owned(), "before"),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (400, Some(field)),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn long_lists_come_a_page_at_a_time() {
    pages(start_sqlite().await).await;
}

#[tokio::test]
async fn long_lists_come_a_page_at_a_time_on_postgres() {
    pages(start_postgres().await).await;
}
