//! Group commit for deliveries. Handlers hand their delivery to one writer task and
//! wait; the writer takes everything that queued up while the previous commit was
//! running and writes it in one transaction. Under load a single durable commit
//! (one fsync) acknowledges hundreds of deliveries; at low load a batch is one.

use igdesk_store::{Backend, NewDelivery, Store};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Deliveries waiting for a commit at which intake counts as saturated.
const SATURATED: usize = 100;

/// Upper bound of one batch: keeps a commit short enough for p99 latency.
const MAX_BATCH: usize = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("the store could not record the delivery: {0}")]
    Store(String),
    #[error("igdesk is shutting down")]
    ShuttingDown,
}

struct Pending {
    delivery: NewDelivery,
    done: oneshot::Sender<Result<(), String>>,
}

#[derive(Clone)]
pub struct IntakeWriter {
    queue: mpsc::Sender<Pending>,
    /// Deliveries handed over and not yet committed.
    in_flight: Arc<AtomicUsize>,
    /// Intake and processing take turns at one writer (SQLite): processing's batch
    /// is then what intake waits behind.
    shared_writer: bool,
}

impl IntakeWriter {
    /// Starts the writer. It stops once every `IntakeWriter` clone is dropped and the
    /// queue is drained, so nothing acknowledged-to-be is left behind.
    pub fn spawn(
        store: Arc<dyn Store>,
        jobs_ready: Arc<crate::wake::Signal>,
    ) -> (Self, JoinHandle<()>) {
        let (queue, rx) = mpsc::channel(MAX_BATCH * 8);
        let in_flight = Arc::new(AtomicUsize::new(0));
        let shared_writer = store.backend() == Backend::Sqlite;
        let task = tokio::spawn(run(store, rx, jobs_ready, in_flight.clone()));
        let writer = Self {
            queue,
            in_flight,
            shared_writer,
        };
        (writer, task)
    }

    /// Returns once the delivery and its processing job are durably stored.
    pub async fn record(&self, delivery: NewDelivery) -> Result<(), IntakeError> {
        let (done, wait) = oneshot::channel();
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.queue
            .send(Pending { delivery, done })
            .await
            .map_err(|_| {
                self.in_flight.fetch_sub(1, Ordering::Relaxed);
                IntakeError::ShuttingDown
            })?;
        match wait.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(IntakeError::Store(e)),
            Err(_) => Err(IntakeError::ShuttingDown),
        }
    }
}

/// Deliveries processing takes in one turn at the writer (see `pace`).
const PACE: usize = 64;
const PACE_SATURATED: usize = 32;
/// Without a shared writer (PostgreSQL) intake never waits behind processing, so
/// processing takes big batches: fewer, larger statements keep up with a burst.
const PACE_UNSHARED: usize = 500;

impl IntakeWriter {
    /// How many deliveries processing should take in its next turn at the writer.
    /// Enough that during a burst processing keeps pace with intake's group commits
    /// (new work reaches agents in tens of milliseconds), few enough that Meta's
    /// acknowledgements never wait long behind it; fewer while intake is saturated.
    pub fn pace(&self) -> usize {
        if !self.shared_writer {
            PACE_UNSHARED
        } else if self.in_flight.load(Ordering::Relaxed) >= SATURATED {
            PACE_SATURATED
        } else {
            PACE
        }
    }

    /// Lets background work give way to Meta's deliveries when intake is saturated
    /// (a burst: many deliveries waiting for their commit); waits at most `at_most`,
    /// so processing always moves. Ordinary traffic does not make it wait, nor does
    /// anything without a shared writer.
    pub async fn until_unsaturated(&self, at_most: Duration) {
        let deadline = tokio::time::Instant::now() + at_most;
        while self.shared_writer
            && self.in_flight.load(Ordering::Relaxed) >= SATURATED
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

async fn run(
    store: Arc<dyn Store>,
    mut rx: mpsc::Receiver<Pending>,
    jobs_ready: Arc<crate::wake::Signal>,
    in_flight: Arc<AtomicUsize>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (deliveries, waiters): (Vec<_>, Vec<_>) =
            batch.drain(..).map(|p| (p.delivery, p.done)).unzip();
        let started = std::time::Instant::now();
        let result = store.record_deliveries(&deliveries).await;
        metrics::histogram!("igdesk_intake_commit_seconds").record(started.elapsed().as_secs_f64());
        metrics::histogram!("igdesk_intake_batch_size").record(deliveries.len() as f64);
        let outcome = result.map(|_| ()).map_err(|e| {
            tracing::error!(error = %e, batch = deliveries.len(), "could not record deliveries");
            e.to_string()
        });
        in_flight.fetch_sub(waiters.len(), Ordering::Relaxed);
        for waiter in waiters {
            let _ = waiter.send(outcome.clone());
        }
        jobs_ready.notify_waiters();
    }
}
