//! Meta's published call rates per business account (meta-instagram-api.md §6),
//! as rolling windows: a call is admitted when fewer than the limit were
//! admitted in the window before it. Refused calls are not counted, so a client
//! that waits for the window to roll regains access at once.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// One family of calls with its own limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Lane {
    /// Send API on graph.facebook.com: 300 calls/s.
    SendFacebook,
    /// Send API on graph.instagram.com: 100 calls/s.
    SendInstagram,
    /// Audio and video sends: 10 calls/s on either host.
    Media,
    /// Private replies on posts and reels: 750 per hour.
    PrivateReplies,
    /// Conversations API: 2 calls/s.
    Conversations,
    /// Every Graph call of the app, all businesses together, per rolling hour:
    /// what `X-App-Usage` reports. Meta's budget is 200 calls per user per hour;
    /// the simulator's default is set high enough never to get in a test's way.
    App,
}

impl Lane {
    fn window(self) -> Duration {
        match self {
            Lane::PrivateReplies | Lane::App => Duration::from_secs(3600),
            _ => Duration::from_secs(1),
        }
    }
}

/// How full a lane is after a call: what the usage header reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Usage {
    /// Percent of the limit used, as Meta's `call_count`.
    pub percent: u32,
    /// Until the oldest counted call leaves the window (zero when admitted).
    pub regain: Duration,
}

#[derive(Debug)]
pub(crate) struct Limits {
    pub send_facebook_per_sec: u32,
    pub send_instagram_per_sec: u32,
    pub private_replies_per_hour: u32,
    pub conversations_per_sec: u32,
    pub app_calls_per_hour: u32,
    windows: HashMap<(String, Lane), VecDeque<Instant>>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            send_facebook_per_sec: 300,
            send_instagram_per_sec: 100,
            private_replies_per_hour: 750,
            conversations_per_sec: 2,
            app_calls_per_hour: 10_000_000,
            windows: HashMap::new(),
        }
    }
}

impl Limits {
    fn limit(&self, lane: Lane) -> u32 {
        match lane {
            Lane::SendFacebook => self.send_facebook_per_sec,
            Lane::SendInstagram => self.send_instagram_per_sec,
            Lane::Media => 10,
            Lane::PrivateReplies => self.private_replies_per_hour,
            Lane::Conversations => self.conversations_per_sec,
            Lane::App => self.app_calls_per_hour,
        }
    }

    /// Count one call of `business` in `lane` if the limit allows it.
    pub fn admit(&mut self, business: &str, lane: Lane) -> Result<Usage, Usage> {
        let usage = self.check(business, lane, Instant::now());
        if usage.is_ok() {
            self.count(business, lane);
        }
        usage
    }

    /// Whether one more call would be admitted, without counting it.
    pub fn peek(&mut self, business: &str, lane: Lane) -> Result<Usage, Usage> {
        self.check(business, lane, Instant::now())
    }

    /// Count a call checked earlier with [`Self::peek`].
    pub fn count(&mut self, business: &str, lane: Lane) {
        let hits = self.windows.entry((business.to_owned(), lane)).or_default();
        hits.push_back(Instant::now());
    }

    /// How full `lane` is now, counting the calls already admitted in its window
    /// (the usage headers of answers that are no call of that lane).
    pub fn current(&mut self, business: &str, lane: Lane) -> Usage {
        let now = Instant::now();
        let limit = self.limit(lane).max(1);
        let used = self.prune(business, lane, now);
        Usage {
            percent: used.saturating_mul(100) / limit,
            regain: Duration::ZERO,
        }
    }

    /// Drops the calls that left the window; how many remain.
    fn prune(&mut self, business: &str, lane: Lane, now: Instant) -> u32 {
        let window = lane.window();
        let hits = self.windows.entry((business.to_owned(), lane)).or_default();
        while hits
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            hits.pop_front();
        }
        u32::try_from(hits.len()).unwrap_or(u32::MAX)
    }

    fn check(&mut self, business: &str, lane: Lane, now: Instant) -> Result<Usage, Usage> {
        let limit = self.limit(lane).max(1);
        let window = lane.window();
        let used = self.prune(business, lane, now);
        if used < limit {
            let percent = (used + 1).saturating_mul(100) / limit;
            return Ok(Usage {
                percent,
                regain: Duration::ZERO,
            });
        }
        let hits = &self.windows[&(business.to_owned(), lane)];
        let oldest = hits.front().copied().unwrap_or(now);
        let regain = window.saturating_sub(now.duration_since(oldest));
        Err(Usage {
            percent: 100,
            regain,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_up_to_the_limit_per_business() {
        let mut limits = Limits {
            send_instagram_per_sec: 2,
            ..Limits::default()
        };
        assert_eq!(limits.admit("a", Lane::SendInstagram).unwrap().percent, 50);
        assert_eq!(limits.admit("a", Lane::SendInstagram).unwrap().percent, 100);
        let refused = limits.admit("a", Lane::SendInstagram).unwrap_err();
        assert!(refused.regain <= Duration::from_secs(1));
        assert!(limits.admit("b", Lane::SendInstagram).is_ok());
        assert!(limits.admit("a", Lane::SendFacebook).is_ok());
        assert!(limits.peek("a", Lane::Conversations).is_ok());
        assert!(
            limits.peek("a", Lane::Conversations).is_ok(),
            "peek does not count"
        );
        assert_eq!(limits.current("a", Lane::SendInstagram).percent, 100);
        assert_eq!(limits.current("b", Lane::SendInstagram).percent, 50);
        assert_eq!(limits.current("c", Lane::SendInstagram).percent, 0);
    }
}
