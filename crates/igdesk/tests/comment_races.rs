//! A comment is answered once in public and once in private (OUT-8), even when many
//! agents answer it at the same moment: exactly one request is accepted, the others
//! are refused with 409 `already_replied`, and Meta (the simulator) receives one
//! reply of each kind. Proved on SQLite and PostgreSQL.

mod common;

use common::*;
use igdesk_igs::Event;
use serde_json::{json, Value};
use std::time::Duration;

/// How many agents answer the comment at once.
const AT_ONCE: usize = 16;

/// `AT_ONCE` POSTs to `path` at the same moment, each with its own text.
async fn all_at_once(app: &TestApp, path: &str) -> Vec<(u16, Value)> {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(AT_ONCE));
    let requests: Vec<_> = (0..AT_ONCE)
        .map(|n| {
            let request = app
                .http
                .post(format!("{}{path}", app.url))
                .bearer_auth(&app.token)
                .json(&json!({ "text": format!("Answer number {n}") }));
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                (status, response.json().await.unwrap_or(Value::Null))
            })
        })
        .collect();
    let mut answers = Vec::new();
    for request in requests {
        answers.push(request.await.unwrap());
    }
    answers
}

/// One accepted with `accepted`, every other refused as already replied.
fn exactly_one_accepted(answers: &[(u16, Value)], accepted: u16) {
    let taken = answers.iter().filter(|(s, _)| *s == accepted).count();
    let refused = answers
        .iter()
        .filter(|(s, b)| *s == 409 && b["code"] == "already_replied")
        .count();
    assert_eq!((taken, refused), (1, AT_ONCE - 1), "{answers:?}");
}

async fn concurrent_replies_to_one_comment_are_sent_once(app: TestApp) {
    let comment = Event::comment("555", "ana", "Is it in stock?", "18100", "FEED");
    let comment_mid = comment.comment_id().unwrap().to_owned();
    app.send(comment).await;
    app.settle().await;
    let id = app
        .timeline("555")
        .await
        .into_iter()
        .find(|i| i["mid"] == comment_mid.as_str())
        .expect("the comment")["id"]
        .as_i64()
        .unwrap();

    let public = all_at_once(&app, &format!("/api/v1/timeline/{id}/reply")).await;
    exactly_one_accepted(&public, 201);
    let posted: Vec<_> = app
        .sim
        .comment_actions()
        .into_iter()
        .filter(|a| a.action == "reply" && a.comment_id == comment_mid)
        .collect();
    assert_eq!(posted.len(), 1, "one public reply at Meta: {posted:?}");

    let private = all_at_once(&app, &format!("/api/v1/timeline/{id}/private-reply")).await;
    exactly_one_accepted(&private, 202);
    let queued = private
        .iter()
        .find(|(s, _)| *s == 202)
        .map(|(_, b)| b["id"].as_i64().unwrap())
        .unwrap();
    app.item_when("555", queued, "the private reply sent", |i| {
        i["status"] == "sent"
    })
    .await;
    // Time for a second one to reach Meta, were one queued.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent: Vec<_> = app
        .sim
        .sent()
        .into_iter()
        .filter(|m| m.comment_id.as_deref() == Some(comment_mid.as_str()))
        .collect();
    assert_eq!(sent.len(), 1, "one private reply at Meta: {sent:?}");
    let outgoing = app
        .timeline("555")
        .await
        .into_iter()
        .filter(|i| i["direction"] == "out" && i["kind"] == "message")
        .count();
    assert_eq!(
        outgoing, 1,
        "one private reply on the timeline, none failed"
    );
    let comment = app
        .timeline("555")
        .await
        .into_iter()
        .find(|i| i["id"] == id)
        .unwrap();
    assert_eq!(
        (
            &comment["context"]["replied_publicly"],
            &comment["context"]["replied_privately"]
        ),
        (&json!(true), &json!(true))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_replies_to_one_comment_are_sent_once_sqlite() {
    concurrent_replies_to_one_comment_are_sent_once(start_sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_replies_to_one_comment_are_sent_once_postgres() {
    concurrent_replies_to_one_comment_are_sent_once(start_postgres().await).await;
}

/// A public reply Instagram refuses is given back: the agent can try again; once one
/// is posted, hiding the comment (which rewrites its context) keeps it answered.
#[tokio::test]
async fn a_refused_public_reply_can_be_tried_again() {
    let app = start_sqlite().await;
    let comment = Event::comment("555", "ana", "Hello", "18100", "FEED");
    let comment_mid = comment.comment_id().unwrap().to_owned();
    app.send(comment).await;
    app.settle().await;
    let id = app
        .timeline("555")
        .await
        .into_iter()
        .find(|i| i["mid"] == comment_mid.as_str())
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    app.sim.set_fault(Some(igdesk_igs::Fault::Throttle {
        code: 4,
        regain_minutes: 0,
        times: Some(1),
    }));
    let path = format!("/api/v1/timeline/{id}/reply");
    let (status, body) = app.post(&path, json!({"text": "first try"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("instagram_unavailable")),
        "{body}"
    );
    let (status, body) = app.post(&path, json!({"text": "second try"})).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app.post(&path, json!({"text": "third"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("already_replied"))
    );
    let (status, hidden) = app
        .post(&format!("/api/v1/timeline/{id}/hide"), json!({}))
        .await;
    assert_eq!(status, 200, "{hidden}");
    assert_eq!(
        (
            &hidden["context"]["hidden"],
            &hidden["context"]["replied_publicly"]
        ),
        (&json!(true), &json!(true))
    );
}
