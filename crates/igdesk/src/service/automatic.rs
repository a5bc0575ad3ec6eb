//! Automatic replies as administrators set them (OUT-9): an inbox's business hours
//! and the rules. The JSON API (`/inboxes/{id}/business-hours`, `/rules`) and the
//! Settings › Automatic replies page both call these. Values are checked here, with
//! the field at fault, before the store sees them: a value that is understood but
//! not usable (an unknown time zone, a closing time before the opening) is refused
//! with 422, as Instagram's own rules are.
//!
//! What processing does with them is `igdesk_store`'s `automatic_apply`.

use super::access::require_admin;
use super::error::{Kind, ServiceError};
use crate::app::App;
use crate::now_ms;
use igdesk_domain::automatic::{rule, Actions, BusinessHours, Invalid, Rule, Trigger};
use igdesk_domain::rules::{check_text, Channel};
use igdesk_domain::{InboxId, RuleId};
use igdesk_store::{Agent, NewRule, RuleChange};

fn invalid(e: Invalid) -> ServiceError {
    ServiceError::new(Kind::Refused, e.code, e.message).field(e.field)
}

/// Every inbox's business hours (administrators).
pub async fn all_hours(
    app: &App,
    admin: &Agent,
) -> Result<Vec<(InboxId, BusinessHours)>, ServiceError> {
    require_admin(admin)?;
    Ok(app.store.all_business_hours().await?)
}

/// The inbox's business hours; `None` when it has none (always open, no automatic
/// messages).
pub async fn hours(
    app: &App,
    admin: &Agent,
    inbox: InboxId,
) -> Result<Option<BusinessHours>, ServiceError> {
    require_admin(admin)?;
    known_inbox(app, inbox).await?;
    Ok(app.store.business_hours(inbox).await?)
}

/// Sets the inbox's business hours, checked first, and gives them as stored. Processing
/// reads them for its next batch: no restart.
pub async fn set_hours(
    app: &App,
    admin: &Agent,
    inbox: InboxId,
    hours: BusinessHours,
) -> Result<BusinessHours, ServiceError> {
    require_admin(admin)?;
    hours.validate().map_err(invalid)?;
    let hours = hours.normalized();
    for (text, field) in [
        (&hours.away_message, "away_message"),
        (&hours.greeting, "greeting"),
    ] {
        if let Some(text) = text {
            check_text(text, Channel::Api).map_err(|e| {
                ServiceError::new(Kind::Refused, e.code(), e.to_string()).field(field)
            })?;
        }
    }
    store_hours(app, admin, inbox, Some(&hours)).await?;
    Ok(hours)
}

/// Removes the inbox's business hours (there may be none): always open, no away
/// message or greeting.
pub async fn remove_hours(app: &App, admin: &Agent, inbox: InboxId) -> Result<(), ServiceError> {
    require_admin(admin)?;
    store_hours(app, admin, inbox, None).await
}

async fn store_hours(
    app: &App,
    admin: &Agent,
    inbox: InboxId,
    hours: Option<&BusinessHours>,
) -> Result<(), ServiceError> {
    if !app.store.set_business_hours(inbox, hours, now_ms()).await? {
        return Err(ServiceError::not_found("inbox"));
    }
    tracing::info!(
        inbox.id = inbox.0,
        by = admin.id.0,
        "business hours changed"
    );
    Ok(())
}

async fn known_inbox(app: &App, inbox: InboxId) -> Result<(), ServiceError> {
    if app.store.inboxes().await?.iter().any(|i| i.id == inbox) {
        Ok(())
    } else {
        Err(ServiceError::not_found("inbox"))
    }
}

/// Every rule, in the order they are checked (administrators).
pub async fn rules(app: &App, admin: &Agent) -> Result<Vec<Rule>, ServiceError> {
    require_admin(admin)?;
    Ok(app.store.rules().await?)
}

pub async fn rule(app: &App, admin: &Agent, id: RuleId) -> Result<Rule, ServiceError> {
    require_admin(admin)?;
    app.store
        .rule(id)
        .await?
        .ok_or_else(|| ServiceError::not_found("rule"))
}

/// A rule as given, before it is checked.
pub struct RuleInput {
    pub name: String,
    pub inbox_id: Option<InboxId>,
    pub enabled: bool,
    pub trigger: Trigger,
    pub actions: Actions,
}

/// Checks what a rule says, and that the inboxes and topic it names exist.
async fn check(
    app: &App,
    name: &str,
    inbox: Option<InboxId>,
    trigger: &Trigger,
    actions: &Actions,
) -> Result<(), ServiceError> {
    rule::validate(name, trigger, actions).map_err(invalid)?;
    let inboxes = app.store.inboxes().await?;
    for (id, field) in [
        (inbox, "inbox_id"),
        (actions.route_to_inbox_id, "route_to_inbox_id"),
    ] {
        if let Some(id) = id {
            if !inboxes.iter().any(|i| i.id == id) {
                return Err(
                    ServiceError::new(Kind::Refused, "unknown_inbox", "no such inbox").field(field),
                );
            }
        }
    }
    if let Some(topic) = actions.topic_id {
        if !app.store.topics().await?.iter().any(|t| t.id == topic) {
            return Err(
                ServiceError::new(Kind::Refused, "unknown_topic", "no such topic")
                    .field("topic_id"),
            );
        }
    }
    Ok(())
}

fn tidy(mut actions: Actions) -> Actions {
    actions.reply_text = actions
        .reply_text
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    for q in &mut actions.quick_replies {
        q.title = q.title.trim().to_owned();
    }
    actions
}

/// Processing checks every rule against every customer message and compiles the
/// patterns once per batch: a few hundred is plenty for people to keep in order.
pub const MAX_RULES: usize = 200;

/// A new rule, checked last in the order.
pub async fn create(app: &App, admin: &Agent, input: RuleInput) -> Result<Rule, ServiceError> {
    require_admin(admin)?;
    if app.store.rules().await?.len() >= MAX_RULES {
        return Err(ServiceError::conflict(
            "too_many_rules",
            format!("at most {MAX_RULES} rules: change or delete one first"),
        ));
    }
    let actions = tidy(input.actions);
    let name = input.name.trim().to_owned();
    check(app, &name, input.inbox_id, &input.trigger, &actions).await?;
    let rule = app
        .store
        .add_rule(
            NewRule {
                name,
                inbox_id: input.inbox_id,
                enabled: input.enabled,
                trigger: input.trigger,
                actions,
            },
            now_ms(),
        )
        .await?;
    tracing::info!(rule.id = rule.id.0, by = admin.id.0, "rule added");
    Ok(rule)
}

/// What an edit changes; a field left out (`None`) stays as it is.
#[derive(Debug, Default)]
pub struct RulePatch {
    pub name: Option<String>,
    /// `Some(None)`: every inbox.
    pub inbox_id: Option<Option<InboxId>>,
    pub position: Option<i64>,
    pub enabled: Option<bool>,
    pub trigger: Option<Trigger>,
    pub reply_text: Option<Option<String>>,
    pub quick_replies: Option<Vec<igdesk_domain::automatic::QuickReply>>,
    pub topic_id: Option<Option<igdesk_domain::TopicId>>,
    pub route_to_inbox_id: Option<Option<InboxId>>,
}

/// Changes a rule; what is left out stays. The rule as it would be is checked whole.
pub async fn update(
    app: &App,
    admin: &Agent,
    id: RuleId,
    patch: RulePatch,
) -> Result<Rule, ServiceError> {
    let current = rule(app, admin, id).await?;
    let mut actions = current.actions.clone();
    if let Some(text) = patch.reply_text {
        actions.reply_text = text;
    }
    if let Some(quick) = patch.quick_replies {
        actions.quick_replies = quick;
    }
    if let Some(topic) = patch.topic_id {
        actions.topic_id = topic;
    }
    if let Some(inbox) = patch.route_to_inbox_id {
        actions.route_to_inbox_id = inbox;
    }
    let actions = tidy(actions);
    let name = patch.name.map(|n| n.trim().to_owned());
    check(
        app,
        name.as_deref().unwrap_or(&current.name),
        patch.inbox_id.unwrap_or(current.inbox_id),
        patch.trigger.as_ref().unwrap_or(&current.trigger),
        &actions,
    )
    .await?;
    let change = RuleChange {
        name,
        inbox_id: patch.inbox_id,
        position: patch.position,
        enabled: patch.enabled,
        trigger: patch.trigger,
        actions: Some(actions),
    };
    let updated = app
        .store
        .update_rule(id, change, now_ms())
        .await?
        .ok_or_else(|| ServiceError::not_found("rule"))?;
    tracing::info!(rule.id = id.0, by = admin.id.0, "rule changed");
    Ok(updated)
}

/// Checks the rule before the one above it: the two change places.
pub async fn move_up(app: &App, admin: &Agent, id: RuleId) -> Result<Rule, ServiceError> {
    let all = rules(app, admin).await?;
    let at = all
        .iter()
        .position(|r| r.id == id)
        .ok_or_else(|| ServiceError::not_found("rule"))?;
    let Some(above) = at.checked_sub(1).map(|i| &all[i]) else {
        return Ok(all[at].clone());
    };
    let this = &all[at];
    // Equal positions (set so through the API) are ordered by id: go one before.
    let (mine, theirs) = if this.position == above.position {
        (above.position - 1, above.position)
    } else {
        (above.position, this.position)
    };
    let place = |position| RuleChange {
        position: Some(position),
        ..RuleChange::default()
    };
    let now = now_ms();
    app.store.update_rule(above.id, place(theirs), now).await?;
    app.store
        .update_rule(id, place(mine), now)
        .await?
        .ok_or_else(|| ServiceError::not_found("rule"))
}

pub async fn delete(app: &App, admin: &Agent, id: RuleId) -> Result<(), ServiceError> {
    require_admin(admin)?;
    if !app.store.delete_rule(id).await? {
        return Err(ServiceError::not_found("rule"));
    }
    tracing::info!(rule.id = id.0, by = admin.id.0, "rule deleted");
    Ok(())
}

/// An inbox's state for the dashboard: open now, or closed (and whether the away
/// message goes).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct InboxHoursState {
    #[schema(value_type = i64)]
    pub inbox_id: InboxId,
    pub inbox: String,
    pub open: bool,
    pub away_message: bool,
}

impl InboxHoursState {
    /// "Open now", "Closed — away message on" …
    pub fn words(&self) -> &'static str {
        match (self.open, self.away_message) {
            (true, _) => "Open now",
            (false, true) => "Closed — away message on",
            (false, false) => "Closed",
        }
    }
}

/// Each inbox with business hours, open or closed at `now`. Read by the dashboard
/// for everyone: it says nothing an agent cannot see on the desk anyway.
pub async fn states(app: &App, now: i64) -> Result<Vec<InboxHoursState>, ServiceError> {
    let hours = app.store.all_business_hours().await?;
    if hours.is_empty() {
        return Ok(Vec::new());
    }
    let inboxes = app.store.inboxes().await?;
    Ok(hours
        .into_iter()
        .filter_map(|(id, h)| {
            let inbox = inboxes.iter().find(|i| i.id == id)?;
            Some(InboxHoursState {
                inbox_id: id,
                inbox: inbox.name.clone(),
                open: h.is_open(now),
                away_message: h.away_message.is_some(),
            })
        })
        .collect())
}

/// `igdesk demo`'s automatic replies: business hours on `inbox` (weekdays in
/// Amsterdam, an away message and a greeting) and two rules. Rules already there (by
/// name) are left alone, so a demo started again on its database adds none twice.
pub async fn add_demo_automation(
    app: &App,
    admin: &Agent,
    inbox: InboxId,
) -> Result<(), ServiceError> {
    use igdesk_domain::automatic::{OpenRange, QuickReply, Weekly};
    let mut weekly = Weekly::default();
    for day in 0..5 {
        *weekly.day_mut(day) = vec![OpenRange {
            open: "09:00".into(),
            close: "17:30".into(),
        }];
    }
    let hours = BusinessHours {
        time_zone: "Europe/Amsterdam".into(),
        weekly,
        holidays: vec!["2026-12-25".into(), "2026-12-26".into()],
        away_message: Some(
            "Thanks for your message! We're closed now; we answer weekdays from 9:00 to 17:30 (Amsterdam time).".into(),
        ),
        greeting: Some("Hi, welcome to the shop! An agent will be with you shortly.".into()),
    };
    set_hours(app, admin, inbox, hours).await?;
    let have = rules(app, admin).await?;
    let demo = [
        RuleInput {
            name: "Prices".into(),
            inbox_id: None,
            enabled: true,
            trigger: Trigger::Keywords {
                keywords: vec!["price".into(), "cost".into(), "how much".into()],
            },
            actions: Actions {
                reply_text: Some("Our prices are on shop.example/prices. Anything else?".into()),
                quick_replies: vec![
                    QuickReply {
                        title: "Sizes".into(),
                        payload: "SIZES".into(),
                    },
                    QuickReply {
                        title: "Shipping".into(),
                        payload: "SHIPPING".into(),
                    },
                ],
                ..Actions::default()
            },
        },
        RuleInput {
            name: "Order status".into(),
            inbox_id: None,
            enabled: true,
            trigger: Trigger::Regex {
                pattern: r"(?i)\b(where is|track)\b.*\border\b".into(),
            },
            actions: Actions {
                reply_text: Some(
                    "You can follow your order at shop.example/track; an agent will check it too."
                        .into(),
                ),
                ..Actions::default()
            },
        },
    ];
    for input in demo {
        if !have.iter().any(|r| r.name == input.name) {
            create(app, admin, input).await?;
        }
    }
    Ok(())
}
