//! History import (ACC-7): an account's threads are read from the Conversations
//! API a page at a time, and how far that got is kept per account, so an
//! interrupted import resumes at the page it stopped at and a finished one is not
//! done again.

use crate::{ApplyOutcome, Result};
use async_trait::async_trait;
use igdesk_domain::changes::Change;
use igdesk_domain::{AccountId, Millis};

/// How far one account's import got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryProgress {
    pub account: AccountId,
    /// The cursor of the next page to read; none: from the start, or finished.
    pub cursor: Option<String>,
    /// Threads and messages read so far (a message stored before, from a webhook,
    /// counts too).
    pub threads: i64,
    pub messages: i64,
    pub started_at: Millis,
    pub updated_at: Millis,
    pub finished_at: Option<Millis>,
}

impl HistoryProgress {
    pub fn finished(&self) -> bool {
        self.finished_at.is_some()
    }
}

/// One page of threads read, to record with its messages.
#[derive(Debug, Clone)]
pub struct HistoryPage<'a> {
    pub account: AccountId,
    /// Its messages as items (see `igdesk_domain::changes`).
    pub changes: &'a [Change],
    pub threads: i64,
    pub messages: i64,
    /// The cursor of the next page; none: this was the last.
    pub next: Option<&'a str>,
}

#[async_trait]
pub trait HistoryStore: Send + Sync + 'static {
    /// How far the account's import got; none: it has not started.
    async fn history_progress(&self, account: AccountId) -> Result<Option<HistoryProgress>>;
    /// Every connected account's import that has started, for the accounts table.
    async fn history_imports(&self) -> Result<Vec<HistoryProgress>>;
    /// A page read: its changes applied as `apply_changes` does, and in the same
    /// transaction the counts added and the cursor moved to `next` (finished when
    /// none). A crash before the commit leaves the page to read again; its
    /// messages, keyed by Meta's id, are stored once either way.
    async fn record_history_page(&self, page: HistoryPage<'_>, now: Millis)
        -> Result<ApplyOutcome>;
}
