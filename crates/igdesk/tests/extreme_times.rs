//! Absurd times and durations from an administrator: `from`/`to` of the
//! dashboard and the SLA report, an inbox's seconds. Each is a 400 naming the field,
//! never an overflow (which panics in the debug build these tests run, dropping the
//! connection). Over real HTTP.

mod common;

use common::{start_postgres, start_sqlite, TestApp};
use reqwest::Method;
use serde_json::json;

const MIN: i64 = i64::MIN;
const MAX: i64 = i64::MAX;

async fn refused(app: &TestApp, path: &str, field: &str) {
    let (status, body) = app.get(path).await;
    assert_eq!(status, 400, "{path}: {body}");
    assert_eq!(body["field"], field, "{path}: {body}");
}

async fn absurd_times_are_refused(app: TestApp) {
    let (status, inbox) = app
        .post("/api/v1/inboxes", json!({ "name": "Extremes" }))
        .await;
    assert_eq!(status, 201, "{inbox}");
    let inbox = inbox["id"].as_i64().unwrap();
    for base in [
        "/api/v1/dashboard?".to_owned(),
        format!("/api/v1/inboxes/{inbox}/sla?"),
    ] {
        refused(&app, &format!("{base}to={MAX}"), "to").await;
        refused(&app, &format!("{base}from={MIN}"), "from").await;
        refused(&app, &format!("{base}to={MIN}"), "to").await;
        refused(&app, &format!("{base}from={MAX}"), "from").await;
        refused(&app, &format!("{base}from={MIN}&to={MAX}"), "to").await;
        refused(&app, &format!("{base}from=-1&to=3600000"), "from").await;
        // The edges of what is accepted.
        let (status, body) = app.get(&format!("{base}from=0&to=3600000")).await;
        assert_eq!(status, 200, "{base}: {body}");
    }
    let (status, body) = app
        .get("/api/v1/dashboard?from=253402297200000&to=253402300799999")
        .await;
    assert_eq!(status, 200, "{body}");
    // An inbox's seconds: bounded before they are multiplied into milliseconds.
    for (field, value) in [
        ("auto_end_seconds", MAX),
        ("auto_end_seconds", MIN),
        ("sla_target_seconds", MAX),
        ("sla_target_seconds", -1),
    ] {
        let (status, body) = app
            .send_as(
                &app.token,
                Method::PATCH,
                &format!("/api/v1/inboxes/{inbox}"),
                Some(json!({ field: value })),
            )
            .await;
        assert_eq!(status, 400, "{field}={value}: {body}");
        assert_eq!(body["field"], field, "{body}");
    }
    // The service still answers.
    let (status, _) = app.get("/api/v1/dashboard").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn absurd_times_are_a_400_naming_the_field_sqlite() {
    absurd_times_are_refused(start_sqlite().await).await;
}

#[tokio::test]
async fn absurd_times_are_a_400_naming_the_field_postgres() {
    absurd_times_are_refused(start_postgres().await).await;
}
