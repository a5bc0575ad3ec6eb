//! `refresh_profile`: fetches customers' Instagram facts (IN-5). It runs apart from
//! intake, so a slow or failing Graph call never holds up a message. A claimed batch
//! is fetched side by side and recorded in one commit: a burst of new customers costs
//! the single writer a few transactions, not one per customer.

use super::Outcome;
use crate::app::App;
use crate::now_ms;
use futures_util::future::join_all;
use igdesk_domain::CustomerId;
use igdesk_meta::ErrorAction;
use igdesk_store::{FetchedProfile, Job, ProfileFacts};

pub async fn refresh_all(app: &App, jobs: Vec<Job>) -> Vec<(Job, Outcome)> {
    let fetched = join_all(jobs.iter().map(|job| fetch(app, job))).await;
    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut done = Vec::new();
    let mut done_jobs = Vec::new();
    for (job, result) in jobs.into_iter().zip(fetched) {
        match result {
            Ok(profile) => {
                done.push(profile);
                done_jobs.push(job);
            }
            Err(outcome) => outcomes.push((job, outcome)),
        }
    }
    if done.is_empty() {
        return outcomes;
    }
    let recorded = app.store.update_profiles(&done, now_ms()).await;
    outcomes.extend(done_jobs.into_iter().map(|job| {
        let outcome = match &recorded {
            Ok(()) => Outcome::Completed,
            Err(e) => Outcome::Retry {
                error: e.to_string(),
                after: None,
            },
        };
        (job, outcome)
    }));
    outcomes
}

async fn fetch(app: &App, job: &Job) -> Result<FetchedProfile, Outcome> {
    let Ok(id) = job.payload.parse().map(CustomerId) else {
        return Err(Outcome::GiveUp(format!("bad payload {:?}", job.payload)));
    };
    let (customer, auth) = super::customer_auth(app, id).await?;
    match app.graph.user_profile(&auth, &customer.igsid).await {
        Ok(p) => Ok(FetchedProfile {
            customer: id,
            facts: ProfileFacts {
                name: p.name,
                username: p.username,
                profile_pic: p.profile_pic,
                follower_count: p.follower_count,
                is_verified: p.is_verified_user,
                follows_business: p.is_user_follow_business,
                business_follows: p.is_business_follow_user,
            },
            job: job.id,
        }),
        Err(e) => Err(match e.action() {
            ErrorAction::RetryLater | ErrorAction::BackOff => Outcome::Retry {
                error: e.to_string(),
                after: e.retry_after().map(|d| d.as_millis() as i64),
            },
            ErrorAction::Reconnect | ErrorAction::GiveUp => Outcome::GiveUp(e.to_string()),
        }),
    }
}
