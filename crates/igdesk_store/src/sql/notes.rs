//! Internal notes in both backends (migration 0013): timeline items of kind `note`,
//! direction `internal`, with an author and no conversation. Each write and the live
//! events it causes commit together, like every other change agents are told of.

use super::reads::{customer_visible, scope_args, ITEM_SELECT};
use super::rows::{self, first};
use super::{SqlStore, ACCOUNT_INBOX};
use crate::model::{Scope, TimelineItem};
use crate::notes::{
    MentionNews, NewNote, NoteStore, NoteWritten, EVENT_MENTION, EVENT_NOTE_DELETED,
};
use crate::{ReadStore, Result};
use async_trait::async_trait;
use igdesk_domain::timeline::{ItemContext, NoteMention};
use igdesk_domain::{AgentId, CustomerId, ItemId, Millis};
use serde_json::json;
use sqlx::{Any, Row as _, Transaction};

type Tx = Transaction<'static, Any>;

#[async_trait]
impl NoteStore for SqlStore {
    async fn note_audience(&self, customer: CustomerId) -> Result<Vec<(AgentId, String)>> {
        sqlx::query(&format!(
            "SELECT g.id, g.name FROM agents g WHERE g.deactivated_at IS NULL AND (g.is_admin = 1 \
             OR EXISTS (SELECT 1 FROM customers c JOIN accounts a ON a.id = c.account_id \
               JOIN agent_inboxes ai ON ai.inbox_id = {ACCOUNT_INBOX} \
               WHERE c.id = $1 AND ai.agent_id = g.id)) ORDER BY g.id"
        ))
        .bind(customer.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((AgentId(r.try_get("id")?), r.try_get("name")?)))
        .collect()
    }

    async fn add_note(
        &self,
        scope: Scope,
        note: NewNote,
        mentioned: MentionNews<'_>,
        now: Millis,
    ) -> Result<Option<NoteWritten>> {
        if self.customer(scope, note.customer).await?.is_none() {
            return Ok(None);
        }
        let context = ItemContext {
            mentions: note.mentions,
            ..ItemContext::default()
        };
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let added = sqlx::query(
            "INSERT INTO timeline_items (account_id, customer_id, kind, direction, source, mid, \
             text, attachments, context, status, created_at, received_at, author_id) \
             SELECT c.account_id, c.id, 'note', 'internal', 'igdesk', $1, $2, '[]', $3, \
             'received', $4, $4, $5 FROM customers c WHERE c.id = $6 RETURNING id",
        )
        .bind(note.mid)
        .bind(note.text)
        .bind(serde_json::to_string(&context)?)
        .bind(now)
        .bind(note.author.0)
        .bind(note.customer.0)
        .fetch_all(&mut **tx)
        .await?;
        let item = ItemId(
            added
                .first()
                .ok_or_else(|| rows::corrupt("the customer vanished"))?
                .try_get("id")?,
        );
        let mut told = to_open_conversation(tx, note.customer, item, "item", now).await?;
        told.extend(mention(tx, note.customer, item, note.author, &mentioned, now).await?);
        writing.commit().await?;
        Ok(Some(NoteWritten { item, told }))
    }

    async fn note(&self, scope: Scope, id: ItemId) -> Result<Option<TimelineItem>> {
        let (admin, agent) = scope_args(scope);
        sqlx::query(&format!(
            "{ITEM_SELECT} WHERE t.id = $3 AND t.kind = 'note' AND EXISTS \
             (SELECT 1 FROM customers c WHERE c.id = t.customer_id AND {})",
            customer_visible()
        ))
        .bind(admin)
        .bind(agent)
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map(|found| first(found, rows::item))?
    }

    async fn edit_note(
        &self,
        id: ItemId,
        author: AgentId,
        written_since: Millis,
        text: &str,
        mentions: &[NoteMention],
        mentioned: MentionNews<'_>,
        now: Millis,
    ) -> Result<Option<NoteWritten>> {
        let context = ItemContext {
            edited: Some(true),
            mentions: mentions.to_vec(),
            ..ItemContext::default()
        };
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let changed = sqlx::query(
            "UPDATE timeline_items SET text = $1, context = $2 \
             WHERE id = $3 AND kind = 'note' AND author_id = $4 AND created_at >= $5 \
             RETURNING customer_id",
        )
        .bind(text.to_owned())
        .bind(serde_json::to_string(&context)?)
        .bind(id.0)
        .bind(author.0)
        .bind(written_since)
        .fetch_all(&mut **tx)
        .await?;
        let Some(row) = changed.first() else {
            return Ok(None);
        };
        let customer = CustomerId(row.try_get("customer_id")?);
        let mut told = to_open_conversation(tx, customer, id, "item_updated", now).await?;
        told.extend(mention(tx, customer, id, author, &mentioned, now).await?);
        writing.commit().await?;
        Ok(Some(NoteWritten { item: id, told }))
    }

    async fn delete_note(
        &self,
        id: ItemId,
        author: AgentId,
        written_since: Millis,
        now: Millis,
    ) -> Result<Option<NoteWritten>> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        // The row goes, text and all (the search index's triggers and generated
        // column go with it); earlier events that name the item find nothing.
        let deleted = sqlx::query(
            "DELETE FROM timeline_items \
             WHERE id = $1 AND kind = 'note' AND author_id = $2 AND created_at >= $3 \
             RETURNING customer_id",
        )
        .bind(id.0)
        .bind(author.0)
        .bind(written_since)
        .fetch_all(&mut **tx)
        .await?;
        let Some(row) = deleted.first() else {
            return Ok(None);
        };
        let customer = CustomerId(row.try_get("customer_id")?);
        let told = to_open_conversation(tx, customer, id, EVENT_NOTE_DELETED, now).await?;
        writing.commit().await?;
        Ok(Some(NoteWritten { item: id, told }))
    }
}

/// An event about the note for the agent of the customer's open conversation (or of
/// a profile merged into it), who has the timeline in front of them. The event names
/// that conversation, as item events do, so the open page takes it.
pub(super) async fn to_open_conversation(
    tx: &mut Tx,
    customer: CustomerId,
    item: ItemId,
    kind: &str,
    now: Millis,
) -> Result<Vec<AgentId>> {
    sqlx::query(
        "INSERT INTO agent_events (agent_id, kind, conversation_id, item_id, created_at) \
         SELECT v.agent_id, $1, v.id, $2, $3 FROM conversations v \
         WHERE v.state = 'open' AND v.agent_id IS NOT NULL AND (v.customer_id = $4 \
           OR v.customer_id IN (SELECT m.id FROM customers m WHERE m.merged_into = $4)) \
         RETURNING agent_id",
    )
    .bind(kind.to_owned())
    .bind(item.0)
    .bind(now)
    .bind(customer.0)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| Ok(AgentId(r.try_get("agent_id")?)))
    .collect()
}

/// A `mention` event for each mentioned agent but the author: who wrote, about whom.
async fn mention(
    tx: &mut Tx,
    customer: CustomerId,
    item: ItemId,
    author: AgentId,
    news: &MentionNews<'_>,
    now: Millis,
) -> Result<Vec<AgentId>> {
    let mut told = Vec::new();
    for agent in news.agents.iter().filter(|a| **a != author) {
        let payload = json!({
            "customer_id": customer.0,
            "customer_name": news.customer_name,
            "note_id": item.0,
            "author_id": author.0,
            "author_name": news.author_name,
        });
        sqlx::query(
            "INSERT INTO agent_events (agent_id, kind, conversation_id, item_id, payload, created_at) \
             VALUES ($1, $2, NULL, $3, $4, $5)",
        )
        .bind(agent.0)
        .bind(EVENT_MENTION)
        .bind(item.0)
        .bind(payload.to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
        told.push(*agent);
    }
    Ok(told)
}
