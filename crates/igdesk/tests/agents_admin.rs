//! Who may sign in, as administrators manage it (UI-4), over real HTTP: agents
//! switched off (signed out everywhere at once, their work to others) and on again,
//! passwords changed and reset, and the Business Messaging API's product tokens.

mod common;

use common::api::{account_id, enable_api, envelope, send_cm, Receiver};
use common::live::LiveStream;
use common::*;
use igdesk_igs::Event;
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

/// What `agent_token` gives every agent it makes.
const PASSWORD: &str = "a test password";

struct Agent {
    token: String,
    id: i64,
    email: String,
}

async fn agent(app: &TestApp, email: &str, admin: bool) -> Agent {
    let token = agent_token(&app.running, email, admin, &["Instagram"]).await;
    let (status, me) = app.get_as(&token, "/api/v1/me").await;
    assert_eq!(status, 200, "{me}");
    Agent {
        id: me["id"].as_i64().unwrap(),
        token,
        email: email.to_owned(),
    }
}

async fn set_available(app: &TestApp, agent: &Agent) {
    let body = json!({ "available": true });
    let (status, me) = app
        .send_as(
            &agent.token,
            Method::PUT,
            "/api/v1/me/availability",
            Some(body),
        )
        .await;
    assert_eq!((status, &me["available"]), (200, &json!(true)), "{me}");
}

/// A console session: its cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Result<Session, (u16, Value)> {
    let response = app
        .http
        .post(format!("{}/api/v1/session", app.url))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    let body: Value = response.json().await.unwrap_or(Value::Null);
    match (status, cookie) {
        (200, Some(cookie)) => Ok(Session {
            cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        }),
        _ => Err((status, body)),
    }
}

/// A request made with a session cookie (and its CSRF token, for writes).
async fn send_with(
    app: &TestApp,
    session: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app
        .http
        .request(method, format!("{}{path}", app.url))
        .header(COOKIE, &session.cookie)
        .header("X-CSRF-Token", &session.csrf);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn session_works(app: &TestApp, session: &Session) -> bool {
    let (status, _) = send_with(app, session, Method::GET, "/api/v1/session", None).await;
    assert!(status == 200 || status == 401, "{status}");
    status == 200
}

async fn admin_does(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    app.send_as(&app.token, method, path, body).await
}

async fn accept(app: &TestApp, agent: &Agent, offer: &Value) {
    let id = &offer["payload"]["id"];
    let path = format!("/api/v1/offers/{id}/accept");
    let (status, body) = app.send_as(&agent.token, Method::POST, &path, None).await;
    assert_eq!(status, 200, "{body}");
}

async fn switching_off_signs_out_at_once_and_hands_the_work_on(app: TestApp) {
    let ana = agent(&app, "ana@example.com", false).await;
    let mut ana_live = LiveStream::open(&app.url, &ana.token, None).await;
    let ana_console = sign_in(&app, &ana.email, PASSWORD).await.unwrap();
    set_available(&app, &ana).await;

    // Ana has one conversation and one offer waiting for her answer.
    app.send(Event::text("c1", "Where is my order?")).await;
    let first = ana_live.next_of("offer").await;
    accept(&app, &ana, &first.data).await;
    app.send(Event::text("c2", "Hello?")).await;
    let second = ana_live.next_of("offer").await;
    let held = first.data["conversation_id"].clone();
    let offered = second.data["conversation_id"].clone();

    let ben = agent(&app, "ben@example.com", false).await;
    let mut ben_live = LiveStream::open(&app.url, &ben.token, None).await;
    set_available(&app, &ben).await;

    let path = format!("/api/v1/agents/{}/deactivate", ana.id);
    let (status, off) = admin_does(&app, Method::POST, &path, None).await;
    assert_eq!(status, 200, "{off}");
    assert_eq!(
        (&off["id"], &off["active"]),
        (&json!(ana.id), &json!(false))
    );
    assert!(off["deactivated_at"].is_i64(), "{off}");

    // Signed out everywhere at once: token, cookie, the open live stream.
    let (status, body) = app.get_as(&ana.token, "/api/v1/me").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    assert!(!session_works(&app, &ana_console).await);
    let signed_out = ana_live.next_of("signed_out").await;
    assert_eq!(signed_out.data["payload"]["reason"], "deactivated");
    assert!(
        ana_live.next_within(Duration::from_secs(2)).await.is_none(),
        "the stream ends"
    );
    let body = json!({ "available": true });
    let (status, _) = app
        .send_as(
            &ana.token,
            Method::PUT,
            "/api/v1/me/availability",
            Some(body),
        )
        .await;
    assert_eq!(status, 401);

    // Her offer and her conversation go to Ben, oldest first.
    let to_ben = [
        ben_live.next_of("offer").await,
        ben_live.next_of("offer").await,
    ];
    assert_eq!(to_ben[0].data["conversation_id"], held);
    assert_eq!(
        to_ben[0].data["payload"]["reason"],
        "Routed to you because the agent who had it was deactivated"
    );
    assert_eq!(to_ben[1].data["conversation_id"], offered);
    let (_, open) = app.get("/api/v1/conversations?state=open").await;
    for c in open["data"].as_array().unwrap() {
        assert_ne!(c["agent_id"], json!(ana.id), "{c}");
    }

    // Listed, switched off; she cannot sign in, and is told why only with the
    // right password.
    let (_, agents) = app.get("/api/v1/agents").await;
    let listed = agents["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == ana.id)
        .unwrap()
        .clone();
    assert_eq!(listed["active"], false);
    assert_eq!(listed["deactivated_at"], off["deactivated_at"]);
    let (status, body) = sign_in(&app, &ana.email, PASSWORD).await.err().unwrap();
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("account_deactivated"))
    );
    let (status, body) = sign_in(&app, &ana.email, "not her password")
        .await
        .err()
        .unwrap();
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("sign_in_failed"))
    );

    // Switched on: her password works again, her old token does not.
    let path = format!("/api/v1/agents/{}/reactivate", ana.id);
    let (status, on) = admin_does(&app, Method::POST, &path, None).await;
    assert_eq!((status, &on["active"]), (200, &json!(true)), "{on}");
    assert_eq!(on["deactivated_at"], Value::Null);
    let again = sign_in(&app, &ana.email, PASSWORD).await.unwrap();
    assert!(session_works(&app, &again).await);
    assert!(
        !session_works(&app, &ana_console).await,
        "old sessions stay ended"
    );
    assert_eq!(app.get_as(&ana.token, "/api/v1/me").await.0, 401);
    let (status, body) = admin_does(&app, Method::POST, &path, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("not_deactivated"))
    );
}

#[tokio::test]
async fn switching_an_agent_off_signs_them_out_and_hands_their_work_on() {
    switching_off_signs_out_at_once_and_hands_the_work_on(start_paused().await).await;
}

#[tokio::test]
async fn switching_an_agent_off_works_the_same_on_postgres() {
    switching_off_signs_out_at_once_and_hands_the_work_on(start_postgres_paused().await).await;
}

async fn two_administrators_switching_each_other_off_leave_one(app: TestApp) {
    let (_, me) = app.get("/api/v1/me").await;
    let boss = me["id"].as_i64().unwrap();
    let deputy = agent(&app, "deputy@example.com", true).await;
    let (off_deputy, off_boss) = (
        format!("/api/v1/agents/{}/deactivate", deputy.id),
        format!("/api/v1/agents/{boss}/deactivate"),
    );
    let (by_boss, by_deputy) = tokio::join!(
        admin_does(&app, Method::POST, &off_deputy, None),
        app.send_as(&deputy.token, Method::POST, &off_boss, None),
    );
    let outcomes = [&by_boss, &by_deputy];
    let done = outcomes.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(done, 1, "exactly one: {outcomes:?}");
    for (status, body) in outcomes {
        // The loser is either switched off before it was heard (401) or refused.
        assert!(
            *status == 200 || *status == 401 || body["code"] == "last_admin",
            "{status} {body}"
        );
    }
    let (_, agents) = admin_or_deputy(&app, &deputy).await;
    let active_admins = agents["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["is_admin"] == true && a["active"] == true)
        .count();
    assert_eq!(active_admins, 1);
}

/// `GET /api/v1/agents` as whichever administrator is still switched on.
async fn admin_or_deputy(app: &TestApp, deputy: &Agent) -> (u16, Value) {
    match app.get("/api/v1/agents").await {
        (200, body) => (200, body),
        _ => app.get_as(&deputy.token, "/api/v1/agents").await,
    }
}

#[tokio::test]
async fn switching_off_refuses_oneself_the_last_admin_and_unknown_agents() {
    let app = start_sqlite().await;
    let (_, me) = app.get("/api/v1/me").await;
    let boss = me["id"].as_i64().unwrap();
    let path = format!("/api/v1/agents/{boss}/deactivate");
    let (status, body) = admin_does(&app, Method::POST, &path, None).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("own_account")));
    for path in [
        "/api/v1/agents/999/deactivate",
        "/api/v1/agents/x/reactivate",
    ] {
        let (status, body) = admin_does(&app, Method::POST, path, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
    }
    let ana = agent(&app, "ana@example.com", false).await;
    let path = format!("/api/v1/agents/{boss}/deactivate");
    let (status, _) = app.send_as(&ana.token, Method::POST, &path, None).await;
    assert_eq!(status, 403, "administrators only");
    let path = format!("/api/v1/agents/{}/deactivate", ana.id);
    assert_eq!(admin_does(&app, Method::POST, &path, None).await.0, 200);
    let (status, body) = admin_does(&app, Method::POST, &path, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("already_deactivated"))
    );

    two_administrators_switching_each_other_off_leave_one(app).await;
}

#[tokio::test]
async fn two_administrators_switching_each_other_off_on_postgres_leave_one() {
    two_administrators_switching_each_other_off_leave_one(start_postgres().await).await;
}

#[tokio::test]
async fn an_own_password_change_ends_the_other_sessions_and_a_reset_ends_all() {
    let app = start_sqlite().await;
    let ana = agent(&app, "ana@example.com", false).await;
    let here = sign_in(&app, &ana.email, PASSWORD).await.unwrap();
    let elsewhere = sign_in(&app, &ana.email, PASSWORD).await.unwrap();
    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });

    let (status, body) = send_with(
        &app,
        &here,
        Method::PUT,
        "/api/v1/me/password",
        Some(change("a wrong password", "a brand new password")),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str(), body["field"].as_str()),
        (403, Some("wrong_password"), Some("current_password")),
        "{body}"
    );
    let (status, body) = send_with(
        &app,
        &here,
        Method::PUT,
        "/api/v1/me/password",
        Some(change(PASSWORD, "short")),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str(), body["field"].as_str()),
        (400, Some("weak_password"), Some("new_password"))
    );
    let (status, body) = send_with(
        &app,
        &here,
        Method::PUT,
        "/api/v1/me/password",
        Some(change(PASSWORD, "a brand new password")),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    assert!(session_works(&app, &here).await, "this session stays");
    assert!(!session_works(&app, &elsewhere).await, "the others end");
    assert_eq!(
        app.get_as(&ana.token, "/api/v1/me").await.0,
        200,
        "tokens stay"
    );
    assert_eq!(
        sign_in(&app, &ana.email, PASSWORD).await.err().unwrap().0,
        401
    );
    let fresh = sign_in(&app, &ana.email, "a brand new password")
        .await
        .unwrap();

    // An administrator's reset ends every session of the agent.
    let path = format!("/api/v1/agents/{}/password", ana.id);
    let reset = json!({ "password": "reset by the admin" });
    let (status, body) = admin_does(&app, Method::PUT, &path, Some(reset.clone())).await;
    assert_eq!(status, 204, "{body}");
    assert!(!session_works(&app, &here).await);
    assert!(!session_works(&app, &fresh).await);
    sign_in(&app, &ana.email, "reset by the admin")
        .await
        .unwrap();

    let (status, _) = app
        .send_as(&ana.token, Method::PUT, &path, Some(reset.clone()))
        .await;
    assert_eq!(status, 403, "administrators only");
    let (_, me) = app.get("/api/v1/me").await;
    let own = format!("/api/v1/agents/{}/password", me["id"]);
    let (status, body) = admin_does(&app, Method::PUT, &own, Some(reset.clone())).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("own_password")));
    let (status, _) = admin_does(
        &app,
        Method::PUT,
        "/api/v1/agents/999/password",
        Some(reset),
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = admin_does(
        &app,
        Method::PUT,
        &path,
        Some(json!({ "password": "x".repeat(257) })),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str(), body["field"].as_str()),
        (400, Some("password_too_long"), Some("password"))
    );

    // With a bearer token there is no session to keep: all of them end.
    let browser = sign_in(&app, &ana.email, "reset by the admin")
        .await
        .unwrap();
    let (status, _) = app
        .send_as(
            &ana.token,
            Method::PUT,
            "/api/v1/me/password",
            Some(change("reset by the admin", "my own again, longer")),
        )
        .await;
    assert_eq!(status, 204);
    assert!(!session_works(&app, &browser).await);
}

#[tokio::test]
async fn product_tokens_are_made_shown_once_listed_and_revoked() {
    let app = start_sqlite().await;
    let receiver = Receiver::start().await;
    enable_api(&app, &receiver, "agents").await;
    app.send(Event::text("555", "Hello?")).await;
    app.settle().await;
    let account = account_id(&app).await;
    let tokens = format!("/api/v1/accounts/{account}/product-tokens");

    let (status, made) = app.post(&tokens, json!({ "name": "CRM" })).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["name"], "CRM");
    assert!(made["id"].is_i64() && made["created_at"].is_i64(), "{made}");
    let secret = made["token"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 36, "a UUID, as CM.com's: {secret}");

    let msg = json!([{
        "from": IG_ID,
        "to": [{"number": "555"}],
        "allowedChannels": ["Instagram"],
        "body": {"type": "auto", "content": "Your order shipped"},
    }]);
    let (status, answer) = send_cm(&app, &secret, envelope(msg.clone())).await;
    assert_eq!((status, &answer["errorCode"]), (200, &json!(0)), "{answer}");

    let (status, listed) = app.get(&tokens).await;
    assert_eq!(status, 200, "{listed}");
    let row = &listed["data"][0];
    assert_eq!((&row["id"], &row["name"]), (&made["id"], &json!("CRM")));
    assert!(row["last_used_at"].is_i64(), "{row}");
    assert_eq!(row["revoked_at"], Value::Null);
    assert!(row.get("token").is_none(), "{row}");
    assert!(
        !listed.to_string().contains(&secret),
        "never the secret again"
    );

    let one = format!("{tokens}/{}", made["id"]);
    let (status, _) = app.send_as(&app.token, Method::DELETE, &one, None).await;
    assert_eq!(status, 204);
    let (status, answer) = send_cm(&app, &secret, envelope(msg)).await;
    assert_eq!(status, 401, "{answer}");
    let (_, listed) = app.get(&tokens).await;
    assert!(listed["data"][0]["revoked_at"].is_i64());

    // Refusals: names bounded, administrators only, unknown ids.
    for name in ["", " ", &"x".repeat(101)] {
        let (status, body) = app.post(&tokens, json!({ "name": name })).await;
        assert_eq!(
            (status, body["code"].as_str(), body["field"].as_str()),
            (400, Some("invalid_name"), Some("name"))
        );
    }
    let ana = agent(&app, "ana@example.com", false).await;
    let body = Some(json!({ "name": "mine" }));
    assert_eq!(
        app.send_as(&ana.token, Method::POST, &tokens, body).await.0,
        403
    );
    assert_eq!(app.get_as(&ana.token, &tokens).await.0, 403);
    assert_eq!(
        app.send_as(&ana.token, Method::DELETE, &one, None).await.0,
        403
    );
    let unknown = "/api/v1/accounts/999/product-tokens";
    assert_eq!(app.post(unknown, json!({ "name": "x" })).await.0, 404);
    assert_eq!(app.get(unknown).await.0, 404);
    let missing = format!("{tokens}/999");
    assert_eq!(
        app.send_as(&app.token, Method::DELETE, &missing, None)
            .await
            .0,
        404
    );
}
