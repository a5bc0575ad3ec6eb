//! Topics agents tag conversations with, and the inboxes that require one (RT-6).

use super::reads::{customer_visible, scope_args};
use super::rows;
use super::{Binds, SqlStore};
use crate::model::*;
use crate::{Result, StoreError, TopicStore};
use async_trait::async_trait;
use igdesk_domain::{ConversationId, CustomerId, Millis, TopicId};
use sqlx::Row as _;
use std::collections::HashMap;

/// By name, whatever the case, the same on both backends (their collations differ).
pub(super) fn by_name(a: &str, b: &str) -> std::cmp::Ordering {
    a.to_lowercase()
        .cmp(&b.to_lowercase())
        .then_with(|| a.cmp(b))
}

impl SqlStore {
    /// Fills in each conversation's topic names.
    pub(super) async fn with_topics(
        &self,
        mut conversations: Vec<Conversation>,
    ) -> Result<Vec<Conversation>> {
        if conversations.is_empty() {
            return Ok(conversations);
        }
        let sql = format!(
            "SELECT ct.conversation_id, t.name FROM conversation_topics ct \
             JOIN topics t ON t.id = ct.topic_id WHERE ct.conversation_id IN ({})",
            Binds::new(self.backend).list(conversations.len())
        );
        let mut query = sqlx::query(&sql);
        for c in &conversations {
            query = query.bind(c.id.0);
        }
        let mut names: HashMap<i64, Vec<String>> = HashMap::new();
        for row in query.fetch_all(&self.pool).await? {
            names
                .entry(row.try_get("conversation_id")?)
                .or_default()
                .push(row.try_get("name")?);
        }
        for c in &mut conversations {
            if let Some(mut found) = names.remove(&c.id.0) {
                found.sort_by(|a, b| by_name(a, b));
                c.topics = found;
            }
        }
        Ok(conversations)
    }

    async fn topics_of(&self, conversation: ConversationId) -> Result<Vec<Topic>> {
        let mut topics = sqlx::query(
            "SELECT t.id, t.name, t.created_at FROM conversation_topics ct \
             JOIN topics t ON t.id = ct.topic_id WHERE ct.conversation_id = $1",
        )
        .bind(conversation.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(rows::topic)
        .collect::<Result<Vec<_>>>()?;
        topics.sort_by(|a, b| by_name(&a.name, &b.name));
        Ok(topics)
    }
}

#[async_trait]
impl TopicStore for SqlStore {
    async fn topics(&self) -> Result<Vec<Topic>> {
        let mut topics = sqlx::query("SELECT id, name, created_at FROM topics")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(rows::topic)
            .collect::<Result<Vec<_>>>()?;
        topics.sort_by(|a, b| by_name(&a.name, &b.name));
        Ok(topics)
    }

    async fn add_topic(&self, name: &str, now: Millis) -> Result<Topic> {
        let _turn = self.writer_turn().await;
        // "Billing" and "billing" are one topic to a person; the unique index alone
        // would let both in.
        let found = sqlx::query(
            "INSERT INTO topics (name, created_at) SELECT $1, $2 \
             WHERE NOT EXISTS (SELECT 1 FROM topics WHERE LOWER(name) = LOWER($1)) \
             RETURNING id, name, created_at",
        )
        .bind(name.to_owned())
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| StoreError::from_insert(e, format!("topic {name:?}")))?;
        rows::first(found, rows::topic)?
            .ok_or_else(|| StoreError::Conflict(format!("topic {name:?}")))
    }

    async fn set_conversation_topics(
        &self,
        scope: Scope,
        conversation: ConversationId,
        topics: &[TopicId],
    ) -> Result<Option<Vec<Topic>>> {
        let (admin, agent) = scope_args(scope);
        let mut tx = self.write().await?;
        let visible = sqlx::query(&format!(
            "SELECT v.id FROM conversations v WHERE v.id = $3 AND {}",
            super::reads::conversation_visible()
        ))
        .bind(admin)
        .bind(agent)
        .bind(conversation.0)
        .fetch_all(&mut *tx.tx)
        .await?;
        if visible.is_empty() {
            return Ok(None);
        }
        sqlx::query("DELETE FROM conversation_topics WHERE conversation_id = $1")
            .bind(conversation.0)
            .execute(&mut *tx.tx)
            .await?;
        for topic in topics {
            sqlx::query(
                "INSERT INTO conversation_topics (conversation_id, topic_id) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(conversation.0)
            .bind(topic.0)
            .execute(&mut *tx.tx)
            .await?;
        }
        tx.commit().await?;
        self.topics_of(conversation).await.map(Some)
    }

    async fn reply_needs_topic(&self, scope: Scope, customer: CustomerId) -> Result<bool> {
        let (admin, agent) = scope_args(scope);
        let waiting = sqlx::query(&format!(
            "SELECT v.id FROM conversations v JOIN inboxes i ON i.id = v.inbox_id \
             JOIN customers c ON c.id = v.customer_id \
             WHERE v.customer_id = $3 AND v.state = 'open' AND i.requires_topic = 1 AND {} \
             AND NOT EXISTS (SELECT 1 FROM conversation_topics ct WHERE ct.conversation_id = v.id)",
            customer_visible()
        ))
        .bind(admin)
        .bind(agent)
        .bind(customer.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(!waiting.is_empty())
    }
}
