//! Applying one delivery's changes in one transaction (see `igdesk_domain::changes`).
//! Every statement is idempotent: Meta's id is unique per account, so an item seen
//! before is not added again and nothing that follows from it happens twice.

use super::api_events;
use super::apply_run::{
    insert_items, upsert_customers, CustomerRow, ItemRow, Pending, Run, Upserted,
};
use super::automatic_apply::{self, Automation};
use super::sessions::{self, MetBy};
use super::{dashboard, events, Backend, Binds, SqlStore, ACCOUNT_INBOX};
use crate::api::HandoverTarget;
use crate::model::{ApplyOutcome, DeliveryChanges};
use crate::{Result, ECHO_ROUTED_REASON, JOB_REFRESH_PROFILE, PROFILE_FRESH_FOR};
use igdesk_domain::changes::{Change, ChangeKind, ConversationEffect, NewItem};
use igdesk_domain::timeline::{Direction, ItemKind, ItemStatus, Source};
use igdesk_domain::{AccountId, CustomerId, DeliveryId, Igsid, ItemId, Millis};
use sqlx::{Any, Row as _, Transaction};
use std::collections::{BTreeSet, HashMap};

pub(super) type Tx = Transaction<'static, Any>;

impl SqlStore {
    pub(super) async fn apply(
        &self,
        batch: &[DeliveryChanges],
        now: Millis,
    ) -> Result<ApplyOutcome> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let mut out = ApplyOutcome::default();
        let mut changes = Vec::new();
        for delivery in batch {
            changes.extend(
                delivery
                    .changes
                    .iter()
                    .map(|c| (Some(delivery.delivery), c)),
            );
        }
        let mut ctx = Batch::start(tx, &changes).await?;
        apply_in_order(tx, &mut ctx, &changes, now, &mut out).await?;
        ctx.finish(tx, now, &mut out).await?;
        let mut accounts: Vec<i64> = changes
            .iter()
            .filter_map(|(_, c)| c.account.map(|a| a.0))
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        dashboard::touch_accounts(tx, &accounts, now).await?;
        for chunk in batch.chunks(500) {
            let mut binds = Binds::new(self.backend);
            let sql = format!(
                "UPDATE deliveries SET status = 'processed', processed_at = {} WHERE id IN ({})",
                binds.one(),
                binds.list(chunk.len())
            );
            let mut processed = sqlx::query(&sql).bind(now);
            for d in chunk {
                processed = processed.bind(d.delivery.0);
            }
            processed.execute(&mut **tx).await?;
            let sql = format!(
                "DELETE FROM jobs WHERE id IN ({})",
                Binds::new(self.backend).list(chunk.len())
            );
            let mut completed = sqlx::query(&sql);
            for d in chunk {
                completed = completed.bind(d.job.0);
            }
            completed.execute(&mut **tx).await?;
        }
        writing.commit().await?;
        Ok(out)
    }
}

impl SqlStore {
    pub(super) async fn apply_loose(
        &self,
        changes: &[Change],
        now: Millis,
    ) -> Result<ApplyOutcome> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let mut out = ApplyOutcome::default();
        let changes: Vec<_> = changes.iter().map(|c| (None, c)).collect();
        let mut ctx = Batch::start(tx, &changes).await?;
        apply_in_order(tx, &mut ctx, &changes, now, &mut out).await?;
        ctx.finish(tx, now, &mut out).await?;
        writing.commit().await?;
        Ok(out)
    }
}

/// Takes the rows of the changes' customers who exist, in id order, before anything
/// is written (PostgreSQL). A batch upserts its customers in its own order, run by
/// run, while an API request takes its customers in id order (`lock_queues`) and a
/// profile refresh too: holding them all first, in that order, none of those waits
/// for the batch while holding a row the batch wants (a deadlock, which failed an
/// API request of 1,000 messages with a 500). New customers are nobody else's yet.
async fn lock_customers(tx: &mut Tx, changes: &[(Option<DeliveryId>, &Change)]) -> Result<()> {
    if Backend::of(tx) == Backend::Sqlite {
        return Ok(());
    }
    let keys: BTreeSet<(i64, &str)> = changes
        .iter()
        .filter_map(|(_, c)| Some((c.account?.0, c.kind.igsid()?)))
        .collect();
    let keys: Vec<(i64, &str)> = keys.into_iter().collect();
    for chunk in keys.chunks(500) {
        let sql = format!(
            "SELECT c.id FROM customers c JOIN (VALUES {}) AS v (account_id, igsid) \
             ON c.account_id = v.account_id AND c.igsid = v.igsid ORDER BY c.id FOR UPDATE OF c",
            Binds::of(tx).rows(chunk.len(), 2)
        );
        let mut query = sqlx::query(&sql);
        for (account, igsid) in chunk {
            query = query.bind(*account).bind(igsid.to_string());
        }
        query.fetch_all(&mut **tx).await?;
    }
    Ok(())
}

/// Applies changes in their order: customers' items go in runs of many rows (see
/// `apply_run`), everything else one change at a time, after the run before it.
pub(super) async fn apply_in_order(
    tx: &mut Tx,
    ctx: &mut Batch,
    changes: &[(Option<DeliveryId>, &Change)],
    now: Millis,
    out: &mut ApplyOutcome,
) -> Result<()> {
    let mut run = Run::default();
    for &(delivery, change) in changes {
        match Pending::of(ctx, change) {
            Some(pending) => {
                if run.conflicts(&pending) {
                    run.flush(tx, ctx, now, out).await?;
                }
                run.push(pending);
            }
            None => {
                run.flush(tx, ctx, now, out).await?;
                apply_one(tx, ctx, delivery, change, now, out).await?;
            }
        }
    }
    run.flush(tx, ctx, now, out).await
}

/// What a transaction of changes reads once, and writes once at its end: the
/// statements per message stay few however many messages it carries.
pub(super) struct Batch {
    /// API-enabled accounts, and where their customers go on asking for a person.
    api: HashMap<i64, HandoverTarget>,
    /// Customers whose Instagram profile is due a refresh.
    pub(super) stale_profiles: Vec<i64>,
    /// Rules and business hours, when any are set.
    pub(super) automation: Option<Automation>,
}

impl Batch {
    /// Starts applying `changes`: their customers' rows are taken first
    /// ([`lock_customers`]), then what the batch reads once.
    pub(super) async fn start(
        tx: &mut Tx,
        changes: &[(Option<DeliveryId>, &Change)],
    ) -> Result<Self> {
        lock_customers(tx, changes).await?;
        let mut api = HashMap::new();
        for row in sqlx::query("SELECT account_id, handover FROM api_settings")
            .fetch_all(&mut **tx)
            .await?
        {
            if let Some(target) = HandoverTarget::parse(&row.try_get::<String, _>("handover")?) {
                api.insert(row.try_get("account_id")?, target);
            }
        }
        Ok(Batch {
            api,
            stale_profiles: Vec::new(),
            automation: Automation::load(tx).await?,
        })
    }

    pub(super) fn has_api(&self, account: AccountId) -> bool {
        self.api.contains_key(&account.0)
    }

    /// On an API-enabled account the API's bot has a customer's messages, not the
    /// agents, unless people have the customer now (API-3, API-4).
    fn bot_has(
        &self,
        account: AccountId,
        customer: &Upserted,
        now: Millis,
    ) -> Option<HandoverTarget> {
        self.api
            .get(&account.0)
            .copied()
            .filter(|_| customer.handover_until <= now)
    }

    /// Queues the profile refreshes, one job per customer at most.
    pub(super) async fn finish(
        mut self,
        tx: &mut Tx,
        now: Millis,
        out: &mut ApplyOutcome,
    ) -> Result<()> {
        self.stale_profiles.sort_unstable();
        self.stale_profiles.dedup();
        for chunk in self.stale_profiles.chunks(1_000) {
            let sql = format!(
                "INSERT INTO jobs (kind, dedup_key, payload, run_at, created_at) VALUES {} \
                 ON CONFLICT (dedup_key) DO NOTHING",
                Binds::of(tx).rows(chunk.len(), 5)
            );
            let mut query = sqlx::query(&sql);
            for customer in chunk {
                query = query
                    .bind(JOB_REFRESH_PROFILE)
                    .bind(format!("{JOB_REFRESH_PROFILE}:{customer}"))
                    .bind(customer.to_string())
                    .bind(now)
                    .bind(now);
            }
            out.profile_jobs += query.execute(&mut **tx).await?.rows_affected() as u32;
        }
        Ok(())
    }
}

async fn apply_one(
    tx: &mut Tx,
    ctx: &mut Batch,
    delivery: Option<DeliveryId>,
    change: &Change,
    now: Millis,
    out: &mut ApplyOutcome,
) -> Result<()> {
    let account = change.account;
    match (&change.kind, account) {
        (ChangeKind::Note { kind, reason, raw }, _) => {
            sqlx::query(
                "INSERT INTO event_notes (delivery_id, account_id, kind, reason, raw, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(delivery.map(|d| d.0))
            .bind(account.map(|a| a.0))
            .bind(kind.clone())
            .bind(reason.clone())
            .bind(raw.clone())
            .bind(now)
            .execute(&mut **tx)
            .await?;
            out.notes += 1;
        }
        (_, None) => {}
        (
            ChangeKind::AddItem {
                igsid,
                username,
                conversation,
                item,
                refresh_profile,
            },
            Some(account),
        ) => {
            // A customer's message (not a comment, not an echo) opens the windows.
            let wrote = (item.direction == Direction::In && item.kind != ItemKind::Comment)
                .then_some(item.created_at);
            let upserted =
                upsert_customer(tx, account, igsid, username.as_deref(), wrote, now).await?;
            let customer = upserted.id;
            let bot = if wrote.is_some() && !item.context.imported {
                ctx.bot_has(account, &upserted, now)
            } else {
                None
            };
            // Asking for a person opens the conversation the agents are offered.
            let effect = match bot {
                Some(HandoverTarget::Agents) if api_events::asks_for_person(item) => {
                    ConversationEffect::Open
                }
                Some(_) => ConversationEffect::None,
                None => *conversation,
            };
            let Some(Added {
                id: item_id,
                conversation: joined,
                opened,
            }) = add_item(tx, account, customer, item, effect, now).await?
            else {
                out.duplicates += 1;
                return Ok(());
            };
            out.items_added.push(item_id);
            if let (Some(auto), None) = (&ctx.automation, bot) {
                let added = automatic_apply::Added {
                    account,
                    customer,
                    item,
                    item_id,
                    conversation: joined,
                    opened,
                };
                automatic_apply::after_item(tx, auto, added, now, out).await?;
            }
            if let Some(target) = bot {
                api_events::from_customer(tx, account, customer, item, target, joined, now).await?;
            }
            if let Some(joined) = joined {
                // A customer waits for an answer from their first unanswered message;
                // history imported from before igdesk is not a wait.
                if item.direction == Direction::In && !item.context.imported {
                    sessions::start_clock(tx, joined, item.created_at).await?;
                }
                // A conversation opened just now has nobody to tell yet.
                if !opened {
                    out.events += events::for_item(tx, item_id.0, "item", now).await?;
                }
            }
            let stale = upserted
                .profile_fetched_at
                .is_none_or(|at| now - at >= PROFILE_FRESH_FOR);
            if *refresh_profile && stale {
                ctx.stale_profiles.push(customer.0);
            }
        }
        (
            ChangeKind::Echo {
                igsid,
                item,
                show_unmatched,
            },
            Some(account),
        ) => {
            if let Some(pending) = pending_send(tx, account, igsid, item).await? {
                let customer = super::outbox::mark_sent(tx, pending, &item.mid.0, now).await?;
                super::outbox::promote_next(tx, customer, now).await?;
                out.echoes_matched += 1;
                return Ok(());
            }
            if already_stored(tx, account, &item.mid.0).await? {
                // The echo of a message igdesk sent, after Meta's answer recorded it.
                out.duplicates += 1;
                return Ok(());
            }
            // Sent from the Instagram app: the business answered (IN-10, RT-5), whether
            // or not the echo is shown.
            let customer = upsert_customer(tx, account, igsid, None, None, now)
                .await?
                .id;
            if !item.context.imported {
                sessions::meet_for_customer(
                    tx,
                    account.0,
                    customer.0,
                    MetBy::Echo,
                    item.created_at,
                )
                .await?;
            }
            if !show_unmatched {
                return Ok(());
            }
            // An imported one opens and joins nothing, as the import's other items.
            let effect = if item.context.imported {
                ConversationEffect::None
            } else {
                ConversationEffect::Open
            };
            match add_item(tx, account, customer, item, effect, now).await? {
                Some(Added {
                    id,
                    conversation: joined,
                    ..
                }) => {
                    out.items_added.push(id);
                    if let (Some(joined), false) = (joined, item.context.imported) {
                        // With echo on, the conversation is routed because of it.
                        sqlx::query(
                            "UPDATE conversations SET routed_reason = $1 WHERE id = $2 AND agent_id IS NULL",
                        )
                        .bind(ECHO_ROUTED_REASON)
                        .bind(joined)
                        .execute(&mut **tx)
                        .await?;
                        out.events += events::for_item(tx, id.0, "item", now).await?;
                    }
                }
                None => out.duplicates += 1,
            }
        }
        (ChangeKind::DeleteContent { igsid, mid, at }, Some(account)) => {
            // Every other copy of its content goes first (privacy; `raw_content`).
            super::raw_content::forget_message(tx, account.0, &mid.0, *at, now).await?;
            let cleared = sqlx::query(
                "UPDATE timeline_items SET text = NULL, attachments = '[]', reply_to = NULL, \
                 context = '{}', raw = NULL, deleted = 1 WHERE account_id = $1 AND mid = $2",
            )
            .bind(account.0)
            .bind(mid.0.clone())
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if cleared == 0 {
                // The deletion overtook its message: leave the marker now; the message,
                // when it comes, finds its id taken and is not stored.
                let customer = upsert_customer(tx, account, igsid, None, None, now)
                    .await?
                    .id;
                let marker = NewItem {
                    kind: ItemKind::Message,
                    direction: Direction::In,
                    source: Source::Customer,
                    mid: mid.clone(),
                    text: None,
                    attachments: vec![],
                    reply_to: None,
                    context: Default::default(),
                    status: ItemStatus::Received,
                    raw: None,
                    created_at: *at,
                };
                let none = ConversationEffect::None;
                if let Some(Added { id, .. }) =
                    add_item(tx, account, customer, &marker, none, now).await?
                {
                    sqlx::query("UPDATE timeline_items SET deleted = 1 WHERE id = $1")
                        .bind(id.0)
                        .execute(&mut **tx)
                        .await?;
                }
            } else {
                out.events += events::for_mid(tx, account.0, &mid.0, "item_updated", now).await?;
                api_events::message_deleted(tx, account, &igsid.0, &mid.0, *at, now).await?;
            }
        }
        (ChangeKind::EditText { mid, text }, Some(account)) => {
            sqlx::query("UPDATE timeline_items SET text = $1 WHERE account_id = $2 AND mid = $3 AND deleted = 0")
                .bind(text.clone())
                .bind(account.0)
                .bind(mid.0.clone())
                .execute(&mut **tx)
                .await?;
            out.events += events::for_mid(tx, account.0, &mid.0, "item_updated", now).await?;
        }
        (
            ChangeKind::React {
                igsid,
                mid,
                reaction,
                emoji,
                at,
            },
            Some(account),
        ) => {
            match reaction {
                // A reaction older than the one stored is stale (redelivered late).
                Some(reaction) => sqlx::query(
                    "INSERT INTO reactions (account_id, mid, igsid, reaction, emoji, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, mid, igsid) DO UPDATE \
                     SET reaction = excluded.reaction, emoji = excluded.emoji, updated_at = excluded.updated_at \
                     WHERE reactions.updated_at <= excluded.updated_at",
                )
                .bind(account.0)
                .bind(mid.0.clone())
                .bind(igsid.0.clone())
                .bind(reaction.clone())
                .bind(emoji.clone())
                .bind(*at)
                .execute(&mut **tx)
                .await?,
                None => sqlx::query(
                    "DELETE FROM reactions WHERE account_id = $1 AND mid = $2 AND igsid = $3 AND updated_at <= $4",
                )
                .bind(account.0)
                .bind(mid.0.clone())
                .bind(igsid.0.clone())
                .bind(*at)
                .execute(&mut **tx)
                .await?,
            };
            out.events += events::for_mid(tx, account.0, &mid.0, "reaction", now).await?;
        }
        (ChangeKind::Read { igsid, mid }, Some(account)) => {
            let read = sqlx::query(
                "INSERT INTO agent_events (agent_id, kind, conversation_id, item_id, created_at) \
                 SELECT v.agent_id, 'status', v.id, t.id, $4 FROM timeline_items t \
                 JOIN conversations v ON v.id = t.conversation_id \
                 WHERE v.agent_id IS NOT NULL AND v.state = 'open' \
                 AND t.account_id = $1 AND t.direction = 'out' AND t.status = 'sent' \
                 AND t.customer_id = (SELECT id FROM customers WHERE account_id = $1 AND igsid = $2) \
                 AND t.created_at <= (SELECT created_at FROM timeline_items WHERE account_id = $1 AND mid = $3)",
            )
            .bind(account.0)
            .bind(igsid.0.clone())
            .bind(mid.0.clone())
            .bind(now)
            .execute(&mut **tx)
            .await?;
            out.events += read.rows_affected();
            api_events::read(tx, account, &igsid.0, &mid.0, now).await?;
            sqlx::query(
                "UPDATE timeline_items SET status = 'read' \
                 WHERE account_id = $1 AND direction = 'out' AND status = 'sent' \
                 AND customer_id = (SELECT id FROM customers WHERE account_id = $1 AND igsid = $2) \
                 AND created_at <= (SELECT created_at FROM timeline_items WHERE account_id = $1 AND mid = $3)",
            )
            .bind(account.0)
            .bind(igsid.0.clone())
            .bind(mid.0.clone())
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

async fn already_stored(tx: &mut Tx, account: AccountId, mid: &str) -> Result<bool> {
    let found =
        sqlx::query("SELECT 1 AS found FROM timeline_items WHERE account_id = $1 AND mid = $2")
            .bind(account.0)
            .bind(mid.to_owned())
            .fetch_all(&mut **tx)
            .await?;
    Ok(!found.is_empty())
}

/// The message igdesk is sending to the customer (`$1` account, `$2` IGSID) whose
/// text is `$3`. Read from the customer to their messages in flight
/// (`outgoing_by_customer`): asked by account and IGSID in one join, SQLite, which
/// keeps no statistics, read the account's every outgoing row through
/// `outgoing_sent_by_account` instead, 11 ms an echo with 100,000 API messages
/// queued, inside processing's write, which webhook acknowledgements waited for.
const PENDING_SEND: &str =
    "SELECT o.item_id FROM outgoing o JOIN timeline_items t ON t.id = o.item_id \
     WHERE o.customer_id = (SELECT c.id FROM customers c WHERE c.account_id = $1 AND c.igsid = $2) \
     AND o.state = 'sending' AND COALESCE(t.text, '') = COALESCE($3, '') AND o.sending_since < $4 \
     ORDER BY o.item_id LIMIT 1";

/// The message igdesk is sending to this customer whose Meta answer is not recorded
/// yet, if the echo is of it (same text). An imported copy (the Conversations API's,
/// its time cut to the second) is of it only if it may have been written after the
/// attempt began (before the end of its second): an older message of the same text
/// is not.
async fn pending_send(
    tx: &mut Tx,
    account: AccountId,
    igsid: &Igsid,
    echo: &NewItem,
) -> Result<Option<ItemId>> {
    let began_by = if echo.context.imported {
        echo.created_at + 1_000
    } else {
        Millis::MAX
    };
    let found = sqlx::query(PENDING_SEND)
        .bind(account.0)
        .bind(igsid.0.clone())
        .bind(echo.text.clone())
        .bind(began_by)
        .fetch_all(&mut **tx)
        .await?;
    found
        .first()
        .map(|r| Ok(ItemId(r.try_get("item_id")?)))
        .transpose()
}

/// The customer with this IGSID on this account, created at once when new.
async fn upsert_customer(
    tx: &mut Tx,
    account: AccountId,
    igsid: &Igsid,
    username: Option<&str>,
    wrote_at: Option<Millis>,
    now: Millis,
) -> Result<Upserted> {
    let row = CustomerRow {
        account: account.0,
        igsid: &igsid.0,
        username,
        wrote_at,
    };
    upsert_customers(tx, &[row], now)
        .await?
        .remove(&(account.0, igsid.0.clone()))
        .ok_or_else(|| super::rows::corrupt("an upsert returned no row"))
}

/// An item a change added.
struct Added {
    id: ItemId,
    /// The conversation it joined, if any.
    conversation: Option<i64>,
    /// That conversation was opened by this item.
    opened: bool,
}

/// Adds the item unless its Meta id is already stored (the unique constraint
/// decides), joining the customer's open conversation in the same statement; opens
/// one when the item asks for it and there is none.
async fn add_item(
    tx: &mut Tx,
    account: AccountId,
    customer: CustomerId,
    item: &NewItem,
    effect: ConversationEffect,
    now: Millis,
) -> Result<Option<Added>> {
    let row = ItemRow {
        account: account.0,
        customer: customer.0,
        item,
        joins: effect != ConversationEffect::None,
    };
    let added = insert_items(tx, &[row], now).await?;
    let Some(&(id, joined)) = added.get(&(account.0, item.mid.0.clone())) else {
        return Ok(None);
    };
    let id = ItemId(id);
    let at = item.created_at;
    // The customer's silence (which ends a session) is measured from their messages.
    let incoming = (item.direction == Direction::In).then_some(at);
    let conversation = match (joined, effect) {
        (Some(conversation), _) => Some(conversation),
        (None, ConversationEffect::Open) => {
            let opened = open_conversation(tx, account, customer, at, incoming).await?;
            sqlx::query("UPDATE timeline_items SET conversation_id = $1 WHERE id = $2")
                .bind(opened.id)
                .bind(id.0)
                .execute(&mut **tx)
                .await?;
            return Ok(Some(Added {
                id,
                conversation: Some(opened.id),
                opened: opened.new,
            }));
        }
        (None, _) => None,
    };
    if let Some(conversation) = conversation {
        sqlx::query(
            "UPDATE conversations SET \
             last_item_at = CASE WHEN last_item_at > $1 THEN last_item_at ELSE $1 END, \
             last_incoming_at = CASE WHEN $2 IS NULL THEN last_incoming_at \
             WHEN last_incoming_at IS NULL OR last_incoming_at < $2 THEN $2 ELSE last_incoming_at END \
             WHERE id = $3",
        )
        .bind(at)
        .bind(incoming)
        .bind(conversation)
        .execute(&mut **tx)
        .await?;
    }
    Ok(Some(Added {
        id,
        conversation,
        opened: false,
    }))
}

/// The customer's open conversation, and whether this change opened it.
struct Opened {
    id: i64,
    new: bool,
}

/// Opens a conversation in the inbox the account's work goes to. At most one is open
/// per customer and account (a partial unique index); if another writer opened one
/// first, that one is used.
async fn open_conversation(
    tx: &mut Tx,
    account: AccountId,
    customer: CustomerId,
    at: Millis,
    incoming: Option<Millis>,
) -> Result<Opened> {
    let opened = sqlx::query(&format!(
        "INSERT INTO conversations (account_id, customer_id, inbox_id, state, opened_at, last_incoming_at, last_item_at) \
         SELECT a.id, $1, {ACCOUNT_INBOX}, 'open', $2, $4, $2 FROM accounts a WHERE a.id = $3 \
         ON CONFLICT DO NOTHING RETURNING id"
    ))
    .bind(customer.0)
    .bind(at)
    .bind(account.0)
    .bind(incoming)
    .fetch_all(&mut **tx)
    .await?;
    if let Some(row) = opened.into_iter().next() {
        return Ok(Opened {
            id: row.try_get("id")?,
            new: true,
        });
    }
    let row = sqlx::query(
        "SELECT id FROM conversations WHERE account_id = $1 AND customer_id = $2 AND state = 'open'",
    )
    .bind(account.0)
    .bind(customer.0)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .next()
    .ok_or_else(|| super::rows::corrupt("no open conversation after opening one"))?;
    Ok(Opened {
        id: row.try_get("id")?,
        new: false,
    })
}

#[cfg(test)]
mod tests {
    use sqlx::Row as _;

    /// Every echo of a message igdesk sent runs this inside processing's write: it
    /// must read one customer's messages, never the account's.
    #[tokio::test]
    async fn an_echo_is_matched_through_its_customer_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::testing::sqlite_url(dir.path());
        let store = super::super::connect(&url).await.unwrap();
        let plan: Vec<String> = sqlx::query(&format!("EXPLAIN QUERY PLAN {}", super::PENDING_SEND))
            .bind(1_i64)
            .bind("17841400000000001")
            .bind("hello")
            .fetch_all(&store.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String, _>("detail").unwrap())
            .collect();
        let plan = plan.join("\n");
        assert!(
            plan.contains("INDEX outgoing_by_customer (customer_id=? AND state=?)"),
            "{plan}"
        );
        assert!(!plan.contains("outgoing_sent_by_account"), "{plan}");
    }
}
