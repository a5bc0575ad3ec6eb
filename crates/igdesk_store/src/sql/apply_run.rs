//! Applying many customers' items in a few statements. Most of a burst is customers
//! writing in on accounts without the API: for a run of those, each kind of row
//! (customers, items, conversations, SLA clocks, agents' events) is written in one
//! statement, instead of about five statements per message. The statements are the
//! ones `apply_one` runs, with many rows: the same idempotency (Meta's id decides
//! whether an item is new) and the same outcome.
//!
//! A run holds at most one change per customer: a customer's second change flushes
//! the run first, so one customer's changes keep their order. Different customers'
//! changes touch different rows, so their order within a run does not matter.

use super::apply::Batch;
use super::{Binds, ACCOUNT_INBOX};
use crate::model::ApplyOutcome;
use crate::{Result, PROFILE_FRESH_FOR};
use igdesk_domain::changes::{Change, ChangeKind, ConversationEffect, NewItem};
use igdesk_domain::timeline::{Direction, ItemKind};
use igdesk_domain::{AccountId, CustomerId, ItemId, Millis};
use sqlx::{Any, Row as _, Transaction};
use std::collections::{HashMap, HashSet};

type Tx = Transaction<'static, Any>;

/// New items by (account, Meta id): the item, and the conversation it joined.
pub(super) type AddedItems = HashMap<(i64, String), (i64, Option<i64>)>;

/// Rows per statement: well under both databases' limits on bound values.
const ROWS_PER_STATEMENT: usize = 400;

/// A customer's item waiting in a run.
pub(super) struct Pending<'c> {
    account: AccountId,
    igsid: &'c str,
    username: Option<&'c str>,
    effect: ConversationEffect,
    item: &'c NewItem,
    refresh_profile: bool,
}

impl<'c> Pending<'c> {
    /// The change as part of a run, when it can be: an item (not imported history)
    /// on an account without the API, whose bot would need a look per message.
    pub(super) fn of(ctx: &Batch, change: &'c Change) -> Option<Self> {
        let (
            ChangeKind::AddItem {
                igsid,
                username,
                conversation,
                item,
                refresh_profile,
            },
            Some(account),
        ) = (&change.kind, change.account)
        else {
            return None;
        };
        if item.context.imported || ctx.has_api(account) {
            return None;
        }
        // A customer's item may call for an automatic reply, decided one at a time
        // (`automatic_apply`); with no rule and no business hours set, none can.
        if ctx.automation.is_some() && item.direction == Direction::In {
            return None;
        }
        Some(Pending {
            account,
            igsid: &igsid.0,
            username: username.as_deref(),
            effect: *conversation,
            item,
            refresh_profile: *refresh_profile,
        })
    }

    /// When a customer's message opens the windows (not a comment, not an echo).
    fn wrote_at(&self) -> Option<Millis> {
        (self.item.direction == Direction::In && self.item.kind != ItemKind::Comment)
            .then_some(self.item.created_at)
    }

    fn incoming_at(&self) -> Option<Millis> {
        (self.item.direction == Direction::In).then_some(self.item.created_at)
    }
}

#[derive(Default)]
pub(super) struct Run<'c> {
    pending: Vec<Pending<'c>>,
    customers: HashSet<(i64, &'c str)>,
    mids: HashSet<(i64, &'c str)>,
}

impl<'c> Run<'c> {
    /// Whether `p` must wait for this run to be written: same customer or same
    /// Meta id as a change already in it.
    pub(super) fn conflicts(&self, p: &Pending<'c>) -> bool {
        self.customers.contains(&(p.account.0, p.igsid))
            || self.mids.contains(&(p.account.0, p.item.mid.0.as_str()))
    }

    pub(super) fn push(&mut self, p: Pending<'c>) {
        self.customers.insert((p.account.0, p.igsid));
        self.mids.insert((p.account.0, p.item.mid.0.as_str()));
        self.pending.push(p);
    }

    /// Writes the run and empties it.
    pub(super) async fn flush(
        &mut self,
        tx: &mut Tx,
        ctx: &mut Batch,
        now: Millis,
        out: &mut ApplyOutcome,
    ) -> Result<()> {
        let pending = std::mem::take(&mut self.pending);
        self.customers.clear();
        self.mids.clear();
        for chunk in pending.chunks(ROWS_PER_STATEMENT) {
            write(tx, ctx, chunk, now, out).await?;
        }
        Ok(())
    }
}

async fn write(
    tx: &mut Tx,
    ctx: &mut Batch,
    run: &[Pending<'_>],
    now: Millis,
    out: &mut ApplyOutcome,
) -> Result<()> {
    if run.is_empty() {
        return Ok(());
    }
    let rows: Vec<CustomerRow> = run
        .iter()
        .map(|p| CustomerRow {
            account: p.account.0,
            igsid: p.igsid,
            username: p.username,
            wrote_at: p.wrote_at(),
        })
        .collect();
    let customers = upsert_customers(tx, &rows, now).await?;
    let customer_of = |p: &Pending| -> Result<&Upserted> {
        customers
            .get(&(p.account.0, p.igsid.to_owned()))
            .ok_or_else(|| super::rows::corrupt("a customer upsert returned no row"))
    };
    let mut with_customer = Vec::with_capacity(run.len());
    for p in run {
        let customer = customer_of(p)?;
        let stale = customer
            .profile_fetched_at
            .is_none_or(|at| now - at >= PROFILE_FRESH_FOR);
        if p.refresh_profile && stale {
            ctx.stale_profiles.push(customer.id.0);
        }
        with_customer.push((p, customer.id.0));
    }
    // Conversations are opened before their first items go in, so that each item
    // joins its conversation as it is inserted: inserting it and then setting its
    // conversation wrote the row and every index on it twice (on PostgreSQL the
    // update also computed its search words again).
    let to_open: Vec<(&Pending, i64)> = with_customer
        .iter()
        .filter(|(p, _)| p.effect == ConversationEffect::Open)
        .map(|(p, customer)| (*p, *customer))
        .collect();
    let opened = open_conversations(tx, &to_open).await?;
    let rows: Vec<ItemRow> = with_customer
        .iter()
        .map(|(p, customer)| ItemRow {
            account: p.account.0,
            customer: *customer,
            item: p.item,
            joins: p.effect != ConversationEffect::None,
        })
        .collect();
    let inserted = insert_items(tx, &rows, now).await?;

    let mut added = Vec::new();
    for (p, customer) in &with_customer {
        let Some(&(item, joined)) = inserted.get(&(p.account.0, p.item.mid.0.clone())) else {
            out.duplicates += 1;
            continue;
        };
        out.items_added.push(ItemId(item));
        match (joined, p.effect) {
            (Some(conversation), _) => added.push(Added {
                pending: p,
                item,
                conversation,
                opened: opened.get(customer) == Some(&conversation),
            }),
            (None, ConversationEffect::Open) => {
                return Err(super::rows::corrupt(
                    "no open conversation after opening one",
                ))
            }
            (None, _) => {}
        }
    }

    let joined: Vec<&Added> = added.iter().filter(|a| !a.opened).collect();
    touch_conversations(tx, &joined).await?;
    // A customer waits for an answer from their first unanswered message.
    let waits: Vec<&Added> = added
        .iter()
        .filter(|a| a.pending.item.direction == Direction::In)
        .collect();
    start_clocks(tx, &waits).await?;
    // A conversation opened just now has nobody to tell yet.
    let items: Vec<i64> = joined.iter().map(|a| a.item).collect();
    out.events += super::events::for_items(tx, &items, "item", now).await?;
    Ok(())
}

/// An item the run added to a conversation.
struct Added<'r, 'c> {
    pending: &'r Pending<'c>,
    item: i64,
    conversation: i64,
    /// That conversation was opened by this item.
    opened: bool,
}

/// A customer to find or create: the change's account, IGSID and username, and
/// when they wrote (a customer's message, which opens the windows).
pub(super) struct CustomerRow<'a> {
    pub(super) account: i64,
    pub(super) igsid: &'a str,
    pub(super) username: Option<&'a str>,
    pub(super) wrote_at: Option<Millis>,
}

/// A customer as an upsert found or created them.
pub(super) struct Upserted {
    pub(super) id: CustomerId,
    pub(super) profile_fetched_at: Option<Millis>,
    /// Until when people have the customer rather than the API's bot (API-3).
    pub(super) handover_until: Millis,
}

/// Finds or creates each customer (named by their number until the profile
/// arrives), by (account, IGSID); shared by runs and single changes.
pub(super) async fn upsert_customers(
    tx: &mut Tx,
    rows: &[CustomerRow<'_>],
    now: Millis,
) -> Result<HashMap<(i64, String), Upserted>> {
    let sql = format!(
        "INSERT INTO customers (account_id, igsid, username, last_message_at, created_at) \
         VALUES {} \
         ON CONFLICT (account_id, igsid) DO UPDATE SET \
         username = COALESCE(customers.username, excluded.username), \
         last_message_at = CASE WHEN excluded.last_message_at IS NULL THEN customers.last_message_at \
         WHEN customers.last_message_at IS NULL OR customers.last_message_at < excluded.last_message_at \
         THEN excluded.last_message_at ELSE customers.last_message_at END \
         RETURNING id, account_id, igsid, profile_fetched_at, handover_until",
        Binds::of(tx).rows(rows.len(), 5)
    );
    let mut query = sqlx::query(&sql);
    for row in rows {
        query = query
            .bind(row.account)
            .bind(row.igsid.to_owned())
            .bind(row.username.map(str::to_owned))
            .bind(row.wrote_at)
            .bind(now);
    }
    let mut found = HashMap::with_capacity(rows.len());
    for row in query.fetch_all(&mut **tx).await? {
        found.insert(
            (row.try_get("account_id")?, row.try_get("igsid")?),
            Upserted {
                id: CustomerId(row.try_get("id")?),
                profile_fetched_at: row.try_get("profile_fetched_at")?,
                handover_until: row.try_get("handover_until")?,
            },
        );
    }
    Ok(found)
}

/// An item to insert: whose it is, and whether it joins the customer's open
/// conversation.
pub(super) struct ItemRow<'a> {
    pub(super) account: i64,
    pub(super) customer: i64,
    pub(super) item: &'a NewItem,
    pub(super) joins: bool,
}

/// Adds the items whose Meta id is not stored yet (the unique constraint decides;
/// an imported copy is replaced by the live one, its time too: the webhook's is
/// to the millisecond, the Conversations API's to the second), each joining its
/// customer's open conversation when it may; shared by runs and single changes.
pub(super) async fn insert_items(
    tx: &mut Tx,
    rows: &[ItemRow<'_>],
    now: Millis,
) -> Result<AddedItems> {
    // Each row finds its conversation through one join rather than a subquery of its
    // own: PostgreSQL planned a subquery per row at every call (2.7 ms of planning for
    // a batch of 32, more than the insert itself). SQLite needs a WHERE before an
    // upsert's ON CONFLICT when the rows come from a join.
    let sql = format!(
        "WITH v (account_id, customer_id, kind, direction, source, mid, text, attachments, reply_to, \
         context, status, raw, created_at, received_at, joins, imported) AS (VALUES {}) \
         INSERT INTO timeline_items (account_id, customer_id, kind, direction, source, mid, text, \
         attachments, reply_to, context, status, raw, created_at, received_at, conversation_id, imported) \
         SELECT v.account_id, v.customer_id, v.kind, v.direction, v.source, v.mid, v.text, v.attachments, \
         v.reply_to, v.context, v.status, v.raw, v.created_at, v.received_at, c.id, v.imported \
         FROM v LEFT JOIN conversations c ON v.joins = 1 AND c.account_id = v.account_id \
         AND c.customer_id = v.customer_id AND c.state = 'open' \
         WHERE true \
         ON CONFLICT (account_id, mid) DO UPDATE SET kind = excluded.kind, text = excluded.text, \
         attachments = excluded.attachments, reply_to = excluded.reply_to, context = excluded.context, \
         raw = excluded.raw, conversation_id = excluded.conversation_id, imported = 0, \
         created_at = excluded.created_at \
         WHERE timeline_items.imported = 1 AND excluded.imported = 0 AND timeline_items.deleted = 0 \
         RETURNING id, account_id, mid, conversation_id",
        Binds::of(tx).rows(rows.len(), 16)
    );
    let mut query = sqlx::query(&sql);
    for row in rows {
        let item = row.item;
        query = query
            .bind(row.account)
            .bind(row.customer)
            .bind(item.kind.as_str())
            .bind(item.direction.as_str())
            .bind(item.source.as_str())
            .bind(item.mid.0.clone())
            .bind(item.text.clone())
            .bind(serde_json::to_string(&item.attachments)?)
            .bind(
                item.reply_to
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?,
            )
            .bind(serde_json::to_string(&item.context)?)
            .bind(item.status.as_str())
            .bind(item.raw.clone())
            .bind(item.created_at)
            .bind(now)
            .bind(i64::from(row.joins))
            .bind(i64::from(item.context.imported));
    }
    let mut added = HashMap::with_capacity(rows.len());
    for row in query.fetch_all(&mut **tx).await? {
        added.insert(
            (row.try_get("account_id")?, row.try_get("mid")?),
            (row.try_get("id")?, row.try_get("conversation_id")?),
        );
    }
    Ok(added)
}

/// Opens a conversation for each customer whose item asks for one and will be
/// stored (an item Meta sent again opens nothing), in the inbox the account's work
/// goes to: the opened conversation by customer. A customer whose conversation is
/// open already (the partial unique index decides, whoever opened it) is left out,
/// and the item joins that one.
async fn open_conversations(
    tx: &mut Tx,
    to_open: &[(&Pending<'_>, i64)],
) -> Result<HashMap<i64, i64>> {
    if to_open.is_empty() {
        return Ok(HashMap::new());
    }
    // "Will be stored" is `insert_items`' rule: a new Meta id, or a live item
    // replacing an imported copy.
    let sql = format!(
        "WITH v (customer_id, account_id, at, incoming, mid, imported) AS (VALUES {}) \
         INSERT INTO conversations (account_id, customer_id, inbox_id, state, opened_at, last_incoming_at, last_item_at) \
         SELECT a.id, v.customer_id, {ACCOUNT_INBOX}, 'open', v.at, v.incoming, v.at \
         FROM v, accounts a WHERE a.id = v.account_id \
         AND NOT EXISTS (SELECT 1 FROM timeline_items t WHERE t.account_id = v.account_id \
           AND t.mid = v.mid AND NOT (t.imported = 1 AND v.imported = 0 AND t.deleted = 0)) \
         ON CONFLICT DO NOTHING RETURNING id, customer_id",
        Binds::of(tx).rows(to_open.len(), 6)
    );
    let mut query = sqlx::query(&sql);
    for (p, customer) in to_open {
        query = query
            .bind(*customer)
            .bind(p.account.0)
            .bind(p.item.created_at)
            .bind(p.incoming_at())
            .bind(p.item.mid.0.clone())
            .bind(i64::from(p.item.context.imported));
    }
    let mut opened = HashMap::with_capacity(to_open.len());
    for row in query.fetch_all(&mut **tx).await? {
        opened.insert(row.try_get("customer_id")?, row.try_get("id")?);
    }
    Ok(opened)
}

/// The conversations the items joined: their last item, and the customer's last
/// message (from which silence ends a session).
async fn touch_conversations(tx: &mut Tx, joined: &[&Added<'_, '_>]) -> Result<()> {
    if joined.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "WITH v (id, at, incoming) AS (VALUES {}) \
         UPDATE conversations SET \
         last_item_at = CASE WHEN conversations.last_item_at > v.at THEN conversations.last_item_at ELSE v.at END, \
         last_incoming_at = CASE WHEN v.incoming IS NULL THEN conversations.last_incoming_at \
         WHEN conversations.last_incoming_at IS NULL OR conversations.last_incoming_at < v.incoming \
         THEN v.incoming ELSE conversations.last_incoming_at END \
         FROM v WHERE conversations.id = v.id",
        Binds::of(tx).rows(joined.len(), 3)
    );
    let mut query = sqlx::query(&sql);
    for a in joined {
        query = query
            .bind(a.conversation)
            .bind(a.pending.item.created_at)
            .bind(a.pending.incoming_at());
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// Starts the SLA clock of each conversation that has none running.
async fn start_clocks(tx: &mut Tx, waits: &[&Added<'_, '_>]) -> Result<()> {
    if waits.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "WITH v (conversation_id, at) AS (VALUES {}) \
         INSERT INTO sla_clocks (conversation_id, inbox_id, started_at, due_at) \
         SELECT c.id, c.inbox_id, v.at, v.at + i.sla_target_seconds * 1000 \
         FROM v, conversations c, inboxes i WHERE c.id = v.conversation_id AND i.id = c.inbox_id \
         ON CONFLICT DO NOTHING",
        Binds::of(tx).rows(waits.len(), 2)
    );
    let mut query = sqlx::query(&sql);
    for a in waits {
        query = query.bind(a.conversation).bind(a.pending.item.created_at);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}
