//! `/metrics`: off unless `metrics_token` is set, and then only for a
//! scraper bearing that token. Over real HTTP, on both stores.

mod common;

use common::{start_postgres, start_sqlite, start_sqlite_tuned, TestApp, METRICS_TOKEN};

async fn scrape(app: &TestApp, bearer: Option<&str>) -> (u16, String) {
    let mut req = app.http.get(format!("{}/metrics", app.url));
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn only_the_token_opens_metrics(app: TestApp) {
    let (status, body) = scrape(&app, None).await;
    assert_eq!(status, 401, "no token: {body}");
    assert!(!body.contains("igdesk_"), "{body}");
    let (status, body) = scrape(&app, Some("metrics-test-0123456789abcdeX")).await;
    assert_eq!(status, 401, "wrong token: {body}");
    assert!(!body.contains("igdesk_"), "{body}");
    // An API token is not a metrics token either.
    let (status, _) = scrape(&app, Some(&app.token)).await;
    assert_eq!(status, 401);
    let (status, body) = scrape(&app, Some(METRICS_TOKEN)).await;
    assert_eq!(status, 200);
    assert!(body.contains("igdesk_work_metrics_up 1"), "{body}");
}

#[tokio::test]
async fn metrics_need_the_token_sqlite() {
    only_the_token_opens_metrics(start_sqlite().await).await;
}

#[tokio::test]
async fn metrics_need_the_token_postgres() {
    only_the_token_opens_metrics(start_postgres().await).await;
}

#[tokio::test]
async fn metrics_are_off_without_a_token() {
    let app = start_sqlite_tuned(|raw| raw.metrics_token = None).await;
    for bearer in [None, Some(METRICS_TOKEN), Some("")] {
        let (status, body) = scrape(&app, bearer).await;
        assert_eq!(status, 404, "{body}");
        assert!(!body.contains("igdesk_"), "{body}");
    }
}
