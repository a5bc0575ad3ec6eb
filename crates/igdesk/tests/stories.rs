//! Stories that vanish (SPEC IN-6): a customer may delete a Story before its 24 hours
//! are up, and the mention then reads "Story is no longer available". igdesk asks
//! Meta's CDN (the simulator's, over real HTTP) when an agent opens the timeline and
//! hourly while the conversation is open; the console of the agent working the
//! conversation hears of it on its live stream. A CDN failing for a moment says
//! nothing about the Story: it stays available.

mod common;

use common::live::LiveStream;
use common::{
    agent_token, start_paused, start_postgres, start_postgres_paused, start_sqlite, TestApp,
};
use igdesk_igs::{CustomerProfile, Event, Fault};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

/// The simulator serves Stories on its CDN once it knows where it is reached.
fn serve_stories(app: &TestApp) {
    let graph = &app.running.app.settings.graph_base_url;
    app.sim
        .set_public_url(graph.trim_end_matches("/graph.facebook.com"));
}

/// A customer mentions the business in a new Story: the Story's URL and the mid.
async fn mention(app: &TestApp, igsid: &str) -> (String, String) {
    let url = app.sim.story_url("story-sunset.jpg");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let event = Event::attachment(igsid, "story_mention", url.as_str());
    let mid = event.mid().unwrap().to_owned();
    app.send(event).await;
    app.settle().await;
    (url, mid)
}

async fn item(app: &TestApp, igsid: &str, mid: &str) -> Value {
    app.timeline(igsid)
        .await
        .into_iter()
        .find(|i| i["mid"] == mid)
        .unwrap_or_else(|| panic!("no item {mid}"))
}

async fn found_gone_when_opened(app: TestApp) {
    serve_stories(&app);
    app.add_customer(CustomerProfile {
        name: Some("Ana Souza".into()),
        ..CustomerProfile::new("555", "ana")
    });
    let (url, mid) = mention(&app, "555").await;

    // Meta's CDN fails for a moment: every time the timeline is opened the Story is
    // asked about, and it stays available. A second check is queued only once the
    // first has settled (one waits per item), so two asked means one was recorded.
    app.sim
        .set_fault(Some(Fault::StoryCdnError { status: 503 }));
    let mut opened = 0;
    while app.sim.story_fetches(&url) < 2 {
        let shown = item(&app, "555", &mid).await;
        assert_eq!(shown["story_available"], true, "{shown}");
        assert_eq!(shown["kind"], "story_mention");
        opened += 1;
        assert!(opened < 2_000, "the Story was never asked about");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(item(&app, "555", &mid).await["story_available"], true);
    app.sim.set_fault(None);

    // The customer deletes the Story: opening the timeline finds it gone.
    assert!(app.sim.delete_story(&url));
    let id = item(&app, "555", &mid).await["id"].as_i64().unwrap();
    let gone = app
        .item_when("555", id, "the Story found gone", |i| {
            i["story_available"] == false
        })
        .await;
    assert_eq!(gone["summary"], "Story is no longer available");
    assert_eq!(gone["attachments"][0]["url"], url.as_str(), "{gone}");

    // Gone is for good: opening it again asks nothing more.
    let asked = app.sim.story_fetches(&url);
    for _ in 0..3 {
        assert_eq!(item(&app, "555", &mid).await["story_available"], false);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.sim.story_fetches(&url), asked);
}

#[tokio::test]
async fn a_deleted_story_is_found_gone_when_its_timeline_is_opened() {
    found_gone_when_opened(start_sqlite().await).await;
}

#[tokio::test]
async fn a_deleted_story_is_found_gone_when_its_timeline_is_opened_on_postgres() {
    found_gone_when_opened(start_postgres().await).await;
}

async fn found_gone_hourly(app: TestApp) {
    serve_stories(&app);
    // Mentions open conversations on this account (ACC-3).
    let (_, accounts) = app.get("/api/v1/accounts").await;
    let account = accounts["data"][0]["id"].clone();
    let (status, body) = app
        .send_as(
            &app.token,
            Method::PUT,
            &format!("/api/v1/accounts/{account}/settings"),
            Some(json!({ "story_mentions_create_conversations": true })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let token = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let mut live = LiveStream::open(&app.url, &token, None).await;
    let (status, body) = app
        .send_as(
            &token,
            Method::PUT,
            "/api/v1/me/availability",
            Some(json!({ "available": true })),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (url, mid) = mention(&app, "555").await;
    let offer = live.next_of("offer").await;
    let id = &offer.data["payload"]["id"];
    let (status, body) = app
        .send_as(
            &token,
            Method::POST,
            &format!("/api/v1/offers/{id}/accept"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(app.sim.delete_story(&url));

    // Nobody opens the timeline. Half an hour on, nothing is due yet.
    app.running.app.advance_clock(30 * MINUTE);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(app.sim.story_fetches(&url), 0, "not an hour old yet");

    // An hour after it came, upkeep asks the CDN, and the agent's console hears that
    // the Story is gone.
    app.running.app.advance_clock(35 * MINUTE);
    let updated = loop {
        let event = live.next_of("item_updated").await;
        if event.data["item"]["mid"] == mid.as_str() {
            break event;
        }
    };
    assert_eq!(
        updated.data["item"]["summary"], "Story is no longer available",
        "{:?}",
        updated.data
    );
    assert_eq!(updated.data["item"]["story_available"], false);
    assert_eq!(app.sim.story_fetches(&url), 1);
    let (_, timeline) = app
        .get_as(
            &token,
            &format!(
                "/api/v1/customers/{}/timeline",
                app.customer("555").await["id"]
            ),
        )
        .await;
    let item = &timeline["data"][0];
    assert_eq!(
        (item["mid"].as_str(), item["summary"].as_str()),
        (Some(mid.as_str()), Some("Story is no longer available"))
    );

    // A Story still there is asked about again an hour after its last check, not
    // sooner.
    let (other_url, _) = mention(&app, "556").await;
    app.running.app.advance_clock(HOUR + 5 * MINUTE);
    app.eventually("the hourly check of the second Story", || async {
        app.sim.story_fetches(&other_url) == 1
    })
    .await;
    app.running.app.advance_clock(30 * MINUTE);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        app.sim.story_fetches(&other_url),
        1,
        "checked half an hour ago"
    );
    app.running.app.advance_clock(35 * MINUTE);
    app.eventually("the next hourly check", || async {
        app.sim.story_fetches(&other_url) == 2
    })
    .await;
    assert_eq!(
        app.sim.story_fetches(&url),
        1,
        "a gone Story is asked no more"
    );
}

#[tokio::test]
async fn a_deleted_story_on_an_open_conversation_is_found_gone_within_the_hour() {
    found_gone_hourly(start_paused().await).await;
}

#[tokio::test]
async fn a_deleted_story_on_an_open_conversation_is_found_gone_within_the_hour_on_postgres() {
    found_gone_hourly(start_postgres_paused().await).await;
}
