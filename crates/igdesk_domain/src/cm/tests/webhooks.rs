//! The JSON igdesk POSTs to the API user, in CM.com's formats.

use super::*;

/// 2026-01-02T03:04:05.678Z.
const AT: crate::Millis = 1_767_323_045_678;

fn inbound() -> InboundMessage {
    InboundMessage {
        reference: "mid.1".into(),
        account_ig_id: "17841400000000000".into(),
        igsid: "1234".into(),
        name: Some("Ana".into()),
        username: Some("ana.b".into()),
        text: Some("Hi".into()),
        media_url: None,
        media_type: None,
        postback: None,
        reply_to_mid: None,
        at: AT,
    }
}

#[test]
fn inbound_text_message_in_cm_mo_format() {
    assert_eq!(
        inbound_message(&inbound()),
        json!({
            "reference": "mid.1",
            "messageContext": "",
            "from": {"number": "1234", "name": "Ana"},
            "to": {"number": "17841400000000000"},
            "message": {"text": "Hi", "custom": {"username": "ana.b"}},
            "groupings": ["", "", ""],
            "time": "2026-01-02 03:04:05",
            "timeUtc": "2026-01-02T03:04:05",
            "channel": "Instagram",
        })
    );
}

#[test]
fn inbound_media_quick_reply_and_reply_to() {
    let m = InboundMessage {
        name: None,
        username: None,
        text: None,
        media_url: Some("https://cdn.test/i.jpg".into()),
        media_type: Some("image".into()),
        postback: Some(("Talk to live agent".into(), "HUMAN_AGENT".into())),
        reply_to_mid: Some("mid.0".into()),
        ..inbound()
    };
    let v = inbound_message(&m);
    assert_eq!(v["messageContext"], "mid.0");
    assert_eq!(v["from"], json!({"number": "1234", "name": ""}));
    assert_eq!(
        v["message"],
        json!({
            "text": "",
            "media": {"mediaUri": "https://cdn.test/i.jpg", "contentType": "image", "title": ""},
            "custom": {"username": "", "suggestions": [
                {"action": "Reply", "label": "Talk to live agent", "postbackdata": "HUMAN_AGENT"}]},
        })
    );
}

#[test]
fn event_in_cm_event_format() {
    let custom = json!({"storyUrl": "https://cdn.test/s"});
    assert_eq!(
        event(
            "StoryMention",
            "ev-1",
            "mid.7",
            "1784",
            "1234",
            Some(custom.clone()),
            AT
        ),
        json!({
            "reference": "ev-1",
            "from": {"number": "1234"},
            "to": {"number": "1784"},
            "event": {"type": "StoryMention", "reference": "mid.7", "custom": custom},
            "timeUtc": "2026-01-02T03:04:05",
            "channel": "Instagram",
        })
    );
    let delete = event("MessageDelete", "ev-2", "mid.7", "1784", "1234", None, AT);
    assert_eq!(
        delete["event"],
        json!({"type": "MessageDelete", "reference": "mid.7"})
    );
}

#[test]
fn status_reports_in_cm_json_format() {
    let report = |status, error_code: Option<&str>, error: Option<&str>| {
        status_report(&StatusReport {
            reference: Some("my-ref".into()),
            igsid: "1234".into(),
            status,
            error_code: error_code.map(Into::into),
            error: error.map(Into::into),
            at: AT,
            parts: vec![],
            part: None,
        })
    };
    assert_eq!(
        report(ReportStatus::Delivered, None, None),
        json!({"messages": {"msg": {
            "received": "2026-01-02T03:04:05",
            "to": "1234",
            "reference": "my-ref",
            "status": {"code": "2", "errorCode": "", "errorDescription": ""},
            "channel": "Instagram",
        }}})
    );
    let read = report(ReportStatus::Read, None, None);
    assert_eq!(read["messages"]["msg"]["status"]["code"], "4");
    let failed = report(
        ReportStatus::Failed,
        Some("551"),
        Some("this person isn't available"),
    );
    assert_eq!(
        failed["messages"]["msg"]["status"],
        json!({"code": "3", "errorCode": "551", "errorDescription": "this person isn't available"})
    );
    let no_ref = status_report(&StatusReport {
        reference: None,
        igsid: "1".into(),
        status: ReportStatus::Delivered,
        error_code: None,
        error: None,
        at: AT,
        parts: vec![],
        part: None,
    });
    assert_eq!(no_ref["messages"]["msg"]["reference"], "");
}

#[test]
fn a_message_of_several_parts_reports_each() {
    let part = |status, mid: Option<&str>| ReportPart {
        status,
        mid: mid.map(Into::into),
    };
    let first = status_report(&StatusReport {
        reference: Some("r".into()),
        igsid: "1".into(),
        status: ReportStatus::PartDelivered,
        error_code: None,
        error: None,
        at: AT,
        parts: vec![part("delivered", Some("m_1")), part("pending", None)],
        part: Some(1),
    });
    let msg = &first["messages"]["msg"];
    assert_eq!(msg["status"]["code"], "0", "in progress, not delivered");
    assert_eq!(msg["messageParts"], 2);
    assert_eq!(msg["part"], 1);
    assert_eq!(
        msg["parts"],
        json!([
            {"part": 1, "status": "delivered", "mid": "m_1"},
            {"part": 2, "status": "pending", "mid": null},
        ])
    );
    assert_eq!(msg["reference"], "r");
    assert_eq!(msg["channel"], "Instagram");
}
