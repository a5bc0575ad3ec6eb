//! Saved answers (migration 0014): one table, read in the asker's scope, titles
//! unique per scope through an index on `(COALESCE(inbox_id, 0), LOWER(title))`.

use super::reads::scope_args;
use super::{Row, SqlStore};
use crate::model::Scope;
use crate::saved_answers::{NewSavedAnswer, SavedAnswer, SavedAnswerChange, SavedAnswerStore};
use crate::{Result, StoreError};
use async_trait::async_trait;
use igdesk_domain::{InboxId, Millis, SavedAnswerId};
use sqlx::Row as _;

const COLUMNS: &str = "id, inbox_id, title, body, image_id, uses, created_at, updated_at";

/// Binds `$1` (admin flag) and `$2` (agent id): an answer is the agents' of its
/// inbox, or everyone's.
const VISIBLE: &str = "($1 = 1 OR saved_answers.inbox_id IS NULL \
     OR saved_answers.inbox_id IN (SELECT ai.inbox_id FROM agent_inboxes ai WHERE ai.agent_id = $2))";

fn saved_answer(row: &Row) -> Result<SavedAnswer> {
    Ok(SavedAnswer {
        id: SavedAnswerId(row.try_get("id")?),
        inbox_id: row.try_get::<Option<i64>, _>("inbox_id")?.map(InboxId),
        title: row.try_get("title")?,
        text: row.try_get("body")?,
        image_id: row.try_get("image_id")?,
        uses: row.try_get("uses")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// By title, whatever the case, the same on both backends (their collations differ).
fn by_title(answers: &mut [SavedAnswer]) {
    answers.sort_by(|a, b| {
        a.title
            .to_lowercase()
            .cmp(&b.title.to_lowercase())
            .then_with(|| a.title.cmp(&b.title))
            .then_with(|| a.id.cmp(&b.id))
    });
}

fn clash(e: sqlx::Error, title: &str) -> StoreError {
    StoreError::from_insert(e, format!("saved answer {title:?}"))
}

#[async_trait]
impl SavedAnswerStore for SqlStore {
    async fn saved_answers(&self, scope: Scope) -> Result<Vec<SavedAnswer>> {
        let (admin, agent) = scope_args(scope);
        let mut answers = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM saved_answers WHERE {VISIBLE}"
        ))
        .bind(admin)
        .bind(agent)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(saved_answer)
        .collect::<Result<Vec<_>>>()?;
        by_title(&mut answers);
        Ok(answers)
    }

    async fn saved_answer(&self, scope: Scope, id: SavedAnswerId) -> Result<Option<SavedAnswer>> {
        let (admin, agent) = scope_args(scope);
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM saved_answers WHERE id = $3 AND {VISIBLE}"
        ))
        .bind(admin)
        .bind(agent)
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        super::rows::first(rows, saved_answer)
    }

    async fn add_saved_answer(&self, new: NewSavedAnswer, now: Millis) -> Result<SavedAnswer> {
        let _turn = self.writer_turn().await;
        let rows = sqlx::query(&format!(
            "INSERT INTO saved_answers (inbox_id, title, body, image_id, uses, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $5) RETURNING {COLUMNS}"
        ))
        .bind(new.inbox_id.map(|i| i.0))
        .bind(new.title.clone())
        .bind(new.text)
        .bind(new.image_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| clash(e, &new.title))?;
        super::rows::first(rows, saved_answer)?
            .ok_or_else(|| StoreError::Corrupt("an insert returned no row".into()))
    }

    async fn update_saved_answer(
        &self,
        id: SavedAnswerId,
        change: SavedAnswerChange,
        now: Millis,
    ) -> Result<Option<SavedAnswer>> {
        let mut writing = self.write().await?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM saved_answers WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_all(&mut *writing.tx)
        .await?;
        let Some(mut answer) = super::rows::first(rows, saved_answer)? else {
            return Ok(None);
        };
        if let Some(inbox) = change.inbox_id {
            answer.inbox_id = inbox;
        }
        if let Some(title) = change.title {
            answer.title = title;
        }
        if let Some(text) = change.text {
            answer.text = text;
        }
        if let Some(image) = change.image_id {
            answer.image_id = image;
        }
        answer.updated_at = now;
        sqlx::query(
            "UPDATE saved_answers SET inbox_id = $1, title = $2, body = $3, image_id = $4, \
             updated_at = $5 WHERE id = $6",
        )
        .bind(answer.inbox_id.map(|i| i.0))
        .bind(answer.title.clone())
        .bind(answer.text.clone())
        .bind(answer.image_id.clone())
        .bind(now)
        .bind(id.0)
        .execute(&mut *writing.tx)
        .await
        .map_err(|e| clash(e, &answer.title))?;
        writing.commit().await?;
        Ok(Some(answer))
    }

    async fn delete_saved_answer(&self, id: SavedAnswerId) -> Result<bool> {
        let _turn = self.writer_turn().await;
        let done = sqlx::query("DELETE FROM saved_answers WHERE id = $1")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn count_saved_answer_use(&self, scope: Scope, id: SavedAnswerId) -> Result<Option<i64>> {
        let (admin, agent) = scope_args(scope);
        let _turn = self.writer_turn().await;
        // One statement: two agents inserting it at once both count.
        let rows = sqlx::query(&format!(
            "UPDATE saved_answers SET uses = uses + 1 WHERE id = $3 AND {VISIBLE} RETURNING uses"
        ))
        .bind(admin)
        .bind(agent)
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.first()
            .map(|r| r.try_get::<i64, _>("uses"))
            .transpose()
            .map_err(Into::into)
    }
}
