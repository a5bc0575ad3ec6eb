//! Answering customers through igdesk, proved on what the simulator (Meta) received
//! (SPEC OUT-1 … OUT-6, ACC-6).

mod common;

use common::*;
use igdesk_igs::{Event, Fault};
use serde_json::{json, Value};
use std::time::Duration;

const HOUR: i64 = 3_600_000;

async fn customer_wrote(app: &TestApp, igsid: &str, hours_ago: i64) -> String {
    let event = Event::text(igsid, "Hello?").with_timestamp_ms(igdesk::now_ms() - hours_ago * HOUR);
    let mid = event.mid().unwrap().to_owned();
    app.send(event).await;
    app.settle().await;
    mid
}

fn first_id(queued: &Value) -> i64 {
    queued["data"][0]["id"].as_i64().expect("a queued item")
}

#[tokio::test]
async fn a_reply_is_sent_once_then_read() {
    let app = start_sqlite().await;
    customer_wrote(&app, "555", 0).await;
    let (status, queued) = app
        .reply("555", json!({"text": "Hi, how can we help?"}))
        .await;
    assert_eq!(status, 202, "{queued}");
    assert_eq!(queued["data"][0]["status"], "queued");
    let id = first_id(&queued);
    let sent = app
        .item_when("555", id, "sent", |i| i["status"] == "sent")
        .await;
    let at_meta = app.sim.sent();
    assert_eq!(at_meta.len(), 1);
    assert_eq!(at_meta[0].text.as_deref(), Some("Hi, how can we help?"));
    assert_eq!(at_meta[0].recipient_igsid, "555");
    assert_eq!(at_meta[0].tag, None, "within 24 hours: a normal response");
    assert_eq!(
        sent["mid"],
        at_meta[0].mid.as_str(),
        "Meta's id is recorded"
    );
    // The echo Meta sends of it is matched, not shown a second time.
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.settle().await;
    let outgoing: Vec<_> = app
        .timeline("555")
        .await
        .into_iter()
        .filter(|i| i["direction"] == "out")
        .collect();
    assert_eq!(outgoing.len(), 1, "{outgoing:?}");
    assert_eq!(outgoing[0]["source"], "igdesk");
    app.send(Event::read("555", &at_meta[0].mid)).await;
    app.item_when("555", id, "read", |i| i["status"] == "read")
        .await;
}

#[tokio::test]
async fn text_goes_first_then_one_message_per_image() {
    let app = start_sqlite().await;
    customer_wrote(&app, "555", 1).await;
    let png = b"\x89PNG\r\n\x1a\n0000 a tiny png for the test".to_vec();
    let gif = b"GIF89a a tiny gif".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("text", "Here are both colours")
        .part("image", image(png.clone(), "a.png", "image/png"))
        .part("image", image(gif, "b.gif", "image/gif"));
    let (status, queued) = app.reply_form("555", form).await;
    assert_eq!(status, 202);
    let items = queued["data"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    let last = items[2]["id"].as_i64().unwrap();
    app.item_when("555", last, "the last image sent", |i| {
        i["status"] == "sent"
    })
    .await;
    let sent = app.sim.sent();
    let kinds: Vec<_> = sent.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["text", "image", "image"]);
    let url = sent[1].attachment_url.clone().unwrap();
    assert!(url.starts_with(&format!("{}/media/", app.url)), "{url}");
    // What Meta fetched is what the agent uploaded.
    let fetched = app
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(fetched.as_ref(), png.as_slice());
}

#[tokio::test]
async fn links_go_as_label_and_url() {
    let app = start_sqlite().await;
    customer_wrote(&app, "555", 0).await;
    let (status, queued) = app
        .reply("555", json!({"text": "Our guide:", "links": [{"label": "Size guide", "url": "https://shop.example/sizes"}]}))
        .await;
    assert_eq!(status, 202);
    app.item_when("555", first_id(&queued), "sent", |i| i["status"] == "sent")
        .await;
    assert_eq!(
        app.sim.sent()[0].text.as_deref(),
        Some("Our guide:\nSize guide [https://shop.example/sizes]")
    );
}

#[tokio::test]
async fn replies_breaking_instagrams_rules_are_refused_before_meta() {
    let app = start_sqlite().await;
    customer_wrote(&app, "555", 0).await;
    let (status, body) = app.reply("555", json!({"text": "x".repeat(641)})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("text_too_long"))
    );
    let (status, body) = app.reply("555", json!({"text": "  "})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("empty_message"))
    );
    // Not an image at all: refused as a type igdesk does not take (uploads.rs).
    let pdf = reqwest::multipart::Form::new().part(
        "image",
        image(b"%PDF-1.4".to_vec(), "a.pdf", "application/pdf"),
    );
    let (status, body) = app.reply_form("555", pdf).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (415, Some("attachment_type"))
    );
    let eleven = (0..11).fold(reqwest::multipart::Form::new(), |f, _| {
        f.part("image", image(b"GIF89a".to_vec(), "a.gif", "image/gif"))
    });
    let (status, body) = app.reply_form("555", eleven).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("too_many_attachments"))
    );
    // A customer who only commented has never written: igdesk does not start chats.
    app.send(Event::comment("556", "ben", "nice", "18100", "FEED"))
        .await;
    app.settle().await;
    let (status, body) = app.reply("556", json!({"text": "Hi"})).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("never_wrote")));
    // Eight days after the last message the window is closed.
    customer_wrote(&app, "557", 8 * 24).await;
    let (status, body) = app
        .reply("557", json!({"text": "Sorry for the wait"}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("window_closed")),
        "{body}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(app.sim.sent().is_empty(), "nothing reached Meta");
}

#[tokio::test]
async fn after_24_hours_a_human_reply_carries_the_human_agent_tag() {
    let app = start_sqlite().await;
    customer_wrote(&app, "555", 30).await;
    let (status, queued) = app
        .reply("555", json!({"text": "Sorry for the delay"}))
        .await;
    assert_eq!(status, 202, "{queued}");
    app.item_when("555", first_id(&queued), "sent", |i| i["status"] == "sent")
        .await;
    let sent = app.sim.sent();
    assert_eq!(
        (sent[0].tag.as_deref(), sent[0].messaging_type.as_str()),
        (Some("HUMAN_AGENT"), "MESSAGE_TAG")
    );
}

#[tokio::test]
async fn metas_refusal_marks_the_message_failed_in_words() {
    let app = start_sqlite().await;
    customer_wrote(&app, "555", 0).await;
    app.sim.set_fault(Some(Fault::SendError {
        code: 551,
        subcode: None,
        message: "This person isn't available right now.".into(),
        http_status: 400,
        times: None,
    }));
    let (_, queued) = app.reply("555", json!({"text": "Hello"})).await;
    let failed = app
        .item_when("555", first_id(&queued), "failed", |i| {
            i["status"] == "failed"
        })
        .await;
    assert!(
        failed["failure"]
            .as_str()
            .unwrap()
            .contains("isn't available"),
        "{failed}"
    );
    // A reply that never left answered nobody: the customer still waits (RT-5).
    assert_eq!(sla_counts(&app).await, (0, 1), "(met, waiting)");

    app.sim.set_fault(None);
    let (_, queued) = app.reply("555", json!({"text": "Hello again"})).await;
    app.item_when("555", first_id(&queued), "sent", |i| i["status"] == "sent")
        .await;
    assert_eq!(sla_counts(&app).await, (1, 0), "(met, waiting)");
}

/// The default inbox's SLA answers over the last day: (met, waiting).
async fn sla_counts(app: &TestApp) -> (i64, i64) {
    let (_, inboxes) = app.get("/api/v1/inboxes").await;
    let inbox = inboxes["data"][0]["id"].as_i64().unwrap();
    let (status, report) = app.get(&format!("/api/v1/inboxes/{inbox}/sla")).await;
    assert_eq!(status, 200, "{report}");
    (
        report["met"].as_i64().unwrap(),
        report["waiting"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn passing_faults_and_throttling_delay_but_never_drop_or_double() {
    let app = start_sqlite().await;
    customer_wrote(&app, "555", 0).await;
    app.sim.set_fault(Some(Fault::SendError {
        code: 2,
        subcode: None,
        message: "An unexpected error has occurred. Please retry your request later.".into(),
        http_status: 500,
        times: Some(2),
    }));
    let (_, first) = app.reply("555", json!({"text": "one"})).await;
    app.item_when("555", first_id(&first), "sent after retries", |i| {
        i["status"] == "sent"
    })
    .await;
    app.sim.set_fault(Some(Fault::Throttle {
        code: 613,
        regain_minutes: 0,
        times: Some(1),
    }));
    let (_, second) = app.reply("555", json!({"text": "two"})).await;
    app.item_when("555", first_id(&second), "sent after throttling", |i| {
        i["status"] == "sent"
    })
    .await;
    let texts: Vec<_> = app.sim.sent().into_iter().filter_map(|m| m.text).collect();
    assert_eq!(texts, ["one", "two"], "each once, in order");
}

#[tokio::test]
async fn a_rejected_token_holds_the_queue_until_the_account_is_reconnected() {
    let app = start_sqlite().await;
    customer_wrote(&app, "555", 0).await;
    app.sim.revoke_token(IG_ID);
    let (_, queued) = app.reply("555", json!({"text": "are you there?"})).await;
    app.eventually("the account marked", || async {
        app.get("/api/v1/accounts").await.1["data"][0]["needs_reconnect"] == true
    })
    .await;
    let waiting = app
        .item_when("555", first_id(&queued), "still queued", |_| true)
        .await;
    assert_eq!(waiting["status"], "queued", "held, not failed");
    app.sim.restore_token(IG_ID);
    app.reconnect_account().await;
    app.item_when("555", first_id(&queued), "sent after reconnecting", |i| {
        i["status"] == "sent"
    })
    .await;
    assert_eq!(app.sim.sent().len(), 1);
}

#[tokio::test]
async fn the_account_limit_is_never_exceeded_and_nothing_is_dropped() {
    let app = start_sqlite_tuned(|raw| {
        raw.send_limit = Some("3".into());
        raw.send_limit_window_seconds = Some("2".into());
    })
    .await;
    let customers: Vec<String> = (0..7).map(|i| format!("60{i}")).collect();
    for c in &customers {
        customer_wrote(&app, c, 0).await;
    }
    let mut last = Vec::new();
    for c in &customers {
        let (status, queued) = app.reply(c, json!({"text": format!("hello {c}")})).await;
        assert_eq!(status, 202);
        last.push((c.clone(), first_id(&queued)));
    }
    for (c, id) in &last {
        app.item_when(c, *id, "sent within the limit", |i| i["status"] == "sent")
            .await;
    }
    let times: Vec<i64> = app.sim.sent().iter().map(|m| m.at_ms).collect();
    assert_eq!(times.len(), 7);
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..].iter().filter(|u| **u < t + 2_000).count();
        assert!(in_window <= 3, "more than 3 sends within 2 s: {times:?}");
    }
}

#[tokio::test]
async fn an_automatic_reply_after_24_hours_is_refused_not_tagged() {
    let app = start_sqlite().await;
    customer_wrote(&app, "555", 30).await;
    let store = app.running.app.store.clone();
    let customer_id = app.customer("555").await["id"].as_i64().unwrap();
    let customer = store
        .customer(
            igdesk_store::Scope {
                agent: igdesk_domain::AgentId(0),
                admin: true,
            },
            igdesk_domain::CustomerId(customer_id),
        )
        .await
        .unwrap()
        .unwrap();
    let ids = store
        .queue_reply(
            igdesk_store::NewReply {
                account: customer.account_id,
                customer: customer.id,
                lane: igdesk_store::Lane::Api,
                author: "automatic",
                comment_id: None,
                parts: vec![igdesk_store::OutgoingPart {
                    provisional_mid: "igdesk:out:auto-1".into(),
                    text: Some("We are closed".into()),
                    attachments: vec![],
                    message: json!({"text": "We are closed"}),
                }],
            },
            igdesk::now_ms(),
        )
        .await
        .unwrap();
    app.running.app.wake.sends.notify_waiters();
    let failed = app
        .item_when("555", ids[0].0, "refused", |i| i["status"] == "failed")
        .await;
    assert!(
        failed["failure"]
            .as_str()
            .unwrap()
            .contains("automatic replies"),
        "{failed}"
    );
    assert!(app.sim.sent().is_empty());
}

#[tokio::test]
async fn byte_and_size_limits_are_checked_as_meta_counts_them() {
    let app = start_sqlite().await;
    customer_wrote(&app, "555", 0).await;
    // 300 characters, but 1,200 UTF-8 bytes: over what Meta accepts.
    let (status, body) = app.reply("555", json!({"text": "😀".repeat(300)})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("text_too_long")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("bytes"));
    // Two 3 MB images: over the console's 5 MB per reply.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.resize(3 * 1024 * 1024, 0);
    let form = (0..2).fold(reqwest::multipart::Form::new(), |f, i| {
        f.part(
            "image",
            image(png.clone(), &format!("{i}.png"), "image/png"),
        )
    });
    let (status, body) = app.reply_form("555", form).await;
    assert!(
        matches!(status, 413 | 422) && body["code"] == "attachment_too_large",
        "{status} {body}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(app.sim.sent().is_empty());
}

#[tokio::test]
async fn an_instagram_login_account_sends_through_graph_instagram_com() {
    let app = start_sqlite().await;
    app.sim.add_business(igdesk_igs::BusinessAccount {
        ig_id: "17841400000000777".into(),
        page_id: "100000000000777".into(),
        username: "igshop".into(),
        page_token: "EAAB-unused".into(),
        instagram_token: "IGQV-ig-login".into(),
    });
    igdesk::accounts::connect(
        app.running.app.store.as_ref(),
        &app.running.app.sealer,
        igdesk::accounts::Connection {
            ig_id: "17841400000000777".into(),
            page_id: "100000000000777".into(),
            page_name: "IG Shop".into(),
            username: "igshop".into(),
            login_path: "instagram".into(),
            token: secrecy::SecretString::from("IGQV-ig-login".to_owned()),
            added_by: "test".into(),
            settings: Default::default(),
        },
    )
    .await
    .unwrap();
    let delivery =
        igdesk_igs::Delivery::new("17841400000000777").push(Event::text("999", "hi via IG login"));
    assert_eq!(app.sim.deliver(&delivery).await.unwrap(), 200);
    app.settle().await;
    let (status, queued) = app.reply("999", json!({"text": "Hello!"})).await;
    assert_eq!(status, 202, "{queued}");
    app.item_when("999", first_id(&queued), "sent", |i| i["status"] == "sent")
        .await;
    let sent = app.sim.sent();
    assert_eq!(
        (sent[0].api.as_str(), sent[0].business_ig_id.as_str()),
        ("instagram", "17841400000000777")
    );
    app.eventually("the profile from graph.instagram.com", || async {
        app.sim
            .calls()
            .iter()
            .any(|c| c.api == "instagram" && c.path == "999")
    })
    .await;

    // The token is renewed on schedule (here: now); the old one stops working at
    // Meta, and the next reply goes out with the new one.
    let store = app.running.app.store.clone();
    let account = store
        .account_by_ig_id("17841400000000777")
        .await
        .unwrap()
        .unwrap();
    store
        .enqueue_job(
            igdesk_store::NewJob {
                kind: igdesk_store::JOB_REFRESH_TOKEN.into(),
                dedup_key: None,
                payload: account.id.0.to_string(),
                run_at: 0,
            },
            igdesk::now_ms(),
        )
        .await
        .unwrap();
    app.eventually("the token renewed", || async {
        app.sim
            .calls()
            .iter()
            .any(|c| c.path == "refresh_access_token")
    })
    .await;
    app.eventually("the new token stored", || async {
        store
            .account(account.id)
            .await
            .unwrap()
            .unwrap()
            .token_sealed
            != account.token_sealed
    })
    .await;
    let (status, queued) = app.reply("999", json!({"text": "Still here"})).await;
    assert_eq!(status, 202);
    app.item_when("999", first_id(&queued), "sent with the new token", |i| {
        i["status"] == "sent"
    })
    .await;
}
