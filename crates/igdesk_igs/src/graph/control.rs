//! `/_igs/…`: control endpoints for tests and tools in another process. They
//! are not part of Meta's API and are not recorded as calls.
//!
//! JSON bodies are parsed by hand so that a missing `Content-Type` (curl) is
//! not an error.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use crate::scenario::{run_scenario as play, Scenario, ScenarioOutcome};
use crate::sim::{BusinessAccount, CustomerProfile, Fault, RecordedCall, Simulator};

/// A control request that failed: status and a plain-text reason.
type Rejection = (StatusCode, String);

pub(crate) async fn calls(State(sim): State<Simulator>) -> Json<Vec<RecordedCall>> {
    Json(sim.calls())
}

pub(crate) async fn clear_calls(State(sim): State<Simulator>) -> StatusCode {
    sim.clear_calls();
    StatusCode::NO_CONTENT
}

/// Body: a [`Fault`] as JSON (`{"kind":"unavailable"}`), or `null` to clear.
pub(crate) async fn set_fault(
    State(sim): State<Simulator>,
    body: Bytes,
) -> Result<StatusCode, Rejection> {
    sim.set_fault(parse::<Option<Fault>>(&body)?);
    Ok(StatusCode::NO_CONTENT)
}

/// Body: a [`BusinessAccount`] as JSON.
pub(crate) async fn add_business(
    State(sim): State<Simulator>,
    body: Bytes,
) -> Result<StatusCode, Rejection> {
    sim.add_business(parse::<BusinessAccount>(&body)?);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct NewCustomer {
    business_ig_id: String,
    #[serde(flatten)]
    profile: CustomerProfile,
}

/// Body: a [`CustomerProfile`] plus `business_ig_id`.
pub(crate) async fn add_customer(
    State(sim): State<Simulator>,
    body: Bytes,
) -> Result<StatusCode, Rejection> {
    let new = parse::<NewCustomer>(&body)?;
    sim.add_customer(&new.business_ig_id, new.profile);
    Ok(StatusCode::NO_CONTENT)
}

/// Body: a scenario file (TOML). Plays it from this simulator, so customers'
/// consent is tracked where the profile API is served; answers the outcomes.
pub(crate) async fn run_scenario(
    State(sim): State<Simulator>,
    body: Bytes,
) -> Result<Json<Vec<ScenarioOutcome>>, Rejection> {
    let scenario = Scenario::from_toml(&String::from_utf8_lossy(&body))
        .map_err(|error| (StatusCode::BAD_REQUEST, format!("{error:#}")))?;
    let outcomes = play(&sim, &scenario)
        .await
        .map_err(|error| (StatusCode::BAD_GATEWAY, format!("{error:#}")))?;
    Ok(Json(outcomes))
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Rejection> {
    serde_json::from_slice(body).map_err(|error| (StatusCode::BAD_REQUEST, error.to_string()))
}
