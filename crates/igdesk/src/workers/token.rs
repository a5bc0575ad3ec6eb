//! `refresh_token`: Instagram-Login tokens last 60 days; igdesk renews each one every
//! 30 days, on a schedule rather than when a call happens to fail (ACC-6).

use super::Outcome;
use crate::app::App;
use crate::now_ms;
use igdesk_domain::time::DAY;
use igdesk_domain::Millis;
use igdesk_meta::{ErrorAction, LoginPath};
use igdesk_store::Job;
use secrecy::SecretString;

/// Renewed halfway through the token's life: a missed day or two costs nothing.
pub const REFRESH_EVERY: Millis = 30 * DAY;

pub async fn refresh(app: &App, job: &Job) -> Outcome {
    let account = match super::account_of(app, job).await {
        Ok(account) => account,
        Err(outcome) => return outcome,
    };
    let id = account.id;
    if LoginPath::parse(&account.login_path) != Some(LoginPath::Instagram) {
        return Outcome::Done; // Page tokens do not expire this way.
    }
    let token = match app
        .sealer
        .unseal_token(&account.ig_id, &account.token_sealed)
    {
        Ok(t) => t,
        Err(e) => return Outcome::GiveUp(e.to_string()),
    };
    match app.graph.refresh_instagram_token(&token).await {
        Ok(fresh) => {
            let sealed = app
                .sealer
                .seal_token(&account.ig_id, &SecretString::from(fresh.access_token));
            if let Err(e) = app.store.reconnect_account(&account.ig_id, &sealed).await {
                return Outcome::retry(e);
            }
            tracing::info!(account = %account.ig_id, "Instagram token renewed");
            app.wake.sends.notify_waiters();
            Outcome::Again(now_ms() + REFRESH_EVERY)
        }
        Err(e) => match e.action() {
            ErrorAction::RetryLater | ErrorAction::BackOff => Outcome::Retry {
                error: e.to_string(),
                after: e.retry_after().map(|d| d.as_millis() as i64),
            },
            ErrorAction::Reconnect | ErrorAction::GiveUp => {
                let _ = app
                    .store
                    .mark_needs_reconnect(id, &account.token_sealed, &e.to_string())
                    .await;
                Outcome::GiveUp(e.to_string())
            }
        },
    }
}
