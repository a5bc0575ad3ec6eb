//! `igdesk bench pages`: the console's two busiest pages as a signed-in agent's
//! browser asks for them: the desk (frame, offers, the agent's conversations) and a
//! customer profile whose timeline holds 1,000 items. Measures each request from
//! sending it to the last byte of the answer over a kept-alive loopback connection
//! (so the server's time plus loopback: an upper bound on the server's time), every
//! answer counted, failures included, and the HTML's size.

use super::sends::{accounts_and_customers, start_on};
use crate::crypto::{hash_token, random_hex};
use crate::now_ms;
use clap::Args;
use igdesk_domain::changes::{Change, ChangeKind, ConversationEffect, NewItem};
use igdesk_domain::timeline::{Direction, ItemContext, ItemKind, ItemStatus, Source};
use igdesk_domain::{Igsid, Mid};
use igdesk_store::{NewAgent, NewSession};
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct PagesArgs {
    /// Requests per page.
    #[arg(long, default_value_t = 500)]
    requests: usize,
    /// Items on the profile's timeline.
    #[arg(long, default_value_t = 1_000)]
    items: usize,
    /// An empty database to run on (e.g. `postgres://…/igdesk_bench`); by default a
    /// fresh SQLite file.
    #[arg(long)]
    database: Option<String>,
}

pub async fn run(args: PagesArgs) -> anyhow::Result<()> {
    let bench = start_on(args.database.clone(), "200", 300).await?;
    let pairs = accounts_and_customers(&bench, 1, 0).await?;
    debug_assert!(pairs.is_empty());
    let app = &bench.running.app;
    let account = app
        .store
        .account_by_ig_id(&format!("1784150{:010}", 0))
        .await?
        .ok_or_else(|| anyhow::anyhow!("the bench account is missing"))?;
    let start = now_ms() - args.items as i64 * 60_000;
    let changes: Vec<Change> = (0..args.items)
        .map(|n| {
            let incoming = n % 3 != 2;
            Change {
                account: Some(account.id),
                kind: ChangeKind::AddItem {
                    igsid: Igsid("9000001".into()),
                    username: None,
                    conversation: ConversationEffect::Open,
                    item: NewItem {
                        kind: ItemKind::Message,
                        direction: if incoming { Direction::In } else { Direction::Out },
                        source: if incoming { Source::Customer } else { Source::InstagramApp },
                        mid: Mid(format!("bench-page-{n}")),
                        text: Some(format!("Message number {n}: is the linen shirt still available in M, and do you ship to France?")),
                        attachments: vec![],
                        reply_to: None,
                        context: ItemContext::default(),
                        status: ItemStatus::Received,
                        raw: None,
                        created_at: start + n as i64 * 60_000,
                    },
                    refresh_profile: false,
                },
            }
        })
        .collect();
    for chunk in changes.chunks(200) {
        app.store.apply_changes(chunk, now_ms()).await?;
    }
    let agent = app
        .store
        .add_agent(
            NewAgent {
                email: "pages@bench.example".into(),
                name: "Page Bench".into(),
                password_hash: "not used: the bench has its own session".into(),
                is_admin: false,
                inboxes: vec!["Instagram".into()],
            },
            now_ms(),
        )
        .await?;
    // The customer's conversation becomes the agent's, so the desk lists it.
    app.store.set_available(agent.id, true, now_ms()).await?;
    app.reroute();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let offers = app.store.offers_for(agent.id).await?;
        if let Some(offer) = offers.first() {
            app.store.accept_offer(agent.id, offer.id, now_ms()).await?;
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "the customer was never offered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let token = random_hex(32);
    app.store
        .create_session(NewSession {
            token_hash: hash_token(&token),
            agent: agent.id,
            csrf_token: random_hex(16),
            created_at: now_ms(),
            expires_at: now_ms() + 3_600_000,
        })
        .await?;
    let customer = app
        .store
        .customers_by_igsid(agent.scope(), "9000001")
        .await?
        .first()
        .map(|c| c.id)
        .ok_or_else(|| anyhow::anyhow!("the bench customer is missing"))?;
    let url = bench.running.url();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    println!(
        "pages: one agent with the customer's conversation, a profile of {} items, {} requests per page, one at a time",
        args.items, args.requests
    );
    for (name, path) in [
        ("desk", "/desk".to_owned()),
        ("profile", format!("/customers/{}", customer.0)),
    ] {
        let mut times = Vec::with_capacity(args.requests);
        let mut failures = 0;
        let mut size = 0;
        for _ in 0..args.requests {
            let began = Instant::now();
            let answer = client
                .get(format!("{url}{path}"))
                .header("Cookie", format!("igdesk_session={token}"))
                .send()
                .await;
            let ok = match answer {
                Ok(response) if response.status().is_success() => {
                    size = response.bytes().await.map(|b| b.len()).unwrap_or(0);
                    true
                }
                _ => false,
            };
            // A failure counts, as the time it took.
            times.push(began.elapsed());
            failures += usize::from(!ok);
        }
        times.sort();
        let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
        println!(
            "  {name:<8} p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms  HTML {:>6.1} KB  failures {failures}",
            at(0.50).as_secs_f64() * 1000.0,
            at(0.99).as_secs_f64() * 1000.0,
            times[times.len() - 1].as_secs_f64() * 1000.0,
            size as f64 / 1024.0,
        );
    }
    bench.running.stop().await
}
