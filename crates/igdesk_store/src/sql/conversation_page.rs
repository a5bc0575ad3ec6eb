//! A page of conversations (the list of a view: `LabelStore::work`) that the
//! database writes as one JSON array, with each conversation's topics in it.
//!
//! A page holds up to 500 conversations of 15 values each. Returned as rows, every
//! value is copied out of the database, passed from the driver's thread and turned
//! into a row of either backend one by one, and the topics are a second statement
//! binding every id: that was most of the list's cost. As one value, the page is
//! one copy and one `serde_json` parse (docs/BENCHMARKS.md, Reads: 1.8 times the
//! pages per second on SQLite).

use super::reads::{CONVERSATION_COLUMNS, CONVERSATION_FROM};
use super::topics::by_name;
use super::{Backend, SqlStore};
use crate::model::Conversation;
use crate::{Result, StoreError};
use igdesk_domain::timeline::display_name;
use igdesk_domain::{AccountId, AgentId, ConversationId, CustomerId, InboxId, Millis};
use serde::Deserialize;

/// One conversation as `conversation_page` writes it: a JSON array in `COLUMNS`'
/// order (`CONVERSATION_COLUMNS`' names), then the topic names.
#[derive(Deserialize)]
struct PageRow(
    i64,
    i64,
    i64,
    i64,
    String,
    Millis,
    Option<Millis>,
    Option<Millis>,
    Millis,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Vec<String>,
);

const COLUMNS: &str = "p.id, p.account_id, p.customer_id, p.inbox_id, p.state, p.opened_at, \
     p.closed_at, p.last_incoming_at, p.last_item_at, p.agent_id, p.routed_reason, \
     p.ended_by, p.igsid, p.customer_name";

impl PageRow {
    fn conversation(self) -> Conversation {
        let PageRow(
            id,
            account,
            customer,
            inbox,
            state,
            opened_at,
            closed_at,
            last_incoming_at,
            last_item_at,
            agent,
            routed_reason,
            ended_by,
            igsid,
            name,
            mut topics,
        ) = self;
        topics.sort_by(|a, b| by_name(a, b));
        Conversation {
            id: ConversationId(id),
            account_id: AccountId(account),
            customer_id: CustomerId(customer),
            customer_name: display_name(name.as_deref(), &igsid),
            inbox_id: InboxId(inbox),
            state,
            opened_at,
            closed_at,
            last_incoming_at,
            last_item_at,
            agent_id: agent.map(AgentId),
            routed_reason,
            ended_by,
            topics,
        }
    }
}

impl SqlStore {
    /// The conversations (`v`, joined to their customer `c`) that meet `conditions`,
    /// most recent first, at most `limit`. `conditions` numbers its placeholders
    /// `ids` first, then `texts`.
    pub(super) async fn conversation_page(
        &self,
        conditions: &str,
        limit: i64,
        ids: Vec<i64>,
        texts: Vec<String>,
    ) -> Result<Vec<Conversation>> {
        let topics = match self.backend {
            Backend::Sqlite => "json_group_array(t.name)",
            Backend::Postgres => "COALESCE(json_agg(t.name), '[]'::json)",
        };
        let page = format!(
            "SELECT {CONVERSATION_COLUMNS}, \
             (SELECT {topics} FROM conversation_topics ct JOIN topics t ON t.id = ct.topic_id \
              WHERE ct.conversation_id = v.id) AS topics \
             {CONVERSATION_FROM} \
             WHERE {conditions} ORDER BY v.last_item_at DESC, v.id DESC LIMIT {limit}"
        );
        let order = "ORDER BY p.last_item_at DESC, p.id DESC";
        // SQLite's subquery hands on the topics as text: json() makes them an array
        // again inside the row.
        let sql = match self.backend {
            Backend::Sqlite => format!(
                "SELECT json_group_array(json_array({COLUMNS}, json(p.topics)) {order}) \
                 FROM ({page}) p"
            ),
            Backend::Postgres => format!(
                "SELECT COALESCE(json_agg(json_build_array({COLUMNS}, p.topics) {order}), \
                 '[]')::text FROM ({page}) p"
            ),
        };
        let mut query = sqlx::query_scalar::<_, String>(&sql);
        for id in ids {
            query = query.bind(id);
        }
        for text in texts {
            query = query.bind(text);
        }
        let page = query.fetch_one(&self.pool).await?;
        let rows: Vec<PageRow> = serde_json::from_str(&page)
            .map_err(|e| StoreError::Corrupt(format!("a page of conversations: {e}")))?;
        Ok(rows.into_iter().map(PageRow::conversation).collect())
    }
}
