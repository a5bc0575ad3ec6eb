//! igdesk's idea of now for the agent's day: offer timeouts, sessions ending, SLA.
//! Running, it is the system clock. Scenario tests pause it and move it on by hand,
//! so "no answer in 30 seconds" or "a day of silence" take no time to test.

use igdesk_domain::Millis;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

#[derive(Clone, Default)]
pub struct Clock {
    paused_at: Option<Arc<AtomicI64>>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock stopped at the system's now, that moves only by [`Clock::advance`].
    pub fn paused() -> Self {
        Self {
            paused_at: Some(Arc::new(AtomicI64::new(crate::now_ms()))),
        }
    }

    pub fn now(&self) -> Millis {
        match &self.paused_at {
            Some(at) => at.load(Ordering::SeqCst),
            None => crate::now_ms(),
        }
    }

    pub fn is_paused(&self) -> bool {
        self.paused_at.is_some()
    }

    /// Moves a paused clock on; the system clock cannot be moved.
    pub fn advance(&self, by: Millis) {
        let at = self
            .paused_at
            .as_ref()
            .expect("only a paused clock can be moved on");
        at.fetch_add(by, Ordering::SeqCst);
    }
}
