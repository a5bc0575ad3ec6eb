//! CM.com's official Node SDK, `@cmdotcom/text-sdk` 2.0.0, sends to igdesk with only its
//! base path changed (SPEC API-1, API-2): text, text with an image, quick replies, a
//! rich card and a carousel, each proved on what Meta (the simulator) received.
//!
//! Needs Node.js and the SDK: `npm ci --prefix crates/igdesk/tests/sdk`
//! (`scripts/test` runs it).

mod common;

use common::api::{enable_api, product_token, Receiver};
use common::*;
use igdesk_igs::Event;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Output};

const IGSID: &str = "7000000000000001";

/// Runs `send.js` against igdesk; fails, not skips, when Node or the SDK is missing.
async fn run_sdk(app: &TestApp, token: &str, image_url: &str) -> Output {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk");
    let install = "run `npm ci --prefix crates/igdesk/tests/sdk` (needs Node.js and npm)";
    assert!(
        sdk.join("node_modules/@cmdotcom/text-sdk").is_dir(),
        "CM.com's SDK is not installed in {}: {install}",
        sdk.display()
    );
    let mut command = Command::new("node");
    command
        .arg(sdk.join("send.js"))
        .current_dir(&sdk)
        .env("IGDESK_URL", &app.url)
        .env("PRODUCT_TOKEN", token)
        .env("FROM", IG_ID)
        .env("TO", IGSID)
        .env("IMAGE_URL", image_url)
        // axios honours proxy variables; igdesk is on localhost.
        .env("NO_PROXY", "*")
        .env("no_proxy", "*");
    // std's Command on the blocking pool: the runtime keeps serving igdesk meanwhile
    // (tokio's `process` feature is not enabled in this workspace).
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap();
    match output {
        Ok(output) => output,
        Err(e) => panic!("could not run node ({e}): install Node.js, then {install}"),
    }
}

#[tokio::test]
async fn cm_sdk_sends_text_image_quick_replies_card_and_carousel() {
    let app = start_sqlite().await;
    let receiver = Receiver::start().await;
    let token = product_token(&app).await;
    enable_api(&app, &receiver, "agents").await;
    // Instagram allows answers only: the customer writes first.
    app.send(Event::text(IGSID, "hi")).await;
    app.settle().await;
    let image_url = receiver.image_url();

    let output = run_sdk(&app, &token, &image_url).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "send.js failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    print!("{stdout}");
    let responses: Vec<Value> = stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    // (reference, how many Instagram messages it became)
    let expected = [
        ("ref-text", 1),
        ("ref-image", 2),
        ("ref-quick", 1),
        ("ref-card", 1),
        ("ref-carousel", 1),
    ];
    assert_eq!(responses.len(), expected.len(), "{stdout}");
    for (response, (reference, parts)) in responses.iter().zip(expected) {
        assert_eq!(response["errorCode"], 0, "{response}");
        let messages = response["messages"].as_array().expect("messages");
        assert_eq!(messages.len(), 1, "{response}");
        for message in messages {
            assert_eq!(message["status"], "Accepted", "{response}");
            assert_eq!(message["to"], IGSID, "{response}");
            assert_eq!(message["reference"], reference, "{response}");
            assert_eq!(message["messageErrorCode"], 0, "{response}");
            assert_eq!(message["parts"], parts, "{response}");
        }
    }

    app.eventually("six messages at Meta", || async {
        app.sim.sent().len() >= 6
    })
    .await;
    let sent = app.sim.sent();
    assert_eq!(sent.len(), 6, "{sent:#?}");
    assert!(sent.iter().all(|m| m.recipient_igsid == IGSID), "{sent:#?}");
    assert!(sent.iter().all(|m| m.business_ig_id == IG_ID), "{sent:#?}");

    // (a) setMessage: body.content as a text.
    assert_eq!(sent[0].kind, "text", "{:#?}", sent[0]);
    assert_eq!(sent[0].text.as_deref(), Some("Hello from the SDK"));

    // (b) Text with media: the text, then the image (the fallback body is not sent).
    assert_eq!(sent[1].kind, "text", "{:#?}", sent[1]);
    assert_eq!(sent[1].text.as_deref(), Some("Our logo"));
    assert_eq!(sent[2].kind, "image", "{:#?}", sent[2]);
    assert_eq!(sent[2].attachment_url.as_deref(), Some(image_url.as_str()));
    assert_eq!(sent[2].text, None);

    // (c) richContent.suggestions folded into the last item as quick replies.
    assert_eq!(sent[3].kind, "quick_replies", "{:#?}", sent[3]);
    assert_eq!(sent[3].text.as_deref(), Some("Pick one"));
    let replies: Vec<(&str, &str)> = sent[3]
        .quick_replies
        .iter()
        .map(|(title, payload)| (title.as_str(), payload.as_str()))
        .collect();
    assert_eq!(
        replies,
        [("Call me", "CALL"), ("Talk to a person", "HUMAN_AGENT")]
    );

    // (d) A header makes a generic template of one element.
    assert_eq!(sent[4].kind, "template", "{:#?}", sent[4]);
    assert_eq!(
        sent[4].template,
        Some(json!({
            "template_type": "generic",
            "elements": [{
                "title": "We are here",
                "subtitle": "Visit us",
                "image_url": image_url,
                "buttons": [
                    {"type": "web_url", "url": "https://example.com", "title": "Website"},
                    {"type": "postback", "title": "Chat", "payload": "HUMAN_AGENT"},
                ],
            }],
        }))
    );

    // (e) A carousel: one generic template, one element per card.
    assert_eq!(sent[5].kind, "template", "{:#?}", sent[5]);
    assert_eq!(
        sent[5].template,
        Some(json!({
            "template_type": "generic",
            "elements": [
                {"title": "One", "subtitle": "First", "image_url": image_url},
                {"title": "Two", "buttons": [
                    {"type": "web_url", "url": "https://example.com/2", "title": "Open"},
                ]},
            ],
        }))
    );
}
