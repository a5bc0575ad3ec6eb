//! Sign-in limits over real HTTP, on SQLite and PostgreSQL: an email is at most 254
//! characters (refused before any lookup, in the JSON API and on the page), failed
//! sign-ins are limited per client address whatever the emails, and wrong passwords
//! from elsewhere do not lock an agent out of an address they signed in from.
//! Clients come from distinct loopback addresses (127.0.0.x), which Linux routes to
//! the same server.

mod common;

use common::*;
use igdesk::service::sign_in::{ADDRESS_TRIES, EMAIL_TRIES};
use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr};

/// The password `agent_token` gives `admin@example.com`.
const ADMIN_PASSWORD: &str = "a test password";

/// A client whose connections come from 127.0.0.`last`.
fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .unwrap()
}

async fn sign_in(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> (u16, Option<String>, Value) {
    let response = client
        .post(format!("{}/api/v1/session", app.url))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        status,
        retry_after,
        response.json().await.unwrap_or(Value::Null),
    )
}

async fn an_email_longer_than_254_characters_is_refused_before_any_lookup(app: TestApp) {
    let client = client_from(1);
    let at = "@example.com";
    let longest = format!("{}{at}", "a".repeat(254 - at.len()));
    let (status, _, body) = sign_in(&app, &client, &longest, "wrong").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("sign_in_failed"))
    );
    let too_long = format!("a{longest}");
    let (status, _, body) = sign_in(&app, &client, &too_long, "wrong").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "email_too_long");
    assert_eq!(body["field"], "email");
    // Megabytes of email are refused alike, and none of it is held: such tries do
    // not count (no password was checked), so the address is not limited by them.
    let huge = "b".repeat(1024 * 1024);
    for _ in 0..ADDRESS_TRIES + 1 {
        assert_eq!(sign_in(&app, &client, &huge, "wrong").await.0, 400);
    }
    assert_eq!(
        sign_in(&app, &client, "admin@example.com", ADMIN_PASSWORD)
            .await
            .0,
        200
    );

    // The page says it beside the field, and does not echo the email back.
    let page = client
        .post(format!("{}/sign-in", app.url))
        .form(&[("email", too_long.as_str()), ("password", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 422);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(
            r#"<p class="error" id="email-error">An email address has at most 254 characters.</p>"#
        ),
        "{html}"
    );
    assert!(html.contains(r#"aria-describedby="email-error""#));
    assert!(!html.contains(&too_long));
}

#[tokio::test]
async fn an_email_longer_than_254_characters_is_refused_before_any_lookup_sqlite() {
    an_email_longer_than_254_characters_is_refused_before_any_lookup(start_sqlite().await).await;
}

#[tokio::test]
async fn an_email_longer_than_254_characters_is_refused_before_any_lookup_postgres() {
    an_email_longer_than_254_characters_is_refused_before_any_lookup(start_postgres().await).await;
}

async fn changing_the_email_never_escapes_the_per_address_limit(app: TestApp) {
    let sprayer = client_from(2);
    for n in 0..ADDRESS_TRIES {
        let email = format!("guess{n}@example.com");
        assert_eq!(
            sign_in(&app, &sprayer, &email, "wrong").await.0,
            401,
            "try {n}"
        );
    }
    let (status, retry_after, body) =
        sign_in(&app, &sprayer, "yet-another@example.com", "wrong").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("too_many_attempts"))
    );
    let wait: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((14 * 60..=15 * 60).contains(&wait), "{wait} s");
    // Even the right password of a real agent is refused from that address…
    let (status, ..) = sign_in(&app, &sprayer, "admin@example.com", ADMIN_PASSWORD).await;
    assert_eq!(status, 429);
    // …the page says so too…
    let page = sprayer
        .post(format!("{}/sign-in", app.url))
        .form(&[("email", "admin@example.com"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 429);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("Too many failed sign-ins. Try again in"));
    // …while another address signs in as usual.
    let (status, ..) = sign_in(&app, &client_from(3), "admin@example.com", ADMIN_PASSWORD).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn changing_the_email_never_escapes_the_per_address_limit_sqlite() {
    changing_the_email_never_escapes_the_per_address_limit(start_sqlite().await).await;
}

#[tokio::test]
async fn changing_the_email_never_escapes_the_per_address_limit_postgres() {
    changing_the_email_never_escapes_the_per_address_limit(start_postgres().await).await;
}

async fn wrong_passwords_from_elsewhere_do_not_lock_an_agent_out_of_their_usual_address(
    app: TestApp,
) {
    let desk = client_from(4);
    assert_eq!(
        sign_in(&app, &desk, "admin@example.com", ADMIN_PASSWORD)
            .await
            .0,
        200
    );
    // Someone who knows the admin's email guesses from several addresses.
    for n in 0..EMAIL_TRIES as u8 {
        let attacker = client_from(10 + n);
        let (status, ..) = sign_in(&app, &attacker, "admin@example.com", "guess").await;
        assert_eq!(status, 401);
    }
    // The email is locked for any address the admin has not signed in from…
    let (status, _, body) =
        sign_in(&app, &client_from(20), "Admin@Example.com", ADMIN_PASSWORD).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("too_many_attempts"))
    );
    // …but not at the admin's desk.
    assert_eq!(
        sign_in(&app, &desk, "admin@example.com", ADMIN_PASSWORD)
            .await
            .0,
        200
    );
    // The desk is no way round the limit either: five wrong passwords lock it too.
    for _ in 0..EMAIL_TRIES {
        assert_eq!(
            sign_in(&app, &desk, "admin@example.com", "guess").await.0,
            401
        );
    }
    assert_eq!(
        sign_in(&app, &desk, "admin@example.com", ADMIN_PASSWORD)
            .await
            .0,
        429
    );
}

#[tokio::test]
async fn wrong_passwords_from_elsewhere_do_not_lock_an_agent_out_of_their_usual_address_sqlite() {
    wrong_passwords_from_elsewhere_do_not_lock_an_agent_out_of_their_usual_address(
        start_sqlite().await,
    )
    .await;
}

#[tokio::test]
async fn wrong_passwords_from_elsewhere_do_not_lock_an_agent_out_of_their_usual_address_postgres() {
    wrong_passwords_from_elsewhere_do_not_lock_an_agent_out_of_their_usual_address(
        start_postgres().await,
    )
    .await;
}

/// Behind a proxy listed in `trusted_proxies`, each client its `X-Forwarded-For` names
/// has a limit of its own; anyone else's `X-Forwarded-For` is ignored.
#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_limited_not_the_proxy() {
    let app = start_sqlite_tuned(|raw| raw.trusted_proxies = Some("127.0.0.5".into())).await;
    let proxy = client_from(5);
    let through_proxy = |client: &'static str, email: String, password: &'static str| {
        proxy
            .post(format!("{}/api/v1/session", app.url))
            // What the client claimed, then what the proxy saw.
            .header("x-forwarded-for", format!("127.0.0.1, {client}"))
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    for n in 0..ADDRESS_TRIES {
        let status = through_proxy("198.51.100.1", format!("guess{n}@example.com"), "wrong")
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401, "try {n}");
    }
    let refused = through_proxy("198.51.100.1", "admin@example.com".into(), ADMIN_PASSWORD)
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    // Another client through the same proxy is not held back by the first one's tries.
    let signed_in = through_proxy("198.51.100.2", "admin@example.com".into(), ADMIN_PASSWORD)
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);

    // A peer that is not a listed proxy counts as itself, whatever it forwards.
    let direct = client_from(6);
    for n in 0..ADDRESS_TRIES {
        let status = direct
            .post(format!("{}/api/v1/session", app.url))
            .header("x-forwarded-for", format!("203.0.113.{n}"))
            .json(&json!({"email": format!("spray{n}@example.com"), "password": "wrong"}))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401, "try {n}");
    }
    let (status, ..) = sign_in(&app, &direct, "admin@example.com", ADMIN_PASSWORD).await;
    assert_eq!(status, 429);
}
