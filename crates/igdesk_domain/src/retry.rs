//! Retry schedules: exponential backoff with full jitter, capped.

use crate::time::Millis;

/// Delay before retry number `attempt` (1 for the first retry).
/// `jitter` is a number in `[0, 1)` supplied by the caller so the schedule stays pure;
/// the delay is spread over the upper half of the exponential step so retries of many
/// jobs that failed together do not come back together.
pub fn backoff(attempt: u32, base: Millis, cap: Millis, jitter: f64) -> Millis {
    let exp = base.saturating_mul(1_i64 << attempt.saturating_sub(1).min(30));
    let step = exp.min(cap);
    let jitter = jitter.clamp(0.0, 1.0);
    step / 2 + ((step / 2) as f64 * jitter) as Millis
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_then_caps() {
        assert_eq!(backoff(1, 1_000, 60_000, 0.0), 500);
        assert_eq!(backoff(2, 1_000, 60_000, 0.0), 1_000);
        assert_eq!(backoff(3, 1_000, 60_000, 0.0), 2_000);
        assert_eq!(backoff(20, 1_000, 60_000, 0.0), 30_000);
        assert_eq!(backoff(200, 1_000, 60_000, 0.999), 59_970);
    }

    #[test]
    fn jitter_stays_within_the_step() {
        for i in 0..100 {
            let d = backoff(4, 1_000, 60_000, i as f64 / 100.0);
            assert!((4_000..=8_000).contains(&d), "{d}");
        }
    }
}
