//! The [`Simulator`] methods of its own CDN ([`crate::media`]): where it is, which
//! URL an attachment gets, and the media the business sent, re-hosted.

use std::collections::VecDeque;

use super::Simulator;
use crate::ids;
use crate::media::{self, Use};

/// Re-hosted media kept at most (the oldest go first).
const HOSTED_MAX: usize = 200;

/// Media the business sent, as Meta re-hosts them: (asset id, content type, bytes).
#[derive(Default)]
pub(crate) struct Hosted {
    media: VecDeque<(String, String, Vec<u8>)>,
}

impl Simulator {
    /// The URL this simulator is reached at (e.g. `http://127.0.0.1:41234`): from
    /// then on the attachments it makes up, the `cdn:NAME` media of scenarios,
    /// profile pictures given as `cdn:NAME` and the echoes of sent media point at
    /// its own CDN (`/_igs/cdn/…`) instead of placeholders on Meta's.
    pub fn set_public_url(&self, url: impl Into<String>) {
        self.state().public_url = Some(url.into().trim_end_matches('/').to_owned());
    }

    /// The URL given to [`Self::set_public_url`], if any.
    pub fn public_url(&self) -> Option<String> {
        self.state().public_url.clone()
    }

    /// A URL for an attachment of Meta's `kind` (image, story_mention, video, …)
    /// when a scenario or caller gives none: an embedded medium of that kind on
    /// this simulator's CDN when it knows its URL, else a CDN-shaped placeholder.
    /// A `story_mention` gets a new Story of its own ([`Self::story_url`]).
    pub fn cdn_url(&self, kind: &str) -> String {
        if kind == "story_mention" {
            return self.story_url(media::any(Use::Story).name);
        }
        match (self.public_url(), media::for_attachment(kind)) {
            (Some(base), Some(purpose)) => {
                format!("{base}{}", media::path(media::any(purpose).name))
            }
            _ => ids::cdn_url(),
        }
    }

    /// The URL of an embedded medium fit for `purpose` (see [`Self::cdn_url`]).
    pub fn medium_url(&self, purpose: Use) -> String {
        self.media_url(&format!("{}{}", media::SCHEME, media::any(purpose).name))
    }

    /// `url` with a `cdn:NAME` reference resolved to this simulator's CDN (or to a
    /// placeholder when it does not know its URL); any other URL as it is.
    pub fn media_url(&self, url: &str) -> String {
        match (media::reference(url), self.public_url()) {
            (Some(name), Some(base)) => format!("{base}{}", media::path(name)),
            (Some(_), None) => ids::cdn_url(),
            (None, _) => url.to_owned(),
        }
    }

    /// Keeps a medium the business sent and answers its URL on this simulator's
    /// CDN; `None` when the simulator does not know its URL.
    pub(crate) fn host(&self, content_type: &str, bytes: Vec<u8>) -> Option<String> {
        let mut state = self.state();
        let base = state.public_url.clone()?;
        let id = ids::new_numeric_id("179");
        let hosted = &mut state.hosted.media;
        if hosted.len() >= HOSTED_MAX {
            hosted.pop_front();
        }
        hosted.push_back((id.clone(), content_type.to_owned(), bytes));
        Some(format!("{base}{}", media::path(&format!("m/{id}"))))
    }

    /// A re-hosted medium: (content type, bytes).
    pub(crate) fn hosted(&self, id: &str) -> Option<(String, Vec<u8>)> {
        let state = self.state();
        let found = state.hosted.media.iter().find(|(at, _, _)| at == id);
        found.map(|(_, content_type, bytes)| (content_type.clone(), bytes.clone()))
    }
}
