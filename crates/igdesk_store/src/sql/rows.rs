//! Turning rows into model types. Flags are stored as 0/1 integers in both backends
//! (the `Any` driver decodes integers the same way everywhere).

use super::Row;
use crate::model::*;
use crate::{Result, StoreError};
use igdesk_domain::timeline::display_name;
use igdesk_domain::{
    AccountId, AgentId, AgentTokenId, ConversationId, ConversationSettings, CustomerId, InboxId,
    ItemId, JobId, TopicId,
};
use sqlx::Row as _;

/// The first of `rows`, read with `read` (reads fetch all rows: see the module doc).
pub(super) fn first<T>(rows: Vec<Row>, read: fn(&Row) -> Result<T>) -> Result<Option<T>> {
    rows.first().map(read).transpose()
}

pub(super) fn flag(row: &Row, col: &str) -> Result<bool> {
    Ok(row.try_get::<i64, _>(col)? != 0)
}

pub(super) fn opt_flag(row: &Row, col: &str) -> Result<Option<bool>> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(|v| v != 0))
}

pub(super) fn opt_bool_int(v: Option<bool>) -> Option<i64> {
    v.map(i64::from)
}

pub(super) const ACCOUNT_COLUMNS: &str = "a.id, a.ig_id, a.page_id, a.page_name, a.username, \
    a.login_path, a.token_sealed, a.echo, a.story_mentions_create, a.comments_create, \
    a.needs_reconnect, a.added_by, a.added_at, a.subscribed, a.subscription_checked_at, \
    a.last_event_at";

/// A claimed job, as `RETURNING id, kind, payload, attempts, strand` gives it.
pub(super) fn job(row: &Row) -> Result<Job> {
    Ok(Job {
        id: JobId(row.try_get("id")?),
        kind: row.try_get("kind")?,
        payload: row.try_get("payload")?,
        attempts: row.try_get("attempts")?,
        strand: row.try_get("strand")?,
    })
}

pub(super) fn account(row: &Row) -> Result<Account> {
    Ok(Account {
        id: AccountId(row.try_get("id")?),
        ig_id: row.try_get("ig_id")?,
        page_id: row.try_get("page_id")?,
        page_name: row.try_get("page_name")?,
        username: row.try_get("username")?,
        login_path: row.try_get("login_path")?,
        token_sealed: row.try_get("token_sealed")?,
        inbox_id: InboxId(row.try_get("inbox")?),
        settings: ConversationSettings {
            echo: flag(row, "echo")?,
            story_mentions_create_conversations: flag(row, "story_mentions_create")?,
            comments_create_conversations: flag(row, "comments_create")?,
        },
        needs_reconnect: flag(row, "needs_reconnect")?,
        added_by: row.try_get("added_by")?,
        added_at: row.try_get("added_at")?,
        subscribed: opt_flag(row, "subscribed")?,
        subscription_checked_at: row.try_get("subscription_checked_at")?,
        last_event_at: Some(row.try_get::<i64, _>("last_event_at")?).filter(|at| *at > 0),
    })
}

pub(super) const INBOX_COLUMNS: &str =
    "id, name, is_default, sla_target_seconds, auto_end_seconds, requires_topic";

pub(super) fn inbox(row: &Row) -> Result<Inbox> {
    Ok(Inbox {
        id: InboxId(row.try_get("id")?),
        name: row.try_get("name")?,
        is_default: flag(row, "is_default")?,
        sla_target_seconds: row.try_get("sla_target_seconds")?,
        auto_end_seconds: row.try_get("auto_end_seconds")?,
        requires_topic: flag(row, "requires_topic")?,
    })
}

pub(super) fn agent(row: &Row) -> Result<Agent> {
    Ok(Agent {
        id: AgentId(row.try_get("id")?),
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        is_admin: flag(row, "is_admin")?,
    })
}

pub(super) fn agent_token(row: &Row) -> Result<AgentToken> {
    Ok(AgentToken {
        id: AgentTokenId(row.try_get("id")?),
        agent_id: AgentId(row.try_get("agent_id")?),
        label: row.try_get("label")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

pub(super) fn topic(row: &Row) -> Result<Topic> {
    Ok(Topic {
        id: TopicId(row.try_get("id")?),
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) const CUSTOMER_COLUMNS: &str = "c.id, c.account_id, c.igsid, c.name, c.username, \
    c.profile_pic, c.follower_count, c.is_verified, c.follows_business, c.business_follows, \
    c.profile_fetched_at, c.phone, c.email, c.notes, c.last_message_at, c.merged_into, c.created_at";

pub(super) fn customer(row: &Row) -> Result<Customer> {
    let igsid: String = row.try_get("igsid")?;
    let name: Option<String> = row.try_get("name")?;
    Ok(Customer {
        id: CustomerId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        name: display_name(name.as_deref(), &igsid),
        igsid,
        instagram: ProfileView {
            name,
            username: row.try_get("username")?,
            profile_pic: row.try_get("profile_pic")?,
            follower_count: row.try_get("follower_count")?,
            is_verified: opt_flag(row, "is_verified")?,
            follows_business: opt_flag(row, "follows_business")?,
            business_follows: opt_flag(row, "business_follows")?,
            fetched_at: row.try_get("profile_fetched_at")?,
        },
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        notes: row.try_get("notes")?,
        last_message_at: row.try_get("last_message_at")?,
        merged_into: row
            .try_get::<Option<i64>, _>("merged_into")?
            .map(CustomerId),
        created_at: row.try_get("created_at")?,
    })
}

pub(super) fn conversation(row: &Row) -> Result<Conversation> {
    let igsid: String = row.try_get("igsid")?;
    let name: Option<String> = row.try_get("customer_name")?;
    Ok(Conversation {
        id: ConversationId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        customer_id: CustomerId(row.try_get("customer_id")?),
        customer_name: display_name(name.as_deref(), &igsid),
        inbox_id: InboxId(row.try_get("inbox_id")?),
        state: row.try_get("state")?,
        opened_at: row.try_get("opened_at")?,
        closed_at: row.try_get("closed_at")?,
        last_incoming_at: row.try_get("last_incoming_at")?,
        last_item_at: row.try_get("last_item_at")?,
        agent_id: row
            .try_get::<Option<i64>, _>("agent_id")?
            .map(igdesk_domain::AgentId),
        routed_reason: row.try_get("routed_reason")?,
        ended_by: row.try_get("ended_by")?,
        // Filled by the read that lists conversations (a second query).
        topics: Vec::new(),
    })
}

pub(super) fn item(row: &Row) -> Result<TimelineItem> {
    let attachments: String = row.try_get("attachments")?;
    let reply_to: Option<String> = row.try_get("reply_to")?;
    let context: String = row.try_get("context")?;
    Ok(TimelineItem {
        id: ItemId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        customer_id: CustomerId(row.try_get("customer_id")?),
        conversation_id: row
            .try_get::<Option<i64>, _>("conversation_id")?
            .map(ConversationId),
        kind: row.try_get("kind")?,
        direction: row.try_get("direction")?,
        source: row.try_get("source")?,
        mid: row.try_get("mid")?,
        text: row.try_get("text")?,
        attachments: serde_json::from_str(&attachments)?,
        reply_to: reply_to.as_deref().map(serde_json::from_str).transpose()?,
        context: serde_json::from_str(&context)?,
        status: row.try_get("status")?,
        deleted: flag(row, "deleted")?,
        story_gone: flag(row, "story_gone")?,
        reaction: row.try_get("reaction")?,
        failure: row.try_get("failure")?,
        raw: row.try_get("raw")?,
        created_at: row.try_get("created_at")?,
        author_id: row
            .try_get::<Option<i64>, _>("author_id")?
            .map(igdesk_domain::AgentId),
        author_name: row.try_get("author_name")?,
    })
}

pub(super) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}
