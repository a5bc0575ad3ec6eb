//! Conversation Routing: passing a thread to Instagram's inbox and taking it back.

use serde_json::{json, Value};

use super::{deliver, get, text_to, Graph, ANA, FB, IG, PAGE_ID};
use crate::testutil::{spawn_sim, BIZ, IG_TOKEN, PAGE_TOKEN};
use crate::{Event, ThreadOwner, IGDESK_APP_ID};

/// Instagram Inbox's app id (Meta's Handover Protocol reference).
const INBOX: &str = "1217981644879628";

fn fb(edge: &str) -> String {
    format!("{FB}/v21.0/{PAGE_ID}/{edge}?access_token={PAGE_TOKEN}")
}

fn pass_body(igsid: &str) -> Option<String> {
    let body = json!({"recipient": {"id": igsid}, "target_app_id": INBOX, "metadata": "vip"});
    Some(body.to_string())
}

#[tokio::test]
async fn a_pass_gives_the_thread_to_the_inbox_and_a_take_brings_it_back() {
    let (sim, base, received) = spawn_sim().await;
    let graph = Graph::new(&base);
    assert_eq!(sim.thread_owner(BIZ, ANA), IGDESK_APP_ID);

    let answer = graph
        .call("POST", &fb("pass_thread_control"), pass_body(ANA))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, json!({"success": true}));
    assert_eq!(sim.thread_owner(BIZ, ANA), INBOX);
    assert_eq!(sim.thread_owner(BIZ, "1000002"), IGDESK_APP_ID);
    let owner = graph
        .call(
            "GET",
            &format!("{}&recipient={ANA}", fb("thread_owner")),
            None,
        )
        .await;
    assert_eq!(
        owner.body,
        json!({"data": [{"thread_owner": {"app_id": INBOX}}]})
    );
    let (status, listed) = get(&format!("{base}/_igs/thread_owners")).await;
    assert_eq!(status, 200);
    let expected = ThreadOwner {
        business_ig_id: BIZ.into(),
        igsid: ANA.into(),
        app_id: INBOX.into(),
    };
    assert_eq!(listed, json!([expected]));

    // While the inbox owns the thread, the customer's messages reach igdesk's app on
    // standby, and its sends are refused (only the owner may send); other threads
    // are as before.
    deliver(&sim, Event::text(ANA, "hello?")).await;
    let body = received.bodies().pop().unwrap();
    assert_eq!(
        body["entry"][0]["standby"][0]["message"]["text"], "hello?",
        "{body}"
    );
    assert!(body["entry"][0]["messaging"].is_null(), "{body}");
    let refused = graph.send(text_to(ANA, "still here")).await;
    refused.assert_error(400, 10, Some(2018300));
    assert!(refused
        .message()
        .contains("another app is controlling this thread"));
    deliver(&sim, Event::text("1000002", "hi")).await;
    let body = received.bodies().pop().unwrap();
    assert_eq!(
        body["entry"][0]["messaging"][0]["message"]["text"], "hi",
        "{body}"
    );
    assert_eq!(graph.send(text_to("1000002", "hello")).await.status, 200);

    let take = json!({"recipient": {"id": ANA}, "metadata": "back to igdesk"});
    let answer = graph
        .call("POST", &fb("take_thread_control"), Some(take.to_string()))
        .await;
    assert_eq!(answer.body, json!({"success": true}));
    assert_eq!(sim.thread_owner(BIZ, ANA), IGDESK_APP_ID);
    assert!(sim.thread_owners().is_empty());
    let (_, listed) = get(&format!("{base}/_igs/thread_owners")).await;
    assert_eq!(listed, json!([]));
    assert_eq!(graph.send(text_to(ANA, "back")).await.status, 200);
    deliver(&sim, Event::text(ANA, "thanks")).await;
    let body = received.bodies().pop().unwrap();
    assert_eq!(
        body["entry"][0]["messaging"][0]["message"]["text"], "thanks",
        "{body}"
    );
}

#[tokio::test]
async fn refused_without_a_known_recipient_or_a_target() {
    let (sim, base, _) = spawn_sim().await;
    let graph = Graph::new(&base);

    graph
        .call("POST", &fb("pass_thread_control"), pass_body("9999999"))
        .await
        .assert_error(400, 100, Some(2018001));
    let no_target = json!({"recipient": {"id": ANA}, "metadata": "vip"}).to_string();
    let answer = graph
        .call("POST", &fb("pass_thread_control"), Some(no_target))
        .await;
    answer.assert_error(400, 100, None);
    assert!(
        answer.message().contains("target_app_id"),
        "{}",
        answer.message()
    );
    let no_recipient = json!({"target_app_id": INBOX}).to_string();
    let answer = graph
        .call("POST", &fb("pass_thread_control"), Some(no_recipient))
        .await;
    assert!(
        answer.message().contains("recipient[id]"),
        "{}",
        answer.message()
    );
    graph
        .call(
            "POST",
            &fb("take_thread_control"),
            Some(json!({"recipient": {"id": "9999999"}}).to_string()),
        )
        .await
        .assert_error(400, 100, Some(2018001));
    graph
        .call(
            "GET",
            &format!("{}&recipient=9999999", fb("thread_owner")),
            None,
        )
        .await
        .assert_error(400, 100, Some(2018001));
    // Another Page's node, with this Page's token.
    let path = format!("{FB}/v21.0/100000000000999/pass_thread_control?access_token={PAGE_TOKEN}");
    graph
        .call("POST", &path, pass_body(ANA))
        .await
        .assert_error(400, 100, Some(33));
    assert_eq!(sim.thread_owner(BIZ, ANA), IGDESK_APP_ID);
    assert!(sim.thread_owners().is_empty());
}

#[tokio::test]
async fn every_routing_call_is_recorded_on_either_host() {
    let (sim, base, _) = spawn_sim().await;
    let graph = Graph::new(&base);

    // A form body on the Instagram-Login host, the account itself as node.
    let path = format!("{IG}/v22.0/{BIZ}/pass_thread_control?access_token={IG_TOKEN}");
    let form = format!("recipient=%7B%22id%22%3A%22{ANA}%22%7D&target_app_id={INBOX}&metadata=vip");
    let answer = graph.call("POST", &path, Some(form.clone())).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(sim.thread_owner(BIZ, ANA), INBOX);
    let path = format!("{IG}/v22.0/me/take_thread_control?access_token={IG_TOKEN}");
    let take = format!("recipient=%7B%22id%22%3A%22{ANA}%22%7D");
    assert_eq!(graph.call("POST", &path, Some(take)).await.status, 200);
    assert_eq!(sim.thread_owner(BIZ, ANA), IGDESK_APP_ID);
    graph
        .call("POST", &fb("pass_thread_control"), pass_body("9999999"))
        .await
        .assert_error(400, 100, Some(2018001));

    let calls = sim.calls();
    let seen: Vec<(&str, &str, &str)> = calls
        .iter()
        .map(|c| (c.method.as_str(), c.api.as_str(), c.path.as_str()))
        .collect();
    let pass_fb = format!("{PAGE_ID}/pass_thread_control");
    let pass_ig = format!("{BIZ}/pass_thread_control");
    assert_eq!(
        seen,
        [
            ("POST", "instagram", pass_ig.as_str()),
            ("POST", "instagram", "me/take_thread_control"),
            ("POST", "facebook", pass_fb.as_str()),
        ]
    );
    assert_eq!(calls[0].body, form);
    let refused: Value = serde_json::from_str(&calls[2].body).unwrap();
    assert_eq!(refused["recipient"]["id"], "9999999", "refused calls too");
}
