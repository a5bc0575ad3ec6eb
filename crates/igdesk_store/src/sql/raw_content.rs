//! What Meta sent, kept no longer than it is needed. A delivery's body is kept byte
//! for byte until it is processed (it is what processing reads); after that it is
//! only there for inspection, so:
//! - when a customer deletes a message, its text and attachments are cut out of
//!   every stored delivery that carried it (the message, a retry of it, an edit),
//!   and from the other copies of it: offers' previews, the offer events agents were
//!   sent, the Business Messaging API's inbound webhook (the timeline item itself is
//!   cleared by `apply`; the search indexes drop it with its text);
//! - after `raw_retention_days` a processed or rejected delivery's body is blanked.
//!
//! The rows stay (status, times, error): `/api/v1/intake/stats` counts them and
//! event notes refer to them. A rewritten body no longer matches Meta's signature;
//! nothing verifies a stored body again (the signature is checked on arrival only).

use super::SqlStore;
use crate::Result;
use igdesk_domain::Millis;
use serde_json::Value;
use sqlx::{Any, Row as _, Transaction};

/// How far before the message's time its deliveries are looked for: Meta's clock
/// and ours differ a little, and a message is never delivered before it was sent.
const CLOCK_SLACK: Millis = igdesk_domain::time::HOUR;

/// Bodies blanked per statement, so pruning never holds the writer for long.
const PRUNE_BATCH: i64 = 500;

/// The keys kept in an object about the deleted message: what identifies it and
/// what a reaction or an edit to it says; everything else (text, attachments and
/// their URLs, reply_to, quick_reply, referral) goes.
const KEPT: &[&str] = &[
    "mid",
    "is_echo",
    "is_self",
    "is_deleted",
    "num_edit",
    "action",
    "reaction",
    "emoji",
];

/// The customer deleted message `mid` (at `at`): before its timeline item is
/// cleared, its content goes from the raw deliveries that carried it, from offers'
/// previews and from the API user's copy. Deliveries are looked for from the
/// message's time, else (not stored yet: its delivery may be waiting) from a day
/// before the deletion.
pub(super) async fn forget_message(
    tx: &mut Transaction<'static, Any>,
    account: i64,
    mid: &str,
    at: Millis,
    now: Millis,
) -> Result<()> {
    let stored = sqlx::query(
        "SELECT created_at, text, customer_id FROM timeline_items \
         WHERE account_id = $1 AND mid = $2 AND deleted = 0",
    )
    .bind(account)
    .bind(mid.to_owned())
    .fetch_optional(&mut **tx)
    .await?;
    let since = match &stored {
        Some(row) => row.try_get::<Millis, _>("created_at")?,
        None => at.saturating_sub(igdesk_domain::time::DAY),
    };
    scrub_deliveries(tx, mid, since.min(now)).await?;
    if let Some(row) = &stored {
        let text: Option<String> = row.try_get("text")?;
        scrub_previews(tx, row.try_get("customer_id")?, text.as_deref()).await?;
        scrub_api_webhooks(tx, account, mid).await?;
    }
    Ok(())
}

/// Cuts the deleted message `mid`'s content out of every stored delivery received
/// since `since` (less the clock slack) that names it; in the deletion's transaction.
async fn scrub_deliveries(
    tx: &mut Transaction<'static, Any>,
    mid: &str,
    since: Millis,
) -> Result<()> {
    // A coarse byte match finds the candidates (LIKE works on SQLite's BLOB and
    // PostgreSQL's bytea alike); the JSON walk below decides exactly.
    let pattern = format!("%{mid}%").into_bytes();
    let rows =
        sqlx::query("SELECT id, body FROM deliveries WHERE received_at >= $1 AND body LIKE $2")
            .bind(since.saturating_sub(CLOCK_SLACK))
            .bind(pattern)
            .fetch_all(&mut **tx)
            .await?;
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let body: Vec<u8> = row.try_get("body")?;
        if let Some(scrubbed) = scrub_body(&body, mid) {
            sqlx::query("UPDATE deliveries SET body = $1 WHERE id = $2")
                .bind(scrubbed)
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// What an offer shows of a deleted message (the console's words for it).
const DELETED_PREVIEW: &str = "Message was deleted";

/// Offers of the customer's conversations, and the offer events agents were sent,
/// show the latest message's first words (`preview`): where those are the deleted
/// text's, they now say it was deleted. A message without text (an attachment) is
/// previewed by its kind, never its URL: nothing to change.
async fn scrub_previews(
    tx: &mut Transaction<'static, Any>,
    customer: i64,
    text: Option<&str>,
) -> Result<()> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(());
    };
    for (table, only_offers) in [("offers", ""), ("agent_events", " AND o.kind = 'offer'")] {
        let sql = format!(
            "SELECT o.id, o.payload FROM {table} o JOIN conversations c ON c.id = o.conversation_id \
             WHERE c.customer_id = $1{only_offers}"
        );
        let rows = sqlx::query(&sql)
            .bind(customer)
            .fetch_all(&mut **tx)
            .await?;
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let payload: String = row.try_get("payload")?;
            let Ok(mut json) = serde_json::from_str::<Value>(&payload) else {
                continue;
            };
            let Some(preview) = json.get("preview").and_then(Value::as_str) else {
                continue;
            };
            if preview.is_empty() || !text.starts_with(preview) {
                continue;
            }
            json["preview"] = Value::from(DELETED_PREVIEW);
            sqlx::query(&format!("UPDATE {table} SET payload = $1 WHERE id = $2"))
                .bind(json.to_string())
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// The Business Messaging API's copy: the inbound webhook that forwarded the message
/// (`reference` is its mid) keeps its envelope and loses the text and the media URL,
/// delivered or not (one not yet delivered goes out without them, before the
/// MessageDelete that follows it).
async fn scrub_api_webhooks(
    tx: &mut Transaction<'static, Any>,
    account: i64,
    mid: &str,
) -> Result<()> {
    let rows = sqlx::query(
        "SELECT id, payload FROM api_webhooks WHERE account_id = $1 AND stream = 'inbound' \
         AND payload LIKE $2",
    )
    .bind(account)
    .bind(format!("%{mid}%"))
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let payload: String = row.try_get("payload")?;
        if let Some(scrubbed) = scrub_inbound(&payload, mid) {
            sqlx::query("UPDATE api_webhooks SET payload = $1 WHERE id = $2")
                .bind(scrubbed)
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// An inbound message webhook's payload about `mid`, without its words and media.
fn scrub_inbound(payload: &str, mid: &str) -> Option<String> {
    let mut json: Value = serde_json::from_str(payload).ok()?;
    if json.get("reference").and_then(Value::as_str) != Some(mid) {
        return None;
    }
    let message = json.get_mut("message")?.as_object_mut()?;
    message.insert("text".into(), Value::from(""));
    message.remove("media");
    if let Some(custom) = message.get_mut("custom").and_then(Value::as_object_mut) {
        custom.remove("suggestions");
    }
    Some(json.to_string())
}

/// `body` with the content of message `mid` removed; None when nothing changes. A
/// body that is not JSON (a rejected delivery) and names the message is blanked.
fn scrub_body(body: &[u8], mid: &str) -> Option<Vec<u8>> {
    let Ok(mut json) = serde_json::from_slice::<Value>(body) else {
        return Some(Vec::new());
    };
    if !scrub(&mut json, mid) {
        return None;
    }
    serde_json::to_vec(&json).ok()
}

/// Walks `value`; every object whose `mid` is `mid` keeps only the `KEPT` keys.
/// Answers whether anything was removed.
fn scrub(value: &mut Value, mid: &str) -> bool {
    match value {
        Value::Object(map) => {
            let mut changed = false;
            if map.get("mid").and_then(Value::as_str) == Some(mid) {
                let before = map.len();
                map.retain(|k, _| KEPT.contains(&k.as_str()));
                changed = map.len() != before;
            }
            for v in map.values_mut() {
                changed |= scrub(v, mid);
            }
            changed
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| scrub(v, mid) | changed),
        _ => false,
    }
}

impl SqlStore {
    /// Blanks the bodies of deliveries received before `before` that are processed
    /// or rejected (never a pending one: processing still needs it). Answers how many.
    pub(super) async fn blank_old_bodies(&self, before: Millis) -> Result<u64> {
        let mut blanked = 0;
        loop {
            let mut tx = self.write().await?;
            let n = sqlx::query(
                "UPDATE deliveries SET body = $1 WHERE id IN (SELECT id FROM deliveries \
                 WHERE received_at < $2 AND status <> 'pending' AND length(body) > 0 LIMIT $3)",
            )
            .bind(Vec::<u8>::new())
            .bind(before)
            .bind(PRUNE_BATCH)
            .execute(&mut *tx.tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            blanked += n;
            if (n as i64) < PRUNE_BATCH {
                return Ok(blanked);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::scrub_body;
    use serde_json::json;

    #[test]
    fn the_deleted_message_loses_its_content_and_others_keep_theirs() {
        let body = json!({"object": "instagram", "entry": [{"id": "1", "time": 1, "messaging": [
            {"sender": {"id": "2"}, "recipient": {"id": "1"}, "timestamp": 1,
             "message": {"mid": "m1", "text": "secret", "attachments": [
                {"type": "image", "payload": {"url": "https://cdn.example/x.jpg"}}]}},
            {"sender": {"id": "2"}, "recipient": {"id": "1"}, "timestamp": 2,
             "message": {"mid": "m2", "text": "kept"}},
            {"sender": {"id": "2"}, "recipient": {"id": "1"}, "timestamp": 3,
             "message_edit": {"mid": "m1", "text": "secret too", "num_edit": 1}}
        ]}]});
        let out = scrub_body(&serde_json::to_vec(&body).unwrap(), "m1").unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(!text.contains("secret"), "{text}");
        assert!(!text.contains("cdn.example"), "{text}");
        assert!(text.contains("kept"), "{text}");
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            json["entry"][0]["messaging"][0]["message"],
            json!({"mid": "m1"})
        );
        assert_eq!(
            json["entry"][0]["messaging"][2]["message_edit"],
            json!({"mid": "m1", "num_edit": 1})
        );
        // Nothing to remove: left as it is.
        assert_eq!(scrub_body(&out, "m1"), None);
        assert_eq!(scrub_body(b"not json m1", "m1"), Some(Vec::new()));
    }

    #[test]
    fn the_api_users_copy_loses_words_and_media() {
        let payload = json!({"reference": "m1", "from": {"number": "2"}, "message": {
            "text": "secret", "media": {"mediaUri": "https://cdn.example/x.jpg"},
            "custom": {"username": "ana"}}});
        let out = super::scrub_inbound(&payload.to_string(), "m1").unwrap();
        assert!(
            !out.contains("secret") && !out.contains("cdn.example"),
            "{out}"
        );
        assert!(out.contains("\"username\":\"ana\""), "{out}");
        assert_eq!(super::scrub_inbound(&payload.to_string(), "m2"), None);
    }
}
