//! Time as igdesk stores it: milliseconds since the Unix epoch.

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

pub const SECOND: Millis = 1_000;
pub const MINUTE: Millis = 60 * SECOND;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;

/// Meta sends `timestamp`/`time` in milliseconds for messaging events and in seconds
/// for comments and mentions. Anything below 10^11 cannot be a millisecond timestamp of
/// this century (it would be 1973), so it is read as seconds.
pub fn normalize_timestamp(raw: i64) -> Millis {
    // `unsigned_abs`: `abs` of `i64::MIN` overflows, and the number comes from outside.
    if raw.unsigned_abs() < 100_000_000_000 {
        raw.saturating_mul(1_000)
    } else {
        raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_milliseconds_give_the_same_instant() {
        assert_eq!(normalize_timestamp(1_730_000_000), 1_730_000_000_000);
        assert_eq!(normalize_timestamp(1_730_000_000_123), 1_730_000_000_123);
    }

    #[test]
    fn the_extremes_of_i64_are_taken_as_they_are() {
        assert_eq!(normalize_timestamp(i64::MIN), i64::MIN);
        assert_eq!(normalize_timestamp(i64::MAX), i64::MAX);
        assert_eq!(normalize_timestamp(-1_730_000_000), -1_730_000_000_000);
    }
}
