//! Automatic replies' settings (migration 0022): `business_hours`, one row per inbox
//! that has them, and `rules` in their order. What processing does with them is
//! `automatic_apply`.

use super::{Row, SqlStore};
use crate::automatic::{AutomaticStore, NewRule, RuleChange};
use crate::{Result, StoreError};
use async_trait::async_trait;
use igdesk_domain::automatic::{Actions, BusinessHours, Rule};
use igdesk_domain::{InboxId, Millis, RuleId, TopicId};
use sqlx::Row as _;

const HOURS_COLUMNS: &str = "inbox_id, time_zone, weekly, holidays, away_message, greeting";
const RULE_COLUMNS: &str = "id, inbox_id, position, name, enabled, looks_for, reply_text, \
     quick_replies, topic_id, route_to_inbox_id";

fn hours(row: &Row) -> Result<(InboxId, BusinessHours)> {
    let weekly: String = row.try_get("weekly")?;
    let holidays: String = row.try_get("holidays")?;
    Ok((
        InboxId(row.try_get("inbox_id")?),
        BusinessHours {
            time_zone: row.try_get("time_zone")?,
            weekly: serde_json::from_str(&weekly)?,
            holidays: serde_json::from_str(&holidays)?,
            away_message: row.try_get("away_message")?,
            greeting: row.try_get("greeting")?,
        },
    ))
}

pub(super) fn rule(row: &Row) -> Result<Rule> {
    let trigger: String = row.try_get("looks_for")?;
    let quick: String = row.try_get("quick_replies")?;
    Ok(Rule {
        id: RuleId(row.try_get("id")?),
        name: row.try_get("name")?,
        inbox_id: row.try_get::<Option<i64>, _>("inbox_id")?.map(InboxId),
        position: row.try_get("position")?,
        enabled: row.try_get::<i64, _>("enabled")? == 1,
        trigger: serde_json::from_str(&trigger)?,
        actions: Actions {
            reply_text: row.try_get("reply_text")?,
            quick_replies: serde_json::from_str(&quick)?,
            topic_id: row.try_get::<Option<i64>, _>("topic_id")?.map(TopicId),
            route_to_inbox_id: row
                .try_get::<Option<i64>, _>("route_to_inbox_id")?
                .map(InboxId),
        },
    })
}

/// Every rule in the order they are checked; read by processing in its transaction.
pub(super) async fn rules_in<'e, E>(executor: E) -> Result<Vec<Rule>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM rules ORDER BY position, id"
    ))
    .fetch_all(executor)
    .await?
    .iter()
    .map(rule)
    .collect()
}

/// Every inbox's business hours; read by processing in its transaction.
pub(super) async fn hours_in<'e, E>(executor: E) -> Result<Vec<(InboxId, BusinessHours)>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(&format!("SELECT {HOURS_COLUMNS} FROM business_hours"))
        .fetch_all(executor)
        .await?
        .iter()
        .map(hours)
        .collect()
}

#[async_trait]
impl AutomaticStore for SqlStore {
    async fn business_hours(&self, inbox: InboxId) -> Result<Option<BusinessHours>> {
        let rows = sqlx::query(&format!(
            "SELECT {HOURS_COLUMNS} FROM business_hours WHERE inbox_id = $1"
        ))
        .bind(inbox.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(super::rows::first(rows, hours)?.map(|(_, h)| h))
    }

    async fn all_business_hours(&self) -> Result<Vec<(InboxId, BusinessHours)>> {
        let mut all = hours_in(&self.pool).await?;
        all.sort_by_key(|(inbox, _)| *inbox);
        Ok(all)
    }

    async fn set_business_hours(
        &self,
        inbox: InboxId,
        hours: Option<&BusinessHours>,
        now: Millis,
    ) -> Result<bool> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let known = sqlx::query("SELECT id FROM inboxes WHERE id = $1")
            .bind(inbox.0)
            .fetch_all(&mut **tx)
            .await?;
        if known.is_empty() {
            return Ok(false);
        }
        match hours {
            None => {
                sqlx::query("DELETE FROM business_hours WHERE inbox_id = $1")
                    .bind(inbox.0)
                    .execute(&mut **tx)
                    .await?;
            }
            Some(h) => {
                sqlx::query(
                    "INSERT INTO business_hours (inbox_id, time_zone, weekly, holidays, away_message, \
                     greeting, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (inbox_id) DO UPDATE SET time_zone = excluded.time_zone, \
                     weekly = excluded.weekly, holidays = excluded.holidays, \
                     away_message = excluded.away_message, greeting = excluded.greeting, \
                     updated_at = excluded.updated_at",
                )
                .bind(inbox.0)
                .bind(h.time_zone.clone())
                .bind(serde_json::to_string(&h.weekly)?)
                .bind(serde_json::to_string(&h.holidays)?)
                .bind(h.away_message.clone())
                .bind(h.greeting.clone())
                .bind(now)
                .execute(&mut **tx)
                .await?;
            }
        }
        writing.commit().await?;
        Ok(true)
    }

    async fn rules(&self) -> Result<Vec<Rule>> {
        rules_in(&self.pool).await
    }

    async fn rule(&self, id: RuleId) -> Result<Option<Rule>> {
        let rows = sqlx::query(&format!("SELECT {RULE_COLUMNS} FROM rules WHERE id = $1"))
            .bind(id.0)
            .fetch_all(&self.pool)
            .await?;
        super::rows::first(rows, rule)
    }

    async fn add_rule(&self, new: NewRule, now: Millis) -> Result<Rule> {
        let _turn = self.writer_turn().await;
        let rows = sqlx::query(&format!(
            "INSERT INTO rules (inbox_id, position, name, enabled, looks_for, reply_text, quick_replies, \
             topic_id, route_to_inbox_id, created_at, updated_at) \
             SELECT $1, COALESCE(MAX(position), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $9 FROM rules \
             RETURNING {RULE_COLUMNS}"
        ))
        .bind(new.inbox_id.map(|i| i.0))
        .bind(new.name)
        .bind(i64::from(new.enabled))
        .bind(serde_json::to_string(&new.trigger)?)
        .bind(new.actions.reply_text)
        .bind(serde_json::to_string(&new.actions.quick_replies)?)
        .bind(new.actions.topic_id.map(|t| t.0))
        .bind(new.actions.route_to_inbox_id.map(|i| i.0))
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        super::rows::first(rows, rule)?
            .ok_or_else(|| StoreError::Corrupt("an insert returned no row".into()))
    }

    async fn update_rule(
        &self,
        id: RuleId,
        change: RuleChange,
        now: Millis,
    ) -> Result<Option<Rule>> {
        let mut writing = self.write().await?;
        let rows = sqlx::query(&format!("SELECT {RULE_COLUMNS} FROM rules WHERE id = $1"))
            .bind(id.0)
            .fetch_all(&mut *writing.tx)
            .await?;
        let Some(mut r) = super::rows::first(rows, rule)? else {
            return Ok(None);
        };
        if let Some(name) = change.name {
            r.name = name;
        }
        if let Some(inbox) = change.inbox_id {
            r.inbox_id = inbox;
        }
        if let Some(position) = change.position {
            r.position = position;
        }
        if let Some(enabled) = change.enabled {
            r.enabled = enabled;
        }
        if let Some(trigger) = change.trigger {
            r.trigger = trigger;
        }
        if let Some(actions) = change.actions {
            r.actions = actions;
        }
        sqlx::query(
            "UPDATE rules SET inbox_id = $1, position = $2, name = $3, enabled = $4, looks_for = $5, \
             reply_text = $6, quick_replies = $7, topic_id = $8, route_to_inbox_id = $9, \
             updated_at = $10 WHERE id = $11",
        )
        .bind(r.inbox_id.map(|i| i.0))
        .bind(r.position)
        .bind(r.name.clone())
        .bind(i64::from(r.enabled))
        .bind(serde_json::to_string(&r.trigger)?)
        .bind(r.actions.reply_text.clone())
        .bind(serde_json::to_string(&r.actions.quick_replies)?)
        .bind(r.actions.topic_id.map(|t| t.0))
        .bind(r.actions.route_to_inbox_id.map(|i| i.0))
        .bind(now)
        .bind(id.0)
        .execute(&mut *writing.tx)
        .await?;
        writing.commit().await?;
        Ok(Some(r))
    }

    async fn delete_rule(&self, id: RuleId) -> Result<bool> {
        let _turn = self.writer_turn().await;
        let done = sqlx::query("DELETE FROM rules WHERE id = $1")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
