//! `igdesk bench sends`: the outbox against the simulator (accepting everything,
//! echoes on), over real HTTP on loopback. Messages are queued as real clients
//! queue them: API messages with `POST /v1.0/message` (a product token, 100 per
//! request), people's replies with the console's `POST /api/v1/customers/{id}/messages`
//! (an agent's token).
//!
//! 1. Limit kept: 10,000 API messages and 100 console replies on one account with
//!    the default limit of 200 messages per window (the window is shortened so the
//!    run takes seconds, not hours): the most sends seen in any window, and the
//!    console replies' wait.
//! 2. A person's reply, limit raised: 200 replies on the idle account, then 200
//!    replies while 10,000 API messages are being sent on it (Meta's 300 calls/s per
//!    account still applies); each reply's wait from its POST to Meta's record of it,
//!    and the ratio of the two p99s. Then the backlog's sends per second.
//! 3. 1,000 accounts × 10 messages, limit raised: total sends per second.

use crate::config::{RawSettings, Settings};
use crate::crypto::random_hex;
use crate::now_ms;
use clap::Args;
use futures_util::StreamExt;
use igdesk_domain::{ConversationSettings, Millis};
use igdesk_igs::ids::now_us;
use igdesk_igs::{BusinessAccount, Delivery, Event, SentMessage, SimConfig, Simulator};
use igdesk_store::Scope;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::collections::HashMap;
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
    /// Between two replies of part 2 (each is measured on its own).
    #[arg(long, default_value_t = 50)]
    reply_every_ms: u64,
    /// Replies measured in part 2, on the idle account and again behind the backlog.
    #[arg(long, default_value_t = 200)]
    replies: usize,
    /// Customers of the account held in part 4, each with a message queued.
    #[arg(long, default_value_t = 20_000)]
    held: usize,
    /// An empty database for part 4 (e.g. `postgres://…/igdesk_sends`); by default a
    /// fresh SQLite file.
    #[arg(long)]
    database: Option<String>,
    /// Run only this part (1, 2, 3 or 4).
    #[arg(long)]
    part: Option<u8>,
}

const API_MESSAGES: usize = 10_000;
const CONSOLE_REPLIES: usize = 100;
const CUSTOMERS: usize = 1_000;
/// Messages per `POST /v1.0/message`.
const PER_REQUEST: usize = 100;

pub(super) struct Bench {
    pub(super) running: crate::server::Running,
    pub(super) sim: Simulator,
    /// Meta's app secret, which signs the simulator's webhooks.
    pub(super) app_secret: String,
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
    let database_url =
        database_url.unwrap_or_else(|| format!("sqlite://{}", dir.0.join("igdesk.db").display()));
    let limit = (send_limit, window_seconds);
    let settings = bench_settings(&database_url, addr, &secret, &igs_url, limit)?;
    let app_secret = secret;
    let running = crate::server::start(settings, Some(listener)).await?;
    Ok(Bench {
        running,
        sim,
        app_secret,
        _dir: dir,
    })
}

/// igdesk's settings in a bench: Meta played by the simulator at `igs_url`, and
/// igdesk's message limit (count, window in seconds).
pub(super) fn bench_settings(
    database_url: &str,
    listen: std::net::SocketAddr,
    app_secret: &str,
    igs_url: &str,
    (send_limit, window_seconds): (&str, u64),
) -> anyhow::Result<Settings> {
    Ok(Settings::try_from(RawSettings {
        listen: Some(listen.to_string()),
        database_url: Some(database_url.to_owned()),
        meta_app_secret: Some(app_secret.to_owned()),
        meta_verify_token: Some("bench".into()),
        graph_base_url: Some(format!("{igs_url}/graph.facebook.com")),
        instagram_graph_base_url: Some(format!("{igs_url}/graph.instagram.com")),
        secret_key: Some(random_hex(32)),
        send_limit: Some(send_limit.into()),
        send_limit_window_seconds: Some(window_seconds.to_string()),
        // `bench api` delivers webhooks to a receiver on 127.0.0.1 over http.
        webhook_allow_private: Some("true".into()),
        ..RawSettings::default()
    })?)
}

/// Connects `n` accounts with one customer each who wrote, or one account with
/// `customers` customers.
pub(super) async fn accounts_and_customers(
    b: &Bench,
    accounts: usize,
    customers_each: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    accounts_from(b, 0..accounts, customers_each).await
}

/// [`accounts_and_customers`] for the accounts numbered `numbers`.
async fn accounts_from(
    b: &Bench,
    numbers: std::ops::Range<usize>,
    customers_each: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    for a in numbers {
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

/// igdesk's HTTP faces as its clients use them.
struct Clients {
    http: reqwest::Client,
    url: String,
    /// An administrator's personal token (the console's JSON API).
    agent: String,
    /// A product token per account (the Business Messaging API).
    products: HashMap<String, String>,
    /// igdesk's id of each customer, by IGSID.
    customers: HashMap<String, i64>,
}

impl Clients {
    /// Tokens and customer ids for `pairs` (account, IGSID): setup, not measured.
    async fn new(b: &Bench, pairs: &[(String, String)]) -> anyhow::Result<Self> {
        let store = b.running.app.store.clone();
        let person = crate::people::NewPerson {
            email: format!("bench-{}@example.com", random_hex(4)),
            name: "Bench".into(),
            password: SecretString::from(random_hex(16)),
            is_admin: true,
            inboxes: vec![],
        };
        let (_, agent) =
            crate::people::add_agent_with_token(store.as_ref(), person, "bench").await?;
        let admin = Scope {
            agent: igdesk_domain::AgentId(0),
            admin: true,
        };
        let mut products = HashMap::new();
        let mut customers = HashMap::new();
        for (ig_id, igsid) in pairs {
            if !products.contains_key(ig_id) {
                let (_, token) = crate::product_tokens::issue(store.as_ref(), ig_id, "bench")
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no account {ig_id}"))?;
                products.insert(ig_id.clone(), token.expose_secret().to_owned());
            }
            let customer = store.customers_by_igsid(admin, igsid).await?;
            let customer = customer
                .first()
                .ok_or_else(|| anyhow::anyhow!("no customer {igsid}"))?;
            customers.insert(igsid.clone(), customer.id.0);
        }
        Ok(Clients {
            http: reqwest::Client::new(),
            url: b.running.url(),
            agent: agent.expose_secret().to_owned(),
            products,
            customers,
        })
    }

    /// `POST /v1.0/message`, [`PER_REQUEST`] messages a request, as the API's
    /// clients send them; every message must be accepted.
    async fn api_messages(&self, ig_id: &str, messages: &[(String, String)]) -> anyhow::Result<()> {
        for chunk in messages.chunks(PER_REQUEST) {
            let msg: Vec<_> = chunk
                .iter()
                .map(|(igsid, text)| {
                    json!({"from": ig_id, "to": [{"number": igsid}],
                           "body": {"type": "auto", "content": text}})
                })
                .collect();
            let answer: serde_json::Value = self
                .http
                .post(format!("{}/v1.0/message", self.url))
                .header("X-CM-PRODUCTTOKEN", &self.products[ig_id])
                .json(&json!({"messages": {"msg": msg}}))
                .send()
                .await?
                .json()
                .await?;
            let accepted = answer["messages"].as_array().map_or(0, |m| {
                m.iter().filter(|m| m["status"] == "Accepted").count()
            });
            anyhow::ensure!(accepted == chunk.len(), "not all accepted: {answer}");
        }
        Ok(())
    }

    /// A person's reply, as the console sends it.
    async fn reply(&self, igsid: &str, text: &str) -> anyhow::Result<()> {
        let id = self.customers[igsid];
        let answer = self
            .http
            .post(format!("{}/api/v1/customers/{id}/messages", self.url))
            .bearer_auth(&self.agent)
            .json(&json!({ "text": text }))
            .send()
            .await?;
        anyhow::ensure!(answer.status() == 202, "reply refused: {}", answer.status());
        Ok(())
    }
}

/// 10 API messages to each of the 1,000 customers, in rounds (each customer's
/// first, then each one's second …), as one client's requests.
async fn queue_backlog(clients: &Clients, pairs: &[(String, String)]) -> anyhow::Result<()> {
    let per_customer = API_MESSAGES / pairs.len();
    let messages: Vec<(String, String)> = (0..per_customer)
        .flat_map(|k| {
            pairs
                .iter()
                .enumerate()
                .map(move |(i, (_, igsid))| (k, i, igsid))
        })
        .map(|(k, i, igsid)| (igsid.clone(), format!("api {i}-{k}")))
        .collect();
    clients.api_messages(&pairs[0].0, &messages).await
}

fn percentile(mut values: Vec<i64>, p: f64) -> i64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    values[((values.len() as f64 - 1.0) * p).round() as usize]
}

/// When Meta (the simulator) recorded each message whose text starts with `prefix`,
/// as `when` reads a record's time (`at_ms`, or `at_us` to the microsecond).
fn sent_at(b: &Bench, prefix: &str, when: fn(&SentMessage) -> i64) -> HashMap<String, i64> {
    b.sim
        .sent()
        .into_iter()
        .filter_map(|m| {
            let at = when(&m);
            Some((m.text?, at))
        })
        .filter(|(text, _)| text.starts_with(prefix))
        .collect()
}

async fn wait_for(b: &Bench, count: usize, limit: Duration) -> Duration {
    let started = Instant::now();
    while b.sim.sent().len() < count && started.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    started.elapsed()
}

/// Replies' waits, in microseconds: an idle reply takes a few milliseconds, so
/// whole milliseconds would move the ratio of two p99s by a tenth or more.
struct Waits {
    /// From just before the POST to Meta's record of the Send API call.
    to_meta: Vec<i64>,
    /// From just before the POST to its 202 (the reply stored with its job).
    answered: Vec<i64>,
}

/// Replies `every` apart to `customers` in turn, each text `{label} {i}`.
async fn replies(
    b: &Bench,
    clients: &Clients,
    customers: &[(String, String)],
    label: &str,
    every: Duration,
) -> anyhow::Result<Waits> {
    let mut posted = Vec::new();
    let mut answered = Vec::new();
    for (i, (_, igsid)) in customers.iter().enumerate() {
        let text = format!("{label} {i}");
        let at = now_us();
        posted.push((text.clone(), at));
        clients.reply(igsid, &text).await?;
        answered.push(now_us() - at);
        tokio::time::sleep(every).await;
    }
    let to_meta = to_meta(b, label, &posted).await;
    Ok(Waits { to_meta, answered })
}

/// For each message `posted` (its text and when its POST began, in microseconds),
/// the time to Meta's record of it; waits up to two minutes for them all.
async fn to_meta(b: &Bench, label: &str, posted: &[(String, i64)]) -> Vec<i64> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let sent = sent_at(b, label, |m| m.at_us);
        if sent.len() >= posted.len() || Instant::now() > deadline {
            return posted
                .iter()
                .filter_map(|(text, at)| Some(sent.get(text)? - at))
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn limit_kept(args: &SendArgs) -> anyhow::Result<()> {
    let window_ms = args.window_seconds as i64 * 1000;
    eprintln!(
        "1. limit kept: 200 messages per {} s window, {} API + {} console messages queued",
        args.window_seconds, API_MESSAGES, CONSOLE_REPLIES
    );
    let b = start("200", args.window_seconds).await?;
    let pairs = accounts_and_customers(&b, 1, CUSTOMERS).await?;
    let clients = Clients::new(&b, &pairs).await?;
    queue_backlog(&clients, &pairs).await?;
    let console_at = now_ms();
    for (i, (_, igsid)) in pairs.iter().take(CONSOLE_REPLIES).enumerate() {
        clients.reply(igsid, &format!("console {i}")).await?;
    }
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
    let waits: Vec<Millis> = sent_at(&b, "console ", |m| m.at_ms)
        .values()
        .map(|at| at - console_at)
        .collect();
    println!("limit kept: {} sent in the {} s after queuing; most in any {} s window: {most_in_window} (limit 200); console replies sent: {} of {CONSOLE_REPLIES}, p99 wait {} ms (from the first reply's POST to Meta's record)",
        times.len(), args.limited_seconds, args.window_seconds, waits.len(), percentile(waits.clone(), 0.99));
    b.running.stop().await
}

/// A person's reply on the idle account, then behind the backlog, in one run.
async fn reply_behind_backlog(args: &SendArgs) -> anyhow::Result<()> {
    eprintln!(
        "2. limit raised: {} replies on an idle account, then {} behind {API_MESSAGES} API messages",
        args.replies, args.replies
    );
    let b = start("1000000", 300).await?;
    let pairs = accounts_and_customers(&b, 1, CUSTOMERS).await?;
    let clients = Clients::new(&b, &pairs).await?;
    let every = Duration::from_millis(args.reply_every_ms);
    let n = args.replies.clamp(1, CUSTOMERS / 2);
    let idle = replies(&b, &clients, &pairs[..n], "idle", every).await?;

    let queuing = Instant::now();
    queue_backlog(&clients, &pairs).await?;
    let queued_in = queuing.elapsed();
    // The backlog well under way before the first reply.
    while sent_at(&b, "api ", |m| m.at_ms).len() < 1_000 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Customers whose own API messages are queued: the reply goes before them.
    let behind_customers = &pairs[n..2 * n];
    let behind = replies(&b, &clients, behind_customers, "behind", every).await?;
    let last_reply = sent_at(&b, "behind", |m| m.at_ms)
        .into_values()
        .max()
        .unwrap_or(0);
    let total = API_MESSAGES + 2 * n;
    wait_for(&b, total, Duration::from_secs(600)).await;
    let api: Vec<Millis> = sent_at(&b, "api ", |m| m.at_ms).into_values().collect();
    let after_last_reply = api.iter().filter(|at| **at > last_reply).count();
    let span = (api.iter().max().unwrap_or(&0) - api.iter().min().unwrap_or(&0)).max(1);

    // Microseconds in, milliseconds to a tenth out.
    let ms = |us: i64| us as f64 / 1_000.0;
    let p = |v: &Vec<i64>| {
        let (p50, p99) = (percentile(v.clone(), 0.5), percentile(v.clone(), 0.99));
        (ms(p50), ms(p99))
    };
    let ((idle_p50, idle_p99), (idle_a50, idle_a99)) = (p(&idle.to_meta), p(&idle.answered));
    let ((behind_p50, behind_p99), (behind_a50, behind_a99)) =
        (p(&behind.to_meta), p(&behind.answered));
    println!("a person's reply, each from its POST /api/v1/customers/{{id}}/messages to Meta's record of the Send API call (and to the POST's 202), {} ms apart:", args.reply_every_ms);
    println!("  idle account: {} replies, p50 {idle_p50:.1} ms, p99 {idle_p99:.1} ms (202: p50 {idle_a50:.1} ms, p99 {idle_a99:.1} ms)", idle.to_meta.len());
    println!("  behind {API_MESSAGES} queued API messages: {} replies, p50 {behind_p50:.1} ms, p99 {behind_p99:.1} ms (202: p50 {behind_a50:.1} ms, p99 {behind_a99:.1} ms; {after_last_reply} API messages still went out after the last reply)", behind.to_meta.len());
    println!(
        "  p99 behind the backlog / p99 idle: {:.2} (target <= 2)",
        behind_p99 / idle_p99.max(0.001)
    );
    println!("backlog: {API_MESSAGES} API messages queued with {} POST /v1.0/message in {:.2} s; {} sent in {:.1} s from the first send to the last: {:.0} sends/s",
        API_MESSAGES / PER_REQUEST, queued_in.as_secs_f64(), api.len(), span as f64 / 1000.0, api.len() as f64 * 1000.0 / span as f64);
    b.running.stop().await
}

async fn many_accounts() -> anyhow::Result<()> {
    eprintln!("3. 1,000 accounts x 10 messages, limit raised");
    let b = start("1000000", 300).await?;
    let pairs = accounts_and_customers(&b, 1_000, 1).await?;
    let clients = Clients::new(&b, &pairs).await?;
    // Each account's client queues its own messages, 16 clients at a time.
    let queuing = Instant::now();
    let requests = pairs.iter().enumerate().map(|(i, (ig_id, igsid))| {
        let messages: Vec<(String, String)> = (0..10)
            .map(|k| (igsid.clone(), format!("multi {i}-{k}")))
            .collect();
        let clients = &clients;
        async move { clients.api_messages(ig_id, &messages).await }
    });
    let results: Vec<anyhow::Result<()>> = futures_util::stream::iter(requests)
        .buffer_unordered(16)
        .collect()
        .await;
    results.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    let queued_in = queuing.elapsed();
    let took = wait_for(&b, 10_000, Duration::from_secs(600)).await;
    let sent = b.sim.sent();
    let span = (sent.iter().map(|m| m.at_ms).max().unwrap_or(0)
        - sent.iter().map(|m| m.at_ms).min().unwrap_or(0))
    .max(1);
    println!(
        "1,000 accounts: 10000 queued with 1,000 POST /v1.0/message (16 at a time) in {:.1} s; {} sent {:.1} s after queuing ended, {:.1} s from the first send to the last: {:.0} sends/s",
        queued_in.as_secs_f64(),
        sent.len(),
        took.as_secs_f64(),
        span as f64 / 1000.0,
        sent.len() as f64 * 1000.0 / span as f64
    );
    b.running.stop().await
}

/// API messages sent one a request, `every` apart, to `customers` in turn, each text
/// `{label} {i}`: from just before each POST to Meta's record of its Send API call,
/// in microseconds.
async fn trickle(
    b: &Bench,
    clients: &Clients,
    customers: &[(String, String)],
    label: &str,
    every: Duration,
) -> anyhow::Result<Vec<i64>> {
    let mut posted = Vec::new();
    for (i, (ig_id, igsid)) in customers.iter().enumerate() {
        let text = format!("{label} {i}");
        posted.push((text.clone(), now_us()));
        clients
            .api_messages(ig_id, &[(igsid.clone(), text)])
            .await?;
        tokio::time::sleep(every).await;
    }
    Ok(to_meta(b, label, &posted).await)
}

/// API messages of one account, with and without another account holding `held`
/// queued messages while it waits to be reconnected (Meta rejected its token).
async fn beside_a_held_account(args: &SendArgs) -> anyhow::Result<()> {
    eprintln!(
        "4. {} API messages one at a time on one account, then again beside an account waiting to be reconnected with {} messages queued",
        args.replies, args.held
    );
    let b = start_on(args.database.clone(), "1000000", 300).await?;
    let sending = accounts_from(&b, 0..1, args.replies.clamp(1, CUSTOMERS)).await?;
    let held = accounts_from(&b, 1..2, args.held).await?;
    let all: Vec<_> = sending.iter().chain(&held).cloned().collect();
    let clients = Clients::new(&b, &all).await?;
    let every = Duration::from_millis(args.reply_every_ms);
    let store = &b.running.app.store;
    // The new customers' profiles fetched first: not what is measured.
    let settle = |left: i64| async move {
        while store.pending_job_count().await? > left {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::Ok(())
    };
    settle(0).await?;
    let alone = trickle(&b, &clients, &sending, "alone", every).await?;

    let account = store
        .account_by_ig_id(&held[0].0)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no held account"))?;
    store
        .mark_needs_reconnect(account.id, &account.token_sealed, "bench: token rejected")
        .await?;
    let queuing = Instant::now();
    let messages: Vec<_> = held
        .iter()
        .map(|(_, igsid)| (igsid.clone(), "held".to_owned()))
        .collect();
    clients.api_messages(&held[0].0, &messages).await?;
    let queued_in = queuing.elapsed();
    settle(held.len() as i64).await?;
    let beside = trickle(&b, &clients, &sending, "beside", every).await?;

    let ms = |us: i64| us as f64 / 1_000.0;
    let line = |v: &Vec<i64>| {
        format!(
            "{} sent, p50 {:.1} ms, p99 {:.1} ms",
            v.len(),
            ms(percentile(v.clone(), 0.5)),
            ms(percentile(v.clone(), 0.99))
        )
    };
    println!("one API message a request, {} ms apart, each from its POST /v1.0/message to Meta's record of the Send API call:", args.reply_every_ms);
    println!("  alone: {}", line(&alone));
    println!(
        "  beside {} messages held (queued in {:.1} s with {} requests): {}",
        held.len(),
        queued_in.as_secs_f64(),
        held.len().div_ceil(PER_REQUEST),
        line(&beside)
    );
    println!(
        "  p99 beside / p99 alone: {:.2}",
        percentile(beside, 0.99) as f64 / percentile(alone, 0.99).max(1) as f64
    );
    b.running.stop().await
}

pub async fn run(args: SendArgs) -> anyhow::Result<()> {
    let part = |n: u8| args.part.is_none_or(|p| p == n);
    if part(1) {
        limit_kept(&args).await?;
    }
    if part(2) {
        reply_behind_backlog(&args).await?;
    }
    if part(3) {
        many_accounts().await?;
    }
    if part(4) {
        beside_a_held_account(&args).await?;
    }
    Ok(())
}
