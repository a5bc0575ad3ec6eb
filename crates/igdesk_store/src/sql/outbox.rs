//! The outbox: replies written with their send job, sent one customer at a time in
//! order, each attempt recorded so a crash never sends twice nor loses one.

use super::api_events;
use super::comment_flags::{self, Once};
use super::events;
use super::rows::{self, first};
use super::sessions::{self, MetBy};
use super::{Backend, SqlStore, Turn, WriteTx};
use crate::model::*;
use crate::{OutboxStore, Result, StoreError, JOB_SEND};
use async_trait::async_trait;
use igdesk_domain::timeline::ItemContext;
use igdesk_domain::{AccountId, CustomerId, ItemId, JobId, Millis};
use sqlx::{Any, Row as _, Transaction};

type Tx = Transaction<'static, Any>;

/// A person's reply jumps the queue for SQLite's writer; the API's messages wait
/// their turn.
fn turn_of(lane: Lane) -> Turn {
    match lane {
        Lane::Console => Turn::Urgent,
        Lane::Api => Turn::Background,
    }
}

#[async_trait]
impl OutboxStore for SqlStore {
    async fn queue_reply(&self, reply: NewReply, now: Millis) -> Result<Vec<ItemId>> {
        let mut writing = self.write_as(turn_of(reply.lane)).await?;
        let tx = &mut writing.tx;
        lock_queue(tx, reply.customer).await?;
        // A private reply takes its comment's flag in the transaction that queues it:
        // of two at once, one is queued and the other refused, never both sent.
        if let Some(comment) = &reply.comment_id {
            if !comment_flags::claim_private_reply(tx, self.backend, reply.account, comment).await?
            {
                return Err(StoreError::Conflict(
                    "a private reply to this comment".into(),
                ));
            }
        }
        // The SLA clock runs on until Meta accepts the reply (`mark_sent`).
        let ids = insert_parts(tx, &reply, now).await?;
        if reply.lane == Lane::Console {
            yield_api_head(tx, reply.customer).await?;
        }
        promote_next(tx, reply.customer, now).await?;
        writing.commit().await?;
        Ok(ids)
    }

    async fn claim_sends_up_to(
        &self,
        max_priority: i64,
        limit: i64,
        now: Millis,
        lease_until: Millis,
    ) -> Result<Vec<Job>> {
        let urgent = max_priority <= Lane::Console.priority();
        let turn = if urgent { Turn::Urgent } else { Turn::Ordinary };
        let _turn = self.writer_turn_as(turn).await;
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE OF j SKIP LOCKED",
            Backend::Sqlite => "",
        };
        // One lane at a time, people's replies first. With the lane fixed, the walk
        // along `jobs_due` (kind, priority, run_at) ends at the first job not yet
        // due; over several lanes it would read every job of each, held accounts'
        // included (`hold_queued_sends`).
        let chosen = format!(
            "SELECT j.id FROM jobs j JOIN accounts a ON a.id = j.account_id \
             WHERE j.kind = '{JOB_SEND}' AND j.priority = $4 AND j.dead = 0 AND j.run_at <= $2 \
             AND j.leased_until <= $2 AND a.needs_reconnect = 0 AND a.send_paused_until <= $2 AND a.removed_at IS NULL \
             ORDER BY j.run_at, j.id LIMIT $3 {lock}"
        );
        let sql = super::jobs::claim(self.backend, "$1", &chosen);
        let mut claimed = Vec::new();
        for lane in [Lane::Console, Lane::Api] {
            let room = limit - claimed.len() as i64;
            if lane.priority() > max_priority || room <= 0 {
                break;
            }
            let mut jobs = sqlx::query(&sql)
                .bind(lease_until)
                .bind(now)
                .bind(room)
                .bind(lane.priority())
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(rows::job)
                .collect::<Result<Vec<_>>>()?;
            // RETURNING comes in no set order.
            jobs.sort_by_key(|job| job.id);
            claimed.append(&mut jobs);
        }
        Ok(claimed)
    }

    async fn outgoing(&self, item: ItemId) -> Result<Option<Outgoing>> {
        sqlx::query(
            "SELECT o.item_id, o.account_id, o.customer_id, c.igsid, o.lane, o.author, o.message, \
             o.comment_id, o.state, o.attempts, o.sending_since, c.last_message_at, o.queued_at, \
             o.valid_until FROM outgoing o JOIN customers c ON c.id = o.customer_id WHERE o.item_id = $1",
        )
        .bind(item.0)
        .fetch_all(&self.pool)
        .await
        .map(|found| first(found, outgoing_row))?
    }

    async fn mark_sending_in(&self, lane: Lane, item: ItemId, now: Millis) -> Result<bool> {
        let _turn = self.writer_turn_as(turn_of(lane)).await;
        let started = sqlx::query(
            "UPDATE outgoing SET state = 'sending', sending_since = $1, attempts = attempts + 1 \
             WHERE item_id = $2 AND state IN ('queued', 'sending')",
        )
        .bind(now)
        .bind(item.0)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(started == 1)
    }

    async fn record_sent_in(
        &self,
        lane: Lane,
        job: JobId,
        item: ItemId,
        mid: &str,
        now: Millis,
    ) -> Result<()> {
        let sent = SentRecord {
            job,
            item,
            mid: mid.to_owned(),
            at: now,
        };
        self.record_all_sent(lane, std::slice::from_ref(&sent))
            .await
    }

    async fn record_all_sent(&self, lane: Lane, sent: &[SentRecord]) -> Result<()> {
        if sent.is_empty() {
            return Ok(());
        }
        // A person's reply is recorded in the ordinary turn (nobody waits on it,
        // but its customer's next may be due); the API's backlog behind every writer.
        let turn = match lane {
            Lane::Console => Turn::Ordinary,
            Lane::Api => Turn::Background,
        };
        let mut writing = self.write_as(turn).await?;
        for record in sent {
            let tx = &mut writing.tx;
            let customer = mark_sent(tx, record.item, &record.mid, record.at).await?;
            sqlx::query("DELETE FROM jobs WHERE id = $1")
                .bind(record.job.0)
                .execute(&mut **tx)
                .await?;
            promote_next(tx, customer, record.at).await?;
        }
        // One commit for them all: on SQLite, one sync of the log instead of one a send.
        writing.commit().await
    }

    async fn record_failed(
        &self,
        job: JobId,
        item: ItemId,
        reason: &str,
        now: Millis,
    ) -> Result<()> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let customer = lock_queue_of(tx, item).await?;
        sqlx::query("UPDATE outgoing SET state = 'failed', error = $1, sending_since = NULL, failed_at = $2 WHERE item_id = $3 AND state <> 'sent'")
            .bind(reason.to_owned())
            .bind(now)
            .bind(item.0)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "UPDATE timeline_items SET status = 'failed' WHERE id = $1 AND status = 'queued'",
        )
        .bind(item.0)
        .execute(&mut **tx)
        .await?;
        events::for_item(tx, item.0, "status", now).await?;
        api_events::part_failed(tx, item, reason, now).await?;
        finish(writing, job, customer, now).await
    }

    async fn record_retry(
        &self,
        job: JobId,
        item: ItemId,
        run_at: Millis,
        error: &str,
    ) -> Result<()> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        sqlx::query("UPDATE outgoing SET state = 'queued', sending_since = NULL, error = $1 WHERE item_id = $2 AND state IN ('queued', 'sending')")
            .bind(error.to_owned())
            .bind(item.0)
            .execute(&mut **tx)
            .await?;
        sqlx::query("UPDATE jobs SET run_at = $1, leased_until = 0, last_error = $2 WHERE id = $3")
            .bind(run_at)
            .bind(error.to_owned())
            .bind(job.0)
            .execute(&mut **tx)
            .await?;
        writing.commit().await
    }

    async fn repair_stalled_queues(&self, now: Millis) -> Result<u64> {
        // Only the waiting messages, through their partial index: every message
        // ever sent stays in `outgoing`.
        let stalled = sqlx::query(&format!(
            "SELECT DISTINCT w.customer_id FROM outgoing w{} WHERE w.state = 'waiting' \
             AND NOT EXISTS (SELECT 1 FROM outgoing h WHERE h.customer_id = w.customer_id \
             AND h.state IN ('queued', 'sending'))",
            self.backend.indexed_by("outgoing_waiting")
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut repaired = 0;
        for row in stalled {
            let customer = CustomerId(row.try_get("customer_id")?);
            // Seen without a lock: a hand-over may have committed since. Under the
            // queue's lock, only a queue still stalled is given its head.
            let mut writing = self.write().await?;
            if promote_next(&mut writing.tx, customer, now).await? {
                repaired += 1;
                tracing::error!(customer = %customer, "a send queue had lost its hand-over; repaired");
            }
            writing.commit().await?;
        }
        Ok(repaired)
    }

    async fn mid_stored(&self, account: AccountId, mid: &str) -> Result<bool> {
        let found =
            sqlx::query("SELECT 1 AS found FROM timeline_items WHERE account_id = $1 AND mid = $2")
                .bind(account.0)
                .bind(mid.to_owned())
                .fetch_all(&self.pool)
                .await?;
        Ok(!found.is_empty())
    }

    async fn pause_sends(&self, account: AccountId, until: Millis, reason: &str) -> Result<()> {
        let paused = {
            let _turn = self.writer_turn().await;
            sqlx::query("UPDATE accounts SET send_paused_until = $1, pause_reason = $2 WHERE id = $3 AND send_paused_until < $1")
                .bind(until)
                .bind(reason.to_owned())
                .bind(account.0)
                .execute(&self.pool)
                .await?
        };
        if paused.rows_affected() > 0 {
            self.hold_queued_sends(account, until).await?;
        }
        Ok(())
    }

    async fn mark_needs_reconnect(
        &self,
        account: AccountId,
        token_sealed: &str,
        reason: &str,
    ) -> Result<()> {
        let marked = {
            let _turn = self.writer_turn().await;
            sqlx::query("UPDATE accounts SET needs_reconnect = 1, pause_reason = $1 WHERE id = $2 AND token_sealed = $3")
                .bind(reason.to_owned())
                .bind(account.0)
                .bind(token_sealed.to_owned())
                .execute(&self.pool)
                .await?
        };
        if marked.rows_affected() > 0 {
            self.hold_queued_sends(account, UNTIL_RECONNECTED).await?;
        }
        Ok(())
    }

    async fn sends_since(&self, account: AccountId, since: Millis) -> Result<Vec<Millis>> {
        self.send_times(account, since, false).await
    }

    async fn private_replies_since(
        &self,
        account: AccountId,
        since: Millis,
    ) -> Result<Vec<Millis>> {
        self.send_times(account, since, true).await
    }

    async fn save_upload(
        &self,
        id: &str,
        content_type: &str,
        bytes: Vec<u8>,
        now: Millis,
    ) -> Result<()> {
        self.insert_upload(id, content_type, bytes, now).await
    }

    async fn upload(&self, id: &str) -> Result<Option<(String, Vec<u8>)>> {
        self.find_upload(id).await
    }

    async fn prune_uploads(&self, before: Millis) -> Result<u64> {
        self.delete_expired_uploads(before).await
    }

    async fn claim_public_reply(&self, comment: ItemId) -> Result<bool> {
        self.claim_once(comment, Once::PublicReply).await
    }

    async fn release_public_reply(&self, comment: ItemId) -> Result<()> {
        self.release_once(comment, Once::PublicReply).await
    }

    async fn set_item_context(&self, item: ItemId, context: &ItemContext) -> Result<()> {
        self.write_context(item, context).await
    }

    async fn record_comment_reply(
        &self,
        comment: ItemId,
        reply_id: &str,
        text: &str,
        now: Millis,
    ) -> Result<ItemId> {
        self.insert_comment_reply(comment, reply_id, text, now)
            .await
    }

    async fn item_for_job(&self, item: ItemId) -> Result<Option<TimelineItem>> {
        sqlx::query(&format!("{} WHERE t.id = $1", super::reads::ITEM_SELECT))
            .bind(item.0)
            .fetch_all(&self.pool)
            .await
            .map(|found| first(found, rows::item))?
    }
}

impl SqlStore {
    /// When the account's messages (or only its private replies) were sent.
    async fn send_times(
        &self,
        account: AccountId,
        since: Millis,
        private_only: bool,
    ) -> Result<Vec<Millis>> {
        sqlx::query(
            "SELECT sent_at FROM outgoing WHERE account_id = $1 AND sent_at > $2 \
             AND ($3 = 0 OR comment_id IS NOT NULL)",
        )
        .bind(account.0)
        .bind(since)
        .bind(i64::from(private_only))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok(r.try_get("sent_at")?))
        .collect()
    }

    pub(super) async fn write_context(&self, item: ItemId, context: &ItemContext) -> Result<()> {
        let _turn = self.writer_turn().await;
        let context_sql = comment_flags::keeping_flags(self.backend, "$1");
        sqlx::query(&format!(
            "UPDATE timeline_items SET context = {context_sql} WHERE id = $2"
        ))
        .bind(serde_json::to_string(context)?)
        .bind(item.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn insert_comment_reply(
        &self,
        comment: ItemId,
        reply_id: &str,
        text: &str,
        now: Millis,
    ) -> Result<ItemId> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let row = sqlx::query(
            "INSERT INTO timeline_items (account_id, customer_id, conversation_id, kind, direction, source, \
             mid, text, attachments, context, status, created_at, received_at) \
             SELECT account_id, customer_id, conversation_id, 'comment', 'out', 'igdesk', $1, $2, '[]', '{}', \
             'sent', $3, $3 FROM timeline_items WHERE id = $4 RETURNING id, conversation_id",
        )
        .bind(reply_id.to_owned())
        .bind(text.to_owned())
        .bind(now)
        .bind(comment.0)
        .fetch_all(&mut **tx)
        .await?;
        let row = row
            .first()
            .ok_or_else(|| rows::corrupt("the comment vanished"))?;
        let id: i64 = row.try_get("id")?;
        if let Some(conversation) = row.try_get::<Option<i64>, _>("conversation_id")? {
            sessions::meet(tx, conversation, MetBy::Reply, now).await?;
        }
        events::for_item(tx, id, "item", now).await?;
        self.mark_once(tx, comment, Once::PublicReply).await?;
        writing.commit().await?;
        Ok(ItemId(id))
    }
}

/// Adds a reply's parts to the timeline (queued) and to the outbox (waiting). (The
/// API's messages are added many at a time: `api_queue`.)
async fn insert_parts(tx: &mut Tx, reply: &NewReply, now: Millis) -> Result<Vec<ItemId>> {
    let conversation: Option<i64> = sqlx::query(
        "SELECT id FROM conversations WHERE account_id = $1 AND customer_id = $2 AND state = 'open'",
    )
    .bind(reply.account.0)
    .bind(reply.customer.0)
    .fetch_all(&mut **tx)
    .await?
    .first()
    .map(|r| r.try_get("id"))
    .transpose()?;
    if let Some(conversation) = conversation {
        // The conversation was active now: the agent's list shows it answered.
        sqlx::query(
            "UPDATE conversations SET last_item_at = $1 WHERE id = $2 AND last_item_at < $1",
        )
        .bind(now)
        .bind(conversation)
        .execute(&mut **tx)
        .await?;
    }
    let mut ids = Vec::with_capacity(reply.parts.len());
    for part in &reply.parts {
        let row = sqlx::query(
            "INSERT INTO timeline_items (account_id, customer_id, conversation_id, kind, direction, source, \
             mid, text, attachments, context, status, created_at, received_at) \
             VALUES ($1, $2, $3, 'message', 'out', 'igdesk', $4, $5, $6, '{}', 'queued', $7, $7) RETURNING id",
        )
        .bind(reply.account.0)
        .bind(reply.customer.0)
        .bind(conversation)
        .bind(part.provisional_mid.clone())
        .bind(part.text.clone())
        .bind(serde_json::to_string(&part.attachments)?)
        .bind(now)
        .fetch_all(&mut **tx)
        .await?;
        let id: i64 = row
            .first()
            .ok_or_else(|| rows::corrupt("insert returned no id"))?
            .try_get("id")?;
        sqlx::query(
            "INSERT INTO outgoing (item_id, account_id, customer_id, lane, author, message, comment_id, state, \
             queued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'waiting', $8)",
        )
        .bind(id)
        .bind(reply.account.0)
        .bind(reply.customer.0)
        .bind(reply.lane.as_str())
        .bind(reply.author)
        .bind(part.message.to_string())
        .bind(reply.comment_id.clone())
        .bind(now)
        .execute(&mut **tx)
        .await?;
        events::for_item(tx, id, "item", now).await?;
        ids.push(ItemId(id));
    }
    Ok(ids)
}

fn outgoing_row(r: &super::Row) -> Result<Outgoing> {
    let message: String = r.try_get("message")?;
    Ok(Outgoing {
        item: ItemId(r.try_get("item_id")?),
        account_id: AccountId(r.try_get("account_id")?),
        customer_id: CustomerId(r.try_get("customer_id")?),
        igsid: r.try_get("igsid")?,
        lane: r.try_get("lane")?,
        author: r.try_get("author")?,
        message: serde_json::from_str(&message)?,
        comment_id: r.try_get("comment_id")?,
        state: r.try_get("state")?,
        attempts: r.try_get("attempts")?,
        sending_since: r.try_get("sending_since")?,
        customer_last_message_at: r.try_get("last_message_at")?,
        queued_at: r.try_get("queued_at")?,
        valid_until: r.try_get("valid_until")?,
    })
}

/// Records Meta's id on the item and marks it sent (idempotent: the echo may have
/// done it first), with the customer's queue taken first. Returns the customer.
pub(super) async fn mark_sent(
    tx: &mut Tx,
    item: ItemId,
    mid: &str,
    now: Millis,
) -> Result<CustomerId> {
    let customer = lock_queue_of(tx, item).await?;
    // A person's reply answers the customer (RT-5) when Meta accepts it, not when it
    // is queued: one that fails leaves the clock running. Once, on the first of the
    // send's answer and its echo; an automatic message never answers.
    let answering = sqlx::query(
        "SELECT t.conversation_id FROM outgoing o JOIN timeline_items t ON t.id = o.item_id \
         WHERE o.item_id = $1 AND o.author = 'human' AND o.state <> 'sent' \
         AND t.conversation_id IS NOT NULL",
    )
    .bind(item.0)
    .fetch_all(&mut **tx)
    .await?;
    for row in answering {
        sessions::meet(tx, row.try_get("conversation_id")?, MetBy::Reply, now).await?;
    }
    sqlx::query("UPDATE timeline_items SET mid = $1, status = CASE WHEN status = 'read' THEN 'read' ELSE 'sent' END WHERE id = $2")
        .bind(mid.to_owned())
        .bind(item.0)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE outgoing SET state = 'sent', sent_at = COALESCE(sent_at, $1), sending_since = NULL, error = NULL WHERE item_id = $2")
        .bind(now)
        .bind(item.0)
        .execute(&mut **tx)
        .await?;
    events::for_item(tx, item.0, "status", now).await?;
    api_events::part_sent(tx, item, now).await?;
    Ok(customer)
}

async fn customer_of(tx: &mut Tx, item: ItemId) -> Result<CustomerId> {
    let found = sqlx::query("SELECT customer_id FROM outgoing WHERE item_id = $1")
        .bind(item.0)
        .fetch_all(&mut **tx)
        .await?;
    let row = found
        .first()
        .ok_or_else(|| rows::corrupt("an outgoing message vanished"))?;
    Ok(CustomerId(row.try_get("customer_id")?))
}

/// Completes the job, queues the customer's next message, commits.
async fn finish(mut writing: WriteTx, job: JobId, customer: CustomerId, now: Millis) -> Result<()> {
    let tx = &mut writing.tx;
    sqlx::query("DELETE FROM jobs WHERE id = $1")
        .bind(job.0)
        .execute(&mut **tx)
        .await?;
    promote_next(tx, customer, now).await?;
    writing.commit().await
}

/// A person's reply must not wait behind an automated message that is only queued
/// (not being sent): that message steps back to waiting, and its job goes.
async fn yield_api_head(tx: &mut Tx, customer: CustomerId) -> Result<()> {
    let heads = sqlx::query(
        "SELECT item_id FROM outgoing WHERE customer_id = $1 AND state = 'queued' AND lane = 'api'",
    )
    .bind(customer.0)
    .fetch_all(&mut **tx)
    .await?;
    for head in heads {
        let item: i64 = head.try_get("item_id")?;
        sqlx::query(
            "UPDATE outgoing SET state = 'waiting' WHERE item_id = $1 AND state = 'queued'",
        )
        .bind(item)
        .execute(&mut **tx)
        .await?;
        sqlx::query(&format!(
            "DELETE FROM jobs WHERE kind = '{JOB_SEND}' AND dedup_key = $1"
        ))
        .bind(format!("{JOB_SEND}:{item}"))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Takes the customer's send queue (the customer's row lock, on PostgreSQL) before
/// anything in it is read or changed. Queueing a message and settling the head
/// both take it first, so under READ COMMITTED whichever of the two commits second
/// reads what the first wrote: a reply queued while the head is being settled is
/// always handed over by one side or the other. SQLite's transactions never
/// overlap (one writer), so there is nothing to take.
pub(super) async fn lock_queue(tx: &mut Tx, customer: CustomerId) -> Result<()> {
    if Backend::of(tx) == Backend::Sqlite {
        return Ok(());
    }
    sqlx::query("SELECT id FROM customers WHERE id = $1 FOR UPDATE")
        .bind(customer.0)
        .fetch_all(&mut **tx)
        .await?;
    Ok(())
}

/// [`lock_queue`] for several customers, in one statement, taken in id order (so
/// two writers taking overlapping sets never wait on each other in a cycle).
pub(super) async fn lock_queues(
    tx: &mut Tx,
    customers: &std::collections::BTreeSet<CustomerId>,
) -> Result<()> {
    if Backend::of(tx) == Backend::Sqlite {
        return Ok(());
    }
    let customers: Vec<CustomerId> = customers.iter().copied().collect();
    for chunk in customers.chunks(500) {
        let sql = format!(
            "SELECT id FROM customers WHERE id IN ({}) ORDER BY id FOR UPDATE",
            super::Binds::of(tx).list(chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for customer in chunk {
            query = query.bind(customer.0);
        }
        query.fetch_all(&mut **tx).await?;
    }
    Ok(())
}

/// [`lock_queue`] for the customer an outgoing message is to; returns the customer.
async fn lock_queue_of(tx: &mut Tx, item: ItemId) -> Result<CustomerId> {
    let customer = customer_of(tx, item).await?;
    lock_queue(tx, customer).await?;
    Ok(customer)
}

/// A send job's `run_at` while its account needs reconnecting: later than any
/// time, until `reconnect_account` makes the account's jobs due again.
const UNTIL_RECONNECTED: Millis = i64::MAX / 2;

/// Jobs looked at per write transaction while holding an account's queue.
const HOLD_WINDOW: i64 = 5_000;

impl SqlStore {
    /// Moves the due time of the account's queued messages to `until`, when it may
    /// send again. The claims still pass over an account that may not send; what
    /// this saves is the walk: they read due jobs in time order, and an account held
    /// with 100,000 messages queued cost every claim of every other account's sends
    /// a pass over all 100,000 (81 ms on PostgreSQL, holding SQLite's writer as
    /// long). Messages queued later are given the same time (`promote_next`).
    ///
    /// [`HOLD_WINDOW`] jobs at a time, each window its own write: all 100,000 at once
    /// held SQLite's writer 0.6 s, and intake waits for it. The account is marked
    /// first, so a window not yet moved is only walked, never sent early.
    async fn hold_queued_sends(&self, account: AccountId, until: Millis) -> Result<()> {
        let mut after = 0;
        loop {
            let mut writing = self.write().await?;
            let tx = &mut writing.tx;
            let last: Option<i64> = sqlx::query(
                "SELECT MAX(id) AS last FROM (SELECT id FROM jobs WHERE id > $1 ORDER BY id LIMIT $2) w",
            )
            .bind(after)
            .bind(HOLD_WINDOW)
            .fetch_one(&mut **tx)
            .await?
            .try_get("last")?;
            let Some(last) = last else {
                return writing.commit().await;
            };
            sqlx::query(&format!(
                "UPDATE jobs SET run_at = $1 WHERE id > $2 AND id <= $3 AND kind = '{JOB_SEND}' \
                 AND account_id = $4 AND dead = 0 AND run_at < $1"
            ))
            .bind(until)
            .bind(after)
            .bind(last)
            .bind(account.0)
            .execute(&mut **tx)
            .await?;
            writing.commit().await?;
            after = last;
        }
    }
}

/// Gives the customer's oldest waiting message its send job, unless another of the
/// customer's messages is still on its way: one at a time keeps them in order.
/// True when a message was given its job.
pub(super) async fn promote_next(tx: &mut Tx, customer: CustomerId, now: Millis) -> Result<bool> {
    // Callers take the queue before their first write; taken again here (a no-op
    // then) so that no caller can promote without it.
    lock_queue(tx, customer).await?;
    let busy = sqlx::query(
        "SELECT 1 AS one FROM outgoing WHERE customer_id = $1 AND state IN ('queued', 'sending')",
    )
    .bind(customer.0)
    .fetch_all(&mut **tx)
    .await?;
    if !busy.is_empty() {
        return Ok(false);
    }
    let next = sqlx::query(
        // A person's reply goes before automated messages still waiting for the same
        // customer; within a lane, messages keep the order they were written in.
        "SELECT item_id, account_id, lane FROM outgoing WHERE customer_id = $1 AND state = 'waiting' \
         ORDER BY CASE WHEN lane = 'console' THEN 0 ELSE 1 END, item_id LIMIT 1",
    )
    .bind(customer.0)
    .fetch_all(&mut **tx)
    .await?;
    let Some(row) = next.first() else {
        return Ok(false);
    };
    let item: i64 = row.try_get("item_id")?;
    let account: i64 = row.try_get("account_id")?;
    let lane: String = row.try_get("lane")?;
    let priority = Lane::parse(&lane).priority();
    sqlx::query("UPDATE outgoing SET state = 'queued' WHERE item_id = $1")
        .bind(item)
        .execute(&mut **tx)
        .await?;
    // Due now, or when its account may send again (`hold_queued_sends`).
    sqlx::query(&format!(
        "INSERT INTO jobs (kind, dedup_key, payload, run_at, created_at, account_id, priority) \
         SELECT '{JOB_SEND}', $1, $2, CASE WHEN a.needs_reconnect = 1 THEN {UNTIL_RECONNECTED} \
         WHEN a.send_paused_until > $3 THEN a.send_paused_until ELSE $3 END, $3, a.id, $5 \
         FROM accounts a WHERE a.id = $4 ON CONFLICT (dedup_key) DO NOTHING"
    ))
    .bind(format!("{JOB_SEND}:{item}"))
    .bind(item.to_string())
    .bind(now)
    .bind(account)
    .bind(priority)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}
