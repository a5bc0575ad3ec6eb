//! `refresh_profile`: fetches customers' Instagram facts (IN-5). It runs apart from
//! intake, so a slow or failing Graph call never holds up a message. A claimed batch
//! is read in one query, fetched side by side and recorded in one commit: a burst of
//! new customers costs the single writer a few transactions, not a few per customer.
//!
//! The same person at the company's other accounts (another IGSID, the same
//! username) is asked about along with them, so the profile's lists of the
//! company's accounts they follow and are followed by (IN-5) are as fresh as the
//! account they wrote to. Those extra calls are best effort: one that fails keeps
//! what was known.

use super::{account_auth, Outcome};
use crate::app::App;
use crate::now_ms;
use futures_util::{stream, StreamExt};
use igdesk_domain::{AccountId, CustomerId};
use igdesk_meta::{AccountAuth, ErrorAction};
use igdesk_store::{Customer, FetchedProfile, Job, ProfileFacts};
use std::collections::HashMap;

/// Jobs a loop claims at once.
pub const CLAIM: i64 = 32;
/// Graph calls a loop has in flight at once.
const FETCHES_AT_ONCE: usize = 8;

pub async fn refresh_all(app: &App, jobs: Vec<Job>) -> Vec<(Job, Outcome)> {
    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut wanted = Vec::with_capacity(jobs.len());
    for job in jobs {
        match job.payload.parse().map(CustomerId) {
            Ok(id) => wanted.push((job, id)),
            Err(_) => {
                let reason = format!("bad payload {:?}", job.payload);
                outcomes.push((job, Outcome::GiveUp(reason)));
            }
        }
    }
    let ids: Vec<CustomerId> = wanted.iter().map(|(_, id)| *id).collect();
    let batch = ids.clone();
    let mut customers: HashMap<CustomerId, Customer> =
        match app.store.customers_for_jobs(&ids).await {
            Ok(found) => found.into_iter().map(|c| (c.id, c)).collect(),
            Err(e) => {
                let retry = Outcome::retry(e);
                outcomes.extend(wanted.into_iter().map(|(job, _)| (job, retry.clone())));
                return outcomes;
            }
        };
    let mut auths: HashMap<AccountId, Result<AccountAuth, Outcome>> = HashMap::new();
    let mut calls = Vec::with_capacity(wanted.len());
    for (job, id) in wanted {
        let Some(customer) = customers.remove(&id) else {
            outcomes.push((job, Outcome::GiveUp(format!("customer {id} is gone"))));
            continue;
        };
        let auth = match auths.get(&customer.account_id) {
            Some(known) => known.clone(),
            None => {
                let found = account_auth(app, customer.account_id).await;
                auths.insert(customer.account_id, found.clone());
                found
            }
        };
        match auth {
            Ok(auth) => calls.push((job, customer, auth)),
            Err(outcome) => outcomes.push((job, outcome)),
        }
    }
    let fetched: Vec<(Job, Result<FetchedProfile, Outcome>)> = stream::iter(calls)
        .map(|(job, customer, auth)| async move {
            let result = fetch(app, &job, &customer, &auth).await;
            (job, result)
        })
        .buffer_unordered(FETCHES_AT_ONCE)
        .collect()
        .await;
    let mut done = Vec::new();
    let mut done_jobs = Vec::new();
    for (job, result) in fetched {
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
    let elsewhere = same_person_elsewhere(app, &done, &done_jobs, &batch, &mut auths).await;
    done.extend(elsewhere);
    let recorded = app.store.update_profiles(&done, now_ms()).await;
    outcomes.extend(done_jobs.into_iter().map(|job| {
        let outcome = match &recorded {
            Ok(()) => Outcome::Completed,
            Err(e) => Outcome::retry(e),
        };
        (job, outcome)
    }));
    outcomes
}

/// The facts of the person's customers at the company's other accounts, matched by
/// the username just fetched. Each is recorded with the job that led to it (its
/// completion is then written twice, harmlessly).
async fn same_person_elsewhere(
    app: &App,
    done: &[FetchedProfile],
    jobs: &[Job],
    batch: &[CustomerId],
    auths: &mut HashMap<AccountId, Result<AccountAuth, Outcome>>,
) -> Vec<FetchedProfile> {
    let mut by_name: HashMap<String, &Job> = HashMap::new();
    for (profile, job) in done.iter().zip(jobs) {
        if let Some(name) = &profile.facts.username {
            by_name.insert(name.to_lowercase(), job);
        }
    }
    if by_name.is_empty() {
        return Vec::new();
    }
    let names: Vec<String> = by_name.keys().cloned().collect();
    let others = match app.store.customers_by_username(&names).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(error = %e, "cannot look up the same person at other accounts");
            return Vec::new();
        }
    };
    let mut calls = Vec::new();
    for other in others.into_iter().filter(|c| !batch.contains(&c.id)) {
        let Some(job) = other
            .instagram
            .username
            .as_ref()
            .and_then(|name| by_name.get(&name.to_lowercase()))
        else {
            continue;
        };
        let auth = match auths.get(&other.account_id) {
            Some(known) => known.clone(),
            None => {
                let found = account_auth(app, other.account_id).await;
                auths.insert(other.account_id, found.clone());
                found
            }
        };
        if let Ok(auth) = auth {
            calls.push(((*job).clone(), other, auth));
        }
    }
    stream::iter(calls)
        .map(|(job, customer, auth)| async move { fetch(app, &job, &customer, &auth).await })
        .buffer_unordered(FETCHES_AT_ONCE)
        .filter_map(|result| async move { result.ok() })
        .collect()
        .await
}

async fn fetch(
    app: &App,
    job: &Job,
    customer: &Customer,
    auth: &AccountAuth,
) -> Result<FetchedProfile, Outcome> {
    match app.graph.user_profile(auth, &customer.igsid).await {
        Ok(p) => Ok(FetchedProfile {
            customer: customer.id,
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
