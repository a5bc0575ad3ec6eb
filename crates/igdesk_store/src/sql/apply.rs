//! Applying one delivery's changes in one transaction (see `igdesk_domain::changes`).
//! Every statement is idempotent: Meta's id is unique per account, so an item seen
//! before is not added again and nothing that follows from it happens twice.

use super::{SqlStore, ACCOUNT_INBOX};
use crate::model::{ApplyOutcome, DeliveryChanges};
use crate::{Result, JOB_REFRESH_PROFILE};
use igdesk_domain::changes::{Change, ChangeKind, ConversationEffect, NewItem};
use igdesk_domain::timeline::{Direction, ItemKind, ItemStatus, Source};
use igdesk_domain::{AccountId, CustomerId, DeliveryId, Igsid, ItemId, Millis};
use sqlx::{Any, Row as _, Transaction};

type Tx = Transaction<'static, Any>;

impl SqlStore {
    pub(super) async fn apply(
        &self,
        batch: &[DeliveryChanges],
        now: Millis,
    ) -> Result<ApplyOutcome> {
        let mut tx = self.write().await?;
        let mut out = ApplyOutcome::default();
        for delivery in batch {
            for change in &delivery.changes {
                apply_one(&mut tx, delivery.delivery, change, now, &mut out).await?;
            }
            sqlx::query(
                "UPDATE deliveries SET status = 'processed', processed_at = $1 WHERE id = $2",
            )
            .bind(now)
            .bind(delivery.delivery.0)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM jobs WHERE id = $1")
                .bind(delivery.job.0)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(out)
    }
}

async fn apply_one(
    tx: &mut Tx,
    delivery: DeliveryId,
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
            .bind(delivery.0)
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
            let customer =
                ensure_customer(tx, account, igsid, username.as_deref(), now, out).await?;
            let Some(item_id) = insert_item(tx, account, customer, item, now).await? else {
                out.duplicates += 1;
                return Ok(());
            };
            out.items_added.push(item_id);
            join_conversation(
                tx,
                account,
                customer,
                item_id,
                *conversation,
                item.created_at,
            )
            .await?;
            if *refresh_profile {
                sqlx::query(
                    "INSERT INTO jobs (kind, dedup_key, payload, run_at, created_at) \
                     VALUES ($1, $2, $3, $4, $4) ON CONFLICT (dedup_key) DO NOTHING",
                )
                .bind(JOB_REFRESH_PROFILE)
                .bind(format!("{JOB_REFRESH_PROFILE}:{}", customer.0))
                .bind(customer.0.to_string())
                .bind(now)
                .execute(&mut **tx)
                .await?;
            }
        }
        (ChangeKind::DeleteContent { igsid, mid, at }, Some(account)) => {
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
                let customer = ensure_customer(tx, account, igsid, None, now, out).await?;
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
                if let Some(id) = insert_item(tx, account, customer, &marker, now).await? {
                    sqlx::query("UPDATE timeline_items SET deleted = 1 WHERE id = $1")
                        .bind(id.0)
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        (ChangeKind::EditText { mid, text }, Some(account)) => {
            sqlx::query("UPDATE timeline_items SET text = $1 WHERE account_id = $2 AND mid = $3 AND deleted = 0")
                .bind(text.clone())
                .bind(account.0)
                .bind(mid.0.clone())
                .execute(&mut **tx)
                .await?;
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
        }
        (ChangeKind::Read { igsid, mid }, Some(account)) => {
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

/// The customer with this IGSID on this account, created at once when new (named by
/// its number until the profile arrives).
async fn ensure_customer(
    tx: &mut Tx,
    account: AccountId,
    igsid: &Igsid,
    username: Option<&str>,
    now: Millis,
    out: &mut ApplyOutcome,
) -> Result<CustomerId> {
    let created = sqlx::query(
        "INSERT INTO customers (account_id, igsid, username, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, igsid) DO NOTHING RETURNING id",
    )
    .bind(account.0)
    .bind(igsid.0.clone())
    .bind(username.map(str::to_owned))
    .bind(now)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .next();
    if let Some(row) = created {
        let id = CustomerId(row.try_get("id")?);
        out.customers_created.push(id);
        return Ok(id);
    }
    let row = sqlx::query("SELECT id FROM customers WHERE account_id = $1 AND igsid = $2")
        .bind(account.0)
        .bind(igsid.0.clone())
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| super::rows::corrupt("a statement returned no row"))?;
    Ok(CustomerId(row.try_get("id")?))
}

/// Adds the item unless its Meta id is already stored; the unique constraint decides.
async fn insert_item(
    tx: &mut Tx,
    account: AccountId,
    customer: CustomerId,
    item: &NewItem,
    now: Millis,
) -> Result<Option<ItemId>> {
    let row = sqlx::query(
        "INSERT INTO timeline_items (account_id, customer_id, kind, direction, source, mid, text, \
         attachments, reply_to, context, status, raw, created_at, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (account_id, mid) DO NOTHING RETURNING id",
    )
    .bind(account.0)
    .bind(customer.0)
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
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .next();
    Ok(match row {
        Some(r) => Some(ItemId(r.try_get("id")?)),
        None => None,
    })
}

async fn join_conversation(
    tx: &mut Tx,
    account: AccountId,
    customer: CustomerId,
    item: ItemId,
    effect: ConversationEffect,
    at: Millis,
) -> Result<()> {
    if effect == ConversationEffect::Open {
        // At most one open conversation per customer and account (partial unique
        // index): a second opener finds it and joins.
        sqlx::query(&format!(
            "INSERT INTO conversations (account_id, customer_id, inbox_id, state, opened_at, last_incoming_at, last_item_at) \
             SELECT a.id, $1, {ACCOUNT_INBOX}, 'open', $2, $2, $2 FROM accounts a WHERE a.id = $3 \
             ON CONFLICT DO NOTHING"
        ))
        .bind(customer.0)
        .bind(at)
        .bind(account.0)
        .execute(&mut **tx)
        .await?;
    }
    if effect == ConversationEffect::None {
        return Ok(());
    }
    let incoming = if effect == ConversationEffect::Open {
        Some(at)
    } else {
        None
    };
    let open = sqlx::query(
        "UPDATE conversations SET last_item_at = CASE WHEN last_item_at > $1 THEN last_item_at ELSE $1 END, \
         last_incoming_at = CASE WHEN $2 IS NULL OR last_incoming_at > $2 THEN COALESCE(last_incoming_at, $2) ELSE $2 END \
         WHERE account_id = $3 AND customer_id = $4 AND state = 'open' RETURNING id",
    )
    .bind(at)
    .bind(incoming)
    .bind(account.0)
    .bind(customer.0)
    .fetch_all(&mut **tx).await?.into_iter().next();
    if let Some(row) = open {
        let conversation: i64 = row.try_get("id")?;
        sqlx::query("UPDATE timeline_items SET conversation_id = $1 WHERE id = $2")
            .bind(conversation)
            .bind(item.0)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
