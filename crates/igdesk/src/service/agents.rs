//! Agents as administrators configure them (RT-1, RT-2): made with an email, a name
//! and a first password; who works in which inboxes, with what capacity. The JSON
//! API (`POST /agents`, `PATCH /agents/{id}`) and Settings › Agents both call these;
//! switching agents off and on is `access`, their passwords `passwords`.

use super::access::require_admin;
use super::error::ServiceError;
use crate::app::App;
use crate::people::{add_person, NewPerson};
use igdesk_domain::{AgentId, InboxId};
use igdesk_store::{Agent, AgentChange, AgentDetails, Capacity, StoreError};
use secrecy::SecretString;

/// The most conversations an agent may be given at once.
pub const CAPACITY_LIMIT: i64 = 50;
/// A name, in characters.
pub const NAME_CHARS: usize = 80;

/// Every agent, with their inboxes and capacity.
pub async fn all(app: &App, admin: &Agent) -> Result<Vec<AgentDetails>, ServiceError> {
    require_admin(admin)?;
    Ok(app.store.agent_details().await?)
}

/// One agent, with their inboxes and capacity.
pub async fn get(app: &App, admin: &Agent, agent: AgentId) -> Result<AgentDetails, ServiceError> {
    require_admin(admin)?;
    app.store
        .agent_detail(agent)
        .await?
        .ok_or_else(|| ServiceError::not_found("agent"))
}

/// A new agent.
pub struct NewAgent {
    pub email: String,
    pub name: String,
    /// Their first password (8 to 256 characters), which they sign in with.
    pub password: SecretString,
    pub admin: bool,
    pub inboxes: Vec<InboxId>,
    /// Both values; `None` keeps the defaults (3 and 5).
    pub capacity: Option<Capacity>,
}

/// Makes an agent who signs in with this email and password. Refused with
/// `invalid_email`, `invalid_name`, `weak_password` / `password_too_long` (field
/// `password`), `already_exists` (an agent with this email in any case, field
/// `email`), `unknown_inbox` (field `inboxes`) and `invalid_capacity`, in that order.
pub async fn create(app: &App, admin: &Agent, new: NewAgent) -> Result<AgentDetails, ServiceError> {
    require_admin(admin)?;
    let email = new.email.trim();
    if !email.contains('@') || email.chars().count() > 254 {
        return Err(
            ServiceError::bad_request("invalid_email", "email is not an email address")
                .field("email"),
        );
    }
    let name = valid_name(&new.name)?;
    super::passwords::check_new(&new.password, "password")?;
    // Sign-in finds agents by email in any case: two that differ only by case
    // would be one login.
    if app.store.agent_for_sign_in(email).await?.is_some() {
        return Err(email_taken(email));
    }
    let inboxes = inbox_names(app, &new.inboxes).await?;
    let capacity = new
        .capacity
        .map(|pair| valid_capacity(Some(pair.standard), Some(pair.max), pair))
        .transpose()?;
    let person = NewPerson {
        email: email.to_owned(),
        name: name.to_owned(),
        password: new.password,
        is_admin: new.admin,
        inboxes,
    };
    let agent = match add_person(app.store.as_ref(), person).await {
        Ok(agent) => agent,
        Err(e) if matches!(e.downcast_ref(), Some(StoreError::Conflict(_))) => {
            return Err(email_taken(email))
        }
        // `busy` from the hashing pool says itself; anything else is internal.
        Err(e) => return Err(e.downcast().unwrap_or_else(ServiceError::internal)),
    };
    if let Some(capacity) = capacity {
        let change = AgentChange {
            name: None,
            is_admin: None,
            inboxes: None,
            capacity: Some(capacity),
        };
        app.store
            .update_agent(agent.id, change, app.clock.now())
            .await?;
    }
    tracing::info!(agent.id = agent.id.0, by = admin.id.0, "agent made");
    app.store
        .agent_detail(agent.id)
        .await?
        .ok_or_else(|| ServiceError::internal("an agent vanished after it was created"))
}

/// What to change of an agent; `None` keeps a value.
#[derive(Default)]
pub struct Update {
    pub name: Option<String>,
    pub admin: Option<bool>,
    /// Replaces the agent's inboxes.
    pub inboxes: Option<Vec<InboxId>>,
    pub standard_capacity: Option<i64>,
    pub max_capacity: Option<i64>,
}

/// Changes an agent's name, admin flag, inboxes or capacity. Refused with
/// `own_admin_flag` (an administrator removing their own flag: the last one could
/// lock everyone out), `invalid_name`, `invalid_capacity` (the pair as it would be:
/// `0 ≤ standard ≤ max ≤ 50`, naming the value at fault) and `unknown_inbox`.
/// Routing reads the agent on its next turn: no restart, no new sign-in.
pub async fn update(
    app: &App,
    admin: &Agent,
    agent: AgentId,
    update: Update,
) -> Result<AgentDetails, ServiceError> {
    let current = get(app, admin, agent).await?;
    if agent == admin.id && update.admin == Some(false) {
        return Err(ServiceError::conflict(
            "own_admin_flag",
            "administrators cannot remove their own admin flag; another administrator can",
        )
        .field("admin"));
    }
    let name = update.name.as_deref().map(valid_name).transpose()?;
    let capacity = if update.standard_capacity.is_some() || update.max_capacity.is_some() {
        let pair = Capacity {
            standard: current.standard_capacity,
            max: current.max_capacity,
        };
        Some(valid_capacity(
            update.standard_capacity,
            update.max_capacity,
            pair,
        )?)
    } else {
        None
    };
    let inboxes = match update.inboxes {
        Some(ids) => {
            inbox_names(app, &ids).await?;
            Some(ids)
        }
        None => None,
    };
    let change = AgentChange {
        name: name.map(str::to_owned),
        is_admin: update.admin,
        inboxes,
        capacity,
    };
    let inboxes_changed = change.inboxes.is_some();
    let updated = app
        .store
        .update_agent(agent, change, app.clock.now())
        .await?
        .ok_or_else(|| ServiceError::not_found("agent"))?;
    if inboxes_changed {
        // Work outside the new inboxes went back to waiting: routing offers it, and
        // the agent's console hears what it lost.
        app.reroute();
        app.wake.live.agents([agent]);
    }
    tracing::info!(agent.id = agent.0, by = admin.id.0, "agent changed");
    Ok(updated)
}

fn email_taken(email: &str) -> ServiceError {
    ServiceError::conflict(
        "already_exists",
        format!("an agent with email {email} already exists"),
    )
    .field("email")
}

fn valid_name(raw: &str) -> Result<&str, ServiceError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > NAME_CHARS {
        return Err(ServiceError::bad_request(
            "invalid_name",
            "an agent needs a name of 1 to 80 characters",
        )
        .field("name"));
    }
    Ok(name)
}

/// The pair as it will be once changed: `0 ≤ standard ≤ max ≤ 50`. A value left out
/// keeps `current`'s, and the pair is checked as a whole.
fn valid_capacity(
    standard: Option<i64>,
    max: Option<i64>,
    current: Capacity,
) -> Result<Capacity, ServiceError> {
    let pair = Capacity {
        standard: standard.unwrap_or(current.standard),
        max: max.unwrap_or(current.max),
    };
    let invalid = |field: &'static str| {
        Err(ServiceError::bad_request(
            "invalid_capacity",
            format!(
                "capacity must satisfy 0 ≤ standard_capacity ≤ max_capacity ≤ {CAPACITY_LIMIT} \
                 (it would be standard {}, max {})",
                pair.standard, pair.max
            ),
        )
        .field(field))
    };
    if !(0..=CAPACITY_LIMIT).contains(&pair.standard) {
        return invalid("standard_capacity");
    }
    if !(0..=CAPACITY_LIMIT).contains(&pair.max) {
        return invalid("max_capacity");
    }
    if pair.standard > pair.max {
        // Name the value the caller sent; with both sent, the standard one.
        return invalid(if standard.is_some() {
            "standard_capacity"
        } else {
            "max_capacity"
        });
    }
    Ok(pair)
}

/// The names of these inboxes; an unknown id is refused, named.
async fn inbox_names(app: &App, ids: &[InboxId]) -> Result<Vec<String>, ServiceError> {
    let known = app.store.inboxes().await?;
    ids.iter()
        .map(|id| {
            known
                .iter()
                .find(|i| i.id == *id)
                .map(|i| i.name.clone())
                .ok_or_else(|| {
                    ServiceError::bad_request("unknown_inbox", format!("no inbox {}", id.0))
                        .field("inboxes")
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Capacity = Capacity {
        standard: 3,
        max: 5,
    };

    #[test]
    fn capacity_is_checked_as_the_pair_it_would_become() {
        assert_eq!(
            valid_capacity(Some(4), None, NOW),
            Ok(Capacity {
                standard: 4,
                max: 5
            })
        );
        let over = valid_capacity(Some(6), None, NOW).unwrap_err();
        assert_eq!(
            (over.code, over.field),
            ("invalid_capacity", Some("standard_capacity"))
        );
        let under = valid_capacity(None, Some(2), NOW).unwrap_err();
        assert_eq!(under.field, Some("max_capacity"));
        assert_eq!(
            valid_capacity(None, Some(51), NOW).unwrap_err().field,
            Some("max_capacity")
        );
        assert_eq!(
            valid_capacity(Some(-1), Some(5), NOW).unwrap_err().field,
            Some("standard_capacity")
        );
    }

    #[test]
    fn a_name_has_1_to_80_characters() {
        assert_eq!(valid_name("  Lia "), Ok("Lia"));
        assert_eq!(valid_name(" ").unwrap_err().code, "invalid_name");
        assert!(valid_name(&"é".repeat(80)).is_ok());
        assert!(valid_name(&"é".repeat(81)).is_err());
    }
}
