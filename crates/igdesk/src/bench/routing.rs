//! `igdesk bench routing`: 200 agents signed in and streaming, 5,000 customers writing
//! in at once. Measures, per customer, the time from the webhook's 200 to the offer
//! event on the chosen agent's live stream (p50/p99), and offers per second.
//!
//! Every agent has room for 25 conversations, so the 5,000 pieces of work can all be
//! offered at once: the figure is routing's latency, not agents' capacity.

use super::sends::{accounts_and_customers, start_on};
use crate::crypto::{hash_token, random_hex};
use crate::now_ms;
use clap::Args;
use igdesk_domain::{AgentId, CustomerId};
use igdesk_igs::{Delivery, Event};
use igdesk_store::{AgentChange, Capacity, NewAgent, Scope};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct RoutingArgs {
    #[arg(long, default_value_t = 200)]
    agents: usize,
    #[arg(long, default_value_t = 5_000)]
    customers: usize,
    /// Webhooks in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Instead of a burst, customers write one after another at this many webhooks a
    /// second, each on time whatever the answers before it (`--concurrency` is then
    /// not used), and agents accept each offer as it arrives, as people at work do
    /// (offers nobody answers run out after 30 s): the latency at a steady load.
    #[arg(long)]
    rate: Option<f64>,
    /// An empty database to run on (e.g. `postgres://…/igdesk_bench`); by default a
    /// fresh SQLite file.
    #[arg(long)]
    database: Option<String>,
}

/// What the streams saw of the offers.
#[derive(Default)]
pub(super) struct Arrivals {
    /// When each customer's offer reached a stream.
    pub(super) at: HashMap<CustomerId, Instant>,
    /// For each, from its event's writing (the routing turn's time, `created_at_ms`)
    /// to its arrival, in ms by the wall clock: the stream's share of the latency.
    pub(super) in_transit_ms: Vec<i64>,
    /// Streams answered: each starts after the newest event when it is answered, so
    /// an offer written before that is not on it (a console asks for those itself).
    pub(super) connected: usize,
}

pub(super) type Seen = Arc<Mutex<Arrivals>>;

pub async fn run(args: RoutingArgs) -> anyhow::Result<()> {
    if let Some(rate) = args.rate {
        anyhow::ensure!(
            rate.is_finite() && rate > 0.0,
            "--rate is webhooks a second: a number above 0, not {rate}"
        );
    }
    let bench = start_on(args.database.clone(), "200", 300).await?;
    let accounts = accounts_and_customers(&bench, 1, 0).await?;
    let ig_id = format!("1784150{:010}", 0);
    debug_assert!(accounts.is_empty());
    let app = &bench.running.app;
    let url = bench.running.url();
    let capacity = args.customers.div_ceil(args.agents) as i64;
    let seen: Seen = Arc::default();
    let mut streams = Vec::new();
    let accept = args.rate.is_some();
    for token in available_agents(app, args.agents, capacity).await? {
        streams.push(tokio::spawn(listen(
            url.clone(),
            token,
            seen.clone(),
            accept,
        )));
    }
    all_connected(&seen, args.agents).await?;
    let how = match args.rate {
        Some(rate) => format!("one after another, {rate} a second"),
        None => "at once".to_owned(),
    };
    println!(
        "routing: {} agents streaming (capacity {capacity} each), {} customers writing {how}",
        args.agents, args.customers
    );

    let started = Instant::now();
    let acknowledged = match args.rate {
        Some(rate) => paced(&bench.sim, &ig_id, args.customers, rate).await?,
        None => burst(&bench.sim, &ig_id, args.customers, args.concurrency).await?,
    };
    println!(
        "  {} webhooks acknowledged in {:.2} s",
        acknowledged.len(),
        started.elapsed().as_secs_f64()
    );
    let offers = all_offers(&seen, args.customers).await?;
    let last_offer = offers.values().max().copied();
    let elapsed = last_offer.map_or(Duration::ZERO, |t| t - started);
    let latencies = latencies(app, &acknowledged, &offers).await?;
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    println!(
        "  webhook 200 -> offer on the agent's stream: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(pct(1.0))
    );
    let mut transit = std::mem::take(&mut seen.lock().unwrap().in_transit_ms);
    transit.sort_unstable();
    let at = |p: f64| transit[((transit.len() - 1) as f64 * p) as usize];
    println!(
        "    of which the offer written -> on the stream: p50 {} ms, p99 {} ms (the rest is processing and routing)",
        at(0.50),
        at(0.99)
    );
    println!(
        "  {} offers in {:.2} s from the first webhook: {:.0} offers/s",
        offers.len(),
        elapsed.as_secs_f64(),
        offers.len() as f64 / elapsed.as_secs_f64()
    );
    for stream in streams {
        stream.abort();
    }
    bench.running.stop().await
}

/// `customers` customers write at once (`concurrency` webhooks in flight, each
/// customer once): when each webhook was acknowledged.
pub(super) async fn burst(
    sim: &igdesk_igs::Simulator,
    ig_id: &str,
    customers: usize,
    concurrency: usize,
) -> anyhow::Result<HashMap<String, Instant>> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (sim, next, ig_id) = (sim.clone(), next.clone(), ig_id.to_owned());
        senders.spawn(async move {
            let mut acknowledged = Vec::new();
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= customers {
                    return anyhow::Ok(acknowledged);
                }
                acknowledged.push(write_in(&sim, &ig_id, n).await?);
            }
        });
    }
    let mut acknowledged = HashMap::with_capacity(customers);
    while let Some(sent) = senders.join_next().await {
        acknowledged.extend(sent??);
    }
    Ok(acknowledged)
}

/// `customers` customers write one after another, `rate` webhooks a second, each sent
/// on time however long the ones before take to be answered (the load does not ease
/// off when igdesk slows down): when each webhook was acknowledged.
async fn paced(
    sim: &igdesk_igs::Simulator,
    ig_id: &str,
    customers: usize,
    rate: f64,
) -> anyhow::Result<HashMap<String, Instant>> {
    let start = tokio::time::Instant::now();
    let mut sent = tokio::task::JoinSet::new();
    for n in 0..customers {
        tokio::time::sleep_until(start + Duration::from_secs_f64(n as f64 / rate)).await;
        let (sim, ig_id) = (sim.clone(), ig_id.to_owned());
        sent.spawn(async move { write_in(&sim, &ig_id, n).await });
    }
    let mut acknowledged = HashMap::with_capacity(customers);
    while let Some(done) = sent.join_next().await {
        let (igsid, at) = done??;
        acknowledged.insert(igsid, at);
    }
    Ok(acknowledged)
}

/// Customer `n` writes once: their IGSID, and when the webhook was acknowledged.
async fn write_in(
    sim: &igdesk_igs::Simulator,
    ig_id: &str,
    n: usize,
) -> anyhow::Result<(String, Instant)> {
    let igsid = format!("8{n:08}");
    let event = Event::text(&igsid, "Hi, is this in stock?");
    let status = sim.deliver(&Delivery::new(ig_id).push(event)).await?;
    anyhow::ensure!(status == 200, "webhook answered {status}");
    Ok((igsid, Instant::now()))
}

/// Waits (a minute at most) until `count` streams are answered: the burst starts
/// after, so that every offer is on its agent's stream.
pub(super) async fn all_connected(offers: &Seen, count: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while offers.lock().unwrap().connected < count {
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {} of {count} streams connected",
            offers.lock().unwrap().connected
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// Waits (five minutes at most) until `count` offers reached the streams: when each did.
pub(super) async fn all_offers(
    offers: &Seen,
    count: usize,
) -> anyhow::Result<HashMap<CustomerId, Instant>> {
    let deadline = Instant::now() + Duration::from_secs(300);
    while offers.lock().unwrap().at.len() < count {
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {} offers arrived",
            offers.lock().unwrap().at.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let offers = offers.lock().unwrap().at.clone();
    Ok(offers)
}

/// For each customer of the burst, from its webhook's 200 to its offer on a
/// stream, sorted.
pub(super) async fn latencies(
    app: &crate::app::App,
    acknowledged: &HashMap<String, Instant>,
    offers: &HashMap<CustomerId, Instant>,
) -> anyhow::Result<Vec<Duration>> {
    let admin = Scope {
        agent: AgentId(0),
        admin: true,
    };
    let mut latencies = Vec::with_capacity(acknowledged.len());
    for (igsid, acked) in acknowledged {
        let customer = app.store.customers_by_igsid(admin, igsid).await?;
        let Some(customer) = customer.first() else {
            anyhow::bail!("customer {igsid} was not taken in");
        };
        let offered = offers
            .get(&customer.id)
            .ok_or_else(|| anyhow::anyhow!("no offer for customer {igsid}"))?;
        // The offer can reach the stream before the sender has read its 200.
        latencies.push(offered.saturating_duration_since(*acked));
    }
    latencies.sort();
    Ok(latencies)
}

/// `count` agents of the Instagram inbox with room for `capacity` conversations,
/// available: their API tokens.
pub(super) async fn available_agents(
    app: &crate::app::App,
    count: usize,
    capacity: i64,
) -> anyhow::Result<Vec<String>> {
    let mut tokens = Vec::with_capacity(count);
    for n in 0..count {
        let agent = app
            .store
            .add_agent(
                NewAgent {
                    email: format!("agent{n}@bench.example"),
                    name: format!("Agent {n}"),
                    password_hash: "not used: the bench signs in with tokens".into(),
                    is_admin: false,
                    inboxes: vec!["Instagram".into()],
                },
                now_ms(),
            )
            .await?;
        let token = random_hex(16);
        app.store
            .add_agent_token(agent.id, &hash_token(&token), "bench", now_ms())
            .await?;
        let room = AgentChange {
            capacity: Some(Capacity {
                standard: capacity,
                max: capacity,
            }),
            ..AgentChange::default()
        };
        app.store
            .update_agent(agent.id, room, app.clock.now())
            .await?;
        app.store.set_available(agent.id, true, now_ms()).await?;
        tokens.push(token);
    }
    Ok(tokens)
}

pub(super) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

/// One agent's console: reads its live stream and notes when each offer arrives;
/// accepts it there and then if `accept`.
pub(super) async fn listen(
    url: String,
    token: String,
    offers: Seen,
    accept: bool,
) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let mut response = client
        .get(format!("{url}/api/v1/events"))
        .bearer_auth(&token)
        .send()
        .await?;
    anyhow::ensure!(
        response.status() == 200,
        "stream answered {}",
        response.status()
    );
    offers.lock().unwrap().connected += 1;
    let mut buffer = String::new();
    while let Some(chunk) = response.chunk().await? {
        let arrived = Instant::now();
        let arrived_ms = now_ms();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if !block.lines().any(|l| l == "event: offer") {
                continue;
            }
            let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            let event: serde_json::Value = serde_json::from_str(data)?;
            if let Some(customer) = event["payload"]["customer_id"].as_i64() {
                let mut seen = offers.lock().unwrap();
                if seen.at.insert(CustomerId(customer), arrived).is_none() {
                    let written = event["created_at_ms"].as_i64().unwrap_or(arrived_ms);
                    seen.in_transit_ms.push(arrived_ms - written);
                }
            }
            if let (true, Some(offer)) = (accept, event["payload"]["id"].as_i64()) {
                let accepting = client
                    .post(format!("{url}/api/v1/offers/{offer}/accept"))
                    .bearer_auth(&token);
                tokio::spawn(async move {
                    match accepting.send().await {
                        Ok(answer) if answer.status() == 200 => {}
                        Ok(answer) => eprintln!("accepting offer {offer}: {}", answer.status()),
                        Err(e) => eprintln!("accepting offer {offer}: {e}"),
                    }
                });
            }
        }
    }
    Ok(())
}
