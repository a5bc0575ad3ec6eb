//! `igdesk bench sends`: the outbox against the simulator (accepting everything,
//! echoes on), over real HTTP on loopback.
//!
//! 1. Limit kept: 10,000 API messages and 100 console replies on one account with
//!    the default limit of 200 messages per window (the window is shortened so the
//!    run takes seconds, not hours): the most sends seen in any window, and the
//!    console replies' wait.
//! 2. Limit raised: the same load; sends per second and the console replies' p99
//!    wait (Meta's 300 calls/s per account still applies).
//! 3. 1,000 accounts × 10 messages, limit raised: total sends per second.

use crate::config::{RawSettings, Settings};
use crate::crypto::random_hex;
use crate::now_ms;
use clap::Args;
use igdesk_domain::{ConversationSettings, Millis};
use igdesk_igs::{BusinessAccount, Delivery, Event, SimConfig, Simulator};
use igdesk_store::{Lane, NewReply, OutgoingPart, Scope, Store};
use secrecy::SecretString;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

#[derive(Args)]
pub struct SendArgs {
    /// The window of the limit kept in part 1 (the product's default is 300 s).
    #[arg(long, default_value_t = 10)]
    window_seconds: u64,
    /// How long part 1 runs.
    #[arg(long, default_value_t = 30)]
    limited_seconds: u64,
}

const API_MESSAGES: usize = 10_000;
const CONSOLE_REPLIES: usize = 100;
const CUSTOMERS: usize = 1_000;

pub(super) struct Bench {
    pub(super) running: crate::server::Running,
    pub(super) sim: Simulator,
    _dir: super::Scratch,
}

pub(super) async fn start(send_limit: &str, window_seconds: u64) -> anyhow::Result<Bench> {
    start_on(None, send_limit, window_seconds).await
}

/// Like [`start`], on the given (empty) database instead of a fresh SQLite file.
pub(super) async fn start_on(
    database_url: Option<String>,
    send_limit: &str,
    window_seconds: u64,
) -> anyhow::Result<Bench> {
    let dir = super::Scratch::new("sends")?;
    let secret = random_hex(16);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let sim = Simulator::new(SimConfig {
        app_secret: secret.clone(),
        webhook_url: format!("http://{addr}/webhooks/instagram"),
    });
    // Meta's own per-second limit stays with igdesk's pacing; the simulator's
    // would only add noise from clock differences.
    sim.set_send_rate_limits(100_000, 100_000);
    let igs = TcpListener::bind("127.0.0.1:0").await?;
    let igs_url = format!("http://{}", igs.local_addr()?);
    let serving = sim.clone();
    tokio::spawn(async move { serving.serve(igs).await });
    let settings = Settings::try_from(RawSettings {
        listen: Some(addr.to_string()),
        database_url: Some(
            database_url
                .unwrap_or_else(|| format!("sqlite://{}", dir.0.join("igdesk.db").display())),
        ),
        meta_app_secret: Some(secret),
        meta_verify_token: Some("bench".into()),
        graph_base_url: Some(format!("{igs_url}/graph.facebook.com")),
        instagram_graph_base_url: Some(format!("{igs_url}/graph.instagram.com")),
        secret_key: Some(random_hex(32)),
        send_limit: Some(send_limit.into()),
        send_limit_window_seconds: Some(window_seconds.to_string()),
        // `bench api` delivers webhooks to a receiver on 127.0.0.1 over http.
        webhook_allow_private: Some("true".into()),
        ..RawSettings::default()
    })?;
    let running = crate::server::start(settings, Some(listener)).await?;
    Ok(Bench {
        running,
        sim,
        _dir: dir,
    })
}

/// Connects `n` accounts with one customer each who wrote, or one account with
/// `customers` customers.
pub(super) async fn accounts_and_customers(
    b: &Bench,
    accounts: usize,
    customers_each: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    for a in 0..accounts {
        let ig_id = format!("1784150{a:010}");
        let token = format!("EAAB-bench-{a}");
        b.sim.add_business(BusinessAccount {
            ig_id: ig_id.clone(),
            page_id: format!("2000{a:010}"),
            username: format!("shop{a}"),
            page_token: token.clone(),
            instagram_token: format!("IGQV-bench-{a}"),
        });
        b.running
            .app
            .store
            .add_account(
                igdesk_store::NewAccount {
                    ig_id: ig_id.clone(),
                    page_id: format!("2000{a:010}"),
                    page_name: format!("Shop {a}"),
                    username: format!("shop{a}"),
                    login_path: "facebook".into(),
                    token_sealed: b
                        .running
                        .app
                        .sealer
                        .seal_token(&ig_id, &SecretString::from(token)),
                    added_by: "bench".into(),
                    settings: ConversationSettings::default(),
                },
                now_ms(),
            )
            .await?;
        for c in 0..customers_each {
            let igsid = format!("9{a:05}{c:05}");
            b.sim
                .deliver(&Delivery::new(ig_id.as_str()).push(Event::text(&igsid, "hello")))
                .await?;
            pairs.push((ig_id.clone(), igsid));
        }
    }
    // Wait until every customer is taken in.
    let store = b.running.app.store.clone();
    while store
        .delivery_counts()
        .await?
        .iter()
        .any(|(s, n)| s == "pending" && *n > 0)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(pairs)
}

async fn queue(
    store: &Arc<dyn Store>,
    igsid: &str,
    lane: Lane,
    texts: Vec<String>,
) -> anyhow::Result<Vec<igdesk_domain::ItemId>> {
    let admin = Scope {
        agent: igdesk_domain::AgentId(0),
        admin: true,
    };
    let customer = store
        .customers_by_igsid(admin, igsid)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no customer {igsid}"))?;
    let parts = texts
        .into_iter()
        .map(|t| OutgoingPart {
            provisional_mid: format!("igdesk:out:{}", random_hex(12)),
            message: json!({ "text": t }),
            text: Some(t),
            attachments: vec![],
        })
        .collect();
    let author = if lane == Lane::Console {
        "human"
    } else {
        "automatic"
    };
    store
        .queue_reply(
            NewReply {
                account: customer.account_id,
                customer: customer.id,
                lane,
                author,
                comment_id: None,
                parts,
            },
            now_ms(),
        )
        .await
        .map_err(anyhow::Error::from)
}

/// 10,000 API messages (10 to each of 1,000 customers), then 100 console replies.
async fn one_account_load(b: &Bench) -> anyhow::Result<Millis> {
    let pairs = accounts_and_customers(b, 1, CUSTOMERS).await?;
    let store = b.running.app.store.clone();
    for (i, (_, igsid)) in pairs.iter().enumerate() {
        let texts = (0..API_MESSAGES / CUSTOMERS)
            .map(|k| format!("api {i}-{k}"))
            .collect();
        queue(&store, igsid, Lane::Api, texts).await?;
    }
    let console_at = now_ms();
    for (i, (_, igsid)) in pairs.iter().take(CONSOLE_REPLIES).enumerate() {
        queue(&store, igsid, Lane::Console, vec![format!("console {i}")]).await?;
    }
    b.running.app.wake.sends.notify_waiters();
    Ok(console_at)
}

fn percentile(mut values: Vec<Millis>, p: f64) -> Millis {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    values[((values.len() as f64 - 1.0) * p).round() as usize]
}

/// The console replies' waits, from queuing to Meta's record of them.
fn console_waits(b: &Bench, queued_at: Millis) -> Vec<Millis> {
    b.sim
        .sent()
        .iter()
        .filter(|m| m.text.as_deref().is_some_and(|t| t.starts_with("console ")))
        .map(|m| m.at_ms - queued_at)
        .collect()
}

async fn wait_for(b: &Bench, count: usize, limit: Duration) -> Duration {
    let started = Instant::now();
    while b.sim.sent().len() < count && started.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    started.elapsed()
}

pub async fn run(args: SendArgs) -> anyhow::Result<()> {
    let window_ms = args.window_seconds as i64 * 1000;

    eprintln!(
        "1. limit kept: 200 messages per {} s window, {} API + {} console messages queued",
        args.window_seconds, API_MESSAGES, CONSOLE_REPLIES
    );
    let b = start("200", args.window_seconds).await?;
    let console_at = one_account_load(&b).await?;
    tokio::time::sleep(Duration::from_secs(args.limited_seconds)).await;
    let times: Vec<Millis> = b.sim.sent().iter().map(|m| m.at_ms).collect();
    let most_in_window = times
        .iter()
        .map(|t| {
            times
                .iter()
                .filter(|u| **u >= *t && **u < t + window_ms)
                .count()
        })
        .max()
        .unwrap_or(0);
    let waits = console_waits(&b, console_at);
    println!("limit kept: {} sent in {} s; most in any {} s window: {most_in_window} (limit 200); console replies sent: {} of {CONSOLE_REPLIES}, p99 wait {} ms",
        times.len(), args.limited_seconds, args.window_seconds, waits.len(), percentile(waits.clone(), 0.99));
    b.running.stop().await?;

    eprintln!(
        "2. limit raised: {} API + {} console messages on one account",
        API_MESSAGES, CONSOLE_REPLIES
    );
    let b = start("1000000", 300).await?;
    let console_at = one_account_load(&b).await?;
    let total = API_MESSAGES + CONSOLE_REPLIES;
    let took = wait_for(&b, total, Duration::from_secs(600)).await;
    let sent = b.sim.sent();
    let span = (sent.last().map(|m| m.at_ms).unwrap_or(0)
        - sent.first().map(|m| m.at_ms).unwrap_or(0))
    .max(1);
    let waits = console_waits(&b, console_at);
    println!("one account, limit raised: {} of {total} sent in {:.1} s: {:.0} sends/s; console replies p50 {} ms, p99 {} ms after queuing",
        sent.len(), took.as_secs_f64(), sent.len() as f64 * 1000.0 / span as f64, percentile(waits.clone(), 0.5), percentile(waits, 0.99));
    b.running.stop().await?;

    eprintln!("3. 1,000 accounts x 10 messages, limit raised");
    let b = start("1000000", 300).await?;
    let pairs = accounts_and_customers(&b, 1_000, 1).await?;
    let store = b.running.app.store.clone();
    for (i, (_, igsid)) in pairs.iter().enumerate() {
        queue(
            &store,
            igsid,
            Lane::Api,
            (0..10).map(|k| format!("multi {i}-{k}")).collect(),
        )
        .await?;
    }
    b.running.app.wake.sends.notify_waiters();
    let took = wait_for(&b, 10_000, Duration::from_secs(600)).await;
    let sent = b.sim.sent();
    let span = (sent.last().map(|m| m.at_ms).unwrap_or(0)
        - sent.first().map(|m| m.at_ms).unwrap_or(0))
    .max(1);
    println!(
        "1,000 accounts: {} of 10000 sent in {:.1} s: {:.0} sends/s",
        sent.len(),
        took.as_secs_f64(),
        sent.len() as f64 * 1000.0 / span as f64
    );
    b.running.stop().await?;
    Ok(())
}
