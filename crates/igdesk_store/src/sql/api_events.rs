//! What the Business Messaging API's user is told, written in the transaction of
//! the change: customer messages and events while the bot has the conversation
//! (API-4), the customer asking for a person (API-3), and the status of the API's
//! own messages (API-5).

use super::api::queue_thread_control;
use super::api_webhooks::enqueue;
use crate::api::HUMAN_AGENT_PAYLOAD;
use crate::api::{HandoverTarget, WebhookStream, HANDOVER_FOR, HANDOVER_ROUTED_REASON};
use crate::Result;
use igdesk_domain::changes::NewItem;
use igdesk_domain::cm::webhooks::{
    event, inbound_message, status_report, InboundMessage, ReportPart, ReportStatus, StatusReport,
};
use igdesk_domain::timeline::{ItemKind, ReplyTo};
use igdesk_domain::{AccountId, CustomerId, ItemId, Millis};
use serde_json::json;
use sqlx::{Any, Row as _, Transaction};

type Tx = Transaction<'static, Any>;

struct Parties {
    account_ig_id: String,
    igsid: String,
    name: Option<String>,
    username: Option<String>,
}

async fn parties(tx: &mut Tx, customer: CustomerId) -> Result<Parties> {
    let found = sqlx::query(
        "SELECT a.ig_id, c.igsid, c.name, c.username FROM customers c \
         JOIN accounts a ON a.id = c.account_id WHERE c.id = $1",
    )
    .bind(customer.0)
    .fetch_all(&mut **tx)
    .await?;
    let row = found
        .first()
        .ok_or_else(|| super::rows::corrupt("a customer vanished"))?;
    Ok(Parties {
        account_ig_id: row.try_get("ig_id")?,
        igsid: row.try_get("igsid")?,
        name: row.try_get("name")?,
        username: row.try_get("username")?,
    })
}

/// The payload a customer's tap carried (quick reply or template button), with
/// the label they saw.
fn tapped(item: &NewItem) -> Option<(String, String)> {
    if let Some(payload) = &item.context.quick_reply_payload {
        return Some((item.text.clone().unwrap_or_default(), payload.clone()));
    }
    let postback = item.context.postback.as_ref()?;
    let payload = postback.payload.clone()?;
    Some((postback.title.clone().unwrap_or_default(), payload))
}

/// Whether the customer tapped a quick reply or button asking for a person.
pub(super) fn asks_for_person(item: &NewItem) -> bool {
    tapped(item).is_some_and(|(_, payload)| payload == HUMAN_AGENT_PAYLOAD)
}

/// A customer's message while the bot has the conversation: forwarded to the API's
/// user; a tap on `HUMAN_AGENT` also hands the conversation to people — for the
/// agents, the conversation the item opened (`joined`) is routed.
pub(super) async fn from_customer(
    tx: &mut Tx,
    account: AccountId,
    customer: CustomerId,
    item: &NewItem,
    target: HandoverTarget,
    joined: Option<i64>,
    now: Millis,
) -> Result<()> {
    let who = parties(tx, customer).await?;
    let tap = tapped(item);
    let payload = if item.kind == ItemKind::StoryMention {
        let url = item.attachments.iter().find_map(|a| a.url.clone());
        event(
            "StoryMention",
            &format!("StoryMention:{}", item.mid.0),
            &item.mid.0,
            &who.account_ig_id,
            &who.igsid,
            url.map(|url| json!({ "url": url })),
            item.created_at,
        )
    } else {
        let media = item.attachments.iter().find(|a| a.url.is_some());
        inbound_message(&InboundMessage {
            reference: item.mid.0.clone(),
            account_ig_id: who.account_ig_id.clone(),
            igsid: who.igsid.clone(),
            name: who.name.clone(),
            username: who.username.clone(),
            text: item.text.clone(),
            media_url: media.and_then(|a| a.url.clone()),
            media_type: media.map(|a| a.kind.clone()),
            postback: tap.clone(),
            reply_to_mid: match &item.reply_to {
                Some(ReplyTo::Message { mid }) => Some(mid.clone()),
                _ => None,
            },
            at: item.created_at,
        })
    };
    enqueue(tx, account, customer, WebhookStream::Inbound, &payload, now).await?;
    if !asks_for_person(item) {
        return Ok(());
    }
    sqlx::query("UPDATE customers SET handover_until = $1 WHERE id = $2")
        .bind(now + HANDOVER_FOR)
        .bind(customer.0)
        .execute(&mut **tx)
        .await?;
    let told = event(
        "HandoverToHuman",
        &format!("HandoverToHuman:{}", item.mid.0),
        &item.mid.0,
        &who.account_ig_id,
        &who.igsid,
        Some(json!({ "target": target.as_str(), "until": now + HANDOVER_FOR })),
        now,
    );
    enqueue(tx, account, customer, WebhookStream::Inbound, &told, now).await?;
    match target {
        HandoverTarget::Agents => {
            sqlx::query(
                "UPDATE conversations SET routed_reason = $1 WHERE id = $2 AND agent_id IS NULL",
            )
            .bind(HANDOVER_ROUTED_REASON)
            .bind(joined)
            .execute(&mut **tx)
            .await?;
        }
        HandoverTarget::InstagramInbox => {
            queue_thread_control(tx, "pass", customer, now).await?;
        }
    }
    Ok(())
}

/// The customer deleted a message: the API's user is told (CM.com's MessageDelete).
pub(super) async fn message_deleted(
    tx: &mut Tx,
    account: AccountId,
    igsid: &str,
    mid: &str,
    at: Millis,
    now: Millis,
) -> Result<()> {
    let found = sqlx::query("SELECT id FROM customers WHERE account_id = $1 AND igsid = $2")
        .bind(account.0)
        .bind(igsid.to_owned())
        .fetch_all(&mut **tx)
        .await?;
    let Some(row) = found.first() else {
        return Ok(());
    };
    let customer = CustomerId(row.try_get("id")?);
    let who = parties(tx, customer).await?;
    // Queued only for an API-enabled account with an inbound URL (`enqueue` decides).
    let payload = event(
        "MessageDelete",
        &format!("MessageDelete:{mid}"),
        mid,
        &who.account_ig_id,
        &who.igsid,
        None,
        at,
    );
    enqueue(tx, account, customer, WebhookStream::Inbound, &payload, now).await?;
    Ok(())
}

/// The customer read up to `mid`: API messages delivered before it are read.
/// Called before the items' statuses change.
pub(super) async fn read(
    tx: &mut Tx,
    account: AccountId,
    igsid: &str,
    mid: &str,
    now: Millis,
) -> Result<()> {
    let read = sqlx::query(
        "UPDATE api_messages SET state = 'read' WHERE state = 'delivered' AND id IN (\
         SELECT o.api_message_id FROM outgoing o JOIN timeline_items t ON t.id = o.item_id \
         WHERE o.api_message_id IS NOT NULL AND t.account_id = $1 AND t.status = 'sent' \
         AND t.customer_id = (SELECT id FROM customers WHERE account_id = $1 AND igsid = $2) \
         AND t.created_at <= (SELECT created_at FROM timeline_items WHERE account_id = $1 AND mid = $3)) \
         RETURNING id",
    )
    .bind(account.0)
    .bind(igsid.to_owned())
    .bind(mid.to_owned())
    .fetch_all(&mut **tx)
    .await?;
    for row in read {
        report(tx, row.try_get("id")?, ReportStatus::Read, None, None, now).await?;
    }
    Ok(())
}

/// A part of an API message reached Instagram (its outbox row is now `sent`): when
/// none of its parts is left, the message is delivered; before that, a message of
/// several parts reports the part (code 0, in progress). Idempotent: an echo and
/// Meta's answer may both record the same part.
pub(super) async fn part_sent(tx: &mut Tx, item: ItemId, now: Millis) -> Result<()> {
    let delivered = sqlx::query(
        "UPDATE api_messages SET state = 'delivered' WHERE state = 'accepted' \
         AND id = (SELECT api_message_id FROM outgoing WHERE item_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM outgoing o WHERE o.api_message_id = api_messages.id \
         AND o.state <> 'sent') RETURNING id",
    )
    .bind(item.0)
    .fetch_all(&mut **tx)
    .await?;
    if let Some(row) = delivered.first() {
        let id = row.try_get("id")?;
        return report(tx, id, ReportStatus::Delivered, None, Some(item), now).await;
    }
    // Parts still to go. `mark_sent` sets `sent_at` only the first time, so the
    // part is new when it was set now (a second record of it in the same
    // millisecond would repeat its report).
    let in_progress = sqlx::query(
        "SELECT o.api_message_id FROM outgoing o JOIN api_messages m ON m.id = o.api_message_id \
         WHERE o.item_id = $1 AND o.sent_at = $2 AND m.state = 'accepted'",
    )
    .bind(item.0)
    .bind(now)
    .fetch_all(&mut **tx)
    .await?;
    if let Some(row) = in_progress.first() {
        let id = row.try_get("api_message_id")?;
        report(tx, id, ReportStatus::PartDelivered, None, Some(item), now).await?;
    }
    Ok(())
}

/// A part of an API message will not be sent: the message failed (reported once).
pub(super) async fn part_failed(
    tx: &mut Tx,
    item: ItemId,
    reason: &str,
    now: Millis,
) -> Result<()> {
    let failed = sqlx::query(
        "UPDATE api_messages SET state = 'failed' WHERE state IN ('accepted', 'delivered') \
         AND id = (SELECT api_message_id FROM outgoing WHERE item_id = $1) RETURNING id",
    )
    .bind(item.0)
    .fetch_all(&mut **tx)
    .await?;
    if let Some(row) = failed.first() {
        report(
            tx,
            row.try_get("id")?,
            ReportStatus::Failed,
            Some(reason),
            Some(item),
            now,
        )
        .await?;
    }
    Ok(())
}

/// A status report of the API message, with where each of its parts stands and,
/// when one part's change is told, which (`part`: its item).
async fn report(
    tx: &mut Tx,
    api_message: i64,
    status: ReportStatus,
    error: Option<&str>,
    part: Option<ItemId>,
    now: Millis,
) -> Result<()> {
    let found = sqlx::query(
        "SELECT m.account_id, m.customer_id, m.reference, c.igsid FROM api_messages m \
         JOIN customers c ON c.id = m.customer_id WHERE m.id = $1",
    )
    .bind(api_message)
    .fetch_all(&mut **tx)
    .await?;
    let row = found
        .first()
        .ok_or_else(|| super::rows::corrupt("an API message vanished"))?;
    let (mut parts, items) = parts_of(tx, api_message).await?;
    if status == ReportStatus::Read {
        // Told before the items' own statuses change: every part Instagram has is read.
        for part in parts.iter_mut().filter(|p| p.status == "delivered") {
            part.status = "read";
        }
    }
    let payload = status_report(&StatusReport {
        reference: row.try_get("reference")?,
        igsid: row.try_get("igsid")?,
        status,
        error_code: None,
        error: error.map(str::to_owned),
        at: now,
        part: part
            .and_then(|p| items.iter().position(|i| *i == p))
            .map(|i| i + 1),
        parts,
    });
    let account = AccountId(row.try_get("account_id")?);
    let customer = CustomerId(row.try_get("customer_id")?);
    enqueue(tx, account, customer, WebhookStream::Status, &payload, now).await?;
    Ok(())
}

/// The Instagram messages an API message became, in the order they go (their
/// items' order), and where each stands.
async fn parts_of(tx: &mut Tx, api_message: i64) -> Result<(Vec<ReportPart>, Vec<ItemId>)> {
    let rows = sqlx::query(
        "SELECT o.item_id, o.state, t.mid, t.status FROM outgoing o \
         JOIN timeline_items t ON t.id = o.item_id WHERE o.api_message_id = $1 ORDER BY o.item_id",
    )
    .bind(api_message)
    .fetch_all(&mut **tx)
    .await?;
    let mut parts = Vec::with_capacity(rows.len());
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        let state: String = row.try_get("state")?;
        let item_status: String = row.try_get("status")?;
        let status = match (state.as_str(), item_status.as_str()) {
            ("sent", "read") => "read",
            ("sent", _) => "delivered",
            ("failed", _) => "failed",
            _ => "pending",
        };
        let mid: Option<String> = row.try_get("mid")?;
        parts.push(ReportPart {
            status,
            mid: mid.filter(|_| state == "sent"),
        });
        items.push(ItemId(row.try_get("item_id")?));
    }
    Ok((parts, items))
}
