//! Creating agents and their personal tokens, shared by the CLI, the demo, the
//! console's API and tests.

use crate::crypto::{hash_token, new_api_token};
use crate::now_ms;
use igdesk_domain::AgentId;
use igdesk_store::{Agent, AgentToken, NewAgent, Store};
use secrecy::{ExposeSecret, SecretString};

/// What a new agent is given.
pub struct NewPerson {
    pub email: String,
    pub name: String,
    pub password: SecretString,
    pub is_admin: bool,
    pub inboxes: Vec<String>,
}

/// Creates the agent, its password hashed with argon2 (on the bounded hashing pool:
/// it is slow by design; a `ServiceError` `busy` when that pool is full).
pub async fn add_person(store: &dyn Store, person: NewPerson) -> anyhow::Result<Agent> {
    let password_hash = crate::service::passwords::hash(person.password).await?;
    Ok(store
        .add_agent(
            NewAgent {
                email: person.email,
                name: person.name,
                password_hash,
                is_admin: person.is_admin,
                inboxes: person.inboxes,
            },
            now_ms(),
        )
        .await?)
}

/// A new personal API token for `agent`: the secret is returned once and stored
/// only as a hash.
pub async fn issue_token(
    store: &dyn Store,
    agent: AgentId,
    label: &str,
) -> Result<(AgentToken, SecretString), igdesk_store::StoreError> {
    let token = new_api_token();
    let row = store
        .add_agent_token(agent, &hash_token(token.expose_secret()), label, now_ms())
        .await?;
    Ok((row, token))
}

/// Creates the agent and a personal API token, which is returned once.
pub async fn add_agent_with_token(
    store: &dyn Store,
    person: NewPerson,
    token_label: &str,
) -> anyhow::Result<(Agent, SecretString)> {
    let agent = add_person(store, person).await?;
    let (_, token) = issue_token(store, agent.id, token_label).await?;
    Ok((agent, token))
}
