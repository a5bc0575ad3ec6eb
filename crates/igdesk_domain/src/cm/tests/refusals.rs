//! Every refusal without a header: the code, and the field named in the text. Also
//! the media that are accepted (GIF, unknown type, Instagram post links).

use super::*;

const ITEM: &str = "richContent.conversation[0]";

fn reply(label: &str, data: &str) -> Value {
    json!({"action": "Reply", "label": label, "postbackdata": data})
}

fn msg_without_rich(extra: Value) -> Msg {
    let mut msg = json!({"from": "1", "to": [{"number": "9"}]});
    for (k, v) in extra.as_object().unwrap() {
        msg[k] = v.clone();
    }
    parse_one(&json!({"messages": {"msg": [msg]}}).to_string())
}

#[test]
fn allowed_channels_without_instagram_is_refused() {
    let msg = msg_without_rich(json!({"allowedChannels": ["SMS", "WhatsApp"],
        "body": {"content": "hi"}}));
    let r = instagram_messages(&msg).unwrap_err();
    assert_eq!(r.code, 305);
    assert_eq!(r.text, "allowedChannels: must include Instagram");
    let msg = msg_without_rich(json!({"allowedChannels": [], "body": {"content": "hi"}}));
    assert!(instagram_messages(&msg).is_ok());
}

#[test]
fn empty_body_content_without_rich_content_is_304() {
    for extra in [json!({"body": {"content": ""}}), json!({})] {
        let r = instagram_messages(&msg_without_rich(extra)).unwrap_err();
        assert_eq!((r.code, r.text.as_str()), (304, "body.content is empty"));
    }
}

#[test]
fn body_content_over_1000_characters_is_refused() {
    let msg = msg_without_rich(json!({"body": {"content": "a".repeat(1001)}}));
    let r = instagram_messages(&msg).unwrap_err();
    assert_eq!(r.code, 305);
    assert!(r.text.starts_with("body.content: "), "{}", r.text);
}

#[test]
fn empty_conversation_is_304() {
    let msg = parse_one(&body_with_rich(json!({"conversation": []})));
    let r = instagram_messages(&msg).unwrap_err();
    assert_eq!(r.code, 304);
    assert!(r.text.contains("richContent.conversation"), "{}", r.text);
}

#[test]
fn content_instagram_cannot_show_is_refused_by_name() {
    let r = refused(json!({"text": "x", "location": {"latitude": 1}}), 305, ITEM);
    assert!(
        r.text.starts_with(&format!("{ITEM}.location: ")),
        "{}",
        r.text
    );
    refused(json!({"template": {"whatsapp": {}}}), 305, "template");
    refused(json!({"listPicker": {}}), 305, "listPicker");
}

#[test]
fn an_empty_item_is_304() {
    let r = refused(json!({}), 304, ITEM);
    assert!(r.text.contains("nothing to send"), "{}", r.text);
}

#[test]
fn item_text_over_1000_characters_is_refused() {
    refused(
        json!({"text": "é".repeat(501)}),
        305,
        &format!("{ITEM}.text"),
    );
}

#[test]
fn audio_is_refused() {
    let media = json!({"mediaUri": "https://x.test/a.mp3"});
    let r = refused(json!({ "media": media }), 305, &format!("{ITEM}.media"));
    assert!(r.text.contains("audio is not supported on Instagram"));
    let typed = json!({"mediaUri": "https://x.test/a", "mimeType": "audio/ogg"});
    refused(json!({ "media": typed }), 305, "audio");
}

#[test]
fn video_is_refused_unless_it_is_an_instagram_post() {
    let media = json!({"mediaUri": "https://x.test/clip.mp4"});
    let r = refused(json!({ "media": media }), 305, &format!("{ITEM}.media"));
    assert!(r.text.contains("as a shared Instagram post"), "{}", r.text);
    for post in [
        "https://www.instagram.com/reel/Cx1abc/",
        "https://instagram.com/p/Cx1abc",
        "https://www.instagram.com/tv/Cx1abc/",
    ] {
        let item = json!({"media": {"mediaUri": post, "mimeType": "video/mp4"}});
        assert_eq!(map_item(item).unwrap(), vec![json!({ "text": post })]);
    }
}

#[test]
fn other_files_are_refused() {
    let media = json!({"mediaUri": "https://x.test/f", "mediaName": "terms.pdf"});
    let r = refused(json!({ "media": media }), 305, &format!("{ITEM}.media"));
    assert!(r.text.contains(".pdf"), "{}", r.text);
}

#[test]
fn gifs_and_media_of_unknown_type_go_as_images() {
    for uri in ["https://x.test/party.gif", "https://img.x.test/render?id=4"] {
        let made = map_item(json!({"media": {"mediaUri": uri}})).unwrap();
        let image = json!({"attachment": {"type": "image", "payload": {"url": uri}}});
        assert_eq!(made, vec![image]);
    }
}

#[test]
fn media_uri_must_be_http() {
    let media = json!({"mediaUri": "ftp://x.test/a.png"});
    refused(
        json!({ "media": media }),
        305,
        &format!("{ITEM}.media.mediaUri"),
    );
}

#[test]
fn more_than_13_quick_replies_are_refused() {
    let many: Vec<Value> = (0..14).map(|i| reply(&format!("L{i}"), "P")).collect();
    let r = refused(
        json!({"text": "t", "suggestions": many}),
        305,
        &format!("{ITEM}.suggestions"),
    );
    assert!(
        r.text.contains("at most 13 quick replies (got 14)"),
        "{}",
        r.text
    );
    let thirteen: Vec<Value> = (0..13).map(|i| reply(&format!("L{i}"), "P")).collect();
    assert!(map_item(json!({"text": "t", "suggestions": thirteen})).is_ok());
}

#[test]
fn quick_reply_label_is_required_and_at_most_20_characters() {
    let long = reply("Twenty-three characters", "P");
    let r = refused(
        json!({"text": "t", "suggestions": [reply("a", "b"), reply("c", "d"), long]}),
        305,
        &format!("{ITEM}.suggestions[2].label"),
    );
    assert_eq!(
        r.text,
        format!("{ITEM}.suggestions[2].label: at most 20 characters (got 23)")
    );
    let unlabelled = json!({"action": "Reply", "postbackdata": "P"});
    let r = refused(
        json!({"text": "t", "suggestions": [unlabelled]}),
        305,
        "suggestions[0].label",
    );
    assert!(r.text.ends_with("is required"), "{}", r.text);
}

#[test]
fn quick_reply_postback_data_is_required_and_at_most_1000_characters() {
    let missing = json!({"action": "Reply", "label": "L"});
    refused(
        json!({"text": "t", "suggestions": [missing]}),
        305,
        "suggestions[0].postbackdata",
    );
    let long = reply("L", &"x".repeat(1001));
    let r = refused(
        json!({"text": "t", "suggestions": [long]}),
        305,
        "suggestions[0].postbackdata",
    );
    assert!(r.text.contains("at most 1000 characters"), "{}", r.text);
}

#[test]
fn a_suggestion_without_action_is_refused() {
    let s = json!({"label": "L", "postbackdata": "P"});
    refused(
        json!({"text": "t", "suggestions": [s]}),
        305,
        "suggestions[0].action",
    );
}

#[test]
fn open_url_without_header_is_refused() {
    let s = json!({"action": "OpenUrl", "label": "Site", "url": "https://cm.com"});
    let r = refused(
        json!({"text": "t", "suggestions": [s]}),
        305,
        "suggestions[0].action",
    );
    assert!(r
        .text
        .contains("OpenUrl suggestions become buttons of a card: add a header"));
}

#[test]
fn quick_replies_without_text_are_refused() {
    let media = json!({"mediaUri": IMAGE});
    for item in [
        json!({"media": media, "suggestions": [reply("a", "b")]}),
        json!({"suggestions": [reply("a", "b")]}),
    ] {
        let r = refused(item, 305, &format!("{ITEM}.suggestions"));
        assert!(r.text.ends_with("quick replies need text"), "{}", r.text);
    }
}

#[test]
fn richcontent_suggestions_are_named_where_they_were_written() {
    let body = body_with_rich(json!({"conversation": [{"media": {"mediaUri": IMAGE}}],
        "suggestions": [reply("a", "b")]}));
    let r = instagram_messages(&parse_one(&body)).unwrap_err();
    assert_eq!(r.text, "richContent.suggestions: quick replies need text");
}

#[test]
fn text_media_and_quick_replies_without_header_are_refused() {
    let item = json!({"text": "t", "media": {"mediaUri": IMAGE}, "suggestions": [reply("a", "b")]});
    let r = refused(item, 305, &format!("{ITEM}.suggestions"));
    assert!(
        r.text
            .contains("with an image, add a header to send a card"),
        "{}",
        r.text
    );
}
