//! Reads for the API, always scoped to what the asking agent may see (ACC-5).

use super::rows::{self, opt_bool_int, CUSTOMER_COLUMNS};
use super::{Binds, SqlStore, ACCOUNT_INBOX};
use crate::model::*;
use crate::{ReadStore, Result};
use async_trait::async_trait;
use igdesk_domain::{AgentId, ConversationId, CustomerId, ItemId, Millis};

/// A conversation's columns, with its customer's name, as `rows::conversation` reads
/// them (topics are added after), from `CONVERSATION_FROM`.
pub(super) const CONVERSATION_COLUMNS: &str =
    "v.id, v.account_id, v.customer_id, v.inbox_id, v.state, v.opened_at, v.closed_at, \
     v.last_incoming_at, v.last_item_at, v.agent_id, v.routed_reason, v.ended_by, \
     c.igsid, c.name AS customer_name";
pub(super) const CONVERSATION_FROM: &str =
    "FROM conversations v JOIN customers c ON c.id = v.customer_id";

/// Timeline items with the customer's reaction, for igdesk's own messages why one
/// failed, and for internal notes who wrote them.
pub(super) const ITEM_SELECT: &str =
    "SELECT t.id, t.account_id, t.customer_id, t.conversation_id, \
    t.kind, t.direction, t.source, t.mid, t.text, t.attachments, t.reply_to, t.context, t.status, \
    t.deleted, t.story_gone, t.raw, t.created_at, t.author_id, \
    (SELECT g.name FROM agents g WHERE g.id = t.author_id) AS author_name, \
    (SELECT r.reaction FROM reactions r WHERE r.account_id = t.account_id AND r.mid = t.mid \
     ORDER BY r.updated_at DESC LIMIT 1) AS reaction, \
    (SELECT o.error FROM outgoing o WHERE o.item_id = t.id AND o.state = 'failed') AS failure \
    FROM timeline_items t";

/// Binds `$1` (admin flag) and `$2` (agent id): a customer is visible when its
/// account's inbox is one of the agent's, or when the customer's open conversation is
/// in one of the agent's inboxes (transferred there, or opened before the account's
/// inbox changed): whoever is offered the work can open it. The one rule of what an
/// agent may read (docs/ARCHITECTURE.md): a conversation is visible when its customer
/// is (`conversation_visible`).
pub(super) fn customer_visible() -> String {
    customer_visible_as("c")
}

/// `customer_visible` for the customer row named `c`.
fn customer_visible_as(c: &str) -> String {
    format!("($1 = 1 OR {})", visible_to_agent(c, "$2"))
}

/// The agent's part of `customer_visible`, for the customer row `c` and the agent's
/// placeholder `agent`.
fn visible_to_agent(c: &str, agent: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM accounts a JOIN agent_inboxes ai ON ai.inbox_id = {ACCOUNT_INBOX} \
         WHERE a.id = {c}.account_id AND ai.agent_id = {agent}) \
         OR EXISTS (SELECT 1 FROM conversations ov JOIN agent_inboxes oi ON oi.inbox_id = ov.inbox_id \
         WHERE ov.account_id = {c}.account_id AND ov.customer_id = {c}.id AND ov.state = 'open' \
         AND oi.agent_id = {agent})"
    )
}

/// Binds `$1` (admin flag) and `$2` (agent id): the conversation `v` is visible when
/// its customer is, so that a conversation and its customer's profile and timeline
/// are never visible apart (an account moved to another inbox takes its customers'
/// conversations with it; an open one stays with the agents of its inbox too).
pub(super) fn conversation_visible() -> String {
    format!(
        "($1 = 1 OR EXISTS (SELECT 1 FROM customers vc WHERE vc.id = v.customer_id AND {}))",
        customer_visible_as("vc")
    )
}

/// What an agent reaches, read once before a list: the accounts routed to their
/// inboxes, and their inboxes. A list of many conversations then tests each row
/// against these values instead of running `conversation_visible`'s look-ups per row
/// (`visible_conversation`, the same rule).
pub(super) struct Reach {
    pub accounts: Vec<i64>,
    pub inboxes: Vec<i64>,
}

impl Reach {
    /// Nothing to see: no inbox at all.
    pub fn is_empty(&self) -> bool {
        self.inboxes.is_empty()
    }

    /// `conversation_visible` for the conversation `v`, its values pushed onto
    /// `values` and numbered from there (`$n`). The conversation is visible when its
    /// account is the agent's, or its customer's open conversation is in one of their
    /// inboxes; for an open conversation that is the conversation itself (one open
    /// conversation per customer), so only a closed one needs the look-up.
    pub fn visible_conversation(&self, values: &mut Vec<i64>) -> String {
        let mut list = |ids: &[i64]| {
            let start = values.len();
            values.extend_from_slice(ids);
            (start + 1..=values.len())
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let inboxes = list(&self.inboxes);
        let mut any = vec![
            format!("(v.state = 'open' AND v.inbox_id IN ({inboxes}))"),
            format!(
                "(v.state <> 'open' AND EXISTS (SELECT 1 FROM conversations ov \
                 WHERE ov.account_id = v.account_id AND ov.customer_id = v.customer_id \
                 AND ov.state = 'open' AND ov.inbox_id IN ({inboxes})))"
            ),
        ];
        if !self.accounts.is_empty() {
            any.insert(0, format!("v.account_id IN ({})", list(&self.accounts)));
        }
        format!("({})", any.join(" OR "))
    }
}

impl SqlStore {
    pub(super) async fn reach(&self, agent: AgentId) -> Result<Reach> {
        let ids = |rows: Vec<super::Row>| -> Result<Vec<i64>> {
            rows.iter()
                .map(|r| Ok(sqlx::Row::try_get::<i64, _>(r, "id")?))
                .collect()
        };
        let accounts = ids(sqlx::query(&format!(
            "SELECT a.id FROM accounts a JOIN agent_inboxes ai ON ai.inbox_id = {ACCOUNT_INBOX} \
             WHERE ai.agent_id = $1 ORDER BY a.id"
        ))
        .bind(agent.0)
        .fetch_all(&self.pool)
        .await?)?;
        let inboxes = ids(sqlx::query(
            "SELECT inbox_id AS id FROM agent_inboxes WHERE agent_id = $1 ORDER BY inbox_id",
        )
        .bind(agent.0)
        .fetch_all(&self.pool)
        .await?)?;
        Ok(Reach { accounts, inboxes })
    }
}

pub(super) fn scope_args(scope: Scope) -> (i64, i64) {
    (i64::from(scope.admin), scope.agent.0)
}

#[async_trait]
impl ReadStore for SqlStore {
    async fn update_profiles(&self, fetched: &[FetchedProfile], now: Millis) -> Result<()> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        // Every writer takes customers' rows in id order: none waits in a cycle.
        let customers = fetched.iter().map(|f| f.customer).collect();
        super::outbox::lock_queues(tx, &customers).await?;
        // One statement per chunk for the facts and one for the jobs: a burst of new
        // customers costs the writer a few statements, not two per customer.
        for chunk in fetched.chunks(500) {
            let mut binds = Binds::new(self.backend);
            let sql = format!(
                "WITH v (id, name, username, profile_pic, follower_count, is_verified, \
                 follows_business, business_follows) AS (VALUES {}) \
                 UPDATE customers SET name = COALESCE(v.name, customers.name), \
                 username = COALESCE(v.username, customers.username), profile_pic = v.profile_pic, \
                 follower_count = COALESCE(v.follower_count, customers.follower_count), \
                 is_verified = COALESCE(v.is_verified, customers.is_verified), \
                 follows_business = COALESCE(v.follows_business, customers.follows_business), \
                 business_follows = COALESCE(v.business_follows, customers.business_follows), \
                 profile_fetched_at = {} FROM v WHERE customers.id = v.id",
                binds.rows(chunk.len(), 8),
                binds.one()
            );
            let mut update = sqlx::query(&sql);
            for FetchedProfile {
                customer, facts: f, ..
            } in chunk
            {
                update = update
                    .bind(customer.0)
                    .bind(f.name.clone())
                    .bind(f.username.clone())
                    .bind(f.profile_pic.clone())
                    .bind(f.follower_count)
                    .bind(opt_bool_int(f.is_verified))
                    .bind(opt_bool_int(f.follows_business))
                    .bind(opt_bool_int(f.business_follows));
            }
            update.bind(now).execute(&mut **tx).await?;
            let sql = format!(
                "DELETE FROM jobs WHERE id IN ({})",
                Binds::new(self.backend).list(chunk.len())
            );
            let mut completed = sqlx::query(&sql);
            for profile in chunk {
                completed = completed.bind(profile.job.0);
            }
            completed.execute(&mut **tx).await?;
        }
        writing.commit().await
    }

    async fn customer_for_job(&self, id: CustomerId) -> Result<Option<Customer>> {
        sqlx::query(&format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE c.id = $1"
        ))
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map(|found| rows::first(found, rows::customer))?
    }

    async fn customers_for_jobs(&self, ids: &[CustomerId]) -> Result<Vec<Customer>> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE c.id IN ({})",
                Binds::new(self.backend).list(chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.0);
            }
            for row in query.fetch_all(&self.pool).await? {
                found.push(rows::customer(&row)?);
            }
        }
        Ok(found)
    }

    async fn customer(&self, scope: Scope, id: CustomerId) -> Result<Option<Customer>> {
        let (admin, agent) = scope_args(scope);
        sqlx::query(&format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE c.id = $3 AND {}",
            customer_visible()
        ))
        .bind(admin)
        .bind(agent)
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map(|found| rows::first(found, rows::customer))?
    }

    async fn update_contact(
        &self,
        scope: Scope,
        id: CustomerId,
        contact: ContactDetails,
    ) -> Result<Option<Customer>> {
        if self.customer(scope, id).await?.is_none() {
            return Ok(None);
        }
        {
            let _turn = self.writer_turn().await;
            // An empty string clears a field; a missing one leaves it.
            sqlx::query(
                "UPDATE customers SET phone = CASE WHEN $1 IS NULL THEN phone ELSE NULLIF($1, '') END, \
                 email = CASE WHEN $2 IS NULL THEN email ELSE NULLIF($2, '') END, \
                 notes = CASE WHEN $3 IS NULL THEN notes ELSE NULLIF($3, '') END WHERE id = $4",
            )
            .bind(contact.phone)
            .bind(contact.email)
            .bind(contact.notes)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        }
        self.customer(scope, id).await
    }

    async fn customers_by_igsid(&self, scope: Scope, igsid: &str) -> Result<Vec<Customer>> {
        let (admin, agent) = scope_args(scope);
        sqlx::query(&format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE c.igsid = $3 AND {} ORDER BY c.id",
            customer_visible()
        ))
        .bind(admin)
        .bind(agent)
        .bind(igsid.to_owned())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(rows::customer)
        .collect()
    }

    async fn timeline(
        &self,
        scope: Scope,
        customer: CustomerId,
    ) -> Result<Option<Vec<TimelineItem>>> {
        if self.customer(scope, customer).await?.is_none() {
            return Ok(None);
        }
        // With the items of the profiles merged into this one (RT-7) that the caller
        // may see, in one time order.
        let (admin, agent) = scope_args(scope);
        let items = sqlx::query(&format!(
            "{ITEM_SELECT} WHERE t.customer_id IN (SELECT $3 UNION ALL \
             SELECT c.id FROM customers c WHERE c.merged_into = $3 AND {}) \
             ORDER BY t.created_at, t.id",
            customer_visible()
        ))
        .bind(admin)
        .bind(agent)
        .bind(customer.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(rows::item)
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(items))
    }

    async fn timeline_page(
        &self,
        scope: Scope,
        customer: CustomerId,
        before: Option<ItemId>,
        limit: i64,
    ) -> Result<Option<Vec<TimelineItem>>> {
        if self.customer(scope, customer).await?.is_none() {
            return Ok(None);
        }
        let (admin, agent) = scope_args(scope);
        // Newest first from the (customer, created_at, id) index, turned around below.
        // The customer and the profiles merged into it as one list: PostgreSQL reads
        // `customer_id = $3 OR customer_id IN (…)` by scanning every item (17 s on
        // 10 M), an `IN` list by the index (1.4 ms).
        let mut items = sqlx::query(&format!(
            "{ITEM_SELECT} WHERE t.customer_id IN (SELECT $3 UNION ALL \
             SELECT c.id FROM customers c WHERE c.merged_into = $3 AND {}) \
             AND ($4 IS NULL OR (t.created_at, t.id) < \
             (SELECT b.created_at, b.id FROM timeline_items b WHERE b.id = $4)) \
             ORDER BY t.created_at DESC, t.id DESC LIMIT $5",
            customer_visible()
        ))
        .bind(admin)
        .bind(agent)
        .bind(customer.0)
        .bind(before.map(|b| b.0))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(rows::item)
        .collect::<Result<Vec<_>>>()?;
        items.reverse();
        Ok(Some(items))
    }

    async fn customer_conversations(
        &self,
        scope: Scope,
        customer: CustomerId,
    ) -> Result<Vec<Conversation>> {
        if self.customer(scope, customer).await?.is_none() {
            return Ok(Vec::new());
        }
        self.conversations_where(
            "v.customer_id = $1 OR v.customer_id IN \
             (SELECT m.id FROM customers m WHERE m.merged_into = $1) \
             ORDER BY v.opened_at DESC, v.id DESC LIMIT 200",
            customer.0,
        )
        .await
    }

    async fn agent_conversations(&self, agent: AgentId) -> Result<Vec<Conversation>> {
        self.conversations_where(
            "v.agent_id = $1 AND v.state = 'open' ORDER BY v.last_item_at DESC, v.id DESC LIMIT 200",
            agent.0,
        )
        .await
    }

    async fn conversation(&self, scope: Scope, id: ConversationId) -> Result<Option<Conversation>> {
        let (admin, agent) = scope_args(scope);
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} {CONVERSATION_FROM} WHERE v.id = $3 AND {}",
            conversation_visible()
        );
        let query = sqlx::query(&sql).bind(admin).bind(agent).bind(id.0);
        Ok(self.conversations_of(query).await?.pop())
    }

    async fn conversations(&self, scope: Scope, state: Option<&str>) -> Result<Vec<Conversation>> {
        let (admin, agent) = scope_args(scope);
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} {CONVERSATION_FROM} WHERE {} \
             AND ($3 IS NULL OR v.state = $3) ORDER BY v.last_item_at DESC, v.id DESC LIMIT 500",
            customer_visible()
        );
        let query = sqlx::query(&sql)
            .bind(admin)
            .bind(agent)
            .bind(state.map(str::to_owned));
        self.conversations_of(query).await
    }
}

impl SqlStore {
    /// Conversations matching `condition` (and its order), which binds one id as `$1`.
    async fn conversations_where(&self, condition: &str, id: i64) -> Result<Vec<Conversation>> {
        let sql = format!("SELECT {CONVERSATION_COLUMNS} {CONVERSATION_FROM} WHERE {condition}");
        self.conversations_of(sqlx::query(&sql).bind(id)).await
    }

    /// The conversations a query of `CONVERSATION_COLUMNS` finds, with their topics.
    async fn conversations_of<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<Vec<Conversation>> {
        let conversations = query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(rows::conversation)
            .collect::<Result<Vec<_>>>()?;
        self.with_topics(conversations).await
    }
}
