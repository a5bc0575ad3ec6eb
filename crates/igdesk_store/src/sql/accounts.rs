//! Accounts, agents and their tokens.

use super::rows::{self, ACCOUNT_COLUMNS, INBOX_COLUMNS};
use super::{Backend, SqlStore, ACCOUNT_INBOX};
use crate::model::*;
use crate::{AccountStore, Result, Store, StoreError};
use async_trait::async_trait;
use igdesk_domain::{AccountId, AgentId, ConversationSettings, InboxId, Millis};
use sqlx::Row as _;

impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }
}

fn account_query(filter: &str) -> String {
    format!("SELECT {ACCOUNT_COLUMNS}, {ACCOUNT_INBOX} AS inbox FROM accounts a WHERE a.removed_at IS NULL {filter} ORDER BY a.id")
}

#[async_trait]
impl AccountStore for SqlStore {
    async fn add_account(&self, new: NewAccount, now: Millis) -> Result<Account> {
        let _turn = self.writer_turn().await;
        let id: i64 = sqlx::query(
            "INSERT INTO accounts (ig_id, page_id, page_name, username, login_path, token_sealed, \
             echo, story_mentions_create, comments_create, added_by, added_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(new.ig_id.clone())
        .bind(new.page_id)
        .bind(new.page_name)
        .bind(new.username)
        .bind(new.login_path)
        .bind(new.token_sealed)
        .bind(i64::from(new.settings.echo))
        .bind(i64::from(new.settings.story_mentions_create_conversations))
        .bind(i64::from(new.settings.comments_create_conversations))
        .bind(new.added_by)
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| StoreError::from_insert(e, format!("account {}", new.ig_id)))?
        .into_iter()
        .next()
        .ok_or_else(|| rows::corrupt("an insert returned no id"))?
        .try_get("id")?;
        self.account(AccountId(id))
            .await?
            .ok_or_else(|| rows::corrupt("account vanished after insert"))
    }

    async fn account(&self, id: AccountId) -> Result<Option<Account>> {
        sqlx::query(&account_query("AND a.id = $1"))
            .bind(id.0)
            .fetch_all(&self.pool)
            .await
            .map(|found| rows::first(found, rows::account))?
    }

    async fn account_by_ig_id(&self, ig_id: &str) -> Result<Option<Account>> {
        sqlx::query(&account_query("AND a.ig_id = $1"))
            .bind(ig_id.to_owned())
            .fetch_all(&self.pool)
            .await
            .map(|found| rows::first(found, rows::account))?
    }

    async fn accounts(&self) -> Result<Vec<Account>> {
        sqlx::query(&account_query(""))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(rows::account)
            .collect()
    }

    async fn agent_for_sign_in(&self, email: &str) -> Result<Option<(Agent, String)>> {
        let found = sqlx::query(
            "SELECT id, email, name, is_admin, password_hash FROM agents WHERE LOWER(email) = LOWER($1)",
        )
        .bind(email.trim().to_owned())
        .fetch_all(&self.pool)
        .await?;
        found
            .first()
            .map(|r| Ok((rows::agent(r)?, r.try_get("password_hash")?)))
            .transpose()
    }

    async fn create_session(&self, session: NewSession) -> Result<()> {
        let _turn = self.writer_turn().await;
        sqlx::query(
            "INSERT INTO sessions (token_hash, agent_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session.token_hash)
        .bind(session.agent.0)
        .bind(session.csrf_token)
        .bind(session.created_at)
        .bind(session.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: Millis) -> Result<Option<(Agent, String)>> {
        let found = sqlx::query(
            "SELECT g.id, g.email, g.name, g.is_admin, s.csrf_token FROM sessions s \
             JOIN agents g ON g.id = s.agent_id WHERE s.token_hash = $1 AND s.expires_at > $2 \
             AND g.deactivated_at IS NULL",
        )
        .bind(token_hash.to_owned())
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        found
            .first()
            .map(|r| Ok((rows::agent(r)?, r.try_get("csrf_token")?)))
            .transpose()
    }

    async fn end_session(&self, token_hash: &str) -> Result<()> {
        let _turn = self.writer_turn().await;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_account_settings(
        &self,
        account: AccountId,
        settings: ConversationSettings,
    ) -> Result<()> {
        let _turn = self.writer_turn().await;
        sqlx::query("UPDATE accounts SET echo = $1, story_mentions_create = $2, comments_create = $3 WHERE id = $4")
            .bind(i64::from(settings.echo))
            .bind(i64::from(settings.story_mentions_create_conversations))
            .bind(i64::from(settings.comments_create_conversations))
            .bind(account.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_account_inbox(&self, account: AccountId, inbox: Option<InboxId>) -> Result<()> {
        let _turn = self.writer_turn().await;
        sqlx::query("UPDATE accounts SET inbox_id = $1 WHERE id = $2")
            .bind(inbox.map(|i| i.0))
            .bind(account.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn inboxes(&self) -> Result<Vec<Inbox>> {
        sqlx::query(&format!("SELECT {INBOX_COLUMNS} FROM inboxes ORDER BY id"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(rows::inbox)
            .collect()
    }

    async fn ensure_inbox(&self, name: &str, now: Millis) -> Result<Inbox> {
        {
            let _turn = self.writer_turn().await;
            sqlx::query("INSERT INTO inboxes (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(name.to_owned())
                .bind(now)
                .execute(&self.pool)
                .await?;
        }
        sqlx::query(&format!(
            "SELECT {INBOX_COLUMNS} FROM inboxes WHERE name = $1"
        ))
        .bind(name.to_owned())
        .fetch_all(&self.pool)
        .await
        .map(|found| rows::first(found, rows::inbox))??
        .ok_or_else(|| rows::corrupt("an inbox vanished"))
    }

    async fn reconnect_account(&self, ig_id: &str, token_sealed: &str) -> Result<Option<Account>> {
        {
            let _turn = self.writer_turn().await;
            sqlx::query(
                "UPDATE accounts SET token_sealed = $1, needs_reconnect = 0, pause_reason = NULL, \
                 send_paused_until = 0 WHERE ig_id = $2 AND removed_at IS NULL",
            )
            .bind(token_sealed.to_owned())
            .bind(ig_id.to_owned())
            .execute(&self.pool)
            .await?;
            // Its held messages are due now, not at their last retry time.
            sqlx::query(
                "UPDATE jobs SET run_at = 0 WHERE dead = 0 AND account_id IN \
                 (SELECT id FROM accounts WHERE ig_id = $1 AND removed_at IS NULL)",
            )
            .bind(ig_id.to_owned())
            .execute(&self.pool)
            .await?;
        }
        self.account_by_ig_id(ig_id).await
    }

    async fn account_sealed_tokens(&self) -> Result<Vec<(AccountId, String, String)>> {
        let rows = sqlx::query("SELECT id, ig_id, token_sealed FROM accounts ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    AccountId(r.try_get("id")?),
                    r.try_get("ig_id")?,
                    r.try_get("token_sealed")?,
                ))
            })
            .collect()
    }

    async fn replace_sealed_tokens(&self, changes: &[(AccountId, String, String)]) -> Result<u64> {
        let mut tx = self.write().await?;
        let mut changed = 0;
        for (id, old, new) in changes {
            changed += sqlx::query(
                "UPDATE accounts SET token_sealed = $1 WHERE id = $2 AND token_sealed = $3",
            )
            .bind(new.clone())
            .bind(id.0)
            .bind(old.clone())
            .execute(&mut *tx.tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn add_agent(&self, new: NewAgent, now: Millis) -> Result<Agent> {
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "INSERT INTO agents (email, name, password_hash, is_admin, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id, email, name, is_admin",
        )
        .bind(new.email.clone())
        .bind(new.name)
        .bind(new.password_hash)
        .bind(i64::from(new.is_admin))
        .bind(now)
        .fetch_all(&mut *tx.tx)
        .await
        .map_err(|e| StoreError::from_insert(e, format!("agent {}", new.email)))?
        .into_iter()
        .next()
        .ok_or_else(|| rows::corrupt("an insert returned no row"))?;
        let agent = rows::agent(&row)?;
        for inbox in &new.inboxes {
            sqlx::query("INSERT INTO inboxes (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(inbox.clone())
                .bind(now)
                .execute(&mut *tx.tx)
                .await?;
            sqlx::query(
                "INSERT INTO agent_inboxes (agent_id, inbox_id) \
                 SELECT $1, id FROM inboxes WHERE name = $2 ON CONFLICT DO NOTHING",
            )
            .bind(agent.id.0)
            .bind(inbox.clone())
            .execute(&mut *tx.tx)
            .await?;
        }
        tx.commit().await?;
        Ok(agent)
    }

    async fn add_agent_token(
        &self,
        agent: AgentId,
        token_hash: &str,
        label: &str,
        now: Millis,
    ) -> Result<AgentToken> {
        let _turn = self.writer_turn().await;
        let found = sqlx::query(
            "INSERT INTO agent_tokens (agent_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, agent_id, label, created_at, revoked_at",
        )
        .bind(agent.0)
        .bind(token_hash.to_owned())
        .bind(label.to_owned())
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| StoreError::from_insert(e, "token"))?;
        rows::first(found, rows::agent_token)?
            .ok_or_else(|| rows::corrupt("an insert returned no row"))
    }

    async fn agent_by_token_hash(&self, token_hash: &str) -> Result<Option<Agent>> {
        sqlx::query(
            "SELECT g.id, g.email, g.name, g.is_admin FROM agent_tokens t \
             JOIN agents g ON g.id = t.agent_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
             AND g.deactivated_at IS NULL",
        )
        .bind(token_hash.to_owned())
        .fetch_all(&self.pool)
        .await
        .map(|found| rows::first(found, rows::agent))?
    }
}
