//! Private replies and comment moderation.

use serde_json::{json, Value};

use super::{deliver, wait_for_item, Graph, FB, HOUR_MS, IG};
use crate::ids::now_ms;
use crate::testutil::{spawn_sim, BIZ, IG_TOKEN, PAGE_TOKEN};
use crate::{Event, Simulator};

const FOX: &str = "1000002";
const MEDIA: &str = "18100000000000001";

/// Deliver a comment by Fox, `age_ms` old; its id.
async fn comment(sim: &Simulator, age_ms: i64) -> String {
    let event = Event::comment(FOX, "quiet.fox", "price?", MEDIA, "FEED")
        .with_timestamp_ms(now_ms() - age_ms);
    let id = event.comment_id().unwrap().to_owned();
    deliver(sim, event).await;
    id
}

fn private_reply(comment_id: &str) -> Value {
    json!({"recipient": {"comment_id": comment_id}, "message": {"text": "Sent you the price"}})
}

#[tokio::test]
async fn one_private_reply_per_comment_within_seven_days() {
    let (sim, base, received) = spawn_sim().await;
    let graph = Graph::new(&base);
    let id = comment(&sim, HOUR_MS).await;

    // Fox never wrote a DM: private replies need no window.
    let answer = graph.send(private_reply(&id)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["recipient_id"], FOX);
    let mid = answer.body["message_id"].as_str().unwrap().to_owned();
    let record = sim.sent().pop().unwrap();
    assert_eq!(record.comment_id.as_deref(), Some(id.as_str()));
    assert_eq!(record.recipient_igsid, FOX);
    let echo = wait_for_item(&received, |item| item["message"]["mid"] == mid.as_str()).await;
    assert_eq!(echo["recipient"], json!({"id": FOX}));
    assert_eq!(echo["message"]["text"], "Sent you the price");
    assert_eq!(sim.comment(&id).unwrap().private_reply_mid, Some(mid));

    let answer = graph.send(private_reply(&id)).await;
    answer.assert_error(403, 10, Some(2534025));
    assert!(
        answer.message().contains("already been replied to"),
        "{}",
        answer.message()
    );

    let old = comment(&sim, 8 * 24 * HOUR_MS).await;
    graph
        .send(private_reply(&old))
        .await
        .assert_error(403, 10, Some(2534022));
    graph
        .send(private_reply("18000000000000000"))
        .await
        .assert_error(400, 100, Some(33));

    // A deleted comment no longer exists.
    let gone = comment(&sim, 0).await;
    let path = format!("{FB}/v21.0/{gone}?access_token={PAGE_TOKEN}");
    assert_eq!(graph.call("DELETE", &path, None).await.status, 200);
    graph
        .send(private_reply(&gone))
        .await
        .assert_error(400, 100, Some(33));
    assert_eq!(sim.sent().len(), 1);
}

#[tokio::test]
async fn replies_hide_unhide_and_delete() {
    let (sim, base, _) = spawn_sim().await;
    let graph = Graph::new(&base);
    let id = comment(&sim, 0).await;
    let fb = |rest: &str| format!("{FB}/v21.0/{rest}access_token={PAGE_TOKEN}");

    let answer = graph
        .call(
            "POST",
            &fb(&format!("{id}/replies?message=Hi+Fox%21&")),
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let reply_id = answer.body["id"].as_str().unwrap().to_owned();
    let reply = sim.comment(&reply_id).unwrap();
    assert_eq!(
        (reply.text.as_str(), reply.author_igsid.as_str()),
        ("Hi Fox!", BIZ)
    );
    assert_eq!(reply.parent_id.as_deref(), Some(id.as_str()));
    // A reply to a reply joins the top-level comment.
    let answer = graph
        .call(
            "POST",
            &fb(&format!("{reply_id}/replies?")),
            Some(r#"{"message":"again"}"#.into()),
        )
        .await;
    let nested = answer.body["id"].as_str().unwrap();
    assert_eq!(
        sim.comment(nested).unwrap().parent_id.as_deref(),
        Some(id.as_str())
    );

    // Hidden (query parameter): no more replies.
    let answer = graph
        .call("POST", &fb(&format!("{id}?hide=true&")), None)
        .await;
    assert_eq!(answer.body, json!({"success": true}));
    assert!(sim.comment(&id).unwrap().hidden);
    let answer = graph
        .call(
            "POST",
            &fb(&format!("{id}/replies?")),
            Some("message=too+late".into()),
        )
        .await;
    answer.assert_error(400, 100, None);
    assert!(answer.message().contains("hidden"), "{}", answer.message());

    // Unhidden on the Instagram host, in a JSON body.
    let path = format!("{IG}/v21.0/{id}?access_token={IG_TOKEN}");
    let answer = graph
        .call("POST", &path, Some(r#"{"hide":false}"#.into()))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(!sim.comment(&id).unwrap().hidden);

    let answer = graph.call("DELETE", &fb(&format!("{id}?")), None).await;
    assert_eq!(answer.body, json!({"success": true}));
    assert!(sim.comment(&id).unwrap().deleted);
    for (method, path) in [
        ("DELETE", fb(&format!("{id}?"))),
        ("POST", fb(&format!("{id}/replies?message=x&"))),
        ("POST", fb(&format!("{id}?hide=true&"))),
        ("DELETE", fb("18000000000000000?")),
    ] {
        graph
            .call(method, &path, None)
            .await
            .assert_error(400, 100, Some(33));
    }

    let actions = sim.comment_actions();
    let summary: Vec<(&str, bool, Option<i64>)> = actions
        .iter()
        .map(|a| (a.action.as_str(), a.ok, a.error_code))
        .collect();
    assert_eq!(
        summary,
        [
            ("reply", true, None),
            ("reply", true, None),
            ("hide", true, None),
            ("reply", false, Some(100)),
            ("unhide", true, None),
            ("delete", true, None),
            ("delete", false, Some(100)),
            ("reply", false, Some(100)),
            ("hide", false, Some(100)),
            ("delete", false, Some(100)),
        ]
    );
    assert_eq!(actions[0].reply_id.as_deref(), Some(reply_id.as_str()));
    assert_eq!(actions[0].message.as_deref(), Some("Hi Fox!"));
    assert_eq!(actions[4].api, "instagram");
}
