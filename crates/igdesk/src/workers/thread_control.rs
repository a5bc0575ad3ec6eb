//! Meta's conversation routing for the handover to Instagram's inbox (API-3): a
//! customer who asked for a person is passed to the inbox app; the thread is taken
//! back when the API sends again or the 24 hours are over.

use super::Outcome;
use crate::app::App;
use igdesk_domain::CustomerId;
use igdesk_meta::{ErrorAction, INSTAGRAM_INBOX_APP_ID};
use igdesk_store::Job;

pub async fn run(app: &App, job: &Job) -> Outcome {
    let Some((verb, customer)) = job
        .payload
        .split_once(':')
        .and_then(|(verb, id)| Some((verb, CustomerId(id.parse().ok()?))))
    else {
        return Outcome::GiveUp(format!("bad payload {:?}", job.payload));
    };
    let (customer, auth) = match super::customer_auth(app, customer).await {
        Ok(found) => found,
        Err(outcome) => return outcome,
    };
    let result = match verb {
        "pass" => {
            app.graph
                .pass_thread_control(
                    &auth,
                    &customer.igsid,
                    INSTAGRAM_INBOX_APP_ID,
                    "the customer asked for a person",
                )
                .await
        }
        "take" => {
            app.graph
                .take_thread_control(&auth, &customer.igsid, "the API took the conversation back")
                .await
        }
        other => return Outcome::GiveUp(format!("unknown thread control {other:?}")),
    };
    match result {
        Ok(()) => Outcome::Done,
        Err(e) if e.action() == ErrorAction::GiveUp => Outcome::GiveUp(e.to_string()),
        Err(e) => Outcome::retry(e),
    }
}
