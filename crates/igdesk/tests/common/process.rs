//! Running the real `igdesk` binary as a child process.

use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_igdesk"));
    // The test's own environment must not leak settings into the child.
    for (key, _) in std::env::vars() {
        if key.starts_with("IGDESK_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// Runs `igdesk args…` with `stdin` as standard input.
pub fn run(args: &[&str], envs: &[(&str, &str)], stdin: &str) -> Output {
    let mut child = bin()
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("igdesk runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `igdesk serve` as a child process; killed (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Server {
    pub async fn start(envs: &[(String, String)], port: u16) -> Server {
        let child = bin()
            .arg("serve")
            .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("IGDESK_LISTEN", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("igdesk serve starts");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = reqwest::Client::new();
        loop {
            if let Ok(r) = client.get(format!("{url}/readyz")).send().await {
                if r.status() == 200 {
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "igdesk serve did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Server { child, url }
    }

    /// `kill -9`: no shutdown of any kind.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
