//! Meta's `X-Business-Use-Case-Usage` header: per business object, how much of
//! its rate budget is used (percentages) and, once throttled, the minutes until
//! access returns.

use axum::http::HeaderValue;
use axum::response::Response;
use serde_json::json;

use crate::sim::limits::Usage;

pub(crate) const HEADER: &str = "x-business-use-case-usage";

/// The header value for `object_id` (the Page id on graph.facebook.com, the
/// Instagram account id on graph.instagram.com). CPU and time shares are shown
/// equal to the call share: the simulator's calls cost nothing else.
pub(crate) fn value(object_id: &str, percent: u32, regain_minutes: u32) -> String {
    json!({
        object_id: [{
            "type": "instagram",
            "call_count": percent,
            "total_cputime": percent,
            "total_time": percent,
            "estimated_time_to_regain_access": regain_minutes,
        }]
    })
    .to_string()
}

/// The header value for a lane's usage; minutes are rounded up, so a limit
/// that rolls off within the second announces 0.
pub(crate) fn of(object_id: &str, usage: Usage) -> String {
    let minutes = usage.regain.as_secs().div_ceil(60);
    value(
        object_id,
        usage.percent,
        u32::try_from(minutes).unwrap_or(u32::MAX),
    )
}

/// Add the header to an answer.
pub(crate) fn attach(mut response: Response, usage: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(usage) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}
