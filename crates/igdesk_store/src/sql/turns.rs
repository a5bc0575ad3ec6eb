//! SQLite's one writer, shared by this process's writers in turns. Intake's group
//! commit (Meta waiting for its `200`) is urgent: while it waits, other writers do not
//! join the queue ahead of it, so it waits for the writer at hand, not for every
//! background transaction queued behind that one. The others hold back for a
//! bounded time only, so a saturated intake slows background work without stopping it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Notify, OwnedMutexGuard};

/// The longest an ordinary writer stands aside for urgent ones before queueing anyway.
const STAND_ASIDE_AT_MOST: Duration = Duration::from_millis(50);

#[derive(Default)]
pub(super) struct WriterTurns {
    /// A fair (first come, first served) queue.
    writer: Arc<Mutex<()>>,
    urgent_waiting: AtomicUsize,
    urgent_served: Notify,
}

pub(crate) type Turn = OwnedMutexGuard<()>;

impl WriterTurns {
    pub(super) async fn urgent(&self) -> Turn {
        self.urgent_waiting.fetch_add(1, Ordering::SeqCst);
        let turn = self.writer.clone().lock_owned().await;
        if self.urgent_waiting.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.urgent_served.notify_waiters();
        }
        turn
    }

    pub(super) async fn ordinary(&self) -> Turn {
        let deadline = tokio::time::Instant::now() + STAND_ASIDE_AT_MOST;
        loop {
            // Registered before the check, so a wake-up in between is not missed.
            let served = self.urgent_served.notified();
            tokio::pin!(served);
            served.as_mut().enable();
            if self.urgent_waiting.load(Ordering::SeqCst) == 0 {
                break;
            }
            if tokio::time::timeout_at(deadline, served).await.is_err() {
                break;
            }
        }
        self.writer.clone().lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_urgent_writer_goes_before_ordinary_ones_that_came_after_it() {
        let turns = Arc::new(WriterTurns::default());
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let first = turns.ordinary().await;
        let urgent = {
            let (turns, order) = (turns.clone(), order.clone());
            tokio::spawn(async move {
                let _turn = turns.urgent().await;
                order.lock().unwrap().push("urgent");
            })
        };
        tokio::task::yield_now().await;
        let ordinary = {
            let (turns, order) = (turns.clone(), order.clone());
            tokio::spawn(async move {
                let _turn = turns.ordinary().await;
                order.lock().unwrap().push("ordinary");
            })
        };
        tokio::task::yield_now().await;
        drop(first);
        urgent.await.unwrap();
        ordinary.await.unwrap();
        assert_eq!(*order.lock().unwrap(), vec!["urgent", "ordinary"]);
    }

    #[tokio::test]
    async fn an_ordinary_writer_stands_aside_for_a_bounded_time_only() {
        let turns = Arc::new(WriterTurns::default());
        // An urgent writer that waits for ever (the turn is held elsewhere).
        turns.urgent_waiting.fetch_add(1, Ordering::SeqCst);
        let started = tokio::time::Instant::now();
        let _turn = turns.ordinary().await;
        assert!(started.elapsed() >= STAND_ASIDE_AT_MOST);
    }
}
