//! Ending sessions (RT-4) and the SLA clocks (RT-5).

use super::{dashboard, events, routing, rows, SqlStore};
use crate::model::Scope;
use crate::routing::*;
use crate::Result;
use igdesk_domain::{ConversationId, InboxId, ItemId, Millis};
use serde_json::json;
use sqlx::{Any, Row as _, Transaction};

/// Silent conversations ended by one look (routing looks every 5 seconds).
const MAX_ENDED_AT_ONCE: i64 = 1000;

type Tx = Transaction<'static, Any>;

/// Starts the conversation's SLA clock at `at` unless one is already running (a wait
/// for an answer starts at the first unanswered message).
pub(super) async fn start_clock(tx: &mut Tx, conversation: i64, at: Millis) -> Result<()> {
    sqlx::query(
        "INSERT INTO sla_clocks (conversation_id, inbox_id, started_at, due_at) \
         SELECT c.id, c.inbox_id, $1, $1 + i.sla_target_seconds * 1000 \
         FROM conversations c JOIN inboxes i ON i.id = c.inbox_id WHERE c.id = $2 \
         ON CONFLICT DO NOTHING",
    )
    .bind(at)
    .bind(conversation)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What answered the customer, for the SLA.
#[derive(Debug, Clone, Copy)]
pub(super) enum MetBy {
    Reply,
    Echo,
    NoReplyNeeded,
}

impl MetBy {
    fn as_str(self) -> &'static str {
        match self {
            MetBy::Reply => "reply",
            MetBy::Echo => "echo",
            MetBy::NoReplyNeeded => "no_reply_needed",
        }
    }
}

/// Stops the running clock of the customer's open conversation on this account.
pub(super) async fn meet_for_customer(
    tx: &mut Tx,
    account: i64,
    customer: i64,
    by: MetBy,
    at: Millis,
) -> Result<()> {
    let stopped = sqlx::query(
        "UPDATE sla_clocks SET met_at = $1, met_by = $2 WHERE met_at IS NULL AND conversation_id IN \
         (SELECT id FROM conversations WHERE account_id = $3 AND customer_id = $4 AND state = 'open') \
         RETURNING inbox_id, started_at, due_at",
    )
    .bind(at)
    .bind(by.as_str())
    .bind(account)
    .bind(customer)
    .fetch_all(&mut **tx)
    .await?;
    dashboard::count_answers(tx, &stopped, at).await
}

pub(super) async fn meet(tx: &mut Tx, conversation: i64, by: MetBy, at: Millis) -> Result<()> {
    let stopped = sqlx::query(
        "UPDATE sla_clocks SET met_at = $1, met_by = $2 WHERE conversation_id = $3 AND met_at IS NULL \
         RETURNING inbox_id, started_at, due_at",
    )
    .bind(at)
    .bind(by.as_str())
    .bind(conversation)
    .fetch_all(&mut **tx)
    .await?;
    dashboard::count_answers(tx, &stopped, at).await
}

/// Ends an open session: closed, its offer withdrawn, its agent told.
pub(super) async fn end(tx: &mut Tx, conversation: i64, by: EndedBy, now: Millis) -> Result<bool> {
    let ended = sqlx::query(
        "UPDATE conversations SET state = 'closed', closed_at = $1, ended_by = $2 \
         WHERE id = $3 AND state = 'open' RETURNING agent_id",
    )
    .bind(now)
    .bind(by.as_str())
    .bind(conversation)
    .fetch_all(&mut **tx)
    .await?;
    let Some(row) = ended.first() else {
        return Ok(false);
    };
    routing::withdraw_for(tx, conversation, now).await?;
    if let Some(agent) = row.try_get::<Option<i64>, _>("agent_id")? {
        let payload = json!({ "ended_by": by.as_str() });
        events::to_agent(tx, agent, "ended", Some(conversation), &payload, now).await?;
    }
    Ok(true)
}

impl SqlStore {
    pub(super) async fn close(
        &self,
        scope: Scope,
        conversation: ConversationId,
        now: Millis,
    ) -> Result<CloseAnswer> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let found = sqlx::query(&format!(
            "SELECT v.state, v.agent_id FROM conversations v WHERE v.id = $3 AND {}",
            super::reads::conversation_visible()
        ))
        .bind(i64::from(scope.admin))
        .bind(scope.agent.0)
        .bind(conversation.0)
        .fetch_all(&mut **tx)
        .await?;
        let Some(row) = found.first() else {
            return Ok(CloseAnswer::Unknown);
        };
        let state: String = row.try_get("state")?;
        let owner: Option<i64> = row.try_get("agent_id")?;
        if state != "open" {
            return Ok(CloseAnswer::AlreadyClosed);
        }
        if !scope.admin && owner != Some(scope.agent.0) {
            return Ok(CloseAnswer::NotYours);
        }
        end(tx, conversation.0, EndedBy::Agent, now).await?;
        writing.commit().await?;
        Ok(CloseAnswer::Closed)
    }

    pub(super) async fn mark_no_reply_needed(
        &self,
        scope: Scope,
        item: ItemId,
        now: Millis,
    ) -> Result<NoReplyAnswer> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let found = sqlx::query(&format!(
            "SELECT t.conversation_id, t.direction, t.context, v.state, \
             (SELECT l.id FROM timeline_items l WHERE l.conversation_id = t.conversation_id \
              AND l.direction = 'in' ORDER BY l.created_at DESC, l.id DESC LIMIT 1) AS last_in \
             FROM timeline_items t JOIN conversations v ON v.id = t.conversation_id \
             WHERE t.id = $3 AND {}",
            super::reads::conversation_visible()
        ))
        .bind(i64::from(scope.admin))
        .bind(scope.agent.0)
        .bind(item.0)
        .fetch_all(&mut **tx)
        .await?;
        let Some(row) = found.first() else {
            return Ok(NoReplyAnswer::Unknown);
        };
        let conversation: i64 = row.try_get("conversation_id")?;
        let state: String = row.try_get("state")?;
        let last_in: Option<i64> = row.try_get("last_in")?;
        if state != "open" || last_in != Some(item.0) {
            return Ok(NoReplyAnswer::NotLastIncoming);
        }
        let mut context: igdesk_domain::timeline::ItemContext =
            serde_json::from_str(&row.try_get::<String, _>("context")?)?;
        context.no_reply_needed = true;
        // A reply claimed on the comment meanwhile keeps its flag (PostgreSQL: the
        // context read above may be older than the claim).
        let context_sql = super::comment_flags::keeping_flags(self.backend, "$1");
        sqlx::query(&format!(
            "UPDATE timeline_items SET context = {context_sql} WHERE id = $2"
        ))
        .bind(serde_json::to_string(&context)?)
        .bind(item.0)
        .execute(&mut **tx)
        .await?;
        meet(tx, conversation, MetBy::NoReplyNeeded, now).await?;
        end(tx, conversation, EndedBy::NoReplyNeeded, now).await?;
        writing.commit().await?;
        Ok(NoReplyAnswer::Ended(ConversationId(conversation)))
    }

    pub(super) async fn end_silent(&self, now: Millis) -> Result<Vec<ConversationId>> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let inboxes = sqlx::query("SELECT id, auto_end_seconds FROM inboxes ORDER BY id")
            .fetch_all(&mut **tx)
            .await?;
        let mut ended = Vec::new();
        for inbox in &inboxes {
            let room = MAX_ENDED_AT_ONCE - ended.len() as i64;
            if room <= 0 {
                break;
            }
            let seconds: i64 = inbox.try_get("auto_end_seconds")?;
            // The inbox's longest silent first, along `conversations_silent`: the
            // walk ends at the first conversation not silent long enough, where a
            // test of every open conversation took 350 ms with 100,000 open,
            // holding SQLite's writer (docs/BENCHMARKS.md).
            let silent = sqlx::query(
                "SELECT c.id FROM conversations c WHERE c.inbox_id = $1 AND c.state = 'open' \
                 AND COALESCE(c.last_incoming_at, c.opened_at) <= $2 \
                 ORDER BY COALESCE(c.last_incoming_at, c.opened_at) LIMIT $3",
            )
            .bind(inbox.try_get::<i64, _>("id")?)
            .bind(now.saturating_sub(seconds.saturating_mul(1000)))
            .bind(room)
            .fetch_all(&mut **tx)
            .await?;
            for row in &silent {
                let id: i64 = row.try_get("id")?;
                if end(tx, id, EndedBy::AutoEnd, now).await? {
                    ended.push(ConversationId(id));
                }
            }
        }
        writing.commit().await?;
        ended.sort();
        Ok(ended)
    }

    pub(super) async fn sla(
        &self,
        inbox: InboxId,
        from: Millis,
        to: Millis,
        now: Millis,
    ) -> Result<Option<SlaReport>> {
        let found = sqlx::query("SELECT sla_target_seconds FROM inboxes WHERE id = $1")
            .bind(inbox.0)
            .fetch_all(&self.pool)
            .await?;
        let Some(row) = found.first() else {
            return Ok(None);
        };
        let target_seconds: i64 = row.try_get("sla_target_seconds")?;
        let counted = sqlx::query(
            "SELECT COUNT(*) AS total, \
             CAST(COALESCE(SUM(CASE WHEN met_at IS NOT NULL AND met_at <= due_at THEN 1 ELSE 0 END), 0) AS BIGINT) AS met, \
             CAST(COALESCE(SUM(CASE WHEN (met_at IS NOT NULL AND met_at > due_at) \
               OR (met_at IS NULL AND due_at < $4) THEN 1 ELSE 0 END), 0) AS BIGINT) AS breached, \
             CAST(COALESCE(SUM(CASE WHEN met_at IS NULL AND due_at >= $4 THEN 1 ELSE 0 END), 0) AS BIGINT) AS waiting \
             FROM sla_clocks WHERE inbox_id = $1 AND started_at >= $2 AND started_at < $3",
        )
        .bind(inbox.0)
        .bind(from)
        .bind(to)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let row = counted
            .first()
            .ok_or_else(|| rows::corrupt("COUNT returned no row"))?;
        Ok(Some(SlaReport {
            inbox_id: inbox,
            target_seconds,
            from,
            to,
            total: row.try_get("total")?,
            met: row.try_get("met")?,
            breached: row.try_get("breached")?,
            waiting: row.try_get("waiting")?,
        }))
    }
}
