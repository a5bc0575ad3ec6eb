//! A crash right after acknowledging loses nothing (SPEC IN-3): `igdesk serve` is
//! killed with SIGKILL while deliveries pour in; after a restart every delivery it
//! acknowledged is processed, exactly once.

mod common;

use common::process::{add_account, add_admin, free_port, serve_env, Server};
use common::{start_simulator, IG_ID, PAGE_TOKEN};
use igdesk_igs::{Delivery, Event};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Settings for a child `igdesk serve` on a fresh SQLite file, and an admin token.
async fn prepare(
    dir: &std::path::Path,
    port: u16,
) -> (igdesk_igs::Simulator, Vec<(String, String)>, String) {
    let (sim, igs_url) =
        start_simulator(format!("http://127.0.0.1:{port}/webhooks/instagram")).await;
    let envs = serve_env(dir, &igs_url, &[]);
    add_account(&envs, IG_ID, "1", PAGE_TOKEN);
    let token = add_admin(&envs);
    (sim, envs, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_delivery_survives_a_kill_9_and_is_processed_once() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (sim, envs, token) = prepare(dir.path(), port).await;
    let mut server = Server::start(&envs, port).await;

    // 600 deliveries from 20 customers, 16 at a time; the server dies mid-stream.
    let events: Vec<Event> = (0..600)
        .map(|i| Event::text(format!("9{:03}", i % 20), format!("message {i}")))
        .collect();
    let acked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let next = Arc::new(AtomicUsize::new(0));
    let mut senders = Vec::new();
    for _ in 0..16 {
        let (sim, events, acked, next) = (sim.clone(), events.clone(), acked.clone(), next.clone());
        senders.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(event) = events.get(i) else { return };
                if let Ok(200) = sim.deliver(&Delivery::new(IG_ID).push(event.clone())).await {
                    acked.lock().unwrap().push(event.mid().unwrap().to_owned());
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.lock().unwrap().len() < 250 {
        assert!(
            Instant::now() < deadline,
            "deliveries are not being acknowledged"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill();
    for s in senders {
        s.await.unwrap();
    }
    let acked: BTreeSet<String> = acked.lock().unwrap().iter().cloned().collect();
    assert!(
        acked.len() >= 250 && acked.len() < 600,
        "the kill landed mid-stream: {}",
        acked.len()
    );

    let server = Server::start(&envs, port).await;
    let get = |path: String| get_json(server.url.clone(), token.clone(), path);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let stats = get("/api/v1/intake/stats".into()).await;
        if stats["deliveries"]["pending"].as_i64().unwrap_or(0) == 0 {
            assert!(
                stats["dead_jobs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|j| j["kind"] != "process_delivery"),
                "{stats}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still pending after restart: {stats}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut seen: HashMap<String, usize> = HashMap::new();
    for c in 0..20 {
        let found = get(format!("/api/v1/customers?igsid=9{c:03}")).await;
        let Some(id) = found["data"][0]["id"].as_i64() else {
            continue;
        };
        for item in get(format!("/api/v1/customers/{id}/timeline")).await["data"]
            .as_array()
            .unwrap()
        {
            *seen
                .entry(item["mid"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    for mid in &acked {
        assert_eq!(
            seen.get(mid),
            Some(&1),
            "acknowledged delivery {mid} must be processed exactly once"
        );
    }
    assert!(seen.values().all(|n| *n == 1), "no item twice");

    // Meta redelivers what was not acknowledged (and some of what was): still once each.
    for event in &events {
        assert_eq!(
            sim.deliver(&Delivery::new(IG_ID).push(event.clone()))
                .await
                .unwrap(),
            200
        );
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let stats = get("/api/v1/intake/stats".into()).await;
        if stats["deliveries"]["pending"].as_i64().unwrap_or(0) == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "redeliveries pending: {stats}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut total = 0;
    for c in 0..20 {
        let id = get(format!("/api/v1/customers?igsid=9{c:03}")).await["data"][0]["id"]
            .as_i64()
            .unwrap();
        total += get(format!("/api/v1/customers/{id}/timeline")).await["data"]
            .as_array()
            .unwrap()
            .len();
    }
    assert_eq!(total, 600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_gracefully_after_answering_requests_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (sim, envs, token) = prepare(dir.path(), port).await;
    let mut server = Server::start(&envs, port).await;
    let mut senders = Vec::new();
    for i in 0..40 {
        let sim = sim.clone();
        senders.push(tokio::spawn(async move {
            let event = Event::text("8000", format!("before the stop {i}"));
            let mid = event.mid().unwrap().to_owned();
            (
                mid,
                sim.deliver(&Delivery::new(IG_ID).push(event)).await.ok(),
            )
        }));
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    let pid = server.child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "igdesk did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "a graceful stop exits 0: {status:?}");
    let mut acked = Vec::new();
    for s in senders {
        if let (mid, Some(200)) = s.await.unwrap() {
            acked.push(mid);
        }
    }
    let server = Server::start(&envs, port).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = get_json(
            server.url.clone(),
            token.clone(),
            "/api/v1/customers?igsid=8000".into(),
        )
        .await;
        let mut missing: Vec<&str> = acked.iter().map(String::as_str).collect();
        if let Some(id) = found["data"][0]["id"].as_i64() {
            let path = format!("/api/v1/customers/{id}/timeline");
            let timeline = get_json(server.url.clone(), token.clone(), path).await;
            let mids: BTreeSet<&str> = timeline["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["mid"].as_str().unwrap())
                .collect();
            missing.retain(|m| !mids.contains(m));
            if missing.is_empty() {
                break;
            }
        }
        if Instant::now() >= deadline {
            // What the operator would look at first, so that a failure says where
            // the deliveries are.
            let stats = get_json(
                server.url.clone(),
                token.clone(),
                "/api/v1/intake/stats".into(),
            )
            .await;
            panic!(
                "{} of {} acknowledged deliveries not processed ({missing:?}); intake: {stats}",
                missing.len(),
                acked.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn get_json(url: String, token: String, path: String) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{url}{path}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}
