//! Memory for `bench intake`: resident set sizes read from `/proc/<pid>/status`
//! (Linux), of igdesk serving alone (`igdesk serve` started as a child process of
//! the bench, the load generator in the bench's own process) idle after start-up and
//! at its peak under the maximum load; and of the bench's own process, where the
//! in-process measurements ran the server, the baselines and the load generator
//! together.

use crate::crypto::{random_hex, Sealer};
use crate::now_ms;
use igdesk_domain::ConversationSettings;
use igdesk_store::NewAccount;
use secrecy::SecretString;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Resident now (`VmRSS`) and at the most (`VmHWM`, the high-water mark since the
/// process started), in bytes; `None` where `/proc` has no such process.
#[derive(Debug, Clone, Copy)]
pub struct Resident {
    pub now: u64,
    pub peak: u64,
}

pub fn resident(pid: Option<u32>) -> Option<Resident> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_owned(),
    };
    let status = std::fs::read_to_string(path).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
    };
    Some(Resident {
        now: field("VmRSS:")?,
        peak: field("VmHWM:")?,
    })
}

pub fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// `igdesk serve` in a process of its own on a fresh SQLite file in `dir`, with the
/// bench's account connected; killed when dropped.
pub(super) struct Alone {
    child: Child,
    pub(super) url: String,
}

impl Drop for Alone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Alone {
    pub(super) fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// Starts igdesk alone, or says why it cannot: the bench must run from the `igdesk`
/// binary (a test's binary cannot serve).
pub(super) async fn start_alone(dir: &Path, secret: &str, ig_id: &str) -> anyhow::Result<Alone> {
    let exe = std::env::current_exe()?;
    anyhow::ensure!(
        exe.file_stem().is_some_and(|s| s == "igdesk"),
        "not run from the igdesk binary ({})",
        exe.display()
    );
    let database = format!("sqlite://{}", dir.join("alone.db").display());
    let secret_key = random_hex(32);
    // The account is added as the bench's in-process server adds it, with its token
    // sealed by the key the child will use.
    let store = igdesk_store::connect(&database).await?;
    let sealer = Sealer::new(&SecretString::from(secret_key.clone()));
    igdesk_store::AccountStore::add_account(
        &store,
        NewAccount {
            ig_id: ig_id.into(),
            page_id: "1".into(),
            page_name: "Bench".into(),
            username: "bench".into(),
            login_path: "facebook".into(),
            token_sealed: sealer.seal_token(ig_id, &SecretString::from("x".to_owned())),
            added_by: "bench".into(),
            settings: ConversationSettings::default(),
        },
        now_ms(),
    )
    .await?;
    drop(store);
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let child = Command::new(exe)
        .arg("serve")
        .env("IGDESK_LISTEN", format!("127.0.0.1:{port}"))
        .env("IGDESK_DATABASE_URL", database)
        .env("IGDESK_META_APP_SECRET", secret)
        .env("IGDESK_META_VERIFY_TOKEN", "bench")
        .env("IGDESK_GRAPH_BASE_URL", "http://127.0.0.1:9")
        .env("IGDESK_INSTAGRAM_GRAPH_BASE_URL", "http://127.0.0.1:9")
        .env("IGDESK_SECRET_KEY", secret_key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let alone = Alone { child, url };
    let client = reqwest::Client::new();
    let began = Instant::now();
    loop {
        let ready = client.get(format!("{}/readyz", alone.url)).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return Ok(alone);
        }
        anyhow::ensure!(
            began.elapsed() < Duration::from_secs(30),
            "igdesk serve did not become ready in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
