//! Meta's usage headers, on every Graph answer: `X-Business-Use-Case-Usage` (per
//! business object, how much of its rate budget is used, in percent, and once
//! throttled the minutes until access returns) and `X-App-Usage` (the app's
//! calls against its hourly budget). Both are computed from the simulator's own
//! rolling windows ([`crate::sim::limits`]). `X-Ad-Account-Usage` is not sent:
//! Meta sends it on the Marketing API's ad-account calls, which the simulator
//! does not serve.

use axum::http::HeaderValue;
use axum::response::Response;
use serde_json::json;

use super::{Api, GraphRequest};
use crate::sim::limits::{Lane, Usage};
use crate::sim::Simulator;

pub(crate) const HEADER: &str = "x-business-use-case-usage";
pub(crate) const APP_HEADER: &str = "x-app-usage";
/// The key of the app's own window among the businesses' (no business id is empty).
pub(crate) const APP: &str = "";

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
pub(crate) fn attach(response: Response, usage: &str) -> Response {
    attach_named(response, HEADER, usage)
}

/// `X-App-Usage` for `percent` of the app's budget: CPU and time shares equal
/// the call share, as in [`value`].
pub(crate) fn app_value(percent: u32) -> String {
    json!({"call_count": percent, "total_cputime": percent, "total_time": percent}).to_string()
}

/// Both headers on an answer to `request`: the app's usage, and, unless the
/// answer carries its own (a send, a throttle), the usage of the business whose
/// token was presented in the Send API lane of the host (the budget igdesk
/// paces by).
pub(crate) fn stamp(sim: &Simulator, request: &GraphRequest, response: Response) -> Response {
    let business = request.business(sim).ok();
    let mut state = sim.state();
    let app = state.limits.current(APP, Lane::App);
    let mut response = attach_named(response, APP_HEADER, &app_value(app.percent));
    if response.headers().contains_key(HEADER) {
        return response;
    }
    if let Some(business) = business {
        let api = request.host_api();
        let lane = match api {
            Api::Facebook => Lane::SendFacebook,
            Api::Instagram => Lane::SendInstagram,
        };
        let usage = state.limits.current(&business.ig_id, lane);
        response = attach(response, &of(api.own_id(&business), usage));
    }
    response
}

fn attach_named(mut response: Response, name: &'static str, value: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
    response
}
