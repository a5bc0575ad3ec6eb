//! The Messenger Profile API for Instagram: `POST`, `GET` and `DELETE
//! /{node}/messenger_profile?platform=instagram` set, read and remove a business's
//! ice breakers and persistent menu (on either host; `node` is `me` or the
//! account's own node).
//!
//! Meta's documented limits: at most 4 ice breakers; at most 20 persistent menu
//! items, each titled in at most 30 characters, of type `postback` or `web_url`
//! only, a payload of at most 1,000 characters; `composer_input_disabled` and
//! `webview_height_ratio` are not available on Instagram; each property needs a
//! `default` locale. Meta publishes no length for an ice breaker's question: the
//! simulator takes 80 characters, the Messenger Platform's limit for a button's
//! text in templates, and igdesk uses the same figure.
//!
//! `GET` answers `{"data":[{"ice_breakers":[…],"persistent_menu":[…]}]}`, the
//! Messenger Profile API's shape (one object keyed by property; `data` is empty
//! when nothing is set). Ice breakers given in the old flat format
//! (`[{question, payload}]`) are kept as the default locale's.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::{GraphError, GraphRequest};
use crate::sim::messenger_profile::PROPERTIES;
use crate::sim::Simulator;

pub(crate) const MAX_ICE_BREAKERS: usize = 4;
pub(crate) const MAX_QUESTION_CHARS: usize = 80;
pub(crate) const MAX_MENU_ITEMS: usize = 20;
pub(crate) const MAX_MENU_TITLE_CHARS: usize = 30;
pub(crate) const MAX_PAYLOAD_CHARS: usize = 1000;

/// Parameters a call may carry besides the properties.
const PLUMBING: &[&str] = &["access_token", "platform", "fields", "appsecret_proof"];

/// `POST`: each property given replaces what was set.
pub(crate) fn set(
    sim: &Simulator,
    request: &GraphRequest,
    node: &str,
) -> Result<Response, GraphError> {
    let business = request.own_node(sim, node)?;
    instagram_platform(request)?;
    let params = request.params()?;
    if let Some(other) = params
        .keys()
        .find(|k| !PLUMBING.contains(k) && !PROPERTIES.contains(k))
    {
        return Err(GraphError::param(format!(
            "Param {other} is not supported for platform instagram: the Instagram messenger \
             profile has ice_breakers and persistent_menu"
        )));
    }
    let mut checked = Vec::new();
    if let Some(value) = params.json("ice_breakers")? {
        checked.push(("ice_breakers", ice_breakers(value)?));
    }
    if let Some(value) = params.json("persistent_menu")? {
        checked.push(("persistent_menu", persistent_menu(value)?));
    }
    if checked.is_empty() {
        return Err(GraphError::param(
            "Requires one of the params: ice_breakers, persistent_menu",
        ));
    }
    let mut state = sim.state();
    if let Some((code, message)) = state.messenger_profiles.refuse_next.take() {
        return Err(GraphError::oauth(code, message));
    }
    for (property, value) in checked {
        state
            .messenger_profiles
            .set(&business.ig_id, property, Some(value));
    }
    Ok(Json(json!({"result": "success"})).into_response())
}

/// `GET ?fields=ice_breakers,persistent_menu`.
pub(crate) fn get(
    sim: &Simulator,
    request: &GraphRequest,
    node: &str,
) -> Result<Response, GraphError> {
    let business = request.own_node(sim, node)?;
    instagram_platform(request)?;
    let fields = fields(request)?;
    let profile = sim.state().messenger_profiles.of(&business.ig_id);
    let mut found = Map::new();
    for field in fields {
        if let Some(value) = profile.get(&field) {
            found.insert(field, value.clone());
        }
    }
    let data = if found.is_empty() {
        json!([])
    } else {
        json!([found])
    };
    Ok(Json(json!({ "data": data })).into_response())
}

/// `DELETE` with `fields`: those properties are no longer set.
pub(crate) fn delete(
    sim: &Simulator,
    request: &GraphRequest,
    node: &str,
) -> Result<Response, GraphError> {
    let business = request.own_node(sim, node)?;
    instagram_platform(request)?;
    let fields = fields(request)?;
    let mut state = sim.state();
    for field in fields {
        state.messenger_profiles.set(&business.ig_id, &field, None);
    }
    Ok(Json(json!({"result": "success"})).into_response())
}

/// Without `platform=instagram` the call is about the Page's Messenger profile,
/// which the simulator does not serve: refused, so a client that forgets it is caught.
fn instagram_platform(request: &GraphRequest) -> Result<(), GraphError> {
    match request.params()?.str("platform").as_deref() {
        Some("instagram") => Ok(()),
        None => Err(GraphError::param(
            "The parameter platform is required: Instagram's messenger profile is reached \
             with platform=instagram",
        )),
        Some(other) => Err(GraphError::param(format!(
            "Param platform must be one of {{instagram}} - got \"{other}\""
        ))),
    }
}

/// `fields`: a comma list or a JSON array of the profile's properties, required.
fn fields(request: &GraphRequest) -> Result<Vec<String>, GraphError> {
    let listed: Vec<String> = match request.params()?.json("fields")? {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| GraphError::param("Param fields must be an array of strings"))?,
        Some(Value::String(text)) => text
            .split(',')
            .map(|f| f.trim().to_owned())
            .filter(|f| !f.is_empty())
            .collect(),
        Some(_) => {
            return Err(GraphError::param(
                "Param fields must be an array of strings",
            ))
        }
        None => Vec::new(),
    };
    if listed.is_empty() {
        return Err(GraphError::param("The parameter fields is required"));
    }
    if let Some(unknown) = listed.iter().find(|f| !PROPERTIES.contains(&f.as_str())) {
        return Err(GraphError::nonexisting_field_on(
            unknown,
            "InstagramMessengerProfile",
        ));
    }
    Ok(listed)
}

/// The ice breakers, in the localized format.
pub(crate) fn ice_breakers(value: Value) -> Result<Value, GraphError> {
    let Value::Array(items) = value else {
        return Err(GraphError::param("Param ice_breakers must be an array"));
    };
    // The old format: the questions themselves, for every locale.
    let flat = items.iter().any(|i| i.get("question").is_some());
    let locales = if flat {
        vec![json!({"call_to_actions": items, "locale": "default"})]
    } else {
        items
    };
    check_locales("ice_breakers", &locales)?;
    for (l, locale) in locales.iter().enumerate() {
        let at = format!("ice_breakers[{l}].call_to_actions");
        let actions = actions(&at, locale, MAX_ICE_BREAKERS, "ice breakers")?;
        for (i, action) in actions.iter().enumerate() {
            let at = format!("{at}[{i}]");
            only(&at, action, &["question", "payload"])?;
            text(&at, action, "question", MAX_QUESTION_CHARS)?;
            text(&at, action, "payload", MAX_PAYLOAD_CHARS)?;
        }
    }
    Ok(Value::Array(locales))
}

/// The persistent menu: `postback` and `web_url` items only.
pub(crate) fn persistent_menu(value: Value) -> Result<Value, GraphError> {
    let Value::Array(locales) = value else {
        return Err(GraphError::param("Param persistent_menu must be an array"));
    };
    check_locales("persistent_menu", &locales)?;
    for (l, locale) in locales.iter().enumerate() {
        let at = format!("persistent_menu[{l}]");
        if locale.get("composer_input_disabled").is_some() {
            return Err(GraphError::param(format!(
                "{at}.composer_input_disabled is not available on Instagram"
            )));
        }
        let at = format!("{at}.call_to_actions");
        let actions = actions(&at, locale, MAX_MENU_ITEMS, "persistent menu items")?;
        for (i, action) in actions.iter().enumerate() {
            let at = format!("{at}[{i}]");
            if action.get("webview_height_ratio").is_some() {
                return Err(GraphError::param(format!(
                    "{at}.webview_height_ratio is not available on Instagram"
                )));
            }
            text(&at, action, "title", MAX_MENU_TITLE_CHARS)?;
            match action["type"].as_str() {
                Some("postback") => {
                    only(&at, action, &["type", "title", "payload"])?;
                    text(&at, action, "payload", MAX_PAYLOAD_CHARS)?;
                }
                Some("web_url") => {
                    only(&at, action, &["type", "title", "url"])?;
                    let url = text(&at, action, "url", 2000)?;
                    if !(url.starts_with("https://") || url.starts_with("http://")) {
                        return Err(GraphError::param(format!(
                            "{at}.url must be a valid http or https URL"
                        )));
                    }
                }
                _ => {
                    return Err(GraphError::param(format!(
                        "{at}.type must be one of {{postback, web_url}} on Instagram"
                    )))
                }
            }
        }
    }
    Ok(Value::Array(locales))
}

/// Each entry names its locale, once, and one of them is `default`.
fn check_locales(property: &str, locales: &[Value]) -> Result<(), GraphError> {
    let mut seen: Vec<&str> = Vec::new();
    for (l, locale) in locales.iter().enumerate() {
        let Some(name) = locale["locale"].as_str().filter(|n| !n.is_empty()) else {
            return Err(GraphError::param(format!(
                "{property}[{l}].locale is required"
            )));
        };
        if seen.contains(&name) {
            return Err(GraphError::param(format!(
                "{property}[{l}].locale \"{name}\" is given twice"
            )));
        }
        seen.push(name);
    }
    if !seen.contains(&"default") {
        return Err(GraphError::param(format!(
            "{property} must have a \"default\" locale"
        )));
    }
    Ok(())
}

/// A locale's `call_to_actions`: 1 to `max`.
fn actions<'a>(
    at: &str,
    locale: &'a Value,
    max: usize,
    what: &str,
) -> Result<&'a Vec<Value>, GraphError> {
    let Some(actions) = locale["call_to_actions"].as_array() else {
        return Err(GraphError::param(format!("{at} must be an array")));
    };
    if actions.is_empty() {
        return Err(GraphError::param(format!("{at} must not be empty")));
    }
    if actions.len() > max {
        return Err(GraphError::param(format!(
            "{at} has {} {what}: at most {max} {what} can be set",
            actions.len()
        )));
    }
    Ok(actions)
}

/// A required, non-empty string of at most `max` characters.
fn text<'a>(at: &str, object: &'a Value, key: &str, max: usize) -> Result<&'a str, GraphError> {
    let Some(value) = object[key].as_str().filter(|v| !v.trim().is_empty()) else {
        return Err(GraphError::param(format!("{at}.{key} is required")));
    };
    let chars = value.chars().count();
    if chars > max {
        return Err(GraphError::param(format!(
            "{at}.{key} is {chars} characters long: the limit is {max}"
        )));
    }
    Ok(value)
}

/// No key but `allowed`.
fn only(at: &str, object: &Value, allowed: &[&str]) -> Result<(), GraphError> {
    let Some(map) = object.as_object() else {
        return Err(GraphError::param(format!("{at} must be an object")));
    };
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(GraphError::param(format!(
            "{at}.{key} is not a field of this item"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breakers(n: usize) -> Value {
        let actions: Vec<Value> = (0..n)
            .map(|i| json!({"question": format!("Q{i}?"), "payload": format!("P{i}")}))
            .collect();
        json!([{"locale": "default", "call_to_actions": actions}])
    }

    fn message(e: GraphError) -> String {
        assert_eq!(e.code, 100);
        e.message
    }

    #[test]
    fn ice_breakers_are_four_at_most_with_short_questions() {
        assert!(ice_breakers(breakers(4)).is_ok());
        let five = message(ice_breakers(breakers(5)).unwrap_err());
        assert!(five.contains("at most 4 ice breakers"), "{five}");
        let long = "x".repeat(81);
        let e = ice_breakers(json!([{"question": long, "payload": "P"}])).unwrap_err();
        let e = message(e);
        assert!(e.contains("question is 81 characters long"), "{e}");
        let flat = ice_breakers(json!([{"question": "Hi?", "payload": "P"}])).unwrap();
        assert_eq!(flat[0]["locale"], "default");
        let e = ice_breakers(json!([{"locale": "en_GB", "call_to_actions": []}]));
        assert!(message(e.unwrap_err()).contains("\"default\" locale"));
        let e = ice_breakers(json!([{"question": "Hi?"}])).unwrap_err();
        assert!(message(e).contains("payload is required"));
    }

    #[test]
    fn menus_hold_postbacks_and_urls_only() {
        let ok = json!([{"locale": "default", "call_to_actions": [
            {"type": "postback", "title": "Talk to us", "payload": "HUMAN"},
            {"type": "web_url", "title": "Shop", "url": "https://shop.example"}]}]);
        assert!(persistent_menu(ok).is_ok());
        let nested = json!([{"locale": "default", "call_to_actions": [
            {"type": "nested", "title": "More", "call_to_actions": []}]}]);
        assert!(message(persistent_menu(nested).unwrap_err()).contains("postback, web_url"));
        let long = json!([{"locale": "default", "call_to_actions": [
            {"type": "postback", "title": "x".repeat(31), "payload": "P"}]}]);
        assert!(message(persistent_menu(long).unwrap_err()).contains("limit is 30"));
        let items: Vec<Value> = (0..21)
            .map(|i| json!({"type": "postback", "title": format!("T{i}"), "payload": "P"}))
            .collect();
        let many = json!([{"locale": "default", "call_to_actions": items}]);
        assert!(message(persistent_menu(many).unwrap_err()).contains("at most 20"));
        let locked = json!([{"locale": "default", "composer_input_disabled": true,
            "call_to_actions": [{"type": "postback", "title": "T", "payload": "P"}]}]);
        assert!(message(persistent_menu(locked).unwrap_err()).contains("not available"));
        let bad_url = json!([{"locale": "default", "call_to_actions": [
            {"type": "web_url", "title": "Shop", "url": "shop"}]}]);
        assert!(message(persistent_menu(bad_url).unwrap_err()).contains("url"));
    }
}
