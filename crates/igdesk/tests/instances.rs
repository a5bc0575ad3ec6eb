//! Two `igdesk serve` on one PostgreSQL database, as a business that outgrew one
//! machine runs them: Meta's webhooks split between them by a round-robin balancer,
//! an agent streaming from one while the router may run on the other, replies
//! through both, and one instance killed with SIGKILL in the middle. Every delivery
//! is processed once, no conversation is offered twice, every reply reaches Meta
//! once and in order.

mod common;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::live::LiveStream;
use common::process::{add_account, add_admin, add_person, free_port, serve_env, Server};
use common::{start_simulator, IG_ID, PAGE_TOKEN};
use igdesk_domain::AgentId;
use igdesk_igs::{Delivery, Event, Fault, Simulator};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CUSTOMERS: usize = 16;

/// A wake-up on one instance reaches the other through PostgreSQL's NOTIFY: an
/// agent's live stream there hears of it at once, not at its next poll.
#[tokio::test]
async fn a_live_wake_up_on_one_instance_is_heard_on_the_other() {
    let url = igdesk_store::testing::fresh_postgres_url().await;
    let (_sim, igs_url) = start_simulator("http://127.0.0.1:9/none".into()).await;
    let settings = || common::settings(url.clone(), "127.0.0.1:0".into(), &igs_url);
    let a = igdesk::server::start(settings(), None).await.unwrap();
    let b = igdesk::server::start(settings(), None).await.unwrap();
    let mut heard = b.app.wake.live.subscribe();
    // The listener may still be connecting: say it until it is heard.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        a.app.wake.live.agents([AgentId(7)]);
        match tokio::time::timeout(Duration::from_millis(500), heard.recv()).await {
            Ok(Ok(news)) => {
                assert!(news.concerns(AgentId(7)) && !news.concerns(AgentId(8)));
                break;
            }
            _ => assert!(Instant::now() < deadline, "instance B never heard A"),
        }
    }
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}

/// Meta's side of a balancer: each delivery goes to the next instance in turn; one
/// that does not answer gets a 502, and Meta delivers again later.
struct Balancer {
    targets: Vec<String>,
    next: AtomicUsize,
    http: reqwest::Client,
}

async fn forward(State(lb): State<Arc<Balancer>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let target = &lb.targets[lb.next.fetch_add(1, Ordering::Relaxed) % lb.targets.len()];
    let mut request = lb
        .http
        .post(format!("{target}/webhooks/instagram"))
        .body(body);
    for name in ["content-type", "x-hub-signature-256", "x-hub-signature"] {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value.as_bytes());
        }
    }
    match request.send().await {
        Ok(r) => StatusCode::from_u16(r.status().as_u16()).unwrap(),
        Err(_) => StatusCode::BAD_GATEWAY,
    }
}

async fn start_balancer(targets: Vec<String>) -> String {
    let lb = Arc::new(Balancer {
        targets,
        next: AtomicUsize::new(0),
        http: reqwest::Client::new(),
    });
    let app = axum::Router::new()
        .route("/webhooks/instagram", axum::routing::post(forward))
        .with_state(lb);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Delivers as Meta does: again until acknowledged.
async fn deliver(sim: &Simulator, event: Event) {
    let delivery = Delivery::new(IG_ID).push(event);
    let deadline = Instant::now() + Duration::from_secs(30);
    while sim.deliver(&delivery).await.unwrap_or(0) != 200 {
        assert!(Instant::now() < deadline, "never acknowledged");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn call(
    method: reqwest::Method,
    url: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    common::request(&reqwest::Client::new(), method, url, token, body).await
}

/// A customer's timeline as igdesk has it (both instances read the same database).
async fn timeline(url: &str, token: &str, customer: i64) -> Vec<Value> {
    let path = format!("{url}/api/v1/customers/{customer}/timeline?limit=200");
    let (status, page) = call(reqwest::Method::GET, &path, token, None).await;
    assert_eq!(status, 200, "{page}");
    page["data"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_share_the_work_and_survive_a_kill() {
    let database = igdesk_store::testing::fresh_postgres_url().await;
    let (port_a, port_b) = (free_port(), free_port());
    let (a_url, b_url) = (
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_b}"),
    );
    let balancer = start_balancer(vec![a_url.clone(), b_url.clone()]).await;
    let (sim, igs_url) = start_simulator(format!("{balancer}/webhooks/instagram")).await;
    let dir = tempfile::tempdir().unwrap();
    let env = serve_env(
        dir.path(),
        &igs_url,
        // The default echo grace: a dead instance's replies must leave in time
        // with the settings a business runs.
        &[("IGDESK_DATABASE_URL", database.as_str())],
    );
    add_account(&env, IG_ID, "100000000000001", PAGE_TOKEN);
    let admin = add_admin(&env);
    let alice = add_person(
        &env,
        "alice@example.com",
        "Alice",
        &["--inbox", "Instagram"],
    );
    // Migrations ran with the first command: the two start side by side.
    let mut a = Server::start(&env, port_a).await;
    let b = Server::start(&env, port_b).await;

    // Alice streams from B, with room for every conversation.
    let mut live = LiveStream::open(&b.url, &alice, None).await;
    let (_, me) = call(
        reqwest::Method::GET,
        &format!("{b_url}/api/v1/me"),
        &alice,
        None,
    )
    .await;
    let alice_id = me["id"].as_i64().unwrap();
    let capacity = json!({ "standard_capacity": 50, "max_capacity": 50 });
    let patch = format!("{a_url}/api/v1/agents/{alice_id}");
    let (status, body) = call(reqwest::Method::PATCH, &patch, &admin, Some(capacity)).await;
    assert_eq!(status, 200, "{body}");
    let available = json!({ "available": true });
    let path = format!("{b_url}/api/v1/me/availability");
    let (status, body) = call(reqwest::Method::PUT, &path, &alice, Some(available)).await;
    assert_eq!(status, 200, "{body}");

    // Each customer writes; the balancer gives the deliveries to A and B in turn.
    // Whichever instance routes, the offer reaches Alice on B; she accepts through
    // either.
    let customers: Vec<String> = (0..CUSTOMERS).map(|i| format!("{}", 7100 + i)).collect();
    let mut offered: HashMap<i64, usize> = HashMap::new();
    let mut waits = Vec::new();
    for (i, igsid) in customers.iter().enumerate() {
        let written = Instant::now();
        deliver(&sim, Event::text(igsid, format!("hello from {igsid}"))).await;
        let offer = live.next_of("offer").await;
        waits.push(written.elapsed());
        let conversation = offer.data["conversation_id"].as_i64().unwrap();
        *offered.entry(conversation).or_default() += 1;
        let via = if i % 2 == 0 { &a_url } else { &b_url };
        let id = &offer.data["payload"]["id"];
        let accept = format!("{via}/api/v1/offers/{id}/accept");
        let (status, body) = call(reqwest::Method::POST, &accept, &alice, None).await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(offered.len(), CUSTOMERS, "a conversation per customer");
    // No offer for a conversation already accepted, from either instance's router.
    while let Some(event) = live.next_within(Duration::from_millis(1_500)).await {
        assert_ne!(event.kind, "offer", "offered again: {:?}", event.data);
    }
    waits.sort();
    let (p50, max) = (waits[waits.len() / 2], waits[waits.len() - 1]);
    println!("written -> offer on the other instance's stream: p50 {p50:?}, max {max:?}");
    // Heard through NOTIFY, not found by the half-second polls (which made the
    // median about 500 ms: the other instance applied or routed it at its next poll).
    assert!(p50 < Duration::from_millis(250), "p50 {p50:?}");

    let mut ids = HashMap::new();
    for igsid in &customers {
        let path = format!("{b_url}/api/v1/customers?igsid={igsid}");
        let (_, found) = call(reqwest::Method::GET, &path, &admin, None).await;
        ids.insert(igsid.clone(), found["data"][0]["id"].as_i64().unwrap());
    }

    // Two replies to each customer in quick succession, the first through A, the
    // second through B; A is killed halfway, and the rest go through B. Meta
    // answers slowly until the kill, so both instances have sends in hand then:
    // some claimed, some in the middle of their call.
    sim.set_fault(Some(Fault::SendSlow { millis: 800 }));
    let mut written: HashMap<String, Vec<String>> = HashMap::new();
    let mut killed_at = Instant::now();
    for (i, igsid) in customers.iter().enumerate() {
        if i == CUSTOMERS / 2 {
            a.kill();
            killed_at = Instant::now();
            sim.set_fault(None);
            let queued: usize = written.values().map(Vec::len).sum();
            println!(
                "killed with {} of {queued} replies at Meta",
                sim.sent().len()
            );
        }
        for (n, via) in [&a_url, &b_url].into_iter().enumerate() {
            let via = if i >= CUSTOMERS / 2 { &b_url } else { via };
            let text = format!("reply {n} to {igsid}");
            let path = format!("{via}/api/v1/customers/{}/messages", ids[igsid]);
            let body = json!({ "text": text });
            let (status, body) = call(reqwest::Method::POST, &path, &admin, Some(body)).await;
            assert_eq!(status, 202, "{body}");
            written.entry(igsid.clone()).or_default().push(text);
        }
        // Customers write on meanwhile: A's share is refused until Meta tries B.
        deliver(&sim, Event::text(igsid, format!("thanks from {igsid}"))).await;
    }

    // Every reply at Meta once, in the order written, A's in-flight ones included,
    // within 30 s of the kill: B claims them when their 10 s lease ends, and one A
    // was sending is settled by Meta's record after the 10 s echo grace.
    let deadline = killed_at + Duration::from_secs(30);
    loop {
        let sent = sim.sent();
        let at_meta = |igsid: &String| -> Vec<String> {
            sent.iter()
                .filter(|m| &m.recipient_igsid == igsid)
                .filter_map(|m| m.text.clone())
                .collect()
        };
        if customers
            .iter()
            .all(|igsid| at_meta(igsid).len() >= written[igsid].len())
        {
            for igsid in &customers {
                assert_eq!(
                    at_meta(igsid),
                    written[igsid],
                    "{igsid}: once each, in order"
                );
            }
            println!(
                "every reply at Meta {:?} after the kill",
                killed_at.elapsed()
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "replies not all sent within 30 s of the kill: {} at Meta",
            sent.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Every customer message processed once, whichever instance took it in.
    for igsid in &customers {
        let items = timeline(&b_url, &admin, ids[igsid]).await;
        for text in [
            format!("hello from {igsid}"),
            format!("thanks from {igsid}"),
        ] {
            let n = items.iter().filter(|i| i["text"] == text.as_str()).count();
            assert_eq!(n, 1, "{igsid}: {text:?} stored {n} times");
        }
    }
    drop(b);
}

/// An account's message limit holds for the instances together: each counts the
/// other's sends (in the database), so two instances sending replies at once never
/// send more than the limit within its window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_message_limit_holds_across_instances() {
    const LIMIT: usize = 20;
    const WINDOW_MS: i64 = 10_000;
    let a = common::start_postgres_tuned(|raw| {
        raw.send_limit = Some(LIMIT.to_string());
        raw.send_limit_window_seconds = Some((WINDOW_MS / 1_000).to_string());
    })
    .await;
    let mut settings = (*a.running.app.settings).clone();
    settings.listen = "127.0.0.1:0".parse().unwrap();
    let b = igdesk::server::start(settings, None).await.unwrap();
    let b_url = format!("http://{}", b.addr);

    let customers: Vec<String> = (0..2 * LIMIT).map(|i| format!("{}", 7300 + i)).collect();
    let mut delivery = Delivery::new(IG_ID);
    for igsid in &customers {
        delivery = delivery.push(Event::text(igsid, "hello"));
    }
    assert_eq!(a.sim.deliver(&delivery).await.unwrap(), 200);
    a.settle().await;
    // Two replies to each customer, the first through A, the second through B.
    for igsid in &customers {
        let (status, body) = a.reply(igsid, json!({ "text": "from A" })).await;
        assert_eq!(status, 202, "{body}");
        let id = a.customer(igsid).await["id"].as_i64().unwrap();
        let path = format!("{b_url}/api/v1/customers/{id}/messages");
        let (status, body) = call(
            reqwest::Method::POST,
            &path,
            &a.token,
            Some(json!({ "text": "from B" })),
        )
        .await;
        assert_eq!(status, 202, "{body}");
    }

    let total = 2 * customers.len();
    let deadline = Instant::now() + Duration::from_secs(60);
    while a.sim.sent().len() < total {
        assert!(
            Instant::now() < deadline,
            "{} of {total} sent",
            a.sim.sent().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Meta's record: within any window, never more than the limit, whichever
    // instance sent them.
    let times: Vec<i64> = a.sim.sent().iter().map(|m| m.at_ms).collect();
    let busiest = times
        .iter()
        .map(|t| {
            times
                .iter()
                .filter(|u| **u >= *t && **u < t + WINDOW_MS)
                .count()
        })
        .max()
        .unwrap();
    println!("busiest window: {busiest} sends (limit {LIMIT})");
    assert!(busiest <= LIMIT, "{busiest} sends within one window");
    assert_eq!(a.sim.sent().len(), total, "each sent once");
    b.stop().await.unwrap();
}

/// On PostgreSQL deliveries are applied in parts, several at once: each customer's
/// messages are still applied in the order Meta delivered them, whether they came
/// alone or in a delivery with another customer's (applied alone, as a barrier).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_messages_are_applied_in_order_while_parts_go_side_by_side() {
    const WRITERS: usize = 40;
    const EACH: usize = 5;
    let app = Arc::new(common::start_postgres().await);
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let app = app.clone();
        writers.push(tokio::spawn(async move {
            let igsid = format!("{}", 7500 + w);
            for k in 0..EACH {
                let mut delivery = Delivery::new(IG_ID).push(Event::text(&igsid, format!("m{k}")));
                if k == 2 && w % 4 == 0 {
                    // Meta batched it with another customer's message.
                    let other = format!("{}", 7600 + w);
                    delivery = delivery.push(Event::text(&other, "beside"));
                }
                // Each message once the one before is acknowledged, as Meta sends.
                while app.sim.deliver(&delivery).await.unwrap_or(0) != 200 {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    app.settle().await;
    // When each delivery was applied, as the store recorded it (a batch's time:
    // one part's batches follow each other, so a later batch has a later time).
    let url = app.running.app.settings.database_url.clone();
    let db = sqlx::PgPool::connect(&url).await.unwrap();
    let rows: Vec<(Vec<u8>, Option<i64>)> =
        sqlx::query_as("SELECT body, processed_at FROM deliveries")
            .fetch_all(&db)
            .await
            .unwrap();
    let mut applied_at: HashMap<(String, String), i64> = HashMap::new();
    for (body, at) in rows {
        let body: Value = serde_json::from_slice(&body).unwrap();
        for event in body["entry"][0]["messaging"].as_array().unwrap() {
            let from = event["sender"]["id"].as_str().unwrap().to_owned();
            let text = event["message"]["text"].as_str().unwrap().to_owned();
            applied_at.insert((from, text), at.expect("every delivery applied"));
        }
    }
    for w in 0..WRITERS {
        let igsid = format!("{}", 7500 + w);
        let times: Vec<i64> = (0..EACH)
            .map(|k| applied_at[&(igsid.clone(), format!("m{k}"))])
            .collect();
        assert!(
            times.windows(2).all(|t| t[0] <= t[1]),
            "{igsid}: applied out of order: {times:?}"
        );
    }
}

/// Meta throttling the account through one instance pauses it for both: the other
/// sends nothing for the account until the pause ends (here, until an operator
/// reconnects it), then each reply goes once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_account_is_paused_on_every_instance() {
    let a = common::start_postgres().await;
    let mut settings = (*a.running.app.settings).clone();
    settings.listen = "127.0.0.1:0".parse().unwrap();
    let b = igdesk::server::start(settings, None).await.unwrap();
    let b_url = format!("http://{}", b.addr);
    let delivery = Delivery::new(IG_ID)
        .push(Event::text("7701", "hello"))
        .push(Event::text("7702", "hello"));
    assert_eq!(a.sim.deliver(&delivery).await.unwrap(), 200);
    a.settle().await;

    // Meta throttles the first send (code 4, a minute to regain access), made by A.
    a.sim.set_fault(Some(Fault::Throttle {
        code: 4,
        regain_minutes: 1,
        times: Some(1),
    }));
    let (status, body) = a.reply("7701", json!({ "text": "through A" })).await;
    assert_eq!(status, 202, "{body}");
    let account = a.running.app.store.accounts().await.unwrap()[0].id;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !b
        .app
        .store
        .sends_held(account, igdesk::now_ms())
        .await
        .unwrap()
    {
        assert!(Instant::now() < deadline, "the account was never paused");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A reply queued through B meanwhile waits: B sends nothing for the account.
    let id = a.customer("7702").await["id"].as_i64().unwrap();
    let path = format!("{b_url}/api/v1/customers/{id}/messages");
    let body = json!({ "text": "through B" });
    let (status, body) = call(reqwest::Method::POST, &path, &a.token, Some(body)).await;
    assert_eq!(status, 202, "{body}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        a.sim.sent().is_empty(),
        "sent while paused: {:?}",
        a.sim.sent()
    );

    // Reconnected, the account's waiting replies go, each once.
    a.reconnect_account().await;
    b.app.wake.sends.notify_waiters();
    let deadline = Instant::now() + Duration::from_secs(30);
    while a.sim.sent().len() < 2 {
        assert!(Instant::now() < deadline, "{:?}", a.sim.sent());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut texts: Vec<String> = a.sim.sent().into_iter().filter_map(|m| m.text).collect();
    texts.sort();
    assert_eq!(texts, ["through A", "through B"]);
    b.stop().await.unwrap();
}
