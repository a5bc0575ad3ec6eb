//! `bench api`'s last part: webhook acknowledgements while a backlog of API messages
//! drains. The same steady webhook load runs twice, on an idle outbox and right
//! after `--backlog` messages were queued through `POST /v1.0/message`, while igdesk
//! sends them at the account's pace (Meta's 300 calls/s) and Meta's echo of each
//! comes back as a webhook. Intake must not feel the backlog: it gets the writer
//! first, sends settle around it.

use super::sends::Bench;
use super::sign_in::drain;
use igdesk_igs::load::{run_load, LoadConfig, LoadReport};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Messages per `POST /v1.0/message`, and requests in flight while queuing.
const BATCH: usize = 100;
const IN_FLIGHT: usize = 4;

pub(super) struct BacklogArgs<'a> {
    pub(super) backlog: usize,
    /// Webhooks per second during each measurement.
    pub(super) rate: u32,
    pub(super) seconds: u64,
    pub(super) ig_id: &'a str,
    /// Customers the backlog's messages go to, in turn.
    pub(super) customers: &'a [String],
    pub(super) product_token: &'a str,
}

pub(super) async fn measure(bench: &Bench, args: BacklogArgs<'_>) -> anyhow::Result<()> {
    let app = &bench.running.app;
    let webhooks = |seconds: u64| {
        run_load(LoadConfig {
            url: format!("{}/webhooks/instagram", bench.running.url()),
            app_secret: bench.app_secret.clone(),
            business_ig_id: args.ig_id.to_owned(),
            rate_per_sec: Some(args.rate),
            duration: Duration::from_secs(seconds),
            concurrency: 64,
            customers: 1_000,
            timeout: igdesk_igs::load::REQUEST_TIMEOUT,
        })
    };
    // The first deliveries create the load's customers: not what is measured.
    webhooks(args.seconds.div_ceil(2)).await?;
    drain(app).await?;
    let idle = webhooks(args.seconds).await?;
    drain(app).await?;

    let queuing = Instant::now();
    let queued = queue(bench, &args).await?;
    let queued_in = queuing.elapsed();
    let sent_before = bench.sim.sent().len();
    let during = webhooks(args.seconds).await?;
    let sent_during = bench.sim.sent().len() - sent_before;
    println!(
        "api backlog: {queued} messages queued in {:.1} s; then {} webhooks/s for {} s \
         while {sent_during} of them were sent",
        queued_in.as_secs_f64(),
        args.rate,
        args.seconds
    );
    print_acks("idle outbox", &idle);
    print_acks("backlog draining", &during);
    Ok(())
}

fn print_acks(name: &str, report: &LoadReport) {
    println!(
        "  {name}: acknowledgement p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         {} of {} acknowledged",
        report.p50_ms, report.p99_ms, report.max_ms, report.acknowledged, report.sent
    );
}

/// Queues the backlog through the API as its clients do; how many were accepted.
async fn queue(bench: &Bench, args: &BacklogArgs<'_>) -> anyhow::Result<usize> {
    let url = format!("{}/v1.0/message", bench.running.url());
    let batches = args.backlog.div_ceil(BATCH);
    let next = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..IN_FLIGHT {
        let (url, next, accepted) = (url.clone(), next.clone(), accepted.clone());
        let token = args.product_token.to_owned();
        let ig_id = args.ig_id.to_owned();
        let customers = args.customers.to_vec();
        let total = args.backlog;
        workers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            loop {
                let b = next.fetch_add(1, Ordering::Relaxed);
                if b >= batches {
                    return anyhow::Ok(());
                }
                let msgs: Vec<_> = (b * BATCH..((b + 1) * BATCH).min(total))
                    .map(|n| {
                        let igsid = &customers[n % customers.len()];
                        json!({"from": ig_id, "to": [{"number": igsid}],
                               "body": {"type": "auto", "content": format!("Backlog {n}")}})
                    })
                    .collect();
                let answer: serde_json::Value = client
                    .post(&url)
                    .header("X-CM-PRODUCTTOKEN", &token)
                    .json(&json!({"messages": {"msg": msgs}}))
                    .send()
                    .await?
                    .json()
                    .await?;
                let ok = answer["messages"].as_array().map_or(0, |m| {
                    m.iter().filter(|m| m["status"] == "Accepted").count()
                });
                accepted.fetch_add(ok, Ordering::Relaxed);
            }
        }));
    }
    for worker in workers {
        worker.await??;
    }
    Ok(accepted.load(Ordering::Relaxed))
}
