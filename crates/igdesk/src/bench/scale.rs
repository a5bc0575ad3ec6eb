//! `igdesk bench scale`: the routing burst (`bench routing`) against one instance,
//! then against N instances on one PostgreSQL database, each run on a fresh
//! database. Meta's webhooks go to the instances in turn through a round-robin
//! balancer (also in front of the single instance, so both runs pay its hop); the
//! agents' live streams are spread over the instances. Reports, per run, intake
//! (webhooks acknowledged per second), processing (deliveries applied per second)
//! and routing (offers on the agents' streams per second), and the time from a
//! webhook's 200 to its offer.
//!
//! The instances run in this process, on its runtime: on one machine they share its
//! cores with each other and with PostgreSQL, as separate processes would.

use super::routing::{
    all_connected, all_offers, available_agents, burst, latencies, listen, ms, Seen,
};
use super::sends::bench_settings;
use crate::crypto::random_hex;
use crate::demo::FreshPostgres;
use crate::now_ms;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use clap::Args;
use igdesk_domain::ConversationSettings;
use igdesk_igs::{BusinessAccount, SimConfig, Simulator};
use secrecy::SecretString;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

#[derive(Args)]
pub struct ScaleArgs {
    /// PostgreSQL server to create the runs' databases on (each run gets a fresh
    /// one, dropped after), e.g. `postgres://postgres:postgres@127.0.0.1/postgres`.
    #[arg(long)]
    database: String,
    /// Instances of the second run (the first has one).
    #[arg(long, default_value_t = 2)]
    instances: usize,
    #[arg(long, default_value_t = 200)]
    agents: usize,
    #[arg(long, default_value_t = 5_000)]
    customers: usize,
    /// Webhooks in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
}

/// One run's figures.
struct Figures {
    intake_per_s: f64,
    processed_per_s: f64,
    offers_per_s: f64,
    p50: Duration,
    p99: Duration,
}

pub async fn run(args: ScaleArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.database.starts_with("postgres"),
        "--database must be a PostgreSQL server: several instances share one"
    );
    anyhow::ensure!(
        (1..=16).contains(&args.instances),
        "--instances must be from 1 to 16"
    );
    println!(
        "scale: {} agents streaming, {} customers writing at once, {} webhooks in flight",
        args.agents, args.customers, args.concurrency
    );
    let mut runs = Vec::new();
    for instances in [1, args.instances] {
        let fresh = FreshPostgres::create(&args.database, "igdesk_bench_scale").await?;
        let figures = run_on(&args, instances, fresh.url()).await;
        fresh.drop_database().await;
        let figures = figures?;
        println!(
            "  {instances} instance(s): intake {:.0}/s, processing {:.0}/s, offers {:.0}/s; \
             webhook 200 -> offer p50 {:.0} ms, p99 {:.0} ms",
            figures.intake_per_s,
            figures.processed_per_s,
            figures.offers_per_s,
            ms(figures.p50),
            ms(figures.p99)
        );
        runs.push(figures);
    }
    if let [one, many] = &runs[..] {
        println!(
            "  {} instances / one: intake {:.2}x, processing {:.2}x, offers {:.2}x",
            args.instances,
            many.intake_per_s / one.intake_per_s,
            many.processed_per_s / one.processed_per_s,
            many.offers_per_s / one.offers_per_s
        );
    }
    Ok(())
}

/// The burst against `instances` instances on the (empty) database `url`.
async fn run_on(args: &ScaleArgs, instances: usize, url: &str) -> anyhow::Result<Figures> {
    let secret = random_hex(16);
    let balancer = TcpListener::bind("127.0.0.1:0").await?;
    let sim = Simulator::new(SimConfig {
        app_secret: secret.clone(),
        webhook_url: format!("http://{}/webhooks/instagram", balancer.local_addr()?),
    });
    sim.set_send_rate_limits(100_000, 100_000);
    let igs = TcpListener::bind("127.0.0.1:0").await?;
    let igs_url = format!("http://{}", igs.local_addr()?);
    let serving = sim.clone();
    tokio::spawn(async move { serving.serve(igs).await });

    // One set of settings: the instances share the database and its sealing key.
    let any_port = "127.0.0.1:0".parse()?;
    let settings = bench_settings(url, any_port, &secret, &igs_url, ("200", 300))?;
    let mut running = Vec::new();
    for _ in 0..instances {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let mut mine = settings.clone();
        mine.listen = listener.local_addr()?;
        running.push(crate::server::start(mine, Some(listener)).await?);
    }
    let urls: Vec<String> = running.iter().map(|r| r.url()).collect();
    let balancing = tokio::spawn(balance(balancer, urls.clone()));
    let app = &running[0].app;
    let ig_id = "17841500000000000";
    add_account(&sim, app, ig_id).await?;

    let capacity = args.customers.div_ceil(args.agents) as i64;
    let offers: Seen = Arc::default();
    let mut streams = Vec::new();
    let tokens = available_agents(app, args.agents, capacity).await?;
    for (n, token) in tokens.into_iter().enumerate() {
        let url = urls[n % urls.len()].clone();
        streams.push(tokio::spawn(listen(url, token, offers.clone(), false)));
    }
    all_connected(&offers, args.agents).await?;

    // Processing is done when no delivery waits, whichever instance applied it.
    let store = app.store.clone();
    let total = args.customers;
    let processed = tokio::spawn(async move {
        loop {
            let counts = store.delivery_counts().await?;
            let count = |state: &str| counts.iter().find(|(s, _)| s == state).map_or(0, |c| c.1);
            if count("pending") == 0 && count("processed") as usize >= total {
                return anyhow::Ok(Instant::now());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    let started = Instant::now();
    let acknowledged = burst(&sim, ig_id, args.customers, args.concurrency).await?;
    let last_ack = Instant::now();
    let offers = all_offers(&offers, args.customers).await?;
    let processed_at = processed.await??;
    let last_offer = offers.values().max().copied();
    let offers_took = last_offer.map_or(Duration::ZERO, |t| t - started);
    let latencies = latencies(app, &acknowledged, &offers).await?;
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    let per_s = |took: Duration| args.customers as f64 / took.as_secs_f64();
    let figures = Figures {
        intake_per_s: per_s(last_ack - started),
        processed_per_s: per_s(processed_at - started),
        offers_per_s: per_s(offers_took),
        p50: pct(0.50),
        p99: pct(0.99),
    };
    for stream in streams {
        stream.abort();
    }
    balancing.abort();
    for instance in running {
        instance.stop().await?;
    }
    Ok(figures)
}

/// The account the customers write to, connected as `igdesk account add` would.
async fn add_account(sim: &Simulator, app: &crate::app::App, ig_id: &str) -> anyhow::Result<()> {
    let token = "EAAB-bench-scale";
    sim.add_business(BusinessAccount {
        ig_id: ig_id.into(),
        page_id: "200000000000".into(),
        username: "shop".into(),
        page_token: token.into(),
        instagram_token: "IGQV-bench-scale".into(),
    });
    let sealed = app
        .sealer
        .seal_token(ig_id, &SecretString::from(token.to_owned()));
    let account = igdesk_store::NewAccount {
        ig_id: ig_id.into(),
        page_id: "200000000000".into(),
        page_name: "Shop".into(),
        username: "shop".into(),
        login_path: "facebook".into(),
        token_sealed: sealed,
        added_by: "bench".into(),
        settings: ConversationSettings::default(),
    };
    app.store.add_account(account, now_ms()).await?;
    Ok(())
}

/// Meta's side of a load balancer: each webhook to the next instance in turn.
async fn balance(listener: TcpListener, targets: Vec<String>) -> std::io::Result<()> {
    let state = Arc::new((targets, AtomicUsize::new(0), reqwest::Client::new()));
    let app = axum::Router::new()
        .route("/webhooks/instagram", axum::routing::post(forward))
        .with_state(state);
    axum::serve(listener, app).await
}

type Targets = Arc<(Vec<String>, AtomicUsize, reqwest::Client)>;

async fn forward(State(lb): State<Targets>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let (targets, next, http) = &*lb;
    let target = &targets[next.fetch_add(1, Ordering::Relaxed) % targets.len()];
    let mut request = http.post(format!("{target}/webhooks/instagram")).body(body);
    for name in ["content-type", "x-hub-signature-256"] {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value.as_bytes());
        }
    }
    match request.send().await {
        Ok(r) => StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY),
        Err(_) => StatusCode::BAD_GATEWAY,
    }
}
