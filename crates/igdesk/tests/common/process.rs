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

/// The environment of a child `igdesk serve` on a fresh SQLite file in `dir`, with
/// Graph calls going to the simulator at `igs_url`; `extra` adds or overrides.
pub fn serve_env(
    dir: &std::path::Path,
    igs_url: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = vec![
        (
            "IGDESK_DATABASE_URL".into(),
            format!("sqlite://{}", dir.join("igdesk.db").display()),
        ),
        ("IGDESK_META_APP_SECRET".into(), super::APP_SECRET.into()),
        (
            "IGDESK_META_VERIFY_TOKEN".into(),
            super::VERIFY_TOKEN.into(),
        ),
        ("IGDESK_SECRET_KEY".into(), super::SECRET_KEY.into()),
        (
            "IGDESK_GRAPH_BASE_URL".into(),
            format!("{igs_url}/graph.facebook.com"),
        ),
        (
            "IGDESK_INSTAGRAM_GRAPH_BASE_URL".into(),
            format!("{igs_url}/graph.instagram.com"),
        ),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

pub fn env_refs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// `igdesk account add` for a Facebook-Login account.
pub fn add_account(env: &[(String, String)], ig_id: &str, page_id: &str, token: &str) {
    let args = [
        "account",
        "add",
        "--ig-id",
        ig_id,
        "--page-id",
        page_id,
        "--page-name",
        "Shop",
        "--username",
        "shop",
        "--token",
        token,
    ];
    let out = run(&args, &env_refs(env), "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `igdesk agent add --admin`: the personal API token it prints.
pub fn add_admin(env: &[(String, String)]) -> String {
    add_person(env, "ops@example.com", "Ops", &["--admin"])
}

/// `igdesk agent add` with `extra` options (`--admin`, `--inbox NAME` …): the
/// personal API token it prints.
pub fn add_person(env: &[(String, String)], email: &str, name: &str, extra: &[&str]) -> String {
    let mut args = vec!["agent", "add", "--email", email, "--name", name];
    args.extend_from_slice(extra);
    let out = run(&args, &env_refs(env), "a long password\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    stdout
        .split("API token (shown once): ")
        .nth(1)
        .expect("a token")
        .trim()
        .to_owned()
}
