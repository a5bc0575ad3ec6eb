//! Facebook Login: dialog, code, user token, long-lived token, the Pages with
//! their Page tokens, the subscription that lets the webhooks through.

use std::time::Duration;

use serde_json::{json, Value};

use super::super::{text_to, Graph, FB, PAGE_ID};
use super::{added_pairs, message, query, Browser, Dialog, BACK};
use crate::testutil::{spawn_sim, BIZ, PAGE_TOKEN, SECRET};
use crate::{Delivery, Event, Simulator, IGDESK_APP_ID, NOT_DELIVERED};

const SCOPES: &str = "instagram_basic,instagram_manage_messages,pages_show_list";

async fn dialog(browser: &Browser, client_id: &str) -> Dialog {
    let query = [
        ("client_id", client_id),
        ("redirect_uri", BACK),
        ("state", "st-1"),
        ("scope", SCOPES),
        ("response_type", "code"),
    ];
    browser
        .open("www.facebook.com/v21.0/dialog/oauth", &query)
        .await
}

/// Continue in the dialog: the code Meta redirects back with.
async fn new_code(browser: &Browser) -> String {
    let shown = dialog(browser, IGDESK_APP_ID).await;
    let (status, back) = browser.press(&shown, "continue", &[]).await;
    assert_eq!(status, 302);
    query(&back, "code").unwrap()
}

/// `GET graph.facebook.com/v21.0/oauth/access_token` with these parameters.
async fn exchange(graph: &Graph, pairs: &[(&str, &str)]) -> (u16, Value) {
    let url = reqwest::Url::parse_with_params(
        &format!("{}/{FB}/v21.0/oauth/access_token", graph.base),
        pairs,
    )
    .unwrap();
    let response = reqwest::get(url).await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn exchange_code(
    graph: &Graph,
    code: &str,
    redirect_uri: &str,
    secret: &str,
) -> (u16, Value) {
    let pairs = [
        ("client_id", IGDESK_APP_ID),
        ("redirect_uri", redirect_uri),
        ("client_secret", secret),
        ("code", code),
    ];
    exchange(graph, &pairs).await
}

fn assert_refused(answer: &(u16, Value), code: i64, text: &str) {
    let (status, body) = answer;
    assert_eq!(*status, 400, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"]["type"], "OAuthException", "{body}");
    assert!(body["error"]["fbtrace_id"].is_string(), "{body}");
    assert_eq!(message(body), text);
}

async fn deliver(sim: &Simulator, text: &str) -> u16 {
    let delivery = Delivery::new(BIZ).push(Event::text("1000001", text));
    sim.deliver(&delivery).await.unwrap()
}

#[tokio::test]
async fn a_page_owner_logs_in_and_subscribes_and_the_webhooks_arrive() {
    let (sim, base, received) = spawn_sim().await;
    sim.set_business_name(BIZ, "The Shop");
    sim.unsubscribe(BIZ);
    let bare_token = sim.add_page_without_instagram("100000000000077", "Bakery, no Instagram");
    let (browser, graph) = (Browser::new(&base), Graph::new(&base));

    let shown = dialog(&browser, IGDESK_APP_ID).await;
    assert_eq!(shown.status, 200);
    for needed in [
        "Continue as Demo Owner",
        ">Cancel<",
        IGDESK_APP_ID,
        "instagram_manage_messages",
        "The Shop (Instagram @the.shop)",
    ] {
        assert!(shown.html.contains(needed), "{needed} in {}", shown.html);
    }
    let (status, back) = browser.press(&shown, "continue", &[]).await;
    assert_eq!(status, 302);
    assert!(back.as_str().starts_with(BACK), "{back}");
    assert_eq!(back.fragment(), Some("_=_"));
    let code = query(&back, "code").unwrap();
    assert_eq!(
        added_pairs(&back),
        [
            ("code".into(), code.clone()),
            ("state".into(), "st-1".into())
        ]
    );

    let (status, short) = exchange_code(&graph, &code, BACK, SECRET).await;
    assert_eq!(status, 200, "{short}");
    assert_eq!(short["token_type"], "bearer");
    assert_eq!(short["expires_in"], 5_183_944);
    let pairs = [
        ("grant_type", "fb_exchange_token"),
        ("client_id", IGDESK_APP_ID),
        ("client_secret", SECRET),
        ("fb_exchange_token", short["access_token"].as_str().unwrap()),
    ];
    let (status, long) = exchange(&graph, &pairs).await;
    assert_eq!(status, 200, "{long}");
    let user_token = long["access_token"].as_str().unwrap().to_owned();
    assert_ne!(user_token, short["access_token"]);

    let me = graph
        .call(
            "GET",
            &format!("{FB}/v21.0/me?access_token={user_token}"),
            None,
        )
        .await;
    assert_eq!(me.body["name"], "Demo Owner", "{}", me.body);
    let fields =
        "name,access_token,instagram_business_account{id,username,name,profile_picture_url}";
    let accounts = graph
        .call(
            "GET",
            &format!("{FB}/v21.0/me/accounts?fields={fields}&access_token={user_token}"),
            None,
        )
        .await;
    assert_eq!(accounts.status, 200, "{}", accounts.body);
    let pages = accounts.body["data"].as_array().unwrap();
    assert_eq!(pages.len(), 2, "{}", accounts.body);
    assert_eq!(pages[0]["id"], PAGE_ID);
    assert_eq!(pages[0]["name"], "The Shop");
    assert_eq!(pages[0]["access_token"], PAGE_TOKEN);
    let account = &pages[0]["instagram_business_account"];
    assert_eq!(account["id"], BIZ);
    assert_eq!(account["username"], "the.shop");
    assert_eq!(account["name"], "The Shop");
    assert!(account["profile_picture_url"].is_string(), "{account}");
    assert_eq!(pages[1]["access_token"], bare_token.as_str());
    assert!(pages[1].get("instagram_business_account").is_none());
    assert!(accounts.body["paging"]["cursors"]["after"].is_string());

    // Not subscribed yet: Meta keeps the events to itself.
    let edge = format!("{FB}/v21.0/{PAGE_ID}/subscribed_apps");
    let listed = graph
        .call("GET", &format!("{edge}?access_token={PAGE_TOKEN}"), None)
        .await;
    assert_eq!(listed.body, json!({"data": []}));
    assert_eq!(deliver(&sim, "before").await, NOT_DELIVERED);
    assert_eq!(sim.withheld().len(), 1);

    let subscribe = format!(
        "{edge}?subscribed_fields=messages,messaging_postbacks,message_reactions&access_token={PAGE_TOKEN}"
    );
    let answer = graph.call("POST", &subscribe, None).await;
    assert_eq!(answer.body, json!({"success": true}));
    let listed = graph
        .call("GET", &format!("{edge}?access_token={PAGE_TOKEN}"), None)
        .await;
    let app = &listed.body["data"][0];
    assert_eq!(app["id"], IGDESK_APP_ID);
    assert_eq!(
        app["subscribed_fields"],
        json!(["messages", "messaging_postbacks", "message_reactions"])
    );
    assert_eq!(deliver(&sim, "after").await, 200);
    let bodies = received.bodies();
    assert_eq!(bodies.len(), 1);
    assert_eq!(
        bodies[0]["entry"][0]["messaging"][0]["message"]["text"],
        "after"
    );
    // The Page token /me/accounts answered is the one the Send API takes.
    assert_eq!(graph.send(text_to("1000001", "hello")).await.status, 200);

    let recorded: Vec<(String, String)> =
        sim.calls().into_iter().map(|c| (c.api, c.path)).collect();
    for call in [
        ("www.facebook.com", "dialog/oauth"),
        ("facebook", "oauth/access_token"),
        ("facebook", "me/accounts"),
        ("facebook", "100000000000001/subscribed_apps"),
    ] {
        let call = (call.0.to_owned(), call.1.to_owned());
        assert!(recorded.contains(&call), "{call:?} in {recorded:?}");
    }
}

#[tokio::test]
async fn cancel_sends_the_person_back_with_meta_s_denial() {
    let (_sim, base, _) = spawn_sim().await;
    let browser = Browser::new(&base);
    let shown = dialog(&browser, IGDESK_APP_ID).await;
    let (status, back) = browser.press(&shown, "cancel", &[]).await;
    assert_eq!(status, 302);
    let expected = [
        ("error", "access_denied"),
        ("error_code", "200"),
        ("error_description", "Permissions error"),
        ("error_reason", "user_denied"),
        ("state", "st-1"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(added_pairs(&back), expected);
    assert!(
        back.as_str()
            .contains("error_description=Permissions+error"),
        "{back}"
    );
}

#[tokio::test]
async fn meta_refuses_unknown_apps_bad_codes_secrets_and_redirects() {
    let (sim, base, _) = spawn_sim().await;
    let (browser, graph) = (Browser::new(&base), Graph::new(&base));

    let unknown = dialog(&browser, "123456789").await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.html.contains("Invalid App ID"), "{}", unknown.html);

    let code = new_code(&browser).await;
    let wrong_app = [
        ("client_id", "123456789"),
        ("redirect_uri", BACK),
        ("client_secret", SECRET),
        ("code", code.as_str()),
    ];
    assert_eq!(exchange(&graph, &wrong_app).await.1["error"]["code"], 101);
    let wrong_secret = exchange_code(&graph, &code, BACK, "not-the-secret").await;
    assert_refused(&wrong_secret, 1, "Error validating client secret.");
    let bad = exchange_code(&graph, "AQnot-a-code", BACK, SECRET).await;
    assert_refused(&bad, 100, "Invalid verification code format.");
    let elsewhere = exchange_code(&graph, &code, "https://desk.example/other", SECRET).await;
    assert_refused(
        &elsewhere,
        100,
        "Error validating verification code. Please make sure your redirect_uri is identical to \
         the one you used in the OAuth dialog request",
    );
    assert_eq!(elsewhere.1["error"]["error_subcode"], 36008);
    // Refusals leave the code usable; success uses it up.
    assert_eq!(exchange_code(&graph, &code, BACK, SECRET).await.0, 200);
    let reused = exchange_code(&graph, &code, BACK, SECRET).await;
    assert_refused(&reused, 100, "This authorization code has been used.");

    sim.set_login_code_lifetime(Duration::ZERO);
    let stale = new_code(&browser).await;
    let expired = exchange_code(&graph, &stale, BACK, SECRET).await;
    assert_refused(&expired, 100, "This authorization code has expired.");

    let forged = [
        ("grant_type", "fb_exchange_token"),
        ("client_id", IGDESK_APP_ID),
        ("client_secret", SECRET),
        ("fb_exchange_token", "EAAB-forged"),
    ];
    assert_eq!(exchange(&graph, &forged).await.1["error"]["code"], 190);
    let pages = graph
        .call(
            "GET",
            &format!("{FB}/v21.0/me/accounts?access_token={PAGE_TOKEN}"),
            None,
        )
        .await;
    pages.assert_error(400, 190, None);
}

#[tokio::test]
async fn the_apps_and_the_user_are_set_through_the_control_api() {
    let (sim, base, _) = spawn_sim().await;
    let settings = json!({
        "facebook_app_id": "4242",
        "facebook_app_secret": "fb-secret",
        "facebook_user_name": "Rita Owner",
    });
    let answer = reqwest::Client::new()
        .post(format!("{base}/_igs/settings"))
        .body(settings.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);
    let config = sim.login_config();
    assert_eq!(
        (
            config.facebook_app_id.as_str(),
            config.instagram_app_secret.as_str()
        ),
        ("4242", SECRET)
    );

    let browser = Browser::new(&base);
    assert_eq!(dialog(&browser, IGDESK_APP_ID).await.status, 400);
    let shown = dialog(&browser, "4242").await;
    assert!(
        shown.html.contains("Continue as Rita Owner"),
        "{}",
        shown.html
    );
    let (_, back) = browser.press(&shown, "continue", &[]).await;
    let code = query(&back, "code").unwrap();
    let graph = Graph::new(&base);
    let pairs = |secret| {
        [
            ("client_id", "4242"),
            ("redirect_uri", BACK),
            ("client_secret", secret),
            ("code", code.as_str()),
        ]
    };
    assert_eq!(exchange(&graph, &pairs(SECRET)).await.1["error"]["code"], 1);
    let (status, user) = exchange(&graph, &pairs("fb-secret")).await;
    assert_eq!(status, 200, "{user}");

    // A Page without Instagram and a business's display name, from outside.
    let client = reqwest::Client::new();
    let page = json!({"id": "100000000000088", "name": "Café Sem Insta"});
    let added = client
        .post(format!("{base}/_igs/pages"))
        .body(page.to_string())
        .send()
        .await
        .unwrap();
    let page_token = added.json::<Value>().await.unwrap()["access_token"].clone();
    let business = json!({
        "ig_id": BIZ, "page_id": PAGE_ID, "username": "the.shop", "page_token": PAGE_TOKEN,
        "instagram_token": "IGAA-instagram", "name": "The Shop",
    });
    let replaced = client
        .post(format!("{base}/_igs/businesses"))
        .body(business.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(replaced.status(), 204);
    let token = user["access_token"].as_str().unwrap();
    let accounts = graph
        .call(
            "GET",
            &format!("{FB}/v21.0/me/accounts?fields=name,access_token&access_token={token}"),
            None,
        )
        .await;
    let pages = &accounts.body["data"];
    assert_eq!(
        pages[0],
        json!({"id": PAGE_ID, "name": "The Shop", "access_token": PAGE_TOKEN})
    );
    assert_eq!(pages[1]["name"], "Café Sem Insta");
    assert_eq!(pages[1]["access_token"], page_token);
}
