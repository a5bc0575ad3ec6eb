//! The agents' live streams (RT-8). Events are written in the same transaction as
//! the change they report, so a stream read after a commit never misses one, and a
//! reconnecting console resumes after the last id it saw.

use super::{Backend, Binds, SqlStore};
use crate::routing::{AgentEvent, EventNews, EventsAfter, SETTLED_CHECK};
use crate::Result;
use igdesk_domain::{AgentId, ConversationId, EventId, ItemId, Millis};
use sqlx::{Any, Row as _, Transaction};

type Tx = Transaction<'static, Any>;

/// An event for one agent.
pub(super) async fn to_agent(
    tx: &mut Tx,
    agent: i64,
    kind: &str,
    conversation: Option<i64>,
    payload: &serde_json::Value,
    now: Millis,
) -> Result<()> {
    let event = NewEvent {
        agent,
        kind,
        conversation,
        payload,
    };
    to_agents(tx, &[event], now).await
}

/// An event for one agent, to be written with others.
pub(super) struct NewEvent<'a> {
    pub agent: i64,
    pub kind: &'a str,
    pub conversation: Option<i64>,
    pub payload: &'a serde_json::Value,
}

/// Many events in one statement, their ids in the order given.
pub(super) async fn to_agents(tx: &mut Tx, events: &[NewEvent<'_>], now: Millis) -> Result<()> {
    // Five values a row keeps a chunk well inside every backend's parameter limit.
    for chunk in events.chunks(1_000) {
        let sql = format!(
            "INSERT INTO agent_events (agent_id, kind, conversation_id, payload, created_at) VALUES {}",
            Binds::of(tx).rows(chunk.len(), 5)
        );
        let mut query = sqlx::query(&sql);
        for e in chunk {
            query = query
                .bind(e.agent)
                .bind(e.kind.to_owned())
                .bind(e.conversation)
                .bind(e.payload.to_string())
                .bind(now);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// An event about an item, for the agent its open conversation is assigned to (if
/// any): a new item, a status change, a reaction.
pub(super) async fn for_item(tx: &mut Tx, item: i64, kind: &str, now: Millis) -> Result<u64> {
    let written = sqlx::query(
        "INSERT INTO agent_events (agent_id, kind, conversation_id, item_id, created_at) \
         SELECT c.agent_id, $1, c.id, t.id, $2 FROM timeline_items t \
         JOIN conversations c ON c.id = t.conversation_id \
         WHERE t.id = $3 AND c.agent_id IS NOT NULL AND c.state = 'open'",
    )
    .bind(kind.to_owned())
    .bind(now)
    .bind(item)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(written)
}

/// Like [`for_item`], for many items.
pub(super) async fn for_items(tx: &mut Tx, items: &[i64], kind: &str, now: Millis) -> Result<u64> {
    let mut written = 0;
    for chunk in items.chunks(500) {
        let mut binds = Binds::of(tx);
        let sql = format!(
            "INSERT INTO agent_events (agent_id, kind, conversation_id, item_id, created_at) \
             SELECT c.agent_id, {}, c.id, t.id, {} FROM timeline_items t \
             JOIN conversations c ON c.id = t.conversation_id \
             WHERE t.id IN ({}) AND c.agent_id IS NOT NULL AND c.state = 'open' ORDER BY t.id",
            binds.one(),
            binds.one(),
            binds.list(chunk.len())
        );
        let mut query = sqlx::query(&sql).bind(kind.to_owned()).bind(now);
        for item in chunk {
            query = query.bind(*item);
        }
        written += query.execute(&mut **tx).await?.rows_affected();
    }
    Ok(written)
}

/// Like [`for_item`], for the item with Meta's id `mid` on `account`.
pub(super) async fn for_mid(
    tx: &mut Tx,
    account: i64,
    mid: &str,
    kind: &str,
    now: Millis,
) -> Result<u64> {
    let written = sqlx::query(
        "INSERT INTO agent_events (agent_id, kind, conversation_id, item_id, created_at) \
         SELECT c.agent_id, $1, c.id, t.id, $2 FROM timeline_items t \
         JOIN conversations c ON c.id = t.conversation_id \
         WHERE t.account_id = $3 AND t.mid = $4 AND c.agent_id IS NOT NULL AND c.state = 'open'",
    )
    .bind(kind.to_owned())
    .bind(now)
    .bind(account)
    .bind(mid.to_owned())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(written)
}

fn event(r: &super::Row) -> Result<AgentEvent> {
    let payload: String = r.try_get("payload")?;
    Ok(AgentEvent {
        id: EventId(r.try_get("id")?),
        kind: r.try_get("kind")?,
        conversation_id: r
            .try_get::<Option<i64>, _>("conversation_id")?
            .map(ConversationId),
        item_id: r.try_get::<Option<i64>, _>("item_id")?.map(ItemId),
        payload: serde_json::from_str(&payload)?,
        created_at: r.try_get("created_at")?,
    })
}

impl SqlStore {
    /// Events with a stream key (`tx`) below this are settled: no transaction still
    /// running can add one before them in stream order. On PostgreSQL a transaction
    /// takes its key as it writes its first event, and this is the lowest key still
    /// held, else the next to be taken; asked before the events are read, so whatever
    /// it counts as finished is visible to that read. On SQLite every committed event
    /// is settled (one writer, ids in commit order).
    ///
    /// A horizon asked for at or after `since` is good enough (an older one is a
    /// lower bound: it only holds events back longer), so the streams a commit wakes
    /// together share one question to the server.
    async fn settled_below(&self, since: std::time::Instant) -> Result<i64> {
        if self.backend == Backend::Sqlite {
            return Ok(i64::MAX);
        }
        let mut last = self.horizon.lock().await;
        if let Some((asked, horizon)) = *last {
            if asked >= since {
                return Ok(horizon);
            }
        }
        let asked = std::time::Instant::now();
        // Migration 0028 says how keys are taken and read.
        let row = sqlx::query("SELECT igdesk_event_horizon() AS horizon")
            .fetch_one(&self.pool)
            .await?;
        let horizon = row.try_get("horizon")?;
        *last = Some((asked, horizon));
        Ok(horizon)
    }

    /// Whether the events of the transaction with key `tx` are settled (see
    /// `RoutingStore::settled`).
    pub(super) async fn is_settled(&self, tx: i64) -> Result<bool> {
        let since = std::time::Instant::now()
            .checked_sub(SETTLED_CHECK)
            .unwrap_or_else(std::time::Instant::now);
        Ok(self.settled_below(since).await? > tx)
    }

    /// The agent's settled events after `after` in stream order, (tx, id). An
    /// `after` that is gone (pruned) resumes from the oldest left: a repeat, never a
    /// gap. Events with keys at or past the horizon come last in that order;
    /// the first of them is cut off and named, so the stream can wait for exactly it
    /// rather than for news that may not come.
    pub(super) async fn read_events(
        &self,
        agent: AgentId,
        after: EventId,
        limit: i64,
    ) -> Result<EventsAfter> {
        let settled = self.settled_below(std::time::Instant::now()).await?;
        let rows = sqlx::query(
            "SELECT id, kind, conversation_id, item_id, payload, created_at, tx FROM agent_events \
             WHERE agent_id = $1 \
             AND (tx, id) > (COALESCE((SELECT x.tx FROM agent_events x WHERE x.id = $2), 0), $2) \
             ORDER BY tx, id LIMIT $3",
        )
        .bind(agent.0)
        .bind(after.0)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut read = EventsAfter::default();
        for row in &rows {
            let tx: i64 = row.try_get("tx")?;
            if tx >= settled {
                read.held_back = Some(tx);
                break;
            }
            read.events.push(event(row)?);
        }
        Ok(read)
    }

    /// The last settled event: a stream starting now begins after it.
    pub(super) async fn newest_event(&self, agent: AgentId) -> Result<EventId> {
        let settled = self.settled_below(std::time::Instant::now()).await?;
        let found = sqlx::query(
            "SELECT id FROM agent_events WHERE agent_id = $1 AND tx < $2 \
             ORDER BY tx DESC, id DESC LIMIT 1",
        )
        .bind(agent.0)
        .bind(settled)
        .fetch_all(&self.pool)
        .await?;
        Ok(EventId(match found.first() {
            Some(row) => row.try_get("id")?,
            None => 0,
        }))
    }

    /// See `RoutingStore::agents_with_news`. On SQLite events are settled as they
    /// commit, in id order, so the mark is the last id seen. On PostgreSQL it is the
    /// horizon asked before the read: every event below it is settled and visible to
    /// the read, and one at or past it is read again next time, so none is missed
    /// (one may be named twice).
    pub(super) async fn news_since(&self, mark: Option<i64>) -> Result<EventNews> {
        let postgres = self.backend == Backend::Postgres;
        let horizon = match postgres {
            true => Some(self.settled_below(std::time::Instant::now()).await?),
            false => None,
        };
        let Some(mark) = mark else {
            let mark = match horizon {
                Some(horizon) => horizon,
                None => sqlx::query("SELECT COALESCE(MAX(id), 0) AS mark FROM agent_events")
                    .fetch_one(&self.pool)
                    .await?
                    .try_get("mark")?,
            };
            return Ok(EventNews {
                agents: Vec::new(),
                mark,
            });
        };
        let since = if postgres { "tx >= $1" } else { "id > $1" };
        let rows = sqlx::query(&format!(
            "SELECT agent_id, MAX(id) AS last FROM agent_events WHERE {since} GROUP BY agent_id"
        ))
        .bind(mark)
        .fetch_all(&self.pool)
        .await?;
        let mut news = EventNews {
            agents: Vec::with_capacity(rows.len()),
            mark: horizon.unwrap_or(mark).max(mark),
        };
        for row in &rows {
            news.agents.push(AgentId(row.try_get("agent_id")?));
            if !postgres {
                news.mark = news.mark.max(row.try_get("last")?);
            }
        }
        Ok(news)
    }

    pub(super) async fn delete_events_before(&self, before: Millis) -> Result<u64> {
        let _turn = self.writer_turn().await;
        Ok(
            sqlx::query("DELETE FROM agent_events WHERE created_at < $1")
                .bind(before)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    pub(super) async fn lease(
        &self,
        name: &str,
        holder: &str,
        now: Millis,
        until: Millis,
    ) -> Result<bool> {
        let _turn = self.writer_turn().await;
        let taken = sqlx::query(
            "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
             WHERE leases.holder = excluded.holder OR leases.until <= $4",
        )
        .bind(name.to_owned())
        .bind(holder.to_owned())
        .bind(until)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(taken > 0)
    }
}
