//! `GET graph.instagram.com/refresh_access_token`: a long-lived Instagram user token
//! is exchanged for a new one (valid 60 days). The old one stops working here, so a
//! client that keeps using it is caught.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::{GraphError, GraphRequest};
use crate::sim::Simulator;

/// Sixty days, in seconds, as Meta announces it.
const LIFETIME_SECS: u64 = 60 * 24 * 3600;

pub(crate) fn refresh(sim: &Simulator, request: &GraphRequest) -> Result<Response, GraphError> {
    let business = request.business(sim)?;
    let grant = request.query.get("grant_type").map(String::as_str);
    if grant != Some("ig_refresh_token") {
        return Err(GraphError::param("grant_type must be ig_refresh_token"));
    }
    let fresh = format!("IGQV-refreshed-{}", crate::ids::new_comment_id());
    {
        let mut state = sim.state();
        if let Some(b) = state
            .businesses
            .iter_mut()
            .find(|b| b.ig_id == business.ig_id)
        {
            b.instagram_token = fresh.clone();
        }
    }
    Ok(Json(json!({
        "access_token": fresh,
        "token_type": "bearer",
        "expires_in": LIFETIME_SECS,
    }))
    .into_response())
}
