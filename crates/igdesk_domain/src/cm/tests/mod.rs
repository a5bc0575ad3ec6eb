//! Tests of the CM.com API mapping against CM.com's own examples and rules.

mod cards;
mod envelope;
mod examples;
mod matrix;
mod refusals;
mod webhooks;

use super::*;
use serde_json::{json, Value};

/// The one message of a request body, which must parse.
fn parse_one(body: &str) -> Msg {
    let envelope = parse_envelope(body.as_bytes()).expect("the envelope parses");
    assert_eq!(envelope.msgs.len(), 1);
    envelope
        .msgs
        .into_iter()
        .next()
        .unwrap()
        .expect("the msg is readable")
}

/// The `message` objects a request's one message becomes.
fn messages_of(body: &str) -> Vec<Value> {
    let msg = parse_one(body);
    instagram_messages(&msg)
        .expect("the message maps to Instagram")
        .into_iter()
        .map(|m| m.message)
        .collect()
}

/// A request with one message whose `richContent` is `rich`.
fn body_with_rich(rich: Value) -> String {
    json!({"messages": {"authentication": {"producttoken": "t"}, "msg": [{
        "from": "17841400000000000", "to": [{"number": "1234"}],
        "allowedChannels": ["Instagram"], "body": {"type": "auto", "content": "Fallback"},
        "richContent": rich,
    }]}})
    .to_string()
}

/// A request with one conversation item.
fn body_with_item(item: Value) -> String {
    body_with_rich(json!({ "conversation": [item] }))
}

fn map_item(item: Value) -> Result<Vec<Value>, MsgRefusal> {
    let msg = parse_one(&body_with_item(item));
    instagram_messages(&msg).map(|ms| ms.into_iter().map(|m| m.message).collect())
}

/// The refusal of one conversation item, checked to carry `code` and to name `field`.
fn refused(item: Value, code: u16, field: &str) -> MsgRefusal {
    let refusal = map_item(item).expect_err("the item is refused");
    assert_eq!(refusal.code, code, "{}", refusal.text);
    assert!(
        refusal.text.contains(field),
        "{:?} does not name {field}",
        refusal.text
    );
    refusal
}

fn template(elements: Value) -> Value {
    json!({"attachment": {"type": "template", "payload": {
        "template_type": "generic", "elements": elements }}})
}

const IMAGE: &str = "https://www.cm.com/cdn/web/blog/featured/cm-tablet.jpg";
