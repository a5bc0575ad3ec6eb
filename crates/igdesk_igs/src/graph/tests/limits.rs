//! Rate limits, throttling and token faults.

use std::time::Duration;

use serde_json::json;

use super::{deliver, get, text_to, Graph, ANA, FB, IG, PAGE_ID};
use crate::testutil::{spawn_sim, BIZ, IG_TOKEN, PAGE_TOKEN};
use crate::{Event, Fault};

#[tokio::test]
async fn send_rate_per_host_with_usage_header() {
    let (sim, base, _) = spawn_sim().await;
    sim.set_echoes(false);
    sim.set_send_rate_limits(3, 2);
    let graph = Graph::new(&base);
    deliver(&sim, Event::text(ANA, "hi")).await;

    let mut counts = Vec::new();
    for _ in 0..3 {
        let answer = graph.send(text_to(ANA, "x")).await;
        assert_eq!(answer.status, 200);
        counts.push(answer.usage().unwrap()[PAGE_ID][0]["call_count"].clone());
    }
    assert_eq!(counts, [json!(33), json!(66), json!(100)]);
    let answer = graph.send(text_to(ANA, "x")).await;
    answer.assert_error(400, 4, None);
    assert_eq!(answer.message(), "(#4) Application request limit reached");
    assert_eq!(answer.body["error"]["is_transient"], true);
    let usage = answer.usage().expect("usage header when throttled");
    assert_eq!(usage[PAGE_ID][0]["call_count"], 100);
    assert_eq!(usage[PAGE_ID][0]["estimated_time_to_regain_access"], 0);

    // graph.instagram.com counts separately, with its own limit.
    let path = format!("{IG}/v21.0/me/messages?access_token={IG_TOKEN}");
    let body = || Some(text_to(ANA, "x").to_string());
    assert_eq!(graph.call("POST", &path, body()).await.status, 200);
    assert_eq!(graph.call("POST", &path, body()).await.status, 200);
    let answer = graph.call("POST", &path, body()).await;
    answer.assert_error(400, 4, None);
    assert!(answer.usage().unwrap().get(BIZ).is_some());

    // A rolling second: access returns once it has passed.
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert_eq!(graph.send(text_to(ANA, "x")).await.status, 200);
    assert_eq!(sim.sent().len(), 6);
}

#[tokio::test]
async fn private_replies_per_hour() {
    let (sim, base, _) = spawn_sim().await;
    sim.set_private_reply_rate_limit(1);
    let graph = Graph::new(&base);
    let mut ids = Vec::new();
    for _ in 0..2 {
        let event = Event::comment("1000002", "quiet.fox", "price?", "181", "FEED");
        ids.push(event.comment_id().unwrap().to_owned());
        deliver(&sim, event).await;
    }
    let reply =
        |id: &str| json!({"recipient": {"comment_id": id}, "message": {"text": "DM'd you"}});
    assert_eq!(graph.send(reply(&ids[0])).await.status, 200);
    let answer = graph.send(reply(&ids[1])).await;
    answer.assert_error(400, 613, None);
    let usage = answer.usage().unwrap();
    assert_eq!(usage[PAGE_ID][0]["estimated_time_to_regain_access"], 60);
}

#[tokio::test]
async fn throttle_and_send_error_faults_run_out() {
    let (sim, base, _) = spawn_sim().await;
    let graph = Graph::new(&base);
    deliver(&sim, Event::text(ANA, "hi")).await;

    let fault = json!({"kind": "throttle", "code": 80002, "regain_minutes": 7, "times": 2});
    let set = reqwest::Client::new()
        .post(format!("{base}/_igs/fault"))
        .body(fault.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 204);
    for _ in 0..2 {
        let answer = graph.send(text_to(ANA, "x")).await;
        answer.assert_error(400, 80002, None);
        let usage = answer.usage().unwrap();
        assert_eq!(usage[PAGE_ID][0]["estimated_time_to_regain_access"], 7);
        assert_eq!(usage[PAGE_ID][0]["call_count"], 100);
    }
    assert_eq!(sim.fault(), None, "used up");
    assert_eq!(graph.send(text_to(ANA, "x")).await.status, 200);

    // Throttling applies to comment moderation too.
    sim.set_fault(Some(Fault::Throttle {
        code: 4,
        regain_minutes: 1,
        times: None,
    }));
    let comment = Event::comment("1000002", "quiet.fox", "hi", "181", "FEED");
    let id = comment.comment_id().unwrap().to_owned();
    deliver(&sim, comment).await;
    let path = format!("{FB}/v21.0/{id}?hide=true&access_token={PAGE_TOKEN}");
    graph
        .call("POST", &path, None)
        .await
        .assert_error(400, 4, None);

    sim.set_fault(Some(Fault::SendError {
        code: 551,
        subcode: None,
        message: "This person isn't available right now.".into(),
        http_status: 400,
        times: Some(1),
    }));
    let answer = graph.send(text_to(ANA, "x")).await;
    answer.assert_error(400, 551, None);
    assert_eq!(answer.message(), "This person isn't available right now.");
    assert_eq!(graph.send(text_to(ANA, "x")).await.status, 200);

    sim.set_fault(Some(Fault::SendSlow { millis: 150 }));
    let started = std::time::Instant::now();
    assert_eq!(graph.send(text_to(ANA, "x")).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(sim.sent().len(), 3);
}

#[tokio::test]
async fn revoked_and_invalid_tokens_answer_190() {
    let (sim, base, _) = spawn_sim().await;
    let graph = Graph::new(&base);
    deliver(&sim, Event::text(ANA, "hi")).await;
    let profile = format!("{base}/{FB}/v21.0/{ANA}?fields=name&access_token={PAGE_TOKEN}");
    let ig_send = format!("{IG}/v21.0/me/messages?access_token={IG_TOKEN}");

    sim.revoke_token(BIZ);
    let answer = graph.send(text_to(ANA, "x")).await;
    answer.assert_error(400, 190, Some(458));
    assert_eq!(answer.body["error"]["type"], "OAuthException");
    let answer = graph
        .call("POST", &ig_send, Some(text_to(ANA, "x").to_string()))
        .await;
    answer.assert_error(400, 190, Some(458));
    assert_eq!(get(&profile).await.1["error"]["code"], 190);
    sim.restore_token(BIZ);
    assert_eq!(graph.send(text_to(ANA, "x")).await.status, 200);

    // The same over the control endpoint, for tests in another process.
    let settings = |body: serde_json::Value| {
        reqwest::Client::new()
            .post(format!("{base}/_igs/settings"))
            .body(body.to_string())
            .send()
    };
    let set = settings(json!({"revoke": [BIZ], "echoes": false}))
        .await
        .unwrap();
    assert_eq!(set.status(), 204);
    assert_eq!(get(&profile).await.1["error"]["error_subcode"], 458);
    settings(json!({"restore": [BIZ]})).await.unwrap();
    assert_eq!(get(&profile).await.0, 200);
    let refused = settings(json!({"nonsense": 1})).await.unwrap();
    assert_eq!(refused.status(), 400);

    sim.set_fault(Some(Fault::InvalidToken));
    graph
        .send(text_to(ANA, "x"))
        .await
        .assert_error(400, 190, Some(458));
    assert_eq!(get(&profile).await.0, 400);
    sim.set_fault(None);
    assert_eq!(get(&profile).await.0, 200);
}

#[tokio::test]
async fn every_answer_tells_the_usage_of_the_calls_made() {
    let (sim, base, _) = spawn_sim().await;
    sim.set_echoes(false);
    sim.set_send_rate_limits(10, 10);
    sim.set_app_rate_limit(20);
    let graph = Graph::new(&base);
    deliver(&sim, Event::text(ANA, "hi")).await;
    let profile = format!("{FB}/v21.0/{ANA}?fields=name&access_token={PAGE_TOKEN}");
    let app_calls = |answer: &super::Answer| {
        let header = answer.headers["x-app-usage"].to_str().unwrap();
        let usage: serde_json::Value = serde_json::from_str(header).unwrap();
        assert_eq!(usage["call_count"], usage["total_time"]);
        usage["call_count"].as_u64().unwrap()
    };
    let sends_of =
        |answer: &super::Answer| answer.usage().unwrap()[PAGE_ID][0]["call_count"].clone();

    // A profile lookup: 1 of the app's 20 calls, none of the Page's 10 sends.
    let answer = graph.call("GET", &profile, None).await;
    assert_eq!(answer.status, 200);
    assert_eq!((app_calls(&answer), sends_of(&answer)), (5, json!(0)));
    for (n, expected) in [(1, 10), (2, 20), (3, 30)] {
        let answer = graph.send(text_to(ANA, "x")).await;
        assert_eq!(answer.status, 200);
        assert_eq!(app_calls(&answer), 5 + 5 * n);
        assert_eq!(sends_of(&answer), json!(expected));
    }
    // Any answer, errors too, shows where the budgets stand.
    let answer = graph
        .call("GET", &profile.replace(ANA, "404404"), None)
        .await;
    assert_eq!(answer.status / 100, 4);
    assert_eq!((app_calls(&answer), sends_of(&answer)), (25, json!(30)));

    // The app's budget spent: error 4, at 100 %.
    for _ in 0..15 {
        graph.call("GET", &profile, None).await;
    }
    let answer = graph.call("GET", &profile, None).await;
    answer.assert_error(400, 4, None);
    assert_eq!(app_calls(&answer), 100);
}
