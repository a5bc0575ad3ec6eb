//! The Business Messaging API: tokens, settings, accepted messages and the handover
//! between the API's bot and people (API-1, API-3).

use super::rows::{self, first};
use super::{events, sessions, SqlStore};
use crate::api::*;

use crate::routing::EndedBy;
use crate::Result;
use async_trait::async_trait;
use igdesk_domain::{AccountId, ApiTokenId, ApiWebhookId, ConversationId, CustomerId, Millis};
use sqlx::{Any, Row as _, Transaction};

type Tx = Transaction<'static, Any>;

const TOKEN_SELECT: &str =
    "SELECT t.id, t.account_id, a.ig_id, t.name, t.created_at, t.revoked_at \
     FROM api_tokens t JOIN accounts a ON a.id = t.account_id";

/// [`TOKEN_SELECT`] with each token's last use: its newest accepted message (an
/// index on `(token_id, created_at)` makes it one lookup per token). Kept out of the
/// by-hash lookup every API request makes.
const TOKEN_SELECT_USED: &str =
    "SELECT t.id, t.account_id, a.ig_id, t.name, t.created_at, t.revoked_at, \
     (SELECT MAX(m.created_at) FROM api_messages m WHERE m.token_id = t.id) AS last_used_at \
     FROM api_tokens t JOIN accounts a ON a.id = t.account_id";

/// What the agent holding a conversation reads when the API takes it back.
const TAKEN_BACK_NOTICE: &str =
    "The API took this conversation back: the customer is with the bot again.";

#[async_trait]
impl ApiStore for SqlStore {
    async fn create_api_token(
        &self,
        account_ig_id: &str,
        name: &str,
        token_hash: &str,
        now: Millis,
    ) -> Result<Option<ApiToken>> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let created = sqlx::query(
            "INSERT INTO api_tokens (account_id, name, token_hash, created_at) \
             SELECT id, $1, $2, $3 FROM accounts WHERE ig_id = $4 AND removed_at IS NULL RETURNING id",
        )
        .bind(name.to_owned())
        .bind(token_hash.to_owned())
        .bind(now)
        .bind(account_ig_id.to_owned())
        .fetch_all(&mut **tx)
        .await?;
        let Some(row) = created.first() else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        let token = token_where(tx, "t.id = $1", id).await?;
        writing.commit().await?;
        Ok(token)
    }

    async fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        sqlx::query(&format!("{TOKEN_SELECT} ORDER BY t.id DESC"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(token_row)
            .collect()
    }

    async fn revoke_api_token(&self, id: ApiTokenId, now: Millis) -> Result<Option<ApiToken>> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id.0)
            .execute(&mut **tx)
            .await?;
        let token = token_where(tx, "t.id = $1", id.0).await?;
        writing.commit().await?;
        Ok(token)
    }

    async fn account_api_tokens(&self, account: AccountId) -> Result<Vec<ApiTokenListing>> {
        sqlx::query(&format!(
            "{TOKEN_SELECT_USED} WHERE t.account_id = $1 ORDER BY t.id DESC"
        ))
        .bind(account.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ApiTokenListing {
                token: token_row(r)?,
                last_used_at: r.try_get("last_used_at")?,
            })
        })
        .collect()
    }

    async fn revoke_account_api_token(
        &self,
        account: AccountId,
        id: ApiTokenId,
        now: Millis,
    ) -> Result<Option<ApiToken>> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND account_id = $3",
        )
        .bind(now)
        .bind(id.0)
        .bind(account.0)
        .execute(&mut **tx)
        .await?;
        let token = token_where(tx, "t.id = $1", id.0)
            .await?
            .filter(|t| t.account_id == account);
        writing.commit().await?;
        Ok(token)
    }

    async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        sqlx::query(&format!("{TOKEN_SELECT} WHERE t.token_hash = $1"))
            .bind(token_hash.to_owned())
            .fetch_all(&self.pool)
            .await
            .map(|found| first(found, token_row))?
    }

    async fn api_settings(&self, account: AccountId) -> Result<Option<ApiSettings>> {
        sqlx::query(
            "SELECT inbound_url, status_url, secret_sealed, handover, inbound_retry_seconds, \
             status_retry_seconds FROM api_settings WHERE account_id = $1",
        )
        .bind(account.0)
        .fetch_all(&self.pool)
        .await
        .map(|found| first(found, settings_row))?
    }

    async fn set_api_settings(
        &self,
        account: AccountId,
        settings: &ApiSettings,
        now: Millis,
    ) -> Result<()> {
        let mut writing = self.write().await?;
        sqlx::query(
            "INSERT INTO api_settings (account_id, inbound_url, status_url, secret_sealed, handover, \
             inbound_retry_seconds, status_retry_seconds, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (account_id) DO UPDATE SET inbound_url = excluded.inbound_url, \
             status_url = excluded.status_url, secret_sealed = excluded.secret_sealed, \
             handover = excluded.handover, inbound_retry_seconds = excluded.inbound_retry_seconds, \
             status_retry_seconds = excluded.status_retry_seconds, updated_at = excluded.updated_at",
        )
        .bind(account.0)
        .bind(settings.inbound_url.clone())
        .bind(settings.status_url.clone())
        .bind(settings.secret_sealed.clone())
        .bind(settings.handover.as_str())
        .bind(settings.inbound_retry_seconds)
        .bind(settings.status_retry_seconds)
        .bind(now)
        .execute(&mut *writing.tx)
        .await?;
        writing.commit().await
    }

    async fn disable_api(&self, account: AccountId) -> Result<bool> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let removed = sqlx::query("DELETE FROM api_settings WHERE account_id = $1")
            .bind(account.0)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM api_webhooks WHERE account_id = $1 AND state = 'pending'")
            .bind(account.0)
            .execute(&mut **tx)
            .await?;
        writing.commit().await?;
        Ok(removed == 1)
    }

    async fn api_sealed_secrets(&self) -> Result<Vec<(AccountId, String)>> {
        let rows =
            sqlx::query("SELECT account_id, secret_sealed FROM api_settings ORDER BY account_id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    AccountId(r.try_get("account_id")?),
                    r.try_get("secret_sealed")?,
                ))
            })
            .collect()
    }

    async fn replace_api_sealed_secrets(
        &self,
        changes: &[(AccountId, String, String)],
    ) -> Result<u64> {
        let mut writing = self.write().await?;
        let mut changed = 0;
        for (account, old, new) in changes {
            changed += sqlx::query(
                "UPDATE api_settings SET secret_sealed = $1 \
                 WHERE account_id = $2 AND secret_sealed = $3",
            )
            .bind(new.clone())
            .bind(account.0)
            .bind(old.clone())
            .execute(&mut *writing.tx)
            .await?
            .rows_affected();
        }
        writing.commit().await?;
        Ok(changed)
    }

    async fn queue_api_messages(
        &self,
        messages: Vec<NewApiMessage>,
        now: Millis,
    ) -> Result<Vec<ApiQueued>> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        // Every writer takes customers' rows in id order; a deadlock PostgreSQL still
        // breaks by ending this request (on other rows) is not the client's to pay.
        crate::error::through_conflicts(|| async {
            let mut writing = self.write().await?;
            let outcomes = super::api_queue::queue(&mut writing.tx, &messages, now).await?;
            writing.commit().await?;
            Ok(outcomes)
        })
        .await
    }

    async fn claim_webhooks(
        &self,
        limit: i64,
        now: Millis,
        lease_until: Millis,
    ) -> Result<Vec<DueWebhook>> {
        self.claim_due_webhooks(limit, now, lease_until).await
    }

    async fn settle_webhook(&self, id: ApiWebhookId, outcome: WebhookOutcome) -> Result<()> {
        self.settle_attempt(id, outcome).await
    }

    async fn webhook_counts(&self, account: AccountId) -> Result<WebhookCounts> {
        let found = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM api_webhooks WHERE account_id = $1 GROUP BY state",
        )
        .bind(account.0)
        .fetch_all(&self.pool)
        .await?;
        let mut counts = WebhookCounts::default();
        for row in found {
            let n: i64 = row.try_get("n")?;
            match row.try_get::<String, _>("state")?.as_str() {
                "pending" => counts.pending = n,
                "delivered" => counts.delivered = n,
                _ => counts.expired = n,
            }
        }
        Ok(counts)
    }

    async fn webhook_failures(
        &self,
        account: AccountId,
        limit: i64,
    ) -> Result<Vec<WebhookFailure>> {
        let found = sqlx::query(
            "SELECT id, stream, state, attempts, last_error, created_at, next_attempt_at \
             FROM api_webhooks WHERE account_id = $1 AND state <> 'delivered' \
             AND last_error IS NOT NULL ORDER BY id DESC LIMIT $2",
        )
        .bind(account.0)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        found
            .iter()
            .map(|row| {
                let expired = row.try_get::<String, _>("state")? == "expired";
                Ok(WebhookFailure {
                    id: ApiWebhookId(row.try_get("id")?),
                    stream: match row.try_get::<String, _>("stream")?.as_str() {
                        "status" => WebhookStream::Status,
                        _ => WebhookStream::Inbound,
                    },
                    expired,
                    attempts: row.try_get("attempts")?,
                    error: row.try_get("last_error")?,
                    created_at: row.try_get("created_at")?,
                    next_attempt_at: match expired {
                        true => None,
                        false => Some(row.try_get("next_attempt_at")?),
                    },
                })
            })
            .collect()
    }

    async fn end_expired_handovers(&self, now: Millis) -> Result<Vec<TakenBack>> {
        let mut writing = self.write().await?;
        let tx = &mut writing.tx;
        let expired = sqlx::query(
            // The longest run out first, along `customers_handed_over`.
            "SELECT account_id, id FROM customers WHERE handover_until > 0 AND handover_until <= $1 \
             ORDER BY handover_until, id LIMIT 500",
        )
        .bind(now)
        .fetch_all(&mut **tx)
        .await?;
        let mut taken = Vec::with_capacity(expired.len());
        for row in &expired {
            let account = AccountId(row.try_get("account_id")?);
            let customer = CustomerId(row.try_get("id")?);
            taken.push(take_back(tx, account, customer, now).await?);
        }
        writing.commit().await?;
        Ok(taken)
    }
}

/// Control returns to the API: the handover ends, people's open session of this
/// customer ends with a notice on the timeline and its agent told, and a thread in
/// Instagram's inbox is asked back from Meta (a job).
pub(super) async fn take_back(
    tx: &mut Tx,
    account: AccountId,
    customer: CustomerId,
    now: Millis,
) -> Result<TakenBack> {
    sqlx::query("UPDATE customers SET handover_until = 0 WHERE id = $1")
        .bind(customer.0)
        .execute(&mut **tx)
        .await?;
    if handover_target(tx, account).await? == Some(HandoverTarget::InstagramInbox) {
        queue_thread_control(tx, "take", customer, now).await?;
    }
    let open = sqlx::query(
        "SELECT id FROM conversations WHERE account_id = $1 AND customer_id = $2 AND state = 'open'",
    )
    .bind(account.0)
    .bind(customer.0)
    .fetch_all(&mut **tx)
    .await?;
    let conversation = match open.first() {
        Some(row) => {
            let id: i64 = row.try_get("id")?;
            let notice = sqlx::query(
                "INSERT INTO timeline_items (account_id, customer_id, conversation_id, kind, direction, source, \
                 mid, text, attachments, context, status, created_at, received_at) \
                 VALUES ($1, $2, $3, 'notice', 'out', 'igdesk', $4, $5, '[]', '{}', 'received', $6, $6) RETURNING id",
            )
            .bind(account.0)
            .bind(customer.0)
            .bind(id)
            .bind(format!("igdesk-notice:{id}:{now}"))
            .bind(TAKEN_BACK_NOTICE)
            .bind(now)
            .fetch_all(&mut **tx)
            .await?;
            if let Some(item) = notice.first() {
                events::for_item(tx, item.try_get("id")?, "item", now).await?;
            }
            sessions::end(tx, id, EndedBy::Api, now).await?;
            Some(ConversationId(id))
        }
        None => None,
    };
    Ok(TakenBack {
        customer,
        conversation,
    })
}

pub(super) async fn handover_target(
    tx: &mut Tx,
    account: AccountId,
) -> Result<Option<HandoverTarget>> {
    let found = sqlx::query("SELECT handover FROM api_settings WHERE account_id = $1")
        .bind(account.0)
        .fetch_all(&mut **tx)
        .await?;
    handover_in(&found)
}

/// The `handover` column of the first row, if any.
pub(super) fn handover_in(found: &[super::Row]) -> Result<Option<HandoverTarget>> {
    found
        .first()
        .map(|r| Ok(HandoverTarget::parse(&r.try_get::<String, _>("handover")?)))
        .transpose()
        .map(Option::flatten)
}

/// `pass` or `take` a customer's thread through Meta's conversation routing.
pub(super) async fn queue_thread_control(
    tx: &mut Tx,
    verb: &str,
    customer: CustomerId,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO jobs (kind, dedup_key, payload, run_at, created_at) \
         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(JOB_THREAD_CONTROL)
    .bind(format!("{JOB_THREAD_CONTROL}:{verb}:{}:{now}", customer.0))
    .bind(format!("{verb}:{}", customer.0))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn token_where(tx: &mut Tx, condition: &str, id: i64) -> Result<Option<ApiToken>> {
    sqlx::query(&format!("{TOKEN_SELECT} WHERE {condition}"))
        .bind(id)
        .fetch_all(&mut **tx)
        .await
        .map(|found| first(found, token_row))?
}

fn token_row(r: &super::Row) -> Result<ApiToken> {
    Ok(ApiToken {
        id: ApiTokenId(r.try_get("id")?),
        account_id: AccountId(r.try_get("account_id")?),
        account_ig_id: r.try_get("ig_id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

fn settings_row(r: &super::Row) -> Result<ApiSettings> {
    let handover: String = r.try_get("handover")?;
    Ok(ApiSettings {
        inbound_url: r.try_get("inbound_url")?,
        status_url: r.try_get("status_url")?,
        secret_sealed: r.try_get("secret_sealed")?,
        handover: HandoverTarget::parse(&handover)
            .ok_or_else(|| rows::corrupt("unknown handover target"))?,
        inbound_retry_seconds: r.try_get("inbound_retry_seconds")?,
        status_retry_seconds: r.try_get("status_retry_seconds")?,
    })
}
