use super::*;
use proptest::prelude::*;
use serde_json::json;

fn decode_one(body: Value) -> Vec<Result<WebhookEvent, DecodeError>> {
    let bytes = serde_json::to_vec(&body).unwrap();
    let env = parse_envelope(&bytes).unwrap();
    env.entries
        .iter()
        .flat_map(|e| e.items.iter().map(move |i| decode_item(e, i)))
        .collect()
}

fn messaging(item: Value) -> WebhookEvent {
    let body = json!({"object":"instagram","entry":[{"id":"17841","time":1730000000123_i64,"messaging":[item]}]});
    decode_one(body).remove(0).unwrap()
}

fn base() -> Value {
    json!({"sender":{"id":"555"},"recipient":{"id":"17841"},"timestamp":1730000000456_i64})
}

fn with(key: &str, v: Value) -> Value {
    let mut b = base();
    b[key] = v;
    b
}

#[test]
fn envelope_errors_say_what_is_wrong() {
    assert!(matches!(
        check_envelope(b"not json"),
        Err(EnvelopeError::NotJson(_))
    ));
    assert!(matches!(
        check_envelope(br#"{"object":"instagram"}"#),
        Err(EnvelopeError::NotMetaShape(_))
    ));
    assert!(matches!(
        check_envelope(br#"{"object":"instagram","entry":{}}"#),
        Err(EnvelopeError::NotMetaShape(_))
    ));
    assert_eq!(
        check_envelope(br#"{"object":"instagram","entry":[]}"#),
        Ok(())
    );
}

#[test]
fn parsing_and_the_intake_check_agree_on_what_is_not_a_webhook() {
    let kind = |e: EnvelopeError| matches!(e, EnvelopeError::NotJson(_));
    for body in [
        &b"not json"[..],
        br#"{"object":"instagram"}"#,
        br#"{"object":1,"entry":[]}"#,
        br#"[1]"#,
    ] {
        let checked = check_envelope(body).unwrap_err();
        let parsed = parse_envelope(body).unwrap_err();
        assert_eq!(
            kind(checked),
            kind(parsed),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    assert!(parse_envelope(br#"{"object":"instagram","entry":[]}"#).is_ok());
}

#[test]
fn text_story_reply_and_quick_reply() {
    let ev = messaging(with(
        "message",
        json!({"mid":"m1","text":"nice","reply_to":{"story":{"url":"https://cdn/s","id":"st1"}}}),
    ));
    let WebhookEvent::Message(b, m) = ev else {
        panic!()
    };
    assert_eq!(b.sender, "555");
    assert_eq!(b.timestamp, Some(1730000000456));
    assert_eq!(m.text.as_deref(), Some("nice"));
    assert_eq!(
        m.reply_to,
        Some(ReplyTo::Story {
            id: Some("st1".into()),
            url: Some("https://cdn/s".into())
        })
    );
    let ev = messaging(with(
        "message",
        json!({"mid":"m2","text":"M","quick_reply":{"payload":"SIZE_M"}}),
    ));
    let WebhookEvent::Message(_, m) = ev else {
        panic!()
    };
    assert_eq!(m.quick_reply_payload.as_deref(), Some("SIZE_M"));
}

#[test]
fn attachments_of_every_shape() {
    let ev = messaging(with(
        "message",
        json!({"mid":"m1","attachments":[
            {"type":"image","payload":{"url":"https://cdn/i"}},
            {"type":"share","payload":{"url":"https://cdn/p","title":"cap","ig_post_media_id":"181"}},
            {"type":"fallback","title":"A link","url":"https://x"},
            {"type":"template","payload":{"template_type":"generic","elements":[{"title":"Card"}]}},
            {"type":"story_mention","payload":{"url":"https://cdn/s"}}
        ]}),
    ));
    let WebhookEvent::Message(_, m) = ev else {
        panic!()
    };
    let kinds: Vec<_> = m.attachments.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["image", "share", "fallback", "template", "story_mention"]
    );
    assert_eq!(m.attachments[1].media_id.as_deref(), Some("181"));
    assert_eq!(m.attachments[1].title.as_deref(), Some("cap"));
    assert_eq!(m.attachments[2].url.as_deref(), Some("https://x"));
    assert_eq!(m.attachments[3].title.as_deref(), Some("Card"));
}

#[test]
fn deletion_reaction_read_postback_referral() {
    assert!(matches!(
        messaging(with("message", json!({"mid":"m1","is_deleted":true}))),
        WebhookEvent::Deleted(_, mid) if mid == "m1"
    ));
    let WebhookEvent::Reaction {
        reaction,
        emoji,
        target_mid,
        ..
    } = messaging(with(
        "reaction",
        json!({"mid":"m9","action":"react","reaction":"laugh","emoji":"😂"}),
    ))
    else {
        panic!()
    };
    assert_eq!(
        (target_mid.as_str(), reaction.as_deref(), emoji.as_deref()),
        ("m9", Some("laugh"), Some("😂"))
    );
    let WebhookEvent::Reaction { reaction, .. } =
        messaging(with("reaction", json!({"mid":"m9","action":"unreact"})))
    else {
        panic!()
    };
    assert_eq!(reaction, None);
    assert!(
        matches!(messaging(with("read", json!({"mid":"m3"}))), WebhookEvent::Read(_, m) if m == "m3")
    );
    let WebhookEvent::Postback {
        payload, referral, ..
    } = messaging(with(
        "postback",
        json!({"mid":"p1","title":"Track","payload":"TRACK","referral":{"ref":"x","source":"SHORTLINKS"}}),
    ))
    else {
        panic!()
    };
    assert_eq!(payload.as_deref(), Some("TRACK"));
    assert_eq!(referral.unwrap().reference.as_deref(), Some("x"));
    assert!(matches!(
        messaging(with("referral", json!({"ref":"summer","source":"SHORTLINKS","type":"OPEN_THREAD"}))),
        WebhookEvent::Referral(_, r) if r.reference.as_deref() == Some("summer")
    ));
}

#[test]
fn unknown_kinds_are_kept_raw() {
    let ev = messaging(with("message_reads_v2", json!({"x":1})));
    let WebhookEvent::Other { kind, raw, base } = ev else {
        panic!()
    };
    assert_eq!(kind, "message_reads_v2");
    assert_eq!(raw["message_reads_v2"]["x"], 1);
    assert!(base.is_some());
}

#[test]
fn comments_accept_id_or_comment_id_and_seconds() {
    let body = json!({"object":"instagram","entry":[{"id":"17841","time":1730000000,"changes":[
        {"field":"comments","value":{"id":"c1","text":"price?","from":{"id":"555","username":"ana"},"media":{"id":"m","media_product_type":"FEED"}}},
        {"field":"comments","value":{"comment_id":"c2","parent_id":"c1","from":{"id":"556"},"media_id":"m"}}
    ]}]});
    let out = decode_one(body);
    let WebhookEvent::Comment(c1) = out[0].clone().unwrap() else {
        panic!()
    };
    assert_eq!(c1.comment_id, "c1");
    assert_eq!(c1.timestamp, Some(1730000000000));
    assert_eq!(c1.from_username.as_deref(), Some("ana"));
    let WebhookEvent::Comment(c2) = out[1].clone().unwrap() else {
        panic!()
    };
    assert_eq!(
        (c2.comment_id.as_str(), c2.parent_id.as_deref()),
        ("c2", Some("c1"))
    );
}

#[test]
fn a_malformed_item_does_not_spoil_its_batch() {
    let body = json!({"object":"instagram","entry":[{"id":"1","messaging":[
        {"message":{"text":"no mid, no sender"}},
        {"sender":{"id":"2"},"recipient":{"id":"1"},"message":{"mid":"ok","text":"fine"}}
    ]}]});
    let out = decode_one(body);
    assert!(out[0].is_err());
    assert!(matches!(out[1], Ok(WebhookEvent::Message(..))));
}

#[test]
fn timestamps_at_the_ends_of_i64_do_not_overflow() {
    // Once panicked in debug builds ("attempt to negate with overflow"): the time's
    // `abs()` in `normalize_timestamp`.
    let body = br#"{"object":"x","entry":[{"time":-9223372036854775808}]}"#;
    assert_eq!(
        parse_envelope(body).unwrap().entries[0].time,
        Some(i64::MIN)
    );
    let out = decode_one(
        json!({"object":"instagram","entry":[{"id":"1","time":i64::MIN,"messaging":[
            {"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":i64::MIN,"message":{"mid":"m"}}
        ]}]}),
    );
    let Ok(WebhookEvent::Message(base, _)) = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(base.timestamp, Some(i64::MIN));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(env) = parse_envelope(&bytes) {
            for e in &env.entries { for i in &e.items { let _ = decode_item(e, i); } }
        }
    }

    #[test]
    fn arbitrary_json_never_panics(v in arb_json()) {
        let body = serde_json::to_vec(&json!({"object":"instagram","entry":[v.clone(), {"id":"1","messaging":[v.clone()],"changes":[v.clone()],"standby":[v]}]})).unwrap();
        let env = parse_envelope(&body).unwrap();
        for e in &env.entries { for i in &e.items { let _ = decode_item(e, i); } }
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("message".to_string()),
        Just("mid".to_string()),
        Just("sender".to_string()),
        Just("recipient".to_string()),
        Just("id".to_string()),
        Just("attachments".to_string()),
        Just("payload".to_string()),
        Just("reaction".to_string()),
        Just("reply_to".to_string()),
        Just("story".to_string()),
        Just("field".to_string()),
        Just("value".to_string()),
        Just("from".to_string()),
        Just("timestamp".to_string()),
        Just("read".to_string()),
        Just("postback".to_string()),
        Just("is_deleted".to_string()),
        "[a-z_]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        ".{0,12}".prop_map(Value::String),
        Just(json!("comments")),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn a_delivery_names_its_one_customer_or_none() {
    let dm = |sender: &str, recipient: &str| {
        json!({"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": 1,
               "message": {"mid": "m", "text": "hi"}})
    };
    let body = |entries: serde_json::Value| {
        serde_json::to_vec(&json!({"object": "instagram", "entry": entries})).unwrap()
    };
    let pair = |a: &str, c: &str| Some((a.to_owned(), c.to_owned()));
    // A customer's message and the business's echo to them: one customer.
    let one = body(json!([{"id": "B", "time": 1, "messaging": [dm("C1", "B"), dm("B", "C1")]}]));
    assert_eq!(delivery_customer(&one), pair("B", "C1"));
    // Events on standby count too; a comment's author is its customer.
    let standby = body(json!([{"id": "B", "time": 1, "standby": [dm("C2", "B")]}]));
    assert_eq!(delivery_customer(&standby), pair("B", "C2"));
    let comment = body(json!([{"id": "B", "time": 1, "changes": [
        {"field": "comments", "value": {"id": "c", "text": "nice", "from": {"id": "C3"}}}]}]));
    assert_eq!(delivery_customer(&comment), pair("B", "C3"));
    // Several customers, one that cannot be told, or none: applied alone.
    let two = body(json!([{"id": "B", "time": 1, "messaging": [dm("C1", "B"), dm("C2", "B")]}]));
    assert_eq!(delivery_customer(&two), None);
    let accounts = body(json!([{"id": "B", "time": 1, "messaging": [dm("C1", "B")]},
                               {"id": "B2", "time": 1, "messaging": [dm("C1", "B2")]}]));
    assert_eq!(delivery_customer(&accounts), None);
    let own = body(json!([{"id": "B", "time": 1, "changes": [
        {"field": "comments", "value": {"id": "c", "from": {"id": "B"}}}]}]));
    assert_eq!(delivery_customer(&own), None);
    let mention = body(json!([{"id": "B", "time": 1, "changes": [
        {"field": "mentions", "value": {"media_id": "m", "comment_id": "c"}}]}]));
    assert_eq!(delivery_customer(&mention), None);
    assert_eq!(
        delivery_customer(&body(json!([{"id": "B", "time": 1}]))),
        None
    );
    assert_eq!(delivery_customer(b"not json"), None);
}

#[test]
fn intake_reads_the_envelope_and_its_customer_as_the_two_checks_do() {
    let bodies: [&[u8]; 7] = [
        br#"{"object":"instagram","entry":[{"id":"B","messaging":[{"sender":{"id":"C1"},"recipient":{"id":"B"}}]}]}"#,
        br#"{"object":"instagram","entry":[{"id":"B","messaging":[{"sender":{"id":"C1"},"recipient":{"id":"B"}},{"sender":{"id":"C2"},"recipient":{"id":"B"}}]}]}"#,
        // An envelope whose entries are not the shape keys are read from.
        br#"{"object":"instagram","entry":[1, {"id":"B"}]}"#,
        br#"{"object":"instagram","entry":[{"id":"B","messaging":"x"}]}"#,
        br#"{"object":"instagram","entry":{}}"#,
        br#"{"entry":[{"id":"B","messaging":[{"sender":{"id":"C1"},"recipient":{"id":"B"}}]}]}"#,
        b"not json",
    ];
    for body in bodies {
        let expected = check_envelope(body).map(|()| delivery_customer(body));
        assert_eq!(
            read_at_intake(body),
            expected,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}
