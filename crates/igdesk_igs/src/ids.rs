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

/// A fresh conversation id: base64-looking like Meta's (`aWdfZAG06MTpJR01lc3Nh…`).
pub fn new_conversation_id() -> String {
    let mut rng = rand::thread_rng();
    let mut id = String::from("aWdfZAG06MTpJR01lc3NhZA2VUaHJlYWQ6");
    for _ in 0..40 {
        id.push(ALPHANUMERIC[rng.gen_range(0..ALPHANUMERIC.len())] as char);
    }
    id
}

/// Random letters and digits: the opaque part of codes and tokens, which
/// callers must never parse.
pub(crate) fn random_text(len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| ALPHANUMERIC[rng.gen_range(0..ALPHANUMERIC.len())] as char)
        .collect()
}

/// A Unix time in milliseconds as Graph API writes times:
/// `2026-11-21T08:00:00+0000` (UTC, whole seconds).
pub fn graph_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (of_day / 3600, of_day % 3600 / 60, of_day % 60);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}+0000")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A random trace id for Meta's error bodies (`fbtrace_id`).
pub(crate) fn fbtrace_id() -> String {
    random_text(11)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    now_us() / 1_000
}

/// Microseconds since the Unix epoch.
pub fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
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
        assert_ne!(new_conversation_id(), new_conversation_id());
    }

    #[test]
    fn graph_times_are_utc_iso8601() {
        assert_eq!(graph_time(0), "1970-01-01T00:00:00+0000");
        assert_eq!(graph_time(1_795_248_000_999), "2026-11-21T08:00:00+0000");
        assert_eq!(graph_time(951_782_400_000), "2000-02-29T00:00:00+0000");
        assert_eq!(graph_time(-1_000), "1969-12-31T23:59:59+0000");
    }
}
