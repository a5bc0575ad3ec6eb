//! `check_story`: is a Story mention's Story still there (SPEC IN-6)? A Story lives
//! 24 hours, but its customer may delete it sooner; Meta's CDN then answers 403 or
//! 404 (410) for the URL the mention carried, and the item reads "Story is no
//! longer available" from then on (`StoryStore::mark_story_gone`, which tells the
//! console of the agent working the conversation).
//!
//! Queued when an agent is shown the item (`service::stories`) and by upkeep at most
//! hourly while the customer has an open conversation. Only the URL Meta's signed
//! delivery carried is fetched, and nothing of it is read but the status. Anything
//! else — a timeout, a 5xx, a refused connection — says nothing about the Story: it
//! stays shown, and the next check (the next time it is shown, or in an hour) asks
//! again. So a check never fails and never retries on its own.

use super::Outcome;
use crate::app::App;
use futures_util::{stream, StreamExt};
use igdesk_domain::timeline::story_available;
use igdesk_domain::ItemId;
use igdesk_store::Job;
use std::sync::OnceLock;
use std::time::Duration;

/// Jobs a loop claims at once.
pub const CLAIM: i64 = 16;
/// CDN requests in flight at once.
const FETCHES_AT_ONCE: usize = 8;
/// How long a CDN answer is waited for.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What Meta's CDN said about a Story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    There,
    Gone,
    /// No answer about the Story (a passing failure): ask again later.
    Unknown,
}

impl Found {
    /// The CDN's HTTP status read as an answer about the Story.
    pub fn from_status(status: u16) -> Self {
        match status {
            200..=299 => Found::There,
            // Meta's CDN: 404 for a deleted or expired Story, 403 once its signed
            // URL is refused; 410 says gone in so many words.
            403 | 404 | 410 => Found::Gone,
            _ => Found::Unknown,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Found::There => "there",
            Found::Gone => "gone",
            Found::Unknown => "unknown",
        }
    }
}

/// One client for every check: Meta's lookaside URLs redirect to the CDN's hosts.
fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("igdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a reqwest client with default TLS settings builds")
    })
}

pub async fn check_all(app: &App, jobs: Vec<Job>) -> Vec<(Job, Outcome)> {
    stream::iter(jobs)
        .map(|job| async move {
            let outcome = check(app, &job).await;
            (job, outcome)
        })
        .buffer_unordered(FETCHES_AT_ONCE)
        .collect()
        .await
}

async fn check(app: &App, job: &Job) -> Outcome {
    let Ok(id) = job.payload.parse().map(ItemId) else {
        return Outcome::GiveUp(format!("bad payload {:?}", job.payload));
    };
    let item = match app.store.item_for_job(id).await {
        Ok(Some(item)) => item,
        Ok(None) => return Outcome::Done,
        Err(e) => return Outcome::retry(e),
    };
    // Gone already, deleted, or past its day (it reads as gone then anyway): nothing
    // to ask. The Story's age is Instagram's time.
    if item.kind != "story_mention"
        || item.deleted
        || !story_available(item.created_at, item.story_gone, crate::now_ms())
    {
        return Outcome::Done;
    }
    let url = item.attachments.iter().find_map(|a| {
        a.url
            .as_deref()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
    });
    let Some(url) = url else {
        return Outcome::Done;
    };
    // When it was asked counts on the agent's-day clock, which paces the hourly
    // checks (and which tests move on): the moment the CDN was asked, not the moment
    // its answer was written down.
    let now = app.clock.now();
    let found = ask(url).await;
    metrics::counter!("igdesk_story_checks_total", "result" => found.name()).increment(1);
    let recorded = match found {
        Found::Gone => app.store.mark_story_gone(id, now).await.map(|told| {
            tracing::info!(item = %id.0, "the Story is no longer available");
            app.wake.live.agents(told);
        }),
        Found::There | Found::Unknown => app.store.story_checked(id, now).await,
    };
    match recorded {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::retry(e),
    }
}

/// Asks the CDN for the Story's media and reads only the status: the body is never
/// read (dropping the answer closes it).
async fn ask(url: &str) -> Found {
    match client().get(url).send().await {
        Ok(answer) => {
            let found = Found::from_status(answer.status().as_u16());
            if found == Found::Unknown {
                tracing::info!(
                    status = answer.status().as_u16(),
                    "the CDN did not say whether a Story is there"
                );
            }
            found
        }
        Err(e) => {
            // Without the URL: its query is Meta's signature.
            tracing::info!(error = %e.without_url(), "the CDN did not answer about a Story");
            Found::Unknown
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Found;

    #[test]
    fn only_a_refusal_says_a_story_is_gone() {
        assert_eq!(Found::from_status(200), Found::There);
        assert_eq!(Found::from_status(206), Found::There);
        for gone in [403, 404, 410] {
            assert_eq!(Found::from_status(gone), Found::Gone);
        }
        for unknown in [301, 400, 401, 429, 500, 502, 503] {
            assert_eq!(Found::from_status(unknown), Found::Unknown);
        }
    }
}
