//! Creating agents, shared by the CLI, the demo and tests.

use crate::crypto::{hash_password, hash_token, new_api_token};
use crate::now_ms;
use igdesk_store::{Agent, NewAgent, Store};
use secrecy::{ExposeSecret, SecretString};

/// What a new agent is given.
pub struct NewPerson {
    pub email: String,
    pub name: String,
    pub password: SecretString,
    pub is_admin: bool,
    pub inboxes: Vec<String>,
}

/// Creates the agent (password hashed with argon2) and a personal API token, which
/// is returned once and stored only as a hash.
pub async fn add_agent_with_token(
    store: &dyn Store,
    person: NewPerson,
    token_label: &str,
) -> anyhow::Result<(Agent, SecretString)> {
    let agent = store
        .add_agent(
            NewAgent {
                email: person.email,
                name: person.name,
                password_hash: hash_password(&person.password)?,
                is_admin: person.is_admin,
                inboxes: person.inboxes,
            },
            now_ms(),
        )
        .await?;
    let token = new_api_token();
    store
        .add_agent_token(
            agent.id,
            &hash_token(token.expose_secret()),
            token_label,
            now_ms(),
        )
        .await?;
    Ok((agent, token))
}
