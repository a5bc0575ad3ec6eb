//! Automatic replies decided in processing (OUT-9), in the transaction that adds the
//! customer's item: a crash loses neither or both, and a redelivered message (its item
//! not added again) answers nothing a second time.
//!
//! For each customer item, in order: the first matching rule of the conversation's
//! inbox (or the account's, with no conversation) adds its topic, routes, and answers —
//! at most once per customer per rule per hour; then the inbox's business hours: an
//! away message once per conversation when the customer wrote while closed, or a
//! greeting within the hours for a customer's first conversation when no rule
//! answered. Replies are queued like any message, `author = 'automatic'`: the send
//! worker never tags them `HUMAN_AGENT` and refuses them past 24 hours, and they never
//! stop an SLA clock (`outbox::mark_sent` stops it for a person's reply only).

use super::outbox::{lock_queue, promote_next};
use super::{comment_flags, events, Backend, ACCOUNT_INBOX};
use crate::model::{ApplyOutcome, Lane};
use crate::Result;
use igdesk_domain::automatic::{
    rule::{first_match, reply_message},
    BusinessHours, Compiled, Incoming, Reason, Rule, RULE_REPLY_EVERY,
};
use igdesk_domain::changes::NewItem;
use igdesk_domain::rules::{messaging_window, Author, PRIVATE_REPLY_WINDOW};
use igdesk_domain::timeline::{Direction, ItemContext, ItemKind};
use igdesk_domain::{AccountId, CustomerId, InboxId, ItemId, Millis};
use sqlx::{Any, Row as _, Transaction};
use std::collections::HashMap;

type Tx = Transaction<'static, Any>;

/// The rules (compiled once) and business hours a batch of changes reads once.
pub(super) struct Automation {
    rules: Vec<Compiled>,
    hours: HashMap<InboxId, BusinessHours>,
}

impl Automation {
    /// `None` when no rule and no business hours are set: nothing to decide.
    pub(super) async fn load(tx: &mut Tx) -> Result<Option<Self>> {
        let rules: Vec<Compiled> = super::automatic::rules_in(&mut **tx)
            .await?
            .into_iter()
            .filter(|r| r.enabled)
            .map(Compiled::new)
            .collect();
        let hours: HashMap<InboxId, BusinessHours> = super::automatic::hours_in(&mut **tx)
            .await?
            .into_iter()
            .collect();
        Ok((!rules.is_empty() || !hours.is_empty()).then_some(Automation { rules, hours }))
    }
}

/// A customer's item just added, as processing knows it.
pub(super) struct Added<'a> {
    pub(super) account: AccountId,
    pub(super) customer: CustomerId,
    pub(super) item: &'a NewItem,
    pub(super) item_id: ItemId,
    /// The conversation it joined, and whether it opened it.
    pub(super) conversation: Option<i64>,
    pub(super) opened: bool,
}

/// Decides and queues what `added` calls for. Items igdesk did not receive live
/// (imported history) and anything not from the customer call for nothing.
pub(super) async fn after_item(
    tx: &mut Tx,
    auto: &Automation,
    added: Added<'_>,
    now: Millis,
    out: &mut ApplyOutcome,
) -> Result<()> {
    let item = added.item;
    if item.direction != Direction::In || item.context.imported {
        return Ok(());
    }
    let inbox = inbox_of(tx, &added).await?;
    let incoming = Incoming {
        kind: item.kind,
        text: item.text.as_deref(),
        context: &item.context,
    };
    let mut answered = false;
    if let Some(rule) = first_match(&auto.rules, inbox, &incoming) {
        answered = apply_rule(tx, rule, &added, inbox, now, out).await?;
    }
    let Some(hours) = auto.hours.get(&inbox) else {
        return Ok(());
    };
    // Hours answer messages (a comment is public, and answered by rules only), in a
    // conversation (the away message's "once" is per conversation).
    let (Some(conversation), false) = (added.conversation, item.kind == ItemKind::Comment) else {
        return Ok(());
    };
    if !hours.is_open(item.created_at) {
        if let Some(away) = &hours.away_message {
            if !away_sent(tx, conversation).await? {
                let reply = Reply::message(away, Reason::Away, None);
                queue(tx, &added, reply, now, out).await?;
            }
        }
    } else if let (Some(greeting), false, true) = (&hours.greeting, answered, added.opened) {
        if first_conversation(tx, added.customer).await? {
            let reply = Reply::message(greeting, Reason::Greeting, None);
            queue(tx, &added, reply, now, out).await?;
        }
    }
    Ok(())
}

/// The inbox whose settings apply: the conversation's, else the account's.
async fn inbox_of(tx: &mut Tx, added: &Added<'_>) -> Result<InboxId> {
    let row = match added.conversation {
        Some(conversation) => {
            sqlx::query("SELECT inbox_id FROM conversations WHERE id = $1")
                .bind(conversation)
                .fetch_all(&mut **tx)
                .await?
        }
        None => {
            sqlx::query(&format!(
                "SELECT {ACCOUNT_INBOX} AS inbox_id FROM accounts a WHERE a.id = $1"
            ))
            .bind(added.account.0)
            .fetch_all(&mut **tx)
            .await?
        }
    };
    let row = row
        .first()
        .ok_or_else(|| super::rows::corrupt("an item's inbox is gone"))?;
    Ok(InboxId(row.try_get("inbox_id")?))
}

/// The rule's topic and routing, then its reply; true when it answered.
async fn apply_rule(
    tx: &mut Tx,
    rule: &Rule,
    added: &Added<'_>,
    inbox: InboxId,
    now: Millis,
    out: &mut ApplyOutcome,
) -> Result<bool> {
    if let (Some(conversation), Some(topic)) = (added.conversation, rule.actions.topic_id) {
        sqlx::query(
            "INSERT INTO conversation_topics (conversation_id, topic_id) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
        )
        .bind(conversation)
        .bind(topic.0)
        .execute(&mut **tx)
        .await?;
    }
    if let (Some(conversation), Some(to)) = (added.conversation, rule.actions.route_to_inbox_id) {
        if to != inbox {
            route(tx, conversation, to).await?;
        }
    }
    let Some(text) = rule.actions.reply_text.as_deref() else {
        return Ok(false);
    };
    if rule_answered_lately(tx, added.customer, rule, now).await? {
        return Ok(false);
    }
    let reply = if added.item.kind == ItemKind::Comment {
        // The only way to message someone who commented: a private reply, once per
        // comment, within 7 days of it.
        if now - added.item.created_at > PRIVATE_REPLY_WINDOW {
            return Ok(false);
        }
        let backend = Backend::of(tx);
        if !comment_flags::claim_private_reply(tx, backend, added.account, &added.item.mid.0)
            .await?
        {
            return Ok(false);
        }
        Reply {
            text,
            message: serde_json::json!({ "text": text }),
            comment_id: Some(added.item.mid.0.clone()),
            reason: Reason::Rule,
            rule: Some(rule),
        }
    } else {
        Reply {
            text,
            message: reply_message(text, &rule.actions.quick_replies),
            comment_id: None,
            reason: Reason::Rule,
            rule: Some(rule),
        }
    };
    queue(tx, added, reply, now, out).await
}

/// Moves a conversation nobody has (and nobody is offered) to `to`; its running SLA
/// clock takes the new inbox's target, as if it had arrived there.
async fn route(tx: &mut Tx, conversation: i64, to: InboxId) -> Result<()> {
    let moved = sqlx::query(
        "UPDATE conversations SET inbox_id = $1 WHERE id = $2 AND state = 'open' \
         AND agent_id IS NULL AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.conversation_id = $2) \
         AND EXISTS (SELECT 1 FROM inboxes i WHERE i.id = $1)",
    )
    .bind(to.0)
    .bind(conversation)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if moved == 1 {
        sqlx::query(
            "UPDATE sla_clocks SET inbox_id = $1, due_at = started_at + \
             (SELECT sla_target_seconds * 1000 FROM inboxes WHERE id = $1) \
             WHERE conversation_id = $2 AND met_at IS NULL",
        )
        .bind(to.0)
        .bind(conversation)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn rule_answered_lately(
    tx: &mut Tx,
    customer: CustomerId,
    rule: &Rule,
    now: Millis,
) -> Result<bool> {
    let found = sqlx::query(
        "SELECT 1 AS one FROM automatic_replies WHERE customer_id = $1 AND reason = 'rule' \
         AND rule_id = $2 AND created_at > $3",
    )
    .bind(customer.0)
    .bind(rule.id.0)
    .bind(now - RULE_REPLY_EVERY)
    .fetch_all(&mut **tx)
    .await?;
    Ok(!found.is_empty())
}

async fn away_sent(tx: &mut Tx, conversation: i64) -> Result<bool> {
    let found = sqlx::query(
        "SELECT 1 AS one FROM automatic_replies WHERE conversation_id = $1 AND reason = 'away'",
    )
    .bind(conversation)
    .fetch_all(&mut **tx)
    .await?;
    Ok(!found.is_empty())
}

/// The customer's first conversation ever (the one just opened), never greeted. A
/// customer has at most one open conversation, so any other is closed: looked up in
/// the index of closed ones, not among every conversation.
async fn first_conversation(tx: &mut Tx, customer: CustomerId) -> Result<bool> {
    let row = sqlx::query(&format!(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM conversations{} WHERE customer_id = $1 \
         AND state = 'closed') OR EXISTS (SELECT 1 FROM automatic_replies \
         WHERE customer_id = $1 AND reason = 'greeting') THEN 0 ELSE 1 END AS first",
        Backend::of(tx).indexed_by("conversations_closed")
    ))
    .bind(customer.0)
    .fetch_all(&mut **tx)
    .await?;
    let row = row
        .first()
        .ok_or_else(|| super::rows::corrupt("the first-conversation test returned no row"))?;
    Ok(row.try_get::<i64, _>("first")? == 1)
}

struct Reply<'r> {
    text: &'r str,
    /// Meta's `message` object.
    message: serde_json::Value,
    /// A private reply to this comment.
    comment_id: Option<String>,
    reason: Reason,
    rule: Option<&'r Rule>,
}

impl<'r> Reply<'r> {
    fn message(text: &'r str, reason: Reason, rule: Option<&'r Rule>) -> Self {
        Reply {
            text,
            message: serde_json::json!({ "text": text }),
            comment_id: None,
            reason,
            rule,
        }
    }
}

/// Queues the reply as any message is queued (timeline item, outbox row, the head's
/// send job), unless Instagram's window refuses an automatic reply now; records it
/// for the limits. True when queued.
async fn queue(
    tx: &mut Tx,
    added: &Added<'_>,
    reply: Reply<'_>,
    now: Millis,
    out: &mut ApplyOutcome,
) -> Result<bool> {
    if reply.comment_id.is_none() {
        let last: Option<Millis> =
            sqlx::query("SELECT last_message_at FROM customers WHERE id = $1")
                .bind(added.customer.0)
                .fetch_all(&mut **tx)
                .await?
                .first()
                .map(|r| r.try_get("last_message_at"))
                .transpose()?
                .flatten();
        // A message delivered late (over 24 hours after it was written) is answered
        // by a person or not at all.
        if messaging_window(now, last, Author::Automatic).is_err() {
            return Ok(false);
        }
    }
    lock_queue(tx, added.customer).await?;
    let context = ItemContext {
        automatic: Some(reply.reason.label(reply.rule.map(|r| r.name.as_str()))),
        ..ItemContext::default()
    };
    let rows = sqlx::query(
        "INSERT INTO timeline_items (account_id, customer_id, conversation_id, kind, direction, source, \
         mid, text, attachments, context, status, created_at, received_at) \
         VALUES ($1, $2, $3, 'message', 'out', 'igdesk', $4, $5, '[]', $6, 'queued', $7, $7) RETURNING id",
    )
    .bind(added.account.0)
    .bind(added.customer.0)
    .bind(added.conversation)
    .bind(format!("igdesk:auto:{}:{}", added.item_id.0, reply.reason.as_str()))
    .bind(reply.text.to_owned())
    .bind(serde_json::to_string(&context)?)
    .bind(now)
    .fetch_all(&mut **tx)
    .await?;
    let item: i64 = rows
        .first()
        .ok_or_else(|| super::rows::corrupt("insert returned no id"))?
        .try_get("id")?;
    // The console's lane: the customer is waiting for it now, as for a person's reply.
    sqlx::query(
        "INSERT INTO outgoing (item_id, account_id, customer_id, lane, author, message, comment_id, \
         state, queued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'waiting', $8)",
    )
    .bind(item)
    .bind(added.account.0)
    .bind(added.customer.0)
    .bind(Lane::Console.as_str())
    .bind(Author::Automatic.as_str())
    .bind(reply.message.to_string())
    .bind(reply.comment_id.clone())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO automatic_replies (account_id, customer_id, conversation_id, reason, rule_id, \
         item_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(added.account.0)
    .bind(added.customer.0)
    .bind(added.conversation)
    .bind(reply.reason.as_str())
    .bind(reply.rule.map(|r| r.id.0))
    .bind(item)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    // A conversation opened just now has nobody to tell yet.
    if !added.opened {
        out.events += events::for_item(tx, item, "item", now).await?;
    }
    promote_next(tx, added.customer, now).await?;
    out.automatic_replies += 1;
    Ok(true)
}
