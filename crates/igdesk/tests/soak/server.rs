//! `igdesk serve` as a child process that the soak kills (SIGKILL) and starts
//! again on the same port, its log kept in a file; and reading from it over HTTP.

use serde_json::Value;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

pub struct Serve {
    child: Child,
    spawned: Instant,
    pub url: String,
}

impl Serve {
    /// Starts `igdesk serve`, appending what it logs to `log`; does not wait.
    pub fn spawn(envs: &[(String, String)], port: u16, log: &Path) -> Serve {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let child = super::common::process::bin()
            .arg("serve")
            .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("IGDESK_LISTEN", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("igdesk serve starts");
        Serve {
            child,
            spawned: Instant::now(),
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Waits until it answers `/readyz`: how long that took since it was spawned.
    pub async fn ready(&mut self) -> Duration {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = client.get(format!("{}/readyz", self.url)).send().await {
                if r.status() == 200 {
                    return self.spawned.elapsed();
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("igdesk serve exited while starting: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "igdesk serve did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// `kill -9`.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill();
    }
}

pub async fn get(url: &str, token: &str, path: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{url}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

/// A counter of `/metrics` (this process's, since its start).
pub async fn metric(url: &str, name: &str) -> f64 {
    let text = reqwest::Client::new()
        .get(format!("{url}/metrics"))
        .bearer_auth(super::common::METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// The end of igdesk's log, when the soak found something.
pub fn show_log_on_failure(log: &Path, failed: bool) {
    if !failed {
        return;
    }
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    eprintln!("igdesk's log, last lines of {}:", lines.len());
    for line in &lines[lines.len().saturating_sub(60)..] {
        eprintln!("{line}");
    }
}

/// Jobs and webhooks still waiting, read from the database: what a slow drain waits for.
pub async fn left(database_url: &str) -> String {
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let Ok(mut db) = sqlx::AnyConnection::connect(database_url).await else {
        return "(the database cannot be read)".into();
    };
    let now = igdesk::now_ms();
    let mut out = Vec::new();
    for (what, query) in [
        (
            "jobs",
            "SELECT kind, COUNT(*) AS n, MIN(run_at) AS due, MAX(leased_until) AS leased, \
             MAX(attempts) AS attempts, MAX(last_error) AS error FROM jobs WHERE dead = 0 \
             GROUP BY kind",
        ),
        (
            "webhooks",
            "SELECT stream AS kind, COUNT(*) AS n, MIN(next_attempt_at) AS due, \
             MAX(leased_until) AS leased, MAX(attempts) AS attempts, MAX(last_error) AS error \
             FROM api_webhooks WHERE state = 'pending' GROUP BY stream",
        ),
    ] {
        let Ok(rows) = sqlx::query(query).fetch_all(&mut db).await else {
            continue;
        };
        for row in rows {
            let kind: String = row.try_get("kind").unwrap_or_default();
            let n: i64 = row.try_get("n").unwrap_or_default();
            let due: i64 = row.try_get("due").unwrap_or_default();
            let leased: i64 = row.try_get("leased").unwrap_or_default();
            let attempts: i64 = row.try_get("attempts").unwrap_or_default();
            let error: Option<String> = row.try_get("error").ok().flatten();
            out.push(format!(
                "{what} {kind}: {n}, due in {} ms, leased for {} ms, attempts {attempts}, {error:?}",
                due - now,
                (leased - now).max(0)
            ));
        }
    }
    out.join("; ")
}
