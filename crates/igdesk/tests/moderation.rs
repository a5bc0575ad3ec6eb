//! Likes (OUT-7), comment moderation (OUT-8), history on connecting (ACC-7) and the
//! console's lane ahead of API traffic (API-6), proved on the simulator's records.

mod common;

use common::*;
use igdesk_igs::Event;
use igdesk_store::{Lane, NewReply, OutgoingPart};
use reqwest::Method;
use serde_json::json;

async fn item_id(app: &TestApp, igsid: &str, mid: &str) -> i64 {
    app.timeline(igsid)
        .await
        .into_iter()
        .find(|i| i["mid"] == mid)
        .expect("the item")["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn likes_reach_meta_and_what_is_gone_cannot_be_liked() {
    let app = start_sqlite().await;
    let hello = Event::text("555", "hello");
    let old_story = Event::attachment("555", "story_mention", "https://cdn/old")
        .with_timestamp_ms(igdesk::now_ms() - 30 * 3_600_000);
    let gone = Event::text("555", "oops");
    let (hello_mid, story_mid, gone_mid) = (
        hello.mid().unwrap().to_owned(),
        old_story.mid().unwrap().to_owned(),
        gone.mid().unwrap().to_owned(),
    );
    for e in [hello, old_story, gone] {
        app.send(e).await;
    }
    app.send(Event::deleted("555", &gone_mid)).await;
    app.settle().await;

    let hello_id = item_id(&app, "555", &hello_mid).await;
    let (status, liked) = app
        .post(&format!("/api/v1/timeline/{hello_id}/like"), json!({}))
        .await;
    assert_eq!(status, 200, "{liked}");
    assert_eq!(liked["context"]["liked"], true);
    let actions = app.sim.actions();
    assert_eq!(
        (actions[0].action.as_str(), actions[0].target_mid.as_deref()),
        ("react", Some(hello_mid.as_str()))
    );
    let (status, unliked) = app
        .send_as(
            &app.token,
            Method::DELETE,
            &format!("/api/v1/timeline/{hello_id}/like"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(unliked["context"].get("liked").is_none());
    assert_eq!(app.sim.actions()[1].action, "unreact");
    assert!(app.sim.sent().is_empty(), "a like is not a reply");

    for mid in [&story_mid, &gone_mid] {
        let id = item_id(&app, "555", mid).await;
        let (status, body) = app
            .post(&format!("/api/v1/timeline/{id}/like"), json!({}))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("not_available")),
            "{body}"
        );
    }
    assert_eq!(app.sim.actions().len(), 2);
}

#[tokio::test]
async fn a_comment_gets_one_public_reply_one_private_reply_then_is_hidden_and_deleted() {
    let app = start_sqlite().await;
    let comment = Event::comment("555", "ana", "How much is it?", "18100", "FEED");
    let comment_mid = comment.comment_id().unwrap().to_owned();
    app.send(comment).await;
    app.settle().await;
    let id = item_id(&app, "555", &comment_mid).await;

    let (status, reply) = app
        .post(
            &format!("/api/v1/timeline/{id}/reply"),
            json!({"text": "It is 49 €"}),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    assert_eq!(
        (reply["kind"].as_str(), reply["direction"].as_str()),
        (Some("comment"), Some("out"))
    );
    let (status, again) = app
        .post(
            &format!("/api/v1/timeline/{id}/reply"),
            json!({"text": "again"}),
        )
        .await;
    assert_eq!(
        (status, again["code"].as_str()),
        (409, Some("already_replied"))
    );
    let actions = app.sim.comment_actions();
    assert_eq!(
        (
            actions[0].action.as_str(),
            actions[0].comment_id.as_str(),
            actions[0].ok
        ),
        ("reply", comment_mid.as_str(), true)
    );

    let (status, private) = app
        .post(
            &format!("/api/v1/timeline/{id}/private-reply"),
            json!({"text": "Sent you the link"}),
        )
        .await;
    assert_eq!(status, 202, "{private}");
    let private_id = private["id"].as_i64().unwrap();
    app.item_when("555", private_id, "the private reply sent", |i| {
        i["status"] == "sent"
    })
    .await;
    let sent = app.sim.sent();
    assert_eq!(
        (sent[0].comment_id.as_deref(), sent[0].text.as_deref()),
        (Some(comment_mid.as_str()), Some("Sent you the link"))
    );
    let (status, again) = app
        .post(
            &format!("/api/v1/timeline/{id}/private-reply"),
            json!({"text": "twice"}),
        )
        .await;
    assert_eq!(
        (status, again["code"].as_str()),
        (409, Some("already_replied"))
    );

    let (status, hidden) = app
        .post(&format!("/api/v1/timeline/{id}/hide"), json!({}))
        .await;
    assert_eq!(
        (status, hidden["context"]["hidden"].as_bool()),
        (200, Some(true))
    );
    assert_eq!(app.sim.comment_actions()[1].action, "hide");

    let (status, deleted) = app
        .send_as(
            &app.token,
            Method::DELETE,
            &format!("/api/v1/timeline/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(deleted["context"]["removed_from_instagram"], true);
    assert_eq!(deleted["text"], "How much is it?", "kept in igdesk");
    assert_eq!(app.sim.comment_actions()[2].action, "delete");
}

/// A private reply is possible for 7 days after the comment, and once: igdesk says so
/// before anything reaches Instagram.
#[tokio::test]
async fn a_private_reply_is_refused_after_seven_days_and_after_the_first() {
    let app = start_sqlite().await;
    let now = igdesk::now_ms();
    let day = 24 * 3_600_000;
    let old = Event::comment("555", "ana", "Still in stock?", "18100", "FEED")
        .with_timestamp_ms(now - 7 * day - 60_000);
    let recent = Event::comment("556", "bea", "And in blue?", "18100", "FEED")
        .with_timestamp_ms(now - 6 * day);
    let (old_mid, recent_mid) = (
        old.comment_id().unwrap().to_owned(),
        recent.comment_id().unwrap().to_owned(),
    );
    app.send(old).await;
    app.send(recent).await;
    app.settle().await;

    let old_id = item_id(&app, "555", &old_mid).await;
    let (status, refused) = app
        .post(
            &format!("/api/v1/timeline/{old_id}/private-reply"),
            json!({"text": "Yes, it is"}),
        )
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (422, Some("window_closed")),
        "{refused}"
    );
    assert!(
        refused["message"].as_str().unwrap().contains("7 days"),
        "{refused}"
    );
    assert_eq!(app.timeline("555").await.len(), 1, "nothing queued");

    let recent_id = item_id(&app, "556", &recent_mid).await;
    let path = format!("/api/v1/timeline/{recent_id}/private-reply");
    let (status, queued) = app.post(&path, json!({"text": "Yes, in blue"})).await;
    assert_eq!(status, 202, "{queued}");
    let reply_id = queued["id"].as_i64().unwrap();
    app.item_when("556", reply_id, "the private reply sent", |i| {
        i["status"] == "sent"
    })
    .await;
    let (status, again) = app.post(&path, json!({"text": "Really, in blue"})).await;
    assert_eq!(
        (status, again["code"].as_str()),
        (409, Some("already_replied"))
    );
    let sent = app.sim.sent();
    let to_comments: Vec<_> = sent.iter().filter_map(|s| s.comment_id.clone()).collect();
    assert_eq!(
        to_comments,
        [recent_mid],
        "one private reply, to the recent comment"
    );
}

#[tokio::test]
async fn a_hidden_comment_can_no_longer_be_answered() {
    let app = start_sqlite().await;
    let comment = Event::comment("555", "ana", "spam", "18100", "FEED");
    let mid = comment.comment_id().unwrap().to_owned();
    app.send(comment).await;
    app.settle().await;
    let id = item_id(&app, "555", &mid).await;
    assert_eq!(
        app.post(&format!("/api/v1/timeline/{id}/hide"), json!({}))
            .await
            .0,
        200
    );
    for path in ["reply", "private-reply"] {
        let (status, body) = app
            .post(
                &format!("/api/v1/timeline/{id}/{path}"),
                json!({"text": "hi"}),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("comment_hidden"))
        );
    }
    let (status, body) = app.post("/api/v1/timeline/999999/like", json!({})).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn a_console_reply_overtakes_an_api_backlog_on_the_same_account() {
    let app = start_sqlite_tuned(|raw| raw.send_limit = Some("100000".into())).await;
    let store = app.running.app.store.clone();
    let account = store.account_by_ig_id(IG_ID).await.unwrap().unwrap();
    // 40 customers wrote, and the one a person will answer; the API queues 10
    // messages to each of the 40. Everyone writes first, so that the backlog is
    // still there when the person answers (intake waiting behind the sends would
    // only measure how early the backlog started).
    for c in 0..40 {
        app.send(Event::text(format!("70{c:02}"), "hi")).await;
    }
    customer_wrote_now(&app, "555").await;
    for c in 0..40 {
        let customer = store
            .customers_by_igsid(
                igdesk_store::Scope {
                    agent: igdesk_domain::AgentId(0),
                    admin: true,
                },
                &format!("70{c:02}"),
            )
            .await
            .unwrap()[0]
            .clone();
        let parts = (0..10)
            .map(|i| OutgoingPart {
                provisional_mid: format!("igdesk:out:bulk-{c}-{i}"),
                text: Some(format!("bulk {c}-{i}")),
                attachments: vec![],
                message: json!({"text": format!("bulk {c}-{i}")}),
            })
            .collect();
        store
            .queue_reply(
                NewReply {
                    account: account.id,
                    customer: customer.id,
                    lane: Lane::Api,
                    author: "automatic",
                    comment_id: None,
                    parts,
                },
                igdesk::now_ms(),
            )
            .await
            .unwrap();
    }
    let (status, queued) = app
        .reply("555", json!({"text": "a person answering"}))
        .await;
    assert_eq!(status, 202);
    // What went out before the reply existed is not a wait behind the backlog.
    let already_sent = app.sim.sent().len();
    app.item_when(
        "555",
        queued["data"][0]["id"].as_i64().unwrap(),
        "sent",
        |i| i["status"] == "sent",
    )
    .await;
    let sent = app.sim.sent();
    let position = sent
        .iter()
        .position(|m| m.text.as_deref() == Some("a person answering"))
        .unwrap();
    let waited_behind = position - already_sent;
    assert!(
        waited_behind < 100,
        "the console reply waited behind {waited_behind} bulk messages sent after it was queued ({already_sent} had gone before)"
    );
    let started = std::time::Instant::now();
    while app.sim.sent().len() < 401 && started.elapsed() < std::time::Duration::from_secs(60) {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    eprintln!(
        "DEBUG sent {} in {:?}",
        app.sim.sent().len(),
        started.elapsed()
    );
    assert_eq!(app.sim.sent().len(), 401, "the whole backlog");
}

async fn customer_wrote_now(app: &TestApp, igsid: &str) {
    app.send(Event::text(igsid, "hello")).await;
    app.settle().await;
}
