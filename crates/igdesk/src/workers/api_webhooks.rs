//! Delivers the webhooks owed to the Business Messaging API's user (API-4, API-5):
//! signed (Standard Webhooks), acknowledged by any 2xx, retried with exponential
//! backoff and jitter until their retry period ends, and in order per conversation
//! (the store hands out one per conversation and stream at a time).

use crate::app::App;
use crate::now_ms;
use crate::webhooks_out::signature;
use crate::webhooks_out::target;
use igdesk_domain::retry::backoff;
use igdesk_domain::Millis;
use igdesk_store::{DueWebhook, WebhookOutcome};
use rand::Rng;
use secrecy::ExposeSecret;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

const BATCH: i64 = 256;
const LEASE: Millis = 60_000;
/// A receiver that has not answered by then is tried again later.
const TIMEOUT: Duration = Duration::from_secs(10);
const FIRST_RETRY: Millis = 2_000;
/// CM.com retries every 5 minutes; backoff grows to that and stays there.
const LONGEST_RETRY: Millis = 5 * 60_000;
/// No URL configured for the stream any more: look again later.
const NO_URL_RETRY: Millis = 60_000;

pub async fn run(app: App, cancel: CancellationToken) {
    // Only public https targets, checked as they are connected to.
    let client = target::client(app.settings.webhook_allow_private, TIMEOUT);
    loop {
        let woken = app.wake.api_webhooks.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        if cancel.is_cancelled() {
            return;
        }
        let now = now_ms();
        let due = match app.store.claim_webhooks(BATCH, now, now + LEASE).await {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = %e, "cannot claim webhooks");
                Vec::new()
            }
        };
        if due.is_empty() {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = &mut woken => {}
                _ = tokio::time::sleep(super::IDLE_POLL) => {}
            }
            continue;
        }
        // Each is the head of its own conversation's queue: they may go side by side.
        let mut running = JoinSet::new();
        for webhook in due {
            running.spawn(deliver(app.clone(), client.clone(), webhook));
        }
        while running.join_next().await.is_some() {}
    }
}

async fn deliver(app: App, client: reqwest::Client, webhook: DueWebhook) {
    let stream = webhook.stream.as_str();
    let outcome = attempt(&app, &client, &webhook).await;
    let now = now_ms();
    let store = &app.store;
    let recorded = match outcome {
        Ok(()) => {
            metrics::counter!("igdesk_api_webhooks_total", "stream" => stream, "result" => "delivered")
                .increment(1);
            store
                .settle_webhook(webhook.id, WebhookOutcome::Delivered(now))
                .await
        }
        Err(error) if now >= webhook.expires_at => {
            tracing::warn!(webhook = %webhook.id, %error, "webhook given up: its retry period ended");
            metrics::counter!("igdesk_api_webhooks_total", "stream" => stream, "result" => "expired")
                .increment(1);
            store
                .settle_webhook(
                    webhook.id,
                    WebhookOutcome::Expired(format!("gave up: {error}")),
                )
                .await
        }
        Err(error) => {
            let later = match webhook.url {
                None => NO_URL_RETRY,
                Some(_) => {
                    let jitter = rand::thread_rng().gen::<f64>();
                    let attempt = (webhook.attempts + 1) as u32;
                    backoff(attempt, FIRST_RETRY, LONGEST_RETRY, jitter)
                }
            };
            metrics::counter!("igdesk_api_webhooks_total", "stream" => stream, "result" => "retry")
                .increment(1);
            let at = (now + later).min(webhook.expires_at.max(now + 1));
            store
                .settle_webhook(webhook.id, WebhookOutcome::Retry { at, error })
                .await
        }
    };
    if let Err(e) = recorded {
        // The lease runs out and it is attempted again: receivers dedupe on webhook-id.
        tracing::error!(webhook = %webhook.id, error = %e, "cannot record a webhook's outcome");
    }
}

async fn attempt(app: &App, client: &reqwest::Client, webhook: &DueWebhook) -> Result<(), String> {
    let url = webhook
        .url
        .as_deref()
        .ok_or("no URL is configured for this stream")?;
    // An address written in the URL is never resolved, so the client's resolver
    // cannot check it: this does (and the scheme), for URLs saved before a check
    // existed or while the setting was on.
    target::check_url(url, app.settings.webhook_allow_private)
        .map_err(|refused| format!("not sent to {url}: it {refused}"))?;
    let secret = app
        .sealer
        .unseal(&webhook.secret_sealed)
        .map_err(|e| format!("the signing secret cannot be read: {e}"))?;
    // The id is the same on every attempt, so the receiver can drop repeats.
    let id = format!("msg_{}", webhook.id);
    let timestamp = now_ms() / 1000;
    let body = webhook.payload.as_bytes();
    let signed = signature(secret.expose_secret(), &id, timestamp, body)
        .ok_or("the signing secret is not a whsec_ secret")?;
    let answer = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signed)
        .body(webhook.payload.clone())
        .send()
        .await
        .map_err(|e| format!("POST {url}: {}", reasons(&e.without_url())))?;
    let status = answer.status();
    if status.is_success() {
        Ok(())
    } else if status.is_redirection() {
        Err(format!(
            "POST {url} answered {status}: redirects are not followed"
        ))
    } else {
        Err(format!("POST {url} answered {status}"))
    }
}

/// An error and its causes, outermost first: reqwest's own text is only the
/// outermost ("error sending request"), the reason (a refused address, a
/// certificate, a timeout) is further in.
fn reasons(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}
