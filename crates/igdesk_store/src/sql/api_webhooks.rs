//! Webhooks owed to the Business Messaging API's user (API-4, API-5): written in the
//! transaction of the change they report, so none is lost or written twice, and
//! handed out one at a time per conversation and stream, so they arrive in order.

use super::SqlStore;
use crate::api::{DueWebhook, WebhookOutcome, WebhookStream};
use crate::Result;
use igdesk_domain::{AccountId, ApiWebhookId, CustomerId, Millis};
use sqlx::{Any, Row as _, Transaction};
use std::collections::HashMap;

type Tx = Transaction<'static, Any>;

/// Queues `payload` for the account's `stream` URL, in order behind the customer's
/// earlier ones. Nothing is queued when the account is not API-enabled or has no URL
/// for that stream. Returns whether it was queued.
pub(super) async fn enqueue(
    tx: &mut Tx,
    account: AccountId,
    customer: CustomerId,
    stream: WebhookStream,
    payload: &serde_json::Value,
    now: Millis,
) -> Result<bool> {
    let (url_column, retry_column) = match stream {
        WebhookStream::Inbound => ("inbound_url", "inbound_retry_seconds"),
        WebhookStream::Status => ("status_url", "status_retry_seconds"),
    };
    let written = sqlx::query(&format!(
        "INSERT INTO api_webhooks (account_id, stream, order_key, payload, next_attempt_at, expires_at, created_at) \
         SELECT account_id, $1, $2, $3, $4, $4 + {retry_column} * 1000, $4 FROM api_settings \
         WHERE account_id = $5 AND {url_column} IS NOT NULL AND {url_column} <> ''"
    ))
    .bind(stream.as_str())
    .bind(format!("{}:{}", stream.as_str(), customer.0))
    .bind(payload.to_string())
    .bind(now)
    .bind(account.0)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(written == 1)
}

impl SqlStore {
    pub(super) async fn claim_due_webhooks(
        &self,
        limit: i64,
        now: Millis,
        lease_until: Millis,
    ) -> Result<Vec<DueWebhook>> {
        // Most wake-ups find nothing due: a read answers that without taking a
        // turn at the single writer (which intake and sends need).
        let due = sqlx::query(
            "SELECT 1 AS one FROM api_webhooks WHERE state = 'pending' AND next_attempt_at <= $1 \
             AND leased_until <= $1 LIMIT 1",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let _turn = self.writer_turn().await;
        // Only the oldest pending webhook of each conversation and stream may go: a
        // later one waits until it is delivered or given up. The outer conditions are
        // checked again on the locked row, so two instances never lease one webhook.
        let claimed = sqlx::query(
            "UPDATE api_webhooks SET leased_until = $1 WHERE id IN (\
             SELECT w.id FROM api_webhooks w WHERE w.state = 'pending' AND w.next_attempt_at <= $2 \
             AND w.leased_until <= $2 AND NOT EXISTS (SELECT 1 FROM api_webhooks e \
             WHERE e.order_key = w.order_key AND e.state = 'pending' AND e.id < w.id) \
             ORDER BY w.next_attempt_at, w.id LIMIT $3) AND state = 'pending' AND leased_until <= $2 \
             RETURNING id, account_id, stream, payload, attempts, expires_at",
        )
        .bind(lease_until)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut targets: HashMap<i64, (Option<String>, Option<String>, String)> = HashMap::new();
        let mut due = Vec::with_capacity(claimed.len());
        for row in &claimed {
            let account: i64 = row.try_get("account_id")?;
            if let std::collections::hash_map::Entry::Vacant(slot) = targets.entry(account) {
                let found = sqlx::query(
                    "SELECT inbound_url, status_url, secret_sealed FROM api_settings WHERE account_id = $1",
                )
                .bind(account)
                .fetch_all(&self.pool)
                .await?;
                slot.insert(match found.first() {
                    Some(s) => (
                        s.try_get("inbound_url")?,
                        s.try_get("status_url")?,
                        s.try_get("secret_sealed")?,
                    ),
                    None => (None, None, String::new()),
                });
            }
            let (inbound, status, secret) = &targets[&account];
            let stream = match row.try_get::<String, _>("stream")?.as_str() {
                "status" => WebhookStream::Status,
                _ => WebhookStream::Inbound,
            };
            let url = match stream {
                WebhookStream::Inbound => inbound.clone(),
                WebhookStream::Status => status.clone(),
            };
            due.push(DueWebhook {
                id: ApiWebhookId(row.try_get("id")?),
                account_id: AccountId(account),
                stream,
                payload: row.try_get("payload")?,
                attempts: row.try_get("attempts")?,
                expires_at: row.try_get("expires_at")?,
                url: url.filter(|u| !u.is_empty()),
                secret_sealed: secret.clone(),
            });
        }
        due.sort_by_key(|w| w.id);
        Ok(due)
    }

    pub(super) async fn settle_attempt(
        &self,
        id: ApiWebhookId,
        outcome: WebhookOutcome,
    ) -> Result<()> {
        let (state, delivered_at, next_attempt_at, error) = match outcome {
            WebhookOutcome::Delivered(at) => ("delivered", Some(at), None, None),
            WebhookOutcome::Retry { at, error } => ("pending", None, Some(at), Some(error)),
            WebhookOutcome::Expired(error) => ("expired", None, None, Some(error)),
        };
        let _turn = self.writer_turn().await;
        sqlx::query(
            "UPDATE api_webhooks SET state = $1, delivered_at = $2, \
             next_attempt_at = COALESCE($3, next_attempt_at), last_error = COALESCE($4, last_error), \
             leased_until = 0, attempts = attempts + 1 WHERE id = $5 AND state = 'pending'",
        )
        .bind(state)
        .bind(delivered_at)
        .bind(next_attempt_at)
        .bind(error)
        .bind(id.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
