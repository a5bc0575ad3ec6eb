//! Signing in to the console: cookie sessions with CSRF protection, the same answer
//! for a wrong password and an unknown email, failed attempts slowed, and no sign-in
//! posted from another website.

mod common;

use common::*;
use igdesk::people::{add_agent_with_token, NewPerson};
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{json, Value};

async fn add_person(app: &TestApp, email: &str, password: &str) {
    let person = NewPerson {
        email: email.into(),
        name: "Ana".into(),
        password: secrecy::SecretString::from(password.to_owned()),
        is_admin: false,
        inboxes: vec!["Instagram".into()],
    };
    add_agent_with_token(app.running.app.store.as_ref(), person, "test")
        .await
        .unwrap();
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/api/v1/session", app.url))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_session_cookie_reads_freely_and_writes_only_with_its_csrf_token() {
    let app = start_sqlite().await;
    add_person(&app, "ana@example.com", "a good password").await;
    let response = sign_in(&app, "Ana@Example.com", "a good password").await;
    assert_eq!(response.status(), 200);
    let set_cookie = response
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    assert_eq!(body["agent"]["email"], "ana@example.com");

    let me = app
        .http
        .get(format!("{}/api/v1/session", app.url))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    app.send(igdesk_igs::Event::text("555", "hi")).await;
    app.settle().await;
    let id = app.customer("555").await["id"].as_i64().unwrap();
    let path = format!("{}/api/v1/customers/{id}/messages", app.url);
    let without = app
        .http
        .post(&path)
        .header(COOKIE, &cookie)
        .json(&json!({"text": "hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 403);
    assert_eq!(without.json::<Value>().await.unwrap()["code"], "csrf");
    let with = app
        .http
        .post(&path)
        .header(COOKIE, &cookie)
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"text": "hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(with.status(), 202);

    let out = app
        .http
        .delete(format!("{}/api/v1/session", app.url))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let after = app
        .http
        .get(format!("{}/api/v1/session", app.url))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401, "signed out");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_answer_alike_and_repeats_are_slowed() {
    let app = start_sqlite().await;
    add_person(&app, "ana@example.com", "a good password").await;
    let wrong = sign_in(&app, "ana@example.com", "nope").await;
    let unknown = sign_in(&app, "nobody@example.com", "nope").await;
    assert_eq!(
        (wrong.status(), unknown.status()),
        (
            reqwest::StatusCode::UNAUTHORIZED,
            reqwest::StatusCode::UNAUTHORIZED
        )
    );
    assert_eq!(
        wrong.json::<Value>().await.unwrap(),
        unknown.json::<Value>().await.unwrap()
    );
    for _ in 0..4 {
        assert_eq!(sign_in(&app, "ana@example.com", "nope").await.status(), 401);
    }
    let locked = sign_in(&app, "ana@example.com", "a good password").await;
    assert_eq!(
        locked.status(),
        429,
        "five failures lock the email for a while, right password or not"
    );
    assert!(locked.headers().get("retry-after").is_some());
    assert_eq!(
        locked.json::<Value>().await.unwrap()["code"],
        "too_many_attempts"
    );
    // Bearer tokens are not affected.
    assert_eq!(app.get("/api/v1/session").await.0, 200);
}

/// Login CSRF: a page on another website posting the sign-in form (with its own
/// credentials) signs nobody in; the same form from igdesk's own page, or from no
/// browser at all, does.
#[tokio::test]
async fn the_sign_in_form_refuses_a_post_from_another_website() {
    let app = start_sqlite().await;
    add_person(&app, "ana@example.com", "a long enough password").await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |headers: &[(&'static str, &'static str)]| {
        let mut request = no_redirects.post(format!("{}/sign-in", app.url)).form(&[
            ("email", "ana@example.com"),
            ("password", "a long enough password"),
        ]);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    for from_elsewhere in [
        &[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ][..],
        &[("origin", "https://evil.example")][..],
        &[("origin", "null")][..],
    ] {
        let refused = post(from_elsewhere).await.unwrap();
        assert_eq!(refused.status(), 403, "{from_elsewhere:?}");
        assert!(refused.headers().get(SET_COOKIE).is_none());
        assert!(refused
            .text()
            .await
            .unwrap()
            .contains("This sign-in was sent from another website"));
    }
    let own_origin = app.url.clone().leak() as &'static str;
    for from_here in [
        &[("sec-fetch-site", "same-origin"), ("origin", own_origin)][..],
        &[("origin", own_origin)][..],
        &[][..],
    ] {
        let signed_in = post(from_here).await.unwrap();
        assert_eq!(signed_in.status(), 303, "{from_here:?}");
        assert!(signed_in.headers().get(SET_COOKIE).is_some());
    }
}
