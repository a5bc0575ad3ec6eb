//! Stories that vanish (SPEC IN-6): a Story mention an agent is shown is checked on
//! Meta's CDN, since its customer may have deleted the Story before its 24 hours
//! were up. The page never waits for it: a `check_story` job is queued (one per
//! item at a time), and when the CDN says the Story is gone the item is drawn again
//! on the console of the agent working the conversation (`workers/story.rs`).

use crate::app::App;
use crate::now_ms;
use igdesk_domain::timeline::{story_available, STORY_LIFETIME};
use igdesk_domain::ItemId;
use igdesk_store::TimelineItem;

/// An agent is shown `items` (a timeline page, in the console or through the API):
/// their Story mentions that still read as available are checked soon. Returns at
/// once; a failure to queue is logged, never the page's.
pub fn shown(app: &App, items: &[TimelineItem]) {
    let now = now_ms();
    let stories: Vec<ItemId> = items
        .iter()
        .filter(|i| {
            i.kind == "story_mention"
                && !i.deleted
                && story_available(i.created_at, i.story_gone, now)
        })
        .map(|i| i.id)
        .collect();
    if stories.is_empty() {
        return;
    }
    let app = app.clone();
    tokio::spawn(async move {
        // Jobs are due by the wall clock, and a Story's age is Instagram's time.
        let queued = app
            .store
            .queue_story_checks(&stories, now - STORY_LIFETIME, now)
            .await;
        match queued {
            Ok(0) => {}
            Ok(_) => app.wake.stories.notify_one(),
            Err(e) => tracing::warn!(error = %e, "cannot queue checks of Stories shown"),
        }
    });
}
