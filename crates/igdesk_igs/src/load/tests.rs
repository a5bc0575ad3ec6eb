use std::collections::HashSet;

use super::*;
use crate::testutil::{spawn_receiver, BIZ, SECRET};

fn config(url: String, rate: Option<u32>, millis: u64) -> LoadConfig {
    LoadConfig {
        url,
        app_secret: SECRET.into(),
        business_ig_id: BIZ.into(),
        rate_per_sec: rate,
        duration: Duration::from_millis(millis),
        concurrency: 4,
        customers: 7,
        timeout: REQUEST_TIMEOUT,
    }
}

#[tokio::test]
async fn fixed_rate_sends_exactly_the_schedule() {
    let (url, received) = spawn_receiver().await;
    let report = run_load(config(url, Some(1000), 300)).await.unwrap();
    assert_eq!(
        (report.sent, report.acknowledged, report.failed),
        (300, 300, 0),
        "{report}"
    );
    assert!(report.elapsed >= Duration::from_millis(290), "{report}");
    assert!(report.p50_ms <= report.p99_ms && report.p99_ms <= report.max_ms);

    let bodies = received.bodies();
    assert_eq!(bodies.len(), 300);
    let items: Vec<_> = bodies
        .iter()
        .map(|b| b["entry"][0]["messaging"][0].clone())
        .collect();
    let mids: HashSet<_> = items
        .iter()
        .map(|i| i["message"]["mid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(mids.len(), 300, "every delivery has its own mid");
    let senders: HashSet<_> = items
        .iter()
        .map(|i| i["sender"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(senders.len(), 7);
    assert!(items.iter().all(|i| i["recipient"]["id"] == BIZ));
}

#[tokio::test]
async fn open_loop_runs_until_the_deadline() {
    let (url, received) = spawn_receiver().await;
    let report = run_load(config(url, None, 200)).await.unwrap();
    assert!(report.sent > 0 && report.failed == 0, "{report}");
    assert_eq!(report.acknowledged as usize, received.bodies().len());
    assert!(report.per_sec > 0.0);
    assert!(report.to_string().contains("acknowledged/s"));
}

#[tokio::test]
async fn rejected_deliveries_count_as_failed() {
    let (url, received) = spawn_receiver().await;
    let mut config = config(url, Some(500), 100);
    config.app_secret = "wrong secret".into();
    let report = run_load(config).await.unwrap();
    assert_eq!(
        (report.sent, report.acknowledged, report.failed),
        (50, 0, 50),
        "{report}"
    );
    assert!(received.bodies().is_empty());
}

#[tokio::test]
async fn bad_targets_are_clear_errors() {
    let https = run_load(config("https://example.com/hook".into(), None, 100))
        .await
        .unwrap_err();
    assert!(format!("{https:#}").contains("plain http://"), "{https:#}");
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = run_load(config(format!("http://127.0.0.1:{port}/hook"), None, 100))
        .await
        .unwrap_err();
    assert!(
        format!("{refused:#}").contains("connecting to"),
        "{refused:#}"
    );
    let mut zero = config("http://127.0.0.1:1/".into(), None, 100);
    zero.concurrency = 0;
    assert!(run_load(zero).await.is_err());
}

/// A server that reads requests and never answers: every request is a failure that
/// counts in the latencies as the timeout, not left out of them.
#[tokio::test]
async fn unanswered_requests_count_in_the_latencies_as_the_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let mut config = config(url, Some(20), 200);
    config.timeout = Duration::from_millis(150);
    let report = run_load(config).await.unwrap();
    assert_eq!(report.acknowledged, 0, "{report}");
    assert_eq!(report.failed, report.sent, "{report}");
    assert_eq!(report.timed_out, report.sent, "{report}");
    assert!(report.p50_ms >= 150.0, "{report}");
    assert!(report.to_string().contains("timed out"), "{report}");
}
