//! Instagram Login: dialog (with a choice of accounts), code, short-lived token,
//! long-lived token that becomes the business's Instagram token, `me`, and the
//! subscription that lets the webhooks through.

use std::time::Duration;

use serde_json::{json, Value};

use super::super::{text_to, Graph, IG};
use super::{added_pairs, query, Browser, Dialog, BACK};
use crate::testutil::{spawn_sim, BIZ, IG_TOKEN, SECRET};
use crate::{BusinessAccount, Delivery, Event, Simulator, IGDESK_INSTAGRAM_APP_ID, NOT_DELIVERED};

const SCOPES: &str = "instagram_business_basic,instagram_business_manage_messages";
const SECOND: &str = "17841400000000002";

async fn dialog(browser: &Browser, client_id: &str) -> Dialog {
    let query = [
        ("client_id", client_id),
        ("redirect_uri", BACK),
        ("response_type", "code"),
        ("scope", SCOPES),
        ("state", "st-2"),
    ];
    browser
        .open("www.instagram.com/oauth/authorize", &query)
        .await
}

/// Continue in the dialog as `account`: the code Meta redirects back with.
async fn new_code(browser: &Browser, account: &str) -> String {
    let shown = dialog(browser, IGDESK_INSTAGRAM_APP_ID).await;
    let (status, back) = browser
        .press(&shown, "continue", &[("account", account)])
        .await;
    assert_eq!(status, 302);
    query(&back, "code").unwrap()
}

/// `POST api.instagram.com/oauth/access_token`, as a form.
async fn exchange_code(base: &str, code: &str, redirect_uri: &str, secret: &str) -> (u16, Value) {
    let form = [
        ("client_id", IGDESK_INSTAGRAM_APP_ID),
        ("client_secret", secret),
        ("grant_type", "authorization_code"),
        ("redirect_uri", redirect_uri),
        ("code", code),
    ];
    let response = reqwest::Client::new()
        .post(format!("{base}/api.instagram.com/oauth/access_token"))
        .form(&form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn assert_refused(answer: &(u16, Value), text: &str) {
    let (status, body) = answer;
    assert_eq!(*status, 400, "{body}");
    let expected = json!({"error_type": "OAuthException", "code": 400, "error_message": text});
    assert_eq!(*body, expected);
}

async fn exchange_short(graph: &Graph, short: &str, secret: &str) -> (u16, Value) {
    let path = format!(
        "{IG}/access_token?grant_type=ig_exchange_token&client_secret={secret}&access_token={short}"
    );
    let answer = graph.call("GET", &path, None).await;
    (answer.status, answer.body)
}

fn second_shop() -> BusinessAccount {
    BusinessAccount {
        ig_id: SECOND.into(),
        page_id: "100000000000002".into(),
        username: "second.shop".into(),
        page_token: "EAAG-second".into(),
        instagram_token: "IGAA-second".into(),
    }
}

async fn deliver(sim: &Simulator, business: &str) -> u16 {
    let delivery = Delivery::new(business).push(Event::text("1000009", "hi"));
    sim.deliver(&delivery).await.unwrap()
}

#[tokio::test]
async fn an_instagram_account_logs_in_and_subscribes_and_the_webhooks_arrive() {
    let (sim, base, received) = spawn_sim().await;
    sim.add_business_unsubscribed(second_shop());
    let (browser, graph) = (Browser::new(&base), Graph::new(&base));

    let shown = dialog(&browser, IGDESK_INSTAGRAM_APP_ID).await;
    assert_eq!(shown.status, 200);
    for needed in [
        "type=\"radio\"",
        ">@the.shop</label>",
        ">@second.shop</label>",
        ">Continue</button>",
        ">Cancel</button>",
        "instagram_business_manage_messages",
    ] {
        assert!(shown.html.contains(needed), "{needed} in {}", shown.html);
    }
    let (status, back) = browser
        .press(&shown, "continue", &[("account", SECOND)])
        .await;
    assert_eq!(status, 302);
    assert_eq!(back.fragment(), Some("_"));
    let code = query(&back, "code").unwrap();
    assert_eq!(
        added_pairs(&back),
        [
            ("code".into(), code.clone()),
            ("state".into(), "st-2".into())
        ]
    );

    let (status, short) = exchange_code(&base, &code, BACK, SECRET).await;
    assert_eq!(status, 200, "{short}");
    assert_eq!(short["user_id"], json!(17_841_400_000_000_002_u64));
    assert_eq!(
        short["permissions"],
        json!([
            "instagram_business_basic",
            "instagram_business_manage_messages"
        ])
    );
    let short_token = short["access_token"].as_str().unwrap();
    let (status, long) = exchange_short(&graph, short_token, SECRET).await;
    assert_eq!(status, 200, "{long}");
    assert_eq!(long["token_type"], "bearer");
    assert_eq!(long["expires_in"], 5_183_944);
    let long_token = long["access_token"].as_str().unwrap().to_owned();
    assert_eq!(sim.state().businesses[1].instagram_token, long_token);

    let me = graph
        .call(
            "GET",
            &format!("{IG}/v21.0/me?fields=user_id,username,name&access_token={long_token}"),
            None,
        )
        .await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["user_id"], SECOND);
    assert_eq!(me.body["username"], "second.shop");
    assert_eq!(me.body["name"], "second.shop");
    assert!(
        me.body["id"].as_str().is_some_and(|id| id != SECOND),
        "{}",
        me.body
    );

    let edge = format!("{IG}/v21.0/me/subscribed_apps");
    let listed = graph
        .call("GET", &format!("{edge}?access_token={long_token}"), None)
        .await;
    assert_eq!(listed.body, json!({"data": []}));
    assert_eq!(deliver(&sim, SECOND).await, NOT_DELIVERED);
    let subscribe = format!("{edge}?subscribed_fields=messages,comments&access_token={long_token}");
    let answer = graph.call("POST", &subscribe, None).await;
    assert_eq!(answer.body, json!({"success": true}));
    let listed = graph
        .call("GET", &format!("{edge}?access_token={long_token}"), None)
        .await;
    assert_eq!(listed.body["data"][0]["id"], IGDESK_INSTAGRAM_APP_ID);
    assert_eq!(
        listed.body["data"][0]["subscribed_fields"],
        json!(["messages", "comments"])
    );
    assert_eq!(deliver(&sim, SECOND).await, 200);
    assert_eq!(received.bodies().len(), 1);
    assert_eq!(received.bodies()[0]["entry"][0]["id"], SECOND);

    // The long-lived token is the account's token now: sends and refreshes take it.
    let send = graph
        .call(
            "POST",
            &format!("{IG}/v21.0/me/messages?access_token={long_token}"),
            Some(text_to("1000009", "hello").to_string()),
        )
        .await;
    assert_eq!(send.status, 200, "{}", send.body);
    let refresh = graph
        .call(
            "GET",
            &format!(
                "{IG}/refresh_access_token?grant_type=ig_refresh_token&access_token={long_token}"
            ),
            None,
        )
        .await;
    assert_eq!(refresh.status, 200, "{}", refresh.body);
    let recorded: Vec<String> = sim.calls().into_iter().map(|c| c.api).collect();
    for host in ["www.instagram.com", "api.instagram.com", "instagram"] {
        assert!(
            recorded.iter().any(|api| api == host),
            "{host} in {recorded:?}"
        );
    }
}

#[tokio::test]
async fn one_account_is_named_on_the_button_and_cancel_is_a_denial() {
    let (_sim, base, _) = spawn_sim().await;
    let browser = Browser::new(&base);
    let shown = dialog(&browser, IGDESK_INSTAGRAM_APP_ID).await;
    assert!(
        shown.html.contains(">Continue as @the.shop</button>"),
        "{}",
        shown.html
    );
    assert!(!shown.html.contains("type=\"radio\""));
    let (status, back) = browser.press(&shown, "cancel", &[]).await;
    assert_eq!(status, 302);
    let expected = [
        ("error", "access_denied"),
        ("error_reason", "user_denied"),
        ("error_description", "The user denied your request"),
        ("state", "st-2"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(added_pairs(&back), expected);
    assert!(back
        .as_str()
        .contains("error_description=The+user+denied+your+request"));
}

#[tokio::test]
async fn instagram_refuses_unknown_apps_bad_codes_secrets_and_redirects() {
    let (sim, base, _) = spawn_sim().await;
    let (browser, graph) = (Browser::new(&base), Graph::new(&base));

    let unknown = dialog(&browser, "123456789").await;
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.html.contains("Invalid platform app"),
        "{}",
        unknown.html
    );

    let code = new_code(&browser, BIZ).await;
    let wrong_secret = exchange_code(&base, &code, BACK, "not-the-secret").await;
    assert_refused(&wrong_secret, "Error validating client secret");
    assert_refused(
        &exchange_code(&base, "AQnot-a-code", BACK, SECRET).await,
        "Invalid authorization code",
    );
    assert_refused(
        &exchange_code(&base, &code, "https://desk.example/other", SECRET).await,
        "Error validating verification code. Please make sure your redirect_uri is identical to \
         the one you used in the OAuth dialog request",
    );
    let (status, short) = exchange_code(&base, &code, BACK, SECRET).await;
    assert_eq!(status, 200, "{short}");
    assert_refused(
        &exchange_code(&base, &code, BACK, SECRET).await,
        "This authorization code has been used",
    );

    let short_token = short["access_token"].as_str().unwrap();
    let (status, body) = exchange_short(&graph, short_token, "not-the-secret").await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (400, json!(1)),
        "{body}"
    );
    let (status, body) = exchange_short(&graph, IG_TOKEN, SECRET).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (400, json!(190)),
        "{body}"
    );

    sim.set_login_code_lifetime(Duration::ZERO);
    let stale = new_code(&browser, BIZ).await;
    assert_refused(
        &exchange_code(&base, &stale, BACK, SECRET).await,
        "This authorization code has expired",
    );
}

#[tokio::test]
async fn logging_in_again_brings_a_revoked_account_back() {
    let (sim, base, _) = spawn_sim().await;
    let (browser, graph) = (Browser::new(&base), Graph::new(&base));
    sim.revoke_token(BIZ);
    let me = format!("{IG}/v21.0/me?access_token={IG_TOKEN}");
    graph
        .call("GET", &me, None)
        .await
        .assert_error(400, 190, Some(458));

    let code = new_code(&browser, BIZ).await;
    let (_, short) = exchange_code(&base, &code, BACK, SECRET).await;
    let (_, long) = exchange_short(&graph, short["access_token"].as_str().unwrap(), SECRET).await;
    let me = format!(
        "{IG}/v21.0/me?access_token={}",
        long["access_token"].as_str().unwrap()
    );
    let answer = graph.call("GET", &me, None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    // The old token was replaced by the long-lived one.
    let old = format!("{IG}/v21.0/me?access_token={IG_TOKEN}");
    graph
        .call("GET", &old, None)
        .await
        .assert_error(400, 190, None);
}
