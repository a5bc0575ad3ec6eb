//! Reading the envelope: case-insensitive keys and values, unknown keys ignored,
//! request errors, and messages too broken to read.

use super::*;
use crate::cm::codes;

#[test]
fn keys_and_values_are_read_without_regard_to_case() {
    let lower = r#"{"messages":{"authentication":{"producttoken":"tok"},"msg":[{
        "from":"17841400000000000","to":[{"number":"1234"}],"reference":"r1",
        "allowedChannels":["Instagram"],"body":{"type":"auto","content":"fallback"},
        "richContent":{"conversation":[{"text":"Pick","suggestions":[
            {"action":"Reply","label":"A","postbackdata":"A"}]}]}}]}}"#;
    let mixed = r#"{"Messages":{"Authentication":{"productToken":"tok"},"Msg":[{
        "From":"17841400000000000","To":[{"Number":"1234"}],"Reference":"r1",
        "allowedChannels":["instagram"],"Body":{"type":"AUTO","Content":"fallback"},
        "RichContent":{"Conversation":[{"Text":"Pick","Suggestions":[
            {"action":"reply","Label":"A","postbackData":"A"}]}]}}]}}"#;
    let lower = parse_envelope(lower.as_bytes()).unwrap();
    let mixed = parse_envelope(mixed.as_bytes()).unwrap();
    // Channels keep their spelling; everything else reads the same.
    let mut mixed_msg = mixed.msgs[0].clone().unwrap();
    assert_eq!(mixed_msg.allowed_channels, vec!["instagram".to_owned()]);
    mixed_msg.allowed_channels = vec!["Instagram".into()];
    assert_eq!(lower.product_token, mixed.product_token);
    assert_eq!(lower.msgs[0].as_ref().unwrap(), &mixed_msg);
    let suggestion = &mixed_msg.rich.as_ref().unwrap().conversation[0].suggestions[0];
    assert_eq!(suggestion.action, "reply");
    assert_eq!(
        instagram_messages(lower.msgs[0].as_ref().unwrap()),
        instagram_messages(mixed.msgs[0].as_ref().unwrap())
    );
}

#[test]
fn rich_content_suggestions_fold_into_the_last_item() {
    // As CM.com's JS SDK sends them.
    let sdk = body_with_rich(json!({"conversation": [{"text": "Pick"}],
        "suggestions": [{"action": "reply", "label": "A", "postbackdata": "A"}]}));
    let inline = body_with_item(json!({"text": "Pick",
        "suggestions": [{"action": "reply", "label": "A", "postbackdata": "A"}]}));
    let expected = json!({"text": "Pick",
        "quick_replies": [{"content_type": "text", "title": "A", "payload": "A"}]});
    assert_eq!(messages_of(&sdk), vec![expected.clone()]);
    assert_eq!(messages_of(&inline), vec![expected]);
}

#[test]
fn suggestions_in_both_places_are_concatenated_in_order() {
    let body = body_with_rich(json!({
        "conversation": [{"text": "First"}, {"text": "Pick",
            "suggestions": [{"action": "Reply", "label": "A", "postbackdata": "1"}]}],
        "suggestions": [{"action": "Reply", "label": "B", "postbackdata": "2"}]}));
    let sent = messages_of(&body);
    assert_eq!(sent[0], json!({"text": "First"}));
    assert_eq!(sent[1]["quick_replies"][0]["title"], "A");
    assert_eq!(sent[1]["quick_replies"][1]["title"], "B");
}

#[test]
fn unknown_keys_are_ignored_and_null_is_absent() {
    let body = r#"{"messages":{"authentication":{"producttoken":"t"},"msg":[{
        "from":"1","to":[{"number":"2"}],"customGrouping3":"x","reference":null,
        "minimumNumberOfMessageParts":1,"validity":null,"body":{"content":"Hi","type":null},
        "richContent":null}]}}"#;
    let msg = parse_one(body);
    assert_eq!(msg.reference, None);
    assert_eq!(msg.validity, None);
    assert_eq!(msg.rich, None);
    assert_eq!(msg.body_text.as_deref(), Some("Hi"));
}

#[test]
fn a_body_that_is_not_the_envelope_is_malformed_202() {
    for body in ["not json", "[]", r#"{"msg":[]}"#, r#"{"messages":"x"}"#] {
        let err = parse_envelope(body.as_bytes()).unwrap_err();
        assert!(matches!(err, RequestError::Malformed(_)), "{body}");
        assert_eq!(err.code(), 202);
        assert!(err.to_string().starts_with("malformed request"));
    }
}

#[test]
fn missing_or_empty_msg_is_203() {
    for body in [
        r#"{"messages":{}}"#,
        r#"{"messages":{"msg":[]}}"#,
        r#"{"messages":{"msg":{"from":"1"}}}"#,
    ] {
        let err = parse_envelope(body.as_bytes()).unwrap_err();
        assert_eq!(err, RequestError::NoMessages, "{body}");
        assert_eq!(err.code(), 203);
        assert!(err.to_string().contains("messages.msg"));
    }
}

/// The rejection of the only msg in a request.
fn rejection(msg: Value) -> MsgRejection {
    let body = json!({"messages": {"msg": [msg]}}).to_string();
    let envelope = parse_envelope(body.as_bytes()).unwrap();
    envelope.msgs[0].clone().expect_err("the msg is rejected")
}

#[test]
fn missing_from_is_301_keeping_to_and_reference() {
    let r = rejection(json!({"to": [{"number": "9"}], "reference": "r", "body": {"content": "x"}}));
    assert_eq!(r.code, codes::MISSING_FROM);
    assert!(r.text.starts_with("from:"), "{}", r.text);
    assert_eq!(
        (r.to, r.reference),
        (vec!["9".to_owned()], Some("r".to_owned()))
    );
    let empty = rejection(json!({"from": "", "to": [{"number": "9"}]}));
    assert_eq!(empty.code, codes::MISSING_FROM);
}

#[test]
fn missing_to_or_number_is_302() {
    for msg in [
        json!({"from": "1"}),
        json!({"from": "1", "to": []}),
        json!({"from": "1", "to": [{"number": "9"}, {"name": "x"}]}),
    ] {
        let r = rejection(msg.clone());
        assert_eq!(r.code, codes::MISSING_TO, "{msg}");
        assert!(r.text.starts_with("to"), "{}", r.text);
    }
    let partly = rejection(json!({"from": "1", "to": [{"number": "9"}, {}]}));
    assert_eq!(partly.to, vec!["9".to_owned()]);
    assert!(partly.text.starts_with("to[1].number"), "{}", partly.text);
}

#[test]
fn wrong_types_are_305_naming_the_field() {
    let to = json!([{"number": "9"}]);
    let cases = [
        (json!({"from": 1, "to": to}), "from"),
        (json!({"from": "1", "to": "9"}), "to"),
        (json!({"from": "1", "to": [{"number": 9}]}), "to[0].number"),
        (json!({"from": "1", "to": to, "reference": 5}), "reference"),
        (json!({"from": "1", "to": to, "body": "hi"}), "body"),
        (
            json!({"from": "1", "to": to, "allowedChannels": "Instagram"}),
            "allowedChannels",
        ),
        (
            json!({"from": "1", "to": to, "richContent": {"conversation": {}}}),
            "richContent.conversation",
        ),
        (
            json!({"from": "1", "to": to, "richContent": {"conversation": [{"media": {}}]}}),
            "richContent.conversation[0].media.mediaUri",
        ),
        (
            json!({"from": "1", "to": to, "richContent": {"conversation": [
                {"text": "x", "suggestions": [{"action": "Reply", "label": 3}]}]}}),
            "richContent.conversation[0].suggestions[0].label",
        ),
        (json!("just a string"), "msg[0]"),
    ];
    for (msg, field) in cases {
        let r = rejection(msg.clone());
        assert_eq!(r.code, codes::FIELD, "{msg}");
        assert!(
            r.text.starts_with(field),
            "{:?} does not name {field}",
            r.text
        );
    }
}

#[test]
fn one_unreadable_msg_does_not_sink_the_others() {
    let body = json!({"messages": {"msg": [
        {"from": "1", "to": [{"number": "9"}], "body": {"content": "a"}},
        {"to": [{"number": "8"}]},
        {"from": "1", "to": [{"number": "7"}], "body": {"content": "c"}},
    ]}})
    .to_string();
    let envelope = parse_envelope(body.as_bytes()).unwrap();
    assert_eq!(envelope.product_token, None);
    assert!(envelope.msgs[0].is_ok());
    assert_eq!(
        envelope.msgs[1].as_ref().unwrap_err().to,
        vec!["8".to_owned()]
    );
    assert_eq!(envelope.msgs[2].as_ref().unwrap().to, vec!["7".to_owned()]);
}
