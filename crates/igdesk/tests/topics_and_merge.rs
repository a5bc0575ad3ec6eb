//! Topics on conversations, the topic an inbox may require before a reply (RT-6),
//! and merging two profiles of one person (RT-7), over HTTP.

mod common;

use common::*;
use igdesk_igs::Event;
use reqwest::Method;
use serde_json::{json, Value};

async fn topic(app: &TestApp, name: &str) -> i64 {
    let (status, body) = app.post("/api/v1/topics", json!({"name": name})).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

async fn only_conversation(app: &TestApp) -> Value {
    let (status, body) = app.get("/api/v1/conversations").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"].as_array().unwrap().len(), 1, "{body}");
    body["data"][0].clone()
}

fn code(answer: &(u16, Value)) -> (u16, Option<&str>) {
    (answer.0, answer.1["code"].as_str())
}

#[tokio::test]
async fn topics_are_made_by_admins_and_listed_for_everyone() {
    let app = start_sqlite().await;
    let ana = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let (status, made) = app
        .post("/api/v1/topics", json!({"name": " Billing "}))
        .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["name"], "Billing");
    assert!(made["id"].is_i64() && made["created_at"].is_i64(), "{made}");
    topic(&app, "Returns").await;

    let duplicate = app.post("/api/v1/topics", json!({"name": "billing"})).await;
    assert_eq!(
        code(&duplicate),
        (409, Some("already_exists")),
        "names compare in any case"
    );
    let empty = app.post("/api/v1/topics", json!({"name": ""})).await;
    assert_eq!(code(&empty), (400, Some("invalid_name")));
    let long = app
        .post("/api/v1/topics", json!({"name": "x".repeat(81)}))
        .await;
    assert_eq!(code(&long), (400, Some("invalid_name")));
    let by_agent = app
        .send_as(
            &ana,
            Method::POST,
            "/api/v1/topics",
            Some(json!({"name": "Mine"})),
        )
        .await;
    assert_eq!(code(&by_agent), (403, Some("forbidden")));

    let (status, listed) = app.get_as(&ana, "/api/v1/topics").await;
    assert_eq!(status, 200);
    let names: Vec<_> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Billing", "Returns"]);
}

#[tokio::test]
async fn agents_of_the_inbox_tag_its_conversations_and_the_list_shows_the_topics() {
    let app = start_sqlite().await;
    let ana = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let ben = agent_token(&app.running, "ben@example.com", false, &["Other"]).await;
    let billing = topic(&app, "Billing").await;
    let returns = topic(&app, "Returns").await;
    app.send(Event::text("555", "my refund?")).await;
    app.settle().await;
    let conversation = only_conversation(&app).await;
    assert_eq!(conversation["topics"], json!([]));
    let path = format!("/api/v1/conversations/{}/topics", conversation["id"]);

    let (status, set) = app
        .send_as(
            &ana,
            Method::PUT,
            &path,
            Some(json!({"topics": [returns, billing]})),
        )
        .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(
        set["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].clone())
            .collect::<Vec<_>>(),
        ["Billing", "Returns"]
    );
    let (_, listed) = app.get_as(&ana, "/api/v1/conversations").await;
    assert_eq!(listed["data"][0]["topics"], json!(["Billing", "Returns"]));

    let outsider = app
        .send_as(&ben, Method::PUT, &path, Some(json!({"topics": [billing]})))
        .await;
    let unknown = app
        .send_as(
            &ben,
            Method::PUT,
            "/api/v1/conversations/999999/topics",
            Some(json!({"topics": [billing]})),
        )
        .await;
    assert_eq!(outsider.0, 404);
    assert_eq!(
        outsider, unknown,
        "another inbox's conversation is answered like an unknown one"
    );

    let (status, answer) = app
        .send_as(
            &ana,
            Method::PUT,
            &path,
            Some(json!({"topics": [billing, 424242]})),
        )
        .await;
    assert_eq!(
        (status, answer["code"].as_str(), answer["field"].as_str()),
        (400, Some("unknown_topic"), Some("topics"))
    );
    assert!(
        answer["message"].as_str().unwrap().contains("424242"),
        "{answer}"
    );
    assert_eq!(
        only_conversation(&app).await["topics"],
        json!(["Billing", "Returns"]),
        "a refused change changes nothing"
    );

    let (status, cleared) = app
        .send_as(&ana, Method::PUT, &path, Some(json!({"topics": []})))
        .await;
    assert_eq!((status, cleared["data"].clone()), (200, json!([])));
}

#[tokio::test]
async fn an_inbox_that_requires_a_topic_refuses_replies_until_the_conversation_has_one() {
    a_required_topic_holds_replies_back(start_sqlite().await).await;
}

#[tokio::test]
async fn an_inbox_that_requires_a_topic_refuses_replies_until_the_conversation_has_one_on_postgres()
{
    a_required_topic_holds_replies_back(start_postgres().await).await;
}

async fn a_required_topic_holds_replies_back(app: TestApp) {
    app.send(Event::text("555", "hello")).await;
    app.settle().await;
    let (status, _) = app
        .reply("555", json!({"text": "no topic needed yet"}))
        .await;
    assert_eq!(status, 202);

    let (_, inboxes) = app.get("/api/v1/inboxes").await;
    let inbox = inboxes["data"][0]["id"].as_i64().unwrap();
    let (status, _) = app
        .send_as(
            &app.token,
            Method::PATCH,
            &format!("/api/v1/inboxes/{inbox}"),
            Some(json!({"requires_topic": true})),
        )
        .await;
    assert_eq!(status, 200);
    let refused = app.reply("555", json!({"text": "hello again"})).await;
    assert_eq!(
        code(&refused),
        (409, Some("topic_required")),
        "{}",
        refused.1
    );
    let texts: Vec<_> = app
        .timeline("555")
        .await
        .iter()
        .filter_map(|i| i["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        texts,
        ["hello", "no topic needed yet"],
        "nothing was queued"
    );

    let billing = topic(&app, "Billing").await;
    let path = format!(
        "/api/v1/conversations/{}/topics",
        only_conversation(&app).await["id"]
    );
    let (status, _) = app
        .send_as(
            &app.token,
            Method::PUT,
            &path,
            Some(json!({"topics": [billing]})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, queued) = app.reply("555", json!({"text": "hello again"})).await;
    assert_eq!(status, 202, "{queued}");
}

/// A comment in an inbox that requires a topic gets neither a public nor a private
/// reply until its conversation has one; nothing reaches Instagram meanwhile.
#[tokio::test]
async fn a_required_topic_holds_comment_replies_and_private_replies_back() {
    let app = start_sqlite().await;
    let comment = Event::comment("555", "ana", "How much is it?", "18100", "FEED");
    let comment_mid = comment.comment_id().unwrap().to_owned();
    app.send(comment).await;
    app.settle().await;
    let id = app
        .timeline("555")
        .await
        .iter()
        .find(|i| i["mid"] == comment_mid.as_str())
        .expect("the comment")["id"]
        .as_i64()
        .unwrap();
    let (_, inboxes) = app.get("/api/v1/inboxes").await;
    let inbox = inboxes["data"][0]["id"].as_i64().unwrap();
    let (status, _) = app
        .send_as(
            &app.token,
            Method::PATCH,
            &format!("/api/v1/inboxes/{inbox}"),
            Some(json!({"requires_topic": true})),
        )
        .await;
    assert_eq!(status, 200);

    let public = format!("/api/v1/timeline/{id}/reply");
    let private = format!("/api/v1/timeline/{id}/private-reply");
    let refused = app.post(&public, json!({"text": "It is 49 €"})).await;
    assert_eq!(
        code(&refused),
        (409, Some("topic_required")),
        "{}",
        refused.1
    );
    let refused = app
        .post(&private, json!({"text": "Sent you the link"}))
        .await;
    assert_eq!(
        code(&refused),
        (409, Some("topic_required")),
        "{}",
        refused.1
    );
    assert!(app.sim.comment_actions().is_empty());
    assert_eq!(app.timeline("555").await.len(), 1, "nothing was queued");

    let billing = topic(&app, "Billing").await;
    let path = format!(
        "/api/v1/conversations/{}/topics",
        only_conversation(&app).await["id"]
    );
    let (status, _) = app
        .send_as(
            &app.token,
            Method::PUT,
            &path,
            Some(json!({"topics": [billing]})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app.post(&public, json!({"text": "It is 49 €"})).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app
        .post(&private, json!({"text": "Sent you the link"}))
        .await;
    assert_eq!(status, 202, "{body}");
}

/// Three messages from two profiles, a second apart, in this order.
async fn two_profiles(app: &TestApp) -> (i64, i64) {
    let start = igdesk::now_ms() - 10_000;
    for (at, igsid, text) in [
        (0, "555", "first"),
        (1_000, "556", "second"),
        (2_000, "555", "third"),
    ] {
        app.send(Event::text(igsid, text).with_timestamp_ms(start + at))
            .await;
    }
    app.settle().await;
    let survivor = app.customer("555").await["id"].as_i64().unwrap();
    let other = app.customer("556").await["id"].as_i64().unwrap();
    (survivor, other)
}

#[tokio::test]
async fn merging_two_profiles_needs_confirmation_and_then_shows_one_timeline() {
    merging_needs_confirmation_and_shows_one_timeline(start_sqlite().await).await;
}

#[tokio::test]
async fn merging_two_profiles_needs_confirmation_and_then_shows_one_timeline_on_postgres() {
    merging_needs_confirmation_and_shows_one_timeline(start_postgres().await).await;
}

async fn merging_needs_confirmation_and_shows_one_timeline(app: TestApp) {
    let (survivor, other) = two_profiles(&app).await;
    let patch = |id: i64, body: Value| {
        let app = &app;
        async move {
            app.send_as(
                &app.token,
                Method::PATCH,
                &format!("/api/v1/customers/{id}"),
                Some(body),
            )
            .await
        }
    };
    assert_eq!(patch(survivor, json!({"phone": "+31 6 1234"})).await.0, 200);
    assert_eq!(
        patch(
            other,
            json!({"phone": "+31 6 9999", "email": "ana@example.com"})
        )
        .await
        .0,
        200
    );
    let path = format!("/api/v1/customers/{survivor}/merge");

    for body in [
        json!({"other": other}),
        json!({"other": other, "confirm": false}),
    ] {
        let (status, answer) = app.post(&path, body.clone()).await;
        assert_eq!(
            (status, answer["code"].as_str(), answer["field"].as_str()),
            (400, Some("confirmation_required"), Some("confirm")),
            "{body}"
        );
    }
    assert!(
        app.customer("556").await["merged_into"].is_null(),
        "nothing merged without confirmation"
    );

    let (status, merged) = app
        .post(&path, json!({"other": other, "confirm": true}))
        .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(
        (merged["id"].as_i64(), merged["merged_into"].is_null()),
        (Some(survivor), true)
    );
    assert_eq!(
        (merged["phone"].as_str(), merged["email"].as_str()),
        (Some("+31 6 1234"), Some("ana@example.com")),
        "the survivor keeps its phone and takes the email it lacked"
    );
    let (status, gone) = app.get(&format!("/api/v1/customers/{other}")).await;
    assert_eq!(
        (status, gone["merged_into"].as_i64()),
        (200, Some(survivor))
    );
    assert_eq!(
        gone["phone"], "+31 6 9999",
        "nothing of the merged profile is lost"
    );
    assert_eq!(
        app.customer("556").await["merged_into"],
        survivor,
        "search points to the survivor"
    );
    let texts: Vec<_> = app
        .timeline("555")
        .await
        .iter()
        .map(|i| i["text"].clone())
        .collect();
    assert_eq!(
        texts,
        ["first", "second", "third"],
        "both profiles' items, in time order"
    );

    let again = app
        .post(&path, json!({"other": other, "confirm": true}))
        .await;
    assert_eq!(code(&again), (409, Some("already_merged")));
    let back = app
        .post(
            &format!("/api/v1/customers/{other}/merge"),
            json!({"other": survivor, "confirm": true}),
        )
        .await;
    assert_eq!(code(&back), (409, Some("already_merged")));
    let itself = app
        .post(&path, json!({"other": survivor, "confirm": true}))
        .await;
    assert_eq!(code(&itself), (409, Some("same_customer")));
    let unknown = app
        .post(&path, json!({"other": 999999, "confirm": true}))
        .await;
    assert_eq!(code(&unknown), (404, Some("not_found")));
}

#[tokio::test]
async fn an_agent_of_another_inbox_cannot_merge_or_see_the_profiles() {
    let app = start_sqlite().await;
    let (survivor, other) = two_profiles(&app).await;
    let ben = agent_token(&app.running, "ben@example.com", false, &["Other"]).await;
    let ana = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let body = json!({"other": other, "confirm": true});
    let outsider = app
        .send_as(
            &ben,
            Method::POST,
            &format!("/api/v1/customers/{survivor}/merge"),
            Some(body.clone()),
        )
        .await;
    let unknown = app
        .send_as(
            &ben,
            Method::POST,
            "/api/v1/customers/999999/merge",
            Some(body.clone()),
        )
        .await;
    assert_eq!(outsider.0, 404);
    assert_eq!(outsider, unknown, "answered like an unknown profile");
    assert!(app.customer("556").await["merged_into"].is_null());
    for id in [survivor, other] {
        let seen = app.get_as(&ben, &format!("/api/v1/customers/{id}")).await;
        assert_eq!(code(&seen), (404, Some("not_found")));
        let timeline = app
            .get_as(&ben, &format!("/api/v1/customers/{id}/timeline"))
            .await;
        assert_eq!(code(&timeline), (404, Some("not_found")));
    }

    let (status, merged) = app
        .send_as(
            &ana,
            Method::POST,
            &format!("/api/v1/customers/{survivor}/merge"),
            Some(body),
        )
        .await;
    assert_eq!(
        (status, merged["id"].as_i64()),
        (200, Some(survivor)),
        "an agent of the inbox may merge"
    );
}
