//! The person's follow facts across the company's accounts (IN-5): one indexed
//! read by username (`customers_by_username`, migration 0024).

use super::reads::customer_visible;
use super::rows::{self, CUSTOMER_COLUMNS};
use super::{Binds, SqlStore};
use crate::follows::{CompanyFollow, FollowStore};
use crate::{AccountStore as _, Customer, Result, Scope};
use async_trait::async_trait;
use igdesk_domain::{AccountId, CustomerId};
use sqlx::Row as _;

#[async_trait]
impl FollowStore for SqlStore {
    async fn company_follows(&self, scope: Scope, id: CustomerId) -> Result<Vec<CompanyFollow>> {
        // `c` is the customer asked about (visible in scope); `p` the same person
        // at each connected account: the customer, the customers with its username,
        // and those merged into it.
        let sql = format!(
            "SELECT p.id, p.account_id, a.username AS account_username, p.follows_business, \
             p.business_follows, p.profile_fetched_at, p.account_id = c.account_id AS own \
             FROM customers c JOIN customers p ON p.id = c.id \
             OR (c.username IS NOT NULL AND p.username IS NOT NULL \
                 AND lower(p.username) = lower(c.username)) \
             OR p.merged_into = c.id \
             JOIN accounts a ON a.id = p.account_id AND a.removed_at IS NULL \
             WHERE c.id = $3 AND {} ORDER BY own DESC, a.id, p.id",
            customer_visible()
        );
        let (admin, agent) = super::reads::scope_args(scope);
        let rows = sqlx::query(&sql)
            .bind(admin)
            .bind(agent)
            .bind(id.0)
            .fetch_all(&self.pool)
            .await?;
        let mut out: Vec<CompanyFollow> = Vec::with_capacity(rows.len());
        for row in &rows {
            let account = AccountId(row.try_get("account_id")?);
            // One line per account: the customer's own row first, then the others
            // in id order (the first found, when two rows share an account).
            if out.iter().any(|f| f.account == account) {
                continue;
            }
            out.push(CompanyFollow {
                account,
                account_username: row.try_get("account_username")?,
                customer: CustomerId(row.try_get("id")?),
                follows_account: rows::opt_flag(row, "follows_business")?,
                followed_by_account: rows::opt_flag(row, "business_follows")?,
                fetched_at: row.try_get("profile_fetched_at")?,
            });
        }
        Ok(out)
    }

    async fn customers_by_username(&self, usernames: &[String]) -> Result<Vec<Customer>> {
        let accounts: Vec<i64> = self.accounts().await?.iter().map(|a| a.id.0).collect();
        // The person is at another account only when there is one. Besides saving
        // the read, this keeps the one-account case off a plan PostgreSQL picks for a
        // table whose statistics lag a burst of new customers: the account's index
        // (every customer) instead of the username's (3.6 ms a batch, not 0.1).
        if accounts.len() < 2 {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        for chunk in usernames.chunks(500) {
            let mut binds = Binds::new(self.backend);
            let sql = format!(
                "SELECT {CUSTOMER_COLUMNS} FROM customers c \
                 WHERE c.username IS NOT NULL AND lower(c.username) IN ({}) \
                 AND c.account_id IN ({})",
                binds.list(chunk.len()),
                binds.list(accounts.len())
            );
            let mut query = sqlx::query(&sql);
            for name in chunk {
                query = query.bind(name.to_lowercase());
            }
            for account in &accounts {
                query = query.bind(*account);
            }
            for row in query.fetch_all(&self.pool).await? {
                found.push(rows::customer(&row)?);
            }
        }
        Ok(found)
    }
}
