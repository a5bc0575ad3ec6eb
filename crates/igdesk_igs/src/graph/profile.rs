//! The User Profile API: `GET /{IGSID}?fields=…` (meta-instagram-api.md §5).
//!
//! Rules, in Meta's order: the token must be the business's token for this host
//! (else 190); the IGSID must be one of that business's users (else 100/33);
//! the user must have written to the business (else 230).

use std::time::Duration;

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::{GraphError, GraphRequest};
use crate::sim::{CustomerProfile, Fault, Simulator};

/// The fields Meta documents for an IGSID, besides `id`.
const FIELDS: [&str; 7] = [
    "name",
    "username",
    "profile_pic",
    "follower_count",
    "is_verified_user",
    "is_user_follow_business",
    "is_business_follow_user",
];

pub(crate) async fn get(
    sim: &Simulator,
    request: &GraphRequest,
    igsid: &str,
) -> Result<Response, GraphError> {
    match sim.fault() {
        Some(Fault::ProfileError {
            code,
            subcode,
            message,
        }) => {
            return Err(GraphError::injected(code, subcode, &message));
        }
        Some(Fault::ProfileSlow { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await
        }
        _ => {}
    }
    let business = request.business(sim)?;
    let (profile, consented) = {
        let state = sim.state();
        let key = (business.ig_id.clone(), igsid.to_owned());
        (
            state.profile(&business.ig_id, igsid),
            state.consented.contains(&key),
        )
    };
    let profile =
        profile.ok_or_else(|| GraphError::no_such_object(request.method.as_str(), igsid))?;
    if !consented {
        return Err(GraphError::consent_required());
    }
    let requested = requested_fields(request.query.get("fields").map(String::as_str))?;
    Ok(Json(render(sim, &profile, &requested)).into_response())
}

/// The fields asked for; without `fields`, Graph answers a default set.
fn requested_fields(fields: Option<&str>) -> Result<Vec<&str>, GraphError> {
    let Some(fields) = fields else {
        return Ok(vec!["name"]);
    };
    let mut requested = Vec::new();
    for field in fields.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        if field != "id" && !FIELDS.contains(&field) {
            return Err(GraphError::nonexisting_field(field));
        }
        requested.push(field);
    }
    Ok(requested)
}

/// The profile as Meta answers it; a `cdn:NAME` picture is the simulator's URL for it.
fn render(sim: &Simulator, profile: &CustomerProfile, requested: &[&str]) -> Value {
    let mut out = Map::new();
    for &field in requested {
        let value = match field {
            "name" => json!(profile.name),
            "username" => json!(profile.username),
            "profile_pic" => json!(profile.profile_pic.as_deref().map(|u| sim.media_url(u))),
            "follower_count" => json!(profile.follower_count),
            "is_verified_user" => json!(profile.is_verified_user),
            "is_user_follow_business" => json!(profile.is_user_follow_business),
            "is_business_follow_user" => json!(profile.is_business_follow_user),
            _ => continue,
        };
        out.insert(field.to_owned(), value);
    }
    out.insert("id".to_owned(), json!(profile.igsid));
    Value::Object(out)
}
