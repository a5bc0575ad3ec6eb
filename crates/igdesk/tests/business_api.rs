//! The Business Messaging API end to end (SPEC API-1 … API-6): CM.com's envelope over
//! real HTTP, what the simulator (Meta) received, and the signed webhooks a local
//! receiver got.

mod common;

use common::api::*;
use common::*;
use igdesk_igs::{Event, Fault};
use serde_json::{json, Value};

const HOUR: i64 = 3_600_000;

async fn customer_wrote(app: &TestApp, igsid: &str, hours_ago: i64) {
    let at = igdesk::now_ms() - hours_ago * HOUR;
    app.send(Event::text(igsid, "Hello?").with_timestamp_ms(at))
        .await;
    app.settle().await;
}

fn text_msg(to: &str, text: &str, reference: &str) -> Value {
    json!({
        "from": IG_ID,
        "to": [{"number": to}],
        "allowedChannels": ["Instagram"],
        "body": {"type": "auto", "content": text},
        "reference": reference,
    })
}

async fn webhooks_on(receiver: &Receiver, app: &TestApp, path: &str, n: usize) -> Vec<Received> {
    app.eventually(&format!("{n} webhooks on {path}"), || async {
        receiver.on(path).len() >= n
    })
    .await;
    receiver.on(path)
}

#[tokio::test]
async fn a_text_is_accepted_sent_and_reported_delivered_then_read_with_signed_reports() {
    let app = start_sqlite().await;
    let receiver = Receiver::start().await;
    let secret = enable_api(&app, &receiver, "agents").await;
    let token = product_token(&app).await;
    customer_wrote(&app, "555", 0).await;

    // The token in the envelope, as CM.com's examples put it.
    let mut body = envelope(json!([text_msg(
        "555",
        "CM.com - Be part of it.",
        "order-1"
    )]));
    body["messages"]["authentication"] = json!({ "producttoken": token });
    let response = app
        .http
        .post(format!("{}/v1.0/message", app.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["errorCode"], 0, "{answer}");
    assert_eq!(answer["details"], "Created 1 message(s)");
    let result = &answer["messages"][0];
    assert_eq!(result["to"], "555");
    assert_eq!(result["status"], "Accepted");
    assert_eq!(result["reference"], "order-1");
    assert_eq!(result["parts"], 1);
    assert_eq!(result["messageErrorCode"], 0);

    app.eventually("sent to Meta", || async { app.sim.sent().len() == 1 })
        .await;
    let sent = &app.sim.sent()[0];
    assert_eq!(sent.text.as_deref(), Some("CM.com - Be part of it."));
    assert_eq!(sent.tag, None, "API messages never carry HUMAN_AGENT");

    let reports = webhooks_on(&receiver, &app, "/status", 1).await;
    let report = &reports[0].body["messages"]["msg"];
    assert_eq!(report["reference"], "order-1");
    assert_eq!(report["to"], "555");
    assert_eq!(report["status"]["code"], "2", "delivered to Instagram");
    assert_eq!(report["channel"], "Instagram");
    let r = &reports[0];
    assert!(r.id.starts_with("msg_"));
    assert!(
        igdesk::webhooks_out::verify(&secret, &r.id, r.timestamp, &r.raw, &r.signature),
        "Standard Webhooks signature"
    );

    app.send(Event::read("555", &sent.mid)).await;
    let reports = webhooks_on(&receiver, &app, "/status", 2).await;
    assert_eq!(reports[1].body["messages"]["msg"]["status"]["code"], "4");
    assert_eq!(reports[1].body["messages"]["msg"]["reference"], "order-1");
}

#[tokio::test]
async fn text_and_image_are_two_messages_text_first() {
    text_and_image(start_sqlite().await).await;
}

#[tokio::test]
async fn text_and_image_report_each_part_on_postgres() {
    if std::env::var("IGDESK_TEST_POSTGRES_URL").is_err() {
        return;
    }
    text_and_image(start_postgres().await).await;
}

/// A text and an image: two Instagram messages, text first, each part's arrival
/// reported, the message delivered with the last.
async fn text_and_image(app: TestApp) {
    let receiver = Receiver::start().await;
    enable_api(&app, &receiver, "agents").await;
    let token = product_token(&app).await;
    customer_wrote(&app, "555", 0).await;
    let msg = json!({
        "from": IG_ID, "to": [{"number": "555"}], "allowedChannels": ["Instagram"],
        "body": {"type": "auto", "content": "Fallback Text"},
        "richContent": {"conversation": [{
            "text": "CM.com - Be part of it.",
            "media": {"mediaName": "tablet.png", "mediaUri": receiver.image_url(), "mimeType": "image/png"}
        }]}
    });
    let (status, answer) = send_cm(&app, &token, envelope(json!([msg]))).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["messages"][0]["parts"], 2);
    app.eventually("both sent", || async { app.sim.sent().len() == 2 })
        .await;
    let sent = app.sim.sent();
    assert_eq!(sent[0].kind, "text");
    assert_eq!(sent[0].text.as_deref(), Some("CM.com - Be part of it."));
    assert_eq!(sent[1].kind, "image");
    assert_eq!(
        sent[1].attachment_url.as_deref(),
        Some(receiver.image_url().as_str())
    );
    // Each part's arrival is reported; the message is delivered (code 2) only with
    // the last: the first report is code 0, in progress.
    let reports = webhooks_on(&receiver, &app, "/status", 2).await;
    assert_eq!(reports.len(), 2);
    let first = &reports[0].body["messages"]["msg"];
    assert_eq!(first["status"]["code"], "0", "{first}");
    assert_eq!(
        (&first["messageParts"], &first["part"]),
        (&json!(2), &json!(1))
    );
    assert_eq!(
        first["parts"],
        json!([
            {"part": 1, "status": "delivered", "mid": sent[0].mid},
            {"part": 2, "status": "pending", "mid": null},
        ])
    );
    let last = &reports[1].body["messages"]["msg"];
    assert_eq!(last["status"]["code"], "2", "{last}");
    assert_eq!(last["part"], 2);
    assert_eq!(last["parts"][1]["status"], "delivered");
    assert_eq!(last["parts"][1]["mid"], sent[1].mid.as_str());

    // The customer reads: one read report for the message, every part read.
    app.send(Event::read("555", &sent[1].mid)).await;
    let reports = webhooks_on(&receiver, &app, "/status", 3).await;
    let read = &reports[2].body["messages"]["msg"];
    assert_eq!(read["status"]["code"], "4");
    assert_eq!(read["parts"][0]["status"], "read");
    assert_eq!(read["parts"][1]["status"], "read");
    assert!(read.get("part").is_none(), "the whole message");
}

#[tokio::test]
async fn a_part_that_fails_fails_the_message_and_says_which() {
    let app = start_sqlite().await;
    let receiver = Receiver::start().await;
    enable_api(&app, &receiver, "agents").await;
    let token = product_token(&app).await;
    customer_wrote(&app, "555", 0).await;
    // Meta takes the text; the image is gone by the time Meta fetches it.
    let gone = format!("{}/gone.png", receiver.url);
    let msg = json!({
        "from": IG_ID, "to": [{"number": "555"}], "allowedChannels": ["Instagram"],
        "body": {"type": "auto", "content": "Fallback Text"},
        "reference": "two-parts",
        "richContent": {"conversation": [{
            "text": "Here is the tablet.",
            "media": {"mediaName": "tablet.png", "mediaUri": gone, "mimeType": "image/png"}
        }]}
    });
    let (status, answer) = send_cm(&app, &token, envelope(json!([msg]))).await;
    assert_eq!(status, 200, "{answer}");
    let reports = webhooks_on(&receiver, &app, "/status", 2).await;
    let first = &reports[0].body["messages"]["msg"];
    assert_eq!(first["status"]["code"], "0", "the text: {first}");
    let failed = &reports[1].body["messages"]["msg"];
    assert_eq!(failed["status"]["code"], "3", "{failed}");
    assert_eq!(failed["reference"], "two-parts");
    assert_eq!(failed["part"], 2);
    assert_eq!(failed["parts"][0]["status"], "delivered");
    assert_eq!(failed["parts"][1]["status"], "failed");
    assert_eq!(failed["parts"][1]["mid"], Value::Null);
    // Never delivered.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.on("/status").len(), 2);
}

#[tokio::test]
async fn refusals_answer_in_cm_format_with_cm_codes() {
    let app = start_sqlite().await;
    let receiver = Receiver::start().await;
    enable_api(&app, &receiver, "agents").await;
    let token = product_token(&app).await;
    customer_wrote(&app, "555", 0).await;
    let one = envelope(json!([text_msg("555", "hi", "r")]));

    // Authentication.
    let no_token = app
        .http
        .post(format!("{}/v1.0/message", app.url))
        .json(&one)
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status().as_u16(), 401);
    let body: Value = no_token.json().await.unwrap();
    assert_eq!(body["errorCode"], 101, "{body}");
    let (status, body) = send_cm(&app, "not-a-token", one.clone()).await;
    assert_eq!((status, body["errorCode"].clone()), (401, json!(103)));
    let unknown = "00000000-0000-4000-8000-000000000000";
    let (status, body) = send_cm(&app, unknown, one.clone()).await;
    assert_eq!((status, body["errorCode"].clone()), (401, json!(101)));
    let revoked = product_token(&app).await;
    let id = app.running.app.store.api_tokens().await.unwrap()[0].id;
    igdesk_store::prelude::ApiStore::revoke_api_token(
        app.running.app.store.as_ref(),
        id,
        igdesk::now_ms(),
    )
    .await
    .unwrap();
    let (status, body) = send_cm(&app, &revoked, one.clone()).await;
    assert_eq!(
        (status, body["errorCode"].clone()),
        (401, json!(101)),
        "{body}"
    );
    assert!(body["details"].as_str().unwrap().contains("revoked"));

    // The request itself.
    let response = app
        .http
        .post(format!("{}/v1.0/message", app.url))
        .header("X-CM-PRODUCTTOKEN", &token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(response.json::<Value>().await.unwrap()["errorCode"], 202);
    let (status, body) = send_cm(&app, &token, envelope(json!([]))).await;
    assert_eq!((status, body["errorCode"].clone()), (400, json!(203)));

    // Per message: another account's `from`, a customer who never wrote, audio,
    // next to one good message → 200 with per-message codes.
    let mut other_account = text_msg("555", "hi", "wrong-from");
    other_account["from"] = json!("17841499999999999");
    let stranger = text_msg("999", "hi", "stranger");
    let audio = json!({
        "from": IG_ID, "to": [{"number": "555"}], "reference": "audio",
        "body": {"content": ""},
        "richContent": {"conversation": [{"media": {"mediaUri": "https://example.com/a.mp3", "mimeType": "audio/mpeg"}}]}
    });
    let good = text_msg("555", "fine", "good");
    let (status, body) = send_cm(
        &app,
        &token,
        envelope(json!([other_account, stranger, audio, good])),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["errorCode"], 201);
    let by_reference = |r: &str| {
        body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["reference"] == r)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_reference("wrong-from")["status"], "Rejected");
    assert_eq!(by_reference("wrong-from")["messageErrorCode"], 301);
    assert_eq!(by_reference("stranger")["messageErrorCode"], 303);
    assert!(by_reference("audio")["messageDetails"]
        .as_str()
        .unwrap()
        .contains("audio"));
    assert_eq!(by_reference("good")["status"], "Accepted");

    // Everything invalid → 400.
    let (status, body) = send_cm(
        &app,
        &token,
        envelope(json!([
            text_msg("999", "hi", "a"),
            text_msg("998", "hi", "b")
        ])),
    )
    .await;
    assert_eq!((status, body["errorCode"].clone()), (400, json!(201)));
    // Nothing refused was stored or sent: only the good message went out.
    app.eventually("the good message sent", || async {
        app.sim.sent().len() == 1
    })
    .await;
    assert_eq!(app.sim.sent()[0].text.as_deref(), Some("fine"));
}

#[tokio::test]
async fn inbound_messages_are_forwarded_signed_and_in_order_through_receiver_failures() {
    let app = start_sqlite().await;
    let receiver = Receiver::start().await;
    let secret = enable_api(&app, &receiver, "agents").await;
    // The receiver is down for the first attempts: nothing is lost or reordered.
    receiver
        .fail_next
        .store(2, std::sync::atomic::Ordering::SeqCst);
    for text in ["one", "two", "three"] {
        app.send(Event::text("555", text)).await;
    }
    app.send(Event::quick_reply("555", "Call me", "CALL")).await;
    let got = webhooks_on(&receiver, &app, "/inbound", 4).await;
    let texts: Vec<&str> = got
        .iter()
        .map(|r| r.body["message"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["one", "two", "three", "Call me"]);
    let first = &got[0].body;
    assert_eq!(first["from"]["number"], "555");
    assert_eq!(first["to"]["number"], IG_ID);
    assert_eq!(first["channel"], "Instagram");
    assert!(first["timeUtc"].as_str().unwrap().contains('T'));
    let tap = &got[3].body["message"]["custom"]["suggestions"][0];
    assert_eq!(tap["postbackdata"], "CALL");
    for r in &got {
        assert!(igdesk::webhooks_out::verify(
            &secret,
            &r.id,
            r.timestamp,
            &r.raw,
            &r.signature
        ));
    }
    // While the bot has the customer, no conversation waits for the agents.
    let (_, conversations) = app.get("/api/v1/conversations?state=open").await;
    assert_eq!(conversations["data"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn human_agent_hands_over_to_the_agents_and_an_api_send_takes_it_back() {
    let app = start_sqlite().await;
    let receiver = Receiver::start().await;
    enable_api(&app, &receiver, "agents").await;
    let token = product_token(&app).await;
    app.send(Event::text("555", "I need help")).await;
    app.send(Event::quick_reply("555", "Talk to a person", "HUMAN_AGENT"))
        .await;
    let got = webhooks_on(&receiver, &app, "/inbound", 3).await;
    assert_eq!(got[2].body["event"]["type"], "HandoverToHuman");

    let (_, conversations) = app.get("/api/v1/conversations?state=open").await;
    let conversation = conversations["data"][0].clone();
    assert_eq!(
        conversation["routed_reason"],
        "Routed to you because the customer asked for a person"
    );
    // People have it now: what the customer writes is not sent to the bot.
    app.send(Event::text("555", "Are you there?")).await;
    app.settle().await;
    assert_eq!(receiver.on("/inbound").len(), 3);

    // A send through the API takes the conversation back.
    let (status, answer) = send_cm(
        &app,
        &token,
        envelope(json!([text_msg("555", "The bot again", "back")])),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let id = conversation["id"].as_i64().unwrap();
    app.eventually("the session ended", || async {
        let (_, closed) = app.get("/api/v1/conversations?state=closed").await;
        closed["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id && c["ended_by"] == "api")
    })
    .await;
    let notice = app
        .timeline("555")
        .await
        .into_iter()
        .find(|i| i["kind"] == "notice")
        .expect("a notice on the timeline");
    assert!(notice["text"].as_str().unwrap().contains("API took"));
    app.send(Event::text("555", "ok")).await;
    webhooks_on(&receiver, &app, "/inbound", 4).await;
}

#[tokio::test]
async fn human_agent_can_go_to_instagrams_inbox_through_conversation_routing() {
    let (app, _receiver) = passed_to_instagrams_inbox().await;
    let token = product_token(&app).await;
    let (_, conversations) = app.get("/api/v1/conversations?state=open").await;
    assert_eq!(conversations["data"].as_array().unwrap().len(), 0);
    // Meanwhile the customer's messages come on standby: kept on the timeline.
    app.send(Event::text("555", "Anyone there?")).await;
    app.eventually("the standby message stored", || async {
        app.timeline("555")
            .await
            .iter()
            .any(|i| i["text"] == "Anyone there?")
    })
    .await;
    send_cm(
        &app,
        &token,
        envelope(json!([text_msg("555", "Back with the bot", "b")])),
    )
    .await;
    app.eventually("taken back from Instagram's inbox", || async {
        app.sim.thread_owner(IG_ID, "555") == igdesk_igs::IGDESK_APP_ID
    })
    .await;
    // Meta refuses a send while the inbox owns the thread; whichever came first,
    // the take-back or the send, the message reaches the customer once.
    app.eventually("the API's message sent", || async {
        times_at_meta(&app, "Back with the bot") > 0
    })
    .await;
    assert_eq!(times_at_meta(&app, "Back with the bot"), 1);
}

/// The API on, with handovers to Instagram's inbox, and customer 555 asked for a
/// person: the thread is the inbox's.
async fn passed_to_instagrams_inbox() -> (TestApp, Receiver) {
    let app = start_sqlite().await;
    let receiver = Receiver::start().await;
    enable_api(&app, &receiver, "instagram_inbox").await;
    app.send(Event::quick_reply("555", "Talk to a person", "HUMAN_AGENT"))
        .await;
    app.eventually("passed to Instagram's inbox", || async {
        app.sim.thread_owner(IG_ID, "555") == igdesk_meta::INSTAGRAM_INBOX_APP_ID
    })
    .await;
    (app, receiver)
}

/// How many times Meta took a message with this text.
fn times_at_meta(app: &TestApp, text: &str) -> usize {
    let sent = app.sim.sent();
    sent.iter()
        .filter(|m| m.text.as_deref() == Some(text))
        .count()
}

#[tokio::test]
async fn a_console_reply_takes_the_thread_back_from_instagrams_inbox() {
    let (app, _receiver) = passed_to_instagrams_inbox().await;
    // Meta refuses it (10/2018300): igdesk takes the thread and sends it again.
    let (status, body) = app.reply("555", json!({ "text": "An agent here" })).await;
    assert_eq!(status, 202, "{body}");
    let item = body["data"][0]["id"].as_i64().unwrap();
    app.item_when("555", item, "sent", |i| i["status"] == "sent")
        .await;
    assert_eq!(
        app.sim.thread_owner(IG_ID, "555"),
        igdesk_igs::IGDESK_APP_ID
    );
    assert_eq!(times_at_meta(&app, "An agent here"), 1);
}

#[tokio::test]
async fn outside_the_window_or_past_its_validity_a_message_fails_with_the_reason() {
    let app = start_sqlite().await;
    let receiver = Receiver::start().await;
    enable_api(&app, &receiver, "agents").await;
    let token = product_token(&app).await;
    customer_wrote(&app, "555", 25).await;
    let (status, _) = send_cm(
        &app,
        &token,
        envelope(json!([text_msg("555", "Late", "late")])),
    )
    .await;
    assert_eq!(
        status, 200,
        "accepted; Instagram's window decides when it is sent"
    );
    let reports = webhooks_on(&receiver, &app, "/status", 1).await;
    let msg = &reports[0].body["messages"]["msg"];
    assert_eq!(msg["status"]["code"], "3");
    assert_eq!(msg["reference"], "late");
    assert!(!msg["status"]["errorDescription"]
        .as_str()
        .unwrap()
        .is_empty());
    assert!(
        app.sim.sent().is_empty(),
        "no HUMAN_AGENT tag for API messages"
    );

    // Meta is down until the validity has passed: it fails as expired, never late.
    customer_wrote(&app, "556", 0).await;
    app.sim.set_fault(Some(Fault::Unavailable));
    let mut msg = text_msg("556", "Flash sale", "flash");
    msg["validity"] = json!("1s");
    send_cm(&app, &token, envelope(json!([msg]))).await;
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    app.sim.set_fault(None);
    let reports = webhooks_on(&receiver, &app, "/status", 2).await;
    let msg = &reports[1].body["messages"]["msg"];
    assert_eq!(msg["reference"], "flash");
    assert_eq!(msg["status"]["code"], "3");
    assert!(msg["status"]["errorDescription"]
        .as_str()
        .unwrap()
        .contains("expired"));
    assert!(app.sim.sent().is_empty());
}

#[tokio::test]
async fn after_24_hours_control_returns_to_the_api_by_itself() {
    let app = start_paused().await;
    let receiver = Receiver::start().await;
    enable_api(&app, &receiver, "agents").await;
    app.send(Event::quick_reply("555", "Talk to a person", "HUMAN_AGENT"))
        .await;
    app.settle().await;
    let (_, open) = app.get("/api/v1/conversations?state=open").await;
    assert_eq!(open["data"].as_array().unwrap().len(), 1);
    app.running.app.advance_clock(25 * HOUR);
    app.eventually("the handover ended", || async {
        let (_, open) = app.get("/api/v1/conversations?state=open").await;
        open["data"].as_array().unwrap().is_empty()
    })
    .await;
    app.send(Event::text("555", "Anyone?")).await;
    let got = webhooks_on(&receiver, &app, "/inbound", 3).await;
    assert_eq!(got[2].body["message"]["text"], "Anyone?");
}

#[tokio::test]
async fn the_api_works_the_same_on_postgres() {
    let app = start_postgres().await;
    let receiver = Receiver::start().await;
    enable_api(&app, &receiver, "agents").await;
    let token = product_token(&app).await;
    customer_wrote(&app, "555", 0).await;
    let (status, answer) = send_cm(
        &app,
        &token,
        envelope(json!([text_msg("555", "From Postgres", "pg")])),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let reports = webhooks_on(&receiver, &app, "/status", 1).await;
    assert_eq!(reports[0].body["messages"]["msg"]["reference"], "pg");
    let inbound = webhooks_on(&receiver, &app, "/inbound", 1).await;
    assert_eq!(inbound[0].body["message"]["text"], "Hello?");
}
