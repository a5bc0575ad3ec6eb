//! Agents as administrators manage them, their personal tokens, inbox settings.

use super::rows::{self, INBOX_COLUMNS};
use super::{Row, SqlStore};
use crate::model::*;
use crate::{PeopleStore, Result};
use async_trait::async_trait;
use igdesk_domain::{AgentId, AgentTokenId, InboxId, Millis};
use sqlx::Row as _;
use std::collections::BTreeMap;

const TOKEN_COLUMNS: &str = "id, agent_id, label, created_at, revoked_at";

impl SqlStore {
    /// Agents (all, or the one `only`), each with its inboxes by id.
    async fn details(&self, only: Option<AgentId>) -> Result<Vec<AgentDetails>> {
        let only = only.map(|a| a.0);
        let agents = sqlx::query(
            "SELECT id, email, name, is_admin, standard_capacity, max_capacity, created_at, \
             deactivated_at FROM agents WHERE ($1 IS NULL OR id = $1) ORDER BY id",
        )
        .bind(only)
        .fetch_all(&self.pool)
        .await?;
        let memberships = sqlx::query(
            "SELECT ai.agent_id, i.id, i.name FROM agent_inboxes ai \
             JOIN inboxes i ON i.id = ai.inbox_id WHERE ($1 IS NULL OR ai.agent_id = $1) \
             ORDER BY i.id",
        )
        .bind(only)
        .fetch_all(&self.pool)
        .await?;
        let mut inboxes: BTreeMap<i64, Vec<InboxRef>> = BTreeMap::new();
        for row in &memberships {
            inboxes
                .entry(row.try_get("agent_id")?)
                .or_default()
                .push(InboxRef {
                    id: InboxId(row.try_get("id")?),
                    name: row.try_get("name")?,
                });
        }
        agents
            .iter()
            .map(|row| agent_details(row, &mut inboxes))
            .collect()
    }
}

fn agent_details(row: &Row, inboxes: &mut BTreeMap<i64, Vec<InboxRef>>) -> Result<AgentDetails> {
    let id: i64 = row.try_get("id")?;
    let deactivated_at: Option<Millis> = row.try_get("deactivated_at")?;
    Ok(AgentDetails {
        id: AgentId(id),
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        is_admin: rows::flag(row, "is_admin")?,
        inboxes: inboxes.remove(&id).unwrap_or_default(),
        standard_capacity: row.try_get("standard_capacity")?,
        max_capacity: row.try_get("max_capacity")?,
        created_at: row.try_get("created_at")?,
        active: deactivated_at.is_none(),
        deactivated_at,
    })
}

#[async_trait]
impl PeopleStore for SqlStore {
    async fn agent_tokens(&self, agent: AgentId) -> Result<Vec<AgentToken>> {
        sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM agent_tokens WHERE agent_id = $1 ORDER BY id DESC"
        ))
        .bind(agent.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(rows::agent_token)
        .collect()
    }

    async fn revoke_agent_token(
        &self,
        scope: Scope,
        id: AgentTokenId,
        now: Millis,
    ) -> Result<Option<AgentToken>> {
        let _turn = self.writer_turn().await;
        let found = sqlx::query(&format!(
            "UPDATE agent_tokens SET revoked_at = COALESCE(revoked_at, $1) \
             WHERE id = $2 AND ($3 = 1 OR agent_id = $4) RETURNING {TOKEN_COLUMNS}"
        ))
        .bind(now)
        .bind(id.0)
        .bind(i64::from(scope.admin))
        .bind(scope.agent.0)
        .fetch_all(&self.pool)
        .await?;
        rows::first(found, rows::agent_token)
    }

    async fn agent_details(&self) -> Result<Vec<AgentDetails>> {
        self.details(None).await
    }

    async fn agent_detail(&self, id: AgentId) -> Result<Option<AgentDetails>> {
        Ok(self.details(Some(id)).await?.pop())
    }

    async fn update_agent(
        &self,
        id: AgentId,
        change: AgentChange,
        now: Millis,
    ) -> Result<Option<AgentDetails>> {
        let mut tx = self.write().await?;
        let updated = sqlx::query(
            "UPDATE agents SET name = COALESCE($1, name), is_admin = COALESCE($2, is_admin), \
             standard_capacity = COALESCE($3, standard_capacity), \
             max_capacity = COALESCE($4, max_capacity) WHERE id = $5",
        )
        .bind(change.name)
        .bind(change.is_admin.map(i64::from))
        .bind(change.capacity.map(|c| c.standard))
        .bind(change.capacity.map(|c| c.max))
        .bind(id.0)
        .execute(&mut *tx.tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(None);
        }
        if let Some(inboxes) = change.inboxes {
            sqlx::query("DELETE FROM agent_inboxes WHERE agent_id = $1")
                .bind(id.0)
                .execute(&mut *tx.tx)
                .await?;
            for inbox in inboxes {
                sqlx::query(
                    "INSERT INTO agent_inboxes (agent_id, inbox_id) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(id.0)
                .bind(inbox.0)
                .execute(&mut *tx.tx)
                .await?;
            }
            super::routing::leave_other_inboxes(&mut tx.tx, id.0, now).await?;
        }
        tx.commit().await?;
        self.agent_detail(id).await
    }

    async fn update_inbox(&self, id: InboxId, change: InboxChange) -> Result<Option<Inbox>> {
        let _turn = self.writer_turn().await;
        let found = sqlx::query(&format!(
            "UPDATE inboxes SET sla_target_seconds = COALESCE($1, sla_target_seconds), \
             auto_end_seconds = COALESCE($2, auto_end_seconds), \
             requires_topic = COALESCE($3, requires_topic) WHERE id = $4 RETURNING {INBOX_COLUMNS}"
        ))
        .bind(change.sla_target_seconds)
        .bind(change.auto_end_seconds)
        .bind(change.requires_topic.map(i64::from))
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows::first(found, rows::inbox)
    }
}
