//! `igdesk bench api`: the Business Messaging API. `POST /v1.0/message` with batches
//! of 100 messages (accepted messages per second, answer time p50/p99), then the
//! inbound webhook's fan-out: customer messages delivered, signed, to a local
//! receiver (events per second, from the first webhook POST from Meta to the last
//! acknowledged delivery).

use super::sends::{accounts_and_customers, start};
use crate::now_ms;
use axum::routing::post;
use clap::Args;
use igdesk_igs::{Delivery, Event};
use igdesk_store::{ApiSettings, HandoverTarget};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

#[derive(Args)]
pub struct ApiArgs {
    /// Batches of 100 messages.
    #[arg(long, default_value_t = 50)]
    batches: usize,
    /// Batches in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Customer messages fanned out to the inbound webhook.
    #[arg(long, default_value_t = 5_000)]
    inbound: usize,
    /// API messages queued at once for the last part: webhook acknowledgements
    /// while they drain, against an idle outbox (0 skips it).
    #[arg(long, default_value_t = 100_000)]
    backlog: usize,
    /// Webhooks per second during the last part's measurements.
    #[arg(long, default_value_t = 1_000)]
    ack_rate: u32,
    /// Seconds each of the last part's measurements lasts.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

const BATCH: usize = 100;
const CUSTOMERS: usize = 1_000;

pub async fn run(args: ApiArgs) -> anyhow::Result<()> {
    // The account limit raised out of the way: this measures the API, not pacing.
    let bench = start("1000000", 60).await?;
    let pairs = accounts_and_customers(&bench, 1, CUSTOMERS).await?;
    let ig_id = pairs[0].0.clone();
    let app = &bench.running.app;
    let account = app
        .store
        .account_by_ig_id(&ig_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the bench account is missing"))?;
    let (_, token) = crate::product_tokens::issue(app.store.as_ref(), &ig_id, "bench")
        .await?
        .ok_or_else(|| anyhow::anyhow!("the bench account is missing"))?;
    let received = Arc::new(AtomicUsize::new(0));
    let receiver = receiver(received.clone()).await?;
    app.store
        .set_api_settings(
            account.id,
            &ApiSettings {
                inbound_url: Some(format!("{receiver}/inbound")),
                status_url: None,
                secret_sealed: app
                    .sealer
                    .seal(&SecretString::from(crate::webhooks_out::new_secret())),
                handover: HandoverTarget::Agents,
                inbound_retry_seconds: 3600,
                status_retry_seconds: 3600,
            },
            now_ms(),
        )
        .await?;
    let url = format!("{}/v1.0/message", bench.running.url());
    let client = reqwest::Client::new();
    let mut batches = Vec::with_capacity(args.batches);
    for b in 0..args.batches {
        let msgs: Vec<_> = (0..BATCH)
            .map(|i| {
                let (_, igsid) = &pairs[(b * BATCH + i) % pairs.len()];
                json!({"from": ig_id, "to": [{"number": igsid}], "reference": format!("b{b}-{i}"),
                       "body": {"type": "auto", "content": format!("Offer {b}-{i}")}})
            })
            .collect();
        batches.push(json!({"messages": {"msg": msgs}}).to_string());
    }
    let next = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::new(AtomicUsize::new(0));
    let batches = Arc::new(batches);
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (client, url, next, batches, accepted) = (
            client.clone(),
            url.clone(),
            next.clone(),
            batches.clone(),
            accepted.clone(),
        );
        let token = token.expose_secret().to_owned();
        workers.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                let Some(body) = batches.get(n) else {
                    return anyhow::Ok(times);
                };
                let asked = Instant::now();
                let answer: serde_json::Value = client
                    .post(&url)
                    .header("X-CM-PRODUCTTOKEN", &token)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await?
                    .json()
                    .await?;
                times.push(asked.elapsed());
                let ok = answer["messages"].as_array().map_or(0, |m| {
                    m.iter().filter(|m| m["status"] == "Accepted").count()
                });
                accepted.fetch_add(ok, Ordering::SeqCst);
            }
        }));
    }
    let mut times = Vec::new();
    for w in workers {
        times.extend(w.await??);
    }
    let elapsed = started.elapsed();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).saturating_sub(1)];
    let accepted = accepted.load(Ordering::SeqCst);
    println!(
        "api send: {} batches of {BATCH} ({} in flight): {accepted} accepted in {:.2} s = {:.0} messages/s; answer p50 {:.0} ms, p99 {:.0} ms",
        args.batches,
        args.concurrency,
        elapsed.as_secs_f64(),
        accepted as f64 / elapsed.as_secs_f64(),
        at(0.50).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0,
    );

    // Inbound fan-out: customers write, each message is POSTed to the receiver.
    let started = Instant::now();
    for chunk in (0..args.inbound).collect::<Vec<_>>().chunks(100) {
        let mut delivery = Delivery::new(ig_id.as_str());
        for &n in chunk {
            let (_, igsid) = &pairs[n % pairs.len()];
            delivery = delivery.push(Event::text(igsid, format!("question {n}")));
        }
        bench.sim.deliver(&delivery).await?;
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    while received.load(Ordering::SeqCst) < args.inbound && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    let got = received.load(Ordering::SeqCst);
    println!(
        "api inbound: {got} of {} customer messages delivered to the receiver in {:.2} s = {:.0} events/s",
        args.inbound,
        elapsed.as_secs_f64(),
        got as f64 / elapsed.as_secs_f64(),
    );
    if args.backlog > 0 {
        // The first part's messages are sent before the outbox counts as idle.
        let deadline = Instant::now() + Duration::from_secs(600);
        while bench.sim.sent().len() < accepted && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let customers: Vec<String> = pairs.iter().map(|(_, igsid)| igsid.clone()).collect();
        let backlog = super::backlog::BacklogArgs {
            backlog: args.backlog,
            rate: args.ack_rate,
            seconds: args.seconds,
            ig_id: &ig_id,
            customers: &customers,
            product_token: token.expose_secret(),
        };
        super::backlog::measure(&bench, backlog).await?;
    }
    bench.running.stop().await?;
    Ok(())
}

/// A local receiver that acknowledges every webhook and counts them.
async fn receiver(count: Arc<AtomicUsize>) -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let router = axum::Router::new().route(
        "/inbound",
        post(move || {
            let count = count.clone();
            async move {
                count.fetch_add(1, Ordering::SeqCst);
                axum::http::StatusCode::OK
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(url)
}
