//! Sends Meta accepted, recorded together (SQLite). Each record is a write of
//! SQLite's one writer and a sync of its log; recording the sends that came back
//! meanwhile in one transaction makes a backlog's settling a write per batch, not
//! per message, so it keeps out of intake's way. A send not yet recorded when
//! igdesk stops is `sending`: Meta's echo or record of the thread settles it then
//! (see `interrupted`), so nothing is sent twice.

use crate::app::App;
use igdesk_store::{Lane, SentRecord};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::JoinHandle;

/// Records taken at most per transaction.
const MOST: usize = 256;

/// What the send loops leave in the book.
enum Entry {
    Sent(Lane, SentRecord),
    /// Answered once everything left before it is recorded.
    Flush(oneshot::Sender<()>),
}

/// Where the send loops leave what Meta accepted.
#[derive(Clone)]
pub struct Book(mpsc::UnboundedSender<Entry>);

impl Book {
    /// The book and its recorder; the recorder ends once every copy of the book
    /// is dropped and what was left in it is recorded.
    pub fn open(app: &App, settled: Arc<Notify>) -> (Book, JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let recorder = tokio::spawn(record(app.clone(), rx, settled));
        (Book(tx), recorder)
    }

    pub fn sent(&self, lane: Lane, record: SentRecord) {
        // The recorder outlives the loops (it ends after them), so this never fails
        // in practice; if it did, the send stays `sending` and is settled as above.
        let _ = self.0.send(Entry::Sent(lane, record));
    }

    /// Returns once every send left so far is recorded: the account limits read
    /// the store's count of sends when the next batch starts.
    pub async fn flushed(&self) {
        let (done, recorded) = oneshot::channel();
        if self.0.send(Entry::Flush(done)).is_ok() {
            let _ = recorded.await;
        }
    }
}

async fn record(app: App, mut rx: mpsc::UnboundedReceiver<Entry>, settled: Arc<Notify>) {
    let mut batch = Vec::new();
    while rx.recv_many(&mut batch, MOST).await > 0 {
        let mut sent = Vec::new();
        let mut flushes = Vec::new();
        for entry in batch.drain(..) {
            match entry {
                Entry::Sent(lane, record) => sent.push((lane, record)),
                Entry::Flush(done) => flushes.push(done),
            }
        }
        for lane in [Lane::Console, Lane::Api] {
            let records: Vec<SentRecord> = sent
                .iter()
                .filter(|(l, _)| *l == lane)
                .map(|(_, r)| r.clone())
                .collect();
            write(&app, lane, &records).await;
        }
        // Everything left before a flush is in this batch or an earlier one.
        for done in flushes {
            let _ = done.send(());
        }
        if sent.is_empty() {
            continue;
        }
        // Each customer's next message may be due now, and the statuses are news.
        settled.notify_waiters();
        app.wake.sends.notify_waiters();
        app.wake.live.everyone();
        app.wake.api_webhooks.notify_waiters();
    }
}

/// Records `records` in one transaction; if that fails, one by one, so one bad
/// record does not keep the others from being written.
async fn write(app: &App, lane: Lane, records: &[SentRecord]) {
    if records.is_empty() {
        return;
    }
    let Err(e) = app.store.record_all_sent(lane, records).await else {
        return;
    };
    tracing::warn!(error = %e, sends = records.len(), "recording sends together failed; one by one");
    for r in records {
        let recorded = app.store.record_sent_in(lane, r.job, r.item, &r.mid, r.at);
        if let Err(e) = recorded.await {
            // Meta has it; the echo will complete the record.
            tracing::error!(error = %e, item = %r.item, "sent but not recorded");
        }
    }
}
