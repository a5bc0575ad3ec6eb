//! `igdesk bench intake`: signed deliveries per second durably acknowledged, and
//! acknowledgement latency at a fixed rate, for igdesk and two baselines in one run
//! (`baseline`: the ceiling, which stores nothing, and a fair minimal receiver with
//! the same durability), measured by the simulator's load generator over real HTTP
//! on loopback.

use super::baseline;
use super::memory::{self, Resident};
use crate::config::{RawSettings, Settings};
use crate::crypto::random_hex;
use crate::now_ms;
use anyhow::Context as _;
use clap::Args;
use igdesk_domain::ConversationSettings;
use igdesk_igs::{run_load, LoadConfig, LoadReport};
use igdesk_store::NewAccount;
use secrecy::SecretString;
use std::path::PathBuf;
use std::time::Duration;
use tokio::net::TcpListener;

#[derive(Args)]
pub struct IntakeArgs {
    /// Seconds each measurement runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Deliveries per second for the latency measurement.
    #[arg(long, default_value_t = 5_000)]
    rate: u32,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 256)]
    concurrency: usize,
    /// Where the bench's SQLite files go (a fresh temporary folder by default).
    #[arg(long)]
    dir: Option<PathBuf>,
}

const BENCH_IG_ID: &str = "17841400000000999";

struct Figures {
    throughput: LoadReport,
    at_rate: LoadReport,
    /// The bench's own process: resident once igdesk had started (after the
    /// baselines), and its high-water mark after the measurements (igdesk only).
    memory: Option<(Resident, Resident)>,
}

/// igdesk serving alone in its own process: resident idle after start-up, and at its
/// most by the end of the maximum load (with the load's deliveries/s).
struct Alone {
    idle: Resident,
    loaded: Resident,
    per_sec: f64,
}

/// igdesk's memory targets (issue 16): idle, and under the maximum load.
const IDLE_MB: f64 = 60.0;
const LOADED_MB: f64 = 250.0;

pub async fn run(args: IntakeArgs) -> anyhow::Result<()> {
    // A folder given with --dir is kept; the bench's own is removed at its end.
    let (temp, _scratch) = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            (dir.clone(), None)
        }
        None => {
            let scratch = super::Scratch::new("intake")?;
            (scratch.0.clone(), Some(scratch))
        }
    };
    let secret = random_hex(16);

    // Alone first, in a quiet machine's state: nothing else of the bench has run yet.
    let alone = measure_alone(&args, &temp, &secret).await;
    let ceiling = measure_baseline(&args, &temp, &secret, baseline::Kind::Ceiling).await?;
    let fair = measure_baseline(&args, &temp, &secret, baseline::Kind::Fair).await?;
    let igdesk = measure_igdesk(&args, &temp, &secret).await?;

    println!();
    println!(
        "| target | deliveries/s (max) | p50 ms @ {r}/s | p99 ms @ {r}/s | achieved/s @ {r}/s |",
        r = args.rate
    );
    println!("|---|---|---|---|---|");
    let targets = [
        ("ceiling (HMAC, no storing)", &ceiling),
        ("fair minimal receiver", &fair),
        ("igdesk", &igdesk),
    ];
    for (name, f) in targets {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {:.0} |",
            f.throughput.per_sec, f.at_rate.p50_ms, f.at_rate.p99_ms, f.at_rate.per_sec
        );
    }
    println!();
    let ratio = |of: &Figures| igdesk.throughput.per_sec / of.throughput.per_sec.max(1e-9);
    println!(
        "igdesk/ceiling (max deliveries/s): {:.2}; igdesk/fair: {:.2}",
        ratio(&ceiling),
        ratio(&fair)
    );
    println!(
        "(max: as many as {} connections get acknowledged in {} s; latency: every request \
         at {}/s, failures included at the time they failed)",
        args.concurrency, args.seconds, args.rate
    );
    print_memory(&igdesk, &alone);
    for (name, f) in targets {
        for (label, r) in [("max", &f.throughput), ("fixed rate", &f.at_rate)] {
            if r.failed > 0 {
                println!(
                    "note: {name} {label}: {} of {} deliveries failed ({} timed out)",
                    r.failed, r.sent, r.timed_out
                );
            }
        }
    }
    Ok(())
}

async fn load(
    args: &IntakeArgs,
    url: &str,
    secret: &str,
    rate: Option<u32>,
) -> anyhow::Result<LoadReport> {
    let report = run_load(LoadConfig {
        url: url.to_owned(),
        app_secret: secret.to_owned(),
        business_ig_id: BENCH_IG_ID.into(),
        rate_per_sec: rate,
        duration: Duration::from_secs(args.seconds),
        concurrency: args.concurrency,
        customers: 1_000,
        timeout: igdesk_igs::load::REQUEST_TIMEOUT,
    })
    .await?;
    eprintln!("  {}", report);
    Ok(report)
}

async fn measure_igdesk(
    args: &IntakeArgs,
    dir: &std::path::Path,
    secret: &str,
) -> anyhow::Result<Figures> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let settings = Settings::try_from(RawSettings {
        listen: Some(listener.local_addr()?.to_string()),
        database_url: Some(format!("sqlite://{}", dir.join("igdesk.db").display())),
        meta_app_secret: Some(secret.to_owned()),
        meta_verify_token: Some("bench".into()),
        // No Graph calls succeed here; profile refreshes retry in the background
        // like they would against a Meta outage, which is part of the load.
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
    let url = format!("{}/webhooks/instagram", running.url());
    let started = memory::resident(None);
    eprintln!("igdesk serve (SQLite, WAL, synchronous=FULL, group commit):");
    let throughput = load(args, &url, secret, None).await?;
    drain(&running).await?;
    let at_rate = load(args, &url, secret, Some(args.rate)).await?;
    drain(&running).await?;
    running.stop().await?;
    Ok(Figures {
        throughput,
        at_rate,
        memory: started.zip(memory::resident(None)),
    })
}

/// Waits for the processing backlog to empty, and says how fast it went.
async fn drain(running: &crate::server::Running) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let pending = |counts: Vec<(String, i64)>| {
        counts
            .into_iter()
            .find(|(s, _)| s == "pending")
            .map(|(_, n)| n)
            .unwrap_or(0)
    };
    let backlog = pending(running.app.store.delivery_counts().await?);
    while pending(running.app.store.delivery_counts().await?) > 0 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!("  backlog of {backlog} deliveries processed in {secs:.1} s after the load stopped");
    Ok(())
}

async fn measure_baseline(
    args: &IntakeArgs,
    dir: &std::path::Path,
    secret: &str,
    kind: baseline::Kind,
) -> anyhow::Result<Figures> {
    let server = baseline::start(kind, &dir.join("baseline.db"), secret).await?;
    let url = format!("http://{}/webhooks/instagram", server.addr);
    eprintln!(
        "{}",
        match kind {
            baseline::Kind::Ceiling => "ceiling (igdesk's HTTP server + HMAC check, answers 200, stores nothing):",
            baseline::Kind::Fair => "fair minimal receiver (igdesk's HTTP server + HMAC, one SQLite connection, WAL, synchronous=FULL, group commit of what waits):",
        }
    );
    let throughput = load(args, &url, secret, None).await?;
    let at_rate = load(args, &url, secret, Some(args.rate)).await?;
    server.stop().await;
    Ok(Figures {
        throughput,
        at_rate,
        memory: None,
    })
}

/// igdesk serve as a child process under the maximum load, its memory read from
/// `/proc/<pid>/status`; `None` (and why, printed) where it cannot run.
async fn measure_alone(args: &IntakeArgs, dir: &std::path::Path, secret: &str) -> Option<Alone> {
    let measured = async {
        let alone = memory::start_alone(dir, secret, BENCH_IG_ID).await?;
        // Start-up's work (migrations, the first upkeep) settles first.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let idle = memory::resident(Some(alone.pid())).context("no /proc for the child")?;
        eprintln!("igdesk serve alone (a child process; memory from /proc/<pid>/status):");
        let url = format!("{}/webhooks/instagram", alone.url);
        let report = load(args, &url, secret, None).await?;
        let loaded = memory::resident(Some(alone.pid())).context("no /proc for the child")?;
        anyhow::Ok(Alone {
            idle,
            loaded,
            per_sec: report.per_sec,
        })
    };
    match measured.await {
        Ok(alone) => Some(alone),
        Err(e) => {
            eprintln!("igdesk serve alone not measured: {e:#}");
            None
        }
    }
}

fn print_memory(igdesk: &Figures, alone: &Option<Alone>) {
    let met = |mb: f64, most: f64| if mb <= most { "met" } else { "NOT met" };
    println!();
    match alone {
        Some(a) => {
            let (idle, peak) = (memory::mb(a.idle.now), memory::mb(a.loaded.peak));
            println!(
                "memory, igdesk serve alone (child process, /proc/<pid>/status): idle after \
                 start-up {idle:.1} MB RSS (target <= {IDLE_MB:.0}: {}); peak under the maximum \
                 load ({:.0} deliveries/s) {peak:.1} MB VmHWM (target <= {LOADED_MB:.0}: {})",
                met(idle, IDLE_MB),
                a.per_sec,
                met(peak, LOADED_MB)
            );
        }
        None => println!("memory, igdesk serve alone: not measured (see above)"),
    }
    if let Some((started, end)) = igdesk.memory {
        println!(
            "memory, the bench's process (igdesk in process with the load generator; the \
             run alone's load generator and the baselines ran in it before): {:.1} MB RSS once igdesk started, {:.1} MB VmHWM \
             by the end",
            memory::mb(started.now),
            memory::mb(end.peak)
        );
    }
}
