//! Connecting Instagram accounts with Meta's login (ACC-1, ACC-6) over real HTTP,
//! the simulator playing Meta: both login paths from the JSON API through Meta's
//! dialog and back, every refusal, the webhook subscription and its repair,
//! reconnecting after Meta refused a token, and removing an account.

mod common;

use common::{start_postgres, start_sqlite, TestApp, IG_ID};
use igdesk_igs::{BusinessAccount, Delivery, Event};
use reqwest::redirect::Policy;
use serde_json::{json, Value};

/// A business the simulator knows and igdesk does not yet, not subscribed.
const NEW_IG_ID: &str = "17841400000000777";
const NEW_PAGE_ID: &str = "100000000000777";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

fn add_new_business(app: &TestApp, username: &str) {
    app.sim.add_business_unsubscribed(BusinessAccount {
        ig_id: NEW_IG_ID.into(),
        page_id: NEW_PAGE_ID.into(),
        username: username.into(),
        page_token: "EAAB-new-page-token".into(),
        instagram_token: "IGQV-new".into(),
    });
}

/// The hidden fields of the dialog's form, as a browser would post them back.
fn form_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for input in html.split("<input").skip(1) {
        let attr = |name: &str| {
            let start = input.find(&format!("{name}=\""))? + name.len() + 2;
            let end = input[start..].find('"')? + start;
            Some(html_unescape(&input[start..end]))
        };
        if attr("type").as_deref() == Some("hidden") {
            if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
                fields.push((n, v));
            }
        }
    }
    fields
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Starts a login from the API and answers Meta's dialog: `decision` is
/// `continue` or `cancel`. Answers igdesk's state and where Meta sent the browser.
async fn through_the_dialog(app: &TestApp, login: &str, decision: &str) -> (String, String) {
    through_the_dialog_as(app, login, decision, None).await
}

/// The same, logging in as the Instagram account `account` (Instagram Login's
/// dialog asks which one when there are several).
async fn through_the_dialog_as(
    app: &TestApp,
    login: &str,
    decision: &str,
    account: Option<&str>,
) -> (String, String) {
    let (status, started) = app
        .post("/api/v1/accounts/connect", json!({ "login": login }))
        .await;
    assert_eq!(status, 201, "{started}");
    let state = started["state"].as_str().unwrap().to_owned();
    let back = answer_dialog(
        started["authorize_url"].as_str().unwrap(),
        &state,
        decision,
        account,
    )
    .await;
    (state, back)
}

/// Opens Meta's dialog and answers it as a person would: where Meta sends them.
async fn answer_dialog(
    authorize: &str,
    state: &str,
    decision: &str,
    account: Option<&str>,
) -> String {
    let http = no_redirects();
    let dialog = http.get(authorize).send().await.unwrap();
    assert_eq!(dialog.status(), 200);
    let html = dialog.text().await.unwrap();
    let mut fields = form_fields(&html);
    assert!(
        fields.iter().any(|(k, v)| k == "state" && v == state),
        "{html}"
    );
    if let Some(account) = account {
        fields.push(("account".into(), account.into()));
    }
    fields.push(("decision".into(), decision.into()));
    let form_url = authorize.split('?').next().unwrap();
    let answer = http.post(form_url).form(&fields).send().await.unwrap();
    assert!(answer.status().is_redirection(), "{}", answer.status());
    answer.headers()["location"].to_str().unwrap().to_owned()
}

/// Follows Meta's redirect to igdesk's callback (without a session, as a script).
async fn callback(back: &str) -> (u16, String) {
    let answer = no_redirects().get(back).send().await.unwrap();
    let status = answer.status().as_u16();
    let location = answer
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, location.unwrap_or(answer.text().await.unwrap()))
}

async fn facebook_login_connects_and_subscribes(app: TestApp) {
    add_new_business(&app, "newshop");
    let (state, back) = through_the_dialog(&app, "facebook", "continue").await;
    assert!(
        back.starts_with(&format!("{}/oauth/facebook/callback?", app.url)),
        "{back}"
    );
    let (status, location) = callback(&back).await;
    assert_eq!(
        (status, location),
        (303, format!("/settings/accounts/connect/{state}"))
    );

    let (status, found) = app.get(&format!("/api/v1/accounts/connect/{state}")).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["login"], "facebook");
    let accounts = found["accounts"].as_array().unwrap();
    let new = accounts
        .iter()
        .find(|a| a["ig_id"] == NEW_IG_ID)
        .expect("the new account is found");
    assert_eq!(
        (&new["username"], &new["already_connected"]),
        (&json!("newshop"), &json!(false))
    );
    let shop = accounts
        .iter()
        .find(|a| a["ig_id"] == IG_ID)
        .expect("the connected one too");
    assert_eq!(shop["already_connected"], true);

    let pick = format!("/api/v1/accounts/connect/{state}");
    let (status, connected) = app.post(&pick, json!({ "ig_ids": [NEW_IG_ID] })).await;
    assert_eq!(status, 201, "{connected}");
    let account = &connected["data"][0];
    assert_eq!(
        (&account["ig_id"], &account["page_id"]),
        (&json!(NEW_IG_ID), &json!(NEW_PAGE_ID))
    );
    assert_eq!(
        (&account["login_path"], &account["subscribed"]),
        (&json!("facebook"), &json!(true))
    );
    assert!(
        app.sim.subscription(NEW_IG_ID).subscribed,
        "subscribed at Meta"
    );
    let (status, again) = app.post(&pick, json!({ "ig_ids": [NEW_IG_ID] })).await;
    assert_eq!(
        (status, again["code"].as_str()),
        (409, Some("already_connected_from_this_login"))
    );

    // Its customers' messages now arrive, and replies go out with its Page token.
    let delivery = Delivery::new(NEW_IG_ID).push(Event::text("9001", "Hello new shop"));
    assert_eq!(app.sim.deliver(&delivery).await.unwrap(), 200);
    app.settle().await;
    let (_, customers) = app.get("/api/v1/customers?igsid=9001").await;
    let customer = customers["data"][0]["id"].clone();
    assert!(customer.is_i64(), "{customers}");
    let (status, reply) = app
        .post(
            &format!("/api/v1/customers/{customer}/messages"),
            json!({ "text": "Welcome!" }),
        )
        .await;
    assert_eq!(status, 202, "{reply}");
    app.eventually("the reply reaches Meta", || async {
        app.sim
            .sent()
            .iter()
            .any(|m| m.text.as_deref() == Some("Welcome!") && m.business_ig_id == NEW_IG_ID)
    })
    .await;
}

#[tokio::test]
async fn facebook_login_connects_and_subscribes_on_sqlite() {
    facebook_login_connects_and_subscribes(start_sqlite().await).await;
}

#[tokio::test]
async fn facebook_login_connects_and_subscribes_on_postgres() {
    facebook_login_connects_and_subscribes(start_postgres().await).await;
}

#[tokio::test]
async fn instagram_login_connects_one_account() {
    let app = start_sqlite().await;
    add_new_business(&app, "igonly");
    // A login left in Meta's dialog is not back yet.
    let (unfinished, _) = through_the_dialog_as(&app, "instagram", "continue", Some(IG_ID)).await;
    // The dialog offers every Instagram account: the new one is picked.
    let (state2, back) =
        through_the_dialog_as(&app, "instagram", "continue", Some(NEW_IG_ID)).await;
    assert!(
        back.starts_with(&format!("{}/oauth/instagram/callback?", app.url)),
        "{back}"
    );
    let (status, location) = callback(&back).await;
    assert_eq!(
        (status, location),
        (303, format!("/settings/accounts/connect/{state2}"))
    );
    let (_, found) = app.get(&format!("/api/v1/accounts/connect/{state2}")).await;
    assert_eq!(found["login"], "instagram");
    assert_eq!(found["accounts"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["accounts"][0]["ig_id"], NEW_IG_ID);
    let (status, connected) = app
        .post(
            &format!("/api/v1/accounts/connect/{state2}"),
            json!({ "ig_ids": [NEW_IG_ID] }),
        )
        .await;
    assert_eq!(status, 201, "{connected}");
    assert_eq!(connected["data"][0]["login_path"], "instagram");
    assert_eq!(connected["data"][0]["subscribed"], true);
    assert!(app.sim.subscription(NEW_IG_ID).subscribed);
    // The first login was left unfinished: its state is still unused, not connected.
    let (status, body) = app
        .get(&format!("/api/v1/accounts/connect/{unfinished}"))
        .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("not_returned")));
}

#[tokio::test]
async fn every_refusal_connects_nothing() {
    let app = start_sqlite().await;
    add_new_business(&app, "newshop");
    let before = app.get("/api/v1/accounts").await.1["data"]
        .as_array()
        .unwrap()
        .len();

    // Denied in Meta's dialog.
    let (_, back) = through_the_dialog(&app, "facebook", "cancel").await;
    assert!(back.contains("error=access_denied"), "{back}");
    let (status, page) = callback(&back).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("did not complete"), "{page}");

    // A state igdesk never gave, a reused one, none at all.
    let (status, page) = callback(&format!(
        "{}/oauth/facebook/callback?code=x&state=nobodys",
        app.url
    ))
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("not one igdesk started"), "{page}");
    let (state, back) = through_the_dialog(&app, "facebook", "continue").await;
    assert_eq!(callback(&back).await.0, 303);
    let (status, page) = callback(&back).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("already completed"), "{page}");
    assert_eq!(
        callback(&format!("{}/oauth/facebook/callback?code=x", app.url))
            .await
            .0,
        400
    );

    // A code Meta refuses (made up), on a fresh state.
    let (started_status, started) = app
        .post("/api/v1/accounts/connect", json!({ "login": "facebook" }))
        .await;
    assert_eq!(started_status, 201);
    let fresh = started["state"].as_str().unwrap();
    let (status, page) = callback(&format!(
        "{}/oauth/facebook/callback?code=made-up&state={fresh}",
        app.url
    ))
    .await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("Meta refused the login"), "{page}");

    // The other path's callback for a Facebook state.
    let (_, started) = app
        .post("/api/v1/accounts/connect", json!({ "login": "facebook" }))
        .await;
    let other = started["state"].as_str().unwrap();
    let (status, _) = callback(&format!(
        "{}/oauth/instagram/callback?code=x&state={other}",
        app.url
    ))
    .await;
    assert_eq!(status, 400);

    // Picking an account the login did not find, or nothing.
    let pick = format!("/api/v1/accounts/connect/{state}");
    let (status, body) = app.post(&pick, json!({ "ig_ids": ["123"] })).await;
    assert_eq!(
        (status, body["code"].as_str(), body["field"].as_str()),
        (400, Some("not_found_by_login"), Some("ig_ids"))
    );
    let (status, body) = app.post(&pick, json!({ "ig_ids": [] })).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("nothing_picked"))
    );

    // Another administrator's login is not theirs to see; agents may not start one.
    let other_admin = common::agent_token(&app.running, "second@example.com", true, &[]).await;
    assert_eq!(app.get_as(&other_admin, &pick).await.0, 404);
    let agent = common::agent_token(&app.running, "agent@example.com", false, &["Instagram"]).await;
    let (status, _) = app
        .send_as(
            &agent,
            reqwest::Method::POST,
            "/api/v1/accounts/connect",
            Some(json!({ "login": "facebook" })),
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .post("/api/v1/accounts/connect", json!({ "login": "myspace" }))
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("login")));

    let after = app.get("/api/v1/accounts").await.1["data"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after, "nothing was connected");
}

#[tokio::test]
async fn an_expired_login_is_refused() {
    let app = start_sqlite().await;
    let (_, started) = app
        .post("/api/v1/accounts/connect", json!({ "login": "facebook" }))
        .await;
    let state = started["state"].as_str().unwrap();
    // Ten minutes on: the attempt is too old (the store's clock is igdesk's).
    let raw = sqlx::AnyPool::connect(&app.running.app.settings.database_url)
        .await
        .unwrap();
    sqlx::query("UPDATE connect_attempts SET created_at = created_at - 601000")
        .execute(&raw)
        .await
        .unwrap();
    let (status, page) = callback(&format!(
        "{}/oauth/facebook/callback?code=x&state={state}",
        app.url
    ))
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("longer than 10 minutes"), "{page}");
}

#[tokio::test]
async fn a_login_path_without_its_app_id_says_what_is_missing() {
    let app = common::start_sqlite_tuned(|raw| raw.meta_app_id = None).await;
    let (status, body) = app
        .post("/api/v1/accounts/connect", json!({ "login": "facebook" }))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("login_not_configured"))
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("IGDESK_META_APP_ID"),
        "{body}"
    );
}

#[tokio::test]
async fn a_dropped_subscription_is_found_and_repaired() {
    let app = start_sqlite().await;
    let (_, accounts) = app.get("/api/v1/accounts").await;
    let id = accounts["data"][0]["id"].clone();
    app.sim.unsubscribe(IG_ID);
    assert!(!app.sim.subscription(IG_ID).subscribed);
    let (status, account) = app
        .post(&format!("/api/v1/accounts/{id}/subscription"), json!({}))
        .await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["subscribed"], true);
    assert!(
        app.sim.subscription(IG_ID).subscribed,
        "subscribed again at Meta"
    );
}

#[tokio::test]
async fn reconnecting_after_meta_refused_the_token_sends_the_held_replies() {
    let app = start_sqlite().await;
    app.send(Event::text("555", "hi")).await;
    app.settle().await;
    // Meta refuses the token: the reply is held, the account needs reconnecting.
    app.sim.set_fault(Some(igdesk_igs::Fault::InvalidToken));
    let (status, _) = app
        .reply("555", json!({ "text": "Held until reconnected" }))
        .await;
    assert_eq!(status, 202);
    app.eventually("the account needs reconnecting", || async {
        app.get("/api/v1/accounts").await.1["data"][0]["needs_reconnect"] == true
    })
    .await;
    app.sim.set_fault(None);
    let (_, accounts) = app.get("/api/v1/accounts").await;
    let id = accounts["data"][0]["id"].clone();
    let (status, started) = app
        .post(&format!("/api/v1/accounts/{id}/reconnect"), json!({}))
        .await;
    assert_eq!(status, 201, "{started}");
    let state = started["state"].as_str().unwrap().to_owned();
    let authorize = started["authorize_url"].as_str().unwrap();
    let back = answer_dialog(authorize, &state, "continue", None).await;
    assert_eq!(callback(&back).await.0, 303);
    let (status, connected) = app
        .post(
            &format!("/api/v1/accounts/connect/{state}"),
            json!({ "ig_ids": [IG_ID] }),
        )
        .await;
    assert_eq!(status, 201, "{connected}");
    assert_eq!(connected["data"][0]["needs_reconnect"], false);
    app.eventually("the held reply goes", || async {
        app.sim
            .sent()
            .iter()
            .any(|m| m.text.as_deref() == Some("Held until reconnected"))
    })
    .await;
}

#[tokio::test]
async fn a_removed_account_stops_and_its_history_stays() {
    let app = start_sqlite().await;
    app.send(Event::text("555", "hi")).await;
    app.settle().await;
    app.sim.set_fault(Some(igdesk_igs::Fault::InvalidToken));
    let (status, queued) = app.reply("555", json!({ "text": "Never sent" })).await;
    assert_eq!(status, 202, "{queued}");
    app.eventually("held", || async {
        app.get("/api/v1/accounts").await.1["data"][0]["needs_reconnect"] == true
    })
    .await;
    // Meta takes the token again (else the unsubscribing would fail, and only be
    // logged: the account is removed all the same).
    app.sim.set_fault(None);
    let (_, accounts) = app.get("/api/v1/accounts").await;
    let id = accounts["data"][0]["id"].clone();
    let (status, removed) = app
        .send_as(
            &app.token,
            reqwest::Method::DELETE,
            &format!("/api/v1/accounts/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{removed}");
    assert!(
        !app.sim.subscription(IG_ID).subscribed,
        "unsubscribed at Meta"
    );
    assert_eq!(app.get("/api/v1/accounts").await.1["data"], json!([]));
    // The waiting reply failed, with the reason; the history is readable.
    let timeline = app.timeline("555").await;
    let reply: Vec<&Value> = timeline
        .iter()
        .filter(|i| i["text"] == "Never sent")
        .collect();
    assert_eq!(reply[0]["status"], "failed", "{timeline:?}");
    assert!(timeline.iter().any(|i| i["text"] == "hi"));
    // Meta's events for it are noted, not processed.
    app.sim.subscribe(IG_ID);
    app.send(Event::text("555", "anyone?")).await;
    app.settle().await;
    let (_, notes) = app.get("/api/v1/intake/notes").await;
    assert!(
        notes["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "unknown_account"),
        "{notes}"
    );
    assert_eq!(
        app.get(&format!("/api/v1/accounts/{id}/reconnect")).await.0,
        405
    );
}

#[tokio::test]
async fn an_app_id_meta_does_not_know_connects_nothing() {
    let app = common::start_sqlite_tuned(|raw| raw.meta_app_id = Some("123456".into())).await;
    let (status, started) = app
        .post("/api/v1/accounts/connect", json!({ "login": "facebook" }))
        .await;
    assert_eq!(status, 201, "{started}");
    // Meta's dialog refuses the app; a code from elsewhere is refused at the exchange.
    let dialog = no_redirects()
        .get(started["authorize_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(dialog.status(), 400);
    let state = started["state"].as_str().unwrap();
    let (status, page) = callback(&format!(
        "{}/oauth/facebook/callback?code=elsewhere&state={state}",
        app.url
    ))
    .await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("Meta refused the login"), "{page}");
    assert_eq!(
        app.get("/api/v1/accounts").await.1["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
