//! Switching agents off and on (UI-4), by administrators. Switched off, an agent is
//! signed out everywhere at once (sessions deleted, personal tokens revoked, open
//! live streams closed), their waiting offers go to others and their open
//! conversations back to routing; they cannot sign in until switched on again.

use super::error::ServiceError;
use crate::app::App;
use igdesk_domain::AgentId;
use igdesk_store::{Agent, AgentDetails, Deactivation, Reactivation};

/// Settings are for administrators; pages and the JSON API check it before calling,
/// and the actions check it again, so no face can forget.
pub fn require_admin(agent: &Agent) -> Result<(), ServiceError> {
    match agent.is_admin {
        true => Ok(()),
        false => Err(ServiceError::forbidden("administrators only")),
    }
}

/// Switches `agent` off; answers them as they are now (`active: false`). Refused
/// with `own_account` for the administrator themselves (another one can), with
/// `last_admin` for the only administrator still switched on, and with
/// `already_deactivated`.
pub async fn deactivate(
    app: &App,
    admin: &Agent,
    agent: AgentId,
) -> Result<AgentDetails, ServiceError> {
    require_admin(admin)?;
    if agent == admin.id {
        return Err(ServiceError::conflict(
            "own_account",
            "administrators cannot switch themselves off; another administrator can",
        ));
    }
    match app.store.deactivate_agent(agent, app.clock.now()).await? {
        Deactivation::Done(undone) => {
            tracing::info!(
                agent.id = agent.0,
                by = admin.id.0,
                sessions = undone.sessions_ended,
                tokens = undone.tokens_revoked,
                offers = undone.offers_withdrawn,
                conversations = undone.conversations_returned.len(),
                "agent switched off"
            );
            // Their offers and conversations are waiting work now; their streams
            // read the `signed_out` event and close.
            app.reroute();
            app.wake.live.agents([agent]);
        }
        Deactivation::Unknown => return Err(ServiceError::not_found("agent")),
        Deactivation::AlreadyDeactivated => {
            return Err(ServiceError::conflict(
                "already_deactivated",
                "this agent is deactivated already",
            ))
        }
        Deactivation::LastAdmin => {
            return Err(ServiceError::conflict(
                "last_admin",
                "the last active administrator cannot be deactivated: nobody could \
                 reach the settings",
            ))
        }
    }
    details(app, agent).await
}

/// Switches `agent` on again: they sign in with their password, away until they say
/// otherwise; their old tokens stay revoked. Refused with `not_deactivated`.
pub async fn reactivate(
    app: &App,
    admin: &Agent,
    agent: AgentId,
) -> Result<AgentDetails, ServiceError> {
    require_admin(admin)?;
    match app.store.reactivate_agent(agent, app.clock.now()).await? {
        Reactivation::Done => {
            tracing::info!(agent.id = agent.0, by = admin.id.0, "agent switched on");
        }
        Reactivation::Unknown => return Err(ServiceError::not_found("agent")),
        Reactivation::NotDeactivated => {
            return Err(ServiceError::conflict(
                "not_deactivated",
                "this agent is switched on already",
            ))
        }
    }
    details(app, agent).await
}

async fn details(app: &App, agent: AgentId) -> Result<AgentDetails, ServiceError> {
    app.store
        .agent_detail(agent)
        .await?
        .ok_or_else(|| ServiceError::not_found("agent"))
}
