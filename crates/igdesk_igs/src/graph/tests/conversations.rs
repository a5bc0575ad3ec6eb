//! The Conversations API: history, the 20-newest rule, fields, the rate.

use serde_json::Value;

use super::{deliver, text_to, wait_for_item, Graph, ANA, FB, IG, PAGE_ID};
use crate::ids::now_ms;
use crate::testutil::{spawn_sim, BIZ, IG_TOKEN, PAGE_TOKEN};
use crate::{Event, HistoryMessage};

const FIELDS: &str = "participants,messages{id,created_time,from,to,message},updated_time";

fn list_path(host: &str, node: &str, token: &str, extra: &str) -> String {
    format!("{host}/v21.0/{node}/conversations?platform=instagram&fields={FIELDS}{extra}&access_token={token}")
}

#[tokio::test]
async fn twenty_newest_messages_newest_first() {
    let (sim, base, received) = spawn_sim().await;
    sim.set_conversations_rate_limit(100);
    let graph = Graph::new(&base);
    let start = now_ms() - 3 * 3_600_000;
    let history: Vec<HistoryMessage> = (0..25)
        .map(|i| {
            let at = start + i * 60_000;
            match i % 2 {
                0 => HistoryMessage::from_customer(format!("customer {i}"), at),
                _ => HistoryMessage::from_business(format!("shop {i}"), at),
            }
        })
        .collect();
    let mids = sim.add_history(BIZ, ANA, history);
    assert_eq!(mids.len(), 25);
    assert!(sim.has_consented(BIZ, ANA), "Ana wrote, in the past");
    sim.add_history(
        BIZ,
        "1000002",
        vec![HistoryMessage::from_customer("hello?", start)],
    );

    // A redelivered history message is not a new message; a reply is.
    deliver(
        &sim,
        Event::text(ANA, "customer 24")
            .with_mid(mids[24].clone())
            .with_timestamp_ms(start + 24 * 60_000),
    )
    .await;
    let answer = graph.send(text_to(ANA, "A reply from igdesk")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let reply_mid = answer.body["message_id"].as_str().unwrap().to_owned();
    wait_for_item(&received, |item| {
        item["message"]["mid"] == reply_mid.as_str()
    })
    .await;
    assert_eq!(
        sim.thread(BIZ, ANA).len(),
        26,
        "the echo is the same message"
    );

    let answer = graph
        .call("GET", &list_path(FB, PAGE_ID, PAGE_TOKEN, ""), None)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let data = answer.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    let ana = &data[0];
    assert!(ana["id"].as_str().unwrap().starts_with("aWdfZAG06"));
    let participants: Vec<&Value> = ana["participants"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(participants[0]["id"], ANA);
    assert_eq!(participants[0]["username"], "ana.souza");
    assert_eq!(participants[1]["username"], "the.shop");

    let messages = ana["messages"]["data"].as_array().unwrap();
    assert_eq!(messages.len(), 20, "Meta's 20 newest");
    assert_eq!(messages[0]["id"], reply_mid.as_str());
    assert_eq!(messages[0]["message"], "A reply from igdesk");
    assert_eq!(messages[0]["from"]["id"], BIZ);
    assert_eq!(messages[0]["to"]["data"][0]["id"], ANA);
    assert_eq!(messages[1]["id"], mids[24].as_str());
    assert_eq!(messages[1]["from"]["username"], "ana.souza");
    assert_eq!(messages[19]["id"], mids[6].as_str(), "the oldest returned");
    let created = messages[1]["created_time"].as_str().unwrap();
    assert_eq!(created, crate::ids::graph_time(start + 24 * 60_000));
    assert!(
        created.ends_with("+0000") && created.len() == 24,
        "{created}"
    );
    assert_eq!(ana["updated_time"], messages[0]["created_time"]);

    // One thread by user_id, on the Instagram host; default fields.
    let path = format!("{IG}/v21.0/me/conversations?user_id=1000002&access_token={IG_TOKEN}");
    let answer = graph.call("GET", &path, None).await;
    let data = answer.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    assert!(data[0].get("updated_time").is_some() && data[0].get("messages").is_none());

    // A conversation and a message read by id; older messages are out of reach.
    let conversation = ana["id"].as_str().unwrap();
    let path = format!("{FB}/v21.0/{conversation}?fields=messages&access_token={PAGE_TOKEN}");
    let answer = graph.call("GET", &path, None).await;
    let first = &answer.body["messages"]["data"][0];
    assert_eq!(first["id"], reply_mid.as_str());
    assert!(first.get("created_time").is_some() && first.get("message").is_none());
    let path = format!(
        "{FB}/v21.0/{}?fields=id,created_time,from,to,message&access_token={PAGE_TOKEN}",
        mids[10]
    );
    let answer = graph.call("GET", &path, None).await;
    assert_eq!(answer.body["message"], "customer 10");
    let path = format!(
        "{FB}/v21.0/{}?fields=message&access_token={PAGE_TOKEN}",
        mids[2]
    );
    graph
        .call("GET", &path, None)
        .await
        .assert_error(400, 100, None);

    // Without platform=instagram, graph.facebook.com lists Messenger threads: none.
    let path = format!("{FB}/v21.0/me/conversations?access_token={PAGE_TOKEN}");
    assert_eq!(
        graph.call("GET", &path, None).await.body["data"],
        serde_json::json!([])
    );
}

#[tokio::test]
async fn two_calls_per_second() {
    let (sim, base, _) = spawn_sim().await;
    sim.add_history(
        BIZ,
        ANA,
        vec![HistoryMessage::from_customer("hi", now_ms())],
    );
    let graph = Graph::new(&base);
    let path = list_path(IG, BIZ, IG_TOKEN, "");
    for _ in 0..2 {
        assert_eq!(graph.call("GET", &path, None).await.status, 200);
    }
    let answer = graph.call("GET", &path, None).await;
    answer.assert_error(400, 4, None);
    assert_eq!(answer.usage().unwrap()[BIZ][0]["call_count"], 100);
    let path = list_path(IG, "17841499999999999", IG_TOKEN, "");
    graph
        .call("GET", &path, None)
        .await
        .assert_error(400, 100, Some(33));
}
