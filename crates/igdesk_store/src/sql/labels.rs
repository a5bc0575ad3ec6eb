//! Labels and views in both backends (migration 0016). `customer_labels` is keyed by
//! (account, customer, label) and indexed by (label, account, customer): a customer's
//! labels and a label's customers are each one index range.

use super::reads::{customer_visible, scope_args};
use super::rows;
use super::{events, Backend, Binds, SqlStore};
use crate::labels::{
    label_key, AssignAnswer, LabelCount, LabelId, LabelStore, LabelsAnswer, WorkFilter, WorkState,
};
use crate::model::{Conversation, Scope};
use crate::Result;
use async_trait::async_trait;
use igdesk_domain::{AgentId, ConversationId, CustomerId, Millis};
use serde_json::json;
use sqlx::{Any, Row as _, Transaction};

type Tx = Transaction<'static, Any>;

/// The SQL of a view's state (no binds: the states are igdesk's words, not input).
fn state_condition(state: Option<WorkState>) -> &'static str {
    match state {
        None => "1 = 1",
        Some(WorkState::Open) => "v.state = 'open'",
        // The business wrote last: nothing of the customer's since our last message.
        Some(WorkState::Waiting) => {
            "v.state = 'open' AND (v.last_incoming_at IS NULL OR v.last_incoming_at < v.last_item_at)"
        }
        Some(WorkState::Closed) => "v.state = 'closed'",
    }
}

#[async_trait]
impl LabelStore for SqlStore {
    async fn labels(&self, scope: Scope) -> Result<Vec<LabelCount>> {
        let (admin, agent) = scope_args(scope);
        // Counted over the customers the caller sees (merged profiles are shown as the
        // one they were merged into, so they do not count twice).
        let rows = sqlx::query(&format!(
            "SELECT l.id, l.name, (SELECT COUNT(*) FROM customer_labels cl \
               JOIN customers c ON c.id = cl.customer_id \
               WHERE cl.label_id = l.id AND c.merged_into IS NULL AND {}) AS customers \
             FROM labels l",
            customer_visible()
        ))
        .bind(admin)
        .bind(agent)
        .fetch_all(&self.pool)
        .await?;
        let mut labels = rows
            .iter()
            .map(|r| {
                Ok(LabelCount {
                    id: LabelId(r.try_get("id")?),
                    name: r.try_get("name")?,
                    customers: r.try_get("customers")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        labels.retain(|l| scope.admin || l.customers > 0);
        labels.sort_by_key(|l| label_key(&l.name));
        Ok(labels)
    }

    async fn customer_labels(
        &self,
        scope: Scope,
        customer: CustomerId,
    ) -> Result<Option<Vec<String>>> {
        if self.customer_in(scope, customer).await?.is_none() {
            return Ok(None);
        }
        Ok(Some(
            self.labels_of(&[customer])
                .await?
                .into_iter()
                .map(|(_, name)| name)
                .collect(),
        ))
    }

    async fn labels_of(&self, customers: &[CustomerId]) -> Result<Vec<(CustomerId, String)>> {
        let mut found: Vec<(CustomerId, String)> = Vec::new();
        for chunk in customers.chunks(500) {
            // From the customer's row to its key range: (account, customer, …).
            let sql = format!(
                "SELECT cl.customer_id, l.name FROM customers c \
                 JOIN customer_labels cl ON cl.account_id = c.account_id AND cl.customer_id = c.id \
                 JOIN labels l ON l.id = cl.label_id WHERE c.id IN ({})",
                Binds::new(self.backend).list(chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.0);
            }
            for r in query.fetch_all(&self.pool).await? {
                found.push((CustomerId(r.try_get("customer_id")?), r.try_get("name")?));
            }
        }
        found.sort_by_key(|(customer, name)| (*customer, label_key(name)));
        Ok(found)
    }

    async fn set_customer_labels(
        &self,
        scope: Scope,
        customer: CustomerId,
        names: &[String],
        by: AgentId,
        now: Millis,
    ) -> Result<LabelsAnswer> {
        let Some(account) = self.customer_in(scope, customer).await? else {
            return Ok(LabelsAnswer::Unknown);
        };
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        self.lock_customer(tx, customer).await?;
        let mut ids = Vec::with_capacity(names.len());
        for name in names {
            ids.push(ensure_label(tx, name, now).await?);
        }
        let sql = if ids.is_empty() {
            "DELETE FROM customer_labels WHERE account_id = $1 AND customer_id = $2".to_owned()
        } else {
            let keep = (0..ids.len())
                .map(|i| format!("${}", i + 3))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "DELETE FROM customer_labels WHERE account_id = $1 AND customer_id = $2 \
                 AND label_id NOT IN ({keep})"
            )
        };
        let mut delete = sqlx::query(&sql).bind(account).bind(customer.0);
        for id in &ids {
            delete = delete.bind(*id);
        }
        delete.execute(&mut **tx).await?;
        for id in &ids {
            attach(tx, account, customer, *id, by, now).await?;
        }
        tell_open_conversation(tx, account, customer, now).await?;
        writing.commit().await?;
        self.answer(customer).await
    }

    async fn add_customer_label(
        &self,
        scope: Scope,
        customer: CustomerId,
        name: &str,
        most: usize,
        by: AgentId,
        now: Millis,
    ) -> Result<LabelsAnswer> {
        let Some(account) = self.customer_in(scope, customer).await? else {
            return Ok(LabelsAnswer::Unknown);
        };
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        // Two agents adding at once count each other's label (PostgreSQL: the
        // customer's row lock; SQLite has one writer).
        self.lock_customer(tx, customer).await?;
        let has = sqlx::query(
            "SELECT l.name_key FROM customer_labels cl JOIN labels l ON l.id = cl.label_id \
             WHERE cl.account_id = $1 AND cl.customer_id = $2",
        )
        .bind(account)
        .bind(customer.0)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("name_key"))
        .collect::<std::result::Result<Vec<_>, _>>()?;
        if !has.contains(&label_key(name)) {
            if has.len() >= most {
                return Ok(LabelsAnswer::TooMany);
            }
            let id = ensure_label(tx, name, now).await?;
            attach(tx, account, customer, id, by, now).await?;
            tell_open_conversation(tx, account, customer, now).await?;
        }
        writing.commit().await?;
        self.answer(customer).await
    }

    async fn remove_customer_label(
        &self,
        scope: Scope,
        customer: CustomerId,
        name: &str,
        now: Millis,
    ) -> Result<LabelsAnswer> {
        let Some(account) = self.customer_in(scope, customer).await? else {
            return Ok(LabelsAnswer::Unknown);
        };
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let removed = sqlx::query(
            "DELETE FROM customer_labels WHERE account_id = $1 AND customer_id = $2 \
             AND label_id = (SELECT id FROM labels WHERE name_key = $3)",
        )
        .bind(account)
        .bind(customer.0)
        .bind(label_key(name))
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if removed > 0 {
            tell_open_conversation(tx, account, customer, now).await?;
        }
        writing.commit().await?;
        self.answer(customer).await
    }

    async fn work(&self, scope: Scope, filter: &WorkFilter) -> Result<Vec<Conversation>> {
        // Only the conditions asked for are written, so each view reads through the
        // index that fits it ("My work": the agent's, by `conversations_by_agent`)
        // rather than one plan for every combination.
        let mut conditions = vec![state_condition(filter.state).to_owned()];
        let mut ids: Vec<i64> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        if !scope.admin {
            let reach = self.reach(scope.agent).await?;
            if reach.is_empty() {
                return Ok(Vec::new());
            }
            conditions.push(reach.visible_conversation(&mut ids));
        }
        if let Some(agent) = filter.assigned_to {
            ids.push(agent.0);
            conditions.push(format!("v.agent_id = ${}", ids.len()));
        }
        if let Some(inbox) = filter.inbox {
            ids.push(inbox.0);
            conditions.push(format!("v.inbox_id = ${}", ids.len()));
        }
        // Numbers before words (see the binding below).
        if let Some((last_item_at, id)) = filter.after {
            ids.push(last_item_at);
            ids.push(id.0);
            conditions.push(format!(
                "(v.last_item_at < ${at} OR (v.last_item_at = ${at} AND v.id < ${id}))",
                at = ids.len() - 1,
                id = ids.len()
            ));
        }
        if let Some(label) = &filter.label {
            texts.push(label_key(label));
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM labels l JOIN customer_labels cl ON cl.label_id = l.id \
                 AND cl.account_id = v.account_id AND cl.customer_id = v.customer_id \
                 WHERE l.name_key = ${})",
                ids.len() + texts.len()
            ));
        }
        if let Some(kind) = filter.kind {
            texts.push(kind.item_kind().to_owned());
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM timeline_items t WHERE t.conversation_id = v.id \
                 AND t.kind = ${})",
                ids.len() + texts.len()
            ));
        }
        let limit = filter.limit.unwrap_or(500).clamp(1, 500);
        self.conversation_page(&conditions.join(" AND "), limit, ids, texts)
            .await
    }

    async fn assign_conversation(
        &self,
        conversation: ConversationId,
        agent: AgentId,
        now: Millis,
    ) -> Result<AssignAnswer> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let found = sqlx::query(&format!(
            "SELECT customer_id, inbox_id, state, agent_id FROM conversations WHERE id = $1{lock}"
        ))
        .bind(conversation.0)
        .fetch_all(&mut **tx)
        .await?;
        let Some(row) = found.first() else {
            return Ok(AssignAnswer::Unknown);
        };
        let customer = CustomerId(row.try_get("customer_id")?);
        let inbox: i64 = row.try_get("inbox_id")?;
        let previous = row.try_get::<Option<i64>, _>("agent_id")?.map(AgentId);
        if row.try_get::<String, _>("state")? != "open" {
            return Ok(AssignAnswer::Closed);
        }
        if previous == Some(agent) {
            return Ok(AssignAnswer::AlreadyTheirs);
        }
        let member = sqlx::query(
            "SELECT 1 AS one FROM agents g JOIN agent_inboxes ai ON ai.agent_id = g.id \
             WHERE g.id = $1 AND ai.inbox_id = $2 AND g.deactivated_at IS NULL",
        )
        .bind(agent.0)
        .bind(inbox)
        .fetch_all(&mut **tx)
        .await?;
        if member.is_empty() {
            return Ok(AssignAnswer::NotInInbox);
        }
        // Whoever was offered it loses the offer: it is someone's now.
        let offers =
            sqlx::query("DELETE FROM offers WHERE conversation_id = $1 RETURNING id, agent_id")
                .bind(conversation.0)
                .fetch_all(&mut **tx)
                .await?;
        for offer in &offers {
            let payload =
                json!({ "offer_id": offer.try_get::<i64, _>("id")?, "reason": "assigned" });
            let to: i64 = offer.try_get("agent_id")?;
            events::to_agent(
                tx,
                to,
                "offer_withdrawn",
                Some(conversation.0),
                &payload,
                now,
            )
            .await?;
        }
        sqlx::query("UPDATE conversations SET agent_id = $1, assigned_at = $2, transfer_id = NULL WHERE id = $3")
            .bind(agent.0)
            .bind(now)
            .bind(conversation.0)
            .execute(&mut **tx)
            .await?;
        let payload = json!({ "customer_id": customer, "by": "administrator" });
        events::to_agent(tx, agent.0, "assigned", Some(conversation.0), &payload, now).await?;
        if let Some(previous) = previous {
            let payload = json!({ "customer_id": customer, "to_agent_id": agent });
            events::to_agent(
                tx,
                previous.0,
                "unassigned",
                Some(conversation.0),
                &payload,
                now,
            )
            .await?;
        }
        writing.commit().await?;
        Ok(AssignAnswer::Done { customer, previous })
    }
}

impl SqlStore {
    /// The account of a customer `scope` sees.
    async fn customer_in(&self, scope: Scope, customer: CustomerId) -> Result<Option<i64>> {
        let (admin, agent) = scope_args(scope);
        let found = sqlx::query(&format!(
            "SELECT c.account_id FROM customers c WHERE c.id = $3 AND {}",
            customer_visible()
        ))
        .bind(admin)
        .bind(agent)
        .bind(customer.0)
        .fetch_all(&self.pool)
        .await?;
        found
            .first()
            .map(|r| r.try_get("account_id"))
            .transpose()
            .map_err(Into::into)
    }

    async fn lock_customer(&self, tx: &mut Tx, customer: CustomerId) -> Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM customers WHERE id = $1 FOR UPDATE")
                .bind(customer.0)
                .fetch_all(&mut **tx)
                .await?;
        }
        Ok(())
    }

    async fn answer(&self, customer: CustomerId) -> Result<LabelsAnswer> {
        Ok(LabelsAnswer::Done(
            self.labels_of(&[customer])
                .await?
                .into_iter()
                .map(|(_, name)| name)
                .collect(),
        ))
    }
}

/// The label of this name (any case), made if new.
async fn ensure_label(tx: &mut Tx, name: &str, now: Millis) -> Result<i64> {
    let key = label_key(name);
    sqlx::query(
        "INSERT INTO labels (name, name_key, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name_key) DO NOTHING",
    )
    .bind(name.to_owned())
    .bind(key.clone())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let found = sqlx::query("SELECT id FROM labels WHERE name_key = $1")
        .bind(key)
        .fetch_all(&mut **tx)
        .await?;
    found
        .first()
        .ok_or_else(|| rows::corrupt("a label vanished as it was made"))?
        .try_get("id")
        .map_err(Into::into)
}

async fn attach(
    tx: &mut Tx,
    account: i64,
    customer: CustomerId,
    label: i64,
    by: AgentId,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO customer_labels (account_id, customer_id, label_id, added_by, added_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(account)
    .bind(customer.0)
    .bind(label)
    .bind(by.0)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Tells the agent of the customer's open conversation that its labels changed, so a
/// profile open in their console redraws them.
async fn tell_open_conversation(
    tx: &mut Tx,
    account: i64,
    customer: CustomerId,
    now: Millis,
) -> Result<()> {
    // By account and customer, the unique index of open conversations: no index
    // leads with the customer alone.
    let open = sqlx::query(&format!(
        "SELECT id, agent_id FROM conversations{} WHERE account_id = $1 AND customer_id = $2 \
         AND state = 'open' AND agent_id IS NOT NULL",
        Backend::of(tx).indexed_by("one_open_conversation")
    ))
    .bind(account)
    .bind(customer.0)
    .fetch_all(&mut **tx)
    .await?;
    let payload = json!({ "customer_id": customer });
    for row in &open {
        let agent: i64 = row.try_get("agent_id")?;
        let conversation: i64 = row.try_get("id")?;
        events::to_agent(tx, agent, "labels", Some(conversation), &payload, now).await?;
    }
    Ok(())
}
