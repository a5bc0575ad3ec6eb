//! Offers (RT-1 … RT-3). The `offers` table holds at most one offer per conversation
//! (a unique key), so a piece of work is never offered to two agents at once; it is
//! in the database, so offers in flight survive a restart.

use super::{events, rows, Backend, Binds, SqlStore};
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

/// What agent `ag` already carries: open conversations plus offers waiting, both
/// kept with the agent by the database's triggers as conversations are assigned,
/// given back and closed, and as offers are made, answered, expire or are withdrawn.
pub(super) const CARRYING: &str = "(ag.open_conversations + ag.offers_waiting)";

/// One agent's routing state (`$1`): capacities, and what they carry in its two
/// parts, `load` (open conversations) and `pending` (offers waiting).
const AGENT_ROUTING: &str = "SELECT ag.id, ag.available, ag.held, ag.next_requested, \
     ag.standard_capacity, ag.max_capacity, ag.open_conversations AS load, \
     ag.offers_waiting AS pending FROM agents ag WHERE ag.id = $1";

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

/// 1 when what routing reads (`waiting_work`, the agents' counts) differs from what
/// it stands for in any of the ways `repair_routing` puts right, else 0.
const DRIFTED: &str = "SELECT CASE WHEN \
    EXISTS (SELECT 1 FROM conversations v WHERE v.state = 'open' AND v.agent_id IS NULL \
      AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.conversation_id = v.id) \
      AND NOT EXISTS (SELECT 1 FROM waiting_work q WHERE q.conversation_id = v.id)) \
    OR EXISTS (SELECT 1 FROM waiting_work w WHERE NOT EXISTS (SELECT 1 FROM conversations v \
      WHERE v.id = w.conversation_id AND v.state = 'open' AND v.agent_id IS NULL \
      AND v.inbox_id = w.inbox_id) \
      OR EXISTS (SELECT 1 FROM offers o WHERE o.conversation_id = w.conversation_id)) \
    OR EXISTS (SELECT 1 FROM agents ag WHERE ag.open_conversations <> (SELECT COUNT(*) \
      FROM conversations x WHERE x.agent_id = ag.id AND x.state = 'open') \
      OR ag.offers_waiting <> (SELECT COUNT(*) FROM offers o WHERE o.agent_id = ag.id)) \
    THEN 1 ELSE 0 END AS drifted";

impl SqlStore {
    /// One batch of offers in a handful of statements, whatever its size: the waiting
    /// work with what its offer shows, then every offer, every event and every
    /// agent's routing state written at once.
    pub(super) async fn route_work(
        &self,
        now: Millis,
        offer_for: Millis,
        limit: i64,
    ) -> Result<Vec<Offer>> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let mut candidates = candidates(tx).await?;
        let waiting = waiting_work(tx, &candidates, limit).await?;
        let mut planned = Vec::new();
        for mut offer in waiting {
            // Fewest conversations first; among equals, whoever was offered work longest ago.
            // Work someone transferred goes to anyone but them first.
            let handed_over_by = offer.transferred_by.as_ref().map(|t| t.agent_id.0);
            let Some(agent) = candidates
                .iter_mut()
                .filter(|c| c.has_room() && c.inboxes.contains(&offer.inbox_id.0))
                .min_by_key(|c| {
                    let theirs = handed_over_by == Some(c.id);
                    (theirs, c.carrying, c.last_offered_at, c.id)
                })
            else {
                continue;
            };
            let beyond_standard = agent.carrying >= agent.standard;
            agent.carrying += 1;
            agent.last_offered_at = now;
            if beyond_standard {
                agent.next_requested = false;
            }
            offer.agent_id = AgentId(agent.id);
            offer.offered_at = now;
            offer.expires_at = now + offer_for;
            planned.push((offer, beyond_standard));
        }
        let made = write_offers(tx, planned, now).await?;
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

    /// Upkeep's check of what routing reads, kept by triggers, against what it stands
    /// for: `waiting_work` (open, unassigned conversations with no offer, each in its
    /// inbox) and each agent's counts of open conversations and offers waiting. Rows
    /// missing are added, rows left behind removed, inboxes and counts put right;
    /// their count, which must be 0.
    pub(super) async fn repair_routing(&self) -> Result<u64> {
        // A look first, in one statement (one snapshot), outside SQLite's writer and
        // without PostgreSQL's lock: on 100,000 open conversations the check's
        // statements take about a second, and in the write below they held intake's
        // writer (SQLite) or the triggers' writers (PostgreSQL) that long every
        // minute. What one snapshot shows drifted has drifted: every transaction
        // leaves the tables as its triggers keep them.
        let drifted: i64 = sqlx::query(DRIFTED)
            .fetch_one(&self.pool)
            .await?
            .try_get("drifted")?;
        if drifted == 0 {
            return Ok(0);
        }
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        if self.backend == Backend::Postgres {
            // Every transaction that changes the waiting work writes this table (its
            // triggers do): with them held off until this one ends, what it reads is
            // settled, and a change committing meanwhile is not taken for drift.
            // Instances checking at once take turns. Writers queue behind the lock
            // while it waits for those in flight, so it waits a moment at most: a
            // check that cannot have it is left to the next minute.
            sqlx::query("SET LOCAL lock_timeout = '1s'")
                .execute(&mut **tx)
                .await?;
            sqlx::query("LOCK TABLE waiting_work IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut **tx)
                .await?;
        }
        let added = sqlx::query(
            "INSERT INTO waiting_work (conversation_id, inbox_id, opened_at) \
             SELECT v.id, v.inbox_id, v.opened_at FROM conversations v \
             WHERE v.state = 'open' AND v.agent_id IS NULL \
             AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.conversation_id = v.id) \
             AND NOT EXISTS (SELECT 1 FROM waiting_work q WHERE q.conversation_id = v.id)",
        )
        .execute(&mut **tx)
        .await?
        .rows_affected();
        let removed = sqlx::query(
            "DELETE FROM waiting_work WHERE NOT EXISTS (SELECT 1 FROM conversations v \
             WHERE v.id = waiting_work.conversation_id AND v.state = 'open' AND v.agent_id IS NULL) \
             OR EXISTS (SELECT 1 FROM offers o WHERE o.conversation_id = waiting_work.conversation_id)",
        )
        .execute(&mut **tx)
        .await?
        .rows_affected();
        // What each agent carries, kept beside their conversations and offers: a
        // count too high would keep work from them, one too low overload them.
        let recounted = sqlx::query(
            "UPDATE agents SET open_conversations = n.load, offers_waiting = n.pending \
             FROM (SELECT ag.id, (SELECT COUNT(*) FROM conversations x \
               WHERE x.agent_id = ag.id AND x.state = 'open') AS load, \
               (SELECT COUNT(*) FROM offers o WHERE o.agent_id = ag.id) AS pending \
               FROM agents ag) n \
             WHERE agents.id = n.id \
             AND (agents.open_conversations <> n.load OR agents.offers_waiting <> n.pending)",
        )
        .execute(&mut **tx)
        .await?
        .rows_affected();
        // Looked for in the wrong inbox's queue, it would never be offered.
        let moved = sqlx::query(
            "UPDATE waiting_work SET inbox_id = v.inbox_id FROM conversations v \
             WHERE v.id = waiting_work.conversation_id AND v.inbox_id <> waiting_work.inbox_id",
        )
        .execute(&mut **tx)
        .await?
        .rows_affected();
        writing.commit().await?;
        let repaired = added + removed + moved + recounted;
        if repaired > 0 {
            tracing::error!(
                added,
                removed,
                moved,
                recounted,
                "routing's waiting work or agents' counts had drifted; repaired"
            );
        }
        Ok(repaired)
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

    /// The agent's waiting offers, each with its customer's name as it is now: the
    /// offer keeps the name it was made with, often before Instagram's profile came.
    pub(super) async fn agent_offers(&self, agent: AgentId) -> Result<Vec<Offer>> {
        sqlx::query(
            "SELECT o.id, o.payload, o.expires_at, c.igsid, c.name, c.username FROM offers o \
             JOIN conversations v ON v.id = o.conversation_id \
             JOIN customers c ON c.id = v.customer_id WHERE o.agent_id = $1 ORDER BY o.id",
        )
        .bind(agent.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let mut offer = offer_row(r)?;
            offer.customer_name = customer_name(r)?;
            Ok(offer)
        })
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
        // Offers outside the agent's inboxes are withdrawn when the inboxes change;
        // this answers one that raced that change, whatever its outcome.
        let member = sqlx::query(
            "SELECT 1 FROM conversations v JOIN agent_inboxes ai ON ai.inbox_id = v.inbox_id \
             WHERE v.id = $1 AND ai.agent_id = $2",
        )
        .bind(offer.conversation_id.0)
        .bind(agent.0)
        .fetch_all(&mut **tx)
        .await?;
        if member.is_empty() {
            withdraw(tx, &offer, "inbox_removed", now).await?;
            writing.commit().await?;
            return Ok(OfferAnswer::Unknown);
        }
        if offer.expires_at <= now {
            // The expiry pass withdraws it and holds the agent; the answer came too late.
            return Ok(OfferAnswer::Expired);
        }
        let taken = sqlx::query("DELETE FROM offers WHERE id = $1")
            .bind(offer.id.0)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if taken == 0 {
            // Withdrawn meanwhile (PostgreSQL: this delete waited for the transaction
            // that withdrew it, e.g. the agent being switched off): nothing to answer.
            return Ok(OfferAnswer::Unknown);
        }
        let conversation = offer.conversation_id;
        if accept {
            sqlx::query(
                "UPDATE conversations SET agent_id = $1, assigned_at = $2, transfer_id = NULL \
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
        let found = sqlx::query(AGENT_ROUTING)
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
        // A switched-off agent stays away (whatever a request signed in before the
        // switching off asks): that is what keeps routing from offering them work.
        sqlx::query(
            "UPDATE agents SET available = $1 WHERE id = $2 AND ($1 = 0 OR deactivated_at IS NULL)",
        )
        .bind(i64::from(available))
        .bind(agent.0)
        .execute(&mut **tx)
        .await?;
        if !available {
            withdraw_all_of(tx, agent.0, "away", now).await?;
        }
        writing.commit().await
    }

    pub(super) async fn next(&self, agent: AgentId) -> Result<NextAnswer> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        // What the agent carries (`CARRYING`), in its two parts: Next is refused by
        // the conversations alone (below).
        let found = sqlx::query(AGENT_ROUTING)
            .bind(agent.0)
            .fetch_all(&mut **tx)
            .await?;
        let Some(row) = found.first() else {
            return Ok(NextAnswer::AtMaximum);
        };
        let standard: i64 = row.try_get("standard_capacity")?;
        let max: i64 = row.try_get("max_capacity")?;
        let open: i64 = row.try_get("load")?;
        let carrying = open + row.try_get::<i64, _>("pending")?;
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
        // Refused only for the conversations the agent has: an offer waiting already
        // is the next piece of work (Close & Next meets one routing made as the close
        // freed the room).
        Ok(if open < max {
            NextAnswer::Granted
        } else {
            NextAnswer::AtMaximum
        })
    }
}

async fn candidates(tx: &mut Tx) -> Result<Vec<Candidate>> {
    let found = sqlx::query(&format!(
        "SELECT ag.id, ag.standard_capacity, ag.max_capacity, ag.next_requested, \
         ag.last_offered_at, {CARRYING} AS carrying FROM agents ag \
         WHERE ag.available = 1 AND ag.held = 0"
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

/// Open, unassigned, unoffered conversations in the inboxes of agents with room,
/// longest waiting first, as the offers the agents will see: customer and latest item
/// (the preview) filled in, agent and times left for routing.
async fn waiting_work(tx: &mut Tx, candidates: &[Candidate], limit: i64) -> Result<Vec<Offer>> {
    let mut inboxes: Vec<i64> = candidates
        .iter()
        .filter(|c| c.has_room())
        .flat_map(|c| c.inboxes.iter().copied())
        .collect();
    inboxes.sort_unstable();
    inboxes.dedup();
    if inboxes.is_empty() {
        return Ok(Vec::new());
    }
    // The work is chosen from `waiting_work` alone, which holds exactly the
    // conversations waiting (kept by triggers), so the walk never passes one on
    // offer. Then only the chosen are read with their customer and latest item, in
    // a statement of their own: in one statement, PostgreSQL planned on a new
    // database's empty tables walked every open conversation and chose the work
    // again for each (50-70 ms a turn in a burst). The conditions are tested again
    // on the conversation, so that a row a lost race left behind is passed over
    // until upkeep removes it.
    let mut binds = Binds::of(tx);
    let sql = format!(
        "SELECT conversation_id FROM waiting_work WHERE inbox_id IN ({}) \
         ORDER BY opened_at, conversation_id LIMIT {}",
        binds.list(inboxes.len()),
        binds.one()
    );
    let mut query = sqlx::query_scalar::<_, i64>(&sql);
    for inbox in &inboxes {
        query = query.bind(*inbox);
    }
    let chosen = query.bind(limit).fetch_all(&mut **tx).await?;
    if chosen.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT c.id, c.inbox_id, c.customer_id, c.routed_reason, cu.name, cu.username, cu.igsid, \
         t.kind, t.text, t.attachments, t.context, t.deleted, \
         tr.by_agent_id AS handed_by, ha.name AS handed_by_name, tr.note AS transfer_note \
         FROM conversations c JOIN customers cu ON cu.id = c.customer_id \
         LEFT JOIN timeline_items t ON t.id = (SELECT l.id FROM timeline_items l \
           WHERE l.conversation_id = c.id ORDER BY l.created_at DESC, l.id DESC LIMIT 1) \
         LEFT JOIN transfers tr ON tr.id = c.transfer_id \
         LEFT JOIN agents ha ON ha.id = tr.by_agent_id \
         WHERE c.id IN ({}) AND c.state = 'open' AND c.agent_id IS NULL \
         AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.conversation_id = c.id) \
         ORDER BY c.opened_at, c.id",
        Binds::of(tx).list(chosen.len())
    );
    let mut query = sqlx::query(&sql);
    for id in chosen {
        query = query.bind(id);
    }
    let rows = query.fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|row| {
            let customer_name = customer_name(row)?;
            Ok(Offer {
                id: OfferId(0),
                agent_id: AgentId(0),
                conversation_id: ConversationId(row.try_get("id")?),
                customer_id: CustomerId(row.try_get("customer_id")?),
                inbox_id: InboxId(row.try_get("inbox_id")?),
                preview: preview(row, &customer_name)?,
                customer_name,
                reason: row.try_get("routed_reason")?,
                offered_at: 0,
                expires_at: 0,
                transferred_by: super::transfer::handed_by(row)?,
                note: row.try_get("transfer_note")?,
            })
        })
        .collect()
}

/// Writes the offers (`beyond_standard`: the agent's Next is used up by it), their
/// events and the agents' routing state. An offer whose conversation already has one
/// (another instance got there first) is left out, with its event and agent update.
async fn write_offers(tx: &mut Tx, planned: Vec<(Offer, bool)>, now: Millis) -> Result<Vec<Offer>> {
    if planned.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "INSERT INTO offers (conversation_id, agent_id, offered_at, expires_at, payload) \
         VALUES {} ON CONFLICT DO NOTHING RETURNING id, conversation_id",
        Binds::of(tx).rows(planned.len(), 5)
    );
    let mut query = sqlx::query(&sql);
    for (offer, _) in &planned {
        query = query
            .bind(offer.conversation_id.0)
            .bind(offer.agent_id.0)
            .bind(offer.offered_at)
            .bind(offer.expires_at)
            .bind(serde_json::to_string(offer)?);
    }
    let mut ids = HashMap::new();
    for row in query.fetch_all(&mut **tx).await? {
        ids.insert(
            row.try_get::<i64, _>("conversation_id")?,
            OfferId(row.try_get("id")?),
        );
    }
    let mut made = Vec::with_capacity(ids.len());
    let mut next_used = Vec::new();
    for (mut offer, beyond_standard) in planned {
        let Some(id) = ids.get(&offer.conversation_id.0) else {
            continue;
        };
        offer.id = *id;
        if beyond_standard {
            next_used.push(offer.agent_id.0);
        }
        made.push(offer);
    }
    if made.is_empty() {
        return Ok(made);
    }
    let payloads = made
        .iter()
        .map(serde_json::to_value)
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let events: Vec<_> = made
        .iter()
        .zip(&payloads)
        .map(|(o, payload)| events::NewEvent {
            agent: o.agent_id.0,
            kind: "offer",
            conversation: Some(o.conversation_id.0),
            payload,
        })
        .collect();
    events::to_agents(tx, &events, now).await?;
    let mut agents: Vec<i64> = made.iter().map(|o| o.agent_id.0).collect();
    agents.sort_unstable();
    agents.dedup();
    // Values are bound in the order their placeholders appear: now, Next used, agents.
    let mut binds = Binds::of(tx);
    let at = binds.one();
    let sql = if next_used.is_empty() {
        format!(
            "UPDATE agents SET last_offered_at = {at} WHERE id IN ({})",
            binds.list(agents.len())
        )
    } else {
        let used = binds.list(next_used.len());
        format!(
            "UPDATE agents SET last_offered_at = {at}, next_requested = CASE WHEN id IN ({used}) \
             THEN 0 ELSE next_requested END WHERE id IN ({})",
            binds.list(agents.len())
        )
    };
    let mut query = sqlx::query(&sql).bind(now);
    for agent in next_used.iter().chain(&agents) {
        query = query.bind(*agent);
    }
    query.execute(&mut **tx).await?;
    Ok(made)
}

/// The conversation's latest item (the row's `t.*` columns), in words: what the
/// offer shows.
pub(super) fn preview(row: &super::Row, customer: &str) -> Result<String> {
    let Some(kind) = row.try_get::<Option<String>, _>("kind")? else {
        return Ok(String::new());
    };
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

/// Withdraws every offer waiting for the agent's answer (away, switched off), each
/// with its event; returns how many.
pub(super) async fn withdraw_all_of(
    tx: &mut Tx,
    agent: i64,
    reason: &str,
    now: Millis,
) -> Result<u64> {
    let offers = sqlx::query(&format!("{OFFER_SELECT} WHERE agent_id = $1"))
        .bind(agent)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(offer_row)
        .collect::<Result<Vec<_>>>()?;
    for offer in &offers {
        withdraw(tx, offer, reason, now).await?;
    }
    Ok(offers.len() as u64)
}

/// The agent's work outside their inboxes, once their inboxes have changed: offers
/// withdrawn, open conversations back to waiting, unassigned (the router offers them
/// to the inbox's agents, their SLA clocks running on), each told to the agent's
/// console. Returns the conversations given back.
pub(super) async fn leave_other_inboxes(tx: &mut Tx, agent: i64, now: Millis) -> Result<Vec<i64>> {
    const OUTSIDE: &str = "SELECT v.id FROM conversations v WHERE v.inbox_id NOT IN \
         (SELECT ai.inbox_id FROM agent_inboxes ai WHERE ai.agent_id = $1)";
    let offers = sqlx::query(&format!(
        "{OFFER_SELECT} WHERE agent_id = $1 AND conversation_id IN ({OUTSIDE})"
    ))
    .bind(agent)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(offer_row)
    .collect::<Result<Vec<_>>>()?;
    for offer in &offers {
        withdraw(tx, offer, "inbox_removed", now).await?;
    }
    let returned = sqlx::query(&format!(
        "UPDATE conversations SET agent_id = NULL, assigned_at = NULL, transfer_id = NULL \
         WHERE agent_id = $1 AND state = 'open' AND id IN ({OUTSIDE}) RETURNING id, customer_id"
    ))
    .bind(agent)
    .fetch_all(&mut **tx)
    .await?;
    let mut ids = Vec::with_capacity(returned.len());
    for row in &returned {
        let id: i64 = row.try_get("id")?;
        let customer: i64 = row.try_get("customer_id")?;
        let payload = json!({ "customer_id": customer, "reason": "inbox_removed" });
        events::to_agent(tx, agent, "unassigned", Some(id), &payload, now).await?;
        ids.push(id);
    }
    Ok(ids)
}

/// Withdraws the conversation's offer, if any (the session ended under it).
pub(super) async fn withdraw_for(tx: &mut Tx, conversation: i64, now: Millis) -> Result<()> {
    withdraw_because(tx, conversation, "ended", now).await
}

/// Withdraws the conversation's offer, if any, telling its agent `reason`.
pub(super) async fn withdraw_because(
    tx: &mut Tx,
    conversation: i64,
    reason: &str,
    now: Millis,
) -> Result<()> {
    let found = sqlx::query(&format!("{OFFER_SELECT} WHERE conversation_id = $1"))
        .bind(conversation)
        .fetch_all(&mut **tx)
        .await?;
    if let Some(offer) = found.first().map(offer_row).transpose()? {
        withdraw(tx, &offer, reason, now).await?;
    }
    Ok(())
}

const OFFER_SELECT: &str = "SELECT id, payload, expires_at FROM offers";

/// A customer as an offer names them, from a row's `name`, `username` and `igsid`.
pub(super) fn customer_name(r: &super::Row) -> Result<String> {
    let name: Option<String> = r.try_get("name")?;
    let username: Option<String> = r.try_get("username")?;
    let igsid: String = r.try_get("igsid")?;
    Ok(display_name(
        name.as_deref().or(username.as_deref()),
        &igsid,
    ))
}

fn offer_row(r: &super::Row) -> Result<Offer> {
    let mut offer: Offer = serde_json::from_str(&r.try_get::<String, _>("payload")?)?;
    offer.id = OfferId(r.try_get("id")?);
    offer.expires_at = r.try_get("expires_at")?;
    Ok(offer)
}
