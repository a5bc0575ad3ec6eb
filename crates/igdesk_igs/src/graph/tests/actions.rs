//! Sender actions: likes on messages and Story mentions, seen, typing.

use serde_json::{json, Value};

use super::{deliver, Graph, ANA, FB, HOUR_MS};
use crate::ids::now_ms;
use crate::testutil::{spawn_sim, BIZ, PAGE_TOKEN};
use crate::Event;

fn react(mid: &str) -> Value {
    json!({"recipient": {"id": ANA}, "sender_action": "react",
        "payload": {"message_id": mid, "reaction": "love"}})
}

#[tokio::test]
async fn likes_need_a_message_that_is_still_there() {
    let (sim, base, received) = spawn_sim().await;
    let graph = Graph::new(&base);
    let message = Event::text(ANA, "look at this");
    let mid = message.mid().unwrap().to_owned();
    deliver(&sim, message).await;

    let answer = graph.send(react(&mid)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body, json!({"recipient_id": ANA}));
    let unreact = json!({"recipient": {"id": ANA}, "sender_action": "unreact", "payload": {"message_id": mid}});
    assert_eq!(graph.send(unreact).await.status, 200);
    let actions = sim.actions();
    assert_eq!(actions.len(), 2);
    assert_eq!(
        (
            actions[0].action.as_str(),
            actions[0].target_mid.as_deref(),
            actions[0].reaction.as_deref()
        ),
        ("react", Some(mid.as_str()), Some("love"))
    );
    assert_eq!(
        (actions[1].action.as_str(), actions[1].reaction.as_deref()),
        ("unreact", None)
    );

    // The customer unsends it: it can no longer be liked.
    deliver(&sim, Event::deleted(ANA, &mid)).await;
    let answer = graph.send(react(&mid)).await;
    answer.assert_error(400, 100, None);
    assert!(
        answer.message().contains("no longer available"),
        "{}",
        answer.message()
    );

    // A Story mention expires after 24 hours.
    let old_story = Event::attachment(ANA, "story_mention", "https://cdn/story/1")
        .with_timestamp_ms(now_ms() - 25 * HOUR_MS);
    let old_mid = old_story.mid().unwrap().to_owned();
    deliver(&sim, old_story).await;
    let answer = graph.send(react(&old_mid)).await;
    answer.assert_error(400, 100, None);
    assert!(
        answer.message().contains("story has expired"),
        "{}",
        answer.message()
    );
    let story = Event::attachment(ANA, "story_mention", "https://cdn/story/2");
    let story_mid = story.mid().unwrap().to_owned();
    deliver(&sim, story).await;
    assert_eq!(graph.send(react(&story_mid)).await.status, 200);

    // Not a message of this customer.
    graph
        .send(react("aWdfZAG1-unknown"))
        .await
        .assert_error(400, 100, None);
    let answer = graph
        .send(json!({"recipient": {"id": ANA}, "sender_action": "react", "payload": {"message_id": story_mid}}))
        .await;
    assert!(
        answer.message().contains("payload[reaction]"),
        "{}",
        answer.message()
    );

    assert_eq!(sim.actions().len(), 3, "refused actions are not recorded");
    assert!(sim.sent().is_empty(), "a like is not a message");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(received.bodies().len(), 4, "sender actions are not echoed");
}

#[tokio::test]
async fn seen_and_typing_in_a_form_body() {
    let (sim, base, _) = spawn_sim().await;
    let graph = Graph::new(&base);
    let first = Event::text(ANA, "one").with_timestamp_ms(now_ms() - 1000);
    let second = Event::text(ANA, "two");
    let newest = second.mid().unwrap().to_owned();
    deliver(&sim, first).await;
    deliver(&sim, second).await;

    let path = format!("{FB}/v21.0/me/messages?access_token={PAGE_TOKEN}");
    for action in ["mark_seen", "typing_on", "typing_off"] {
        let body = format!("recipient=%7B%22id%22%3A%22{ANA}%22%7D&sender_action={action}");
        let answer = graph.call("POST", &path, Some(body)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let actions = sim.actions();
    assert_eq!(actions[0].action, "mark_seen");
    assert_eq!(actions[0].target_mid.as_deref(), Some(newest.as_str()));
    assert_eq!(actions[1].target_mid, None);
    assert!(actions
        .iter()
        .all(|a| a.business_ig_id == BIZ && a.api == "facebook"));

    let body = json!({"recipient": {"id": "9999999"}, "sender_action": "typing_on"});
    graph.send(body).await.assert_error(400, 100, Some(2018001));
    let body = json!({"recipient": {"id": ANA}, "sender_action": "dance"});
    graph.send(body).await.assert_error(400, 100, None);
}
