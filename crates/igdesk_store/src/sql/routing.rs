//! Offers (RT-1 … RT-3). The `offers` table holds at most one offer per conversation
//! (a unique key), so a piece of work is never offered to two agents at once; it is
//! in the database, so offers in flight survive a restart.

use super::{events, placeholders, rows, SqlStore};
use crate::routing::*;
use crate::Result;
use igdesk_domain::timeline::{
    display_name, summary, Attachment, ItemContext, ItemFacts, ItemKind,
};
use igdesk_domain::{AgentId, ConversationId, CustomerId, InboxId, Millis, OfferId};
use serde_json::json;
use sqlx::{Any, Row as _, Transaction};
use std::collections::HashMap;

type Tx = Transaction<'static, Any>;

/// What agent `ag` already carries: open conversations plus offers waiting.
const CARRYING: &str =
    "((SELECT COUNT(*) FROM conversations x WHERE x.agent_id = ag.id AND x.state = 'open') + \
     (SELECT COUNT(*) FROM offers o WHERE o.agent_id = ag.id))";

/// An available agent who is not held, as routing sees them.
struct Candidate {
    id: i64,
    standard: i64,
    max: i64,
    next_requested: bool,
    last_offered_at: Millis,
    /// Open conversations plus offers waiting: what the agent already carries.
    carrying: i64,
    inboxes: Vec<i64>,
}

impl Candidate {
    fn has_room(&self) -> bool {
        self.carrying < self.standard || (self.next_requested && self.carrying < self.max)
    }
}

impl SqlStore {
    pub(super) async fn route_work(
        &self,
        now: Millis,
        offer_for: Millis,
        limit: i64,
    ) -> Result<Vec<Offer>> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let mut candidates = candidates(tx).await?;
        let inboxes: Vec<i64> = {
            let mut all: Vec<i64> = candidates
                .iter()
                .filter(|c| c.has_room())
                .flat_map(|c| c.inboxes.iter().copied())
                .collect();
            all.sort_unstable();
            all.dedup();
            all
        };
        if inboxes.is_empty() {
            return Ok(Vec::new());
        }
        let list = placeholders(2, inboxes.len());
        let sql = format!(
            "SELECT c.id, c.inbox_id FROM conversations c WHERE c.state = 'open' AND c.agent_id IS NULL \
             AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.conversation_id = c.id) \
             AND c.inbox_id IN ({list}) ORDER BY c.opened_at, c.id LIMIT $1"
        );
        let mut waiting = sqlx::query(&sql).bind(limit);
        for inbox in &inboxes {
            waiting = waiting.bind(*inbox);
        }
        let waiting = waiting.fetch_all(&mut **tx).await?;
        let mut made = Vec::new();
        for row in &waiting {
            let conversation: i64 = row.try_get("id")?;
            let inbox: i64 = row.try_get("inbox_id")?;
            // Fewest conversations first; among equals, whoever was offered work longest ago.
            let Some(agent) = candidates
                .iter_mut()
                .filter(|c| c.has_room() && c.inboxes.contains(&inbox))
                .min_by_key(|c| (c.carrying, c.last_offered_at, c.id))
            else {
                continue;
            };
            let beyond_standard = agent.carrying >= agent.standard;
            let offer = offer(tx, conversation, agent.id, now, now + offer_for).await?;
            let Some(offer) = offer else { continue };
            agent.carrying += 1;
            agent.last_offered_at = now;
            if beyond_standard {
                agent.next_requested = false;
            }
            sqlx::query(
                "UPDATE agents SET last_offered_at = $1, \
                 next_requested = CASE WHEN $2 = 1 THEN 0 ELSE next_requested END WHERE id = $3",
            )
            .bind(now)
            .bind(i64::from(beyond_standard))
            .bind(agent.id)
            .execute(&mut **tx)
            .await?;
            made.push(offer);
        }
        writing.commit().await?;
        Ok(made)
    }

    pub(super) async fn expire(&self, now: Millis) -> Result<Vec<Offer>> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let due = sqlx::query(&format!(
            "{OFFER_SELECT} WHERE expires_at <= $1 ORDER BY expires_at, id"
        ))
        .bind(now)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(offer_row)
        .collect::<Result<Vec<_>>>()?;
        for offer in &due {
            withdraw(tx, offer, "timeout", now).await?;
            sqlx::query("UPDATE agents SET held = 1 WHERE id = $1")
                .bind(offer.agent_id.0)
                .execute(&mut **tx)
                .await?;
        }
        writing.commit().await?;
        Ok(due)
    }

    pub(super) async fn earliest_expiry(&self) -> Result<Option<Millis>> {
        let found = sqlx::query("SELECT MIN(expires_at) AS at FROM offers")
            .fetch_all(&self.pool)
            .await?;
        Ok(match found.first() {
            Some(row) => row.try_get("at")?,
            None => None,
        })
    }

    pub(super) async fn agent_offers(&self, agent: AgentId) -> Result<Vec<Offer>> {
        sqlx::query(&format!("{OFFER_SELECT} WHERE agent_id = $1 ORDER BY id"))
            .bind(agent.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(offer_row)
            .collect()
    }

    pub(super) async fn answer_offer(
        &self,
        agent: AgentId,
        offer: OfferId,
        accept: bool,
        now: Millis,
    ) -> Result<OfferAnswer> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let found = sqlx::query(&format!("{OFFER_SELECT} WHERE id = $1 AND agent_id = $2"))
            .bind(offer.0)
            .bind(agent.0)
            .fetch_all(&mut **tx)
            .await?;
        let Some(offer) = found.first().map(offer_row).transpose()? else {
            return Ok(OfferAnswer::Unknown);
        };
        if offer.expires_at <= now {
            // The expiry pass withdraws it and holds the agent; the answer came too late.
            return Ok(OfferAnswer::Expired);
        }
        sqlx::query("DELETE FROM offers WHERE id = $1")
            .bind(offer.id.0)
            .execute(&mut **tx)
            .await?;
        let conversation = offer.conversation_id;
        if accept {
            sqlx::query(
                "UPDATE conversations SET agent_id = $1, assigned_at = $2 \
                 WHERE id = $3 AND state = 'open' AND agent_id IS NULL",
            )
            .bind(agent.0)
            .bind(now)
            .bind(conversation.0)
            .execute(&mut **tx)
            .await?;
            let payload = json!({ "offer_id": offer.id, "customer_id": offer.customer_id });
            events::to_agent(tx, agent.0, "assigned", Some(conversation.0), &payload, now).await?;
        } else {
            withdraw_event(tx, &offer, "declined", now).await?;
            sqlx::query("UPDATE agents SET held = 1 WHERE id = $1")
                .bind(agent.0)
                .execute(&mut **tx)
                .await?;
        }
        writing.commit().await?;
        Ok(OfferAnswer::Done(conversation))
    }

    pub(super) async fn routing_of(&self, agent: AgentId) -> Result<Option<AgentRouting>> {
        let found = sqlx::query(
            "SELECT ag.id, ag.available, ag.held, ag.next_requested, ag.standard_capacity, ag.max_capacity, \
             (SELECT COUNT(*) FROM conversations x WHERE x.agent_id = ag.id AND x.state = 'open') AS load, \
             (SELECT COUNT(*) FROM offers o WHERE o.agent_id = ag.id) AS pending \
             FROM agents ag WHERE ag.id = $1",
        )
        .bind(agent.0)
        .fetch_all(&self.pool)
        .await?;
        found
            .first()
            .map(|r| {
                Ok(AgentRouting {
                    agent_id: AgentId(r.try_get("id")?),
                    available: r.try_get::<i64, _>("available")? == 1,
                    held: r.try_get::<i64, _>("held")? == 1,
                    next_requested: r.try_get::<i64, _>("next_requested")? == 1,
                    standard_capacity: r.try_get("standard_capacity")?,
                    max_capacity: r.try_get("max_capacity")?,
                    conversations: r.try_get("load")?,
                    offers: r.try_get("pending")?,
                })
            })
            .transpose()
    }

    pub(super) async fn availability(
        &self,
        agent: AgentId,
        available: bool,
        now: Millis,
    ) -> Result<()> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        sqlx::query("UPDATE agents SET available = $1 WHERE id = $2")
            .bind(i64::from(available))
            .bind(agent.0)
            .execute(&mut **tx)
            .await?;
        if !available {
            let offers = sqlx::query(&format!("{OFFER_SELECT} WHERE agent_id = $1"))
                .bind(agent.0)
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(offer_row)
                .collect::<Result<Vec<_>>>()?;
            for offer in &offers {
                withdraw(tx, offer, "away", now).await?;
            }
        }
        writing.commit().await
    }

    pub(super) async fn next(&self, agent: AgentId) -> Result<NextAnswer> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let found = sqlx::query(&format!(
            "SELECT ag.standard_capacity, ag.max_capacity, {CARRYING} AS carrying \
             FROM agents ag WHERE ag.id = $1"
        ))
        .bind(agent.0)
        .fetch_all(&mut **tx)
        .await?;
        let Some(row) = found.first() else {
            return Ok(NextAnswer::AtMaximum);
        };
        let carrying: i64 = row.try_get("carrying")?;
        let standard: i64 = row.try_get("standard_capacity")?;
        let max: i64 = row.try_get("max_capacity")?;
        let room = carrying < max;
        // Next lifts the hold in any case; it asks for one beyond the standard only
        // when the agent is at it (below it, work comes anyway).
        sqlx::query(
            "UPDATE agents SET held = 0, \
             next_requested = CASE WHEN $1 = 1 THEN 1 ELSE next_requested END WHERE id = $2",
        )
        .bind(i64::from(room && carrying >= standard))
        .bind(agent.0)
        .execute(&mut **tx)
        .await?;
        writing.commit().await?;
        Ok(if room {
            NextAnswer::Granted
        } else {
            NextAnswer::AtMaximum
        })
    }
}

async fn candidates(tx: &mut Tx) -> Result<Vec<Candidate>> {
    let found = sqlx::query(&format!(
        "SELECT ag.id, ag.standard_capacity, ag.max_capacity, ag.next_requested, ag.last_offered_at, \
         {CARRYING} AS carrying FROM agents ag WHERE ag.available = 1 AND ag.held = 0"
    ))
    .fetch_all(&mut **tx)
    .await?;
    let mut by_id = HashMap::new();
    let mut candidates = Vec::with_capacity(found.len());
    for r in &found {
        let id: i64 = r.try_get("id")?;
        by_id.insert(id, candidates.len());
        candidates.push(Candidate {
            id,
            standard: r.try_get("standard_capacity")?,
            max: r.try_get("max_capacity")?,
            next_requested: r.try_get::<i64, _>("next_requested")? == 1,
            last_offered_at: r.try_get("last_offered_at")?,
            carrying: r.try_get("carrying")?,
            inboxes: Vec::new(),
        });
    }
    if candidates.is_empty() {
        return Ok(candidates);
    }
    let memberships = sqlx::query(
        "SELECT ai.agent_id, ai.inbox_id FROM agent_inboxes ai JOIN agents ag ON ag.id = ai.agent_id \
         WHERE ag.available = 1 AND ag.held = 0",
    )
    .fetch_all(&mut **tx)
    .await?;
    for r in &memberships {
        let agent: i64 = r.try_get("agent_id")?;
        if let Some(&at) = by_id.get(&agent) {
            candidates[at].inboxes.push(r.try_get("inbox_id")?);
        }
    }
    Ok(candidates)
}

/// Writes the offer with what the agent is shown, and its event. `None` when the
/// conversation already has an offer (another instance got there first).
async fn offer(
    tx: &mut Tx,
    conversation: i64,
    agent: i64,
    now: Millis,
    expires_at: Millis,
) -> Result<Option<Offer>> {
    let found = sqlx::query(
        "SELECT c.customer_id, c.inbox_id, c.routed_reason, cu.name, cu.username, cu.igsid \
         FROM conversations c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1",
    )
    .bind(conversation)
    .fetch_all(&mut **tx)
    .await?;
    let row = found
        .first()
        .ok_or_else(|| rows::corrupt("a waiting conversation vanished"))?;
    let name: Option<String> = row.try_get("name")?;
    let username: Option<String> = row.try_get("username")?;
    let igsid: String = row.try_get("igsid")?;
    let customer_name = display_name(name.as_deref().or(username.as_deref()), &igsid);
    let mut offer = Offer {
        id: OfferId(0),
        agent_id: AgentId(agent),
        conversation_id: ConversationId(conversation),
        customer_id: CustomerId(row.try_get("customer_id")?),
        inbox_id: InboxId(row.try_get("inbox_id")?),
        preview: preview(tx, conversation, &customer_name).await?,
        customer_name,
        reason: row.try_get("routed_reason")?,
        offered_at: now,
        expires_at,
    };
    let inserted = sqlx::query(
        "INSERT INTO offers (conversation_id, agent_id, offered_at, expires_at, payload) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(conversation)
    .bind(agent)
    .bind(now)
    .bind(expires_at)
    .bind(serde_json::to_string(&offer)?)
    .fetch_all(&mut **tx)
    .await?;
    let Some(row) = inserted.first() else {
        return Ok(None);
    };
    offer.id = OfferId(row.try_get("id")?);
    let payload = serde_json::to_value(&offer)?;
    events::to_agent(tx, agent, "offer", Some(conversation), &payload, now).await?;
    Ok(Some(offer))
}

/// The conversation's latest item, in words: what the offer shows.
async fn preview(tx: &mut Tx, conversation: i64, customer: &str) -> Result<String> {
    let found = sqlx::query(
        "SELECT kind, text, attachments, context, deleted FROM timeline_items \
         WHERE conversation_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(conversation)
    .fetch_all(&mut **tx)
    .await?;
    let Some(row) = found.first() else {
        return Ok(String::new());
    };
    let kind: String = row.try_get("kind")?;
    let text: Option<String> = row.try_get("text")?;
    let attachments: Vec<Attachment> =
        serde_json::from_str(&row.try_get::<String, _>("attachments")?)?;
    let context: ItemContext = serde_json::from_str(&row.try_get::<String, _>("context")?)?;
    let line = summary(&ItemFacts {
        kind: ItemKind::parse(&kind).unwrap_or(ItemKind::Unsupported),
        deleted: rows::flag(row, "deleted")?,
        text: text.as_deref(),
        attachments: &attachments,
        context: &context,
        author_name: customer,
        story_available: true,
    });
    Ok(line.chars().take(PREVIEW_CHARS).collect())
}

/// A preview is a glance, not the message.
const PREVIEW_CHARS: usize = 140;

/// Removes an offer and tells its agent why.
pub(super) async fn withdraw(tx: &mut Tx, offer: &Offer, reason: &str, now: Millis) -> Result<()> {
    sqlx::query("DELETE FROM offers WHERE id = $1")
        .bind(offer.id.0)
        .execute(&mut **tx)
        .await?;
    withdraw_event(tx, offer, reason, now).await
}

async fn withdraw_event(tx: &mut Tx, offer: &Offer, reason: &str, now: Millis) -> Result<()> {
    let payload = json!({ "offer_id": offer.id, "reason": reason });
    let conversation = Some(offer.conversation_id.0);
    events::to_agent(
        tx,
        offer.agent_id.0,
        "offer_withdrawn",
        conversation,
        &payload,
        now,
    )
    .await
}

/// Withdraws the conversation's offer, if any (the session ended under it).
pub(super) async fn withdraw_for(tx: &mut Tx, conversation: i64, now: Millis) -> Result<()> {
    let found = sqlx::query(&format!("{OFFER_SELECT} WHERE conversation_id = $1"))
        .bind(conversation)
        .fetch_all(&mut **tx)
        .await?;
    if let Some(offer) = found.first().map(offer_row).transpose()? {
        withdraw(tx, &offer, "ended", now).await?;
    }
    Ok(())
}

const OFFER_SELECT: &str = "SELECT id, payload, expires_at FROM offers";

fn offer_row(r: &super::Row) -> Result<Offer> {
    let mut offer: Offer = serde_json::from_str(&r.try_get::<String, _>("payload")?)?;
    offer.id = OfferId(r.try_get("id")?);
    offer.expires_at = r.try_get("expires_at")?;
    Ok(offer)
}
