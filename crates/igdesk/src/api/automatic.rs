//! Automatic replies' settings (admin, OUT-9): an inbox's business hours
//! (`/inboxes/{id}/business-hours`) and the rules (`/rules`). The rules are
//! `service::automatic`; values that are understood but unusable answer 422 with the
//! field at fault, a body that cannot be read 400 `invalid_body`.

use super::auth::Admin;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use super::read_api::List;
use crate::app::App;
use crate::now_ms;
use crate::service::automatic::{self as service, RuleInput, RulePatch};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use igdesk_domain::automatic::{Actions, BusinessHours, QuickReply, Rule, Trigger};
use igdesk_domain::{InboxId, RuleId, TopicId};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

fn inbox_id(id: &str) -> Result<InboxId, ApiError> {
    id.parse()
        .map(InboxId)
        .map_err(|_| ApiError::not_found("inbox"))
}

fn rule_id(id: &str) -> Result<RuleId, ApiError> {
    id.parse()
        .map(RuleId)
        .map_err(|_| ApiError::not_found("rule"))
}

/// An inbox's business hours, and whether it is open now.
#[derive(Serialize, ToSchema)]
pub struct BusinessHoursView {
    #[schema(value_type = i64)]
    inbox_id: InboxId,
    business_hours: BusinessHours,
    open_now: bool,
}

fn hours_view(inbox: InboxId, hours: BusinessHours) -> BusinessHoursView {
    let open_now = hours.is_open(now_ms());
    BusinessHoursView {
        inbox_id: inbox,
        business_hours: hours,
        open_now,
    }
}

/// An inbox's business hours (administrators). An inbox without them, never set or
/// removed, is always open and sends no away message or greeting: 404, as for any
/// removed resource.
#[utoipa::path(
    get,
    path = "/inboxes/{id}/business-hours",
    tag = "automatic replies",
    params(("id" = i64, Path, description = "The inbox")),
    responses(
        (status = 200, description = "The business hours", body = BusinessHoursView),
        (status = 403, description = "Not an administrator", body = ApiError),
        (status = 404, description = "No such inbox, or it has no business hours (`no_business_hours`): always open", body = ApiError),
    )
)]
pub async fn get_business_hours(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
) -> Result<Json<BusinessHoursView>, ApiError> {
    let inbox = inbox_id(&id)?;
    let hours = service::hours(&app, &admin, inbox).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_business_hours",
            "this inbox has no business hours: it is always open",
        )
    })?;
    Ok(Json(hours_view(inbox, hours)))
}

/// Sets an inbox's business hours (administrators), replacing what was set. Outside
/// them the away message goes once per conversation; within them the greeting
/// answers a customer's first message ever. Routing is unchanged either way.
#[utoipa::path(
    put,
    path = "/inboxes/{id}/business-hours",
    tag = "automatic replies",
    params(("id" = i64, Path, description = "The inbox")),
    request_body = BusinessHours,
    responses(
        (status = 200, description = "The business hours as stored", body = BusinessHoursView),
        (status = 400, description = "A body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such inbox", body = ApiError),
        (status = 422, description = "`unknown_time_zone` (`time_zone`), `invalid_hours`, `close_before_open`, `overlapping_hours` (`weekly.mon` … `weekly.sun`), `invalid_date` (`holidays`), `text_too_long` (`away_message`, `greeting`); `field` names it", body = ApiError),
    )
)]
pub async fn put_business_hours(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<BusinessHours>,
) -> Result<Json<BusinessHoursView>, ApiError> {
    let inbox = inbox_id(&id)?;
    let hours = service::set_hours(&app, &admin, inbox, body).await?;
    Ok(Json(hours_view(inbox, hours)))
}

/// Removes an inbox's business hours (administrators): always open, no away message
/// or greeting.
#[utoipa::path(
    delete,
    path = "/inboxes/{id}/business-hours",
    tag = "automatic replies",
    params(("id" = i64, Path, description = "The inbox")),
    responses(
        (status = 204, description = "Removed (or there were none)"),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such inbox", body = ApiError),
    )
)]
pub async fn delete_business_hours(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    service::remove_hours(&app, &admin, inbox_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A rule as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct RuleView {
    #[schema(value_type = i64)]
    id: RuleId,
    name: String,
    /// `null`: every inbox.
    #[schema(value_type = Option<i64>)]
    inbox_id: Option<InboxId>,
    /// Rules are checked by position (then id); the first that matches wins.
    position: i64,
    enabled: bool,
    when: Trigger,
    /// Sent to the customer (to a comment, as a private reply).
    reply_text: Option<String>,
    quick_replies: Vec<QuickReply>,
    #[schema(value_type = Option<i64>)]
    topic_id: Option<TopicId>,
    #[schema(value_type = Option<i64>)]
    route_to_inbox_id: Option<InboxId>,
}

fn view(rule: Rule) -> RuleView {
    RuleView {
        id: rule.id,
        name: rule.name,
        inbox_id: rule.inbox_id,
        position: rule.position,
        enabled: rule.enabled,
        when: rule.trigger,
        reply_text: rule.actions.reply_text,
        quick_replies: rule.actions.quick_replies,
        topic_id: rule.actions.topic_id,
        route_to_inbox_id: rule.actions.route_to_inbox_id,
    }
}

/// Every rule, in the order they are checked (administrators).
#[utoipa::path(
    get,
    path = "/rules",
    tag = "automatic replies",
    responses(
        (status = 200, description = "The rules", body = List<RuleView>),
        (status = 403, description = "Not an administrator", body = ApiError),
    )
)]
pub async fn list_rules(
    State(app): State<App>,
    Admin(admin): Admin,
) -> Result<Json<List<RuleView>>, ApiError> {
    let data = service::rules(&app, &admin)
        .await?
        .into_iter()
        .map(view)
        .collect();
    Ok(Json(List { data }))
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// 1 to 80 characters.
    name: String,
    /// Left out or `null`: every inbox.
    #[serde(default)]
    inbox_id: Option<i64>,
    #[serde(default = "yes")]
    enabled: bool,
    when: Trigger,
    /// At most 1,000 characters and 1,000 UTF-8 bytes (Meta's limits).
    #[serde(default)]
    reply_text: Option<String>,
    /// Up to 13, under `reply_text`; not for a comment (a private reply is text).
    #[serde(default)]
    quick_replies: Vec<QuickReply>,
    #[serde(default)]
    topic_id: Option<i64>,
    #[serde(default)]
    route_to_inbox_id: Option<i64>,
}

/// A new rule, checked after the others (administrators).
#[utoipa::path(
    post,
    path = "/rules",
    tag = "automatic replies",
    request_body = NewRule,
    responses(
        (status = 201, description = "The rule", body = RuleView),
        (status = 400, description = "A body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 409, description = "There are 200 rules already (`too_many_rules`)", body = ApiError),
        (status = 422, description = "`invalid_name`, `invalid_keywords`, `invalid_pattern`, `invalid_payload`, `invalid_post_id` (`when.…`), `nothing_to_do`, `text_too_long` (`reply_text`), `quick_replies_without_text`, `quick_replies_on_comment`, `too_many_quick_replies`, `invalid_quick_reply` (`quick_replies`), `unknown_inbox`, `unknown_topic`; `field` names it", body = ApiError),
    )
)]
pub async fn create_rule(
    State(app): State<App>,
    Admin(admin): Admin,
    JsonBody(body): JsonBody<NewRule>,
) -> Result<(StatusCode, Json<RuleView>), ApiError> {
    let input = RuleInput {
        name: body.name,
        inbox_id: body.inbox_id.map(InboxId),
        enabled: body.enabled,
        trigger: body.when,
        actions: Actions {
            reply_text: body.reply_text,
            quick_replies: body.quick_replies,
            topic_id: body.topic_id.map(TopicId),
            route_to_inbox_id: body.route_to_inbox_id.map(InboxId),
        },
    };
    let rule = service::create(&app, &admin, input).await?;
    Ok((StatusCode::CREATED, Json(view(rule))))
}

/// One rule (administrators).
#[utoipa::path(
    get,
    path = "/rules/{id}",
    tag = "automatic replies",
    params(("id" = i64, Path, description = "The rule")),
    responses(
        (status = 200, description = "The rule", body = RuleView),
        (status = 403, description = "Not an administrator", body = ApiError),
        (status = 404, description = "No such rule", body = ApiError),
    )
)]
pub async fn get_rule(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
) -> Result<Json<RuleView>, ApiError> {
    Ok(Json(view(
        service::rule(&app, &admin, rule_id(&id)?).await?,
    )))
}

/// A present field, even `null`: `Some(None)`, unlike one left out.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleEdit {
    name: Option<String>,
    /// An inbox, or `null` for every inbox; left out: unchanged.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    inbox_id: Option<Option<i64>>,
    /// Where it is checked: rules go by position, then id.
    position: Option<i64>,
    enabled: Option<bool>,
    when: Option<Trigger>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    reply_text: Option<Option<String>>,
    quick_replies: Option<Vec<QuickReply>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    topic_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    route_to_inbox_id: Option<Option<i64>>,
}

/// Changes a rule (administrators); fields left out stay as they are, `null` clears.
#[utoipa::path(
    patch,
    path = "/rules/{id}",
    tag = "automatic replies",
    params(("id" = i64, Path, description = "The rule")),
    request_body = RuleEdit,
    responses(
        (status = 200, description = "The rule as it is now", body = RuleView),
        (status = 400, description = "A body that cannot be read (`invalid_body`)", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such rule", body = ApiError),
        (status = 422, description = "The rule as it would be is refused, as for a new one; `field` names it", body = ApiError),
    )
)]
pub async fn update_rule(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<RuleEdit>,
) -> Result<Json<RuleView>, ApiError> {
    let patch = RulePatch {
        name: body.name,
        inbox_id: body.inbox_id.map(|i| i.map(InboxId)),
        position: body.position,
        enabled: body.enabled,
        trigger: body.when,
        reply_text: body.reply_text,
        quick_replies: body.quick_replies,
        topic_id: body.topic_id.map(|t| t.map(TopicId)),
        route_to_inbox_id: body.route_to_inbox_id.map(|i| i.map(InboxId)),
    };
    let rule = service::update(&app, &admin, rule_id(&id)?, patch).await?;
    Ok(Json(view(rule)))
}

/// Deletes a rule (administrators).
#[utoipa::path(
    delete,
    path = "/rules/{id}",
    tag = "automatic replies",
    params(("id" = i64, Path, description = "The rule")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such rule", body = ApiError),
    )
)]
pub async fn delete_rule(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    service::delete(&app, &admin, rule_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
