//! `igdesk bench dashboard`: the operations dashboard's store call on a store of the
//! size the issue names (10 M timeline items, 1 M customers by default).
//!
//! The data set is generated straight into the store with set-based SQL (a recursive
//! CTE on SQLite, `generate_series` on PostgreSQL), every production index and
//! foreign key in place, in chunks of a million rows per transaction. Three inboxes,
//! one account each, 200 agents; two conversations per customer over 90 days, about
//! 5,000 of them open now; one SLA clock per conversation (most answered, some never:
//! waiting now, or abandoned on closed conversations); an outbox row for each message
//! igdesk sent; a processed delivery for each incoming message. The rollups are then
//! filled by the very statements migration 0009 backfills them with, read from the
//! migration files.
//!
//! Measured: `DashboardStore::dashboard` (every query the dashboard makes), in
//! process, one call at a time, for an administrator over 24 hours and 7 days and
//! for an agent of one inbox over 24 hours; then `service::dashboard::build` on the
//! figures, and optionally `GET /api/v1/dashboard` with igdesk serving.

use crate::crypto::{hash_token, random_hex};
use crate::now_ms;
use crate::service::dashboard::{build, Period};
use anyhow::Context as _;
use clap::Args;
use igdesk_domain::time::{DAY, HOUR, MINUTE};
use igdesk_domain::{AgentId, Millis};
use igdesk_store::{DashboardFigures, DashboardQuery, DashboardStore, Scope, SqlStore};
use sqlx::{AnyConnection, Connection as _, Executor as _, Row as _};
use std::time::{Duration, Instant};

#[derive(Args, Debug, Clone)]
pub struct DashboardArgs {
    /// Timeline items generated (spread evenly over the conversations).
    #[arg(long, default_value_t = 10_000_000)]
    pub items: i64,
    /// Customers generated, two conversations each.
    #[arg(long, default_value_t = 1_000_000)]
    pub customers: i64,
    /// Conversations open now (at most one customer in ten has one).
    #[arg(long, default_value_t = OPEN_NOW)]
    pub open: i64,
    /// Store calls per case, one at a time.
    #[arg(long, default_value_t = 300)]
    pub requests: usize,
    /// Requests over HTTP (as the administrator) once the store calls are measured,
    /// with igdesk serving on the data set; 0 for none.
    #[arg(long, default_value_t = 50)]
    pub http_requests: usize,
    /// An empty database to run on (e.g. `postgres://…/igdesk_bench`); by default a
    /// fresh SQLite file.
    #[arg(long)]
    pub database: Option<String>,
}

/// p50, p99 and the slowest of a run; failures are counted in the times too.
#[derive(Debug, Clone, Copy)]
pub struct Times {
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub calls: usize,
    pub failures: usize,
}

#[derive(Debug, Clone)]
pub struct CaseReport {
    pub name: &'static str,
    /// The store's `dashboard` call.
    pub store: Times,
    /// `service::dashboard::build` on its figures.
    pub build: Times,
}

#[derive(Debug, Clone)]
pub struct DashboardReport {
    pub backend: &'static str,
    pub generated_in: Duration,
    /// Rows per table (and a few subsets), as counted after generation.
    pub counts: Vec<(&'static str, i64)>,
    pub cases: Vec<CaseReport>,
    pub http: Option<Times>,
}

impl DashboardReport {
    pub fn count(&self, name: &str) -> Option<i64> {
        self.counts
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, n)| *n)
    }
}

const INBOXES: i64 = 3;
const AGENTS: i64 = 200;
/// An administrator (of inbox 1) and an agent of inbox 2 only.
pub(super) const ADMIN: AgentId = AgentId(1);
pub(super) const AGENT: AgentId = AgentId(5);

/// The account (and inbox: one each) of `customer` among `customers`: they come in
/// three blocks, one per account (see `Generator::plan`).
pub(super) fn account_of(customer: i64, customers: i64) -> i64 {
    (customer - 1) * INBOXES / customers + 1
}

/// The agents of one inbox only, `inbox` and `k` (0, 1 …): agent g works in inbox
/// (g - 1) % 3 + 1 (see `Generator::people`); 66 of them per inbox, the first
/// (agent 1) the administrator.
pub(super) fn agent_of(inbox: i64, k: i64) -> AgentId {
    AgentId(INBOXES * (k % (AGENTS / INBOXES)) + inbox)
}

/// Agents 2 to 200: everyone but the administrator.
pub(super) const NOT_ADMIN: std::ops::RangeInclusive<i64> = 2..=AGENTS;
pub(super) const OPEN_NOW: i64 = 5_000;
const CHUNK: i64 = 1_000_000;
/// The product's defaults (OUT-5).
const SEND_LIMIT: i64 = 200;
const SEND_WINDOW: Millis = 300_000;

const SQLITE_0009: &str =
    include_str!("../../../igdesk_store/migrations/sqlite/0009_dashboard.sql");
const POSTGRES_0009: &str =
    include_str!("../../../igdesk_store/migrations/postgres/0009_dashboard.sql");

pub async fn run(args: DashboardArgs) -> anyhow::Result<()> {
    bench(args).await.map(|_| ())
}

/// Generates, measures, prints, and returns what it printed.
pub async fn bench(args: DashboardArgs) -> anyhow::Result<DashboardReport> {
    let conversations = 2 * args.customers;
    anyhow::ensure!(
        args.customers >= 1 && args.items >= conversations,
        "--items must be at least two per customer (every conversation has a message)"
    );
    anyhow::ensure!(args.requests >= 1, "--requests must be at least 1");
    let scratch = super::Scratch::new("dashboard")?;
    let db = super::BenchDatabase::open(args.database.as_deref(), &scratch).await?;
    let (backend, pg, url) = (db.backend(), db.pg, db.url);
    let mut generator = Generator::connect(&url, pg).await?;
    generator.ensure_empty().await?;
    println!(
        "dashboard: generating {} timeline items, {} customers on {backend}{} …",
        args.items,
        args.customers,
        if args.database.is_none() {
            " (a fresh file)"
        } else {
            ""
        }
    );
    let began = Instant::now();
    let token = random_hex(32);
    generator.generate(&args, &hash_token(&token)).await?;
    let generated_in = began.elapsed();
    let counts = generator.counts().await?;
    generator.conn.close().await?;
    println!(
        "generated in {:.1} s{}:",
        generated_in.as_secs_f64(),
        if pg {
            " (then VACUUM ANALYZE, as autovacuum does after such a load)"
        } else {
            " (no ANALYZE: igdesk never runs it on SQLite)"
        }
    );
    for (name, n) in &counts {
        println!("  {name:<34} {n:>12}");
    }

    let store = igdesk_store::connect(&url).await?;
    println!(
        "measured: the store's DashboardStore::dashboard call (all of the dashboard's queries), \
         in process on {backend}, one call at a time, {} calls per case, every call counted",
        args.requests
    );
    println!(
        "  {:<36} {:>9} {:>9} {:>9} {:>8} {:>14}",
        "case", "p50", "p99", "max", "failed", "build p99"
    );
    let mut cases = Vec::new();
    for case in CASES {
        let (report, figures) = measure(&store, case, args.requests).await;
        println!(
            "  {:<36} {:>6.2} ms {:>6.2} ms {:>6.2} ms {:>8} {:>11.3} ms",
            case.name,
            ms(report.store.p50),
            ms(report.store.p99),
            ms(report.store.max),
            report.store.failures,
            ms(report.build.p99),
        );
        if let Some(figures) = figures {
            println!("      {}", summary(&figures));
        }
        cases.push(report);
    }
    drop(store);

    let http = if args.http_requests > 0 {
        Some(over_http(&url, &token, args.http_requests).await?)
    } else {
        None
    };
    Ok(DashboardReport {
        backend,
        generated_in,
        counts,
        cases,
        http,
    })
}

#[derive(Clone, Copy)]
struct Case {
    name: &'static str,
    scope: Scope,
    hours: i64,
}

const CASES: [Case; 3] = [
    Case {
        name: "administrator, all inboxes, 24 hours",
        scope: Scope {
            agent: ADMIN,
            admin: true,
        },
        hours: 24,
    },
    Case {
        name: "administrator, all inboxes, 7 days",
        scope: Scope {
            agent: ADMIN,
            admin: true,
        },
        hours: 7 * 24,
    },
    Case {
        name: "agent (one inbox), 24 hours",
        scope: Scope {
            agent: AGENT,
            admin: false,
        },
        hours: 24,
    },
];

async fn measure(
    store: &SqlStore,
    case: Case,
    requests: usize,
) -> (CaseReport, Option<DashboardFigures>) {
    let mut store_times = Vec::with_capacity(requests);
    let mut build_times = Vec::with_capacity(requests);
    let (mut failures, mut first) = (0, None);
    for _ in 0..requests {
        let now = now_ms();
        let period = Period::last_hours(case.hours, now);
        let query = DashboardQuery {
            scope: case.scope,
            inbox: None,
            from: period.from,
            to: period.to,
            now,
            send_window: SEND_WINDOW,
            intake: case.scope.admin,
        };
        let began = Instant::now();
        let answer = store.dashboard(&query).await;
        store_times.push(began.elapsed());
        match answer {
            Ok(figures) => {
                let began = Instant::now();
                std::hint::black_box(build(&figures, period, now, SEND_LIMIT, SEND_WINDOW));
                build_times.push(began.elapsed());
                first.get_or_insert(figures);
            }
            Err(e) => {
                if failures == 0 {
                    eprintln!("  {}: {e}", case.name);
                }
                failures += 1;
            }
        }
    }
    let report = CaseReport {
        name: case.name,
        store: times(store_times, failures),
        build: times(build_times, 0),
    };
    (report, first)
}

pub(super) fn times(mut all: Vec<Duration>, failures: usize) -> Times {
    all.sort();
    let at = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Times {
        p50: at(0.50),
        p99: at(0.99),
        max: all.last().copied().unwrap_or_default(),
        calls: all.len(),
        failures,
    }
}

pub(super) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// What the figures hold, to see that the case read what it should.
fn summary(f: &DashboardFigures) -> String {
    let open: i64 = f
        .inboxes
        .iter()
        .map(|i| i.routing + i.offered + i.assigned)
        .sum();
    let assigned: i64 = f.inboxes.iter().map(|i| i.assigned).sum();
    let offered: i64 = f.inboxes.iter().map(|i| i.offered).sum();
    let answered: i64 = f.answered_by_hour.iter().map(|a| a.answered).sum();
    let unanswered: i64 = f.unanswered.iter().map(|u| u.overdue + u.within).sum();
    let intake = f.intake.as_ref().map_or(String::new(), |i| {
        format!(
            ", intake: {} deliveries in the last hour, {} hours with deliveries",
            i.last_hour_by_minute.iter().map(|(_, n)| n).sum::<i64>(),
            i.by_hour.len()
        )
    });
    format!(
        "{} inboxes, {open} open ({assigned} assigned, {offered} offered), {answered} waits answered \
         ({} rollup rows), {unanswered} unanswered, {} agents, {} accounts{intake}",
        f.inboxes.len(),
        f.answered_by_hour.len() + f.answered_by_inbox.len(),
        f.agents.len(),
        f.accounts.len()
    )
}

/// igdesk serving on the data set (workers running: routing starts offering the
/// open conversations), `GET /api/v1/dashboard` as the administrator, one at a time.
async fn over_http(url: &str, token: &str, requests: usize) -> anyhow::Result<Times> {
    let bench = super::sends::start_on(Some(url.to_owned()), &SEND_LIMIT.to_string(), 300).await?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let address = format!("{}/api/v1/dashboard", bench.running.url());
    let (mut all, mut failures, mut size) = (Vec::with_capacity(requests), 0, 0);
    for _ in 0..requests {
        let began = Instant::now();
        let answer = client.get(&address).bearer_auth(token).send().await;
        let ok = match answer {
            Ok(response) if response.status().is_success() => {
                size = response.bytes().await.map(|b| b.len()).unwrap_or(0);
                true
            }
            _ => false,
        };
        all.push(began.elapsed());
        failures += usize::from(!ok);
    }
    let http = times(all, failures);
    println!(
        "over HTTP: GET /api/v1/dashboard (administrator, 24 hours), igdesk serving with its \
         workers, {requests} requests one at a time over loopback, to the last byte"
    );
    println!(
        "  {:<36} {:>6.2} ms {:>6.2} ms {:>6.2} ms {:>8}   JSON {:.1} KB",
        "GET /api/v1/dashboard",
        ms(http.p50),
        ms(http.p99),
        ms(http.max),
        http.failures,
        size as f64 / 1024.0
    );
    bench.running.stop().await?;
    Ok(http)
}

/// The data set, written with set-based SQL on a connection of its own.
pub(super) struct Generator {
    pub(super) conn: AnyConnection,
    pub(super) pg: bool,
    now: Millis,
}

/// A pseudo-random number in 0..1,000,003 from `x` (an id) and a prime `p`: the same
/// on both backends, so both hold the same data set.
pub(super) fn h(x: &str, p: i64) -> String {
    format!("((({x}) * {p} + 7) % 1000003)")
}

/// One of `words`, chosen by `hash` (an SQL expression), as an SQL expression: the
/// words of the generated names and messages, each as often as the others, so a
/// search's number of matches is known (see `bench search`).
fn pick(words: &[&str], hash: &str) -> String {
    let arms: String = words
        .iter()
        .enumerate()
        .map(|(i, w)| format!(" WHEN {i} THEN '{w}'"))
        .collect();
    format!("(CASE ({hash}) % {}{arms} END)", words.len())
}

pub(super) const FIRST_NAMES: [&str; 20] = [
    "Ana", "Ben", "Chloé", "Dora", "Emil", "Fatima", "Gustavo", "Hana", "Igor", "Julia", "Kofi",
    "Lena", "Marta", "Nuno", "Olga", "Pedro", "Rui", "Sofia", "Tiago", "Vera",
];
pub(super) const SURNAMES: [&str; 25] = [
    "Souza",
    "Costa",
    "Alves",
    "Mendes",
    "Lopes",
    "Duarte",
    "Silva",
    "Santos",
    "Ferreira",
    "Pereira",
    "Oliveira",
    "Rodrigues",
    "Martins",
    "Jesus",
    "Sousa",
    "Fernandes",
    "Goncalves",
    "Gomes",
    "Marques",
    "Ribeiro",
    "Pinto",
    "Carvalho",
    "Teixeira",
    "Moreira",
    "Correia",
];
/// Each in one message of 8.
pub(super) const COLOURS: [&str; 8] = [
    "linen", "navy", "olive", "cream", "black", "rust", "sage", "denim",
];
/// Each in one message of 10.
pub(super) const PRODUCTS: [&str; 10] = [
    "shirt", "coat", "dress", "scarf", "trousers", "blazer", "skirt", "jumper", "jacket",
    "cardigan",
];
pub(super) const CITIES: [&str; 12] = [
    "Porto", "Lisbon", "Madrid", "Paris", "Berlin", "Rome", "Dublin", "Vienna", "Prague", "Warsaw",
    "Oslo", "Athens",
];
/// Order numbers run from 100000 to 299999: each in about one message of 200,000.
pub(super) const ORDER_NUMBERS: i64 = 200_000;

impl Generator {
    pub(super) async fn connect(url: &str, pg: bool) -> anyhow::Result<Self> {
        let url = match url.strip_prefix("sqlite:") {
            Some(rest) => format!("sqlite://{}", rest.trim_start_matches("//")),
            None => url.to_owned(),
        };
        let mut conn = AnyConnection::connect(&url).await?;
        if !pg {
            // The store's own settings, and a large page cache for this connection
            // (the indexes of 10 M items are written in id order, not key order).
            conn.execute(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                 PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                 PRAGMA cache_size = -2000000; PRAGMA temp_store = MEMORY;",
            )
            .await?;
        }
        Ok(Generator {
            conn,
            pg,
            now: now_ms(),
        })
    }

    pub(super) async fn count(&mut self, sql: &str) -> anyhow::Result<i64> {
        let rows = sqlx::query(sql).fetch_all(&mut self.conn).await?;
        let row = rows.first().context("a count returned no row")?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    pub(super) async fn ensure_empty(&mut self) -> anyhow::Result<()> {
        for table in ["accounts", "agents", "customers", "timeline_items"] {
            let n = self.count(&format!("SELECT COUNT(*) FROM {table}")).await?;
            anyhow::ensure!(n == 0, "the database is not empty ({n} rows in {table})");
        }
        Ok(())
    }

    /// `n(i)`: the integers `lo..=hi`, as a common table expression.
    fn series(&self, lo: i64, hi: i64) -> String {
        if self.pg {
            format!("n(i) AS (SELECT generate_series(CAST({lo} AS BIGINT), CAST({hi} AS BIGINT)))")
        } else {
            format!("RECURSIVE n(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM n WHERE i < {hi})")
        }
    }

    async fn exec(&mut self, what: &str, sql: &str) -> anyhow::Result<u64> {
        let done = self
            .conn
            .execute(sql)
            .await
            .with_context(|| format!("generating {what}"))?;
        Ok(done.rows_affected())
    }

    /// Runs `sql` and prints how long it took.
    pub(super) async fn step(&mut self, what: &str, sql: &str) -> anyhow::Result<()> {
        let began = Instant::now();
        let rows = self.exec(what, sql).await?;
        println!(
            "  {what:<34} {rows:>12} rows {:>8.1} s",
            began.elapsed().as_secs_f64()
        );
        Ok(())
    }

    pub(super) async fn generate(
        &mut self,
        args: &DashboardArgs,
        token_hash: &str,
    ) -> anyhow::Result<()> {
        let now = self.now;
        self.people(token_hash).await?;
        self.plan(args).await?;
        let k = 2 * args.customers;
        self.step(
            "customers",
                &format!(
                "INSERT INTO customers (id, account_id, igsid, name, username, created_at, last_message_at) \
                 SELECT f.customer, f.account, CAST(17000000000000000 + f.customer AS TEXT), \
                 {first} || ' ' || {last}, lower({first}) || '.' || lower({last}) || CAST(f.customer AS TEXT), \
                 f.opened, s.last_in FROM bench_plan f JOIN bench_plan s ON s.id = f.id + 1 \
                 WHERE f.id % 2 = 1",
                first = pick(&FIRST_NAMES, &h("f.customer", 7907)),
                last = pick(&SURNAMES, &h("f.customer", 6101)),
            ),
        )
        .await?;
        for lo in (1..=k).step_by(CHUNK as usize) {
            let hi = (lo + CHUNK - 1).min(k);
            self.step(
                &format!("conversations {lo}–{hi}"),
                &format!(
                    "INSERT INTO conversations (id, account_id, customer_id, inbox_id, state, opened_at, \
                     closed_at, last_incoming_at, last_item_at, agent_id, assigned_at, ended_by) \
                     SELECT id, account, customer, account, CASE WHEN is_open = 1 THEN 'open' ELSE 'closed' END, \
                     opened, closed, last_in, last_item, agent, CASE WHEN agent IS NOT NULL THEN opened + 1000 END, \
                     CASE ended WHEN 1 THEN 'agent' WHEN 2 THEN 'auto_end' END \
                     FROM bench_plan WHERE id BETWEEN {lo} AND {hi}"
                ),
            )
            .await?;
            // One clock per conversation, started at its first message; answered by
            // the first reply (or an echo from the Instagram app), or not at all.
            self.step(
                &format!("sla_clocks {lo}–{hi}"),
                &format!(
                    "INSERT INTO sla_clocks (id, conversation_id, inbox_id, started_at, due_at, met_at, met_by) \
                     SELECT id, id, account, opened, opened + target * 1000, \
                     CASE WHEN met = 1 THEN opened + wait END, \
                     CASE WHEN met = 1 THEN CASE WHEN echo = 1 THEN 'echo' ELSE 'reply' END END \
                     FROM bench_plan WHERE id BETWEEN {lo} AND {hi}"
                ),
            )
            .await?;
        }
        self.step(
            "offers",
            &format!(
                "INSERT INTO offers (conversation_id, agent_id, offered_at, expires_at) \
                 SELECT id, offer_agent, {now} - 5000 - id % 20000, {now} + 25000 - id % 20000 \
                 FROM bench_plan WHERE offer_agent IS NOT NULL"
            ),
        )
        .await?;
        for lo in (1..=args.items).step_by(CHUNK as usize) {
            let hi = (lo + CHUNK - 1).min(args.items);
            self.items(args, lo, hi).await?;
        }
        self.exec("the plan", "DROP TABLE bench_plan").await?;
        self.notes().await?;
        self.rollups().await?;
        self.settle().await
    }

    /// Inboxes, accounts (one per inbox), agents and their inboxes, a token for the
    /// administrator (`GET /api/v1/dashboard`).
    async fn people(&mut self, token_hash: &str) -> anyhow::Result<()> {
        let now = self.now;
        let since = now - 100 * DAY;
        let minute = now - now.rem_euclid(MINUTE);
        self.exec(
            "inboxes",
            &format!(
                "INSERT INTO inboxes (id, name, is_default, created_at, sla_target_seconds) \
                 VALUES (2, 'Sales', 0, {since}, 1800), (3, 'Care', 0, {since}, 7200)"
            ),
        )
        .await?;
        self.exec(
            "accounts",
            &format!(
                "WITH {} INSERT INTO accounts (id, ig_id, page_id, page_name, username, login_path, \
                 token_sealed, inbox_id, added_by, added_at, last_event_at) \
                 SELECT i, CAST(17841400000000000 + i AS TEXT), CAST(100000000000000 + i AS TEXT), \
                 'Shop ' || CAST(i AS TEXT), 'shop_' || CAST(i AS TEXT), 'facebook', \
                 'bench: not a sealed token', i, 'bench', {since}, {minute} FROM n",
                self.series(1, INBOXES)
            ),
        )
        .await?;
        // Agent g works in inbox (g - 1) % 3 + 1, every tenth one in a second inbox too;
        // three in five are available.
        self.exec(
            "agents",
            &format!(
                "WITH {} INSERT INTO agents (id, email, name, password_hash, is_admin, created_at, available) \
                 SELECT i, 'agent' || CAST(i AS TEXT) || '@bench.example', 'Agent ' || CAST(i AS TEXT), \
                 'not used: the bench signs in with a token', CASE WHEN i = {} THEN 1 ELSE 0 END, {since}, \
                 CASE WHEN ((i - 1) / 3) % 5 < 3 THEN 1 ELSE 0 END FROM n",
                self.series(1, AGENTS),
                ADMIN.0
            ),
        )
        .await?;
        self.exec(
            "agent_inboxes",
            &format!(
                "WITH {} INSERT INTO agent_inboxes (agent_id, inbox_id) \
                 SELECT i, (i - 1) % 3 + 1 FROM n UNION ALL SELECT i, i % 3 + 1 FROM n WHERE i % 10 = 0",
                self.series(1, AGENTS)
            ),
        )
        .await?;
        self.exec(
            "agent_tokens",
            &format!(
                "INSERT INTO agent_tokens (agent_id, token_hash, label, created_at) \
                 VALUES ({}, '{token_hash}', 'bench', {now})",
                ADMIN.0
            ),
        )
        .await?;
        Ok(())
    }

    /// `bench_plan`: one row per conversation with everything the tables are made
    /// from, so that conversations, clocks, offers, items and the outbox agree.
    ///
    /// Conversation k belongs to customer (k + 1) / 2; customers come in three blocks,
    /// one per account (and inbox). A customer's first conversation ended 46.5 to 88
    /// days ago, the second in the last 45 days, or (one customer in C / `--open`) is
    /// open now, its last message up to 10 hours old. Items alternate in, out, in … when
    /// the wait was answered (the first reply answers it), all in when it was not.
    async fn plan(&mut self, args: &DashboardArgs) -> anyhow::Result<()> {
        let (c, k, now) = (args.customers, 2 * args.customers, self.now);
        let (base, extra) = (args.items / k, args.items % k);
        let open_every = (c / args.open.clamp(1, (c / 10).max(1))).max(1);
        let (lo1, hi1) = (now - 88 * DAY, now - 46 * DAY - 12 * HOUR);
        let (lo2, hi2) = (now - 45 * DAY, now - MINUTE);
        let big = |p1: i64, p2: i64| format!("({} * 1000003 + {})", h("i", p1), h("i", p2));
        let off = |p: &str| format!("CASE WHEN {p} <= 0 THEN 0 ELSE wait + ({p} - 1) * gap END");
        let pk = if self.pg { "BIGINT" } else { "INTEGER" };
        self.exec(
            "the plan",
            &format!(
                "CREATE TEMP TABLE bench_plan (id {pk} PRIMARY KEY, customer BIGINT, account BIGINT, \
                 target BIGINT, is_open BIGINT, met BIGINT, wait BIGINT, gap BIGINT, n BIGINT, ended BIGINT, \
                 opened BIGINT, last_in BIGINT, last_item BIGINT, closed BIGINT, agent BIGINT, \
                 offer_agent BIGINT, echo BIGINT)"
            ),
        )
        .await?;
        let sql = format!(
            "WITH {series}, \
             d1 AS (SELECT i AS id, (i + 1) / 2 AS customer, (((i + 1) / 2 - 1) * 3) / {c} + 1 AS account, \
               CASE WHEN i % 2 = 0 AND ((i + 1) / 2) % {open_every} = 0 THEN 1 ELSE 0 END AS is_open, \
               {h_state} % 100 AS h_state, {h_wait} % 100 AS h_wait, {w_value} AS w_value, \
               20000 + {h_gap} % 580000 AS gap, {h_end} % 100 AS h_end, {h_who} % 100 AS h_who, \
               {h_echo} % 10 AS h_echo, {h_agent} AS h_agent, {h_agent2} AS h_agent2, \
               {h_close} AS h_close, {base} + CASE WHEN i - 1 < {extra} THEN 1 ELSE 0 END AS n, \
               {r_time} AS r_time FROM n), \
             d2 AS (SELECT d1.*, CASE account WHEN 1 THEN 3600 WHEN 2 THEN 1800 ELSE 7200 END AS target, \
               CASE WHEN is_open = 1 THEN CASE WHEN h_state >= 40 THEN 1 ELSE 0 END \
                    ELSE CASE WHEN h_state >= 2 THEN 1 ELSE 0 END END AS met FROM d1), \
             d3 AS (SELECT d2.*, \
               CASE WHEN met = 0 THEN gap \
                    WHEN h_wait < 45 THEN 5000 + w_value % 115000 \
                    WHEN h_wait < 75 THEN 120000 + w_value % 780000 \
                    WHEN h_wait < 90 THEN 900000 + w_value % 2700000 \
                    WHEN h_wait < 97 THEN 3600000 + w_value % 10800000 \
                    ELSE 14400000 + w_value % 28800000 END AS wait, \
               CASE WHEN is_open = 1 THEN 0 WHEN met = 0 OR h_end < 15 THEN 2 ELSE 1 END AS ended, \
               CASE WHEN met = 1 THEN (n - 1) - ((n - 1) % 2) ELSE n - 1 END AS li_pos, \
               CASE WHEN (is_open = 1 AND h_who < 15) OR (is_open = 0 AND met = 1 AND h_who >= 10) \
                    THEN 3 * (h_agent % 66) + account END AS agent, \
               CASE WHEN is_open = 1 AND h_who >= 15 AND h_who < 17 \
                    THEN 3 * (5 * (h_agent % 13) + h_agent2 % 3) + account END AS offer_agent FROM d2), \
             d4 AS (SELECT d3.*, {li_off} AS li_off, {last_off} AS last_off FROM d3), \
             d5 AS (SELECT d4.*, CASE ended WHEN 2 THEN li_off + 86400000 \
               WHEN 1 THEN last_off + 60000 + h_close % 1740000 ELSE 0 END AS close_off FROM d4), \
             d6 AS (SELECT d5.*, CASE WHEN is_open = 1 THEN {now} - last_off - 60000 - r_time % 36000000 \
               WHEN id % 2 = 1 THEN {lo1} + r_time % {span1} - close_off \
               ELSE {lo2} + r_time % {span2} - close_off END AS opened FROM d5) \
             INSERT INTO bench_plan (id, customer, account, target, is_open, met, wait, gap, n, ended, \
               opened, last_in, last_item, closed, agent, offer_agent, echo) \
             SELECT id, customer, account, target, is_open, met, wait, gap, n, ended, opened, \
               opened + li_off, opened + last_off, CASE WHEN is_open = 0 THEN opened + close_off END, \
               agent, offer_agent, CASE WHEN met = 1 AND agent IS NOT NULL AND h_echo = 0 THEN 1 ELSE 0 END \
             FROM d6",
            series = self.series(1, k),
            h_state = h("i", 7919),
            h_wait = h("i", 104729),
            w_value = big(1299709, 15485867),
            h_gap = h("i", 15485863),
            h_end = h("i", 179424673),
            h_who = h("i", 86028121),
            h_echo = h("i", 373587883),
            h_agent = h("i", 67867967),
            h_agent2 = h("i", 86028157),
            h_close = h("i", 256203161),
            r_time = big(32452843, 49979693),
            li_off = off("li_pos"),
            last_off = off("n - 1"),
            span1 = hi1 - lo1,
            span2 = hi2 - lo2,
        );
        self.step("plan (one row per conversation)", &sql).await
    }

    /// Items `lo..=hi` with their outbox rows and the deliveries of the incoming
    /// ones, in one transaction.
    async fn items(&mut self, args: &DashboardArgs, lo: i64, hi: i64) -> anyhow::Result<()> {
        let k = 2 * args.customers;
        let (base, extra) = (args.items / k, args.items % k);
        let big = extra * (base + 1);
        let began = Instant::now();
        let order = format!("(({}) * 7 + id) % {ORDER_NUMBERS}", h("id", 86028121));
        let items = format!(
            "WITH {series}, \
             m AS (SELECT i AS id, \
               CASE WHEN i - 1 < {big} THEN (i - 1) / {b1} ELSE {extra} + (i - 1 - {big}) / {base} END + 1 AS conv, \
               CASE WHEN i - 1 < {big} THEN (i - 1) % {b1} ELSE (i - 1 - {big}) % {base} END AS pos FROM n), \
             x AS (SELECT m.id, m.pos, p.id AS conv, p.account, p.customer, p.is_open, p.echo, \
               CASE WHEN m.pos = 0 THEN p.opened ELSE p.opened + p.wait + (m.pos - 1) * p.gap END AS at, \
               CASE WHEN p.met = 1 AND m.pos % 2 = 1 THEN 1 ELSE 0 END AS out, {hs} % 1000 AS hs \
               FROM m JOIN bench_plan p ON p.id = m.conv) \
             INSERT INTO timeline_items (id, account_id, customer_id, conversation_id, kind, direction, source, \
               mid, text, status, created_at, received_at) \
             SELECT id, account, customer, conv, 'message', CASE WHEN out = 1 THEN 'out' ELSE 'in' END, \
               CASE WHEN out = 0 THEN 'customer' WHEN echo = 1 THEN 'instagram_app' ELSE 'igdesk' END, \
               'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwM' || CAST(id AS TEXT), \
               CASE WHEN out = 0 THEN 'Message ' || CAST(id AS TEXT) || ': is the ' || {colour} || ' ' || {product} \
                      || ' still available in M, and do you ship to ' || {city} || '? Order ' || CAST(100000 + {order} AS TEXT) \
                    ELSE 'Reply ' || CAST(id AS TEXT) || ': yes, the ' || {colour} || ' ' || {product} \
                      || ' is in stock in M, and we ship to ' || {city} || ' in 3 to 5 days.' END, \
               CASE WHEN out = 0 THEN 'received' WHEN echo = 1 THEN 'sent' WHEN hs < 5 THEN 'failed' \
                    WHEN is_open = 1 AND hs < 15 THEN 'queued' ELSE 'sent' END, at, at FROM x",
            series = self.series(lo, hi),
            b1 = base + 1,
            hs = h("m.id", 122949829),
            colour = pick(&COLOURS, &h("id", 15485867)),
            product = pick(&PRODUCTS, &h("id", 32452843)),
            city = pick(&CITIES, &h("id", 49979693)),
        );
        // Messages igdesk sent (not the Instagram app's echoes): sent, a few failed for
        // good, a few still queued; one in a hundred a private reply to a comment.
        let outgoing = format!(
            "INSERT INTO outgoing (item_id, account_id, customer_id, lane, author, message, comment_id, state, \
               attempts, error, queued_at, sent_at, failed_at) \
             SELECT t.id, t.account_id, t.customer_id, \
               CASE WHEN p.agent IS NULL THEN 'api' ELSE 'console' END, \
               CASE WHEN p.agent IS NULL THEN 'automatic' ELSE 'human' END, \
               '{{\"text\":\"' || t.text || '\"}}', \
               CASE WHEN t.id % 100 = 7 THEN 'c' || CAST(t.id AS TEXT) END, t.status, \
               CASE WHEN t.status = 'queued' THEN 0 ELSE 1 END, \
               CASE WHEN t.status = 'failed' THEN CASE WHEN t.id % 2 = 0 \
                 THEN '(#551) This person isn''t available right now.' \
                 ELSE '(#10) This message is sent outside of allowed window.' END END, \
               t.created_at, CASE WHEN t.status = 'sent' THEN t.created_at + 300 + t.id % 1200 END, \
               CASE WHEN t.status = 'failed' THEN t.created_at + 2000 END \
             FROM timeline_items t JOIN bench_plan p ON p.id = t.conversation_id \
             WHERE t.id BETWEEN {lo} AND {hi} AND t.direction = 'out' AND t.source = 'igdesk'"
        );
        // Meta's webhook for each incoming message, as igdesk keeps it (processed).
        let body =
            "'{\"object\":\"instagram\",\"entry\":[{\"time\":' || CAST(t.created_at AS TEXT) || \
             ',\"id\":\"' || CAST(17841400000000000 + t.account_id AS TEXT) || \
             '\",\"messaging\":[{\"sender\":{\"id\":\"' || CAST(17000000000000000 + t.customer_id AS TEXT) || \
             '\"},\"recipient\":{\"id\":\"' || CAST(17841400000000000 + t.account_id AS TEXT) || \
             '\"},\"timestamp\":' || CAST(t.created_at AS TEXT) || ',\"message\":{\"mid\":\"' || t.mid || \
             '\",\"text\":\"' || t.text || '\"}}]}]}'";
        let body = if self.pg {
            format!("convert_to({body}, 'UTF8')")
        } else {
            format!("CAST({body} AS BLOB)")
        };
        let deliveries = format!(
            "INSERT INTO deliveries (received_at, body, status, processed_at) \
             SELECT t.created_at, {body}, 'processed', t.created_at + 40 FROM timeline_items t \
             WHERE t.id BETWEEN {lo} AND {hi} AND t.direction = 'in' ORDER BY t.id"
        );
        let mut tx = self.conn.begin().await?;
        let n_items = (&mut *tx)
            .execute(items.as_str())
            .await
            .context("generating items")?;
        let n_out = (&mut *tx)
            .execute(outgoing.as_str())
            .await
            .context("generating outgoing")?;
        let n_in = (&mut *tx)
            .execute(deliveries.as_str())
            .await
            .context("generating deliveries")?;
        tx.commit().await?;
        println!(
            "  items {lo}–{hi}: {} items, {} outgoing, {} deliveries {:>8.1} s",
            n_items.rows_affected(),
            n_out.rows_affected(),
            n_in.rows_affected(),
            began.elapsed().as_secs_f64()
        );
        Ok(())
    }

    /// A few hundred notes over the 90 days (events recorded, not processed).
    async fn notes(&mut self) -> anyhow::Result<()> {
        let first = self
            .count("SELECT COALESCE(MIN(id), 0) FROM deliveries")
            .await?;
        let deliveries = self.count("SELECT COUNT(*) FROM deliveries").await?.max(1);
        let sql = format!(
            "WITH {} INSERT INTO event_notes (delivery_id, account_id, kind, reason, raw, created_at) \
             SELECT {first} + (i * 9973) % {deliveries}, CASE WHEN i % 4 = 0 THEN NULL ELSE i % 3 + 1 END, \
             CASE i % 4 WHEN 0 THEN 'unknown_account' WHEN 1 THEN 'own_action' \
               WHEN 2 THEN 'unhandled_change' ELSE 'malformed_event' END, \
             'bench note ' || CAST(i AS TEXT), '{{\"bench\":' || CAST(i AS TEXT) || '}}', \
             {} - i * {} FROM n",
            self.series(1, 300),
            self.now,
            90 * DAY / 300
        );
        self.step("event_notes", &sql).await
    }

    /// The rollups, by migration 0009's own backfill statements.
    async fn rollups(&mut self) -> anyhow::Result<()> {
        let migration = if self.pg { POSTGRES_0009 } else { SQLITE_0009 };
        let waits = backfill(
            migration,
            "INSERT INTO wait_hours",
            "GROUP BY inbox_id, bucket;",
        )?;
        let intake = backfill(
            migration,
            "INSERT INTO intake_minutes",
            "GROUP BY received_at - received_at % 60000;",
        )?;
        self.step("wait_hours, wait_totals (0009)", waits).await?;
        self.step("intake_minutes (0009)", intake).await
    }

    /// What a server settles into after such a load: PostgreSQL's autovacuum would
    /// vacuum and analyze these tables; SQLite's log is checkpointed.
    async fn settle(&mut self) -> anyhow::Result<()> {
        let began = Instant::now();
        if self.pg {
            for table in [
                "inboxes",
                "accounts",
                "agents",
                "customers",
                "conversations",
                "timeline_items",
                "sla_clocks",
            ] {
                self.exec(
                    "sequences",
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                    ),
                )
                .await?;
            }
            self.exec("VACUUM ANALYZE", "VACUUM ANALYZE").await?;
        } else {
            self.exec("a checkpoint", "PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
        }
        println!(
            "  {:<34} {:>17} {:>8.1} s",
            if self.pg {
                "VACUUM ANALYZE"
            } else {
                "checkpoint"
            },
            "",
            began.elapsed().as_secs_f64()
        );
        Ok(())
    }

    pub(super) async fn counts(&mut self) -> anyhow::Result<Vec<(&'static str, i64)>> {
        let mut counts = Vec::new();
        for (name, sql) in [
            ("inboxes", "SELECT COUNT(*) FROM inboxes"),
            ("accounts", "SELECT COUNT(*) FROM accounts"),
            ("agents", "SELECT COUNT(*) FROM agents"),
            ("agents available", "SELECT COUNT(*) FROM agents WHERE available = 1"),
            ("agent_inboxes", "SELECT COUNT(*) FROM agent_inboxes"),
            ("customers", "SELECT COUNT(*) FROM customers"),
            ("conversations", "SELECT COUNT(*) FROM conversations"),
            ("conversations open", "SELECT COUNT(*) FROM conversations WHERE state = 'open'"),
            (
                "conversations open, assigned",
                "SELECT COUNT(*) FROM conversations WHERE state = 'open' AND agent_id IS NOT NULL",
            ),
            ("offers", "SELECT COUNT(*) FROM offers"),
            ("timeline_items", "SELECT COUNT(*) FROM timeline_items"),
            ("outgoing", "SELECT COUNT(*) FROM outgoing"),
            ("outgoing failed", "SELECT COUNT(*) FROM outgoing WHERE state = 'failed'"),
            ("outgoing queued", "SELECT COUNT(*) FROM outgoing WHERE state = 'queued'"),
            ("sla_clocks", "SELECT COUNT(*) FROM sla_clocks"),
            ("sla_clocks unmet", "SELECT COUNT(*) FROM sla_clocks WHERE met_at IS NULL"),
            (
                "sla_clocks unmet, closed",
                "SELECT COUNT(*) FROM sla_clocks s JOIN conversations c ON c.id = s.conversation_id \
                 WHERE s.met_at IS NULL AND c.state = 'closed'",
            ),
            ("wait_hours", "SELECT COUNT(*) FROM wait_hours"),
            ("wait_totals", "SELECT COUNT(*) FROM wait_totals"),
            ("wait_totals answered", "SELECT CAST(COALESCE(SUM(answered), 0) AS BIGINT) FROM wait_totals"),
            ("intake_minutes", "SELECT COUNT(*) FROM intake_minutes"),
            ("deliveries", "SELECT COUNT(*) FROM deliveries"),
            ("event_notes", "SELECT COUNT(*) FROM event_notes"),
        ] {
            counts.push((name, self.count(sql).await?));
        }
        Ok(counts)
    }
}

/// The statements of a migration from the one starting with `from` to the end of
/// the one ending with `to`.
fn backfill<'m>(migration: &'m str, from: &str, to: &str) -> anyhow::Result<&'m str> {
    let start = migration
        .find(from)
        .with_context(|| format!("0009 has no `{from}`"))?;
    let end = migration[start..]
        .find(to)
        .with_context(|| format!("0009 has no `{to}` after `{from}`"))?;
    Ok(&migration[start..start + end + to.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backfills_are_the_migrations_own() {
        for migration in [SQLITE_0009, POSTGRES_0009] {
            let waits = backfill(
                migration,
                "INSERT INTO wait_hours",
                "GROUP BY inbox_id, bucket;",
            )
            .unwrap();
            assert!(waits.contains("INSERT INTO wait_totals"), "{waits}");
            assert!(
                waits.contains("FROM sla_clocks WHERE met_at IS NOT NULL"),
                "{waits}"
            );
            let intake = backfill(
                migration,
                "INSERT INTO intake_minutes",
                "GROUP BY received_at - received_at % 60000;",
            )
            .unwrap();
            assert!(intake.contains("FROM deliveries"), "{intake}");
        }
    }

    #[test]
    fn percentiles_count_every_call() {
        let t = times((1..=100).map(Duration::from_millis).collect(), 2);
        assert_eq!(t.p50, Duration::from_millis(51));
        assert_eq!(t.p99, Duration::from_millis(100));
        assert_eq!((t.calls, t.failures), (100, 2));
    }
}
