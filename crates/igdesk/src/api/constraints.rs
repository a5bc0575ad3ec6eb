//! What the document says about values beyond their Rust types: the lengths, ranges,
//! patterns and choices the handlers and the service check, written from the
//! constants they check with. utoipa describes each field from its type and doc
//! comment; these are merged into that description (`openapi::document`), so that a
//! value the document allows is one the server takes, as far as a value on its own
//! decides it (whether an inbox id exists, or `from` comes before `to`, is said in
//! words).
//!
//! Text is trimmed before its length counts, so lengths are patterns: optional
//! whitespace, then the trimmed text, then optional whitespace. Whitespace is what
//! `str::trim` removes (Unicode's White_Space), spelled out so that every regex
//! dialect reads the pattern alike.

use crate::service::{
    agent_tokens, agents, inboxes, labels, notes, passwords, people, product_tokens, saved_answers,
    search, sign_in, starters, topics,
};
use serde_json::{json, Value};

/// What `str::trim` removes, as the inside of a regex class.
const SPACE: &str = r"\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// `char::is_control` (category Cc), as the inside of a regex class.
const CONTROL: &str = r"\x00-\x1F\x7F-\x9F";

/// A pattern for text of `min` (0 or 1) to `max` characters once trimmed, whose
/// first and last kept characters are of class `edge` and the others of `inner`.
fn trimmed_pattern(min: usize, max: usize, edge: &str, inner: &str) -> String {
    debug_assert!(min <= 1 && max >= 1);
    let core = if max == 1 {
        edge.to_owned()
    } else {
        format!("{edge}(?:{inner}{{0,{}}}{edge})?", max - 2)
    };
    let core = if min == 0 {
        format!("(?:{core})?")
    } else {
        core
    };
    format!("^[{SPACE}]*{core}[{SPACE}]*$")
}

// The patterns stand alone, with no `minLength` beside them: they say the length
// already, and given both on a required property, schemathesis 4.32's coverage
// phase finds no valid value and sends an invalid body as a valid one.

/// Any text of `min` (0 or 1) to `max` characters once trimmed.
fn trimmed(min: usize, max: usize) -> Value {
    json!({"pattern": trimmed_pattern(min, max, &format!("[^{SPACE}]"), r"[\s\S]")})
}

/// A label: 1 to 40 characters once trimmed, no slash, no control character.
fn label() -> Value {
    json!({
        "type": "string",
        "pattern": trimmed_pattern(
            1,
            labels::LABEL_CHARS,
            &format!("[^{SPACE}/{CONTROL}]"),
            &format!("[^/{CONTROL}]"),
        ),
    })
}

fn between(min: i64, max: i64) -> Value {
    json!({"minimum": min, "maximum": max})
}

fn chars(min: usize, max: usize) -> Value {
    json!({"minLength": min, "maxLength": max})
}

/// Properties of request bodies (component schema, property, what it takes).
fn body_rules() -> Vec<(&'static str, &'static str, Value)> {
    let password = || chars(passwords::PASSWORD_MIN_CHARS, passwords::PASSWORD_MAX_CHARS);
    let capacity = || between(0, agents::CAPACITY_LIMIT);
    vec![
        ("NewInbox", "name", trimmed(1, inboxes::NAME_CHARS)),
        (
            "InboxPatch",
            "sla_target_seconds",
            between(inboxes::SHORTEST_TARGET_SECONDS, inboxes::LONGEST_SECONDS),
        ),
        (
            "InboxPatch",
            "auto_end_seconds",
            between(inboxes::SHORTEST_AUTO_END_SECONDS, inboxes::LONGEST_SECONDS),
        ),
        ("NewAgentBody", "name", trimmed(1, agents::NAME_CHARS)),
        (
            "NewAgentBody",
            "email",
            json!({"allOf": [{"pattern": "@"}, trimmed(1, sign_in::EMAIL_MAX_CHARS)]}),
        ),
        ("NewAgentBody", "password", password()),
        ("AgentPatch", "name", trimmed(1, agents::NAME_CHARS)),
        ("AgentPatch", "standard_capacity", capacity()),
        ("AgentPatch", "max_capacity", capacity()),
        ("NewPassword", "password", password()),
        ("OwnPassword", "new_password", password()),
        ("SignIn", "email", trimmed(0, sign_in::EMAIL_MAX_CHARS)),
        ("NewToken", "label", trimmed(1, agent_tokens::LABEL_CHARS)),
        (
            "NewProductToken",
            "name",
            trimmed(1, product_tokens::NAME_MAX_CHARS),
        ),
        ("NewTopic", "name", trimmed(1, topics::NAME_CHARS)),
        (
            "TopicChoice",
            "topics",
            json!({"maxItems": topics::MOST_TOPICS}),
        ),
        ("NoteText", "text", trimmed(1, notes::NOTE_CHARS)),
        (
            "NewSavedAnswer",
            "title",
            trimmed(1, saved_answers::TITLE_CHARS),
        ),
        (
            "NewSavedAnswer",
            "text",
            trimmed(1, saved_answers::TEXT_CHARS),
        ),
        (
            "SavedAnswerEdit",
            "title",
            trimmed(1, saved_answers::TITLE_CHARS),
        ),
        (
            "SavedAnswerEdit",
            "text",
            trimmed(1, saved_answers::TEXT_CHARS),
        ),
        (
            "LabelSet",
            "labels",
            json!({"maxItems": labels::MOST_LABELS, "items": label()}),
        ),
        (
            "ContactPatch",
            "phone",
            chars(0, people::CONTACT_FIELD_CHARS),
        ),
        (
            "ContactPatch",
            "notes",
            chars(0, people::CONTACT_FIELD_CHARS),
        ),
        (
            "ContactPatch",
            "email",
            json!({
                "maxLength": people::CONTACT_FIELD_CHARS,
                // Empty (once trimmed: it clears the email), or with an `@`.
                "pattern": format!(r"^(?:[{SPACE}]*|[\s\S]*@[\s\S]*)$"),
            }),
        ),
        (
            "ConnectBody",
            "login",
            json!({"enum": ["facebook", "instagram"]}),
        ),
        (
            "PickBody",
            "ig_ids",
            json!({"minItems": 1, "maxItems": crate::service::connect::MAX_PICKED}),
        ),
        ("MergeRequest", "confirm", json!({"enum": [true]})),
        ("Link", "url", json!({"pattern": "^https?://"})),
        (
            "TransferBody",
            "note",
            trimmed(0, igdesk_store::TRANSFER_NOTE_CHARS),
        ),
        (
            "ApiSettingsBody",
            "inbound_retry_hours",
            between(1, crate::service::api_settings::LONGEST_RETRY_HOURS),
        ),
        (
            "ApiSettingsBody",
            "status_retry_hours",
            between(1, crate::service::api_settings::LONGEST_RETRY_HOURS),
        ),
        // Conversation starters; a menu item is one of two kinds (`oneOf`, in the
        // order `MenuItemView` declares them: postback, web_url).
        (
            "IceBreakerView",
            "question",
            trimmed(1, starters::MAX_QUESTION_CHARS),
        ),
        (
            "IceBreakerView",
            "payload",
            trimmed(1, starters::MAX_PAYLOAD_CHARS),
        ),
        (
            "MenuItemView/oneOf/0",
            "title",
            trimmed(1, starters::MAX_MENU_TITLE_CHARS),
        ),
        (
            "MenuItemView/oneOf/0",
            "payload",
            trimmed(1, starters::MAX_PAYLOAD_CHARS),
        ),
        (
            "MenuItemView/oneOf/1",
            "title",
            trimmed(1, starters::MAX_MENU_TITLE_CHARS),
        ),
        (
            "MenuItemView/oneOf/1",
            "url",
            json!({"pattern": format!("^[{SPACE}]*https://")}),
        ),
    ]
}

/// Properties a body must have that serde would let default (the handler then
/// refuses the default, naming the field).
const REQUIRED: [(&str, &str); 4] = [
    ("NoteText", "text"),
    ("AssignTo", "agent_id"),
    ("MergeRequest", "confirm"),
    ("LabelSet", "labels"),
];

/// Bodies read key by key, which refuse any other key.
const CLOSED: [&str; 2] = ["ContactPatch", "ReplyForm"];

/// The image types an upload is (its bytes decide: `answers::image_upload`).
const IMAGE_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/gif"];

/// Bodies utoipa cannot spell: a raw image, and a form's image parts.
fn media_rules(doc: &mut Value) {
    let binary = json!({"type": "string", "format": "binary"});
    let image = operation(doc, "set_image");
    image["requestBody"]["content"] = IMAGE_TYPES
        .iter()
        .map(|t| ((*t).to_owned(), json!({"schema": binary})))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let reply = operation(doc, "send_message");
    reply["requestBody"]["content"]["multipart/form-data"]["encoding"] =
        json!({"image": {"contentType": IMAGE_TYPES.join(", ")}});
    // A form's field is text: never null.
    doc["components"]["schemas"]["ReplyForm"]["properties"]["text"]["type"] = "string".into();
    // Each event of the live stream (`events::render`): its id, its kind as the event
    // name, and its data as JSON.
    let stream = operation(doc, "live_events");
    stream["responses"]["200"]["content"]["text/event-stream"]["schema"] = json!({
        "type": "object",
        "required": ["id", "event", "data"],
        "properties": {
            "id": {"type": "string", "pattern": "^[0-9]+$"},
            "event": {"type": "string"},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": {
                    "type": "object",
                    "required": ["id", "kind", "conversation_id", "payload", "created_at_ms"],
                    "properties": {
                        "id": {"type": "integer"},
                        "kind": {"type": "string"},
                        "conversation_id": {"type": ["integer", "null"]},
                        "payload": {},
                        "created_at_ms": {"type": "integer"},
                        "item_id": {"type": "integer"},
                        "item": {"oneOf": [{"$ref": "#/components/schemas/ItemView"}, {"type": "null"}]},
                        "html": {"type": "string"},
                    },
                },
            },
        },
    });
}

fn operation<'a>(doc: &'a mut Value, id: &str) -> &'a mut Value {
    operations(doc)
        .find(|op| op["operationId"] == id)
        .unwrap_or_else(|| panic!("no operation {id}"))
}

/// A query parameter read as text and trimmed, where nothing (or only whitespace)
/// is the same as leaving it out (`read_api`): `core`, or nothing, between
/// whitespace.
fn blank_or(core: &str) -> Value {
    json!({"pattern": format!("^[{SPACE}]*(?:{core})?[{SPACE}]*$")})
}

/// An `i64` as `str::parse` reads it. Up to 18 digits after any leading zeros: the
/// 19-digit numbers an i64 holds are left out, so that no number too large for one
/// is in.
const INTEGER: &str = r"[+-]?0*[0-9]{1,18}";
/// 1 to 200 as `str::parse` reads it.
const PAGE: &str = r"\+?0*(?:[1-9][0-9]?|1[0-9]{2}|200)";

/// Parameters (operation id, parameter name, what it takes).
fn parameter_rules() -> Vec<(&'static str, &'static str, Value)> {
    let id = || json!({"type": "integer", "format": "int64"});
    vec![
        (
            "find_customers",
            "igsid",
            json!({"pattern": format!("[^{SPACE}]")}),
        ),
        ("get_timeline", "before", blank_or(INTEGER)),
        ("get_timeline", "limit", blank_or(PAGE)),
        (
            "list_conversations",
            "state",
            blank_or("open|waiting|closed"),
        ),
        (
            "list_conversations",
            "kind",
            blank_or("dm|story_mention|comment"),
        ),
        ("list_conversations", "inbox", blank_or(INTEGER)),
        (
            "list_conversations",
            "before",
            blank_or(&format!(r"{INTEGER}\.{INTEGER}")),
        ),
        ("list_conversations", "limit", blank_or(PAGE)),
        ("list_answers", "customer_id", id()),
        (
            "search",
            "q",
            json!({"minLength": 1, "maxLength": search::MAX_QUERY_CHARS}),
        ),
        (
            "search",
            "kind",
            json!({"enum": ["all", "people", "messages"]}),
        ),
        (
            "search",
            "cursor",
            json!({"type": "integer", "format": "int64", "minimum": 1}),
        ),
        ("add_label", "label", label()),
        // A header's value: `HeaderValue::to_str`, trimmed, as an i64.
        (
            "live_events",
            "Last-Event-ID",
            json!({"type": "string", "pattern": format!(r"^[ \t]*{INTEGER}[ \t]*$")}),
        ),
    ]
}

/// Merges the rules into `doc`, a description utoipa generated. A rule whose schema,
/// property, operation or parameter is not in it is a mistake here: it panics, and
/// the document's tests fail.
pub fn apply(doc: &mut Value) {
    for (schema, property, rule) in body_rules() {
        let target = doc
            .pointer_mut(&format!(
                "/components/schemas/{schema}/properties/{property}"
            ))
            .unwrap_or_else(|| panic!("no property {schema}.{property} to describe"));
        merge(target, rule);
    }
    for (schema, property) in REQUIRED {
        let object = doc
            .pointer_mut(&format!("/components/schemas/{schema}"))
            .unwrap_or_else(|| panic!("no schema {schema}"));
        let required = object["required"].as_array_mut();
        match required {
            Some(list) if list.iter().any(|p| p == property) => {}
            Some(list) => list.push(property.into()),
            None => object["required"] = json!([property]),
        }
    }
    for schema in CLOSED {
        doc["components"]["schemas"][schema]["additionalProperties"] = false.into();
    }
    // Each kind of menu item takes its own keys only (serde refuses others).
    for kind in ["0", "1"] {
        let pointer = format!("/components/schemas/MenuItemView/oneOf/{kind}");
        let variant = doc
            .pointer_mut(&pointer)
            .unwrap_or_else(|| panic!("no schema {pointer}"));
        variant["additionalProperties"] = false.into();
    }
    media_rules(doc);
    for (id, name, rule) in parameter_rules() {
        let parameter = operation(doc, id)["parameters"]
            .as_array_mut()
            .and_then(|ps| ps.iter_mut().find(|p| p["name"] == name))
            .unwrap_or_else(|| panic!("no parameter {name} of {id} to describe"));
        // A typed rule replaces what the parameter was described as.
        if rule.get("type").is_some() {
            parameter["schema"] = rule;
        } else {
            merge(&mut parameter["schema"], rule);
        }
    }
}

/// Every operation of the document.
pub fn operations(doc: &mut Value) -> impl Iterator<Item = &mut Value> {
    doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.iter_mut())
        .filter(|(method, _)| ["get", "put", "post", "delete", "patch"].contains(&method.as_str()))
        .map(|(_, op)| op)
}

fn merge(target: &mut Value, rule: Value) {
    if let (Some(target), Value::Object(rule)) = (target.as_object_mut(), rule) {
        target.extend(rule);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimmed_text_is_whitespace_around_the_counted_characters() {
        let edge = format!("[^{SPACE}]");
        assert_eq!(
            trimmed_pattern(1, 80, &edge, "."),
            format!("^[{SPACE}]*{edge}(?:.{{0,78}}{edge})?[{SPACE}]*$")
        );
        assert_eq!(
            trimmed_pattern(0, 1, &edge, "."),
            format!("^[{SPACE}]*(?:{edge})?[{SPACE}]*$")
        );
    }

    // The class names every character `str::trim` removes, and only those.
    #[test]
    fn the_whitespace_class_is_what_trim_removes() {
        let named = |c: char| match c {
            '\t' => r"\t".to_owned(),
            '\n' => r"\n".to_owned(),
            '\x0B' => r"\x0B".to_owned(),
            '\x0C' => r"\f".to_owned(),
            '\r' => r"\r".to_owned(),
            ' ' => " ".to_owned(),
            '\u{85}' => r"\x85".to_owned(),
            '\u{A0}' => r"\xA0".to_owned(),
            other => format!(r"\u{:04X}", other as u32),
        };
        let mut listed = 0;
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            if !c.is_whitespace() {
                continue;
            }
            listed += 1;
            // U+2000 to U+200A are the range `\u2000-\u200A`.
            if ('\u{2000}'..='\u{200A}').contains(&c) {
                continue;
            }
            assert!(
                SPACE.contains(&named(c)),
                "{} is not in the class",
                named(c)
            );
        }
        assert!(SPACE.contains(r"\u2000-\u200A"));
        assert_eq!(listed, 25);
    }
}
