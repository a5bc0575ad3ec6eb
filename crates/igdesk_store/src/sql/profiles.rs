//! Merging two profiles of one person (RT-7). Nothing is deleted: the merged profile
//! keeps its rows and points to the survivor, which shows them as its own.

use super::reads::{customer_visible, scope_args};
use super::{Backend, SqlStore};
use crate::model::*;
use crate::{ProfileStore, ReadStore, Result};
use async_trait::async_trait;
use igdesk_domain::CustomerId;
use sqlx::Row as _;

#[async_trait]
impl ProfileStore for SqlStore {
    async fn merge_customers(
        &self,
        scope: Scope,
        survivor: CustomerId,
        other: CustomerId,
    ) -> Result<MergeOutcome> {
        if survivor == other {
            return Ok(match self.customer(scope, survivor).await? {
                Some(_) => MergeOutcome::SameCustomer,
                None => MergeOutcome::NotFound,
            });
        }
        let (admin, agent) = scope_args(scope);
        // Two merges of the same pair in opposite directions must not both see
        // "neither merged" and make a cycle: on PostgreSQL the two rows are locked,
        // in id order so two such merges cannot deadlock; SQLite's single writer
        // already runs them one after the other.
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let mut tx = self.write().await?;
        let found = sqlx::query(&format!(
            "SELECT c.id, c.merged_into FROM customers c WHERE c.id IN ($3, $4) AND {} \
             ORDER BY c.id{lock}",
            customer_visible()
        ))
        .bind(admin)
        .bind(agent)
        .bind(survivor.0)
        .bind(other.0)
        .fetch_all(&mut *tx.tx)
        .await?;
        if found.len() < 2 {
            return Ok(MergeOutcome::NotFound);
        }
        for row in &found {
            if row.try_get::<Option<i64>, _>("merged_into")?.is_some() {
                return Ok(MergeOutcome::AlreadyMerged(CustomerId(row.try_get("id")?)));
            }
        }
        // Empty details of the survivor take the other's; its own values stay.
        sqlx::query(
            "UPDATE customers SET \
             phone = COALESCE(NULLIF(phone, ''), (SELECT NULLIF(o.phone, '') FROM customers o WHERE o.id = $2)), \
             email = COALESCE(NULLIF(email, ''), (SELECT NULLIF(o.email, '') FROM customers o WHERE o.id = $2)), \
             notes = COALESCE(NULLIF(notes, ''), (SELECT NULLIF(o.notes, '') FROM customers o WHERE o.id = $2)) \
             WHERE id = $1",
        )
        .bind(survivor.0)
        .bind(other.0)
        .execute(&mut *tx.tx)
        .await?;
        // Profiles merged into `other` before follow it, so every merged profile
        // points straight at the one shown (no chains to walk).
        sqlx::query("UPDATE customers SET merged_into = $1 WHERE id = $2 OR merged_into = $2")
            .bind(survivor.0)
            .bind(other.0)
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await?;
        Ok(match self.customer(scope, survivor).await? {
            Some(customer) => MergeOutcome::Merged(Box::new(customer)),
            None => MergeOutcome::NotFound,
        })
    }
}
