//! A company with several connected accounts, and the console's pages as an
//! admin's browser gets them.

use super::TestApp;
use igdesk::accounts::{connect, Connection};
use igdesk_domain::ConversationSettings;
use igdesk_igs::BusinessAccount;
use igdesk_store::Account;
use reqwest::header::{COOKIE, SET_COOKIE};
use secrecy::SecretString;
use serde_json::json;

/// A second account of the company, on Instagram and connected to igdesk (its
/// history import is queued as on connecting).
pub async fn connect_business(app: &TestApp, ig_id: &str, username: &str) -> Account {
    let page_id = format!("2{}", &ig_id[ig_id.len() - 14..]);
    let page_token = format!("EAAB-{username}-page-token");
    app.sim.add_business(BusinessAccount {
        ig_id: ig_id.into(),
        page_id: page_id.clone(),
        username: username.into(),
        page_token: page_token.clone(),
        instagram_token: format!("IGQV-{username}"),
    });
    let app = &app.running.app;
    connect(
        app.store.as_ref(),
        &app.sealer,
        Connection {
            ig_id: ig_id.into(),
            page_id,
            page_name: username.into(),
            username: username.into(),
            login_path: "facebook".into(),
            token: SecretString::from(page_token),
            added_by: "test".into(),
            settings: ConversationSettings::default(),
        },
    )
    .await
    .unwrap()
}

/// A console page as the test's admin sees it (signed in with a session cookie).
pub async fn console_page(app: &TestApp, path: &str) -> String {
    let signed_in = app
        .http
        .post(format!("{}/api/v1/session", app.url))
        .json(&json!({ "email": "admin@example.com", "password": "a test password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in.headers()[SET_COOKIE].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let page = app
        .http
        .get(format!("{}{path}", app.url))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "{path}");
    page.text().await.unwrap()
}
