//! Echo webhooks for messages the Send API accepted. Meta sends them shortly
//! after the send, on its own schedule: here one worker task delivers them in
//! acceptance order, each no earlier than `delay` after its send, so the Send
//! API answer never waits for igdesk's webhook endpoint.

use std::sync::{Mutex, Weak};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{Inner, Simulator};
use crate::webhook::Delivery;

/// The default pause between a send and its echo.
pub(crate) const DEFAULT_DELAY: Duration = Duration::from_millis(100);

struct Pending {
    due: Instant,
    delivery: Delivery,
}

/// The channel to the worker; started on the first echo, from inside the
/// runtime that serves the Graph API, and restarted if that runtime went away.
#[derive(Default)]
pub(crate) struct EchoQueue {
    sender: Mutex<Option<mpsc::UnboundedSender<Pending>>>,
}

impl EchoQueue {
    pub fn push(&self, sim: &Simulator, delivery: Delivery, delay: Duration) {
        let mut pending = Pending {
            due: Instant::now() + delay,
            delivery,
        };
        let mut sender = self.sender.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = sender.as_ref() {
            match tx.send(pending) {
                Ok(()) => return,
                Err(mpsc::error::SendError(back)) => pending = back,
            }
        }
        let (tx, rx) = mpsc::unbounded_channel();
        // The worker holds the simulator weakly: dropping the last Simulator
        // drops the sender, which ends the worker once its queue is empty.
        tokio::spawn(worker(std::sync::Arc::downgrade(&sim.inner), rx));
        // Cannot fail: the receiver is alive in the task just spawned.
        let _ = tx.send(pending);
        *sender = Some(tx);
    }
}

/// First pause before delivering an echo again, and the longest one.
const RETRY_FIRST: Duration = Duration::from_millis(200);
const RETRY_MAX: Duration = Duration::from_secs(5);

async fn worker(sim: Weak<Inner>, mut queue: mpsc::UnboundedReceiver<Pending>) {
    while let Some(pending) = queue.recv().await {
        tokio::time::sleep_until(pending.due).await;
        // Like Meta, an echo the receiver did not acknowledge is delivered again
        // until it is (Meta keeps trying for hours); later echoes wait their turn.
        let mut pause = RETRY_FIRST;
        loop {
            let Some(inner) = sim.upgrade() else { return };
            let sim = Simulator { inner };
            match sim.deliver(&pending.delivery).await {
                Ok(status) if (200..300).contains(&status) => break,
                // No app is subscribed to the business: Meta drops the echo.
                Ok(super::NOT_DELIVERED) => break,
                Ok(status) => tracing::warn!(status, "the webhook refused an echo; retrying"),
                Err(error) => {
                    tracing::warn!(error = %format!("{error:#}"), "delivering an echo; retrying")
                }
            }
            drop(sim);
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(RETRY_MAX);
        }
    }
}
