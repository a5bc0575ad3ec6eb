//! A `/v1.0/message` request's messages queued in one transaction with a few
//! multi-row statements, as intake stores deliveries: on SQLite each statement is a
//! round trip to the database's thread, so a statement per row (about ten per
//! message) was what bounded the API's throughput.

use super::api::take_back;
use super::intake::power_of_two_chunks;
use super::outbox::{lock_queues, promote_next};
use super::{events, Backend, Binds};
use crate::api::{ApiQueued, NewApiMessage};
use crate::model::Lane;
use crate::Result;
use igdesk_domain::rules::Author;
use igdesk_domain::{AccountId, CustomerId, ItemId, Millis};
use sqlx::{Any, Row as _, Transaction};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

type Tx = Transaction<'static, Any>;

/// A customer who has written to an account: (customer, handover until).
type Recipient = (CustomerId, Millis);

pub(super) async fn queue(
    tx: &mut Tx,
    messages: &[NewApiMessage],
    now: Millis,
) -> Result<Vec<ApiQueued>> {
    let recipients = recipients(tx, messages).await?;
    // Every queue is taken before any is written, in customer order: two requests
    // naming the same customers never wait on each other in a cycle.
    let customers: BTreeSet<CustomerId> = recipients.iter().flatten().map(|r| r.0).collect();
    lock_queues(tx, &customers).await?;

    let known: Vec<(&NewApiMessage, CustomerId)> = messages
        .iter()
        .zip(&recipients)
        .filter_map(|(m, r)| r.map(|(customer, _)| (m, customer)))
        .collect();
    let api_ids = insert_api_messages(tx, &known, now).await?;
    let conversations = open_conversations(tx, &known).await?;
    let items = insert_items(tx, &known, &api_ids, &conversations, now).await?;
    let all: Vec<i64> = items.iter().flatten().map(|i| i.0).collect();
    events::for_items(tx, &all, "item", now).await?;

    // As with CM.com, a send through the API takes the conversation back (once, for
    // the request's first message to the customer).
    let mut outcomes = Vec::with_capacity(messages.len());
    let mut items = items.into_iter();
    let mut taken_back = HashSet::new();
    for (message, recipient) in messages.iter().zip(&recipients) {
        let Some((customer, handover_until)) = *recipient else {
            outcomes.push(ApiQueued::UnknownRecipient);
            continue;
        };
        let took_back = if handover_until > now && taken_back.insert(customer) {
            Some(take_back(tx, message.account, customer, now).await?)
        } else {
            None
        };
        let items = items.next().unwrap_or_default();
        outcomes.push(ApiQueued::Queued { items, took_back });
    }
    for customer in idle_queues(tx, &customers).await? {
        promote_next(tx, customer, now).await?;
    }
    Ok(outcomes)
}

/// Each message's customer on its account, if they wrote. One statement per account
/// and chunk of distinct recipients.
async fn recipients(tx: &mut Tx, messages: &[NewApiMessage]) -> Result<Vec<Option<Recipient>>> {
    let mut wanted: HashMap<AccountId, BTreeSet<&str>> = HashMap::new();
    for m in messages {
        wanted
            .entry(m.account)
            .or_default()
            .insert(m.igsid.as_str());
    }
    let mut known: HashMap<(AccountId, String), Recipient> = HashMap::new();
    for (account, igsids) in wanted {
        let igsids: Vec<&str> = igsids.into_iter().collect();
        for chunk in igsids.chunks(500) {
            let mut binds = Binds::of(tx);
            let sql = format!(
                "SELECT id, igsid, handover_until FROM customers \
                 WHERE account_id = {} AND igsid IN ({})",
                binds.one(),
                binds.list(chunk.len())
            );
            let mut query = sqlx::query(&sql).bind(account.0);
            for igsid in chunk {
                query = query.bind(igsid.to_string());
            }
            for row in query.fetch_all(&mut **tx).await? {
                let recipient = (
                    CustomerId(row.try_get("id")?),
                    row.try_get::<i64, _>("handover_until")?,
                );
                known.insert((account, row.try_get("igsid")?), recipient);
            }
        }
    }
    Ok(messages
        .iter()
        .map(|m| known.get(&(m.account, m.igsid.clone())).copied())
        .collect())
}

/// One `api_messages` row per message, ids in the messages' order.
async fn insert_api_messages(
    tx: &mut Tx,
    known: &[(&NewApiMessage, CustomerId)],
    now: Millis,
) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(known.len());
    for chunk in power_of_two_chunks(known) {
        let mut binds = Binds::of(tx);
        let sql = format!(
            "INSERT INTO api_messages (account_id, customer_id, token_id, reference, created_at) \
             VALUES {} RETURNING id",
            binds.rows(chunk.len(), 5)
        );
        let mut query = sqlx::query(&sql);
        for (message, customer) in chunk {
            query = query
                .bind(message.account.0)
                .bind(customer.0)
                .bind(message.token.0)
                .bind(message.reference.clone())
                .bind(now);
        }
        ids.extend(in_values_order(
            query.fetch_all(&mut **tx).await?,
            chunk.len(),
        )?);
    }
    Ok(ids)
}

/// The ids a multi-row INSERT returned, in the order of its VALUES. Both backends
/// give one statement's rows ascending ids in that order (SQLite's single writer
/// takes the next rowid for each; PostgreSQL draws the sequence row by row), though
/// neither promises the order of RETURNING itself: hence the sort.
fn in_values_order(rows: Vec<super::Row>, expected: usize) -> Result<Vec<i64>> {
    let mut ids = rows
        .iter()
        .map(|r| r.try_get::<i64, _>("id"))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    if ids.len() != expected {
        return Err(super::rows::corrupt(
            "an insert returned fewer rows than it was given",
        ));
    }
    ids.sort_unstable();
    Ok(ids)
}

/// The open conversation of each customer that has one; marked active now, so the
/// agent's list shows it answered. Asked account by account, so both backends read
/// `one_open_conversation` (account, customer; open only): by customer alone no
/// index fits, and each request walked every open conversation (SQLite, 27 ms on
/// 100,000) or every conversation (PostgreSQL).
async fn open_conversations(
    tx: &mut Tx,
    known: &[(&NewApiMessage, CustomerId)],
) -> Result<HashMap<CustomerId, i64>> {
    let mut by_account: BTreeMap<AccountId, BTreeSet<CustomerId>> = BTreeMap::new();
    for (message, customer) in known {
        by_account
            .entry(message.account)
            .or_default()
            .insert(*customer);
    }
    let index = Backend::of(tx).indexed_by("one_open_conversation");
    let mut open = HashMap::new();
    for (account, customers) in by_account {
        let customers: Vec<CustomerId> = customers.into_iter().collect();
        for chunk in customers.chunks(500) {
            let mut binds = Binds::of(tx);
            let sql = format!(
                "SELECT id, customer_id FROM conversations{index} WHERE account_id = {} \
                 AND customer_id IN ({}) AND state = 'open'",
                binds.one(),
                binds.list(chunk.len())
            );
            let mut query = sqlx::query(&sql).bind(account.0);
            for customer in chunk {
                query = query.bind(customer.0);
            }
            for row in query.fetch_all(&mut **tx).await? {
                open.insert(CustomerId(row.try_get("customer_id")?), row.try_get("id")?);
            }
        }
    }
    Ok(open)
}

/// Each message's parts on the timeline (queued) and in the outbox (waiting), item
/// ids per message in order; the open conversations they join marked active.
async fn insert_items(
    tx: &mut Tx,
    known: &[(&NewApiMessage, CustomerId)],
    api_ids: &[i64],
    conversations: &HashMap<CustomerId, i64>,
    now: Millis,
) -> Result<Vec<Vec<ItemId>>> {
    struct Part<'a> {
        message: &'a NewApiMessage,
        customer: CustomerId,
        api_id: i64,
        part: &'a crate::model::OutgoingPart,
    }
    let parts: Vec<Part> = known
        .iter()
        .zip(api_ids)
        .flat_map(|((message, customer), api_id)| {
            message.parts.iter().map(move |part| Part {
                message,
                customer: *customer,
                api_id: *api_id,
                part,
            })
        })
        .collect();
    let mut item_ids = Vec::with_capacity(parts.len());
    for chunk in power_of_two_chunks(&parts) {
        let mut binds = Binds::of(tx);
        let sql = format!(
            "INSERT INTO timeline_items (account_id, customer_id, conversation_id, kind, direction, \
             source, mid, text, attachments, context, status, created_at, received_at) VALUES {} \
             RETURNING id",
            (0..chunk.len())
                .map(|_| format!(
                    "({}, 'message', 'out', 'igdesk', {}, '{{}}', 'queued', {})",
                    binds.list(3),
                    binds.list(3),
                    binds.list(2)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut query = sqlx::query(&sql);
        for p in chunk {
            query = query
                .bind(p.message.account.0)
                .bind(p.customer.0)
                .bind(conversations.get(&p.customer).copied())
                .bind(p.part.provisional_mid.clone())
                .bind(p.part.text.clone())
                .bind(serde_json::to_string(&p.part.attachments)?)
                .bind(now)
                .bind(now);
        }
        item_ids.extend(in_values_order(
            query.fetch_all(&mut **tx).await?,
            chunk.len(),
        )?);
    }
    let rows: Vec<(&Part, &i64)> = parts.iter().zip(&item_ids).collect();
    for chunk in power_of_two_chunks(&rows) {
        let mut binds = Binds::of(tx);
        let sql = format!(
            "INSERT INTO outgoing (item_id, account_id, customer_id, lane, author, message, \
             state, queued_at, api_message_id, valid_until) VALUES {}",
            (0..chunk.len())
                .map(|_| format!(
                    "({}, '{}', '{}', {}, 'waiting', {})",
                    binds.list(3),
                    Lane::Api.as_str(),
                    Author::Automatic.as_str(),
                    binds.one(),
                    binds.list(3)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (p, item) in chunk {
            query = query
                .bind(**item)
                .bind(p.message.account.0)
                .bind(p.customer.0)
                .bind(p.part.message.to_string())
                .bind(now)
                .bind(p.api_id)
                .bind(p.message.valid_until);
        }
        query.execute(&mut **tx).await?;
    }
    let active: Vec<i64> = parts
        .iter()
        .filter_map(|p| conversations.get(&p.customer).copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for chunk in active.chunks(500) {
        let mut binds = Binds::of(tx);
        let sql = format!(
            "UPDATE conversations SET last_item_at = {} WHERE last_item_at < {} AND id IN ({})",
            binds.one(),
            binds.one(),
            binds.list(chunk.len())
        );
        let mut query = sqlx::query(&sql).bind(now).bind(now);
        for conversation in chunk {
            query = query.bind(*conversation);
        }
        query.execute(&mut **tx).await?;
    }
    // Back to each message's own items, in order.
    let mut per_message = Vec::with_capacity(known.len());
    let mut ids = item_ids.into_iter();
    for (message, _) in known {
        per_message.push(ids.by_ref().take(message.parts.len()).map(ItemId).collect());
    }
    Ok(per_message)
}

/// Of these customers, those with no message queued or on its way: their next
/// waiting message can be promoted. One statement, so that a request to customers
/// whose queues are busy (a backlog draining) costs no statement per customer.
async fn idle_queues(tx: &mut Tx, customers: &BTreeSet<CustomerId>) -> Result<Vec<CustomerId>> {
    let all: Vec<CustomerId> = customers.iter().copied().collect();
    let mut busy = HashSet::new();
    for chunk in all.chunks(500) {
        let mut binds = Binds::of(tx);
        let sql = format!(
            "SELECT DISTINCT customer_id FROM outgoing WHERE customer_id IN ({}) \
             AND state IN ('queued', 'sending')",
            binds.list(chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for customer in chunk {
            query = query.bind(customer.0);
        }
        for row in query.fetch_all(&mut **tx).await? {
            busy.insert(CustomerId(row.try_get("customer_id")?));
        }
    }
    Ok(all.into_iter().filter(|c| !busy.contains(c)).collect())
}
