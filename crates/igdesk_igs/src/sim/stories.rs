//! Customers' Stories on the simulator's CDN. Each Story a customer mentions the
//! business in has a URL of its own (`/_igs/cdn/story/{asset_id}`), which serves its
//! medium while the Story lives: 24 hours from when it was posted (the mention's
//! timestamp), or until the customer deletes it. After that the CDN answers 404, as
//! Meta's does, and the URL in the mention leads nowhere.

use std::collections::HashMap;

use super::Simulator;
use crate::ids;
use crate::media::{self, Medium, Use};
use crate::webhook::Event;

/// How long a Story lives after it was posted.
pub const STORY_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;
/// Stories are forgotten this long after they expired (the CDN answers 404 for an
/// unknown Story anyway), so a long-running simulator does not keep them all.
const FORGOTTEN_AFTER_MS: i64 = 2 * STORY_LIFETIME_MS;
/// The served path of Stories' media, before the asset id.
const PATH: &str = "/_igs/cdn/story/";

struct Story {
    medium: &'static Medium,
    posted_at_ms: i64,
    deleted: bool,
    /// How often its URL was asked for.
    fetches: u32,
}

#[derive(Default)]
pub(crate) struct Stories {
    by_id: HashMap<String, Story>,
}

impl Stories {
    /// A mention delivered: its Story was posted at the event's time (a backdated
    /// mention's Story is that much older).
    pub(crate) fn observe(&mut self, event: &Event) {
        let posted = event.story_mention_url().and_then(asset_id);
        if let Some(story) = posted.and_then(|id| self.by_id.get_mut(id)) {
            story.posted_at_ms = event.timestamp_ms();
        }
    }
}

/// What the CDN answers for a Story's URL.
pub(crate) enum StoryMedium {
    Live(&'static Medium),
    /// Deleted, expired, or never known.
    Gone,
}

/// The asset id in a Story's URL, or `url_or_id` itself when it is no such URL.
fn asset_id(url_or_id: &str) -> Option<&str> {
    let id = match url_or_id.find(PATH) {
        Some(at) => &url_or_id[at + PATH.len()..],
        None => url_or_id,
    };
    let id = id.split(['/', '?', '#']).next().unwrap_or_default();
    (!id.is_empty()).then_some(id)
}

impl Simulator {
    /// A new Story showing the embedded medium `name` (a random Story medium when
    /// there is no such one), posted now: its URL on this simulator's CDN, or a
    /// placeholder on Meta's when the simulator does not know its URL
    /// ([`Self::set_public_url`]). Delivering a mention with this URL dates the
    /// Story at the mention's timestamp.
    pub fn story_url(&self, name: &str) -> String {
        let medium = media::find(name).unwrap_or_else(|| media::any(Use::Story));
        let mut state = self.state();
        let Some(base) = state.public_url.clone() else {
            return ids::cdn_url();
        };
        let now = ids::now_ms();
        let stories = &mut state.stories.by_id;
        stories.retain(|_, s| now - s.posted_at_ms < FORGOTTEN_AFTER_MS);
        let id = ids::new_numeric_id("179");
        let story = Story {
            medium,
            posted_at_ms: now,
            deleted: false,
            fetches: 0,
        };
        stories.insert(id.clone(), story);
        format!("{base}{PATH}{id}")
    }

    /// The customer deletes the Story at `url_or_id` (its URL or asset id): from now
    /// on its URL answers 404. False when the simulator knows no such Story.
    pub fn delete_story(&self, url_or_id: &str) -> bool {
        let mut state = self.state();
        match asset_id(url_or_id).and_then(|id| state.stories.by_id.get_mut(id)) {
            Some(story) => {
                story.deleted = true;
                true
            }
            None => false,
        }
    }

    /// How many times the URL of the Story at `url_or_id` was asked for (whatever
    /// the CDN answered); 0 for a Story the simulator does not know.
    pub fn story_fetches(&self, url_or_id: &str) -> u32 {
        let state = self.state();
        asset_id(url_or_id)
            .and_then(|id| state.stories.by_id.get(id))
            .map_or(0, |story| story.fetches)
    }

    /// The URL of the Story with this asset id is asked for: its medium, while the
    /// Story lives.
    pub(crate) fn fetch_story(&self, id: &str) -> StoryMedium {
        let mut state = self.state();
        match state.stories.by_id.get_mut(id) {
            Some(story) => {
                story.fetches += 1;
                if !story.deleted && ids::now_ms() - story.posted_at_ms < STORY_LIFETIME_MS {
                    StoryMedium::Live(story.medium)
                } else {
                    StoryMedium::Gone
                }
            }
            None => StoryMedium::Gone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::asset_id;

    #[test]
    fn a_story_is_named_by_its_url_or_its_asset_id() {
        let url = "http://127.0.0.1:4000/_igs/cdn/story/17912345678901234";
        assert_eq!(asset_id(url), Some("17912345678901234"));
        assert_eq!(asset_id(&format!("{url}?x=1")), Some("17912345678901234"));
        assert_eq!(asset_id("17912345678901234"), Some("17912345678901234"));
        assert_eq!(asset_id("http://x/_igs/cdn/story/"), None);
    }
}
