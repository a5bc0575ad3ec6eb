//! The messaging window: 24 hours after the customer's last message, 7 days
//! with HUMAN_AGENT, never for someone who did not write.

use serde_json::{json, Value};

use super::{deliver, text_to, Graph, ANA, HOUR_MS};
use crate::ids::now_ms;
use crate::testutil::{spawn_sim, BIZ};
use crate::Event;

fn human_agent(igsid: &str, text: &str) -> Value {
    json!({"recipient": {"id": igsid}, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT",
        "message": {"text": text}})
}

#[tokio::test]
async fn never_wrote_is_outside_the_window() {
    let (sim, base, _) = spawn_sim().await;
    let graph = Graph::new(&base);
    for body in [text_to("1000002", "hello"), human_agent("1000002", "hello")] {
        let answer = graph.send(body).await;
        answer.assert_error(403, 10, Some(2534022));
        assert_eq!(answer.body["error"]["type"], "IGApiException");
        assert_eq!(
            answer.message(),
            "This message is sent outside of allowed window."
        );
    }
    // Comments, reactions and reads are not messages: the window stays shut.
    let comment = Event::comment(
        "1000002",
        "quiet.fox",
        "price?",
        "18100000000000001",
        "FEED",
    );
    deliver(&sim, comment).await;
    deliver(&sim, Event::reaction("1000077", "some-mid", "❤", "love")).await;
    deliver(&sim, Event::read("1000078", "some-mid")).await;
    for igsid in ["1000002", "1000077", "1000078"] {
        graph
            .send(text_to(igsid, "hello"))
            .await
            .assert_error(403, 10, Some(2534022));
    }
    // A postback is the customer acting in the thread: it opens the window.
    deliver(&sim, Event::postback("1000002", "Get started", "START")).await;
    assert_eq!(graph.send(text_to("1000002", "hello")).await.status, 200);
    assert!(sim.sent().iter().all(|s| s.recipient_igsid == "1000002"));
}

#[tokio::test]
async fn twenty_four_hours_then_human_agent_for_seven_days() {
    let (sim, base, _) = spawn_sim().await;
    let graph = Graph::new(&base);

    deliver(
        &sim,
        Event::text(ANA, "hi").with_timestamp_ms(now_ms() - 23 * HOUR_MS),
    )
    .await;
    assert_eq!(graph.send(text_to(ANA, "within a day")).await.status, 200);

    // The latest delivery sets the window, even backdated: 25 hours ago.
    deliver(
        &sim,
        Event::text(ANA, "hi").with_timestamp_ms(now_ms() - 25 * HOUR_MS),
    )
    .await;
    graph
        .send(text_to(ANA, "late"))
        .await
        .assert_error(403, 10, Some(2534022));
    let answer = graph.send(human_agent(ANA, "a human answers")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let record = sim.sent().pop().unwrap();
    assert_eq!(
        (record.messaging_type.as_str(), record.tag.as_deref()),
        ("MESSAGE_TAG", Some("HUMAN_AGENT"))
    );
    // A tag alone implies MESSAGE_TAG.
    let tag_only =
        json!({"recipient": {"id": ANA}, "tag": "HUMAN_AGENT", "message": {"text": "x"}});
    assert_eq!(graph.send(tag_only).await.status, 200);

    // Eight days: too late even for a human agent.
    let story_reply = Event::story_reply(ANA, "nice", "1799", "https://cdn/story")
        .with_timestamp_ms(now_ms() - 8 * 24 * HOUR_MS);
    deliver(&sim, story_reply).await;
    for body in [text_to(ANA, "x"), human_agent(ANA, "x")] {
        graph.send(body).await.assert_error(403, 10, Some(2534022));
    }
    assert_eq!(
        sim.last_customer_message_ms(BIZ, ANA)
            .map(|ms| ms < now_ms() - 7 * 24 * HOUR_MS),
        Some(true)
    );

    // A fresh quick-reply tap reopens it for plain responses.
    deliver(&sim, Event::quick_reply(ANA, "M", "SIZE_M")).await;
    assert_eq!(graph.send(text_to(ANA, "noted")).await.status, 200);
    assert_eq!(sim.sent().len(), 4);
}
