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
    let retry = |e: &dyn std::fmt::Display| Outcome::Retry {
        error: e.to_string(),
        after: None,
    };
    let customer = match app.store.customer_for_job(customer).await {
        Ok(Some(c)) => c,
        Ok(None) => return Outcome::GiveUp(format!("customer {customer} is gone")),
        Err(e) => return retry(&e),
    };
    let account = match app.store.account(customer.account_id).await {
        Ok(Some(a)) => a,
        Ok(None) => return Outcome::GiveUp("the account was removed".into()),
        Err(e) => return retry(&e),
    };
    let auth = match app.auth_for(&account) {
        Ok(auth) => auth,
        Err(e) => return Outcome::GiveUp(e.to_string()),
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
        Err(e) => retry(&e),
    }
}
