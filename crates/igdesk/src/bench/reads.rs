//! `igdesk bench reads`: the console's reads on a large store, over real HTTP with
//! many agents reading at once.
//!
//! The data set is `bench dashboard`'s (10 M timeline items, 1 M customers by
//! default), generated straight into the store by its generator with the search
//! indexes kept as igdesk keeps them (`bench search`'s load), with 100,000
//! conversations open now. Each of the 199 agents other than the administrator gets
//! an API token, and the generated offers are made current (waiting an hour, with
//! the payload routing writes), so that igdesk serves them as it would its own.
//!
//! Measured, one read at a time, `--readers` agents asking at once, each asking again
//! as soon as its answer is in (then again with a random pause before each request): a
//! customer's timeline (first page), an agent's conversation list (open ones, first
//! page), a conversation by id, the agent's offers; p50/p99 to the last byte, every
//! request counted. And the database's size per million timeline items.

use super::dashboard::{
    account_of, agent_of, ms, times, DashboardArgs, Generator, Times, NOT_ADMIN,
};
use crate::crypto::{hash_token, random_hex};
use crate::now_ms;
use igdesk_domain::AgentId;
use rand::Rng as _;
use sqlx::{Connection as _, Row as _};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug, Clone)]
pub struct ReadsArgs {
    /// Timeline items generated (spread evenly over the conversations).
    #[arg(long, default_value_t = 10_000_000)]
    pub items: i64,
    /// Customers generated, two conversations each.
    #[arg(long, default_value_t = 1_000_000)]
    pub customers: i64,
    /// Conversations open now (at most one customer in ten has one).
    #[arg(long, default_value_t = 100_000)]
    pub open: i64,
    /// Agents reading at once.
    #[arg(long, default_value_t = 50)]
    pub readers: usize,
    /// Requests per read and run, over all readers.
    #[arg(long, default_value_t = 5_000)]
    pub requests: usize,
    /// Each reader's mean pause between requests in the second run (ms), drawn at
    /// random from 0 to twice this; 0: no second run.
    #[arg(long, default_value_t = 100)]
    pub pause_ms: u64,
    /// An empty database to run on (e.g. `postgres://…/igdesk_reads`); by default a
    /// fresh SQLite file.
    #[arg(long)]
    pub database: Option<String>,
    /// `--database` holds this bench's data set already (an earlier run's, kept):
    /// measure only, with the sizes it was made with (`--items`, `--customers` and
    /// `--open` are then not used).
    #[arg(long)]
    pub generated: bool,
}

/// igdesk's default `raw_retention_days`.
const RAW_KEPT: i64 = 7 * igdesk_domain::time::DAY;

/// The reads the bench makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    Timeline,
    Conversations,
    Conversation,
    Offers,
}

pub const READS: [Read; 4] = [
    Read::Timeline,
    Read::Conversations,
    Read::Conversation,
    Read::Offers,
];

impl Read {
    pub fn name(self) -> &'static str {
        match self {
            Read::Timeline => "GET /customers/{id}/timeline",
            Read::Conversations => "GET /conversations?state=open",
            Read::Conversation => "GET /conversations/{id}",
            Read::Offers => "GET /offers",
        }
    }
}

/// One answer, kept to check that the reads read the right rows: who asked, for
/// what, and the ids the answer's `data` held (the one conversation's id for a
/// conversation by id), in its order.
#[derive(Debug, Clone)]
pub struct Sample {
    pub read: Read,
    pub agent: AgentId,
    pub id: i64,
    pub ids: Vec<i64>,
}

/// One run: the pause between a reader's requests (ms), and per read its times and
/// the requests answered per second.
#[derive(Debug, Clone)]
pub struct Run {
    pub pause_ms: u64,
    pub reads: Vec<(Read, Times, f64)>,
}

#[derive(Debug, Clone)]
pub struct ReadsReport {
    pub backend: &'static str,
    pub counts: Vec<(&'static str, i64)>,
    pub bytes: i64,
    pub runs: Vec<Run>,
    pub samples: Vec<Sample>,
}

pub async fn run(args: ReadsArgs) -> anyhow::Result<()> {
    bench(args).await.map(|_| ())
}

/// Generates (unless `--generated`), measures, prints, and returns what it printed.
pub async fn bench(args: ReadsArgs) -> anyhow::Result<ReadsReport> {
    anyhow::ensure!(args.readers >= 1, "--readers must be at least 1");
    anyhow::ensure!(args.requests >= 1, "--requests must be at least 1");
    anyhow::ensure!(
        !args.generated || args.database.is_some(),
        "--generated measures an earlier run's database: give --database"
    );
    let scratch = super::Scratch::new("reads")?;
    let db = super::BenchDatabase::open(args.database.as_deref(), &scratch).await?;
    let (backend, pg, url) = (db.backend(), db.pg, db.url);
    let data = DashboardArgs {
        items: args.items,
        customers: args.customers,
        open: args.open,
        requests: 1,
        http_requests: 0,
        database: Some(url.clone()),
    };
    if !args.generated {
        super::search::generate("reads", &data, &url, pg, backend).await?;
    }
    let mut generator = Generator::connect(&url, pg).await?;
    let tokens = prepare(&mut generator).await?;
    let (counts, bytes) = sizes(&mut generator).await?;
    // The administrator reads as no other agent does: agents only.
    let offered: Vec<i64> =
        sqlx::query("SELECT DISTINCT agent_id FROM offers WHERE agent_id > 1 ORDER BY agent_id")
            .fetch_all(&mut generator.conn)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<Result<_, _>>()?;
    generator.conn.close().await?;
    anyhow::ensure!(!offered.is_empty(), "no offers were generated");
    println!("on {backend}:");
    for (name, n) in &counts {
        println!("  {name:<34} {n:>12}");
    }
    let items = counts[0].1.max(1);
    println!(
        "  database size {:.2} GiB: {:.0} MiB per million timeline items",
        bytes as f64 / f64::from(1 << 30),
        bytes as f64 / f64::from(1 << 20) / (items as f64 / 1e6)
    );

    let served = super::sends::start_on(Some(url.clone()), "200", 300).await?;
    let target = Target {
        base: format!("{}/api/v1", served.running.url()),
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(args.readers)
            .build()?,
        tokens,
        // The data set's own count, not `--customers`: `--generated` measures a data
        // set made earlier, perhaps with another, and requests drawn from the
        // wrong one ask agents for customers they may not read.
        customers: counts[1].1,
        offered,
    };
    let samples = samples(&target).await?;
    let mut runs = Vec::new();
    let pauses = [0, args.pause_ms];
    for pause in pauses
        .into_iter()
        .take(if args.pause_ms > 0 { 2 } else { 1 })
    {
        println!(
            "measured: {} agents reading at once over loopback HTTP, {}, {} requests per \
             read, to the last byte, every request counted",
            args.readers,
            match pause {
                0 => "each asking again as soon as its answer is in".to_owned(),
                p => format!(
                    "each pausing a random 0-{} ms (mean {p} ms) before each request",
                    2 * p
                ),
            },
            args.requests
        );
        println!(
            "  {:<34} {:>9} {:>9} {:>9} {:>8} {:>9} {:>9}",
            "read", "p50", "p99", "max", "failed", "per s", "KB each"
        );
        let mut measured = Vec::new();
        for read in READS {
            let began = Instant::now();
            let (t, size) = measure(&target, read, args.readers, args.requests, pause).await;
            let rate = t.calls as f64 / began.elapsed().as_secs_f64();
            println!(
                "  {:<34} {:>6.2} ms {:>6.2} ms {:>6.2} ms {:>8} {:>9.0} {:>9.1}",
                read.name(),
                ms(t.p50),
                ms(t.p99),
                ms(t.max),
                t.failures,
                rate,
                size / 1024.0
            );
            measured.push((read, t, rate));
        }
        runs.push(Run {
            pause_ms: pause,
            reads: measured,
        });
    }
    served.running.stop().await?;
    Ok(ReadsReport {
        backend,
        counts,
        bytes,
        runs,
        samples,
    })
}

/// A token for every agent but the administrator (replacing an earlier run's), old
/// delivery bodies blanked as igdesk's upkeep does, and the generated offers made
/// current: waiting an hour, with the payload routing
/// writes (the generator leaves it empty), so that no offer expires while measured.
async fn prepare(generator: &mut Generator) -> anyhow::Result<HashMap<AgentId, String>> {
    let now = now_ms();
    let tokens: HashMap<AgentId, String> =
        NOT_ADMIN.map(|g| (AgentId(g), random_hex(32))).collect();
    let rows: Vec<String> = tokens
        .iter()
        .map(|(agent, token)| {
            format!(
                "({}, '{}', 'bench reads', {now})",
                agent.0,
                hash_token(token)
            )
        })
        .collect();
    generator
        .step(
            "agent tokens",
            &format!(
                "DELETE FROM agent_tokens WHERE label = 'bench reads'; \
                 INSERT INTO agent_tokens (agent_id, token_hash, label, created_at) VALUES {}",
                rows.join(", ")
            ),
        )
        .await?;
    // A server that has been running holds the bodies of its last
    // `raw_retention_days` (7 by default) only: its upkeep blanks older ones, the
    // generator does not. Left to the server, that first blanking of millions of
    // bodies would write all through the measurement.
    generator
        .step(
            "delivery bodies past 7 days blanked",
            &format!(
                "UPDATE deliveries SET body = substr(body, 1, 0) WHERE received_at < {} \
                 AND status <> 'pending' AND length(body) > 0",
                now - RAW_KEPT
            ),
        )
        .await?;
    // Empty when the conversation has no item (fewer items than conversations).
    let preview =
        "COALESCE((SELECT t.text FROM timeline_items t WHERE t.conversation_id = o.conversation_id \
                   ORDER BY t.created_at DESC, t.id DESC LIMIT 1), '')";
    let payload = format!(
        "'{{\"id\":' || CAST(o.id AS TEXT) || ',\"agent_id\":' || CAST(o.agent_id AS TEXT) || \
         ',\"conversation_id\":' || CAST(o.conversation_id AS TEXT) || \
         ',\"customer_id\":' || CAST(v.customer_id AS TEXT) || ',\"inbox_id\":' || CAST(v.inbox_id AS TEXT) || \
         ',\"customer_name\":\"' || c.name || '\",\"preview\":\"' || {preview} || \
         '\",\"offered_at\":{now},\"expires_at\":{expires}}}'",
        expires = now + 3_600_000
    );
    generator
        .step(
            "offers made current",
            &format!(
                "UPDATE offers SET offered_at = {now}, expires_at = {expires}, payload = \
                 (SELECT {payload} FROM offers o JOIN conversations v ON v.id = o.conversation_id \
                  JOIN customers c ON c.id = v.customer_id WHERE o.id = offers.id)",
                expires = now + 3_600_000
            ),
        )
        .await?;
    Ok(tokens)
}

/// Rows of the tables read, and the database's size in bytes.
async fn sizes(generator: &mut Generator) -> anyhow::Result<(Vec<(&'static str, i64)>, i64)> {
    let mut counts = Vec::new();
    for (name, sql) in [
        ("timeline_items", "SELECT COUNT(*) FROM timeline_items"),
        ("customers", "SELECT COUNT(*) FROM customers"),
        ("conversations", "SELECT COUNT(*) FROM conversations"),
        (
            "conversations open",
            "SELECT COUNT(*) FROM conversations WHERE state = 'open'",
        ),
        ("offers", "SELECT COUNT(*) FROM offers"),
    ] {
        counts.push((name, generator.count(sql).await?));
    }
    let bytes = if generator.pg {
        generator
            .count("SELECT pg_database_size(current_database())")
            .await?
    } else {
        generator
            .count("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
            .await?
    };
    Ok((counts, bytes))
}

/// igdesk serving the data set, and who may ask it for what.
struct Target {
    base: String,
    client: reqwest::Client,
    tokens: HashMap<AgentId, String>,
    customers: i64,
    /// The agents with offers waiting.
    offered: Vec<i64>,
}

impl Target {
    /// The `n`th request of `read`: who asks (an agent of one inbox, never the
    /// administrator), for what, and where.
    fn request(&self, read: Read, n: u64) -> (AgentId, i64, String) {
        let pick = spread(n);
        let agent_for =
            |customer: i64| agent_of(account_of(customer, self.customers), 1 + (pick % 65) as i64);
        match read {
            Read::Timeline => {
                let customer = (pick % self.customers as u64) as i64 + 1;
                let path = format!("/customers/{customer}/timeline");
                (agent_for(customer), customer, path)
            }
            Read::Conversations => {
                let agent = agent_of((pick % 3) as i64 + 1, 1 + ((pick / 3) % 65) as i64);
                (agent, agent.0, "/conversations?state=open".to_owned())
            }
            Read::Conversation => {
                let id = (pick % (2 * self.customers) as u64) as i64 + 1;
                (agent_for((id + 1) / 2), id, format!("/conversations/{id}"))
            }
            Read::Offers => {
                let agent = AgentId(self.offered[pick as usize % self.offered.len()]);
                (agent, agent.0, "/offers".to_owned())
            }
        }
    }

    /// The answer's body, or why there is none (printed once per read and run).
    async fn get(&self, agent: AgentId, path: &str) -> Result<Vec<u8>, String> {
        let token = self.tokens.get(&agent).ok_or("no token for the agent")?;
        let answer = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = answer.status();
        let body = answer.bytes().await.map_err(|e| e.to_string())?;
        match status.is_success() {
            true => Ok(Vec::from(body)),
            false => Err(format!("{status}: {}", String::from_utf8_lossy(&body))),
        }
    }
}

/// A well-spread number from `n` (SplitMix64's finaliser): the same inputs on every
/// run and backend, in no order an index would favour.
fn spread(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A reader's pause before a request: from 0 to twice `mean_ms` at random. Readers
/// pausing a fixed time move in step: all start together, so each pause ends with
/// the others' and their requests come as bursts of `readers` at once, and the p99
/// measured the last of a burst waiting behind the other 49, not a read among 50
/// agents working on their own.
fn think(mean_ms: u64) -> Duration {
    Duration::from_millis(rand::thread_rng().gen_range(0..=2 * mean_ms))
}

/// `readers` tasks asking for `read` until `requests` have been asked; the times and
/// the mean answer size in bytes.
async fn measure(
    target: &Target,
    read: Read,
    readers: usize,
    requests: usize,
    pause_ms: u64,
) -> (Times, f64) {
    let next = Arc::new(AtomicUsize::new(0));
    // The first failure is printed; all are counted.
    let told = Arc::new(AtomicBool::new(false));
    let reader = |_| {
        let (next, told) = (next.clone(), told.clone());
        async move {
            let (mut all, mut failures, mut bytes) = (Vec::new(), 0, 0);
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= requests {
                    return (all, failures, bytes);
                }
                let (agent, _, path) = target.request(read, n as u64);
                if pause_ms > 0 {
                    tokio::time::sleep(think(pause_ms)).await;
                }
                let began = Instant::now();
                let answer = target.get(agent, &path).await;
                all.push(began.elapsed());
                match answer {
                    Ok(body) => bytes += body.len(),
                    Err(e) => {
                        if !told.swap(true, Ordering::Relaxed) {
                            eprintln!("  {} {path}: {e}", read.name());
                        }
                        failures += 1;
                    }
                }
            }
        }
    };
    let done = futures_util::future::join_all((0..readers).map(reader)).await;
    let (mut all, mut failures, mut bytes) = (Vec::with_capacity(requests), 0, 0);
    for (times, failed, size) in done {
        all.extend(times);
        failures += failed;
        bytes += size;
    }
    let answered = (all.len() - failures).max(1);
    (times(all, failures), bytes as f64 / answered as f64)
}

/// One answer of each read, with the ids it held.
async fn samples(target: &Target) -> anyhow::Result<Vec<Sample>> {
    let mut out = Vec::new();
    for read in READS {
        let (agent, id, path) = target.request(read, 0);
        let body = target
            .get(agent, &path)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", read.name()))?;
        let json: serde_json::Value = serde_json::from_slice(&body)?;
        let ids = match read {
            Read::Conversation => vec![json["id"].as_i64().unwrap_or(0)],
            _ => json["data"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| v["id"].as_i64().unwrap_or(0))
                .collect(),
        };
        println!(
            "  sample {:<34} agent {:>3}, {id:>8}: {} rows",
            read.name(),
            agent.0,
            ids.len()
        );
        out.push(Sample {
            read,
            agent,
            id,
            ids,
        });
    }
    Ok(out)
}
