//! Inboxes as administrators set them up (RT-4, RT-5, RT-6): made by name, each with
//! its response target, when a quiet session ends by itself, and whether replies wait
//! for a topic. The JSON API (`PATCH /inboxes/{id}`, `POST /inboxes`) and the
//! Settings › Inboxes page both call these.

use super::access::require_admin;
use super::error::ServiceError;
use crate::app::App;
use crate::now_ms;
use igdesk_domain::InboxId;
use igdesk_store::{Agent, Inbox, InboxChange};

/// An inbox's name, in characters.
pub const NAME_CHARS: usize = 80;
/// A year: longer targets are typing mistakes, and keep the arithmetic on
/// milliseconds far from overflowing.
pub const LONGEST_SECONDS: i64 = 365 * 24 * 3_600;
/// The shortest response target.
pub const SHORTEST_TARGET_SECONDS: i64 = 1;
/// A session ending within a minute of the customer's last word would end while they
/// are still typing.
pub const SHORTEST_AUTO_END_SECONDS: i64 = 60;

/// Every inbox; the Instagram channel's default one is `is_default`.
pub async fn all(app: &App) -> Result<Vec<Inbox>, ServiceError> {
    Ok(app.store.inboxes().await?)
}

/// A new inbox, or the one of that name (1 to 80 characters).
pub async fn create(app: &App, admin: &Agent, name: &str) -> Result<Inbox, ServiceError> {
    require_admin(admin)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_CHARS {
        return Err(ServiceError::bad_request(
            "invalid_name",
            "an inbox needs a name of 1 to 80 characters",
        )
        .field("name"));
    }
    let inbox = app.store.ensure_inbox(name, now_ms()).await?;
    tracing::info!(inbox.id = inbox.id.0, by = admin.id.0, "inbox made");
    Ok(inbox)
}

/// Changes an inbox's settings; `None` keeps a value. Refused with `invalid_value`
/// (the field named as the JSON API names it) for a number of seconds out of range.
/// Routing and the SLA clocks read the inbox on their next turn: no restart.
pub async fn update(
    app: &App,
    admin: &Agent,
    inbox: InboxId,
    change: InboxChange,
) -> Result<Inbox, ServiceError> {
    require_admin(admin)?;
    check_seconds(
        change.sla_target_seconds,
        SHORTEST_TARGET_SECONDS,
        "sla_target_seconds",
    )?;
    check_seconds(
        change.auto_end_seconds,
        SHORTEST_AUTO_END_SECONDS,
        "auto_end_seconds",
    )?;
    let updated = app
        .store
        .update_inbox(inbox, change)
        .await?
        .ok_or_else(|| ServiceError::not_found("inbox"))?;
    tracing::info!(
        inbox.id = inbox.0,
        by = admin.id.0,
        "inbox settings changed"
    );
    Ok(updated)
}

fn check_seconds(value: Option<i64>, least: i64, field: &'static str) -> Result<(), ServiceError> {
    match value {
        Some(v) if !(least..=LONGEST_SECONDS).contains(&v) => Err(ServiceError::bad_request(
            "invalid_value",
            format!("{field} must be from {least} to {LONGEST_SECONDS} seconds"),
        )
        .field(field)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_checked_against_their_floor_and_a_year() {
        assert!(check_seconds(None, 60, "auto_end_seconds").is_ok());
        assert!(check_seconds(Some(60), 60, "auto_end_seconds").is_ok());
        assert!(check_seconds(Some(LONGEST_SECONDS), 1, "sla_target_seconds").is_ok());
        let short = check_seconds(Some(59), 60, "auto_end_seconds").unwrap_err();
        assert_eq!(
            (short.code, short.field),
            ("invalid_value", Some("auto_end_seconds"))
        );
        let long = check_seconds(Some(LONGEST_SECONDS + 1), 1, "sla_target_seconds").unwrap_err();
        assert_eq!(long.field, Some("sla_target_seconds"));
    }
}
