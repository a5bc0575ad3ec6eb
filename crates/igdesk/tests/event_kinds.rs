//! Every event kind Meta sends lands on the timeline as the spec describes
//! (SPEC IN-4 … IN-11, ACC-3), driven by the simulator over real HTTP.

mod common;

use common::*;
use igdesk_domain::ConversationSettings;
use igdesk_igs::{CustomerProfile, Delivery, Event};
use serde_json::{json, Value};

fn by_mid<'a>(items: &'a [Value], mid: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["mid"] == mid)
        .unwrap_or_else(|| panic!("no item {mid} in {items:#?}"))
}

#[tokio::test]
async fn messages_with_every_attachment_kind_are_kept_with_their_cdn_urls() {
    let app = start_sqlite().await;
    let mut mids = vec![];
    for kind in ["image", "video", "audio", "file", "reel", "ig_reel"] {
        let event = Event::attachment(
            "555",
            kind,
            format!("https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id={kind}"),
        );
        mids.push((kind, event.mid().unwrap().to_owned()));
        app.send(event).await;
    }
    let share = Event::share("555", "https://cdn/p1", "18100", "New drop");
    let post = Event::ig_post("555", "18101", "https://cdn/p2", "Caption");
    let fallback = Event::fallback("555", Some("https://example.com/x"), "A link");
    let template = Event::template("555", "Card title", Some("sub"));
    let ids: Vec<String> = [&share, &post, &fallback, &template]
        .iter()
        .map(|e| e.mid().unwrap().to_owned())
        .collect();
    for e in [share, post, fallback, template] {
        app.send(e).await;
    }
    app.settle().await;
    let items = app.timeline("555").await;
    for (kind, mid) in &mids {
        let item = by_mid(&items, mid);
        assert_eq!(item["kind"], "message");
        assert_eq!(item["attachments"][0]["type"], *kind);
        assert!(
            item["attachments"][0]["url"]
                .as_str()
                .unwrap()
                .contains(kind),
            "only Meta's CDN URL is kept"
        );
        assert_eq!(item["summary"], format!("[{kind}]"));
    }
    let share = by_mid(&items, &ids[0]);
    assert_eq!(share["attachments"][0]["type"], "share");
    assert_eq!(share["attachments"][0]["media_id"], "18100");
    let post = by_mid(&items, &ids[1]);
    let types: Vec<_> = post["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"ig_post"), "{post}");
    assert_eq!(
        by_mid(&items, &ids[2])["attachments"][0]["type"],
        "fallback"
    );
    assert_eq!(
        by_mid(&items, &ids[3])["attachments"][0]["type"],
        "template"
    );
}

#[tokio::test]
async fn story_replies_reply_tos_quick_replies_postbacks_and_referrals_keep_their_context() {
    let app = start_sqlite().await;
    let first = Event::text("555", "first");
    let first_mid = first.mid().unwrap().to_owned();
    let story = Event::story_reply("555", "love this", "st-1", "https://cdn/story-1");
    let reply = Event::reply_to("555", "about that", &first_mid);
    let quick = Event::quick_reply("555", "Size M", "SIZE_M");
    let postback = Event::postback("555", "Track order", "TRACK");
    let ad = Event::ad_referral("555", "Saw your ad", "ad-42", "spring");
    let mids: Vec<String> = [&story, &reply, &quick, &postback, &ad]
        .iter()
        .map(|e| e.mid().unwrap().to_owned())
        .collect();
    app.send(first).await;
    for e in [story, reply, quick, postback, ad] {
        app.send(e).await;
    }
    app.send(Event::referral("555", "summer", "SHORTLINKS"))
        .await;
    app.settle().await;
    let items = app.timeline("555").await;
    assert_eq!(items.len(), 7);
    let story = by_mid(&items, &mids[0]);
    assert_eq!(story["reply_to"]["type"], "story");
    assert_eq!(story["reply_to"]["url"], "https://cdn/story-1");
    assert_eq!(story["reply_to"]["story_available"], true);
    assert_eq!(
        by_mid(&items, &mids[1])["reply_to"],
        json!({"type": "message", "mid": first_mid})
    );
    assert_eq!(
        by_mid(&items, &mids[2])["context"]["quick_reply_payload"],
        "SIZE_M"
    );
    let postback = by_mid(&items, &mids[3]);
    assert_eq!(postback["context"]["postback"]["payload"], "TRACK");
    assert_eq!(postback["summary"], "Track order");
    assert_eq!(
        by_mid(&items, &mids[4])["context"]["referral"]["ad_id"],
        "ad-42"
    );
    let link = items
        .iter()
        .find(|i| i["context"]["referral"]["ref"] == "summer")
        .expect("ig.me referral");
    assert_eq!(link["context"]["referral"]["source"], "SHORTLINKS");
}

#[tokio::test]
async fn reactions_show_a_heart_whatever_the_emoji_and_unreact_removes_it() {
    let app = start_sqlite().await;
    app.send(Event::text("555", "hi")).await;
    let echo = Event::echo("555", "Hello from our team");
    let echo_mid = echo.mid().unwrap().to_owned();
    app.send(echo).await;
    app.send(Event::reaction("555", &echo_mid, "😂", "laugh"))
        .await;
    app.settle().await;
    assert_eq!(
        by_mid(&app.timeline("555").await, &echo_mid)["reaction"],
        "❤️"
    );
    app.send(Event::unreact("555", &echo_mid)).await;
    app.settle().await;
    assert_eq!(
        by_mid(&app.timeline("555").await, &echo_mid)["reaction"],
        Value::Null
    );
}

#[tokio::test]
async fn echoes_appear_as_the_instagram_app_and_reads_mark_them_read() {
    let app = start_sqlite().await;
    app.send(Event::text("555", "hi")).await;
    let echo = Event::echo("555", "Answered from the phone");
    let echo_mid = echo.mid().unwrap().to_owned();
    app.send(echo.clone()).await;
    app.send(echo).await;
    app.settle().await;
    let items = app.timeline("555").await;
    assert_eq!(items.len(), 2, "an echo seen twice is shown once");
    let item = by_mid(&items, &echo_mid);
    assert_eq!(
        (
            item["direction"].as_str(),
            item["source"].as_str(),
            item["status"].as_str()
        ),
        (Some("out"), Some("instagram_app"), Some("sent"))
    );
    assert!(
        item["conversation_id"].is_i64(),
        "the echo joins the open conversation"
    );
    app.send(Event::read("555", &echo_mid)).await;
    app.settle().await;
    assert_eq!(
        by_mid(&app.timeline("555").await, &echo_mid)["status"],
        "read"
    );
}

#[tokio::test]
async fn echoes_are_not_shown_when_the_echo_setting_is_off() {
    let app = start_sqlite_with(ConversationSettings {
        echo: false,
        ..Default::default()
    })
    .await;
    app.send(Event::text("555", "hi")).await;
    app.send(Event::echo("555", "from the app")).await;
    app.settle().await;
    assert_eq!(app.timeline("555").await.len(), 1);
}

#[tokio::test]
async fn deleted_messages_lose_their_content_and_show_a_marker() {
    let app = start_sqlite().await;
    let secret = Event::text("555", "my card number is 4111");
    let mid = secret.mid().unwrap().to_owned();
    app.send(secret).await;
    app.settle().await;
    app.send(Event::deleted("555", &mid)).await;
    app.settle().await;
    let item = by_mid(&app.timeline("555").await, &mid).clone();
    assert_eq!(
        (item["deleted"].as_bool(), item["text"].clone()),
        (Some(true), Value::Null)
    );
    assert_eq!(item["summary"], "Message was deleted");
    assert!(!item.to_string().contains("4111"));
}

#[tokio::test]
async fn story_mentions_follow_the_setting_and_show_who_mentioned() {
    let app = start_sqlite().await;
    app.add_customer(CustomerProfile {
        name: Some("Ana Souza".into()),
        ..CustomerProfile::new("555", "ana")
    });
    let mention = Event::attachment("555", "story_mention", "https://cdn/story-9");
    let mid = mention.mid().unwrap().to_owned();
    app.send(mention).await;
    app.settle().await;
    let (_, conversations) = app.get("/api/v1/conversations").await;
    assert!(
        conversations["data"].as_array().unwrap().is_empty(),
        "off by default (ACC-3)"
    );
    let item = by_mid(&app.timeline("555").await, &mid).clone();
    assert_eq!(
        (item["kind"].as_str(), item["story_available"].as_bool()),
        (Some("story_mention"), Some(true))
    );
    assert_eq!(item["attachments"][0]["url"], "https://cdn/story-9");
    app.eventually("the profile name", || async {
        app.customer("555").await["name"] == "Ana Souza"
    })
    .await;
    assert_eq!(
        by_mid(&app.timeline("555").await, &mid)["summary"],
        "Ana Souza mentioned"
    );

    let app = start_sqlite_with(ConversationSettings {
        story_mentions_create_conversations: true,
        ..Default::default()
    })
    .await;
    app.send(Event::attachment(
        "555",
        "story_mention",
        "https://cdn/story-9",
    ))
    .await;
    app.settle().await;
    let (_, conversations) = app.get("/api/v1/conversations").await;
    assert_eq!(conversations["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_old_story_mention_reads_as_no_longer_available() {
    let app = start_sqlite().await;
    let two_days_ago = igdesk::now_ms() - 48 * 3600 * 1000;
    app.send(
        Event::attachment("555", "story_mention", "https://cdn/old")
            .with_timestamp_ms(two_days_ago),
    )
    .await;
    app.settle().await;
    let item = app.timeline("555").await[0].clone();
    assert_eq!(
        (item["story_available"].as_bool(), item["summary"].as_str()),
        (Some(false), Some("Story is no longer available"))
    );
}

#[tokio::test]
async fn top_level_comments_become_items_and_replies_to_comments_do_not() {
    let app = start_sqlite().await;
    let comment = Event::comment("555", "ana", "How much?", "18100", "FEED");
    let comment_id = comment.comment_id().unwrap().to_owned();
    app.send(comment).await;
    app.send(Event::comment_reply(
        "556",
        "ben",
        "me too",
        "18100",
        &comment_id,
    ))
    .await;
    app.settle().await;
    let items = app.timeline("555").await;
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(
        (
            item["kind"].as_str(),
            item["text"].as_str(),
            item["mid"].as_str()
        ),
        (
            Some("comment"),
            Some("How much?"),
            Some(comment_id.as_str())
        )
    );
    assert_eq!(item["context"]["post"]["media_id"], "18100");
    assert!(
        item["conversation_id"].is_i64(),
        "comments open conversations by default"
    );
    assert_eq!(app.customer("555").await["instagram"]["username"], "ana");
    let (_, found) = app.get("/api/v1/customers?igsid=556").await;
    assert!(found["data"].as_array().unwrap().is_empty());
    let (_, notes) = app.get("/api/v1/intake/notes").await;
    assert_eq!(notes["data"][0]["kind"], "comment_reply");

    let app = start_sqlite_with(ConversationSettings {
        comments_create_conversations: false,
        ..Default::default()
    })
    .await;
    app.send(Event::comment("555", "ana", "How much?", "18100", "FEED"))
        .await;
    app.settle().await;
    assert_eq!(app.timeline("555").await[0]["conversation_id"], Value::Null);
}

#[tokio::test]
async fn unsupported_and_unknown_kinds_are_kept_raw_never_dropped() {
    let app = start_sqlite().await;
    app.send(Event::unsupported("555")).await;
    app.send(Event::unknown(
        "555",
        "message_poll",
        json!({"question": "Blue or red?"}),
    ))
    .await;
    app.settle().await;
    let items = app.timeline("555").await;
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i["kind"] == "unsupported"));
    let unknown = items
        .iter()
        .find(|i| i["context"]["unsupported_type"] == "message_poll")
        .expect("kept");
    assert_eq!(unknown["summary"], "Unsupported message (message_poll)");
    assert_eq!(unknown["raw"]["message_poll"]["question"], "Blue or red?");
}

#[tokio::test]
async fn standby_events_and_multi_entry_batches_are_all_taken_in() {
    let app = start_sqlite().await;
    let delivery = Delivery::new(IG_ID)
        .push(Event::text("555", "one").standby())
        .push(Event::text("556", "two"))
        .push_for(IG_ID, Event::text("557", "three"));
    assert_eq!(app.sim.deliver(&delivery).await.unwrap(), 200);
    app.settle().await;
    for (igsid, text) in [("555", "one"), ("556", "two"), ("557", "three")] {
        assert_eq!(app.timeline(igsid).await[0]["text"], text);
    }
}

#[tokio::test]
async fn timestamps_in_seconds_and_milliseconds_mean_the_same_time() {
    let app = start_sqlite().await;
    app.send(Event::text("555", "ms").with_timestamp_ms(1_730_000_000_123))
        .await;
    app.send(Event::comment("555", "ana", "s", "18100", "FEED"))
        .await;
    app.settle().await;
    let items = app.timeline("555").await;
    let ms = items.iter().find(|i| i["text"] == "ms").unwrap();
    assert_eq!(ms["created_at_ms"], 1_730_000_000_123_i64);
    assert_eq!(ms["created_at"], "2024-10-27T03:33:20.123Z");
    let comment = items.iter().find(|i| i["kind"] == "comment").unwrap();
    let at = comment["created_at_ms"].as_i64().unwrap();
    assert!(
        (at - igdesk::now_ms()).abs() < 120_000,
        "a comment's seconds are read as seconds: {at}"
    );
}
