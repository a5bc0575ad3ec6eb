//! The operations dashboard's figures (UI-5) for a known stretch of work, over real
//! HTTP with the simulator playing Meta: the JSON, the SLA report and Prometheus
//! must tell the same story, and an agent sees only their own inboxes.

mod common;

use common::live::LiveStream;
use common::{agent_token, start_paused, start_postgres_paused, start_sqlite_tuned, TestApp};
use igdesk_igs::Event;
use reqwest::Method;
use serde_json::{json, Value};

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

fn hour_of(at: i64) -> i64 {
    at - at.rem_euclid(HOUR)
}

fn real_now() -> i64 {
    igdesk::now_ms()
}

struct Agent {
    token: String,
    live: LiveStream,
}

async fn set_available(app: &TestApp, token: &str, available: bool) {
    let (status, body) = app
        .send_as(
            token,
            Method::PUT,
            "/api/v1/me/availability",
            Some(json!({ "available": available })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// A customer writes (Meta's timestamp `at`); the agent takes the offer.
async fn taken(app: &TestApp, agent: &mut Agent, igsid: &str, at: i64) -> Value {
    app.send(Event::text(igsid, "Where is my order?").with_timestamp_ms(at))
        .await;
    let offer = agent.live.next_of("offer").await;
    let id = &offer.data["payload"]["id"];
    let (status, body) = app
        .send_as(
            &agent.token,
            Method::POST,
            &format!("/api/v1/offers/{id}/accept"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.customer(igsid).await["id"].clone()
}

async fn reply(app: &TestApp, agent: &Agent, customer: &Value) {
    let (status, body) = app
        .send_as(
            &agent.token,
            Method::POST,
            &format!("/api/v1/customers/{customer}/messages"),
            Some(json!({ "text": "It left the warehouse this morning." })),
        )
        .await;
    assert_eq!(status, 202, "{body}");
}

fn metric(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Three customers: one answered after 100 s, one after 70 minutes (a breach of the
/// hour's target), one not yet, and routing has nobody for them.
async fn a_known_stretch_of_work(app: TestApp) {
    let token = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let mut ana = Agent {
        live: LiveStream::open(&app.url, &token, None).await,
        token,
    };
    set_available(&app, &ana.token, true).await;
    let start = real_now();
    let quick_at = start - 100 * SECOND;
    let late_at = start - 70 * MINUTE;
    let quick = taken(&app, &mut ana, "quick", quick_at).await;
    let late = taken(&app, &mut ana, "late", late_at).await;
    reply(&app, &ana, &quick).await;
    reply(&app, &ana, &late).await;
    set_available(&app, &ana.token, false).await;
    let unanswered_at = start - 10 * MINUTE;
    app.send(Event::text("unanswered", "Hello?").with_timestamp_ms(unanswered_at))
        .await;
    app.settle().await;
    app.eventually("both replies sent", || async {
        let (_, d) = app.get("/api/v1/dashboard").await;
        d["outgoing"][0]["sent_in_window"] == 2
    })
    .await;

    let clock = app.running.app.clock.now();
    let period = format!("from={}&to={}", clock - 24 * HOUR, clock + HOUR);
    let (status, d) = app.get(&format!("/api/v1/dashboard?{period}")).await;
    assert_eq!(status, 200, "{d}");
    let inbox = d["inboxes"][0]["id"].as_i64().unwrap();
    assert_eq!(d["inboxes"].as_array().unwrap().len(), 1, "{d}");

    // Now: the unanswered customer waits for routing, for about ten minutes.
    let now = &d["now"];
    assert_eq!(
        (
            now["waiting_for_routing"].as_i64(),
            now["offered"].as_i64(),
            now["assigned"].as_i64()
        ),
        (Some(1), Some(0), Some(2)),
        "{now}"
    );
    let longest = now["longest_wait_seconds"].as_i64().unwrap();
    assert!((590..=700).contains(&longest), "{longest}");
    assert_eq!(
        (
            now["agents_available"].as_i64(),
            now["agents_away"].as_i64()
        ),
        (Some(0), Some(1))
    );

    // Waits: 100 s lands in (90, 120], 70 minutes in (3600, 5400]. With two waits
    // the median is the first's bucket's top, the 90th percentile 80% into the second.
    let waits = &d["waits"];
    assert_eq!(waits["answered"], 2);
    assert_eq!(waits["median_seconds"].as_f64(), Some(120.0));
    assert_eq!(waits["p90_seconds"].as_f64(), Some(5040.0));
    let hours = waits["hours"].as_array().unwrap();
    let period_hours = (d["to"].as_i64().unwrap() - d["from"].as_i64().unwrap()) / HOUR;
    assert_eq!(hours.len() as i64, period_hours, "every hour of the period");
    let hour = |at: i64| {
        hours
            .iter()
            .find(|h| h["start"] == hour_of(at))
            .unwrap_or_else(|| panic!("no hour for {at}"))
    };
    // Alone in its hour, a wait's median is the middle of its bucket.
    if hour_of(quick_at) != hour_of(late_at) {
        assert_eq!(hour(quick_at)["answered"], 1);
        assert_eq!(hour(quick_at)["median_seconds"].as_f64(), Some(105.0));
        assert_eq!(hour(late_at)["median_seconds"].as_f64(), Some(4500.0));
    }

    // SLA: one met, one breached, one still within its hour; the target is drawn.
    let sla = &d["sla"];
    assert_eq!(
        (
            sla["met"].as_i64(),
            sla["breached"].as_i64(),
            sla["waiting"].as_i64()
        ),
        (Some(1), Some(1), Some(1)),
        "{sla}"
    );
    assert_eq!(sla["target_seconds"], 3600);
    let by_hour: i64 = sla["hours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["breached"].as_i64().unwrap())
        .sum();
    let by_day: i64 = sla["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["met"].as_i64().unwrap())
        .sum();
    assert_eq!((by_hour, by_day), (1, 1));
    let report = format!(
        "/api/v1/inboxes/{inbox}/sla?from={}&to={}",
        d["from"], d["to"]
    );
    let (_, report) = app.get(&report).await;
    assert_eq!(
        (&report["met"], &report["breached"], &report["waiting"]),
        (&sla["met"], &sla["breached"], &sla["waiting"]),
        "the dashboard and the SLA report agree"
    );

    // Outgoing: two replies in the window against the limit, nothing queued.
    let account = &d["outgoing"][0];
    assert_eq!(
        (
            account["sent_in_window"].as_i64(),
            account["limit"].as_i64(),
            account["window_seconds"].as_i64()
        ),
        (Some(2), Some(200), Some(300))
    );
    assert_eq!(
        (
            account["queued_people"].as_i64(),
            account["queued_api"].as_i64()
        ),
        (Some(0), Some(0))
    );
    assert_eq!(account["private_reply_limit"], 750);
    assert!(account["last_event_at"].as_i64().is_some(), "{account}");

    // Intake (administrators): every delivery (the customers' messages and the
    // replies' echoes), none waiting.
    // Echoes may still be on their way: once all is processed, the counts agree.
    let dashboard = format!("/api/v1/dashboard?{period}");
    app.eventually("every delivery counted and processed", || async {
        let (_, d) = app.get(&dashboard).await;
        let processed = app.deliveries().await["processed"].as_i64();
        d["intake"]["backlog"] == 0 && d["intake"]["received_in_period"].as_i64() == processed
    })
    .await;
    let (_, d) = app.get(&dashboard).await;
    let intake = &d["intake"];
    assert!(
        intake["received_in_period"].as_i64().unwrap() >= 3,
        "{intake}"
    );
    assert_eq!(intake["per_minute"].as_array().unwrap().len(), 60);

    // Prometheus has the same figures.
    let metrics = app.metrics().await;
    let inbox_label = format!("inbox=\"{inbox}\"");
    for (series, value) in [
        (
            format!("igdesk_sla_answers_total{{{inbox_label},result=\"met\"}}"),
            1.0,
        ),
        (
            format!("igdesk_sla_answers_total{{{inbox_label},result=\"breached\"}}"),
            1.0,
        ),
        (
            format!("igdesk_first_reply_wait_seconds_count{{{inbox_label}}}"),
            2.0,
        ),
        (
            format!("igdesk_first_reply_wait_seconds_bucket{{{inbox_label},le=\"120\"}}"),
            1.0,
        ),
        (
            format!("igdesk_open_conversations{{{inbox_label},state=\"routing\"}}"),
            1.0,
        ),
        (
            format!("igdesk_open_conversations{{{inbox_label},state=\"assigned\"}}"),
            2.0,
        ),
        (
            format!("igdesk_agents{{{inbox_label},state=\"away\"}}"),
            1.0,
        ),
        (
            format!(
                "igdesk_outgoing_queued{{account=\"{}\",lane=\"people\"}}",
                account["id"]
            ),
            0.0,
        ),
        (
            format!("igdesk_sends_in_window{{account=\"{}\"}}", account["id"]),
            2.0,
        ),
        (
            format!("igdesk_send_limit{{account=\"{}\"}}", account["id"]),
            200.0,
        ),
    ] {
        assert_eq!(
            metric(&metrics, &series),
            Some(value),
            "{series}\n{metrics}"
        );
    }

    // An hour on, the unanswered wait is a breach too.
    app.running.app.advance_clock(61 * MINUTE);
    let (_, later) = app.get(&format!("/api/v1/dashboard?{period}")).await;
    assert_eq!(
        (
            later["sla"]["breached"].as_i64(),
            later["sla"]["waiting"].as_i64()
        ),
        (Some(2), Some(0))
    );
}

#[tokio::test]
async fn the_dashboard_counts_a_known_stretch_of_work() {
    a_known_stretch_of_work(start_paused().await).await;
}

#[tokio::test]
async fn the_dashboard_counts_the_same_on_postgres() {
    a_known_stretch_of_work(start_postgres_paused().await).await;
}

#[tokio::test]
async fn an_agent_sees_only_their_inboxes_and_bad_periods_are_refused() {
    let app = start_paused().await;
    let (status, vip) = app.post("/api/v1/inboxes", json!({ "name": "VIP" })).await;
    assert_eq!(status, 201, "{vip}");
    let ben = agent_token(&app.running, "ben@example.com", false, &["VIP"]).await;
    app.send(Event::text("someone", "hi")).await;
    app.settle().await;

    let (status, d) = app.get_as(&ben, "/api/v1/dashboard").await;
    assert_eq!(status, 200, "{d}");
    let names: Vec<_> = d["inboxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("VIP")]);
    assert_eq!(
        d["now"]["waiting_for_routing"], 0,
        "not the Instagram inbox's work"
    );
    assert!(d["intake"].is_null(), "intake is for administrators");
    assert_eq!(
        d["outgoing"],
        json!([]),
        "the account's work goes elsewhere"
    );

    let (_, all) = app.get("/api/v1/dashboard").await;
    assert_eq!(all["inboxes"].as_array().unwrap().len(), 2);
    let instagram = all["inboxes"][0]["id"].clone();
    assert_eq!(all["now"]["waiting_for_routing"], 1);
    let (status, body) = app
        .get_as(&ben, &format!("/api/v1/dashboard?inbox={instagram}"))
        .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, one) = app
        .get(&format!("/api/v1/dashboard?inbox={instagram}"))
        .await;
    assert_eq!((status, one["inboxes"].as_array().unwrap().len()), (200, 1));

    for query in ["from=10&to=5", "from=0&to=9999999999999"] {
        let (status, body) = app.get(&format!("/api/v1/dashboard?{query}")).await;
        assert_eq!(
            (status, body["code"].as_str(), body["field"].as_str()),
            (400, Some("invalid_period"), Some("from")),
            "{query}"
        );
    }
    let (status, _) = app.get("/api/v1/dashboard?inbox=x").await;
    assert_eq!(status, 400, "a query that cannot be read");
}

#[tokio::test]
async fn the_queue_behind_an_accounts_limit_shows_against_the_limit() {
    let app = start_sqlite_tuned(|raw| raw.send_limit = Some("2".into())).await;
    for igsid in ["601", "602", "603"] {
        app.send(Event::text(igsid, "Hello?")).await;
    }
    app.settle().await;
    for igsid in ["601", "602", "603"] {
        let (status, body) = app
            .reply(igsid, json!({ "text": format!("Hello {igsid}!") }))
            .await;
        assert_eq!(status, 202, "{body}");
    }
    app.eventually("two sent, the third held by the limit", || async {
        let (_, d) = app.get("/api/v1/dashboard").await;
        let a = &d["outgoing"][0];
        a["sent_in_window"] == 2 && a["queued_people"] == 1 && a["paused_until"].is_i64()
    })
    .await;
    let (_, d) = app.get("/api/v1/dashboard").await;
    let account = &d["outgoing"][0];
    assert_eq!(
        (account["limit"].as_i64(), account["queued_api"].as_i64()),
        (Some(2), Some(0))
    );
    assert_eq!(account["pause_reason"], "the account's message limit");
    assert_eq!(app.sim.sent().len(), 2, "the limit holds");

    let metrics = app.metrics().await;
    let id = &account["id"];
    for (series, value) in [
        (
            format!("igdesk_outgoing_queued{{account=\"{id}\",lane=\"people\"}}"),
            1.0,
        ),
        (format!("igdesk_sends_in_window{{account=\"{id}\"}}"), 2.0),
        (format!("igdesk_send_limit{{account=\"{id}\"}}"), 2.0),
        (
            format!("igdesk_account_sends_paused{{account=\"{id}\"}}"),
            1.0,
        ),
    ] {
        assert_eq!(
            metric(&metrics, &series),
            Some(value),
            "{series}\n{metrics}"
        );
    }
}
