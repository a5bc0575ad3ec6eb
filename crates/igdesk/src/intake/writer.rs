//! Group commit for deliveries. Handlers hand their delivery to one writer task and
//! wait; the writer takes everything that queued up while the previous commit was
//! running and writes it in one transaction. Under load a single durable commit
//! (one fsync) acknowledges hundreds of deliveries; at low load a batch is one.

use igdesk_store::{NewDelivery, Store};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::JoinHandle;

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
}

impl IntakeWriter {
    /// Starts the writer. It stops once every `IntakeWriter` clone is dropped and the
    /// queue is drained, so nothing acknowledged-to-be is left behind.
    pub fn spawn(store: Arc<dyn Store>, jobs_ready: Arc<Notify>) -> (Self, JoinHandle<()>) {
        let (queue, rx) = mpsc::channel(MAX_BATCH * 8);
        let task = tokio::spawn(run(store, rx, jobs_ready));
        (Self { queue }, task)
    }

    /// Returns once the delivery and its processing job are durably stored.
    pub async fn record(&self, delivery: NewDelivery) -> Result<(), IntakeError> {
        let (done, wait) = oneshot::channel();
        self.queue
            .send(Pending { delivery, done })
            .await
            .map_err(|_| IntakeError::ShuttingDown)?;
        match wait.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(IntakeError::Store(e)),
            Err(_) => Err(IntakeError::ShuttingDown),
        }
    }
}

async fn run(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Pending>, jobs_ready: Arc<Notify>) {
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
        for waiter in waiters {
            let _ = waiter.send(outcome.clone());
        }
        jobs_ready.notify_waiters();
    }
}
