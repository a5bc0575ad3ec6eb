//! Personal API tokens (igdesk's own REST API): an agent makes, lists and revokes
//! their own; an administrator may revoke anyone's. The secret is shown once, when
//! made. The JSON API (`/tokens`) and Settings › My tokens both call these.

use super::error::ServiceError;
use crate::app::App;
use crate::now_ms;
use crate::people::issue_token;
use igdesk_domain::AgentTokenId;
use igdesk_store::{Agent, AgentToken};
use secrecy::SecretString;

/// A label, in characters.
pub const LABEL_CHARS: usize = 80;

/// A new token for `agent`, labelled with where it is used (1 to 80 characters;
/// `invalid_label` otherwise): its row and, this once, its secret.
pub async fn create(
    app: &App,
    agent: &Agent,
    label: &str,
) -> Result<(AgentToken, SecretString), ServiceError> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > LABEL_CHARS {
        return Err(ServiceError::bad_request(
            "invalid_label",
            "a token needs a label of 1 to 80 characters (where it is used)",
        )
        .field("label"));
    }
    let (row, secret) = issue_token(app.store.as_ref(), agent.id, label).await?;
    tracing::info!(
        agent.id = agent.id.0,
        token.id = row.id.0,
        "personal token made"
    );
    Ok((row, secret))
}

/// The agent's own tokens, revoked ones included; never their secrets.
pub async fn list(app: &App, agent: &Agent) -> Result<Vec<AgentToken>, ServiceError> {
    Ok(app.store.agent_tokens(agent.id).await?)
}

/// Revokes a token: the agent's own, or anyone's for an administrator; `not_found`
/// otherwise.
pub async fn revoke(
    app: &App,
    agent: &Agent,
    token: AgentTokenId,
) -> Result<AgentToken, ServiceError> {
    let revoked = app
        .store
        .revoke_agent_token(agent.scope(), token, now_ms())
        .await?
        .ok_or_else(|| ServiceError::not_found("token"))?;
    tracing::info!(
        agent.id = agent.id.0,
        token.id = token.0,
        "personal token revoked"
    );
    Ok(revoked)
}
