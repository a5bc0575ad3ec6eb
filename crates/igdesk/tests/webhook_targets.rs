//! Where the Business Messaging API's webhooks may go: public https
//! addresses only, unless IGDESK_WEBHOOK_ALLOW_PRIVATE is on. Refused when saved
//! (the JSON API and the settings page) and again when connecting, with no
//! connection made; redirects are never followed.

mod common;

use common::api::account_id;
use common::*;
use igdesk::config::RawSettings;
use igdesk_domain::AccountId;
use igdesk_igs::Event;
use igdesk_store::{ApiSettings, HandoverTarget};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

const SETTING: &str = "IGDESK_WEBHOOK_ALLOW_PRIVATE";

/// As `igdesk serve` runs by default: the setting off.
fn private_refused(raw: &mut RawSettings) {
    raw.webhook_allow_private = None;
}

async fn put_api(app: &TestApp, body: Value) -> (u16, Value) {
    let account = account_id(app).await;
    app.send_as(
        &app.token,
        Method::PUT,
        &format!("/api/v1/accounts/{account}/api"),
        Some(body),
    )
    .await
}

async fn refusals_when_saved(app: &TestApp) {
    let refused = [
        ("inbound_url", "http://bot.example.com/in"),
        ("inbound_url", "https://127.0.0.1/in"),
        ("status_url", "https://127.0.0.2:8443/status"),
        ("inbound_url", "https://localhost:8443/in"),
        ("inbound_url", "https://169.254.169.254/latest/meta-data/"),
        ("status_url", "https://10.0.0.7/status"),
        ("inbound_url", "https://172.16.4.4/in"),
        ("inbound_url", "https://192.168.1.10/in"),
        ("inbound_url", "https://100.64.0.1/in"),
        ("inbound_url", "https://0.0.0.0/in"),
        // 127.0.0.1 written as one number: the URL parser makes it an address.
        ("inbound_url", "https://2130706433/in"),
        ("inbound_url", "https://[::1]/in"),
        ("inbound_url", "https://[::ffff:127.0.0.1]/in"),
        ("inbound_url", "https://[::ffff:a9fe:a9fe]/in"),
        ("status_url", "https://[fd12:3456::1]/status"),
        ("status_url", "https://[fe80::1]/status"),
    ];
    for (field, url) in refused {
        let (status, body) = put_api(app, json!({ field: url })).await;
        assert_eq!(status, 400, "{url}: {body}");
        assert_eq!(body["field"], field, "{url}: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(SETTING), "{url}: {message}");
        assert!(message.contains(field), "{url}: {message}");
    }
    // Nothing was saved: the API is still off.
    let account = account_id(app).await;
    let (status, _) = app.get(&format!("/api/v1/accounts/{account}/api")).await;
    assert_eq!(status, 404);
    // A public address over https is fine.
    let (status, body) = put_api(app, json!({ "inbound_url": "https://93.184.215.14/in" })).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn http_loopback_private_and_link_local_urls_are_refused_when_saved() {
    let app = start_sqlite_tuned(private_refused).await;
    refusals_when_saved(&app).await;
}

#[tokio::test]
async fn http_loopback_private_and_link_local_urls_are_refused_when_saved_on_postgres() {
    let app = start_postgres_tuned(private_refused).await;
    refusals_when_saved(&app).await;
}

#[tokio::test]
async fn with_the_setting_on_a_local_http_receiver_is_accepted() {
    let app = start_sqlite().await;
    let (status, body) = put_api(&app, json!({ "inbound_url": "http://127.0.0.1:9/in" })).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_settings_page_says_why_next_to_the_field() {
    let app = start_sqlite_tuned(private_refused).await;
    let account = account_id(&app).await;
    let signed_in = app
        .http
        .post(format!("{}/api/v1/session", app.url))
        .json(&json!({ "email": "admin@example.com", "password": "a test password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = signed_in.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = app
        .http
        .post(format!("{}/settings/api/{account}", app.url))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("inbound_url", "https://169.254.169.254/latest"),
            ("status_url", ""),
            ("handover", "agents"),
            ("inbound_retry_hours", "720"),
            ("status_retry_hours", "168"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    let html = page.text().await.unwrap();
    let at = html
        .find("id=\"inbound-url-error\"")
        .expect("a message next to the inbound URL");
    let message = &html[at..at + html[at..].find("</p>").unwrap()];
    assert!(message.contains(SETTING), "{message}");
    assert!(html.contains("value=\"https://169.254.169.254/latest\""));
}

/// A TCP listener that counts the connections made to it and answers nothing
/// (an https client would fail its handshake, after connecting).
async fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (port, connections)
}

/// Saves API settings straight into the store, as if the URL had passed the
/// check when saved and its name was pointed elsewhere since.
async fn store_url(app: &TestApp, url: &str) {
    let running = &app.running.app;
    let secret = secrecy::SecretString::from(igdesk::webhooks_out::new_secret());
    running
        .store
        .set_api_settings(
            AccountId(account_id(app).await),
            &ApiSettings {
                inbound_url: Some(url.to_owned()),
                status_url: None,
                secret_sealed: running.sealer.seal(&secret),
                handover: HandoverTarget::Agents,
                inbound_retry_seconds: 3600,
                status_retry_seconds: 3600,
            },
            igdesk::now_ms(),
        )
        .await
        .unwrap();
}

/// The last error of the account's failed webhooks, once one mentions `what`.
async fn failure_mentioning(app: &TestApp, what: &str) -> String {
    let account = AccountId(account_id(app).await);
    let found = Arc::new(std::sync::Mutex::new(String::new()));
    app.eventually(&format!("a failed webhook mentioning {what}"), || {
        let found = found.clone();
        async move {
            let failures = app
                .running
                .app
                .store
                .webhook_failures(account, 10)
                .await
                .unwrap();
            match failures.into_iter().find(|f| f.error.contains(what)) {
                Some(f) => {
                    *found.lock().unwrap() = f.error;
                    true
                }
                None => false,
            }
        }
    })
    .await;
    let error = found.lock().unwrap().clone();
    error
}

#[tokio::test]
async fn a_name_resolving_to_a_private_address_at_send_time_is_never_connected_to() {
    let app = start_sqlite_tuned(private_refused).await;
    let (port, connections) = counting_listener().await;
    store_url(&app, &format!("https://localhost:{port}/inbound")).await;
    app.send(Event::text("555", "Hello?")).await;
    let error = failure_mentioning(&app, "localhost").await;
    assert!(error.contains("not public"), "{error}");
    assert!(error.contains(SETTING), "{error}");
    // An address written in the URL is not looked up, and checked all the same.
    store_url(&app, &format!("https://127.0.0.1:{port}/inbound")).await;
    app.send(Event::text("556", "Hello?")).await;
    let literal = format!("https://127.0.0.1:{port}/inbound");
    let error = failure_mentioning(&app, &format!("not sent to {literal}")).await;
    assert!(error.contains("not public"), "{error}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(connections.load(Ordering::SeqCst), 0);
}

/// An http server that counts its requests and answers each with `answer`.
async fn http_server(
    answer: impl Fn() -> axum::response::Response + Clone + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    let router = axum::Router::new().fallback(move || {
        let answer = answer.clone();
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            answer()
        }
    });
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, requests)
}

#[tokio::test]
async fn a_redirect_is_a_failed_delivery_and_its_target_is_never_contacted() {
    use axum::response::IntoResponse;
    let app = start_sqlite().await;
    let (elsewhere, contacted) = http_server(|| "ok".into_response()).await;
    let target = format!("{elsewhere}/inbound");
    let (receiver, asked) = http_server(move || {
        (
            axum::http::StatusCode::FOUND,
            [("location", target.clone())],
        )
            .into_response()
    })
    .await;
    let (status, body) = put_api(
        &app,
        json!({ "inbound_url": format!("{receiver}/inbound") }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    app.send(Event::text("555", "Hello?")).await;
    let error = failure_mentioning(&app, "302").await;
    assert!(error.contains("redirect"), "{error}");
    assert!(asked.load(Ordering::SeqCst) >= 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(contacted.load(Ordering::SeqCst), 0);
}
