//! One account's limits: igdesk's message limit over its window (OUT-5), Meta's
//! per-second Send API rate, and the usage Meta reports on its answers.

use igdesk_domain::pacing::{usage_pace, UsagePace};
use igdesk_domain::rules::{next_send_slot, PRIVATE_REPLIES_PER_HOUR, SEND_TRANSIT};
use igdesk_domain::time::HOUR;
use igdesk_domain::Millis;
use igdesk_meta::Usage;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// Meta counts its per-second rates over a rolling second.
const SECOND: Millis = 1_000;
/// How long an account's limits stay in memory after its gate closes: a batch or a
/// person's reply opening the next gate within this time goes on from them instead
/// of reading the account's sends in the window again (with a raised limit, the
/// thousands of rows a reply arriving between two batches waited for: 13.5 ms on
/// average, up to 42). Every send of this instance reserves through the gate, so
/// what is kept counts them all; other instances' count in the store's grants.
const KEEP_LIMITS: Millis = 2_000;
/// A pause Meta's usage asks for that is longer than this releases the
/// account's jobs (and pauses the account in the store) instead of waiting in
/// the send loop.
pub const LONGEST_WAIT: Millis = 2_000;

/// The part of Meta's per-second rate a backlog may take: the rest is kept for
/// people's replies, so that one never waits for the next second behind it.
fn backlog_share(per_second: u32) -> usize {
    (per_second - per_second / 10).max(1) as usize
}

/// Meta's rate for one account, across batches and across the send loops
/// (the backlog's and people's replies').
#[derive(Default)]
pub struct Pacer {
    /// Calls made or planned within the last second, in time order.
    calls: VecDeque<Millis>,
    /// Meta's latest usage asked for half rate: calls are spaced evenly.
    slow: bool,
    /// While slow: the earliest the next backlog call may go.
    next_at: Millis,
    /// No call before then: Meta's usage is nearly full, or Meta said how long.
    paused_until: Millis,
    /// The highest usage Meta reported most recently, for the account's status.
    percent: u32,
    /// The gate of the batch sending for the account now: a person's reply sent
    /// beside it counts in the same limits.
    gate: Weak<Gate>,
    /// What the last gate closed with, and until when the next may take it up.
    kept: Option<(Millis, GateState)>,
}

/// When a call may go.
#[derive(Debug, PartialEq, Eq)]
enum Slot {
    At(Millis),
    /// Meta's usage pauses the account until then: longer than a loop should wait.
    Paused {
        until: Millis,
        percent: u32,
    },
}

impl Pacer {
    /// Reads Meta's usage on an answer received at `now`.
    pub fn observe(&mut self, usage: Usage, now: Millis) {
        self.percent = usage.percent;
        let regain = usage.regain.map_or(0, |d| d.as_millis() as Millis);
        match usage_pace(usage.percent, regain) {
            UsagePace::Full => self.slow = false,
            UsagePace::Half => self.slow = true,
            UsagePace::Pause(wait) => {
                // Probing again after the pause goes at half rate until a reading
                // says the budget is back.
                self.slow = true;
                self.paused_until = self.paused_until.max(now + wait);
            }
        }
    }

    /// When Meta's usage lets a call go, if it pauses the account now.
    pub fn paused_until(&self, now: Millis) -> Option<Millis> {
        (self.paused_until > now).then_some(self.paused_until)
    }

    /// Plans one call asked for at `now`. A person's reply (`interactive`) goes as
    /// soon as the last second has room under Meta's full rate; the backlog's calls
    /// take their share, after every call already planned, spaced evenly while slow.
    fn slot(&mut self, now: Millis, per_second: u32, interactive: bool) -> Slot {
        if self.paused_until > now + LONGEST_WAIT {
            return Slot::Paused {
                until: self.paused_until,
                percent: self.percent,
            };
        }
        while self.calls.front().is_some_and(|t| *t <= now - SECOND) {
            self.calls.pop_front();
        }
        let mut at = now.max(self.paused_until);
        if !interactive {
            at = at.max(self.calls.back().copied().unwrap_or(at));
        }
        if self.slow {
            // Every call waits its turn then, people's replies too, so that each
            // answer's reading is in before the next call goes.
            at = at.max(self.next_at);
            let step = Millis::from(per_second.max(1));
            self.next_at = at + (2 * SECOND + step - 1) / step;
        }
        if interactive {
            // Backlog calls planned later are not in its way.
            let past: Vec<Millis> = self.calls.iter().copied().filter(|t| *t <= at).collect();
            at = next_send_slot(at, &past, per_second.max(1) as usize, SECOND);
        } else {
            let planned: Vec<Millis> = self.calls.iter().copied().collect();
            at = next_send_slot(at, &planned, backlog_share(per_second), SECOND);
        }
        let index = self.calls.partition_point(|t| *t <= at);
        self.calls.insert(index, at);
        Slot::At(at)
    }
}

/// The gate a batch for `pacer`'s account shares with people's replies sent
/// beside it, if one is open.
pub fn open_gate(pacer: &Mutex<Pacer>) -> Option<Arc<Gate>> {
    pacer.lock().expect("pacer lock").gate.upgrade()
}

/// Shares `gate` for its account, unless another was opened meanwhile: that one.
pub fn share_gate(gate: Gate) -> Arc<Gate> {
    let pacer = gate.pacer.clone();
    let mut pacer = pacer.lock().expect("pacer lock");
    if let Some(open) = pacer.gate.upgrade() {
        return open;
    }
    let gate = Arc::new(gate);
    pacer.gate = Arc::downgrade(&gate);
    gate
}

/// One account's limits while it sends. A send is counted when it is reserved,
/// before it is made, so sends in flight together never overshoot; it is counted
/// at the time it is to go (after Meta's per-second pacing), and kept in the
/// message window and the private replies' hour [`SEND_TRANSIT`] longer, for its
/// time on the way: Meta counts it when it arrives.
pub struct Gate {
    state: Mutex<GateState>,
    pacer: Arc<Mutex<Pacer>>,
    limit: usize,
    window: Millis,
    per_second: u32,
}

#[derive(Debug)]
pub enum Reserve {
    /// Send, after this pause (Meta's per-second rate and usage).
    Go(Duration),
    /// The account reached its message limit until then.
    AccountFull(Millis),
    /// Private replies reached Meta's hourly limit until then.
    PrivateRepliesFull(Millis),
    /// Meta's usage headers pause the account until then.
    UsagePaused { until: Millis, percent: u32 },
}

#[derive(Default)]
struct GateState {
    recent: Vec<Millis>,
    private: Vec<Millis>,
    held_until: Option<Millis>,
}

impl Gate {
    pub fn new(
        limit: usize,
        window: Millis,
        recent: Vec<Millis>,
        private: Vec<Millis>,
        per_second: u32,
        pacer: Arc<Mutex<Pacer>>,
    ) -> Self {
        Self {
            state: Mutex::new(GateState {
                recent,
                private,
                held_until: None,
            }),
            pacer,
            limit,
            window,
            per_second,
        }
    }

    /// The limits as the account's last gate closed with them, if it closed less
    /// than [`KEEP_LIMITS`] before `now`; `None`: read them from the store.
    pub fn kept(
        limit: usize,
        window: Millis,
        per_second: u32,
        pacer: &Arc<Mutex<Pacer>>,
        now: Millis,
    ) -> Option<Self> {
        let (until, mut state) = pacer.lock().expect("pacer lock").kept.take()?;
        if until <= now {
            return None;
        }
        // A hold is its batch's own (a rejected token holds until the account is
        // reconnected, which may be now): the next gate starts without one, as a
        // gate read from the store does, and finds a full window by the counts.
        state.held_until = None;
        state.recent.retain(|t| *t > now - window - SEND_TRANSIT);
        state.private.retain(|t| *t > now - HOUR - SEND_TRANSIT);
        Some(Self {
            state: Mutex::new(state),
            pacer: pacer.clone(),
            limit,
            window,
            per_second,
        })
    }

    pub fn held(&self) -> Option<Millis> {
        self.state.lock().expect("gate lock").held_until
    }

    pub fn hold(&self, until: Millis) {
        let mut state = self.state.lock().expect("gate lock");
        state.held_until = Some(state.held_until.map_or(until, |h| h.max(until)));
    }

    /// A send asked of the limits every instance shares (in the store).
    pub fn shared_ask(&self, private_reply: bool, interactive: bool) -> igdesk_store::SendAsk {
        igdesk_store::SendAsk {
            private_reply,
            interactive,
            limit: self.limit as i64,
            window: self.window,
            per_second: i64::from(self.per_second),
            private_per_hour: PRIVATE_REPLIES_PER_HOUR as i64,
        }
    }

    /// Meta's usage on an answer received at `now`.
    pub fn observe(&self, usage: Option<Usage>, now: Millis) {
        if let Some(usage) = usage {
            self.pacer.lock().expect("pacer lock").observe(usage, now);
        }
    }

    /// Until when Meta's usage pauses the account, if it does at `now`.
    pub fn paused_until(&self, now: Millis) -> Option<Millis> {
        self.pacer.lock().expect("pacer lock").paused_until(now)
    }

    pub fn reserve(&self, now: Millis, private_reply: bool, interactive: bool) -> Reserve {
        let mut state = self.state.lock().expect("gate lock");
        if let Some(until) = state.held_until {
            return Reserve::AccountFull(until);
        }
        // The counts hold sends planned for later too. This one goes at `now` or
        // later, so the window ending when it goes holds no more sends than are
        // counted here.
        let window = self.window + SEND_TRANSIT;
        let slot = next_send_slot(now, &state.recent, self.limit, window);
        if slot > now {
            state.held_until = Some(slot);
            return Reserve::AccountFull(slot);
        }
        if private_reply {
            let hour = HOUR + SEND_TRANSIT;
            let slot = next_send_slot(now, &state.private, PRIVATE_REPLIES_PER_HOUR, hour);
            if slot > now {
                return Reserve::PrivateRepliesFull(slot);
            }
        }
        let planned =
            self.pacer
                .lock()
                .expect("pacer lock")
                .slot(now, self.per_second, interactive);
        let at = match planned {
            Slot::At(at) => at,
            Slot::Paused { until, percent } => return Reserve::UsagePaused { until, percent },
        };
        if private_reply {
            state.private.push(at);
        }
        state.recent.push(at);
        Reserve::Go(Duration::from_millis((at - now).max(0) as u64))
    }
}

impl Drop for Gate {
    /// Leaves the limits to the account's next gate (see [`KEEP_LIMITS`]).
    fn drop(&mut self) {
        let state = std::mem::take(self.state.get_mut().unwrap_or_else(|e| e.into_inner()));
        let until = crate::now_ms() + KEEP_LIMITS;
        if let Ok(mut pacer) = self.pacer.lock() {
            pacer.kept = Some((until, state));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(limit: usize, per_second: u32) -> Gate {
        Gate::new(limit, 10_000, vec![], vec![], per_second, Arc::default())
    }

    fn go(reserve: Reserve) -> Millis {
        match reserve {
            Reserve::Go(d) => d.as_millis() as Millis,
            other => panic!("expected Go, got {other:?}"),
        }
    }

    fn usage(percent: u32, regain_minutes: u64) -> Option<Usage> {
        Some(Usage {
            percent,
            regain: (regain_minutes > 0).then(|| Duration::from_secs(regain_minutes * 60)),
        })
    }

    #[test]
    fn the_next_gate_soon_after_goes_on_from_the_last_ones_limits() {
        let pacer: Arc<Mutex<Pacer>> = Arc::default();
        let now = crate::now_ms();
        let first = Gate::new(2, 10_000, vec![now - 1], vec![], 300, pacer.clone());
        assert!(matches!(first.reserve(now, false, false), Reserve::Go(_)));
        drop(first);
        // Too late: the store is read again.
        assert!(Gate::kept(2, 10_000, 300, &pacer, now + KEEP_LIMITS + 1_000).is_none());
        let first = Gate::new(2, 10_000, vec![now - 1], vec![], 300, pacer.clone());
        assert!(matches!(first.reserve(now, false, false), Reserve::Go(_)));
        drop(first);
        let next = Gate::kept(2, 10_000, 300, &pacer, now + 1).expect("kept");
        assert!(
            matches!(next.reserve(now + 1, false, false), Reserve::AccountFull(s) if s == now - 1 + 10_000 + SEND_TRANSIT),
            "the two sends of the last gate still fill the window"
        );
        assert!(
            Gate::kept(2, 10_000, 300, &pacer, now + 1).is_none(),
            "taken once"
        );
    }

    #[test]
    fn a_hold_is_left_with_its_gate() {
        let pacer: Arc<Mutex<Pacer>> = Arc::default();
        let now = crate::now_ms();
        let first = Gate::new(5, 10_000, vec![], vec![], 300, pacer.clone());
        first.hold(now + 60_000);
        drop(first);
        let next = Gate::kept(5, 10_000, 300, &pacer, now + 1).expect("kept");
        assert_eq!(next.held(), None);
        assert!(matches!(
            next.reserve(now + 1, false, false),
            Reserve::Go(_)
        ));
    }

    #[test]
    fn the_account_limit_holds_the_account_until_a_slot_frees() {
        let g = gate(2, 300);
        assert!(matches!(g.reserve(1_000, false, false), Reserve::Go(_)));
        assert!(matches!(g.reserve(2_000, false, false), Reserve::Go(_)));
        // The first send leaves the 10 s window, and the time it may spend on the
        // way, at 13 s.
        assert!(matches!(
            g.reserve(3_000, false, false),
            Reserve::AccountFull(13_000)
        ));
        assert_eq!(g.held(), Some(13_000));
    }

    #[test]
    fn a_send_is_counted_from_when_it_goes_not_when_it_was_asked_for() {
        // Ten sends asked for at once with Meta allowing ten a second: the backlog
        // takes nine, the tenth goes a second later and is counted from then.
        let g = gate(10, 10);
        let waits: Vec<Millis> = (0..10)
            .map(|_| go(g.reserve(5_000, false, false)))
            .collect();
        assert_eq!(waits, [vec![0; 9], vec![1_000]].concat());
        // At 17 s the nine that went at 5 s have left the window and their time on
        // the way (10 s + 2 s); the tenth, gone at 6 s, has not: nine more fit.
        for _ in 0..9 {
            go(g.reserve(17_000, false, false));
        }
        assert!(matches!(
            g.reserve(17_000, false, false),
            Reserve::AccountFull(18_000)
        ));
    }

    #[test]
    fn private_replies_wait_alone_for_their_hourly_limit() {
        let hour_ago_plus = (0..PRIVATE_REPLIES_PER_HOUR as i64)
            .map(|i| 1_000 + i)
            .collect();
        let g = Gate::new(
            1_000_000,
            10_000,
            vec![],
            hour_ago_plus,
            300,
            Arc::default(),
        );
        let now = 2_000_000;
        assert!(
            matches!(g.reserve(now, true, false), Reserve::PrivateRepliesFull(s) if s == 1_000 + HOUR + SEND_TRANSIT)
        );
        assert!(
            matches!(g.reserve(now, false, false), Reserve::Go(_)),
            "other messages go on"
        );
        assert_eq!(g.held(), None);
    }

    #[test]
    fn the_backlog_takes_nine_tenths_of_a_rolling_second() {
        let g = gate(1_000, 10);
        for _ in 0..9 {
            assert_eq!(go(g.reserve(5_000, false, false)), 0);
        }
        // The tenth waits until the first leaves the second.
        assert_eq!(go(g.reserve(5_100, false, false)), 900);
    }

    #[test]
    fn a_persons_reply_goes_at_once_beside_a_full_backlog() {
        let g = gate(1_000, 10);
        for _ in 0..20 {
            g.reserve(5_000, false, false);
        }
        assert_eq!(go(g.reserve(5_010, false, true)), 0);
        // Meta's full rate still holds for people's replies.
        assert_eq!(go(g.reserve(5_020, false, true)), 980);
    }

    #[test]
    fn high_usage_halves_the_rate_and_spaces_the_calls() {
        let g = gate(1_000, 100);
        g.observe(usage(85, 0), 5_000);
        let waits: Vec<Millis> = (0..3).map(|_| go(g.reserve(5_000, false, false))).collect();
        // 50 calls per second: one each 20 ms.
        assert_eq!(waits, vec![0, 20, 40]);
        g.observe(usage(30, 0), 5_001);
        assert_eq!(go(g.reserve(5_100, false, false)), 0, "back to full rate");
    }

    #[test]
    fn nearly_full_usage_pauses_for_a_second_then_probes() {
        let g = gate(1_000, 100);
        g.observe(usage(96, 0), 5_000);
        assert_eq!(g.paused_until(5_500), Some(6_000));
        assert_eq!(go(g.reserve(5_500, false, false)), 500);
        // Then at half rate, people's replies too: one call each 20 ms.
        assert_eq!(go(g.reserve(5_500, false, true)), 520);
        assert_eq!(g.paused_until(6_000), None);
    }

    #[test]
    fn metas_wait_pauses_the_account_that_long() {
        let g = gate(1_000, 100);
        g.observe(usage(100, 3), 5_000);
        assert!(matches!(
            g.reserve(6_000, false, false),
            Reserve::UsagePaused { until, percent: 100 } if until == 5_000 + 180_000
        ));
        // A lower reading later does not shorten Meta's wait.
        g.observe(usage(10, 0), 6_000);
        assert_eq!(g.paused_until(7_000), Some(185_000));
    }

    #[test]
    fn replies_beside_a_batch_share_its_gate() {
        let pacer: Arc<Mutex<Pacer>> = Arc::default();
        assert!(open_gate(&pacer).is_none());
        let batch = share_gate(Gate::new(2, 10_000, vec![], vec![], 300, pacer.clone()));
        let reply = open_gate(&pacer).expect("the batch's gate");
        assert!(Arc::ptr_eq(&batch, &reply));
        let late = share_gate(Gate::new(2, 10_000, vec![], vec![], 300, pacer.clone()));
        assert!(Arc::ptr_eq(&batch, &late), "the first opened stays shared");
        drop((batch, reply, late));
        assert!(open_gate(&pacer).is_none());
    }
}
