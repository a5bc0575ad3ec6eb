//! `igdesk demo` as a new user runs it: it starts, prints a URL and a token, and
//! the simulated customers' conversations are there to read (SPEC OPS-1).

mod common;

use common::process::{bin, free_port};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_demo_serves_the_simulated_customers_conversations() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = bin()
        .args([
            "demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database",
        ])
        .arg(dir.path().join("demo.db"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let printed = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let done = line.contains("Press Ctrl-C");
            lines.push(line);
            if done {
                break;
            }
        }
        lines
    })
    .await
    .unwrap();
    let token = printed
        .iter()
        .find_map(|l| l.trim().strip_prefix("API token: "))
        .expect("the demo prints a token")
        .to_owned();
    assert!(
        printed
            .iter()
            .any(|l| l.contains(&format!("http://127.0.0.1:{port}/"))),
        "{printed:?}"
    );
    assert!(printed.iter().any(|l| l.contains("demo@igdesk.local")));

    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let conversations = loop {
        let body: serde_json::Value = client
            .get(format!("http://127.0.0.1:{port}/api/v1/conversations"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let list = body["data"].as_array().unwrap().clone();
        let named = list.iter().any(|c| c["customer_name"] == "Ana Souza");
        if (list.len() >= 3 && named) || Instant::now() > deadline {
            break list;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(conversations.len() >= 3, "{conversations:?}");
    let names: Vec<_> = conversations
        .iter()
        .map(|c| c["customer_name"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        names.iter().any(|n| n == "Ana Souza"),
        "profiles were fetched from the simulator: {names:?}"
    );
}
