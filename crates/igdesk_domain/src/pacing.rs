//! How fast an account may call Meta, from the usage Meta reports on its answers
//! (`X-App-Usage`, `X-Business-Use-Case-Usage`, `X-Ad-Account-Usage`; percentages,
//! throttled at 100). Meta asks callers to slow down as usage nears 100 rather than
//! wait for the throttle: calling on while throttled extends the penalty.
//!
//! The curve, on the highest percentage reported:
//!
//! | usage | pace |
//! |---|---|
//! | below 80 % | full rate (Meta's published calls per second) |
//! | 80 – 94 % | half rate, calls spaced evenly (no bursts) |
//! | 95 % and over | pause [`SHORT_PAUSE`] (1 s: Meta's send rates are per second, so a full second lets the window roll), then probe again |
//! | `estimated_time_to_regain_access` above zero | pause that long |

use crate::Millis;

/// From this usage on, half rate.
pub const SLOW_FROM: u32 = 80;
/// From this usage on, a pause.
pub const PAUSE_FROM: u32 = 95;
/// The pause at [`PAUSE_FROM`] or above when Meta names no time.
pub const SHORT_PAUSE: Millis = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsagePace {
    Full,
    /// Half the per-second rate, spaced evenly.
    Half,
    /// No call for this long.
    Pause(Millis),
}

/// The pace for a reading of `percent` with Meta's `regain` wait (zero when it
/// named none).
pub fn usage_pace(percent: u32, regain: Millis) -> UsagePace {
    if regain > 0 {
        UsagePace::Pause(regain.max(SHORT_PAUSE))
    } else if percent >= PAUSE_FROM {
        UsagePace::Pause(SHORT_PAUSE)
    } else if percent >= SLOW_FROM {
        UsagePace::Half
    } else {
        UsagePace::Full
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve() {
        assert_eq!(usage_pace(0, 0), UsagePace::Full);
        assert_eq!(usage_pace(79, 0), UsagePace::Full);
        assert_eq!(usage_pace(80, 0), UsagePace::Half);
        assert_eq!(usage_pace(94, 0), UsagePace::Half);
        assert_eq!(usage_pace(95, 0), UsagePace::Pause(SHORT_PAUSE));
        assert_eq!(usage_pace(100, 0), UsagePace::Pause(SHORT_PAUSE));
        assert_eq!(usage_pace(400, 0), UsagePace::Pause(SHORT_PAUSE));
        // Meta's own wait wins, whatever the percentage.
        assert_eq!(usage_pace(10, 19 * 60_000), UsagePace::Pause(19 * 60_000));
        assert_eq!(usage_pace(100, 200), UsagePace::Pause(SHORT_PAUSE));
    }
}
