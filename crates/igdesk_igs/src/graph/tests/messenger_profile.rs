//! The Messenger Profile API over HTTP: ice breakers and the persistent menu set,
//! read back and removed per business, Meta's limits and error shapes, and a
//! customer's tap on one of them delivered as a postback.

use serde_json::{json, Value};

use super::{get, wait_for_item, Graph, FB, IG, PAGE_ID};
use crate::testutil::{spawn_sim, BIZ, IG_TOKEN, PAGE_TOKEN};

fn profile_path(host: &str, node: &str, token: &str, query: &str) -> String {
    format!("{host}/v21.0/{node}/messenger_profile?access_token={token}{query}")
}

fn starters() -> Value {
    json!({
        "platform": "instagram",
        "ice_breakers": [{"locale": "default", "call_to_actions": [
            {"question": "Where is my order?", "payload": "ORDER"},
            {"question": "Do you ship abroad?", "payload": "SHIPPING"}]}],
        "persistent_menu": [{"locale": "default", "call_to_actions": [
            {"type": "postback", "title": "Talk to us", "payload": "HUMAN"},
            {"type": "web_url", "title": "Shop", "url": "https://shop.example"}]}]
    })
}

#[tokio::test]
async fn starters_are_set_read_back_and_removed_per_business() {
    let (sim, base, _) = spawn_sim().await;
    let graph = Graph::new(&base);
    let set = profile_path(FB, "me", PAGE_TOKEN, "");
    let answer = graph.call("POST", &set, Some(starters().to_string())).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, json!({"result": "success"}));

    // Read back on the other host, through the account's own node.
    let read = profile_path(
        IG,
        BIZ,
        IG_TOKEN,
        "&platform=instagram&fields=ice_breakers,persistent_menu",
    );
    let answer = graph.call("GET", &read, None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let held = &answer.body["data"][0];
    assert_eq!(
        held["ice_breakers"][0]["call_to_actions"][1]["payload"],
        "SHIPPING"
    );
    assert_eq!(
        held["persistent_menu"][0]["call_to_actions"][1]["type"],
        "web_url"
    );
    let (_, control) = get(&format!("{base}/_igs/messenger_profile/{BIZ}")).await;
    assert_eq!(&control, held);

    let remove = profile_path(FB, PAGE_ID, PAGE_TOKEN, "&platform=instagram");
    let body = json!({"fields": ["ice_breakers"]}).to_string();
    let answer = graph.call("DELETE", &remove, Some(body)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answer = graph.call("GET", &read, None).await;
    assert!(answer.body["data"][0].get("ice_breakers").is_none());
    assert_eq!(
        answer.body["data"][0]["persistent_menu"][0]["call_to_actions"][0]["payload"],
        "HUMAN"
    );
    let all = profile_path(
        FB,
        "me",
        PAGE_TOKEN,
        "&platform=instagram&fields=persistent_menu",
    );
    assert_eq!(graph.call("DELETE", &all, None).await.status, 200);
    let answer = graph.call("GET", &read, None).await;
    assert_eq!(answer.body, json!({"data": []}));
    assert_eq!(sim.messenger_profile(BIZ), json!({}));
}

#[tokio::test]
async fn meta_refuses_what_instagram_does_not_allow_in_its_error_shape() {
    let (_sim, base, _) = spawn_sim().await;
    let graph = Graph::new(&base);
    let set = profile_path(FB, "me", PAGE_TOKEN, "");
    let mut five = starters();
    let question = |i: usize| json!({"question": format!("Q{i}?"), "payload": "P"});
    five["ice_breakers"][0]["call_to_actions"] = (0..5).map(question).collect();
    let answer = graph.call("POST", &set, Some(five.to_string())).await;
    answer.assert_error(400, 100, None);
    assert!(
        answer.message().contains("at most 4 ice breakers"),
        "{}",
        answer.message()
    );

    let mut long = starters();
    long["ice_breakers"][0]["call_to_actions"][0]["question"] = json!("x".repeat(81));
    let answer = graph.call("POST", &set, Some(long.to_string())).await;
    answer.assert_error(400, 100, None);
    assert!(
        answer.message().contains("question"),
        "{}",
        answer.message()
    );

    let mut no_platform = starters();
    no_platform.as_object_mut().unwrap().remove("platform");
    let answer = graph
        .call("POST", &set, Some(no_platform.to_string()))
        .await;
    answer.assert_error(400, 100, None);
    assert!(
        answer.message().contains("platform"),
        "{}",
        answer.message()
    );

    let wrong = profile_path(FB, "me", "not-a-token", "");
    let answer = graph
        .call("POST", &wrong, Some(starters().to_string()))
        .await;
    answer.assert_error(400, 190, None);

    let unknown = profile_path(FB, "me", PAGE_TOKEN, "&platform=instagram&fields=greeting");
    graph
        .call("GET", &unknown, None)
        .await
        .assert_error(400, 100, None);
    // Nothing refused was kept.
    let read = profile_path(
        FB,
        "me",
        PAGE_TOKEN,
        "&platform=instagram&fields=ice_breakers",
    );
    assert_eq!(
        graph.call("GET", &read, None).await.body,
        json!({"data": []})
    );
}

#[tokio::test]
async fn a_tap_on_an_ice_breaker_or_a_menu_item_arrives_as_a_postback() {
    let (_sim, base, received) = spawn_sim().await;
    let graph = Graph::new(&base);
    let set = profile_path(FB, "me", PAGE_TOKEN, "");
    assert_eq!(
        graph
            .call("POST", &set, Some(starters().to_string()))
            .await
            .status,
        200
    );
    let scenario = format!(
        "business = \"{BIZ}\"\n\
         [[step]]\nfrom = \"1000001\"\nkind = \"ice_breaker\"\ntitle = \"Do you ship abroad?\"\n\
         [[step]]\nfrom = \"1000001\"\nkind = \"menu\"\ntitle = \"Talk to us\"\n"
    );
    let client = reqwest::Client::new();
    let played = client
        .post(format!("{base}/_igs/scenario"))
        .body(scenario)
        .send()
        .await
        .unwrap();
    assert_eq!(played.status(), 200);
    let tapped = wait_for_item(&received, |i| i["postback"]["payload"] == "SHIPPING").await;
    assert_eq!(tapped["postback"]["title"], "Do you ship abroad?");
    assert!(tapped["postback"]["mid"].is_string(), "{tapped}");
    wait_for_item(&received, |i| i["postback"]["payload"] == "HUMAN").await;

    // A starter the business never set cannot be tapped.
    let missing = format!(
        "business = \"{BIZ}\"\n[[step]]\nfrom = \"1000001\"\nkind = \"menu\"\ntitle = \"Shop\"\n"
    );
    let refused = client
        .post(format!("{base}/_igs/scenario"))
        .body(missing)
        .send()
        .await
        .unwrap();
    assert!(!refused.status().is_success());
    assert!(refused.text().await.unwrap().contains("opens a URL"));
}
