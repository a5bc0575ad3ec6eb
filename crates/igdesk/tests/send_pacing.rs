//! igdesk slows an account down by the usage Meta reports on every answer, before
//! Meta throttles it: the simulator allows 100 sends per rolling second, igdesk's
//! own pace for the Facebook-Login path is Meta's published 300, and a burst of
//! 300 API messages still never meets error 4.

mod common;

use common::{start_sqlite_tuned, IG_ID};
use igdesk_igs::{Delivery, Event};
use secrecy::ExposeSecret;
use serde_json::json;
use std::time::{Duration, Instant};

const CUSTOMERS: usize = 100;
const EACH: usize = 3;
const SIM_LIMIT: u32 = 100;

#[tokio::test]
async fn a_burst_slows_down_before_meta_throttles() {
    let app = start_sqlite_tuned(|raw| raw.send_limit = Some("1000000".into())).await;
    app.sim.set_echoes(false);
    app.sim.set_send_rate_limits(SIM_LIMIT, SIM_LIMIT);
    let customers: Vec<String> = (0..CUSTOMERS).map(|c| format!("77{c:05}")).collect();
    let mut delivery = Delivery::new(IG_ID);
    for igsid in &customers {
        delivery = delivery.push(Event::text(igsid, "hello"));
    }
    assert_eq!(app.sim.deliver(&delivery).await.unwrap(), 200);
    app.settle().await;

    // The API's clients queue the burst as one request.
    let store = app.running.app.store.as_ref();
    let (_, token) = igdesk::product_tokens::issue(store, IG_ID, "test")
        .await
        .unwrap()
        .unwrap();
    let msgs: Vec<_> = (0..EACH)
        .flat_map(|k| customers.iter().map(move |igsid| (k, igsid)))
        .map(|(k, igsid)| {
            json!({"from": IG_ID, "to": [{"number": igsid}],
                   "body": {"type": "auto", "content": format!("offer {k} to {igsid}")}})
        })
        .collect();
    let started = Instant::now();
    let answer = app
        .http
        .post(format!("{}/v1.0/message", app.url))
        .header("X-CM-PRODUCTTOKEN", token.expose_secret())
        .json(&json!({"messages": {"msg": msgs}}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());

    let total = CUSTOMERS * EACH;
    while app.sim.sent().len() < total {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{} of {total} sent",
            app.sim.sent().len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let metrics = app.metrics().await;
    let throttled = metrics
        .lines()
        .filter(|l| l.starts_with("igdesk_send_errors_total"))
        .collect::<Vec<_>>();
    assert!(throttled.is_empty(), "no send failed: {throttled:?}");
    // Meta's window, as the simulator counts it: never more than its limit.
    let times: Vec<i64> = app.sim.sent().iter().map(|m| m.at_ms).collect();
    let busiest = times
        .iter()
        .map(|t| {
            times
                .iter()
                .filter(|u| **u >= *t && **u < t + 1_000)
                .count()
        })
        .max()
        .unwrap();
    assert!(busiest <= SIM_LIMIT as usize, "{busiest} in one second");
    // Slowed, not stopped: 300 at 100 per second take at least 2 s.
    let span = times.iter().max().unwrap() - times.iter().min().unwrap();
    assert!(span >= 2_000, "{span} ms");
    eprintln!("{total} sent over {span} ms, at most {busiest} in a second");
}
