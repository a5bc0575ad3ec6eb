//! The Send API: accepted messages, records, echoes, message shapes and media.

use serde_json::{json, Value};

use super::{deliver, serve_files, text_to, wait_for_item, Graph, ANA, FB, IG, PAGE_ID};
use crate::testutil::{spawn_sim, BIZ, IG_TOKEN, PAGE_TOKEN};
use crate::{Event, SentMessage};

#[tokio::test]
async fn text_is_accepted_recorded_and_echoed_with_the_same_mid() {
    let (sim, base, received) = spawn_sim().await;
    let graph = Graph::new(&base);
    deliver(&sim, Event::text(ANA, "hi")).await;

    let answer = graph.send(text_to(ANA, "Olá, Ana!")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["recipient_id"], ANA);
    let mid = answer.body["message_id"].as_str().unwrap().to_owned();
    assert!(mid.starts_with("aWdfZAG1"), "{mid}");
    let usage = answer.usage().expect("usage header on success");
    let usage = &usage[PAGE_ID][0];
    assert_eq!(usage["type"], "instagram");
    assert_eq!(usage["estimated_time_to_regain_access"], 0);
    assert!(usage["call_count"].as_u64().unwrap() < 100);

    let sent = sim.sent();
    assert_eq!(sent.len(), 1);
    let record = &sent[0];
    assert_eq!(
        (record.business_ig_id.as_str(), record.api.as_str()),
        (BIZ, "facebook")
    );
    assert_eq!(
        (record.recipient_igsid.as_str(), record.mid.as_str()),
        (ANA, mid.as_str())
    );
    assert_eq!(
        (record.kind.as_str(), record.text.as_deref()),
        ("text", Some("Olá, Ana!"))
    );
    assert_eq!(
        (record.messaging_type.as_str(), record.tag.as_deref()),
        ("RESPONSE", None)
    );

    // The echo: same mid, sent by the business, delivered after the answer.
    let echo = wait_for_item(&received, |item| item["message"]["mid"] == mid.as_str()).await;
    assert_eq!(echo["sender"], json!({"id": BIZ}));
    assert_eq!(echo["recipient"], json!({"id": ANA}));
    assert_eq!(
        echo["message"],
        json!({"mid": mid, "text": "Olá, Ana!", "is_echo": true})
    );
    assert_eq!(echo["timestamp"], record.at_ms);
    // The thread holds the customer's message and the reply once, echo or not.
    let thread = sim.thread(BIZ, ANA);
    assert_eq!(thread.len(), 2);
    assert_eq!(thread[1].mid.as_deref(), Some(mid.as_str()));

    // Other processes read the same records.
    let over_http: Vec<SentMessage> = reqwest::get(format!("{base}/_igs/sent"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http, sent);
    let cleared = reqwest::Client::new()
        .delete(format!("{base}/_igs/sent"))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 204);
    assert!(sim.sent().is_empty());
}

#[tokio::test]
async fn form_bodies_bearer_tokens_and_both_hosts() {
    let (sim, base, received) = spawn_sim().await;
    sim.set_echoes(false);
    let graph = Graph::new(&base);
    deliver(&sim, Event::text(ANA, "hi")).await;

    // Form-encoded, token in the body, `me` as the node.
    let body = "recipient=%7B%22id%22%3A%221000001%22%7D\
        &message=%7B%22text%22%3A%22Size%3F%22%2C%22quick_replies%22%3A%5B%7B%22content_type%22%3A%22text%22%2C%22title%22%3A%22Medium+size+please+thanks%22%2C%22payload%22%3A%22SIZE_M%22%7D%5D%7D\
        &messaging_type=RESPONSE&access_token=EAAG-page";
    let answer = graph
        .call(
            "POST",
            &format!("{FB}/v21.0/me/messages"),
            Some(body.into()),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let record = sim.sent().pop().unwrap();
    assert_eq!(record.kind, "quick_replies");
    assert_eq!(record.text.as_deref(), Some("Size?"));
    assert_eq!(
        record.quick_replies,
        [("Medium size please t".to_owned(), "SIZE_M".to_owned())],
        "titles cut to 20 characters"
    );

    // graph.instagram.com: the Instagram token, the ig_id node, a bearer header.
    let response = reqwest::Client::new()
        .post(format!("{base}/{IG}/v22.0/{BIZ}/messages"))
        .bearer_auth(IG_TOKEN)
        .json(&text_to(ANA, "via IG"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let usage: Value = serde_json::from_str(
        response.headers()["x-business-use-case-usage"]
            .to_str()
            .unwrap(),
    )
    .unwrap();
    assert!(
        usage.get(BIZ).is_some(),
        "keyed by the Instagram account: {usage}"
    );
    assert_eq!(sim.sent().pop().unwrap().api, "instagram");
    assert!(
        received.bodies().len() == 1,
        "echoes off: only the customer's DM"
    );

    // A node that is not the token's own account does not exist for it.
    let path = format!("{FB}/v21.0/{BIZ}/messages?access_token={PAGE_TOKEN}");
    let answer = graph
        .call("POST", &path, Some(text_to(ANA, "x").to_string()))
        .await;
    answer.assert_error(400, 100, Some(33));
    let path = format!("{IG}/v21.0/me/messages?access_token={PAGE_TOKEN}");
    let answer = graph
        .call("POST", &path, Some(text_to(ANA, "x").to_string()))
        .await;
    answer.assert_error(400, 190, None);
}

#[tokio::test]
async fn recipients_text_and_structure_rules() {
    let (sim, base, _) = spawn_sim().await;
    let graph = Graph::new(&base);
    deliver(&sim, Event::text(ANA, "hi")).await;

    let answer = graph.send(text_to("9999999", "hello?")).await;
    answer.assert_error(400, 100, Some(2018001));
    assert_eq!(answer.message(), "No matching user found");

    // 1,000 bytes pass; 1,001 bytes (500 two-byte characters and one more) do not.
    assert_eq!(
        graph.send(text_to(ANA, &"a".repeat(1000))).await.status,
        200
    );
    let answer = graph
        .send(text_to(ANA, &format!("{}a", "é".repeat(500))))
        .await;
    answer.assert_error(400, 100, None);
    assert!(
        answer.message().contains("1000 bytes"),
        "{}",
        answer.message()
    );

    let replies: Vec<Value> = (0..14)
        .map(|i| json!({"content_type": "text", "title": format!("Q{i}"), "payload": format!("P{i}")}))
        .collect();
    let message =
        json!({"recipient": {"id": ANA}, "message": {"text": "Pick", "quick_replies": replies}});
    let answer = graph.send(message).await;
    answer.assert_error(400, 100, None);
    assert!(
        answer.message().contains("message[quick_replies]") && answer.message().contains("13"),
        "{}",
        answer.message()
    );

    let template = json!({"recipient": {"id": ANA}, "message": {"attachment": {"type": "template",
        "payload": {"template_type": "generic", "elements": [{"title": "t".repeat(81)}]}}}});
    let answer = graph.send(template).await;
    answer.assert_error(400, 100, None);
    assert!(
        answer.message().contains("[elements][0][title]"),
        "{}",
        answer.message()
    );

    let template = json!({"recipient": {"id": ANA}, "message": {"attachment": {"type": "template",
        "payload": {"template_type": "generic", "elements": [{"title": "Red shoe",
        "buttons": [{"type": "postback", "title": "Buy", "payload": "BUY"}]}]}}}});
    assert_eq!(graph.send(template).await.status, 200);
    let record = sim.sent().pop().unwrap();
    assert_eq!(record.kind, "template");
    assert_eq!(record.template.unwrap()["elements"][0]["title"], "Red shoe");

    for bad in [
        json!({"message": {"text": "no recipient"}}),
        json!({"recipient": {"id": ANA}}),
        json!({"recipient": {"id": ANA}, "message": {"text": "x"}, "sender_action": "typing_on"}),
        json!({"recipient": {"id": ANA}, "message": {"text": "x"}, "messaging_type": "PROMO"}),
        json!({"recipient": {"id": ANA}, "message": {"text": "x"}, "messaging_type": "MESSAGE_TAG", "tag": "POST_PURCHASE_UPDATE"}),
    ] {
        graph.send(bad).await.assert_error(400, 100, None);
    }
    assert_eq!(sim.sent().len(), 2, "only accepted messages are recorded");
}

fn image_to(url: &str) -> Value {
    json!({"recipient": {"id": ANA}, "message": {"attachment": {"type": "image", "payload": {"url": url}}}})
}

#[tokio::test]
async fn media_are_fetched_and_checked() {
    let files = serve_files(vec![
        ("/ok.png", "image/png", vec![0x89, b'P', b'N', b'G']),
        ("/ok.jpg", "image/jpeg; charset=binary", vec![0xff, 0xd8]),
        ("/page.html", "text/html", b"<html></html>".to_vec()),
        ("/big.jpg", "image/jpeg", vec![0; 8 * 1024 * 1024 + 1]),
        ("/clip.mp4", "video/mp4", vec![0; 16]),
    ])
    .await;
    let (sim, base, received) = spawn_sim().await;
    let graph = Graph::new(&base);
    deliver(&sim, Event::text(ANA, "send a photo")).await;

    let answer = graph.send(image_to(&format!("{files}/ok.png"))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let mid = answer.body["message_id"].as_str().unwrap().to_owned();
    let record = sim.sent().pop().unwrap();
    assert_eq!(record.kind, "image");
    assert_eq!(record.attachment_url, Some(format!("{files}/ok.png")));
    let echo = wait_for_item(&received, |item| item["message"]["mid"] == mid.as_str()).await;
    let attachment = &echo["message"]["attachments"][0];
    assert_eq!(attachment["type"], "image");
    assert!(attachment["payload"]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://lookaside.fbsbx.com/"));
    assert_eq!(
        graph
            .send(image_to(&format!("{files}/ok.jpg")))
            .await
            .status,
        200
    );

    let answer = graph.send(image_to(&format!("{files}/page.html"))).await;
    answer.assert_error(400, 100, Some(2018047));
    assert!(
        answer.message().contains("Invalid attachment") && answer.message().contains("text/html")
    );
    let answer = graph.send(image_to(&format!("{files}/big.jpg"))).await;
    answer.assert_error(400, 100, Some(2018109));
    assert!(answer.message().contains("8 MB"), "{}", answer.message());
    let answer = graph.send(image_to(&format!("{files}/missing.png"))).await;
    answer.assert_error(400, 100, Some(2018008));

    let video = json!({"recipient": {"id": ANA}, "message": {"attachment": {"type": "video", "payload": {"url": format!("{files}/clip.mp4")}}}});
    assert_eq!(graph.send(video).await.status, 200);
    assert_eq!(sim.sent().pop().unwrap().kind, "video");
    assert_eq!(sim.sent().len(), 3);
}
