//! Agents switched off and on, and passwords (UI-4).
//!
//! On PostgreSQL, switching an agent off first takes the agent's row lock (its
//! `UPDATE agents`), and, for an administrator, the row locks of every administrator
//! still switched on, in id order, before counting them: two administrators switching
//! each other off at once then cannot both see the other still on and leave nobody.
//! What else runs at the same time is settled by the rows, not by luck:
//!
//! * an Accept of a withdrawn offer finds its delete empty and answers nothing
//!   (`routing::answer_offer`), so no conversation is assigned to a switched-off agent;
//! * a request to become available matches no row once `deactivated_at` is set;
//! * a session or token written while the switching off commits is not recognised
//!   (`session` and `agent_by_token_hash` skip switched-off agents), and switching on
//!   again ends it, so none survives;
//! * a routing batch planned before the commit may still offer the agent one piece of
//!   work: nobody answers it, it expires after its 30 seconds like any unanswered
//!   offer and goes to someone else; it is never lost.

use super::rows::{self, first};
use super::{events, routing, Backend, SqlStore};
use crate::access::*;
use crate::Result;
use async_trait::async_trait;
use igdesk_domain::{AgentId, ConversationId, Millis};
use serde_json::json;
use sqlx::{Any, Row as _, Transaction};

type Tx = Transaction<'static, Any>;

const CREDENTIALS_SELECT: &str =
    "SELECT id, email, name, is_admin, password_hash, deactivated_at FROM agents";

fn credentials_row(r: &super::Row) -> Result<Credentials> {
    Ok(Credentials {
        agent: rows::agent(r)?,
        password_hash: r.try_get("password_hash")?,
        deactivated_at: r.try_get("deactivated_at")?,
    })
}

#[async_trait]
impl AgentAccessStore for SqlStore {
    async fn credentials(&self, agent: AgentId) -> Result<Option<Credentials>> {
        sqlx::query(&format!("{CREDENTIALS_SELECT} WHERE id = $1"))
            .bind(agent.0)
            .fetch_all(&self.pool)
            .await
            .map(|found| first(found, credentials_row))?
    }

    async fn credentials_by_email(&self, email: &str) -> Result<Option<Credentials>> {
        sqlx::query(&format!(
            "{CREDENTIALS_SELECT} WHERE LOWER(email) = LOWER($1)"
        ))
        .bind(email.trim().to_owned())
        .fetch_all(&self.pool)
        .await
        .map(|found| first(found, credentials_row))?
    }

    async fn deactivate_agent(&self, agent: AgentId, now: Millis) -> Result<Deactivation> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let found = sqlx::query("SELECT is_admin, deactivated_at FROM agents WHERE id = $1")
            .bind(agent.0)
            .fetch_all(&mut **tx)
            .await?;
        let Some(row) = found.first() else {
            return Ok(Deactivation::Unknown);
        };
        if row.try_get::<Option<i64>, _>("deactivated_at")?.is_some() {
            return Ok(Deactivation::AlreadyDeactivated);
        }
        if rows::flag(row, "is_admin")? && self.is_last_admin(tx, agent).await? {
            return Ok(Deactivation::LastAdmin);
        }
        let switched = sqlx::query(
            "UPDATE agents SET deactivated_at = $1, available = 0, held = 0, next_requested = 0 \
             WHERE id = $2 AND deactivated_at IS NULL",
        )
        .bind(now)
        .bind(agent.0)
        .execute(&mut **tx)
        .await?;
        if switched.rows_affected() == 0 {
            // Another administrator switched them off first.
            return Ok(Deactivation::AlreadyDeactivated);
        }
        let undone = undo_access(tx, agent.0, now).await?;
        writing.commit().await?;
        Ok(Deactivation::Done(undone))
    }

    async fn reactivate_agent(&self, agent: AgentId, now: Millis) -> Result<Reactivation> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let switched = sqlx::query(
            "UPDATE agents SET deactivated_at = NULL, available = 0, held = 0, next_requested = 0 \
             WHERE id = $1 AND deactivated_at IS NOT NULL",
        )
        .bind(agent.0)
        .execute(&mut **tx)
        .await?;
        if switched.rows_affected() == 0 {
            let known = sqlx::query("SELECT id FROM agents WHERE id = $1")
                .bind(agent.0)
                .fetch_all(&mut **tx)
                .await?;
            return Ok(match known.is_empty() {
                true => Reactivation::Unknown,
                false => Reactivation::NotDeactivated,
            });
        }
        // Only a sign-in or a new token racing the switching off can have left one:
        // none of them may come back to life now.
        end_sessions(tx, agent.0, None).await?;
        revoke_tokens(tx, agent.0, now).await?;
        writing.commit().await?;
        Ok(Reactivation::Done)
    }

    async fn set_password(
        &self,
        agent: AgentId,
        password_hash: &str,
        expected: Option<&str>,
        keep: Option<&str>,
        now: Millis,
    ) -> Result<PasswordChange> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let changed = sqlx::query(
            "UPDATE agents SET password_hash = $1 WHERE id = $2 AND ($3 IS NULL OR password_hash = $3)",
        )
        .bind(password_hash.to_owned())
        .bind(agent.0)
        .bind(expected.map(str::to_owned))
        .execute(&mut **tx)
        .await?;
        if changed.rows_affected() == 0 {
            let known = sqlx::query("SELECT id FROM agents WHERE id = $1")
                .bind(agent.0)
                .fetch_all(&mut **tx)
                .await?;
            return Ok(match known.is_empty() {
                true => PasswordChange::Unknown,
                false => PasswordChange::Changed,
            });
        }
        let sessions_ended = end_sessions(tx, agent.0, keep).await?;
        let payload = json!({ "reason": "password_changed" });
        events::to_agent(tx, agent.0, "signed_out", None, &payload, now).await?;
        writing.commit().await?;
        Ok(PasswordChange::Done { sessions_ended })
    }
}

impl SqlStore {
    /// Whether `agent` is the only administrator switched on. On PostgreSQL it locks
    /// them all first, in id order (the same order for every caller: no deadlock).
    async fn is_last_admin(&self, tx: &mut Tx, agent: AgentId) -> Result<bool> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let admins = sqlx::query(&format!(
            "SELECT id FROM agents WHERE is_admin = 1 AND deactivated_at IS NULL ORDER BY id{lock}"
        ))
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>("id"))
        .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(admins == [agent.0])
    }
}

/// Everything that lets a switched-off agent act or hold work, undone.
async fn undo_access(tx: &mut Tx, agent: i64, now: Millis) -> Result<Undone> {
    let sessions_ended = end_sessions(tx, agent, None).await?;
    let tokens_revoked = revoke_tokens(tx, agent, now).await?;
    let offers_withdrawn = routing::withdraw_all_of(tx, agent, "deactivated", now).await?;
    // Back to waiting, unassigned: the router offers them, oldest first, like any
    // waiting work. Their SLA clocks are not touched: the customer is still waiting.
    let returned = sqlx::query(
        "UPDATE conversations SET agent_id = NULL, assigned_at = NULL, routed_reason = $1 \
         WHERE agent_id = $2 AND state = 'open' RETURNING id",
    )
    .bind(DEACTIVATED_ROUTED_REASON)
    .bind(agent)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| Ok(ConversationId(r.try_get("id")?)))
    .collect::<Result<Vec<_>>>()?;
    // Open consoles of the agent learn it at once, and their streams end.
    let payload = json!({ "reason": "deactivated" });
    events::to_agent(tx, agent, "signed_out", None, &payload, now).await?;
    Ok(Undone {
        sessions_ended,
        tokens_revoked,
        offers_withdrawn,
        conversations_returned: returned,
    })
}

/// Deletes the agent's sessions but the one with token hash `keep`.
async fn end_sessions(tx: &mut Tx, agent: i64, keep: Option<&str>) -> Result<u64> {
    Ok(
        sqlx::query(
            "DELETE FROM sessions WHERE agent_id = $1 AND ($2 IS NULL OR token_hash <> $2)",
        )
        .bind(agent)
        .bind(keep.map(str::to_owned))
        .execute(&mut **tx)
        .await?
        .rows_affected(),
    )
}

async fn revoke_tokens(tx: &mut Tx, agent: i64, now: Millis) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE agent_tokens SET revoked_at = $1 WHERE agent_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(agent)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}
