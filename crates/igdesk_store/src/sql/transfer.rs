//! Transfers for the SQL backends: one transaction takes the conversation
//! from whoever held it, records the transfer, and either offers it to the target
//! agent (an ordinary offer: the `offers` table's one-per-conversation key, the
//! target's capacity, 30 seconds) or leaves it waiting in the target inbox, where
//! routing offers it like any waiting work.

use super::routing::{customer_name, preview, withdraw_because, CARRYING};
use super::{events, SqlStore};
use crate::model::Scope;
use crate::routing::Offer;
use crate::transfer::*;
use crate::Result;
use igdesk_domain::{
    AgentId, ConversationId, CustomerId, InboxId, ItemId, Millis, OfferId, TransferId,
};
use serde_json::json;
use sqlx::{Any, Row as _, Transaction};

type Tx = Transaction<'static, Any>;

/// Binds `$1` (admin flag) and `$2` (agent id): the inboxes one may transfer into.
const INBOX_ALLOWED: &str =
    "($1 = 1 OR i.id IN (SELECT inbox_id FROM agent_inboxes WHERE agent_id = $2))";

/// The conversation as a transfer reads it.
struct Held {
    holder: Option<i64>,
    inbox: TransferInbox,
    customer: i64,
}

/// An agent as a possible target, with what routing would ask of them.
struct Candidate {
    agent: TransferAgent,
    available: bool,
    held: bool,
    next_requested: bool,
    standard: i64,
    max: i64,
    carrying: i64,
}

impl Candidate {
    /// Why no offer may go to them now, in words; `None` when one may.
    fn unable(&self) -> Option<String> {
        let name = &self.agent.name;
        if !self.available {
            Some(format!("{name} is away"))
        } else if self.held {
            Some(format!(
                "{name} let an offer go and gets no more work until they press Next"
            ))
        } else if !self.has_room() {
            Some(format!("{name} has no room for another conversation"))
        } else {
            None
        }
    }

    fn has_room(&self) -> bool {
        self.carrying < self.standard || (self.next_requested && self.carrying < self.max)
    }
}

impl SqlStore {
    pub(super) async fn transfer_conversation(
        &self,
        r: TransferRequest,
        now: Millis,
    ) -> Result<TransferAnswer> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let Some(held) = read_held(tx, r.scope, r.conversation).await? else {
            return Ok(TransferAnswer::Unknown);
        };
        let Some(held) = held else {
            return Ok(TransferAnswer::Closed);
        };
        if !r.scope.admin && held.holder != Some(r.scope.agent.0) {
            return Ok(TransferAnswer::NotYours);
        }
        let (to_inbox, to_agent) = match r.to {
            TransferTo::Inbox(inbox) => match allowed_inbox(tx, r.scope, inbox).await? {
                Some(found) => (found, None),
                None => return Ok(TransferAnswer::UnknownInbox),
            },
            TransferTo::Agent(agent) => {
                let Some(target) = candidate(tx, agent, held.inbox.inbox_id).await? else {
                    return Ok(TransferAnswer::NotInInbox);
                };
                let offered = sqlx::query(
                    "SELECT 1 FROM offers WHERE conversation_id = $1 AND agent_id = $2",
                )
                .bind(r.conversation.0)
                .bind(agent.0)
                .fetch_all(&mut **tx)
                .await?;
                let name = target.agent.name.clone();
                if held.holder == Some(agent.0) || !offered.is_empty() {
                    return Ok(TransferAnswer::AlreadyTheirs(name));
                }
                if !target.available {
                    return Ok(TransferAnswer::Away(name));
                }
                if target.held {
                    return Ok(TransferAnswer::Held(name));
                }
                if !target.has_room() {
                    return Ok(TransferAnswer::AtCapacity(name));
                }
                (held.inbox.clone(), Some(target))
            }
        };
        let by = agent_name(tx, r.scope.agent).await?;
        let inserted = sqlx::query(
            "INSERT INTO transfers (conversation_id, customer_id, by_agent_id, from_agent_id, \
             to_agent_id, to_inbox_id, note, created_at, after_item_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT l.id FROM timeline_items l \
               WHERE l.conversation_id = $1 ORDER BY l.created_at DESC, l.id DESC LIMIT 1)) \
             RETURNING id, after_item_id",
        )
        .bind(r.conversation.0)
        .bind(held.customer)
        .bind(r.scope.agent.0)
        .bind(held.holder)
        .bind(to_agent.as_ref().map(|t| t.agent.agent_id.0))
        .bind(to_inbox.inbox_id.0)
        .bind(r.note.clone())
        .bind(now)
        .fetch_all(&mut **tx)
        .await?;
        let inserted = inserted.first().ok_or(sqlx::Error::RowNotFound)?;
        let id: i64 = inserted.try_get("id")?;
        let after_item: Option<i64> = inserted.try_get("after_item_id")?;
        // Taken from its holder only if nobody changed it since it was read (an Accept,
        // a Close, another transfer): on PostgreSQL this waits for theirs and finds
        // out. The SLA clock is not touched: the customer is still waiting.
        let taken = sqlx::query(
            "UPDATE conversations SET agent_id = NULL, assigned_at = NULL, inbox_id = $1, \
             transfer_id = $2 WHERE id = $3 AND state = 'open' AND COALESCE(agent_id, 0) = $4",
        )
        .bind(to_inbox.inbox_id.0)
        .bind(id)
        .bind(r.conversation.0)
        .bind(held.holder.unwrap_or(0))
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if taken == 0 {
            return Ok(TransferAnswer::Busy);
        }
        // An offer waiting for someone else (an administrator moving waiting work)
        // is withdrawn first: one offer per conversation.
        withdraw_because(tx, r.conversation.0, "transferred", now).await?;
        let transfer = Transfer {
            id: TransferId(id),
            conversation_id: r.conversation,
            customer_id: CustomerId(held.customer),
            by: by.clone(),
            from_agent_id: held.holder.map(AgentId),
            to_agent: to_agent.as_ref().map(|t| t.agent.clone()),
            to_inbox,
            note: r.note.clone(),
            after_item_id: after_item.map(ItemId),
            created_at: now,
        };
        if let Some(holder) = held.holder {
            let payload = json!({
                "transfer_id": transfer.id,
                "to_agent_id": transfer.to_agent.as_ref().map(|a| a.agent_id),
                "to_inbox_id": transfer.to_inbox.inbox_id,
            });
            let conversation = Some(r.conversation.0);
            events::to_agent(tx, holder, "transferred", conversation, &payload, now).await?;
        }
        let offer = match to_agent {
            Some(target) => {
                let made = offer(tx, &r, &transfer, &target, now).await?;
                if made.is_none() {
                    return Ok(TransferAnswer::Busy);
                }
                made
            }
            None => None,
        };
        writing.commit().await?;
        Ok(TransferAnswer::Done(Box::new(TransferMade {
            transfer,
            offer,
        })))
    }

    pub(super) async fn targets(
        &self,
        scope: Scope,
        conversation: ConversationId,
    ) -> Result<Option<TransferTargets>> {
        let mut conn = self.pool.acquire().await?;
        let found = sqlx::query(&format!(
            "SELECT v.agent_id, v.inbox_id, i.name FROM conversations v \
             JOIN inboxes i ON i.id = v.inbox_id WHERE v.id = $3 AND {}",
            super::reads::conversation_visible()
        ))
        .bind(i64::from(scope.admin))
        .bind(scope.agent.0)
        .bind(conversation.0)
        .fetch_all(&mut *conn)
        .await?;
        let Some(row) = found.first() else {
            return Ok(None);
        };
        let holder: Option<i64> = row.try_get("agent_id")?;
        let inbox = TransferInbox {
            inbox_id: InboxId(row.try_get("inbox_id")?),
            name: row.try_get("name")?,
        };
        let agents = sqlx::query(&format!(
            "SELECT ag.id, ag.name, ag.available, ag.held, ag.next_requested, ag.standard_capacity, \
             ag.max_capacity, {CARRYING} AS carrying FROM agents ag \
             JOIN agent_inboxes ai ON ai.agent_id = ag.id \
             WHERE ai.inbox_id = $1 AND ag.deactivated_at IS NULL AND ag.id <> $2 ORDER BY ag.name, ag.id"
        ))
        .bind(inbox.inbox_id.0)
        .bind(holder.unwrap_or(0))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(candidate_row)
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .map(|c| TargetAgent {
            unable: c.unable(),
            agent_id: c.agent.agent_id,
            name: c.agent.name,
            available: c.available,
            carrying: c.carrying,
        })
        .collect();
        let inboxes = sqlx::query(&format!(
            "SELECT i.id, i.name FROM inboxes i WHERE {INBOX_ALLOWED} ORDER BY i.name, i.id"
        ))
        .bind(i64::from(scope.admin))
        .bind(scope.agent.0)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(TransferInbox {
                inbox_id: InboxId(r.try_get("id")?),
                name: r.try_get("name")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(TransferTargets {
            conversation_id: conversation,
            inbox,
            agents,
            inboxes,
        }))
    }

    pub(super) async fn transfers_of(
        &self,
        scope: Scope,
        customer: CustomerId,
    ) -> Result<Vec<Transfer>> {
        use crate::ReadStore as _;
        if self.customer(scope, customer).await?.is_none() {
            return Ok(Vec::new());
        }
        sqlx::query(
            "SELECT tr.id, tr.conversation_id, tr.customer_id, tr.by_agent_id, b.name AS by_name, \
             tr.from_agent_id, tr.to_agent_id, ta.name AS to_name, tr.to_inbox_id, i.name AS inbox_name, \
             tr.note, tr.after_item_id, tr.created_at FROM transfers tr \
             JOIN agents b ON b.id = tr.by_agent_id \
             JOIN inboxes i ON i.id = tr.to_inbox_id \
             LEFT JOIN agents ta ON ta.id = tr.to_agent_id \
             WHERE tr.customer_id = $1 OR tr.customer_id IN \
             (SELECT m.id FROM customers m WHERE m.merged_into = $1) \
             ORDER BY tr.created_at, tr.id LIMIT 500",
        )
        .bind(customer.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(transfer_row)
        .collect()
    }
}

/// The conversation if the caller sees it (`None`), and then if it is open (`Some(None)`
/// when it has ended).
async fn read_held(
    tx: &mut Tx,
    scope: Scope,
    conversation: ConversationId,
) -> Result<Option<Option<Held>>> {
    let found = sqlx::query(&format!(
        "SELECT v.state, v.agent_id, v.inbox_id, v.customer_id, i.name FROM conversations v \
         JOIN inboxes i ON i.id = v.inbox_id WHERE v.id = $3 AND {}",
        super::reads::conversation_visible()
    ))
    .bind(i64::from(scope.admin))
    .bind(scope.agent.0)
    .bind(conversation.0)
    .fetch_all(&mut **tx)
    .await?;
    let Some(row) = found.first() else {
        return Ok(None);
    };
    if row.try_get::<String, _>("state")? != "open" {
        return Ok(Some(None));
    }
    Ok(Some(Some(Held {
        holder: row.try_get("agent_id")?,
        inbox: TransferInbox {
            inbox_id: InboxId(row.try_get("inbox_id")?),
            name: row.try_get("name")?,
        },
        customer: row.try_get("customer_id")?,
    })))
}

async fn allowed_inbox(tx: &mut Tx, scope: Scope, inbox: InboxId) -> Result<Option<TransferInbox>> {
    let found = sqlx::query(&format!(
        "SELECT i.id, i.name FROM inboxes i WHERE i.id = $3 AND {INBOX_ALLOWED}"
    ))
    .bind(i64::from(scope.admin))
    .bind(scope.agent.0)
    .bind(inbox.0)
    .fetch_all(&mut **tx)
    .await?;
    found
        .first()
        .map(|r| {
            Ok(TransferInbox {
                inbox_id: InboxId(r.try_get("id")?),
                name: r.try_get("name")?,
            })
        })
        .transpose()
}

/// An active agent of `inbox`, with their routing state.
async fn candidate(tx: &mut Tx, agent: AgentId, inbox: InboxId) -> Result<Option<Candidate>> {
    let found = sqlx::query(&format!(
        "SELECT ag.id, ag.name, ag.available, ag.held, ag.next_requested, ag.standard_capacity, \
         ag.max_capacity, {CARRYING} AS carrying FROM agents ag \
         JOIN agent_inboxes ai ON ai.agent_id = ag.id AND ai.inbox_id = $2 \
         WHERE ag.id = $1 AND ag.deactivated_at IS NULL"
    ))
    .bind(agent.0)
    .bind(inbox.0)
    .fetch_all(&mut **tx)
    .await?;
    found.first().map(candidate_row).transpose()
}

fn candidate_row(r: &super::Row) -> Result<Candidate> {
    Ok(Candidate {
        agent: TransferAgent {
            agent_id: AgentId(r.try_get("id")?),
            name: r.try_get("name")?,
        },
        available: r.try_get::<i64, _>("available")? == 1,
        held: r.try_get::<i64, _>("held")? == 1,
        next_requested: r.try_get::<i64, _>("next_requested")? == 1,
        standard: r.try_get("standard_capacity")?,
        max: r.try_get("max_capacity")?,
        carrying: r.try_get("carrying")?,
    })
}

async fn agent_name(tx: &mut Tx, agent: AgentId) -> Result<TransferAgent> {
    let name: String = sqlx::query("SELECT name FROM agents WHERE id = $1")
        .bind(agent.0)
        .fetch_all(&mut **tx)
        .await?
        .first()
        .ok_or(sqlx::Error::RowNotFound)?
        .try_get("name")?;
    Ok(TransferAgent {
        agent_id: agent,
        name,
    })
}

/// The target's offer, as routing would make it (customer, preview) plus who handed
/// it over and why; `None` when the conversation got an offer meanwhile.
async fn offer(
    tx: &mut Tx,
    r: &TransferRequest,
    transfer: &Transfer,
    target: &Candidate,
    now: Millis,
) -> Result<Option<Offer>> {
    let rows = sqlx::query(
        "SELECT v.customer_id, v.inbox_id, cu.name, cu.username, cu.igsid, \
         t.kind, t.text, t.attachments, t.context, t.deleted \
         FROM conversations v JOIN customers cu ON cu.id = v.customer_id \
         LEFT JOIN timeline_items t ON t.id = (SELECT l.id FROM timeline_items l \
           WHERE l.conversation_id = v.id ORDER BY l.created_at DESC, l.id DESC LIMIT 1) \
         WHERE v.id = $1",
    )
    .bind(r.conversation.0)
    .fetch_all(&mut **tx)
    .await?;
    let row = rows.first().ok_or(sqlx::Error::RowNotFound)?;
    let customer = customer_name(row)?;
    let mut offer = Offer {
        id: OfferId(0),
        agent_id: target.agent.agent_id,
        conversation_id: r.conversation,
        customer_id: CustomerId(row.try_get("customer_id")?),
        inbox_id: InboxId(row.try_get("inbox_id")?),
        preview: preview(row, &customer)?,
        customer_name: customer,
        reason: None,
        offered_at: now,
        expires_at: now + r.offer_for,
        transferred_by: Some(transfer.by.clone()),
        note: transfer.note.clone(),
    };
    let made = sqlx::query(
        "INSERT INTO offers (conversation_id, agent_id, offered_at, expires_at, payload) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(offer.conversation_id.0)
    .bind(offer.agent_id.0)
    .bind(offer.offered_at)
    .bind(offer.expires_at)
    .bind(serde_json::to_string(&offer)?)
    .fetch_all(&mut **tx)
    .await?;
    let Some(id) = made.first() else {
        return Ok(None);
    };
    offer.id = OfferId(id.try_get("id")?);
    let agent = offer.agent_id.0;
    let payload = serde_json::to_value(&offer)?;
    events::to_agent(tx, agent, "offer", Some(r.conversation.0), &payload, now).await?;
    // As routing does: the offer is the latest one made to them, and one beyond
    // their standard capacity uses up their Next.
    sqlx::query(
        "UPDATE agents SET last_offered_at = $1, \
         next_requested = CASE WHEN $2 = 1 THEN 0 ELSE next_requested END WHERE id = $3",
    )
    .bind(now)
    .bind(i64::from(target.carrying >= target.standard))
    .bind(agent)
    .execute(&mut **tx)
    .await?;
    Ok(Some(offer))
}

/// Who handed waiting work over, from a row's `handed_by` and `handed_by_name`.
pub(super) fn handed_by(r: &super::Row) -> Result<Option<TransferAgent>> {
    let id: Option<i64> = r.try_get("handed_by")?;
    let name: Option<String> = r.try_get("handed_by_name")?;
    Ok(id.zip(name).map(|(id, name)| TransferAgent {
        agent_id: AgentId(id),
        name,
    }))
}

fn transfer_row(r: &super::Row) -> Result<Transfer> {
    let to_agent: Option<i64> = r.try_get("to_agent_id")?;
    let to_name: Option<String> = r.try_get("to_name")?;
    Ok(Transfer {
        id: TransferId(r.try_get("id")?),
        conversation_id: ConversationId(r.try_get("conversation_id")?),
        customer_id: CustomerId(r.try_get("customer_id")?),
        by: TransferAgent {
            agent_id: AgentId(r.try_get("by_agent_id")?),
            name: r.try_get("by_name")?,
        },
        from_agent_id: r.try_get::<Option<i64>, _>("from_agent_id")?.map(AgentId),
        to_agent: to_agent.zip(to_name).map(|(id, name)| TransferAgent {
            agent_id: AgentId(id),
            name,
        }),
        to_inbox: TransferInbox {
            inbox_id: InboxId(r.try_get("to_inbox_id")?),
            name: r.try_get("inbox_name")?,
        },
        note: r.try_get("note")?,
        after_item_id: r.try_get::<Option<i64>, _>("after_item_id")?.map(ItemId),
        created_at: r.try_get("created_at")?,
    })
}
