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
    let (customer, auth) = match super::customer_auth(app, id).await {
        Ok(found) => found,
        Err(outcome) => return outcome,
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
            match app.store.update_profile(id, facts, now_ms(), job.id).await {
                Ok(()) => Outcome::Completed,
                Err(e) => Outcome::Retry {
                    error: e.to_string(),
                    after: None,
                },
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
