//! "Seen" and "typing…" on Instagram (the agent's desk): when an agent opens a
//! conversation with messages not yet seen, the customer's thread is marked seen
//! once (`mark_seen`); while an agent types, the customer sees them typing
//! (`typing_on`, at most once every 10 seconds per customer).
//!
//! Neither calls Instagram from here: the store decides, in one transaction with a
//! conditional update, whether one is due and queues its `sender_action` job (so two
//! agents opening a conversation at once, or a reload, never send two), and the job
//! worker sends it under the outbox's rules (`workers/sender_action.rs`).

use super::error::ServiceError;
use crate::app::App;
use crate::now_ms;
use igdesk_domain::rules::{messaging_window, Author, SendAs};
use igdesk_domain::{CustomerId, Millis};
use igdesk_store::{Agent, Customer, JOB_SENDER_ACTION};

/// The agent opened the customer's profile. Marks the customer's newest message seen
/// on Instagram, once, when the customer has an open conversation with a message not
/// marked seen yet. `not_found` when the customer is not visible to the agent.
pub async fn conversation_opened(
    app: &App,
    agent: &Agent,
    customer: CustomerId,
) -> Result<(), ServiceError> {
    let (customer, now) = within_window(app, agent, customer).await?;
    if let Some(customer) = customer {
        if app.store.mark_seen_once(customer.id, now).await? {
            app.wake.for_kind(JOB_SENDER_ACTION).notify_one();
        }
    }
    Ok(())
}

/// The agent is typing to the customer: Instagram shows them typing, at most once
/// every 10 seconds per customer. `not_found` when the customer is not visible.
pub async fn typing(app: &App, agent: &Agent, customer: CustomerId) -> Result<(), ServiceError> {
    let (customer, now) = within_window(app, agent, customer).await?;
    if let Some(customer) = customer {
        if app.store.queue_typing(customer.id, now).await? {
            app.wake.for_kind(JOB_SENDER_ACTION).notify_one();
        }
    }
    Ok(())
}

/// The customer, if the agent may see them, and `None` for the customer when Meta
/// would refuse sender actions now: outside the 24-hour window, or never wrote.
async fn within_window(
    app: &App,
    agent: &Agent,
    id: CustomerId,
) -> Result<(Option<Customer>, Millis), ServiceError> {
    let customer = app
        .store
        .customer(agent.scope(), id)
        .await?
        .ok_or_else(|| ServiceError::not_found("customer"))?;
    // Messages' times are Instagram's (wall clock), not the agent's-day clock.
    let now = now_ms();
    let open = matches!(
        messaging_window(now, customer.last_message_at, Author::Automatic),
        Ok(SendAs::Response)
    );
    Ok((open.then_some(customer), now))
}
