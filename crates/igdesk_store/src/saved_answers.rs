//! Saved answers: replies administrators keep, for one inbox or for
//! everyone, that agents insert in the composer. The store keeps them as written
//! (placeholders unfilled) and counts their uses; the rules are the service's.

use crate::model::Scope;
use crate::Result;
use async_trait::async_trait;
use igdesk_domain::{InboxId, Millis, SavedAnswerId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedAnswer {
    pub id: SavedAnswerId,
    /// `None`: every agent's.
    pub inbox_id: Option<InboxId>,
    pub title: String,
    /// As written, placeholders and all.
    pub text: String,
    /// An upload (`/media/{id}`) sent after the text.
    pub image_id: Option<String>,
    /// How many times agents inserted it.
    pub uses: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(Debug, Clone)]
pub struct NewSavedAnswer {
    pub inbox_id: Option<InboxId>,
    pub title: String,
    pub text: String,
    pub image_id: Option<String>,
}

/// What an edit changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SavedAnswerChange {
    /// `Some(None)`: for everyone.
    pub inbox_id: Option<Option<InboxId>>,
    pub title: Option<String>,
    pub text: Option<String>,
    /// `Some(None)`: the image is taken off.
    pub image_id: Option<Option<String>>,
}

#[async_trait]
pub trait SavedAnswerStore: Send + Sync + 'static {
    /// The answers `scope` may use, by title: an agent's inboxes' and everyone's;
    /// every one for an administrator.
    async fn saved_answers(&self, scope: Scope) -> Result<Vec<SavedAnswer>>;
    /// `None` when there is no such answer in `scope`.
    async fn saved_answer(&self, scope: Scope, id: SavedAnswerId) -> Result<Option<SavedAnswer>>;
    /// [`crate::StoreError::Conflict`] when its scope has an answer of that title, in
    /// any case. The caller is an administrator (the service checks).
    async fn add_saved_answer(&self, new: NewSavedAnswer, now: Millis) -> Result<SavedAnswer>;
    /// `None` when there is no such answer; a clashing title as for adding.
    async fn update_saved_answer(
        &self,
        id: SavedAnswerId,
        change: SavedAnswerChange,
        now: Millis,
    ) -> Result<Option<SavedAnswer>>;
    /// False when there was no such answer.
    async fn delete_saved_answer(&self, id: SavedAnswerId) -> Result<bool>;
    /// One more use of an answer `scope` may use; its count after, `None` when there
    /// is no such answer in `scope`.
    async fn count_saved_answer_use(&self, scope: Scope, id: SavedAnswerId) -> Result<Option<i64>>;
}
