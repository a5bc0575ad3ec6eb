//! Templates in a send: generic (≤ 10 elements, title required and ≤ 80
//! characters, subtitle ≤ 80, ≤ 3 buttons, each `web_url` with a url or
//! `postback` with a title and a payload; Messenger's limits, which Instagram
//! documents by reference) and product (elements naming catalog ids).

use serde_json::{Map, Value};

use super::message::{array, at_most_chars, object, param, required, string};
use crate::graph::GraphError;

const ELEMENTS_MAX: usize = 10;
const ELEMENT_TEXT_CHARS: usize = 80;
const BUTTONS_MAX: usize = 3;

pub(super) fn check(payload: &Map<String, Value>) -> Result<(), GraphError> {
    let base = "message[attachment][payload]";
    let template_type = required(payload, "template_type", &format!("{base}[template_type]"))?;
    let name = format!("{base}[elements]");
    let elements = array(payload.get("elements").unwrap_or(&Value::Null), &name)?;
    if elements.is_empty() || elements.len() > ELEMENTS_MAX {
        return Err(param(format!(
            "Param {name} must have 1 to {ELEMENTS_MAX} elements (got {})",
            elements.len()
        )));
    }
    for (i, element) in elements.iter().enumerate() {
        let name = format!("{name}[{i}]");
        let element = object(element, &name)?;
        match template_type.as_str() {
            "generic" => generic_element(element, &name)?,
            "product" => {
                required(element, "id", &format!("{name}[id]"))?;
            }
            other => {
                return Err(param(format!(
                    "Param {base}[template_type] must be generic or product, not {other}"
                )))
            }
        }
    }
    Ok(())
}

fn generic_element(element: &Map<String, Value>, name: &str) -> Result<(), GraphError> {
    let title_name = format!("{name}[title]");
    at_most_chars(
        &required(element, "title", &title_name)?,
        ELEMENT_TEXT_CHARS,
        &title_name,
    )?;
    let subtitle_name = format!("{name}[subtitle]");
    if let Some(subtitle) = string(element, "subtitle", &subtitle_name)? {
        at_most_chars(&subtitle, ELEMENT_TEXT_CHARS, &subtitle_name)?;
    }
    let Some(buttons) = element.get("buttons") else {
        return Ok(());
    };
    let buttons_name = format!("{name}[buttons]");
    let buttons = array(buttons, &buttons_name)?;
    if buttons.len() > BUTTONS_MAX {
        return Err(param(format!(
            "Param {buttons_name} must have at most {BUTTONS_MAX} buttons (got {})",
            buttons.len()
        )));
    }
    for (i, button) in buttons.iter().enumerate() {
        let name = format!("{buttons_name}[{i}]");
        let button = object(button, &name)?;
        match required(button, "type", &format!("{name}[type]"))?.as_str() {
            "web_url" => {
                required(button, "url", &format!("{name}[url]"))?;
            }
            "postback" => {
                required(button, "title", &format!("{name}[title]"))?;
                required(button, "payload", &format!("{name}[payload]"))?;
            }
            other => {
                return Err(param(format!(
                    "Param {name}[type] must be web_url or postback, not {other}"
                )))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::message::{parse, Outgoing};

    fn parsed(message: Value) -> Result<Outgoing, String> {
        parse(message.as_object().unwrap()).map_err(|e| e.message)
    }

    #[test]
    fn generic_templates_follow_messenger_limits() {
        let template = |elements: Value| json!({"attachment": {"type": "template", "payload": {"template_type": "generic", "elements": elements}}});
        let element = json!({"title": "Shoe", "subtitle": "Red", "buttons": [
            {"type": "web_url", "url": "https://shop/1", "title": "See"},
            {"type": "postback", "title": "Buy", "payload": "BUY_1"}]});
        let ok = parsed(template(json!([element]))).unwrap();
        assert_eq!(ok.kind, "template");
        assert_eq!(ok.template.unwrap()["elements"][0]["title"], "Shoe");
        let cases = [
            (
                json!([{"subtitle": "no title"}]),
                "[elements][0][title] is required",
            ),
            (
                json!([{"title": "t".repeat(81)}]),
                "[elements][0][title] must be at most 80",
            ),
            (
                json!([{"title": "t", "subtitle": "s".repeat(81)}]),
                "[subtitle] must be at most 80",
            ),
            (
                json!([{"title": "t", "buttons": [{"type": "web_url"}]}]),
                "[buttons][0][url] is required",
            ),
            (
                json!([{"title": "t", "buttons": [{"type": "postback", "title": "x"}]}]),
                "[buttons][0][payload]",
            ),
            (
                json!([{"title": "t", "buttons": [{"type": "call"}]}]),
                "[buttons][0][type] must be",
            ),
            (
                json!(vec![json!({"title": "t"}); 11]),
                "[elements] must have 1 to 10",
            ),
        ];
        for (elements, expected) in cases {
            let error = parsed(template(elements)).unwrap_err();
            assert!(
                error.contains(expected),
                "{error} should contain {expected}"
            );
        }
        let four = json!([{"title": "t", "buttons": vec![json!({"type": "web_url", "url": "https://x"}); 4]}]);
        assert!(parsed(template(four))
            .unwrap_err()
            .contains("at most 3 buttons"));
    }
}
