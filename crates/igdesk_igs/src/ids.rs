//! Identifiers and clocks shaped like Meta's.
//!
//! Meta's message ids are opaque base64-looking strings (`aWdfZAG1faXRlbToxOk…`);
//! comment, media and story ids are long decimal numbers. igdesk must treat them
//! as opaque, so the simulator only imitates their look, not their structure.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;

/// The common prefix of Instagram message ids: base64 of `ig_item:1:IGMessageID:`
/// with Meta's URL-safe alphabet quirks, as seen in real webhooks.
pub(crate) const MID_PREFIX: &str = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOj";

/// Length of the random part of a mid; long enough that collisions never happen
/// in a test run, short enough to keep payloads realistic.
const MID_RANDOM_LEN: usize = 48;

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A fresh message id.
pub fn new_mid() -> String {
    let mut rng = rand::thread_rng();
    let mut mid = String::with_capacity(MID_PREFIX.len() + MID_RANDOM_LEN + 4);
    mid.push_str(MID_PREFIX);
    for _ in 0..MID_RANDOM_LEN {
        mid.push(ALPHANUMERIC[rng.gen_range(0..ALPHANUMERIC.len())] as char);
    }
    // Meta's mids end in the base64 padding stand-in `ZDZD`.
    mid.push_str("ZDZD");
    mid
}

/// A fresh decimal object id of 17 digits starting with `prefix` (Meta's comment
/// ids look like `18012…`, media ids like `181…`).
pub fn new_numeric_id(prefix: &str) -> String {
    let mut rng = rand::thread_rng();
    let mut id = String::with_capacity(17);
    id.push_str(prefix);
    while id.len() < 17 {
        id.push(char::from(b'0' + rng.gen_range(0..10u8)));
    }
    id
}

/// A fresh comment id.
pub fn new_comment_id() -> String {
    new_numeric_id("180")
}

/// A fresh media id (posts, reels, stories).
pub fn new_media_id() -> String {
    new_numeric_id("181")
}

/// A placeholder CDN URL in the shape Meta uses for messaging attachments.
pub fn cdn_url() -> String {
    format!(
        "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id={}&signature=igs",
        new_numeric_id("179")
    )
}

/// A random trace id for Meta's error bodies (`fbtrace_id`).
pub(crate) fn fbtrace_id() -> String {
    let mut rng = rand::thread_rng();
    (0..11)
        .map(|_| ALPHANUMERIC[rng.gen_range(0..ALPHANUMERIC.len())] as char)
        .collect()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_meta_shapes() {
        let mid = new_mid();
        assert!(mid.starts_with(MID_PREFIX) && mid.ends_with("ZDZD"));
        assert_ne!(mid, new_mid());
        let comment = new_comment_id();
        assert_eq!(comment.len(), 17);
        assert!(comment.bytes().all(|b| b.is_ascii_digit()));
        assert!(cdn_url().starts_with("https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id="));
    }
}
