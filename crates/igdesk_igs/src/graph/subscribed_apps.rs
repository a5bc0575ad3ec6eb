//! Webhook subscriptions per account (meta-instagram-api.md §0): the app subscribes
//! to a business's events with `POST /{page-id}/subscribed_apps` (graph.facebook.com,
//! Page token, Page field names) or `POST /me/subscribed_apps` (graph.instagram.com,
//! Instagram token, Instagram field names), lists them with `GET` and drops them
//! with `DELETE`. Without a subscription, the business's events are withheld. The
//! simulator keeps one subscription per business (`sim::subscriptions`): either
//! host lists it under its own app.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::{Api, GraphError, GraphRequest};
use crate::sim::Simulator;

/// The app's name as `subscribed_apps` lists it.
const APP_NAME: &str = "igdesk";

/// The Page fields graph.facebook.com accepts (Meta's Page webhooks reference,
/// the messaging ones and the common others).
const PAGE_FIELDS: &[&str] = &[
    "conversations",
    "feed",
    "inbox_labels",
    "leadgen",
    "live_videos",
    "mention",
    "message_deliveries",
    "message_echoes",
    "message_edits",
    "message_reactions",
    "message_reads",
    "messages",
    "messaging_account_linking",
    "messaging_checkout_updates",
    "messaging_customer_information",
    "messaging_feedback",
    "messaging_game_plays",
    "messaging_handovers",
    "messaging_in_thread_lead_form_submit",
    "messaging_optins",
    "messaging_optouts",
    "messaging_payments",
    "messaging_policy_enforcement",
    "messaging_postbacks",
    "messaging_pre_checkouts",
    "messaging_referrals",
    "name",
    "picture",
    "ratings",
    "standby",
    "videos",
];

/// The Instagram fields graph.instagram.com accepts (the Instagram Login table).
const INSTAGRAM_FIELDS: &[&str] = &[
    "comments",
    "live_comments",
    "mentions",
    "message_echoes",
    "message_edit",
    "message_reactions",
    "messages",
    "messaging_handover",
    "messaging_optins",
    "messaging_postbacks",
    "messaging_referral",
    "messaging_seen",
    "standby",
];

/// `POST /{node}/subscribed_apps?subscribed_fields=a,b`: the app's fields become
/// exactly these.
pub(crate) fn subscribe(
    sim: &Simulator,
    request: &GraphRequest,
    node: &str,
) -> Result<Response, GraphError> {
    let business = request.own_node(sim, node)?;
    let api = request.host_api();
    let text = request
        .params()?
        .str("subscribed_fields")
        .unwrap_or_default();
    let fields = field_list(&text)?;
    if fields.is_empty() {
        return Err(GraphError::param(
            "The parameter subscribed_fields is required.",
        ));
    }
    let accepted = match api {
        Api::Facebook => PAGE_FIELDS,
        Api::Instagram => INSTAGRAM_FIELDS,
    };
    if let Some((i, field)) = fields
        .iter()
        .enumerate()
        .find(|(_, f)| !accepted.contains(&f.as_str()))
    {
        return Err(GraphError::param(format!(
            "Param subscribed_fields[{i}] must be one of {{{}}} - got \"{field}\"",
            accepted.join(", ")
        )));
    }
    let subscriptions = &mut sim.state().subscriptions;
    subscriptions.subscribe(&business.ig_id, api, fields);
    Ok(Json(json!({"success": true})).into_response())
}

/// A comma list (`messages,comments`) or a JSON array, each field once.
fn field_list(text: &str) -> Result<Vec<String>, GraphError> {
    let listed: Vec<String> = if text.trim_start().starts_with('[') {
        serde_json::from_str(text)
            .map_err(|_| GraphError::param("Param subscribed_fields must be an array of strings"))?
    } else {
        text.split(',').map(|f| f.trim().to_owned()).collect()
    };
    let mut fields: Vec<String> = Vec::new();
    for field in listed.into_iter().filter(|f| !f.is_empty()) {
        if !fields.contains(&field) {
            fields.push(field);
        }
    }
    Ok(fields)
}

/// `GET /{node}/subscribed_apps`: the app with its fields, or no data.
pub(crate) fn list(
    sim: &Simulator,
    request: &GraphRequest,
    node: &str,
) -> Result<Response, GraphError> {
    let business = request.own_node(sim, node)?;
    let api = request.host_api();
    let fields = sim.state().subscriptions.fields(&business.ig_id);
    let app_id = sim.login_config().app(api).0.to_owned();
    let data = match fields {
        Some(fields) => json!([{"id": app_id, "name": APP_NAME, "subscribed_fields": fields}]),
        None => json!([]),
    };
    Ok(Json(json!({ "data": data })).into_response())
}

/// `DELETE /{node}/subscribed_apps`: the app no longer gets the account's events.
pub(crate) fn unsubscribe(
    sim: &Simulator,
    request: &GraphRequest,
    node: &str,
) -> Result<Response, GraphError> {
    let business = request.own_node(sim, node)?;
    sim.state().subscriptions.unsubscribe(&business.ig_id);
    Ok(Json(json!({"success": true})).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_come_as_a_comma_list_or_an_array() {
        assert_eq!(
            field_list(" messages, comments,,messages").unwrap(),
            ["messages", "comments"]
        );
        assert_eq!(
            field_list(r#"["messages","standby"]"#).unwrap(),
            ["messages", "standby"]
        );
        assert!(field_list("[broken").is_err());
    }
}
