//! The whole intake on PostgreSQL: the simulator plays every event kind of its
//! example scenario against `igdesk` serving on a fresh PostgreSQL database.

mod common;

use common::*;
use igdesk_igs::{run_scenario, Delivery, Event, Scenario};

#[tokio::test]
async fn every_kind_of_event_lands_on_postgresql() {
    let app = start_postgres().await;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../igdesk_igs/scenarios/every-kind.toml"
    ))
    .unwrap();
    let mut scenario = Scenario::from_toml(&text).unwrap();
    scenario.business = IG_ID.into();
    let outcomes = run_scenario(&app.sim, &scenario).await.unwrap();
    assert!(
        outcomes.iter().all(|o| o.status.is_none_or(|s| s == 200)),
        "{outcomes:?}"
    );
    app.settle().await;
    let (_, stats) = app.get("/api/v1/intake/stats").await;
    assert!(
        stats["dead_jobs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j["kind"] != "process_delivery"),
        "{stats}"
    );
    assert_eq!(
        stats["deliveries"]["processed"].as_u64().unwrap() as usize,
        outcomes.iter().filter(|o| o.status.is_some()).count()
    );

    let (_, conversations) = app.get("/api/v1/conversations").await;
    let mut kinds = std::collections::BTreeSet::new();
    for conversation in conversations["data"].as_array().unwrap() {
        let id = conversation["customer_id"].as_i64().unwrap();
        let (_, timeline) = app.get(&format!("/api/v1/customers/{id}/timeline")).await;
        for item in timeline["data"].as_array().unwrap() {
            kinds.insert(item["kind"].as_str().unwrap().to_owned());
        }
    }
    for kind in ["message", "comment", "unsupported"] {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }

    // Redelivery on PostgreSQL changes nothing either.
    let event = Event::text("4242", "once on postgres");
    let delivery = Delivery::new(IG_ID).push(event.clone()).push(event);
    assert_eq!(app.sim.deliver(&delivery).await.unwrap(), 200);
    assert_eq!(app.sim.deliver(&delivery).await.unwrap(), 200);
    app.settle().await;
    assert_eq!(app.timeline("4242").await.len(), 1);
    app.eventually("the profile job on PostgreSQL", || async {
        app.customer("4242").await["instagram"]["fetched_at"].is_i64()
    })
    .await;
}

#[tokio::test]
async fn a_reply_goes_out_once_on_postgresql() {
    let app = start_postgres().await;
    app.send(Event::text("4343", "hello from postgres")).await;
    app.settle().await;
    let (status, queued) = app
        .reply("4343", serde_json::json!({"text": "hello back"}))
        .await;
    assert_eq!(status, 202, "{queued}");
    let id = queued["data"][0]["id"].as_i64().unwrap();
    app.item_when("4343", id, "sent", |i| i["status"] == "sent")
        .await;
    let sent = app.sim.sent();
    assert_eq!(sent.len(), 1);
    app.send(Event::read("4343", &sent[0].mid)).await;
    app.item_when("4343", id, "read", |i| i["status"] == "read")
        .await;
    let outgoing = app
        .timeline("4343")
        .await
        .into_iter()
        .filter(|i| i["direction"] == "out")
        .count();
    assert_eq!(outgoing, 1, "the echo was matched, not added");
}
