//! Instagram's sender actions from the console: `mark_seen` when an agent opens a
//! conversation with messages not yet seen, `typing_on` while one types (queued by
//! `service::seen`, decided once in the store). A courtesy, not a message: outside
//! the 24-hour window (Meta refuses them then), or while the account's sends are held
//! (paused, waiting for a new token), it is skipped; a failure is retried a few
//! times, then dropped without a fuss.

use super::Outcome;
use crate::app::App;
use crate::now_ms;
use igdesk_domain::rules::{messaging_window, Author, SendAs};
use igdesk_domain::CustomerId;
use igdesk_meta::ErrorAction;
use igdesk_store::Job;

/// Attempts before a failing sender action is dropped. Later than this it would be
/// stale anyway (the agent has answered, or stopped typing).
pub const ATTEMPTS: i64 = 3;

pub async fn run(app: &App, job: &Job) -> Outcome {
    let Some((action, customer)) = job
        .payload
        .split_once(':')
        .and_then(|(action, id)| Some((action, CustomerId(id.parse().ok()?))))
    else {
        return Outcome::GiveUp(format!("bad payload {:?}", job.payload));
    };
    if !matches!(action, "mark_seen" | "typing_on") {
        return Outcome::GiveUp(format!("unknown sender action {action:?}"));
    }
    let (result, outcome) = match perform(app, action, customer, job.attempts).await {
        Attempt::Sent => ("sent", Outcome::Done),
        Attempt::Skipped => ("skipped", Outcome::Done),
        Attempt::Again(error) => ("retry", Outcome::retry(error)),
        Attempt::Dropped(reason) => {
            // Quietly: it was a courtesy; no dead job for an operator to look into.
            tracing::info!(job = %job.id, %action, %customer, %reason, "sender action dropped");
            ("dropped", Outcome::Done)
        }
    };
    metrics::counter!("igdesk_sender_actions_total", "action" => action.to_owned(), "result" => result)
        .increment(1);
    outcome
}

enum Attempt {
    /// Instagram took it.
    Sent,
    /// Not to be sent: outside the window, or the account's sends are held.
    Skipped,
    /// A passing fault: try again.
    Again(String),
    /// Failed for good, or too often.
    Dropped(String),
}

async fn perform(app: &App, action: &str, customer: CustomerId, attempts: i64) -> Attempt {
    let last_try = attempts >= ATTEMPTS;
    let (customer, auth) = match super::customer_auth(app, customer).await {
        Ok(found) => found,
        Err(Outcome::Retry { error, .. }) if !last_try => return Attempt::Again(error),
        Err(Outcome::Retry { error, .. } | Outcome::GiveUp(error)) => {
            return Attempt::Dropped(error)
        }
        Err(_) => return Attempt::Dropped("the customer's account cannot be used".into()),
    };
    let now = now_ms();
    // Meta refuses sender actions outside the 24-hour window.
    if !matches!(
        messaging_window(now, customer.last_message_at, Author::Automatic),
        Ok(SendAs::Response)
    ) {
        return Attempt::Skipped;
    }
    match app.store.sends_held(customer.account_id, now).await {
        Ok(false) => {}
        Ok(true) => return Attempt::Skipped,
        Err(e) if last_try => return Attempt::Dropped(e.to_string()),
        Err(e) => return Attempt::Again(e.to_string()),
    }
    match app
        .graph
        .sender_action(&auth, &customer.igsid, action, None)
        .await
    {
        Ok(()) => Attempt::Sent,
        // Only a passing fault is worth another try: calling on while Meta throttles
        // prolongs it, and a rejected token is the send loop's to report.
        Err(e) if e.action() == ErrorAction::RetryLater && !last_try => {
            Attempt::Again(e.to_string())
        }
        Err(e) => Attempt::Dropped(e.to_string()),
    }
}
