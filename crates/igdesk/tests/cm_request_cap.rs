//! `/v1.0/message` takes at most 1,000 Instagram messages (each `msg` times its
//! recipients) per request: each is a transaction at the store's single writer, so an
//! unbounded request would hold Meta's webhooks up. Above the cap the request is
//! refused whole, in CM.com's shape, before anything is queued; at the cap it is
//! taken. On SQLite (the single writer) and PostgreSQL, over real HTTP.

mod common;

use common::api::*;
use common::*;
use igdesk::api::cm_api::MAX_MESSAGES_PER_REQUEST;
use igdesk_igs::Event;
use serde_json::{json, Value};

/// Customers who wrote, so that each may be answered.
const CUSTOMERS: usize = 10;

fn igsid(n: usize) -> String {
    format!("{}", 900 + n)
}

/// `count` msgs, each to every customer.
fn msgs(count: usize, label: &str) -> Vec<Value> {
    let to: Vec<Value> = (0..CUSTOMERS)
        .map(|n| json!({ "number": igsid(n) }))
        .collect();
    (0..count)
        .map(|i| {
            json!({
                "from": IG_ID,
                "to": to,
                "body": {"type": "auto", "content": format!("{label} {i}")},
                "reference": format!("{label}-{i}"),
            })
        })
        .collect()
}

/// The customer's whole timeline (asking for the most a page may hold).
async fn timeline(app: &TestApp, igsid: &str) -> Vec<Value> {
    let id = app.customer(igsid).await["id"].as_i64().unwrap();
    let (status, body) = app
        .get(&format!("/api/v1/customers/{id}/timeline?limit=200"))
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().unwrap().clone()
}

async fn refused_above_the_cap_taken_at_it(app: TestApp) {
    for n in 0..CUSTOMERS {
        app.send(Event::text(igsid(n), "Hello?")).await;
    }
    app.settle().await;
    let token = product_token(&app).await;
    let per_msg = CUSTOMERS;
    let at_cap = MAX_MESSAGES_PER_REQUEST / per_msg;
    assert_eq!(at_cap * per_msg, MAX_MESSAGES_PER_REQUEST);

    // One message more than the cap: 100 msgs × 10 recipients + 1 msg × 1.
    let mut over = msgs(at_cap, "over");
    over.push(json!({
        "from": IG_ID,
        "to": [{"number": igsid(0)}],
        "body": {"type": "auto", "content": "the one too many"},
    }));
    let (status, answer) = send_cm(&app, &token, envelope(json!(over))).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["errorCode"], 203, "{answer}");
    assert_eq!(answer["messages"], json!([]), "{answer}");
    let details = answer["details"].as_str().unwrap();
    assert!(
        details.contains("1001") && details.contains("1000"),
        "{details}"
    );
    for n in 0..CUSTOMERS {
        let items = timeline(&app, &igsid(n)).await;
        assert_eq!(items.len(), 1, "nothing queued for {}: {items:?}", igsid(n));
    }

    // Exactly at the cap: every one of them is taken.
    let started = std::time::Instant::now();
    let (status, answer) = send_cm(&app, &token, envelope(json!(msgs(at_cap, "at")))).await;
    let took = started.elapsed();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["errorCode"], 0, "{answer}");
    let results = answer["messages"].as_array().unwrap();
    assert_eq!(results.len(), MAX_MESSAGES_PER_REQUEST);
    assert!(
        results.iter().all(|m| m["status"] == "Accepted"),
        "{answer}"
    );
    eprintln!("{MAX_MESSAGES_PER_REQUEST} messages queued in one request in {took:?}");
    for n in 0..CUSTOMERS {
        let items = timeline(&app, &igsid(n)).await;
        assert_eq!(
            items.len(),
            1 + at_cap,
            "all queued for {}: {items:#?}",
            igsid(n)
        );
    }
}

#[tokio::test]
async fn sqlite_a_request_above_the_cap_is_refused_whole_and_one_at_it_is_taken() {
    refused_above_the_cap_taken_at_it(start_sqlite().await).await;
}

#[tokio::test]
async fn postgres_a_request_above_the_cap_is_refused_whole_and_one_at_it_is_taken() {
    refused_above_the_cap_taken_at_it(start_postgres().await).await;
}
