//! Replies survive `kill -9` at random moments: with a few hundred replies queued
//! across several accounts, igdesk is killed and restarted again and again while
//! it sends; in the end every reply reached Meta (the simulator's record) exactly
//! once (SPEC OUT-5, the outbox rule).

mod common;

use common::process::{add_account, add_admin, free_port, serve_env, Server};
use common::start_simulator;
use igdesk_igs::{BusinessAccount, Delivery, Event, Fault};
use rand::Rng;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const ACCOUNTS: [&str; 3] = [
    "17841400000000101",
    "17841400000000102",
    "17841400000000103",
];
const CUSTOMERS_PER_ACCOUNT: usize = 8;
const REPLIES_PER_CUSTOMER: usize = 12;

async fn get(url: &str, token: &str, path: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{url}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// `rounds` replies to each customer, round by round (`reply {round} to {igsid}`),
/// each accepted; returns their texts in the order they were written.
async fn reply_in_rounds(
    url: &str,
    token: &str,
    customers: &[String],
    ids: &HashMap<String, i64>,
    rounds: usize,
) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut written = Vec::new();
    for round in 0..rounds {
        for igsid in customers {
            let text = format!("reply {round} to {igsid}");
            let response = client
                .post(format!("{url}/api/v1/customers/{}/messages", ids[igsid]))
                .bearer_auth(token)
                .json(&json!({ "text": text }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 202);
            written.push(text);
        }
    }
    written
}

/// igdesk's id of each customer, once all have been taken in.
async fn customer_ids(url: &str, token: &str, customers: &[String]) -> HashMap<String, i64> {
    let mut ids = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while ids.len() < customers.len() {
        for igsid in customers {
            let found = get(url, token, &format!("/api/v1/customers?igsid={igsid}")).await;
            if let Some(id) = found["data"][0]["id"].as_i64() {
                ids.insert(igsid.clone(), id);
            }
        }
        assert!(Instant::now() < deadline, "customers not all taken in");
    }
    ids
}

/// Every text in `expected` is at the simulator exactly once.
fn assert_each_sent_once(sim: &igdesk_igs::Simulator, expected: &[String]) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for m in sim.sent() {
        *counts.entry(m.text.unwrap_or_default()).or_default() += 1;
    }
    for text in expected {
        assert_eq!(
            counts.get(text),
            Some(&1),
            "{text:?} must reach Meta exactly once"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reply_reaches_meta_exactly_once_across_kill_9s() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (sim, igs_url) =
        start_simulator(format!("http://127.0.0.1:{port}/webhooks/instagram")).await;
    let envs = serve_env(
        dir.path(),
        &igs_url,
        &[
            ("IGDESK_SEND_LIMIT", "100000"),
            ("IGDESK_ECHO_GRACE_SECONDS", "2"),
        ],
    );
    for (i, ig_id) in ACCOUNTS.iter().enumerate() {
        let page_id = format!("10000000000010{i}");
        let token = format!("EAAB-token-{i}");
        sim.add_business(BusinessAccount {
            ig_id: ig_id.to_string(),
            page_id: page_id.clone(),
            username: format!("shop{i}"),
            page_token: token.clone(),
            instagram_token: format!("IGQV-{i}"),
        });
        add_account(&envs, ig_id, &page_id, &token);
    }
    let token = add_admin(&envs);

    let mut server = Server::start(&envs, port).await;
    let mut customers = Vec::new();
    for (a, ig_id) in ACCOUNTS.iter().enumerate() {
        for c in 0..CUSTOMERS_PER_ACCOUNT {
            let igsid = format!("8{a}{c:02}");
            assert_eq!(
                sim.deliver(&Delivery::new(*ig_id).push(Event::text(&igsid, "hello")))
                    .await
                    .unwrap(),
                200
            );
            customers.push(igsid);
        }
    }
    let ids = customer_ids(&server.url, &token, &customers).await;

    // Sends take a while at Meta, so kills land while calls are in flight.
    sim.set_fault(Some(Fault::SendSlow { millis: 40 }));
    let expected =
        reply_in_rounds(&server.url, &token, &customers, &ids, REPLIES_PER_CUSTOMER).await;

    for _ in 0..4 {
        let pause = rand::thread_rng().gen_range(150..600);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        server.kill();
        server = Server::start(&envs, port).await;
    }
    sim.set_fault(None);

    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let sent = sim.sent();
        let delivered = expected
            .iter()
            .filter(|t| sent.iter().any(|m| m.text.as_deref() == Some(t.as_str())))
            .count();
        if delivered == expected.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{delivered} of {} replies reached Meta",
            expected.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_each_sent_once(&sim, &expected);
    // In each customer's thread the replies arrived in the order they were written.
    for igsid in &customers {
        let order: Vec<String> = sim
            .sent()
            .into_iter()
            .filter(|m| &m.recipient_igsid == igsid)
            .filter_map(|m| m.text)
            .collect();
        let written: Vec<String> = (0..REPLIES_PER_CUSTOMER)
            .map(|r| format!("reply {r} to {igsid}"))
            .collect();
        assert_eq!(order, written);
    }
    // And igdesk knows every one of them as sent, with Meta's id.
    for igsid in &customers {
        wait_for_outgoing(&server.url, &token, ids[igsid], |out| {
            out.len() == REPLIES_PER_CUSTOMER
                && out
                    .iter()
                    .all(|i| i["status"] == "sent" || i["status"] == "read")
        })
        .await;
    }
}

/// Waits (30 s at most) until a customer's outgoing items, as igdesk records them,
/// are as `settled` wants them.
async fn wait_for_outgoing(
    url: &str,
    token: &str,
    customer: i64,
    settled: impl Fn(&[Value]) -> bool,
) {
    let path = format!("/api/v1/customers/{customer}/timeline");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let timeline = get(url, token, &path).await;
        let out: Vec<Value> = timeline["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["direction"] == "out")
            .cloned()
            .collect();
        if settled(&out) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "igdesk's record of customer {customer}: {out:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Meta holds echoes back while its webhook deliveries fail, for much longer than
/// the echo grace. igdesk is killed while Meta has carried out its sends but not yet
/// answered; after the restart no echo ever comes, and still no reply reaches Meta
/// twice: Meta's record of each thread says which interrupted attempts went out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_reply_is_not_sent_again_when_meta_holds_its_echo_back() {
    const CUSTOMERS: usize = 6;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (sim, igs_url) =
        start_simulator(format!("http://127.0.0.1:{port}/webhooks/instagram")).await;
    let envs = serve_env(dir.path(), &igs_url, &[("IGDESK_ECHO_GRACE_SECONDS", "1")]);
    let ig_id = ACCOUNTS[0];
    sim.add_business(BusinessAccount {
        ig_id: ig_id.to_string(),
        page_id: "100000000000100".into(),
        username: "shop".into(),
        page_token: "EAAB-token".into(),
        instagram_token: "IGQV-token".into(),
    });
    add_account(&envs, ig_id, "100000000000100", "EAAB-token");
    let token = add_admin(&envs);
    let mut server = Server::start(&envs, port).await;

    let customers: Vec<String> = (0..CUSTOMERS).map(|c| format!("95{c:02}")).collect();
    for igsid in &customers {
        let hello = Delivery::new(ig_id).push(Event::text(igsid, "hello"));
        assert_eq!(sim.deliver(&hello).await.unwrap(), 200);
    }
    let ids = customer_ids(&server.url, &token, &customers).await;

    // Meta sends at once but answers late, and no echo comes back.
    sim.set_echoes(false);
    sim.set_fault(Some(Fault::SendAnswerSlow { millis: 10_000 }));
    let expected = reply_in_rounds(&server.url, &token, &customers, &ids, 2).await;
    // Every customer's first reply is at Meta, unanswered: now igdesk dies.
    let deadline = Instant::now() + Duration::from_secs(30);
    while sim.sent().len() < CUSTOMERS {
        assert!(
            Instant::now() < deadline,
            "the first replies never reached Meta"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();
    sim.set_fault(None);
    server = Server::start(&envs, port).await;

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let statuses: Vec<Value> = {
            let mut all = Vec::new();
            for igsid in &customers {
                let path = format!("/api/v1/customers/{}/timeline", ids[igsid]);
                let timeline = get(&server.url, &token, &path).await;
                for item in timeline["data"].as_array().unwrap() {
                    if item["direction"] == "out" {
                        all.push(item["status"].clone());
                    }
                }
            }
            all
        };
        if statuses.len() == expected.len() && statuses.iter().all(|s| s == "sent") {
            break;
        }
        assert!(Instant::now() < deadline, "igdesk's record: {statuses:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_each_sent_once(&sim, &expected);
}

/// Meta lists only a thread's 20 newest messages. igdesk is killed while Meta has
/// carried out a reply it has not answered, and the customer then writes 25 times:
/// the reply has dropped out of what Meta lists, so its absence there proves
/// nothing. It is not sent again: when its echo comes it is recorded as sent;
/// when none comes it fails with the reason after one more echo grace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_reply_out_of_sight_in_metas_record_is_never_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (sim, igs_url) =
        start_simulator(format!("http://127.0.0.1:{port}/webhooks/instagram")).await;
    let envs = serve_env(dir.path(), &igs_url, &[("IGDESK_ECHO_GRACE_SECONDS", "3")]);
    let ig_id = ACCOUNTS[0];
    sim.add_business(BusinessAccount {
        ig_id: ig_id.to_string(),
        page_id: "100000000000100".into(),
        username: "shop".into(),
        page_token: "EAAB-token".into(),
        instagram_token: "IGQV-token".into(),
    });
    add_account(&envs, ig_id, "100000000000100", "EAAB-token");
    let token = add_admin(&envs);
    let mut server = Server::start(&envs, port).await;
    sim.set_echoes(false);

    for (igsid, echo_comes) in [("9700", true), ("9701", false)] {
        let igsid = igsid.to_owned();
        let hello = Delivery::new(ig_id).push(Event::text(&igsid, "hello"));
        assert_eq!(sim.deliver(&hello).await.unwrap(), 200);
        let ids = customer_ids(&server.url, &token, std::slice::from_ref(&igsid)).await;

        // Meta sends at once, answers late and echoes nothing; igdesk dies meanwhile.
        sim.set_fault(Some(Fault::SendAnswerSlow { millis: 10_000 }));
        let expected =
            reply_in_rounds(&server.url, &token, std::slice::from_ref(&igsid), &ids, 1).await;
        let at_meta = || sim.sent().into_iter().find(|m| m.recipient_igsid == igsid);
        let deadline = Instant::now() + Duration::from_secs(30);
        while at_meta().is_none() {
            assert!(Instant::now() < deadline, "the reply never reached Meta");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server.kill();
        sim.set_fault(None);
        // The customer writes on; igdesk is down, but it is all in Meta's thread.
        for i in 0..25 {
            let more = Delivery::new(ig_id).push(Event::text(&igsid, format!("there? {i}")));
            let _ = sim.deliver(&more).await;
        }
        server = Server::start(&envs, port).await;

        // igdesk asks Meta's record, cannot see that far back, and waits.
        let asked = || {
            sim.calls()
                .iter()
                .filter(|c| c.path.ends_with("/conversations"))
                .any(|c| c.query.get("user_id") == Some(&igsid))
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !asked() {
            assert!(Instant::now() < deadline, "Meta's record was never asked");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_each_sent_once(&sim, &expected);

        let status = if echo_comes {
            let echo = Event::echo(&igsid, &expected[0]).with_mid(at_meta().unwrap().mid);
            assert_eq!(
                sim.deliver(&Delivery::new(ig_id).push(echo)).await.unwrap(),
                200
            );
            "sent"
        } else {
            "failed"
        };
        wait_for_outgoing(&server.url, &token, ids[&igsid], |out| {
            let reason = out.first().and_then(|i| i["failure"].as_str());
            out.len() == 1
                && out[0]["status"] == status
                && (echo_comes || reason.is_some_and(|r| r.contains("cannot be told")))
        })
        .await;
        assert_each_sent_once(&sim, &expected);
    }
}
