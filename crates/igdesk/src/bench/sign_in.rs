//! `igdesk bench sign-in`: webhook acknowledgement latency while wrong sign-ins with
//! random emails arrive, against the same webhooks alone, in one run. Three phases on
//! one igdesk (SQLite), each `--seconds` long, webhooks at `--webhook-rate` from the
//! simulator's load generator (open loop, so queueing shows as latency):
//!
//! 1. webhooks alone (after an unreported warm-up that creates the customers);
//! 2. plus `--sign-in-rate` wrong sign-ins a second, all from 127.0.0.1 (one client
//!    spraying emails: the per-address limit stops it before any hashing);
//! 3. plus as many, each from an address of its own (127.1.x.y; a botnet: nothing
//!    refuses them early, so only the bounded hashing pool stands between them and
//!    the cores that acknowledge webhooks);
//! 4. webhooks alone again: with phase 1, how much the machine itself varied.

use crate::app::App;
use crate::config::{RawSettings, Settings};
use crate::crypto::random_hex;
use crate::now_ms;
use clap::Args;
use igdesk_domain::ConversationSettings;
use igdesk_igs::{run_load, LoadConfig, LoadReport};
use igdesk_store::NewAccount;
use secrecy::SecretString;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket};

#[derive(Args, Clone, Debug)]
pub struct SignInArgs {
    /// Seconds each phase runs.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Webhook deliveries per second.
    #[arg(long, default_value_t = 1_000)]
    pub webhook_rate: u32,
    /// Wrong sign-ins (random emails) per second.
    #[arg(long, default_value_t = 200)]
    pub sign_in_rate: u32,
    /// Where the bench's SQLite file goes (a fresh temporary folder by default).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// Where the wrong sign-ins come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// All from 127.0.0.1.
    OneAddress,
    /// Each from its own loopback address, 127.1.x.y.
    ManyAddresses,
}

/// How the sign-ins of a phase were answered.
#[derive(Clone, Debug, Default)]
pub struct SignIns {
    pub sent: u64,
    /// 401 `sign_in_failed`: the password was checked (hashed).
    pub checked: u64,
    /// 429 `too_many_attempts`: refused by a limit before any hashing.
    pub throttled: u64,
    /// 503 `busy`: refused because the hashing pool's line was full.
    pub busy: u64,
    /// Any other status, or no answer within 20 s.
    pub other: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

#[derive(Clone, Debug)]
pub struct Phase {
    pub name: &'static str,
    pub acks: LoadReport,
    pub sign_ins: Option<SignIns>,
}

/// The three phases against a running igdesk: `app` is its state (to wait for the
/// delivery backlog between phases), `url` its base URL, and webhooks are signed
/// with `app_secret` for the business account `ig_id`.
pub async fn measure(
    app: &App,
    url: &str,
    app_secret: &str,
    ig_id: &str,
    args: &SignInArgs,
) -> anyhow::Result<Vec<Phase>> {
    let server: SocketAddr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()?;
    let duration = Duration::from_secs(args.seconds);
    let webhooks = |duration: Duration| {
        run_load(LoadConfig {
            url: format!("{url}/webhooks/instagram"),
            app_secret: app_secret.to_owned(),
            business_ig_id: ig_id.to_owned(),
            rate_per_sec: Some(args.webhook_rate),
            duration,
            concurrency: 64,
            customers: 1_000,
            timeout: igdesk_igs::load::REQUEST_TIMEOUT,
        })
    };
    // The first deliveries create the customers (and their profile jobs): not what
    // is measured.
    webhooks(duration.div_f64(2.0).max(Duration::from_secs(1))).await?;
    drain(app).await?;
    let mut phases = Vec::new();
    let acks = webhooks(duration).await?;
    eprintln!("  webhooks alone: {acks}");
    phases.push(Phase {
        name: "webhooks alone",
        acks,
        sign_ins: None,
    });
    drain(app).await?;
    for (name, source) in [
        ("+ sign-ins from one address", Source::OneAddress),
        (
            "+ sign-ins each from its own address",
            Source::ManyAddresses,
        ),
    ] {
        let (acks, sign_ins) = tokio::join!(
            webhooks(duration),
            sign_in_load(server, args.sign_in_rate, duration, source)
        );
        let acks = acks?;
        eprintln!("  {name}: {acks}; sign-ins {sign_ins:?}");
        phases.push(Phase {
            name,
            acks,
            sign_ins: Some(sign_ins),
        });
        drain(app).await?;
    }
    let acks = webhooks(duration).await?;
    eprintln!("  webhooks alone, again: {acks}");
    phases.push(Phase {
        name: "webhooks alone, again",
        acks,
        sign_ins: None,
    });
    Ok(phases)
}

/// Wrong sign-ins with random emails at `rate` a second for `duration`, open loop
/// (each starts on schedule whether or not earlier ones were answered).
pub async fn sign_in_load(
    server: SocketAddr,
    rate: u32,
    duration: Duration,
    source: Source,
) -> SignIns {
    let total = (f64::from(rate) * duration.as_secs_f64()).round() as u64;
    let start = Instant::now();
    let mut tries = Vec::with_capacity(total as usize);
    for n in 0..total {
        let due = start + Duration::from_nanos(n * 1_000_000_000 / u64::from(rate.max(1)));
        tokio::time::sleep_until(due.into()).await;
        let from = match source {
            Source::OneAddress => None,
            Source::ManyAddresses => Some(IpAddr::V4(Ipv4Addr::from(0x7f01_0000 + n as u32))),
        };
        tries.push(tokio::spawn(async move {
            let began = Instant::now();
            let status = tokio::time::timeout(Duration::from_secs(20), wrong_sign_in(server, from))
                .await
                .ok()
                .and_then(Result::ok);
            (status, began.elapsed())
        }));
    }
    let mut counts = SignIns {
        sent: total,
        ..SignIns::default()
    };
    let mut latencies = Vec::with_capacity(tries.len());
    for t in tries {
        let Ok((status, took)) = t.await else {
            counts.other += 1;
            continue;
        };
        latencies.push(took);
        match status {
            Some(401) => counts.checked += 1,
            Some(429) => counts.throttled += 1,
            Some(503) => counts.busy += 1,
            _ => counts.other += 1,
        }
    }
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((q * latencies.len() as f64).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    counts.p50_ms = at(0.50);
    counts.p99_ms = at(0.99);
    counts
}

/// One `POST /api/v1/session` with a random email and a wrong password, on a fresh
/// connection (from `from` when given); answers the status.
async fn wrong_sign_in(server: SocketAddr, from: Option<IpAddr>) -> std::io::Result<u16> {
    let socket = TcpSocket::new_v4()?;
    if let Some(from) = from {
        socket.bind(SocketAddr::new(from, 0))?;
    }
    let mut stream = socket.connect(server).await?;
    let body = format!(
        r#"{{"email":"{}@random.example","password":"not the password"}}"#,
        random_hex(8)
    );
    let request = format!(
        "POST /api/v1/session HTTP/1.1\r\nHost: {server}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let head = String::from_utf8_lossy(&answer[..answer.len().min(16)]).into_owned();
    head.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in {head:?}")))
}

/// Waits for the processing backlog to empty, so one phase's work does not load the
/// next.
/// Waits until every delivery received is processed.
pub(super) async fn drain(app: &App) -> anyhow::Result<()> {
    let pending = |counts: Vec<(String, i64)>| {
        counts
            .into_iter()
            .find(|(s, _)| s == "pending")
            .map_or(0, |(_, n)| n)
    };
    while pending(app.store.delivery_counts().await?) > 0 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

const BENCH_IG_ID: &str = "17841400000000999";

pub async fn run(args: SignInArgs) -> anyhow::Result<()> {
    let (dir, _scratch) = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            (dir.clone(), None)
        }
        None => {
            let scratch = super::Scratch::new("sign-in")?;
            (scratch.0.clone(), Some(scratch))
        }
    };
    let secret = random_hex(16);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let settings = Settings::try_from(RawSettings {
        listen: Some(listener.local_addr()?.to_string()),
        database_url: Some(format!("sqlite://{}", dir.join("igdesk.db").display())),
        meta_app_secret: Some(secret.clone()),
        meta_verify_token: Some("bench".into()),
        // As in `bench intake`: Graph calls fail and retry in the background.
        graph_base_url: Some("http://127.0.0.1:9".into()),
        instagram_graph_base_url: Some("http://127.0.0.1:9".into()),
        secret_key: Some(random_hex(32)),
        ..RawSettings::default()
    })?;
    let running = crate::server::start(settings, Some(listener)).await?;
    running
        .app
        .store
        .add_account(
            NewAccount {
                ig_id: BENCH_IG_ID.into(),
                page_id: "1".into(),
                page_name: "Bench".into(),
                username: "bench".into(),
                login_path: "facebook".into(),
                token_sealed: running
                    .app
                    .sealer
                    .seal_token(BENCH_IG_ID, &SecretString::from("x".to_owned())),
                added_by: "bench".into(),
                settings: ConversationSettings::default(),
            },
            now_ms(),
        )
        .await?;
    eprintln!(
        "igdesk serve (SQLite), {} passwords hashed at once, {} s per phase:",
        crate::service::passwords::hashing_at_once(),
        args.seconds
    );
    let phases = measure(&running.app, &running.url(), &secret, BENCH_IG_ID, &args).await?;
    running.stop().await?;
    println!();
    println!(
        "| phase ({} webhooks/s, {} sign-ins/s) | ack p50 ms | ack p99 ms | ack max ms | acked/s | sign-ins 401 / 429 / 503 / other | sign-in p50 / p99 ms |",
        args.webhook_rate, args.sign_in_rate
    );
    println!("|---|---|---|---|---|---|---|");
    for p in &phases {
        let sign_ins = p.sign_ins.as_ref().map_or("–".to_owned(), |s| {
            format!("{} / {} / {} / {}", s.checked, s.throttled, s.busy, s.other)
        });
        let sign_in_ms = p.sign_ins.as_ref().map_or("–".to_owned(), |s| {
            format!("{:.1} / {:.1}", s.p50_ms, s.p99_ms)
        });
        println!(
            "| {} | {:.2} | {:.2} | {:.2} | {:.0} | {sign_ins} | {sign_in_ms} |",
            p.name, p.acks.p50_ms, p.acks.p99_ms, p.acks.max_ms, p.acks.per_sec
        );
    }
    Ok(())
}
