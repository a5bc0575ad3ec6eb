//! The dashboard's figures (UI-5), and the rollups written with the changes they
//! count. Every read here goes through a small table or a partial index over what
//! is still moving (open conversations, unanswered waits, unsent messages): none
//! grows with the timeline, the deliveries or the answered waits.

use super::{rows, Binds, SqlStore, ACCOUNT_INBOX};
use crate::dashboard::*;
use crate::Result;
use async_trait::async_trait;
use igdesk_domain::time::{HOUR, MINUTE};
use igdesk_domain::{AccountId, AgentId, ConversationId, CustomerId, InboxId, Millis};
use sqlx::{Any, Row as _, Transaction};
use std::collections::{BTreeMap, HashMap};

type Tx = Transaction<'static, Any>;

/// The start of the hour (UTC) `at` falls in.
pub(super) fn hour_of(at: Millis) -> Millis {
    at - at.rem_euclid(HOUR)
}

/// Counts an answered wait in the hour it began: its bucket, whether it was late.
pub(super) async fn count_answer(
    tx: &mut Tx,
    inbox: i64,
    started_at: Millis,
    due_at: Millis,
    met_at: Millis,
) -> Result<()> {
    // Meta's clock and ours may differ by a little: a wait is never negative.
    let wait = (met_at - started_at).max(0);
    let breached = i64::from(met_at > due_at);
    // The bucket is looked up in the statement: `wait_buckets` is the one place the
    // bounds are kept.
    sqlx::query(
        "INSERT INTO wait_hours (inbox_id, hour, breached, wait_ms, answered, bucket) \
         VALUES ($1, $2, $3, $4, 1, (SELECT MIN(bucket) FROM wait_buckets WHERE up_to_seconds * 1000 >= $4)) \
         ON CONFLICT (inbox_id, hour, bucket) DO UPDATE SET answered = wait_hours.answered + 1, \
         breached = wait_hours.breached + excluded.breached, wait_ms = wait_hours.wait_ms + excluded.wait_ms",
    )
    .bind(inbox)
    .bind(hour_of(started_at))
    .bind(breached)
    .bind(wait)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO wait_totals (inbox_id, breached, wait_ms, answered, bucket) \
         VALUES ($1, $2, $3, 1, (SELECT MIN(bucket) FROM wait_buckets WHERE up_to_seconds * 1000 >= $3)) \
         ON CONFLICT (inbox_id, bucket) DO UPDATE SET answered = wait_totals.answered + 1, \
         breached = wait_totals.breached + excluded.breached, wait_ms = wait_totals.wait_ms + excluded.wait_ms",
    )
    .bind(inbox)
    .bind(breached)
    .bind(wait)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Counts answers for the clocks a statement stopped (`RETURNING inbox_id,
/// started_at, due_at`).
pub(super) async fn count_answers(
    tx: &mut Tx,
    stopped: &[super::Row],
    met_at: Millis,
) -> Result<()> {
    for row in stopped {
        count_answer(
            tx,
            row.try_get("inbox_id")?,
            row.try_get("started_at")?,
            row.try_get("due_at")?,
            met_at,
        )
        .await?;
    }
    Ok(())
}

/// Counts received deliveries in the minute each arrived.
pub(super) async fn count_deliveries(
    tx: &mut Tx,
    received: impl Iterator<Item = Millis>,
) -> Result<()> {
    let mut minutes = BTreeMap::<Millis, i64>::new();
    for at in received {
        *minutes.entry(at - at.rem_euclid(MINUTE)).or_default() += 1;
    }
    for (minute, n) in minutes {
        sqlx::query(
            "INSERT INTO intake_minutes (minute, deliveries) VALUES ($1, $2) \
             ON CONFLICT (minute) DO UPDATE SET deliveries = intake_minutes.deliveries + excluded.deliveries",
        )
        .bind(minute)
        .bind(n)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Notes that Meta sent events for these accounts. To the minute: the accounts'
/// rows are written (and on PostgreSQL locked) once a minute, not by every batch.
pub(super) async fn touch_accounts(tx: &mut Tx, accounts: &[i64], now: Millis) -> Result<()> {
    if accounts.is_empty() {
        return Ok(());
    }
    let mut binds = Binds::of(tx);
    let sql = format!(
        "UPDATE accounts SET last_event_at = {} WHERE last_event_at < {} AND id IN ({})",
        binds.one(),
        binds.one(),
        binds.list(accounts.len())
    );
    let mut query = sqlx::query(&sql).bind(now).bind(now - MINUTE);
    for account in accounts {
        query = query.bind(*account);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

#[async_trait]
impl DashboardStore for SqlStore {
    async fn dashboard(&self, q: &DashboardQuery) -> Result<DashboardFigures> {
        let mut figures = DashboardFigures {
            wait_buckets: self.wait_buckets().await?,
            ..Default::default()
        };
        let inboxes = self.visible_inboxes(q).await?;
        if !inboxes.is_empty() {
            figures.inboxes = self.inboxes_now(&inboxes).await?;
            (figures.answered_by_hour, figures.answered_by_inbox) =
                self.answered(q, &inboxes).await?;
            figures.unanswered = self.unanswered(q, &inboxes).await?;
            figures.agents = self.agent_loads(&inboxes).await?;
            figures.accounts = self.account_traffic(q, &inboxes).await?;
        }
        if q.intake {
            figures.intake = Some(self.intake(q).await?);
        }
        Ok(figures)
    }

    async fn breached_waits(&self, q: &DashboardQuery) -> Result<Vec<BreachedWait>> {
        let inboxes = self.visible_inboxes(q).await?;
        if inboxes.is_empty() {
            return Ok(Vec::new());
        }
        let mut binds = Binds::new(self.backend);
        let sql = format!(
            "SELECT s.conversation_id, s.inbox_id, s.started_at, s.due_at, s.met_at, \
             cu.id AS customer_id, cu.name, cu.username, cu.igsid \
             FROM sla_clocks s JOIN conversations c ON c.id = s.conversation_id \
             JOIN customers cu ON cu.id = c.customer_id \
             WHERE s.inbox_id IN ({}) AND s.started_at >= {} AND s.started_at < {} \
             AND ((s.met_at IS NOT NULL AND s.met_at > s.due_at) OR (s.met_at IS NULL AND s.due_at < {})) \
             ORDER BY s.started_at DESC, s.id DESC LIMIT {BREACHED_LISTED}",
            binds.list(inboxes.len()),
            binds.one(),
            binds.one(),
            binds.one()
        );
        bind_inboxes(sqlx::query(&sql), &inboxes)
            .bind(q.from)
            .bind(q.to)
            .bind(q.now)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(BreachedWait {
                    conversation: ConversationId(r.try_get("conversation_id")?),
                    customer: CustomerId(r.try_get("customer_id")?),
                    customer_name: super::routing::customer_name(r)?,
                    inbox: InboxId(r.try_get("inbox_id")?),
                    started_at: r.try_get("started_at")?,
                    due_at: r.try_get("due_at")?,
                    answered_at: r.try_get("met_at")?,
                })
            })
            .collect()
    }

    async fn wait_totals(&self) -> Result<(Vec<i64>, Vec<WaitTotal>)> {
        let totals = sqlx::query(
            "SELECT inbox_id, bucket, answered, breached, wait_ms FROM wait_totals \
             ORDER BY inbox_id, bucket",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(WaitTotal {
                inbox: InboxId(r.try_get("inbox_id")?),
                bucket: bucket_index(r)?,
                answered: r.try_get("answered")?,
                breached: r.try_get("breached")?,
                wait_ms: r.try_get("wait_ms")?,
            })
        })
        .collect::<Result<_>>()?;
        Ok((self.wait_buckets().await?, totals))
    }
}

/// `bucket:answered:breached`, as `answered` folds them.
fn folded_counts(counts: &str) -> Result<(usize, i64, i64)> {
    let mut numbers = counts.split(':');
    let mut next = || numbers.next().and_then(|n| n.parse::<i64>().ok());
    match (next(), next(), next(), next()) {
        (Some(bucket), Some(answered), Some(breached), None) => Ok((
            usize::try_from(bucket).map_err(|_| folded_error(counts))?,
            answered,
            breached,
        )),
        _ => Err(folded_error(counts)),
    }
}

fn folded_error(counts: &str) -> crate::StoreError {
    crate::StoreError::Corrupt(format!("wait_hours folded into {counts:?}"))
}

fn bucket_index(r: &super::Row) -> Result<usize> {
    usize::try_from(r.try_get::<i64, _>("bucket")?)
        .map_err(|_| rows::corrupt("a negative wait bucket"))
}

/// Binds the inboxes of the query, after whatever was bound before.
fn bind_inboxes<'q>(
    mut query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    inboxes: &[InboxId],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    for inbox in inboxes {
        query = query.bind(inbox.0);
    }
    query
}

impl SqlStore {
    async fn wait_buckets(&self) -> Result<Vec<i64>> {
        sqlx::query("SELECT up_to_seconds FROM wait_buckets ORDER BY bucket")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok(r.try_get("up_to_seconds")?))
            .collect()
    }

    /// The inboxes the asker may see, narrowed to the one asked for.
    async fn visible_inboxes(&self, q: &DashboardQuery) -> Result<Vec<InboxId>> {
        sqlx::query(
            "SELECT i.id FROM inboxes i WHERE ($1 = 1 OR i.id IN \
               (SELECT inbox_id FROM agent_inboxes WHERE agent_id = $2)) \
             AND ($3 = 0 OR i.id = $4) ORDER BY i.id",
        )
        .bind(i64::from(q.scope.admin))
        .bind(q.scope.agent.0)
        .bind(i64::from(q.inbox.is_some()))
        .bind(q.inbox.map_or(0, |i| i.0))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok(InboxId(r.try_get("id")?)))
        .collect()
    }

    async fn inboxes_now(&self, inboxes: &[InboxId]) -> Result<Vec<InboxNow>> {
        let mut binds = Binds::new(self.backend);
        let sql = format!(
            "SELECT id, name, sla_target_seconds FROM inboxes WHERE id IN ({}) ORDER BY id",
            binds.list(inboxes.len())
        );
        let mut now = bind_inboxes(sqlx::query(&sql), inboxes)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(InboxNow {
                    inbox: InboxId(r.try_get("id")?),
                    name: r.try_get("name")?,
                    sla_target_seconds: r.try_get("sla_target_seconds")?,
                    routing: 0,
                    offered: 0,
                    assigned: 0,
                    oldest_wait_since: None,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // Open conversations only, from their partial index (with the agent); the
        // offer and the running clock looked up for each: the work open now, never
        // the clocks closed conversations left running.
        let mut binds = Binds::new(self.backend);
        let sql = format!(
            "SELECT inbox_id, COUNT(*) AS open, CAST(SUM(assigned) AS BIGINT) AS assigned, \
             CAST(SUM(offered) AS BIGINT) AS offered, MIN(waiting_since) AS oldest_wait FROM ( \
               SELECT c.inbox_id, CASE WHEN c.agent_id IS NULL THEN 0 ELSE 1 END AS assigned, \
               CASE WHEN c.agent_id IS NULL AND EXISTS (SELECT 1 FROM offers o WHERE o.conversation_id = c.id) \
                 THEN 1 ELSE 0 END AS offered, \
               (SELECT s.started_at FROM sla_clocks s{} WHERE s.conversation_id = c.id AND s.met_at IS NULL) AS waiting_since \
               FROM conversations c{} WHERE c.state = 'open' AND c.inbox_id IN ({}) \
             ) open_work GROUP BY inbox_id",
            self.backend.indexed_by("sla_running_by_conversation"),
            self.backend.indexed_by("conversations_open"),
            binds.list(inboxes.len())
        );
        for r in bind_inboxes(sqlx::query(&sql), inboxes)
            .fetch_all(&self.pool)
            .await?
        {
            let id = InboxId(r.try_get("inbox_id")?);
            if let Some(inbox) = now.iter_mut().find(|i| i.inbox == id) {
                let open: i64 = r.try_get("open")?;
                inbox.assigned = r.try_get("assigned")?;
                inbox.offered = r.try_get("offered")?;
                inbox.routing = open - inbox.assigned - inbox.offered;
                inbox.oldest_wait_since = r.try_get("oldest_wait")?;
            }
        }
        Ok(now)
    }

    /// The period's answered waits, summed by hour (over the inboxes) and by inbox
    /// (over the hours). One read of the rollup in its key order, a row per inbox
    /// and hour with its buckets folded into a string (`bucket:answered:breached,…`):
    /// a week of three inboxes is 504 rows, not 11,000. Decoding rows is what costs
    /// past a few hundred; splitting a short string of numbers does not.
    async fn answered(
        &self,
        q: &DashboardQuery,
        inboxes: &[InboxId],
    ) -> Result<(Vec<HourWaits>, Vec<InboxWaits>)> {
        let mut binds = Binds::new(self.backend);
        let sql = format!(
            "SELECT inbox_id, hour, string_agg(CAST(bucket AS TEXT) || ':' || CAST(answered AS TEXT) \
             || ':' || CAST(breached AS TEXT), ',') AS buckets FROM wait_hours \
             WHERE inbox_id IN ({}) AND hour >= {} AND hour < {} GROUP BY inbox_id, hour",
            binds.list(inboxes.len()),
            binds.one(),
            binds.one()
        );
        let mut by_hour = BTreeMap::<(Millis, usize), [i64; 2]>::new();
        let mut by_inbox = BTreeMap::<(InboxId, usize), [i64; 2]>::new();
        for r in bind_inboxes(sqlx::query(&sql), inboxes)
            .bind(q.from)
            .bind(q.to)
            .fetch_all(&self.pool)
            .await?
        {
            let inbox = InboxId(r.try_get("inbox_id")?);
            let hour: Millis = r.try_get("hour")?;
            let buckets: String = r.try_get("buckets")?;
            for counts in buckets.split(',') {
                let (bucket, answered, breached) = folded_counts(counts)?;
                for sums in [
                    by_hour.entry((hour, bucket)).or_default(),
                    by_inbox.entry((inbox, bucket)).or_default(),
                ] {
                    sums[0] += answered;
                    sums[1] += breached;
                }
            }
        }
        let by_hour = by_hour
            .into_iter()
            .map(|((hour, bucket), [answered, breached])| HourWaits {
                hour,
                bucket,
                answered,
                breached,
            })
            .collect();
        let by_inbox = by_inbox
            .into_iter()
            .map(|((inbox, bucket), [answered, breached])| InboxWaits {
                inbox,
                bucket,
                answered,
                breached,
            })
            .collect();
        Ok((by_hour, by_inbox))
    }

    async fn unanswered(
        &self,
        q: &DashboardQuery,
        inboxes: &[InboxId],
    ) -> Result<Vec<UnansweredWaits>> {
        let mut binds = Binds::new(self.backend);
        let now = binds.one();
        let now_again = binds.one();
        let sql = format!(
            "SELECT inbox_id, started_at - started_at % 3600000 AS hour, \
             CAST(SUM(CASE WHEN due_at < {now} THEN 1 ELSE 0 END) AS BIGINT) AS overdue, \
             CAST(SUM(CASE WHEN due_at >= {now_again} THEN 1 ELSE 0 END) AS BIGINT) AS within \
             FROM sla_clocks WHERE met_at IS NULL AND inbox_id IN ({}) \
             AND started_at >= {} AND started_at < {} \
             GROUP BY inbox_id, started_at - started_at % 3600000 ORDER BY hour, inbox_id",
            binds.list(inboxes.len()),
            binds.one(),
            binds.one()
        );
        bind_inboxes(sqlx::query(&sql).bind(q.now).bind(q.now), inboxes)
            .bind(q.from)
            .bind(q.to)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(UnansweredWaits {
                    inbox: InboxId(r.try_get("inbox_id")?),
                    hour: r.try_get("hour")?,
                    overdue: r.try_get("overdue")?,
                    within: r.try_get("within")?,
                })
            })
            .collect()
    }

    async fn agent_loads(&self, inboxes: &[InboxId]) -> Result<Vec<AgentLoad>> {
        let mut binds = Binds::new(self.backend);
        let sql = format!(
            "SELECT a.id, a.available, a.standard_capacity, ai.inbox_id, \
             (SELECT COUNT(*) FROM conversations c WHERE c.agent_id = a.id AND c.state = 'open') AS open \
             FROM agents a JOIN agent_inboxes ai ON ai.agent_id = a.id \
             WHERE ai.inbox_id IN ({}) ORDER BY a.id, ai.inbox_id",
            binds.list(inboxes.len())
        );
        let mut agents: Vec<AgentLoad> = Vec::new();
        for r in bind_inboxes(sqlx::query(&sql), inboxes)
            .fetch_all(&self.pool)
            .await?
        {
            let id = AgentId(r.try_get("id")?);
            let inbox = InboxId(r.try_get("inbox_id")?);
            match agents.last_mut() {
                Some(last) if last.agent == id => last.inboxes.push(inbox),
                _ => agents.push(AgentLoad {
                    agent: id,
                    available: rows::flag(&r, "available")?,
                    open_conversations: r.try_get("open")?,
                    standard_capacity: r.try_get("standard_capacity")?,
                    inboxes: vec![inbox],
                }),
            }
        }
        Ok(agents)
    }

    async fn account_traffic(
        &self,
        q: &DashboardQuery,
        inboxes: &[InboxId],
    ) -> Result<Vec<AccountTraffic>> {
        let hour_ago = q.now - HOUR;
        let listed = sqlx::query(&format!(
            "SELECT a.id, a.username, {ACCOUNT_INBOX} AS inbox_id, a.send_paused_until, a.pause_reason, \
             a.needs_reconnect, a.last_event_at, \
             (SELECT COUNT(*) FROM outgoing o WHERE o.account_id = a.id AND o.sent_at > $1) AS in_window, \
             (SELECT COUNT(*) FROM outgoing o WHERE o.account_id = a.id AND o.sent_at > $2 \
               AND o.comment_id IS NOT NULL) AS private_replies \
             FROM accounts a WHERE a.removed_at IS NULL ORDER BY a.id"
        ))
        .bind(q.now - q.send_window)
        .bind(hour_ago)
        .fetch_all(&self.pool)
        .await?;
        let mut accounts = Vec::new();
        for r in &listed {
            let inbox = InboxId(r.try_get("inbox_id")?);
            if !inboxes.contains(&inbox) {
                continue;
            }
            let paused_until: Millis = r.try_get("send_paused_until")?;
            let last_event_at: Millis = r.try_get("last_event_at")?;
            accounts.push(AccountTraffic {
                account: AccountId(r.try_get("id")?),
                username: r.try_get("username")?,
                inbox,
                sent_in_window: r.try_get("in_window")?,
                private_replies_last_hour: r.try_get("private_replies")?,
                queued_people: 0,
                queued_api: 0,
                paused_until: (paused_until > q.now).then_some(paused_until),
                pause_reason: r.try_get("pause_reason")?,
                needs_reconnect: rows::flag(r, "needs_reconnect")?,
                failures_last_hour: Vec::new(),
                webhooks_pending: 0,
                last_event_at: (last_event_at > 0).then_some(last_event_at),
            });
        }
        let by_id: HashMap<AccountId, usize> = accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.account, i))
            .collect();
        // Unsent messages are few (the partial index holds only them).
        let queued = sqlx::query(
            "SELECT account_id, lane, COUNT(*) AS n FROM outgoing \
             WHERE state IN ('waiting', 'queued', 'sending') GROUP BY account_id, lane",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in &queued {
            let Some(&i) = by_id.get(&AccountId(r.try_get("account_id")?)) else {
                continue;
            };
            let n: i64 = r.try_get("n")?;
            match r.try_get::<String, _>("lane")?.as_str() {
                "api" => accounts[i].queued_api += n,
                _ => accounts[i].queued_people += n,
            }
        }
        let webhooks = sqlx::query(
            "SELECT account_id, COUNT(*) AS n FROM api_webhooks WHERE state = 'pending' \
             GROUP BY account_id",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in &webhooks {
            if let Some(&i) = by_id.get(&AccountId(r.try_get("account_id")?)) {
                accounts[i].webhooks_pending = r.try_get("n")?;
            }
        }
        let failed = sqlx::query(
            "SELECT account_id, COALESCE(error, '') AS error, COUNT(*) AS n FROM outgoing \
             WHERE state = 'failed' AND failed_at > $1 GROUP BY account_id, COALESCE(error, '') \
             ORDER BY n DESC, error",
        )
        .bind(hour_ago)
        .fetch_all(&self.pool)
        .await?;
        for r in &failed {
            if let Some(&i) = by_id.get(&AccountId(r.try_get("account_id")?)) {
                accounts[i]
                    .failures_last_hour
                    .push((r.try_get("error")?, r.try_get("n")?));
            }
        }
        Ok(accounts)
    }

    async fn intake(&self, q: &DashboardQuery) -> Result<IntakeFigures> {
        let minute_now = q.now - q.now.rem_euclid(MINUTE);
        let counts = |rows: Vec<super::Row>, at: &str| -> Result<Vec<(Millis, i64)>> {
            rows.iter()
                .map(|r| Ok((r.try_get(at)?, r.try_get("n")?)))
                .collect()
        };
        let last_hour = sqlx::query(
            "SELECT minute, deliveries AS n FROM intake_minutes \
             WHERE minute > $1 AND minute <= $2 ORDER BY minute",
        )
        .bind(minute_now - HOUR)
        .bind(minute_now)
        .fetch_all(&self.pool)
        .await?;
        let by_hour = sqlx::query(
            "SELECT minute - minute % 3600000 AS hour, CAST(SUM(deliveries) AS BIGINT) AS n \
             FROM intake_minutes WHERE minute >= $1 AND minute < $2 \
             GROUP BY minute - minute % 3600000 ORDER BY hour",
        )
        .bind(q.from)
        .bind(q.to)
        .fetch_all(&self.pool)
        .await?;
        let backlog = sqlx::query("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'")
            .fetch_all(&self.pool)
            .await?;
        let notes = sqlx::query(
            "SELECT kind, COUNT(*) AS n FROM event_notes WHERE created_at >= $1 AND created_at < $2 \
             GROUP BY kind ORDER BY n DESC, kind",
        )
        .bind(q.from)
        .bind(q.to)
        .fetch_all(&self.pool)
        .await?;
        Ok(IntakeFigures {
            last_hour_by_minute: counts(last_hour, "minute")?,
            by_hour: counts(by_hour, "hour")?,
            backlog: match backlog.first() {
                Some(r) => r.try_get("n")?,
                None => 0,
            },
            notes: notes
                .iter()
                .map(|r| Ok((r.try_get("kind")?, r.try_get("n")?)))
                .collect::<Result<_>>()?,
        })
    }
}
