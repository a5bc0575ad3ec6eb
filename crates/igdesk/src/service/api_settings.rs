//! An account's Business Messaging API settings (API-3…API-5), as administrators set
//! them: whether the API is on, where inbound messages and status reports go, who gets
//! a customer asking for a person, how long webhooks are retried, the signing secret
//! (shown once, when made). The JSON API (`/accounts/{id}/api`) and the Settings ›
//! API & webhooks page both call these.

use super::access::require_admin;
use super::entry_points::account;
use super::error::ServiceError;
use crate::app::App;
use crate::now_ms;
use igdesk_domain::AccountId;
use igdesk_store::{Agent, ApiSettings, HandoverTarget, WebhookCounts, WebhookFailure};
use secrecy::SecretString;

/// CM.com retries inbound messages for up to a month and status reports for 7 days.
pub const INBOUND_RETRY_HOURS: i64 = 30 * 24;
pub const STATUS_RETRY_HOURS: i64 = 7 * 24;
/// The longest retry period: 90 days.
pub const LONGEST_RETRY_HOURS: i64 = 2160;

/// The settings to save. URLs are replaced as given (`None` or empty: not sent); a
/// handover target or retry period left out keeps its value (or the default).
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub inbound_url: Option<String>,
    pub status_url: Option<String>,
    pub handover: Option<HandoverTarget>,
    pub inbound_retry_hours: Option<i64>,
    pub status_retry_hours: Option<i64>,
    /// A new signing secret replaces the old one.
    pub rotate_secret: bool,
}

/// The settings as saved and, when one was just made, the signing secret: shown
/// this once.
pub struct Saved {
    pub settings: ApiSettings,
    pub signing_secret: Option<SecretString>,
}

/// The account's settings; `None` while the API is off for it.
pub async fn get(
    app: &App,
    admin: &Agent,
    account_id: AccountId,
) -> Result<Option<ApiSettings>, ServiceError> {
    require_admin(admin)?;
    let found = account(app, account_id).await?;
    Ok(app.store.api_settings(found.id).await?)
}

/// Turns the API on for an account (a signing secret is made), or changes its
/// settings. Refused with `invalid_url` for a URL that is not https (or http while
/// `IGDESK_WEBHOOK_ALLOW_PRIVATE` is on), `private_url` for one at a loopback,
/// private, link-local or reserved address (written in it or resolved now; allowed
/// by that setting), and `invalid_retry` for a period out of 1…2160 hours, each
/// naming its field. The webhook workers read the settings on every delivery: no
/// restart.
pub async fn set(
    app: &App,
    admin: &Agent,
    account_id: AccountId,
    change: Change,
) -> Result<Saved, ServiceError> {
    require_admin(admin)?;
    let found = account(app, account_id).await?;
    let before = app.store.api_settings(found.id).await?;
    for (url, field) in [
        (&change.inbound_url, "inbound_url"),
        (&change.status_url, "status_url"),
    ] {
        if let Some(url) = url.as_deref().filter(|u| !u.is_empty()) {
            check_url(url, field, app.settings.webhook_allow_private).await?;
        }
    }
    let inbound_retry = hours(
        change.inbound_retry_hours,
        "inbound_retry_hours",
        before.as_ref().map(|b| b.inbound_retry_seconds),
        INBOUND_RETRY_HOURS,
    )?;
    let status_retry = hours(
        change.status_retry_hours,
        "status_retry_hours",
        before.as_ref().map(|b| b.status_retry_seconds),
        STATUS_RETRY_HOURS,
    )?;
    let (secret_sealed, shown) = match (&before, change.rotate_secret) {
        (Some(b), false) => (b.secret_sealed.clone(), None),
        _ => {
            let secret = SecretString::from(crate::webhooks_out::new_secret());
            (app.sealer.seal(&secret), Some(secret))
        }
    };
    let settings = ApiSettings {
        inbound_url: change.inbound_url.filter(|u| !u.is_empty()),
        status_url: change.status_url.filter(|u| !u.is_empty()),
        secret_sealed,
        handover: change
            .handover
            .or(before.as_ref().map(|b| b.handover))
            .unwrap_or(HandoverTarget::Agents),
        inbound_retry_seconds: inbound_retry * 3600,
        status_retry_seconds: status_retry * 3600,
    };
    app.store
        .set_api_settings(found.id, &settings, now_ms())
        .await?;
    tracing::info!(
        account.id = found.id.0,
        turned_on = before.is_none(),
        secret_rotated = before.is_some() && shown.is_some(),
        by = admin.id.0,
        "API settings saved"
    );
    Ok(Saved {
        settings,
        signing_secret: shown,
    })
}

/// A new signing secret, everything else kept; refused with `not_found` while the
/// API is off (turning it on makes one).
pub async fn rotate_secret(
    app: &App,
    admin: &Agent,
    account_id: AccountId,
) -> Result<Saved, ServiceError> {
    let current = get(app, admin, account_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("API settings"))?;
    let change = Change {
        inbound_url: current.inbound_url,
        status_url: current.status_url,
        handover: Some(current.handover),
        inbound_retry_hours: Some(current.inbound_retry_seconds / 3600),
        status_retry_hours: Some(current.status_retry_seconds / 3600),
        rotate_secret: true,
    };
    set(app, admin, account_id, change).await
}

/// Turns the API off for an account; webhooks not yet delivered are dropped.
/// Refused with `not_found` when it was off.
pub async fn turn_off(app: &App, admin: &Agent, account_id: AccountId) -> Result<(), ServiceError> {
    require_admin(admin)?;
    let found = account(app, account_id).await?;
    match app.store.disable_api(found.id).await? {
        true => {
            tracing::info!(account.id = found.id.0, by = admin.id.0, "API turned off");
            Ok(())
        }
        false => Err(ServiceError::not_found("API settings")),
    }
}

/// How the account's webhooks fare: counts by state.
pub async fn counts(app: &App, account: AccountId) -> Result<WebhookCounts, ServiceError> {
    Ok(app.store.webhook_counts(account).await?)
}

/// The account's newest webhooks not acknowledged by the user's URL, newest first.
pub async fn failures(
    app: &App,
    account: AccountId,
    limit: i64,
) -> Result<Vec<WebhookFailure>, ServiceError> {
    Ok(app.store.webhook_failures(account, limit).await?)
}

/// Where webhooks may go (`webhooks_out::target`), refusals naming the field.
async fn check_url(
    url: &str,
    field: &'static str,
    allow_private: bool,
) -> Result<(), ServiceError> {
    crate::webhooks_out::target::check_saved(url, allow_private)
        .await
        .map_err(|refused| {
            ServiceError::bad_request(refused.code(), format!("{field} {refused}")).field(field)
        })
}

/// A retry period in hours: the one given (1…2160), else the stored one, else the
/// default.
fn hours(
    given: Option<i64>,
    field: &'static str,
    stored_seconds: Option<i64>,
    default: i64,
) -> Result<i64, ServiceError> {
    match given {
        Some(h) if !(1..=LONGEST_RETRY_HOURS).contains(&h) => Err(ServiceError::bad_request(
            "invalid_retry",
            format!("{field} must be 1 to {LONGEST_RETRY_HOURS} hours"),
        )
        .field(field)),
        Some(h) => Ok(h),
        None => Ok(stored_seconds.map_or(default, |seconds| seconds / 3600)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn urls_are_https_to_public_addresses_unless_private_ones_are_allowed() {
        let url = |u: &'static str, allow: bool| check_url(u, "inbound_url", allow);
        assert!(url("https://93.184.215.14/in", false).await.is_ok());
        assert!(url("http://127.0.0.1:9/in", true).await.is_ok());
        let ftp = check_url("ftp://bot.example", "status_url", true)
            .await
            .unwrap_err();
        assert_eq!((ftp.code, ftp.field), ("invalid_url", Some("status_url")));
        let http = url("http://93.184.215.14/in", false).await.unwrap_err();
        assert_eq!(http.code, "invalid_url");
        assert!(http.message.contains("IGDESK_WEBHOOK_ALLOW_PRIVATE"));
        let private = url("https://10.0.0.1/in", false).await.unwrap_err();
        assert_eq!(
            (private.code, private.field),
            ("private_url", Some("inbound_url"))
        );
    }

    #[test]
    fn a_retry_period_left_out_keeps_the_stored_one_or_the_default() {
        assert_eq!(hours(Some(5), "f", Some(7_200), 720), Ok(5));
        assert_eq!(hours(None, "f", Some(7_200), 720), Ok(2));
        assert_eq!(hours(None, "f", None, 720), Ok(720));
        assert_eq!(
            hours(Some(0), "f", None, 720).unwrap_err().code,
            "invalid_retry"
        );
        assert_eq!(
            hours(Some(2161), "f", None, 720).unwrap_err().field,
            Some("f")
        );
    }
}
