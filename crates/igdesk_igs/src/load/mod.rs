//! The load generator: signed text-message deliveries at a fixed rate or as fast
//! as a number of in-flight requests allows, with a latency report.
//!
//! At a fixed rate the schedule is open-loop: request `n` is due at
//! `start + n / rate`, and its latency counts from that due time, so a server
//! that falls behind shows up as latency (queueing included), not as a
//! generator that quietly slows down with it (coordinated omission).

mod conn;
mod request;

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use serde::Serialize;

use crate::ids;
use conn::Conn;
use request::{Target, Template};

/// Meta gives up on a webhook call after 20 seconds; so does the generator.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadConfig {
    /// The webhook URL (`http://` only: the generator measures local servers).
    pub url: String,
    pub app_secret: String,
    pub business_ig_id: String,
    /// Deliveries per second; `None` = as fast as `concurrency` allows.
    pub rate_per_sec: Option<u32>,
    pub duration: Duration,
    /// Keep-alive connections, i.e. requests in flight at most.
    pub concurrency: usize,
    /// Distinct customer IGSIDs the messages come from.
    pub customers: usize,
    /// A request not answered within this is a failure, counted in the latencies
    /// as this long ([`REQUEST_TIMEOUT`] unless a test wants it shorter).
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadReport {
    pub sent: u64,
    /// Answered with a 2xx status.
    pub acknowledged: u64,
    /// Not acknowledged: answered with another status, or not answered at all.
    pub failed: u64,
    /// Of the failed, those that got no answer within the load generator's timeout
    /// (counted in the latencies as that timeout).
    pub timed_out: u64,
    /// From the first request's start to the last answer.
    pub elapsed: Duration,
    /// Acknowledged deliveries per second.
    pub per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sent {} deliveries in {:.2} s (first request to last answer): {} acknowledged (2xx), \
             {} failed ({} timed out); {:.0} acknowledged/s; latency of every request \
             (failures included, at the time they failed) p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.sent,
            self.elapsed.as_secs_f64(),
            self.acknowledged,
            self.failed,
            self.timed_out,
            self.per_sec,
            self.p50_ms,
            self.p99_ms,
            self.max_ms
        )
    }
}

enum Schedule {
    /// Request `n` is due at `start + n / rate`; `total` requests in all.
    Rate {
        start: Instant,
        rate: u64,
        total: u64,
    },
    /// Send until the deadline.
    Open { deadline: Instant },
}

struct Shared {
    template: Template,
    schedule: Schedule,
    next: AtomicU64,
    addr: SocketAddr,
    timeout: Duration,
}

#[derive(Default)]
struct WorkerResult {
    sent: u64,
    acknowledged: u64,
    timed_out: u64,
    latencies_us: Vec<u32>,
    last_end: Option<Instant>,
}

impl WorkerResult {
    /// A request's latency, counted from the earlier of when it was due and sent.
    fn record(&mut self, from: Instant, end: Instant) {
        self.latencies_us.push(
            end.duration_since(from)
                .as_micros()
                .min(u128::from(u32::MAX)) as u32,
        );
        self.last_end = Some(end);
    }
}

/// Run the load described by `config` and report.
pub async fn run_load(config: LoadConfig) -> anyhow::Result<LoadReport> {
    if config.concurrency == 0 || config.customers == 0 {
        bail!("concurrency and customers must be at least 1");
    }
    if config.duration.is_zero() || config.rate_per_sec == Some(0) {
        bail!("duration and rate must be positive");
    }
    let (addr, target) = resolve(&config.url).await?;
    let template = Template::new(
        &target,
        &config.app_secret,
        &config.business_ig_id,
        config.customers,
    )?;
    // Connections are opened before the clock starts: setup is not what is measured.
    let mut conns = Vec::with_capacity(config.concurrency);
    for _ in 0..config.concurrency {
        conns.push(
            Conn::connect(addr)
                .await
                .with_context(|| format!("connecting to {}", config.url))?,
        );
    }
    let start = Instant::now();
    let schedule = match config.rate_per_sec {
        Some(rate) => {
            let total = (f64::from(rate) * config.duration.as_secs_f64())
                .round()
                .max(1.0) as u64;
            Schedule::Rate {
                start,
                rate: u64::from(rate),
                total,
            }
        }
        None => Schedule::Open {
            deadline: start + config.duration,
        },
    };
    let shared = Arc::new(Shared {
        template,
        schedule,
        next: AtomicU64::new(0),
        addr,
        timeout: config.timeout,
    });
    let workers: Vec<_> = conns
        .into_iter()
        .map(|conn| tokio::spawn(worker(shared.clone(), conn)))
        .collect();
    let mut total = WorkerResult::default();
    for handle in workers {
        let result = handle.await.context("a load worker panicked")?;
        total.sent += result.sent;
        total.acknowledged += result.acknowledged;
        total.timed_out += result.timed_out;
        total.latencies_us.extend(result.latencies_us);
        total.last_end = total.last_end.max(result.last_end);
    }
    Ok(report(total, start))
}

async fn resolve(url: &str) -> anyhow::Result<(SocketAddr, Target)> {
    let parsed =
        reqwest::Url::parse(url).with_context(|| format!("invalid webhook URL {url:?}"))?;
    if parsed.scheme() != "http" {
        bail!("the load generator speaks plain http:// only (got {url:?})");
    }
    let host = parsed
        .host_str()
        .context("the webhook URL has no host")?
        .to_owned();
    let port = parsed.port_or_known_default().unwrap_or(80);
    let host_header = match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.clone(),
    };
    let mut path = parsed.path().to_owned();
    if let Some(query) = parsed.query() {
        path = format!("{path}?{query}");
    }
    let lookup_host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let addr = tokio::net::lookup_host((lookup_host.as_str(), port))
        .await
        .with_context(|| format!("resolving {host}"))?
        .next()
        .with_context(|| format!("{host} has no address"))?;
    Ok((addr, Target { host_header, path }))
}

async fn worker(shared: Arc<Shared>, conn: Conn) -> WorkerResult {
    let mut conn = Some(conn);
    let mut buf = shared.template.buffer();
    let mut result = WorkerResult::default();
    loop {
        let n = shared.next.fetch_add(1, Ordering::Relaxed);
        let due = match shared.schedule {
            Schedule::Rate { start, rate, total } => {
                if n >= total {
                    break;
                }
                Some(
                    start
                        + Duration::from_nanos(
                            (u128::from(n) * 1_000_000_000 / u128::from(rate)) as u64,
                        ),
                )
            }
            Schedule::Open { deadline } => {
                if Instant::now() >= deadline {
                    break;
                }
                None
            }
        };
        if let Some(due) = due {
            // Tokio's timer has millisecond ticks: wake up to a tick early rather
            // than late, and count latency from the earlier of due and sent times.
            let early = due.checked_sub(Duration::from_millis(1)).unwrap_or(due);
            if early > Instant::now() {
                tokio::time::sleep_until(early.into()).await;
            }
        }
        shared.template.render(&mut buf, n, ids::now_ms());
        result.sent += 1;
        let sent_at = Instant::now();
        let from = due.map_or(sent_at, |due| due.min(sent_at));
        if conn.is_none() {
            match Conn::connect(shared.addr).await {
                Ok(fresh) => conn = Some(fresh),
                Err(_) => {
                    // Server gone: a failure at the time it failed; do not spin.
                    result.record(from, Instant::now());
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let Some(open) = conn.as_mut() else { continue };
        match tokio::time::timeout(shared.timeout, open.round_trip(&buf)).await {
            Ok(Ok((status, keep_alive))) => {
                if (200..300).contains(&status) {
                    result.acknowledged += 1;
                }
                if !keep_alive {
                    conn = None;
                }
                result.record(from, Instant::now());
            }
            Ok(Err(_)) => {
                conn = None;
                result.record(from, Instant::now());
            }
            Err(_) => {
                conn = None;
                result.timed_out += 1;
                result.record(from, from + shared.timeout);
            }
        }
    }
    result
}

fn report(mut total: WorkerResult, start: Instant) -> LoadReport {
    let elapsed = total
        .last_end
        .map_or_else(|| start.elapsed(), |end| end.duration_since(start));
    total.latencies_us.sort_unstable();
    let percentile = |q: f64| -> f64 {
        let sorted = &total.latencies_us;
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        f64::from(sorted[rank - 1]) / 1000.0
    };
    LoadReport {
        sent: total.sent,
        acknowledged: total.acknowledged,
        failed: total.sent - total.acknowledged,
        timed_out: total.timed_out,
        elapsed,
        per_sec: total.acknowledged as f64 / elapsed.as_secs_f64().max(1e-9),
        p50_ms: percentile(0.50),
        p99_ms: percentile(0.99),
        max_ms: percentile(1.0),
    }
}

#[cfg(test)]
mod tests;
