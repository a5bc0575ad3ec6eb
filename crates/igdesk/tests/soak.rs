//! A hundred crashes (`scripts/soak`): `igdesk serve` runs under mixed load —
//! customers writing through the simulator (which delivers again until igdesk
//! answers 200, as Meta does), an agent replying from the console, an API user
//! sending with `POST /v1.0/message`, igdesk posting signed webhooks to a receiver
//! that refuses some — and is killed with SIGKILL at random moments, sometimes while
//! it starts, and started again. Meanwhile Meta is sometimes slow to send, or
//! carries a send out but answers late. Then, after the last restart: every
//! acknowledged delivery was processed exactly once; every accepted reply and API
//! message reached Meta exactly once, in order per customer (0 sent twice), save the
//! interrupted attempts whose fate could not be told (Meta lists only a thread's 20
//! newest messages and no echo came), which fail visibly and never reached Meta;
//! every webhook owed reached the receiver at least once under one `webhook-id`
//! (repeats are the receiver's to drop); no job is left.
//!
//! `IGDESK_SOAK_CRASHES` (default 6, so `cargo test` stays short) sets the number of
//! kills, `IGDESK_SOAK_SEED` the seed of every random choice (printed). The figures
//! are printed; `cargo test --release -p igdesk --test soak -- --nocapture` shows them.

mod common;
#[path = "soak/load.rs"]
mod load;
#[path = "soak/receiver.rs"]
mod receiver;
#[path = "soak/server.rs"]
mod server;

use common::process::{add_account, add_admin, free_port, serve_env};
use common::start_simulator;
use igdesk_igs::{BusinessAccount, Fault};
use load::{Ledger, Outcome, Target, Written};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use receiver::Receiver;
use serde_json::{json, Value};
use server::{get, Serve};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The account agents answer from the console.
const CONSOLE: &str = "17841400000000301";
/// The account whose customers the API user's bot has.
const API: &str = "17841400000000302";
const CUSTOMERS_PER_ACCOUNT: usize = 6;
/// The receiver refuses one webhook in this many.
const REFUSE_ONE_IN: u32 = 8;

/// Kills and restarts one at a time: the figures are each backend's own.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashes_lose_and_double_nothing_on_sqlite() {
    let _one = ONE_AT_A_TIME.lock().await;
    soak("sqlite", None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashes_lose_and_double_nothing_on_postgres() {
    let _one = ONE_AT_A_TIME.lock().await;
    let url = igdesk_store::testing::fresh_postgres_url().await;
    soak("postgres", Some(url)).await;
}

fn crashes() -> usize {
    std::env::var("IGDESK_SOAK_CRASHES")
        .ok()
        .map(|v| v.parse().expect("IGDESK_SOAK_CRASHES is a number"))
        .unwrap_or(6)
}

fn seed() -> u64 {
    match std::env::var("IGDESK_SOAK_SEED") {
        Ok(v) => v.parse().expect("IGDESK_SOAK_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    }
}

/// What the crash loop did.
#[derive(Default)]
struct Crashes {
    total: usize,
    while_starting: usize,
    /// From spawning `igdesk serve` to its first ready answer, summed.
    startup: Duration,
    startups: u32,
}

async fn soak(backend: &str, database_url: Option<String>) {
    let crashes = crashes();
    let seed = seed();
    println!("soak on {backend}: {crashes} crashes, IGDESK_SOAK_SEED={seed}");
    let began = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (sim, igs_url) =
        start_simulator(format!("http://127.0.0.1:{port}/webhooks/instagram")).await;
    let mut extra = vec![
        ("IGDESK_SEND_LIMIT", "100000"),
        // Interrupted sends are settled from Meta's record soon, not after 30 s.
        ("IGDESK_ECHO_GRACE_SECONDS", "2"),
        ("IGDESK_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("IGDESK_METRICS_TOKEN", common::METRICS_TOKEN),
    ];
    if let Some(url) = &database_url {
        extra.push(("IGDESK_DATABASE_URL", url));
    }
    let envs = serve_env(dir.path(), &igs_url, &extra);
    for (i, ig_id) in [CONSOLE, API].into_iter().enumerate() {
        let page_id = format!("10000000000030{i}");
        let token = format!("EAAB-soak-{i}");
        sim.add_business(BusinessAccount {
            ig_id: ig_id.into(),
            page_id: page_id.clone(),
            username: format!("shop{i}"),
            page_token: token.clone(),
            instagram_token: format!("IGQV-soak-{i}"),
        });
        add_account(&envs, ig_id, &page_id, &token);
    }
    let token = add_admin(&envs);
    let log = dir.path().join("igdesk.log");
    let mut server = Serve::spawn(&envs, port, &log);
    server.ready().await;
    let url = server.url.clone();

    // The API account sends its webhooks to the receiver; the API user has a token.
    let receiver = Receiver::start(seed ^ 0x5eed, REFUSE_ONE_IN).await;
    let accounts = get(&url, &token, "/api/v1/accounts").await;
    let account = |ig_id: &str| {
        accounts["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["ig_id"] == ig_id)
            .and_then(|a| a["id"].as_i64())
            .unwrap()
    };
    let api_account = account(API);
    let http = reqwest::Client::new();
    let settings = json!({
        "inbound_url": format!("{}/inbound", receiver.url),
        "status_url": format!("{}/status", receiver.url),
        "handover": "agents",
    });
    let answer = http
        .put(format!("{url}/api/v1/accounts/{api_account}/api"))
        .bearer_auth(&token)
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let made: Value = http
        .post(format!(
            "{url}/api/v1/accounts/{api_account}/product-tokens"
        ))
        .bearer_auth(&token)
        .json(&json!({ "name": "soak" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let product_token = made["token"].as_str().expect("a product token").to_owned();

    // Every customer writes first (nobody is messaged who never wrote).
    let target = Target::new(sim.clone(), url.clone(), token.clone(), product_token);
    let console: Vec<String> = (0..CUSTOMERS_PER_ACCOUNT)
        .map(|c| format!("71{c:02}"))
        .collect();
    let api: Vec<String> = (0..CUSTOMERS_PER_ACCOUNT)
        .map(|c| format!("72{c:02}"))
        .collect();
    for igsid in &console {
        target.customer_writes(CONSOLE, igsid, "hello".into()).await;
    }
    for igsid in &api {
        target.customer_writes(API, igsid, "hello".into()).await;
    }
    let mut ids: BTreeMap<String, i64> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while ids.len() < console.len() + api.len() {
        for igsid in console.iter().chain(&api) {
            let found = get(&url, &token, &format!("/api/v1/customers?igsid={igsid}")).await;
            if let Some(id) = found["data"][0]["id"].as_i64() {
                ids.insert(igsid.clone(), id);
            }
        }
        assert!(Instant::now() < deadline, "customers not all taken in");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let console_ids: Vec<(String, i64)> = console.iter().map(|c| (c.clone(), ids[c])).collect();
    let tasks = load::start(&target, seed, (CONSOLE, &console_ids), (API, &api));

    // Kill at random moments: mostly while serving, sometimes while starting.
    let mut done = Crashes::default();
    let crash_loop = Instant::now();
    while done.total < crashes {
        sim.set_fault(match rng.gen_range(0..3) {
            0 => None,
            1 => Some(Fault::SendSlow {
                millis: rng.gen_range(10..80),
            }),
            _ => Some(Fault::SendAnswerSlow {
                millis: rng.gen_range(100..600),
            }),
        });
        tokio::time::sleep(Duration::from_millis(rng.gen_range(150..1500))).await;
        server.kill();
        done.total += 1;
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..200))).await;
        server = Serve::spawn(&envs, port, &log);
        if done.total < crashes && rng.gen_ratio(1, 8) {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(0..300))).await;
            server.kill();
            done.total += 1;
            done.while_starting += 1;
            server = Serve::spawn(&envs, port, &log);
        }
        let startup = server.ready().await;
        done.startup += startup;
        done.startups += 1;
    }
    let crash_loop = crash_loop.elapsed();
    let last_restart = Instant::now();
    sim.set_fault(None);
    target.stop.store(true, Ordering::SeqCst);
    for task in tasks {
        task.await.unwrap();
    }

    let database_url = &envs
        .iter()
        .rev()
        .find(|(k, _)| k == "IGDESK_DATABASE_URL")
        .unwrap()
        .1;
    let drain = drain(
        database_url,
        &url,
        &token,
        api_account,
        &ids,
        &target,
        &receiver,
    )
    .await;
    let drained_in = last_restart.elapsed();

    let ledger = std::mem::take(&mut *target.ledger.lock().unwrap());
    let mut report = Report::default();
    check_deliveries(&url, &token, &ids, &ledger, &mut report).await;
    let untold = check_timelines(&url, &token, &ids, &mut report).await;
    check_sends(&sim, &ledger, &untold, &mut report);
    check_webhooks(&receiver, &ledger, &api, &sim, &untold, &mut report);
    let backlog = match drain {
        Ok(backlog) => backlog,
        Err(stuck) => {
            report.problems.push(stuck.clone());
            stuck
        }
    };
    let stats = get(&url, &token, "/api/v1/intake/stats").await;
    if !stats["dead_jobs"].as_array().unwrap().is_empty() {
        report
            .problems
            .push(format!("dead jobs: {}", stats["dead_jobs"]));
    }
    let repaired = server::metric(&url, "igdesk_send_queues_repaired_total").await;

    let mut out = String::new();
    let startups = done.startups.max(1);
    let _ = writeln!(
        out,
        "soak on {backend}: IGDESK_SOAK_SEED={seed}\n  \
         crashes: {} ({} while starting) in {:.1} s of load; startup to ready {:.0} ms on average",
        done.total,
        done.while_starting,
        crash_loop.as_secs_f64(),
        done.startup.as_secs_f64() * 1000.0 / f64::from(startups),
    );
    out.push_str(&report.figures);
    let _ = writeln!(
        out,
        "  drained {:.1} s after the last restart (left then: {backlog}); queues repaired by \
         upkeep since: {repaired}; whole run {:.1} s",
        drained_in.as_secs_f64(),
        began.elapsed().as_secs_f64(),
    );
    println!("{out}");
    server::show_log_on_failure(&log, !report.problems.is_empty());
    assert!(
        report.problems.is_empty(),
        "the soak on {backend} (IGDESK_SOAK_SEED={seed}) found:\n{}",
        report.problems.join("\n")
    );
}

#[derive(Default)]
struct Report {
    figures: String,
    problems: Vec<String>,
}

/// Waits until nothing is left to do: deliveries processed, every accepted message
/// at Meta (or failed as untold), every webhook acknowledged, no job waiting. An
/// error says what is stuck.
async fn drain(
    database_url: &str,
    url: &str,
    token: &str,
    api_account: i64,
    ids: &BTreeMap<String, i64>,
    target: &Target,
    receiver: &Receiver,
) -> Result<String, String> {
    let started = Instant::now();
    let mut backlog = None;
    let deadline = started + Duration::from_secs(240);
    let mut said = 0;
    loop {
        let stats = get(url, token, "/api/v1/intake/stats").await;
        let api = get(url, token, &format!("/api/v1/accounts/{api_account}/api")).await;
        let sent: std::collections::HashSet<String> = target
            .sim
            .sent()
            .into_iter()
            .filter_map(|m| m.text)
            .collect();
        let unsent: Vec<String> = {
            let ledger = target.ledger.lock().unwrap();
            ledger
                .replies
                .values()
                .chain(ledger.api.values())
                .flatten()
                .filter(|w| w.outcome == Outcome::Accepted && !sent.contains(&w.text))
                .map(|w| w.text.clone())
                .collect()
        };
        let pending_deliveries = stats["deliveries"]["pending"].as_i64().unwrap_or(0);
        let pending_jobs = stats["pending_jobs"].as_i64().unwrap_or(-1);
        let webhooks_pending = api["webhooks_pending"].as_i64().unwrap_or(-1);
        // What the load left behind when it stopped, right after the last restart.
        let backlog = backlog.get_or_insert_with(|| {
            format!(
                "{pending_deliveries} deliveries, {pending_jobs} jobs, {webhooks_pending} \
                 webhooks, {} accepted messages not yet at Meta",
                unsent.len()
            )
        });
        // With no job left nothing more will go: what is not at Meta must be the
        // attempts that failed as untold (check_sends then checks they never went).
        let idle = pending_deliveries == 0 && pending_jobs == 0 && webhooks_pending == 0;
        if idle {
            let untold = match unsent.is_empty() {
                true => HashSet::new(),
                false => untold_failures(url, token, ids).await,
            };
            if unsent.iter().all(|text| untold.contains(text)) {
                return Ok(backlog.clone());
            }
        }
        let unsent = unsent.len();
        // What is left, every 10 s while it drains.
        if started.elapsed().as_secs() / 10 > said {
            said = started.elapsed().as_secs() / 10;
            println!(
                "  draining, {} s: {pending_deliveries} deliveries pending, {pending_jobs} jobs, \
                 {webhooks_pending} webhooks, {unsent} accepted messages not at Meta: {}",
                started.elapsed().as_secs(),
                server::left(database_url).await
            );
        }
        if Instant::now() > deadline {
            return Err(format!(
                "stuck 240 s after the last restart: {pending_deliveries} deliveries pending, \
                 {pending_jobs} jobs, {webhooks_pending} webhooks, {unsent} accepted messages \
                 not at Meta ({} webhooks received)",
                receiver.got().len()
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every customer's whole timeline, oldest first.
async fn timeline(url: &str, token: &str, customer: i64) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut before = String::new();
    loop {
        let path = format!("/api/v1/customers/{customer}/timeline?limit=200{before}");
        let page = get(url, token, &path).await;
        pages.push(page["data"].as_array().unwrap().clone());
        match page["next"].as_str() {
            Some(next) => before = format!("&before={next}"),
            None => break,
        }
    }
    pages.into_iter().rev().flatten().collect()
}

/// Every acknowledged delivery became exactly one timeline item, and nothing else did.
async fn check_deliveries(
    url: &str,
    token: &str,
    ids: &BTreeMap<String, i64>,
    ledger: &Ledger,
    report: &mut Report,
) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for id in ids.values() {
        for item in timeline(url, token, *id).await {
            if item["direction"] == "in" {
                *seen
                    .entry(item["mid"].as_str().unwrap_or("").to_owned())
                    .or_default() += 1;
            }
        }
    }
    let acked: Vec<&String> = ledger.acked.values().flatten().collect();
    let missing = acked.iter().filter(|m| !seen.contains_key(**m)).count();
    let twice: usize = seen.values().map(|n| n - 1).sum();
    let unknown = seen.keys().filter(|m| !acked.contains(m)).count();
    if missing > 0 || twice > 0 || unknown > 0 {
        report.problems.push(format!(
            "deliveries: {missing} acknowledged but not processed, {twice} processed twice, \
             {unknown} items nobody delivered"
        ));
    }
    let _ = writeln!(
        report.figures,
        "  deliveries: {} acknowledged ({} POSTs by Meta, {} failed while igdesk was down and \
         were retried); processed twice: {twice}, lost: {missing}",
        acked.len(),
        ledger.delivery_attempts,
        ledger.delivery_failures,
    );
}

/// Each customer's messages at Meta: accepted ones exactly once, ones whose answer was
/// lost at most once, refused ones never, all in the order written.
fn check_sends(
    sim: &igdesk_igs::Simulator,
    ledger: &Ledger,
    untold: &HashSet<String>,
    report: &mut Report,
) {
    let sent = sim.sent();
    let mut sent_twice = 0;
    for (what, written) in [("replies", &ledger.replies), ("API messages", &ledger.api)] {
        let mut counts = [0usize; 3];
        let (mut unknown_sent, mut failed_untold) = (0, 0);
        for (igsid, list) in written {
            let at_meta: Vec<&str> = sent
                .iter()
                .filter(|m| &m.recipient_igsid == igsid)
                .filter_map(|m| m.text.as_deref())
                .collect();
            let position: HashMap<&str, usize> = list
                .iter()
                .enumerate()
                .map(|(i, w)| (w.text.as_str(), i))
                .collect();
            let mut times: HashMap<&str, usize> = HashMap::new();
            let mut last = None;
            for text in &at_meta {
                *times.entry(text).or_default() += 1;
                let Some(&at) = position.get(text) else {
                    report
                        .problems
                        .push(format!("{igsid}: {text:?} at Meta was never written"));
                    continue;
                };
                if last.is_some_and(|l| at <= l) {
                    report
                        .problems
                        .push(format!("{igsid}: {text:?} reached Meta out of order"));
                }
                last = Some(at);
            }
            for w in list {
                let n = times.get(w.text.as_str()).copied().unwrap_or(0);
                sent_twice += n.saturating_sub(1);
                let untold = untold.contains(&w.text);
                if untold && n > 0 {
                    report.problems.push(format!(
                        "{igsid}: {:?} failed as untold, yet reached Meta",
                        w.text
                    ));
                }
                failed_untold += usize::from(untold && w.outcome == Outcome::Accepted);
                let wrong = match w.outcome {
                    Outcome::Accepted => n != 1 && !(n == 0 && untold),
                    Outcome::Unknown => n > 1,
                    Outcome::Refused => n != 0,
                };
                if wrong {
                    report.problems.push(format!(
                        "{igsid}: {:?} ({:?}) reached Meta {n} times",
                        w.text, w.outcome
                    ));
                }
                counts[w.outcome as usize] += 1;
                unknown_sent += usize::from(w.outcome == Outcome::Unknown && n == 1);
            }
        }
        let _ = writeln!(
            report.figures,
            "  {what}: {} accepted: {} at Meta once each, in order, and {failed_untold} failed \
             as untold (never sent); {} unanswered by a dying igdesk ({unknown_sent} of them \
             taken and sent once); {} refused while it was down",
            counts[Outcome::Accepted as usize],
            counts[Outcome::Accepted as usize] - failed_untold,
            counts[Outcome::Unknown as usize],
            counts[Outcome::Refused as usize],
        );
    }
    // Interrupted attempts are settled by an echo or, failing one, by Meta's record.
    let asked = sim
        .calls()
        .iter()
        .filter(|c| c.path.ends_with("/conversations") && c.query.contains_key("user_id"))
        .count();
    let _ = writeln!(
        report.figures,
        "  sent twice: {sent_twice}; interrupted attempts checked in Meta's record (Conversations API) {asked} times"
    );
}

/// The marker of igdesk's one deliberate failure here: an interrupted attempt whose
/// fate neither Meta's record (it lists only a thread's 20 newest messages) nor an
/// echo could tell. It fails, visibly, rather than risk going out twice.
const CANNOT_TELL: &str = "whether it went out cannot be told";

/// The texts of the outgoing items that failed as untold.
async fn untold_failures(url: &str, token: &str, ids: &BTreeMap<String, i64>) -> HashSet<String> {
    let mut untold = HashSet::new();
    for id in ids.values() {
        let items = timeline(url, token, *id).await;
        untold.extend(items.iter().filter(|i| failed_as_untold(i)).map(text_of));
    }
    untold
}

fn failed_as_untold(item: &Value) -> bool {
    item["status"] == "failed"
        && item["failure"]
            .as_str()
            .unwrap_or_default()
            .contains(CANNOT_TELL)
}

fn text_of(item: &Value) -> String {
    item["text"].as_str().unwrap_or_default().to_owned()
}

/// igdesk's own record agrees: every outgoing item sent, none left queued, none
/// failed but for the attempts that could not be told. Returns those, by text.
async fn check_timelines(
    url: &str,
    token: &str,
    ids: &BTreeMap<String, i64>,
    report: &mut Report,
) -> HashSet<String> {
    let mut untold = HashSet::new();
    for (igsid, id) in ids {
        let items = timeline(url, token, *id).await;
        let mut unsettled = Vec::new();
        for item in items.iter().filter(|i| i["direction"] == "out") {
            if failed_as_untold(item) {
                untold.insert(text_of(item));
            } else if item["status"] != "sent" && item["status"] != "read" {
                unsettled.push(item);
            }
        }
        if !unsettled.is_empty() {
            report.problems.push(format!(
                "{igsid}: {} outgoing items not sent, first {}",
                unsettled.len(),
                unsettled[0]
            ));
        }
    }
    untold
}

/// Every webhook owed reached the receiver under one `webhook-id`, in order per
/// customer: an inbound message for each customer message on the API account, a
/// "delivered" report for each API message Meta took.
fn check_webhooks(
    receiver: &Receiver,
    ledger: &Ledger,
    api_customers: &[String],
    sim: &igdesk_igs::Simulator,
    untold: &HashSet<String>,
    report: &mut Report,
) {
    let got = receiver.got();
    // The first arrival of each id, in order; repeats are dropped by id.
    let mut first: Vec<&receiver::Got> = Vec::new();
    let mut ids: HashMap<&str, &Value> = HashMap::new();
    for g in &got {
        match ids.get(g.id.as_str()) {
            Some(body) if **body != g.body => report
                .problems
                .push(format!("webhook {} came twice with different bodies", g.id)),
            Some(_) => {}
            None => {
                ids.insert(&g.id, &g.body);
                first.push(g);
            }
        }
    }
    let dropped = got.len() - first.len();
    // What each webhook is about: a customer message (its mid) or a report (reference, code).
    let mut keys: HashMap<String, Vec<&str>> = HashMap::new();
    let mut inbound: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut reports: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for g in &first {
        let key = match g.path.as_str() {
            "/inbound" => {
                let mid = g.body["reference"].as_str().unwrap_or("").to_owned();
                let igsid = g.body["from"]["number"].as_str().unwrap_or("").to_owned();
                inbound.entry(igsid).or_default().push(mid.clone());
                format!("inbound {mid}")
            }
            _ => {
                let msg = &g.body["messages"]["msg"];
                let reference = msg["reference"].as_str().unwrap_or("").to_owned();
                let code = msg["status"]["code"].as_str().unwrap_or("").to_owned();
                let igsid = msg["to"].as_str().unwrap_or("").to_owned();
                let report = (reference.clone(), code.clone());
                reports.entry(igsid).or_default().push(report);
                format!("status {reference} {code}")
            }
        };
        keys.entry(key).or_default().push(&g.id);
    }
    let doubled: Vec<String> = keys
        .iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|(key, ids)| format!("{key} under {ids:?}"))
        .collect();
    if !doubled.is_empty() {
        report.problems.push(format!(
            "{} events came under two webhook-ids, e.g. {}",
            doubled.len(),
            doubled[0]
        ));
    }
    // Inbound: exactly the API account's acknowledged customer messages, in order.
    let mut lost = 0;
    for (igsid, acked) in ledger
        .acked
        .iter()
        .filter(|(c, _)| api_customers.contains(c))
    {
        let arrived = inbound.get(igsid).cloned().unwrap_or_default();
        lost += acked.iter().filter(|m| !arrived.contains(m)).count();
        if &arrived != acked && arrived.len() == acked.len() {
            report
                .problems
                .push(format!("{igsid}: inbound webhooks out of order"));
        }
    }
    // Status: "delivered" (2) for each API message Meta took and "failed" (3) for each
    // that failed as untold, in the order written; no other.
    let at_meta: HashSet<String> = sim.sent().into_iter().filter_map(|m| m.text).collect();
    for (igsid, written) in &ledger.api {
        let owed: Vec<(String, String)> = written
            .iter()
            .filter_map(|w: &Written| {
                let code = if at_meta.contains(&w.text) {
                    "2"
                } else if untold.contains(&w.text) {
                    "3"
                } else {
                    return None;
                };
                Some((w.reference.clone()?, code.to_owned()))
            })
            .collect();
        let arrived = reports.get(igsid).cloned().unwrap_or_default();
        if let Some(extra) = arrived.iter().find(|r| !owed.contains(r)) {
            report
                .problems
                .push(format!("{igsid}: a status report not owed: {extra:?}"));
        }
        lost += owed.iter().filter(|r| !arrived.contains(r)).count();
        if arrived.len() == owed.len() && arrived != owed {
            report
                .problems
                .push(format!("{igsid}: status reports out of order"));
        }
    }
    if lost > 0 {
        report.problems.push(format!("{lost} webhooks lost"));
    }
    let inbound_n: usize = inbound.values().map(Vec::len).sum();
    let status_n: usize = reports.values().map(Vec::len).sum();
    let _ = writeln!(
        report.figures,
        "  webhooks: {} owed and received ({inbound_n} inbound, {status_n} status), {} POSTs \
         acknowledged, {dropped} repeats dropped by webhook-id, {} refused by the receiver; \
         lost: {lost}, doubled under two ids: {}",
        first.len(),
        got.len(),
        receiver.refused(),
        doubled.len(),
    );
}
