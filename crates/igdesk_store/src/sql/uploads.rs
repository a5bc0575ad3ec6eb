//! Uploaded images (`/media/{id}`): kept while something needs them. Meta fetches a
//! reply's image when the message is sent; after the retention period an upload goes
//! unless an unsent message (waiting, queued or sending) or a saved answer still
//! refers to it.

use super::{Backend, SqlStore};
use crate::Result;
use igdesk_domain::Millis;
use sqlx::Row as _;
use std::collections::HashSet;

/// Uploads looked at per statement.
const BATCH: i64 = 200;

impl SqlStore {
    pub(super) async fn insert_upload(
        &self,
        id: &str,
        content_type: &str,
        bytes: Vec<u8>,
        now: Millis,
    ) -> Result<()> {
        let _turn = self.writer_turn().await;
        sqlx::query(
            "INSERT INTO uploads (id, content_type, bytes, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id.to_owned())
        .bind(content_type.to_owned())
        .bind(bytes)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn find_upload(&self, id: &str) -> Result<Option<(String, Vec<u8>)>> {
        let found = sqlx::query("SELECT content_type, bytes FROM uploads WHERE id = $1")
            .bind(id.to_owned())
            .fetch_all(&self.pool)
            .await?;
        found
            .first()
            .map(|r| Ok((r.try_get("content_type")?, r.try_get("bytes")?)))
            .transpose()
    }

    /// Deletes uploads made before `before` that nothing needs; answers how many.
    pub(super) async fn delete_expired_uploads(&self, before: Millis) -> Result<u64> {
        let expired = self.expired_uploads(before).await?;
        if expired.is_empty() {
            return Ok(0);
        }
        let needed = self.needed_uploads().await?;
        let mut removed = 0;
        for id in expired.iter().filter(|id| !needed.contains(*id)) {
            // Checked again in the statement: an answer may have taken the image since.
            let _turn = self.writer_turn().await;
            removed += sqlx::query(
                "DELETE FROM uploads WHERE id = $1 AND created_at < $2 \
                 AND NOT EXISTS (SELECT 1 FROM saved_answers WHERE image_id = $1)",
            )
            .bind(id.clone())
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected();
        }
        Ok(removed)
    }

    /// The ids of uploads made before `before`, oldest first.
    ///
    /// On SQLite an upload's `created_at` is stored after its bytes, so reading it
    /// reads the whole image: uploads are walked in insertion order (`rowid`, which
    /// is time order, as each is made at its `created_at`) and the walk stops at the
    /// first one still young, so only old ones are read. (Were the clock stepped
    /// back, an old upload behind a younger one waits for that one's turn.)
    /// PostgreSQL keeps large bytes out of line; its rows are small to scan.
    async fn expired_uploads(&self, before: Millis) -> Result<Vec<String>> {
        if self.backend == Backend::Postgres {
            return sqlx::query("SELECT id FROM uploads WHERE created_at < $1")
                .bind(before)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok(r.try_get("id")?))
                .collect();
        }
        let mut expired = Vec::new();
        let mut after: i64 = 0;
        loop {
            let rows = sqlx::query(
                "SELECT rowid AS n, id, created_at FROM uploads WHERE rowid > $1 \
                 ORDER BY rowid LIMIT $2",
            )
            .bind(after)
            .bind(BATCH)
            .fetch_all(&self.pool)
            .await?;
            for row in &rows {
                let created_at: i64 = row.try_get("created_at")?;
                if created_at >= before {
                    return Ok(expired);
                }
                after = row.try_get("n")?;
                expired.push(row.try_get("id")?);
            }
            if (rows.len() as i64) < BATCH {
                return Ok(expired);
            }
        }
    }

    /// Uploads an unsent message or a saved answer refers to. A message refers to its
    /// image by URL (`…/media/{id}`), in the message it will send.
    async fn needed_uploads(&self) -> Result<HashSet<String>> {
        let mut needed = HashSet::new();
        let unsent = sqlx::query(
            "SELECT message FROM outgoing WHERE state IN ('waiting', 'queued', 'sending') \
             AND message LIKE '%/media/%'",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in unsent {
            let message: String = row.try_get("message")?;
            needed.extend(media_ids(&message));
        }
        let answers = sqlx::query("SELECT image_id FROM saved_answers WHERE image_id IS NOT NULL")
            .fetch_all(&self.pool)
            .await?;
        for row in answers {
            needed.insert(row.try_get("image_id")?);
        }
        Ok(needed)
    }
}

/// The upload ids named in `text` by `/media/{id}` URLs.
fn media_ids(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split("/media/").skip(1).map(|rest| {
        rest.chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::media_ids;

    #[test]
    fn ids_are_read_from_media_urls() {
        let message = r#"{"attachment":{"type":"image","payload":{"url":"https://desk.example/media/ab12cd"}}}"#;
        assert_eq!(media_ids(message).collect::<Vec<_>>(), ["ab12cd"]);
        assert_eq!(media_ids(r#"{"text":"hi"}"#).count(), 0);
    }
}
