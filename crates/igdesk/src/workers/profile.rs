//! `refresh_profile`: fetches a customer's Instagram facts (IN-5). It runs apart
//! from intake, so a slow or failing Graph call never holds up a message.

use super::Outcome;
use crate::app::App;
use crate::now_ms;
use igdesk_domain::CustomerId;
use igdesk_meta::ErrorAction;
use igdesk_store::{Job, ProfileFacts};

pub async fn refresh(app: &App, job: &Job) -> Outcome {
    let Ok(id) = job.payload.parse().map(CustomerId) else {
        return Outcome::GiveUp(format!("bad payload {:?}", job.payload));
    };
    let retry = |e: &dyn std::fmt::Display| Outcome::Retry {
        error: e.to_string(),
        after: None,
    };
    let customer = match app.store.customer_for_job(id).await {
        Ok(Some(c)) => c,
        Ok(None) => return Outcome::GiveUp(format!("customer {id} is gone")),
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
    match app.graph.user_profile(&auth, &customer.igsid).await {
        Ok(p) => {
            let facts = ProfileFacts {
                name: p.name,
                username: p.username,
                profile_pic: p.profile_pic,
                follower_count: p.follower_count,
                is_verified: p.is_verified_user,
                follows_business: p.is_user_follow_business,
                business_follows: p.is_business_follow_user,
            };
            match app.store.update_profile(id, facts, now_ms()).await {
                Ok(()) => Outcome::Done,
                Err(e) => retry(&e),
            }
        }
        Err(e) => match e.action() {
            ErrorAction::RetryLater | ErrorAction::BackOff => Outcome::Retry {
                error: e.to_string(),
                after: e.retry_after().map(|d| d.as_millis() as i64),
            },
            ErrorAction::Reconnect | ErrorAction::GiveUp => Outcome::GiveUp(e.to_string()),
        },
    }
}
