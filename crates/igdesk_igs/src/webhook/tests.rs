//! Every event kind against the shapes of meta-instagram-api.md §1–§3.

use serde_json::{json, Value};

use super::*;

const BIZ: &str = "17841400000000001";
const USER: &str = "1000001";
const TS: i64 = 1_730_000_000_123;

/// The one messaging item a single-event delivery carries, checking the envelope.
fn item(event: Event) -> Value {
    let json = Delivery::new(BIZ)
        .push(event.with_timestamp_ms(TS))
        .to_json();
    assert_eq!(json["object"], "instagram");
    let entry = &json["entry"][0];
    assert_eq!(entry["id"], BIZ);
    assert_eq!(entry["time"], TS, "messaging entries carry milliseconds");
    let items = entry["messaging"].as_array().expect("messaging array");
    assert_eq!(items.len(), 1);
    let item = items[0].clone();
    assert_eq!(item["timestamp"], TS);
    assert_eq!(
        item.as_object().unwrap().len(),
        4,
        "sender, recipient, timestamp, one event key: {item}"
    );
    item
}

/// An inbound item's `message` object, checking sender and recipient.
fn inbound_message(event: Event) -> Value {
    let item = item(event);
    assert_eq!(item["sender"], json!({"id": USER}));
    assert_eq!(item["recipient"], json!({"id": BIZ}));
    item["message"].clone()
}

fn assert_mid(message: &Value) {
    let mid = message["mid"].as_str().expect("mid");
    assert!(mid.starts_with("aWdfZAG1"), "{mid}");
}

#[test]
fn signature_matches_known_vectors() {
    // RFC 4231-style public vector for HMAC-SHA256.
    assert_eq!(
        sign_body("key", b"The quick brown fox jumps over the lazy dog"),
        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    );
    assert_eq!(
        sign_body("", b""),
        "sha256=b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"
    );
}

#[test]
fn text_message() {
    let message = inbound_message(Event::text(USER, "Hello"));
    assert_mid(&message);
    assert_eq!(message["text"], "Hello");
    assert_eq!(message.as_object().unwrap().len(), 2, "{message}");
}

#[test]
fn attachments_of_every_media_kind() {
    for kind in [
        "image",
        "video",
        "audio",
        "file",
        "reel",
        "ig_reel",
        "story_mention",
    ] {
        let url = format!("https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1&kind={kind}");
        let message = inbound_message(Event::attachment(USER, kind, url.clone()));
        assert_mid(&message);
        assert!(message.get("text").is_none());
        assert_eq!(
            message["attachments"],
            json!([{"type": kind, "payload": {"url": url}}])
        );
    }
}

#[test]
fn post_shares_old_and_new() {
    let payload = json!({"ig_post_media_id": "18139494541428835", "title": "Caption", "url": "https://cdn/x"});
    let share = inbound_message(Event::share(
        USER,
        "https://cdn/x",
        "18139494541428835",
        "Caption",
    ));
    assert_eq!(
        share["attachments"],
        json!([{"type": "share", "payload": payload}])
    );
    // Since Nov 2025 Meta sends `ig_post` alongside `share` in the same message.
    let post = inbound_message(Event::ig_post(
        USER,
        "18139494541428835",
        "https://cdn/x",
        "Caption",
    ));
    assert_eq!(
        post["attachments"],
        json!([{"type": "share", "payload": payload}, {"type": "ig_post", "payload": payload}])
    );
}

#[test]
fn fallback_with_and_without_payload() {
    let with = inbound_message(Event::fallback(
        USER,
        Some("https://example.com"),
        "Example",
    ));
    assert_eq!(
        with["attachments"],
        json!([{"type": "fallback", "payload": {"url": "https://example.com", "title": "Example"}}])
    );
    let without = inbound_message(Event::fallback(USER, None, "Example"));
    assert_eq!(
        without["attachments"],
        json!([{"type": "fallback", "title": "Example"}])
    );
}

#[test]
fn echoes_come_from_the_business() {
    let echo = item(Event::echo(USER, "Thanks!"));
    assert_eq!(echo["sender"], json!({"id": BIZ}));
    assert_eq!(echo["recipient"], json!({"id": USER}));
    assert_eq!(echo["message"]["is_echo"], true);
    assert_eq!(echo["message"]["text"], "Thanks!");
    assert_mid(&echo["message"]);

    let template = item(Event::template(USER, "Summer sale", Some("20% off")));
    assert_eq!(template["sender"], json!({"id": BIZ}));
    assert_eq!(template["message"]["is_echo"], true);
    assert_eq!(
        template["message"]["attachments"],
        json!([{"type": "template", "payload": {"template_type": "generic",
            "elements": [{"title": "Summer sale", "subtitle": "20% off"}]}}])
    );
}

#[test]
fn replies_to_stories_and_messages() {
    let story = inbound_message(Event::story_reply(
        USER,
        "nice",
        "17900000000000001",
        "https://cdn/story",
    ));
    assert_eq!(story["text"], "nice");
    assert_eq!(
        story["reply_to"],
        json!({"story": {"url": "https://cdn/story", "id": "17900000000000001"}})
    );
    let reply = inbound_message(Event::reply_to(USER, "yes", "aWdfZAG1quoted"));
    assert_eq!(reply["reply_to"], json!({"mid": "aWdfZAG1quoted"}));
    assert_mid(&reply);
}

#[test]
fn button_taps() {
    let quick = inbound_message(Event::quick_reply(USER, "M", "SIZE_M"));
    assert_eq!(quick["text"], "M");
    assert_eq!(quick["quick_reply"], json!({"payload": "SIZE_M"}));
    let item = item(Event::postback(USER, "Track order", "TRACK"));
    let postback = &item["postback"];
    assert_eq!(postback["title"], "Track order");
    assert_eq!(postback["payload"], "TRACK");
    assert_mid(postback);
}

#[test]
fn referrals() {
    let item = item(Event::referral(USER, "summer", "SHORTLINKS"));
    assert_eq!(
        item["referral"],
        json!({"ref": "summer", "source": "SHORTLINKS", "type": "OPEN_THREAD"})
    );
    let message = inbound_message(Event::ad_referral(
        USER,
        "Is this available?",
        "23800000000001",
        "promo1",
    ));
    let referral = &message["referral"];
    assert_eq!(message["text"], "Is this available?");
    assert_eq!(referral["ref"], "promo1");
    assert_eq!(referral["ad_id"], "23800000000001");
    assert_eq!(referral["source"], "ADS");
    assert_eq!(referral["type"], "OPEN_THREAD");
    assert!(referral["ads_context_data"]["ad_title"].is_string());
}

#[test]
fn reactions_reads_deletions_unsupported() {
    let react = item(Event::reaction(USER, "aWdfZAG1target", "😂", "laugh"));
    assert_eq!(
        react["reaction"],
        json!({"mid": "aWdfZAG1target", "action": "react", "reaction": "laugh", "emoji": "😂"})
    );
    let unreact = item(Event::unreact(USER, "aWdfZAG1target"));
    assert_eq!(
        unreact["reaction"],
        json!({"mid": "aWdfZAG1target", "action": "unreact"})
    );
    let read = item(Event::read(USER, "aWdfZAG1target"));
    assert_eq!(read["read"], json!({"mid": "aWdfZAG1target"}));
    let deleted = inbound_message(Event::deleted(USER, "aWdfZAG1target"));
    assert_eq!(
        deleted,
        json!({"mid": "aWdfZAG1target", "is_deleted": true})
    );
    let unsupported = inbound_message(Event::unsupported(USER));
    assert_eq!(unsupported["is_unsupported"], true);
    assert_mid(&unsupported);
}

#[test]
fn unknown_event_keys_and_standby() {
    let value = json!({"mid": "aWdfZAG1x", "text": "edited", "num_edit": 1});
    let item = item(Event::unknown(USER, "message_edit", value.clone()));
    assert_eq!(item["message_edit"], value);
    let json = Delivery::new(BIZ)
        .push(Event::text(USER, "hi").standby())
        .to_json();
    assert!(json["entry"][0].get("messaging").is_none());
    assert_eq!(json["entry"][0]["standby"][0]["message"]["text"], "hi");
}

#[test]
fn comments_go_under_changes_with_seconds() {
    let event =
        Event::comment(USER, "ana", "price?", "18100000000000001", "FEED").with_timestamp_ms(TS);
    let id = event.comment_id().unwrap().to_owned();
    assert!(event.mid().is_none());
    let json = Delivery::new(BIZ).push(event).to_json();
    let entry = &json["entry"][0];
    assert_eq!(entry["time"], TS / 1000, "comment entries carry seconds");
    assert!(entry.get("messaging").is_none());
    assert_eq!(
        entry["changes"],
        json!([{"field": "comments", "value": {"id": id, "text": "price?",
            "from": {"id": USER, "username": "ana"},
            "media": {"id": "18100000000000001", "media_product_type": "FEED"}}}])
    );
    assert!(id.len() >= 15 && id.bytes().all(|b| b.is_ascii_digit()));
    let reply = Event::comment_reply(USER, "ana", "thanks", "18100000000000001", id.clone());
    let json = Delivery::new(BIZ).push(reply).to_json();
    assert_eq!(
        json["entry"][0]["changes"][0]["value"]["parent_id"],
        id.as_str()
    );
}

#[test]
fn batches_group_entries_by_account_and_array() {
    let delivery = Delivery::new(BIZ)
        .push(Event::text(USER, "one"))
        .push(Event::text(USER, "two"))
        .push(Event::comment(USER, "ana", "nice", "1", "REELS"))
        .push_for("17841400000000002", Event::text("2000001", "other account"));
    let json = delivery.to_json();
    let entries = json["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["messaging"].as_array().unwrap().len(), 2);
    assert_eq!(entries[1]["changes"].as_array().unwrap().len(), 1);
    assert_eq!(entries[2]["id"], "17841400000000002");
    assert_eq!(delivery.events().count(), 4);
}

#[test]
fn bytes_escape_non_ascii_as_meta_does() {
    let delivery = Delivery::new(BIZ).push(Event::text(USER, "Olá 😂 \"quoted\""));
    let bytes = delivery.to_bytes();
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.is_ascii());
    assert!(
        text.contains(r#""text":"Ol\u00e1 \ud83d\ude02 \"quoted\"""#),
        "{text}"
    );
    assert!(text.starts_with(r#"{"object":"instagram","entry":[{"id":"17841400000000001","time":"#));
    assert_eq!(
        delivery.to_json()["entry"][0]["messaging"][0]["message"]["text"],
        "Olá 😂 \"quoted\""
    );
    // Serialization is stable: a redelivery carries the same bytes and signature.
    assert_eq!(bytes, delivery.clone().to_bytes());
}

#[test]
fn mids_are_fresh_and_consent_comes_from_dms_and_postbacks() {
    let a = Event::text(USER, "a");
    let b = Event::text(USER, "a");
    assert_ne!(a.mid(), b.mid());
    assert_eq!(Event::read(USER, "m").mid(), None);
    assert_eq!(a.key(), "message");
    let delivery = Delivery::new(BIZ)
        .push(Event::echo("3", "from the app"))
        .push(Event::reaction("4", "m", "❤️", "love"))
        .push(Event::comment("5", "e", "c", "1", "FEED"))
        .push(Event::postback("2", "Start", "START"))
        .push(a);
    let mut consents = delivery.consents();
    consents.sort();
    assert_eq!(
        consents,
        vec![
            (BIZ.to_owned(), USER.to_owned()),
            (BIZ.to_owned(), "2".to_owned())
        ]
    );
}
