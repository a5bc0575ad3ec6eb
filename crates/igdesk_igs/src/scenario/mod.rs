//! Scenario files: scripted customers, one signed delivery per step.
//!
//! ```toml
//! business = "17841400000000001"   # default business account
//! [[customer]]                     # optional: profiles for the User Profile API
//! igsid = "1000001"
//! name = "Ana Souza"
//! username = "ana.souza"
//! [[step]]
//! id = "m1"                        # optional label: the event's mid is remembered under it
//! from = "1000001"
//! kind = "text"
//! text = "Hello"
//! [[step]]
//! from = "1000001"
//! kind = "react"
//! target = "m1"                    # a label of an earlier step, or a literal mid
//! [[step]]
//! from = "1000001"
//! kind = "image"
//! url = "cdn:linen-shirt.jpg"      # an embedded medium on the simulator's own CDN
//! [[step]]
//! from = "1000001"
//! kind = "ice_breaker"             # taps an ice breaker the business set (or `menu`:
//! title = "Where is my order?"     # a persistent menu item), by its question or title
//! ```
//!
//! The business's ice breakers and persistent menu may be set by the scenario itself,
//! before its first step (they replace what the Messenger Profile API set):
//!
//! ```toml
//! [[ice_breaker]]
//! question = "Where is my order?"
//! payload = "ORDER"
//! [[menu_item]]
//! type = "postback"                # or "web_url", with `url`
//! title = "Talk to us"
//! payload = "HUMAN"
//! ```
//!
//! Media URLs may be `cdn:NAME` (see [`crate::media`]); left out, an embedded
//! medium of the attachment's kind is chosen when the simulator knows its URL.

mod step;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};

pub use step::Step;

use crate::sim::{CustomerProfile, Simulator};
use crate::webhook::Delivery;
use step::RawStep;

/// A parsed, validated scenario file.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The business account steps are delivered for unless they say otherwise.
    pub business: String,
    /// Customers registered with the simulator before the first step.
    pub customers: Vec<ScenarioCustomer>,
    /// The business's ice breakers and persistent menu, set before the first step
    /// (Meta's localized format, checked as the Messenger Profile API checks them);
    /// `None` leaves what the business holds.
    pub starters: Option<Starters>,
    pub steps: Vec<Step>,
}

/// `[[ice_breaker]]` and `[[menu_item]]` tables, as the Messenger Profile API holds them.
#[derive(Debug, Clone, PartialEq)]
pub struct Starters {
    pub ice_breakers: Option<serde_json::Value>,
    pub persistent_menu: Option<serde_json::Value>,
}

/// A `[[customer]]` table: a profile, for the scenario's business unless `business` says.
#[derive(Debug, Clone, Deserialize)]
pub struct ScenarioCustomer {
    #[serde(default)]
    pub business: Option<String>,
    #[serde(flatten)]
    pub profile: CustomerProfile,
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioOutcome {
    /// 1-based step number.
    pub step: usize,
    pub label: Option<String>,
    pub kind: String,
    /// The event's mid, or comment id for comments.
    pub mid: Option<String>,
    /// The webhook's HTTP status; `None` for pauses; [`crate::NOT_DELIVERED`]
    /// (0) when no app was subscribed to the business and Meta sent nothing.
    pub status: Option<u16>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    business: String,
    #[serde(default)]
    customer: Vec<toml::Value>,
    #[serde(default)]
    step: Vec<toml::Value>,
    #[serde(default)]
    ice_breaker: Vec<toml::Value>,
    #[serde(default)]
    menu_item: Vec<toml::Value>,
}

/// Kinds whose events have no id of their own, so a label on them names nothing.
const WITHOUT_ID: &[&str] = &["react", "unreact", "read", "referral", "unknown", "pause"];

impl Scenario {
    /// Parse and validate a scenario; errors name the step and the field.
    pub fn from_toml(text: &str) -> anyhow::Result<Scenario> {
        let raw: RawScenario = toml::from_str(text).context("invalid scenario file")?;
        let mut customers = Vec::with_capacity(raw.customer.len());
        for (i, table) in raw.customer.into_iter().enumerate() {
            let customer: ScenarioCustomer = table
                .try_into()
                .with_context(|| format!("customer {}", i + 1))?;
            if let Some(picture) = &customer.profile.profile_pic {
                step::check_medium(picture).with_context(|| format!("customer {}", i + 1))?;
            }
            customers.push(customer);
        }
        let mut steps: Vec<Step> = Vec::with_capacity(raw.step.len());
        for (i, table) in raw.step.into_iter().enumerate() {
            let name = step_name(i, &table);
            let raw_step: RawStep = table.try_into().with_context(|| name.clone())?;
            let step = Step::validate(raw_step).with_context(|| name.clone())?;
            check_references(&steps, &step).with_context(|| name.clone())?;
            if let Some(label) = &step.label {
                if steps.iter().any(|s| s.label.as_ref() == Some(label)) {
                    bail!("{name}: id \"{label}\" is already used by an earlier step");
                }
            }
            steps.push(step);
        }
        check_forward_references(&steps)?;
        let starters = starters(raw.ice_breaker, raw.menu_item)?;
        Ok(Scenario {
            business: raw.business,
            customers,
            starters,
            steps,
        })
    }

    /// Read and parse a scenario file.
    pub fn from_file(path: impl AsRef<Path>) -> anyhow::Result<Scenario> {
        let path = path.as_ref();
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Scenario::from_toml(&text).with_context(|| format!("in {}", path.display()))
    }
}

/// The scenario's own starters, checked by Meta's rules.
fn starters(
    breakers: Vec<toml::Value>,
    menu: Vec<toml::Value>,
) -> anyhow::Result<Option<Starters>> {
    let localized = |items: Vec<toml::Value>| -> anyhow::Result<Option<serde_json::Value>> {
        if items.is_empty() {
            return Ok(None);
        }
        let items = serde_json::to_value(items)?;
        let locales = serde_json::json!([{"locale": "default", "call_to_actions": items}]);
        Ok(Some(locales))
    };
    let starters = Starters {
        ice_breakers: localized(breakers)?,
        persistent_menu: localized(menu)?,
    };
    if let Some(value) = &starters.ice_breakers {
        crate::graph::check_ice_breakers(value.clone())
            .map_err(|e| anyhow::anyhow!("ice_breaker: {}", e.message))?;
    }
    if let Some(value) = &starters.persistent_menu {
        crate::graph::check_persistent_menu(value.clone())
            .map_err(|e| anyhow::anyhow!("menu_item: {}", e.message))?;
    }
    let none = starters.ice_breakers.is_none() && starters.persistent_menu.is_none();
    Ok((!none).then_some(starters))
}

/// "step 3 (id \"m1\", kind \"react\")", for error messages.
fn step_name(index: usize, table: &toml::Value) -> String {
    let mut parts = Vec::new();
    for key in ["id", "kind"] {
        if let Some(value) = table.get(key).and_then(toml::Value::as_str) {
            parts.push(format!("{key} \"{value}\""));
        }
    }
    match parts.is_empty() {
        true => format!("step {}", index + 1),
        false => format!("step {} ({})", index + 1, parts.join(", ")),
    }
}

/// A reference to a label must name an earlier step whose event has an id.
fn check_references(earlier: &[Step], step: &Step) -> anyhow::Result<()> {
    for reference in step.references() {
        match earlier
            .iter()
            .find(|s| s.label.as_deref() == Some(reference))
        {
            Some(target) if WITHOUT_ID.contains(&target.kind.as_str()) => {
                bail!(
                    "refers to \"{reference}\", a {} step, which has no message id",
                    target.kind
                )
            }
            // Not a label: a literal mid or comment id, passed through.
            _ => {}
        }
    }
    if let Some(label) = &step.label {
        if step.references().any(|r| r == label) {
            bail!("refers to itself (\"{label}\")");
        }
    }
    Ok(())
}

/// A label used before the step that defines it would be sent as a literal mid.
fn check_forward_references(steps: &[Step]) -> anyhow::Result<()> {
    for (i, step) in steps.iter().enumerate() {
        for reference in step.references() {
            if let Some(later) = steps[i..]
                .iter()
                .position(|s| s.label.as_deref() == Some(reference))
            {
                bail!(
                    "step {}: refers to \"{reference}\", the id of a later step ({})",
                    i + 1,
                    i + later + 1
                );
            }
        }
    }
    Ok(())
}

/// Deliver each step as its own signed delivery, in order. Non-2xx answers are
/// reported in the outcomes, not treated as errors; failing to reach the
/// webhook at all is an error.
pub async fn run_scenario(
    sim: &Simulator,
    scenario: &Scenario,
) -> anyhow::Result<Vec<ScenarioOutcome>> {
    for customer in &scenario.customers {
        let business = customer.business.as_deref().unwrap_or(&scenario.business);
        sim.add_customer(business, customer.profile.clone());
    }
    if let Some(starters) = &scenario.starters {
        sim.set_starters(&scenario.business, starters);
    }
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut outcomes = Vec::with_capacity(scenario.steps.len());
    for (i, step) in scenario.steps.iter().enumerate() {
        let mut outcome = ScenarioOutcome {
            step: i + 1,
            label: step.label.clone(),
            kind: step.kind.clone(),
            mid: None,
            status: None,
        };
        if let Some(millis) = step.pause_millis() {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            outcomes.push(outcome);
            continue;
        }
        let resolve = |r: &str| ids.get(r).cloned().unwrap_or_else(|| r.to_owned());
        let business = step.business.as_deref().unwrap_or(&scenario.business);
        let event = step
            .event(business, &resolve, sim)
            .with_context(|| format!("step {}", i + 1))?;
        outcome.mid = event.mid().or(event.comment_id()).map(str::to_owned);
        let delivery = Delivery::new(business).push(event);
        let status = sim
            .deliver(&delivery)
            .await
            .with_context(|| format!("step {} ({})", i + 1, step.kind))?;
        outcome.status = Some(status);
        if let (Some(label), Some(id)) = (&step.label, &outcome.mid) {
            ids.insert(label.clone(), id.clone());
        }
        outcomes.push(outcome);
    }
    Ok(outcomes)
}
