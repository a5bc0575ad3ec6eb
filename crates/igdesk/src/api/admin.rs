//! Configuration an administrator does (ACC-2, ACC-3) and the contact details an agent
//! keeps on a profile (RT-7).

use super::auth::{Admin, Caller};
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use super::read_api::List;
use crate::app::App;
use crate::service::entry_points::{self, SettingsChange};
use crate::service::inboxes;
use crate::service::people::{self, CONTACT_FIELD_CHARS};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use igdesk_domain::{AccountId, CustomerId, InboxId};
use igdesk_store::{Account, ContactDetails, Customer, Inbox};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// The inboxes; the Instagram channel's default one is `is_default`.
#[utoipa::path(
    get,
    path = "/inboxes",
    tag = "configuration",
    responses((status = 200, description = "The inboxes", body = List<Inbox>))
)]
pub async fn list_inboxes(
    State(app): State<App>,
    Caller(_): Caller,
) -> Result<Json<List<Inbox>>, ApiError> {
    Ok(Json(List {
        data: inboxes::all(&app).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInbox {
    /// 1 to 80 characters.
    name: String,
}

/// A new inbox, or the one of that name.
#[utoipa::path(
    post,
    path = "/inboxes",
    tag = "configuration",
    request_body = NewInbox,
    responses(
        (status = 201, description = "The inbox", body = Inbox),
        (status = 400, description = "No name, or a name too long (`invalid_name`)", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
    )
)]
pub async fn create_inbox(
    State(app): State<App>,
    Admin(admin): Admin,
    JsonBody(body): JsonBody<NewInbox>,
) -> Result<(StatusCode, Json<Inbox>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(inboxes::create(&app, &admin, &body.name).await?),
    ))
}

pub(super) fn account_id(raw: &str) -> Result<AccountId, ApiError> {
    raw.parse()
        .map(AccountId)
        .map_err(|_| ApiError::not_found("account"))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxChoice {
    /// The inbox this entry point's work goes to; `null` for the default inbox.
    inbox_id: Option<i64>,
}

/// An exception: this entry point's new work goes to another inbox (ACC-2).
#[utoipa::path(
    put,
    path = "/accounts/{id}/inbox",
    tag = "configuration",
    params(("id" = i64, Path, description = "The account (igdesk's id)")),
    request_body = InboxChoice,
    responses(
        (status = 200, description = "The account", body = Account),
        (status = 400, description = "No such inbox (`unknown_inbox`)", body = ApiError),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such account", body = ApiError),
    )
)]
pub async fn set_account_inbox(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<InboxChoice>,
) -> Result<Json<Account>, ApiError> {
    let id = account_id(&id)?;
    let inbox = body.inbox_id.map(InboxId);
    Ok(Json(
        entry_points::set_inbox(&app, &admin, id, inbox).await?,
    ))
}

/// Echo, Story mentions and comments: what opens conversations (ACC-3). Keys left
/// out keep their value.
#[utoipa::path(
    put,
    path = "/accounts/{id}/settings",
    tag = "configuration",
    params(("id" = i64, Path, description = "The account (igdesk's id)")),
    request_body = SettingsBody,
    responses(
        (status = 200, description = "The account", body = Account),
        (status = 403, description = "Not an administrator, or a cookie write without X-CSRF-Token", body = ApiError),
        (status = 404, description = "No such account", body = ApiError),
    )
)]
pub async fn set_account_settings(
    State(app): State<App>,
    Admin(admin): Admin,
    PathParams(id): PathParams<String>,
    JsonBody(settings): JsonBody<SettingsBody>,
) -> Result<Json<Account>, ApiError> {
    let id = account_id(&id)?;
    let change = SettingsChange {
        echo: settings.echo,
        story_mentions_create_conversations: settings.story_mentions_create_conversations,
        comments_create_conversations: settings.comments_create_conversations,
    };
    Ok(Json(
        entry_points::set_conversation_settings(&app, &admin, id, change).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    echo: Option<bool>,
    story_mentions_create_conversations: Option<bool>,
    comments_create_conversations: Option<bool>,
}

/// Instagram's facts about a customer: shown, never edited in igdesk (IN-5).
const INSTAGRAM_FACTS: [&str; 9] = [
    "name",
    "username",
    "igsid",
    "profile_pic",
    "follower_count",
    "is_verified",
    "follows_business",
    "business_follows",
    "instagram",
];

/// Contact details to change; Instagram's facts cannot be.
// Describes the body `update_contact` reads as a map (so that it can name read-only and
// unknown keys); never built.
#[derive(ToSchema)]
#[allow(dead_code)]
struct ContactPatch {
    /// An empty string or null clears a field; a key left out keeps its value.
    phone: Option<String>,
    email: Option<String>,
    /// At most 2,000 characters, like the others.
    notes: Option<String>,
}

/// Contact details kept on a profile: phone, email, notes. Instagram's facts are
/// read-only.
#[utoipa::path(
    patch,
    path = "/customers/{id}",
    tag = "customers",
    params(("id" = i64, Path, description = "The customer")),
    request_body = ContactPatch,
    responses(
        (status = 200, description = "The customer", body = Customer),
        (status = 400, description = "An Instagram fact (`read_only`), an unknown key (`unknown_field`) or a bad value (`invalid_value`)", body = ApiError),
        (status = 404, description = "No such customer in the caller's inboxes", body = ApiError),
    )
)]
pub async fn update_contact(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Json<Customer>, ApiError> {
    let id = id
        .parse()
        .map(CustomerId)
        .map_err(|_| ApiError::not_found("customer"))?;
    let mut contact = ContactDetails::default();
    for (key, value) in body {
        let slot = match key.as_str() {
            "phone" => &mut contact.phone,
            "email" => &mut contact.email,
            "notes" => &mut contact.notes,
            other if INSTAGRAM_FACTS.contains(&other) => {
                return Err(ApiError::bad_request(
                    "read_only",
                    format!("{other} comes from Instagram and cannot be edited"),
                ));
            }
            other => {
                return Err(ApiError::bad_request(
                    "unknown_field",
                    format!("no field {other:?}: use phone, email or notes"),
                ))
            }
        };
        // The length is checked here too (the service checks it again), so that the
        // first faulty key in the body is the one answered.
        *slot = match value {
            Value::String(s) if s.chars().count() <= CONTACT_FIELD_CHARS => {
                Some(s.trim().to_owned())
            }
            Value::Null => Some(String::new()),
            _ => {
                return Err(ApiError::bad_request(
                    "invalid_value",
                    format!("{key} must be text of at most 2,000 characters"),
                ))
            }
        };
    }
    Ok(Json(
        people::update_contact(&app, &agent, id, contact).await?,
    ))
}
