//! `/_igs/…`: control endpoints for tests and tools in another process. They
//! are not part of Meta's API and are not recorded as calls.
//!
//! JSON bodies are parsed by hand so that a missing `Content-Type` (curl) is
//! not an error.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::scenario::{run_scenario as play, Scenario, ScenarioOutcome};
use crate::sim::{
    BusinessAccount, CommentActionRecord, CustomerProfile, Fault, HistoryMessage, RecordedCall,
    SenderActionRecord, SentMessage, Simulator, StoryMedium, Subscription, ThreadOwner,
    WithheldDelivery,
};

/// A control request that failed: status and a plain-text reason.
type Rejection = (StatusCode, String);

pub(crate) async fn calls(State(sim): State<Simulator>) -> Json<Vec<RecordedCall>> {
    Json(sim.calls())
}

pub(crate) async fn clear_calls(State(sim): State<Simulator>) -> StatusCode {
    sim.clear_calls();
    StatusCode::NO_CONTENT
}

pub(crate) async fn sent(State(sim): State<Simulator>) -> Json<Vec<SentMessage>> {
    Json(sim.sent())
}

pub(crate) async fn actions(State(sim): State<Simulator>) -> Json<Vec<SenderActionRecord>> {
    Json(sim.actions())
}

pub(crate) async fn comment_actions(
    State(sim): State<Simulator>,
) -> Json<Vec<CommentActionRecord>> {
    Json(sim.comment_actions())
}

/// Threads another app owns (Conversation Routing); igdesk's are left out.
pub(crate) async fn thread_owners(State(sim): State<Simulator>) -> Json<Vec<ThreadOwner>> {
    Json(sim.thread_owners())
}

/// `DELETE /_igs/sent`: forget sent messages, sender actions and comment actions.
pub(crate) async fn clear_records(State(sim): State<Simulator>) -> StatusCode {
    sim.clear_records();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct NewHistory {
    business_ig_id: String,
    igsid: String,
    messages: Vec<HistoryMessage>,
}

/// Body: `{"business_ig_id","igsid","messages":[HistoryMessage…]}`; answers the mids.
pub(crate) async fn add_history(
    State(sim): State<Simulator>,
    body: Bytes,
) -> Result<Json<Vec<String>>, Rejection> {
    let new = parse::<NewHistory>(&body)?;
    Ok(Json(sim.add_history(
        &new.business_ig_id,
        &new.igsid,
        new.messages,
    )))
}

/// Simulator settings for tests in another process; every field optional.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    echoes: Option<bool>,
    echo_delay_ms: Option<u64>,
    /// `[facebook_per_sec, instagram_per_sec]`.
    send_rate_limits: Option<(u32, u32)>,
    private_replies_per_hour: Option<u32>,
    conversations_per_sec: Option<u32>,
    /// Business ig_ids whose tokens become invalid (190) / valid again.
    #[serde(default)]
    revoke: Vec<String>,
    #[serde(default)]
    restore: Vec<String>,
    /// Meta's login: the apps, the Facebook user, and how long codes live.
    facebook_app_id: Option<String>,
    facebook_app_secret: Option<String>,
    instagram_app_id: Option<String>,
    instagram_app_secret: Option<String>,
    facebook_user_name: Option<String>,
    login_code_lifetime_ms: Option<u64>,
}

/// Body: `{"echoes":false,"send_rate_limits":[300,100],"revoke":["1784…"],
/// "facebook_app_id":"…","instagram_app_secret":"…",…}`.
pub(crate) async fn settings(
    State(sim): State<Simulator>,
    body: Bytes,
) -> Result<StatusCode, Rejection> {
    let settings = parse::<Settings>(&body)?;
    if let Some(on) = settings.echoes {
        sim.set_echoes(on);
    }
    if let Some(millis) = settings.echo_delay_ms {
        sim.set_echo_delay(std::time::Duration::from_millis(millis));
    }
    if let Some((facebook, instagram)) = settings.send_rate_limits {
        sim.set_send_rate_limits(facebook, instagram);
    }
    if let Some(per_hour) = settings.private_replies_per_hour {
        sim.set_private_reply_rate_limit(per_hour);
    }
    if let Some(per_sec) = settings.conversations_per_sec {
        sim.set_conversations_rate_limit(per_sec);
    }
    for ig_id in &settings.revoke {
        sim.revoke_token(ig_id);
    }
    for ig_id in &settings.restore {
        sim.restore_token(ig_id);
    }
    let mut login = sim.login_config();
    let given = [
        (settings.facebook_app_id, &mut login.facebook_app_id),
        (settings.facebook_app_secret, &mut login.facebook_app_secret),
        (settings.instagram_app_id, &mut login.instagram_app_id),
        (
            settings.instagram_app_secret,
            &mut login.instagram_app_secret,
        ),
        (settings.facebook_user_name, &mut login.facebook_user_name),
    ];
    for (value, slot) in given {
        if let Some(value) = value {
            *slot = value;
        }
    }
    sim.set_login_config(login);
    if let Some(millis) = settings.login_code_lifetime_ms {
        sim.set_login_code_lifetime(std::time::Duration::from_millis(millis));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Body: a [`Fault`] as JSON (`{"kind":"unavailable"}`), or `null` to clear.
pub(crate) async fn set_fault(
    State(sim): State<Simulator>,
    body: Bytes,
) -> Result<StatusCode, Rejection> {
    sim.set_fault(parse::<Option<Fault>>(&body)?);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct NewBusiness {
    #[serde(flatten)]
    account: BusinessAccount,
    /// `false`: no app is subscribed to it yet, its events are withheld.
    /// Omitted: a new business is subscribed, a replaced one keeps its state.
    subscribed: Option<bool>,
    /// The Page's and the Instagram account's display name in login.
    name: Option<String>,
}

/// Body: a [`BusinessAccount`] as JSON, optionally with `subscribed` and `name`.
pub(crate) async fn add_business(
    State(sim): State<Simulator>,
    body: Bytes,
) -> Result<StatusCode, Rejection> {
    let new = parse::<NewBusiness>(&body)?;
    let ig_id = new.account.ig_id.clone();
    match new.subscribed {
        Some(false) => sim.add_business_unsubscribed(new.account),
        Some(true) => {
            sim.add_business(new.account);
            sim.subscribe(&ig_id);
        }
        None => sim.add_business(new.account),
    }
    if let Some(name) = new.name {
        sim.set_business_name(&ig_id, name);
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct NewPage {
    id: String,
    name: String,
}

/// Body: `{"id","name"}`, a Page the Facebook user manages with no Instagram
/// account; answers `{"access_token"}`, its Page token.
pub(crate) async fn add_page(
    State(sim): State<Simulator>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, Rejection> {
    let page = parse::<NewPage>(&body)?;
    let token = sim.add_page_without_instagram(page.id, page.name);
    Ok(Json(serde_json::json!({ "access_token": token })))
}

/// Every business's webhook subscriptions.
pub(crate) async fn subscriptions(State(sim): State<Simulator>) -> Json<Vec<Subscription>> {
    Json(sim.subscriptions())
}

/// `DELETE /_igs/subscriptions/{ig_id}`: Meta unsubscribes every app from the
/// business behind igdesk's back (after prolonged webhook failures).
pub(crate) async fn drop_subscriptions(
    State(sim): State<Simulator>,
    Path(ig_id): Path<String>,
) -> Result<StatusCode, Rejection> {
    let known = sim.subscriptions().iter().any(|s| s.ig_id == ig_id);
    if !known {
        return Err((StatusCode::NOT_FOUND, format!("no business {ig_id:?}")));
    }
    sim.unsubscribe(&ig_id);
    Ok(StatusCode::NO_CONTENT)
}

/// Deliveries not sent because no app was subscribed to their business.
pub(crate) async fn withheld(State(sim): State<Simulator>) -> Json<Vec<WithheldDelivery>> {
    Json(sim.withheld())
}

/// What a business's Messenger Profile holds (ice breakers, persistent menu), for
/// tests to compare with what igdesk shows.
pub(crate) async fn messenger_profile(
    State(sim): State<Simulator>,
    Path(ig_id): Path<String>,
) -> Json<serde_json::Value> {
    Json(sim.messenger_profile(&ig_id))
}

#[derive(Deserialize)]
pub(crate) struct Refusal {
    code: i64,
    message: String,
}

/// Body `{"code": 100, "message": "…"}`: the next Messenger Profile `POST`
/// answers that Meta error.
pub(crate) async fn refuse_messenger_profile(
    State(sim): State<Simulator>,
    Json(refusal): Json<Refusal>,
) -> StatusCode {
    sim.refuse_messenger_profile(refusal.code, refusal.message);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct NewCustomer {
    business_ig_id: String,
    #[serde(flatten)]
    profile: CustomerProfile,
}

/// Body: a [`CustomerProfile`] plus `business_ig_id`.
pub(crate) async fn add_customer(
    State(sim): State<Simulator>,
    body: Bytes,
) -> Result<StatusCode, Rejection> {
    let new = parse::<NewCustomer>(&body)?;
    sim.add_customer(&new.business_ig_id, new.profile);
    Ok(StatusCode::NO_CONTENT)
}

/// Body: a scenario file (TOML). Plays it from this simulator, so customers'
/// consent is tracked where the profile API is served; answers the outcomes.
pub(crate) async fn run_scenario(
    State(sim): State<Simulator>,
    body: Bytes,
) -> Result<Json<Vec<ScenarioOutcome>>, Rejection> {
    let scenario = Scenario::from_toml(&String::from_utf8_lossy(&body))
        .map_err(|error| (StatusCode::BAD_REQUEST, format!("{error:#}")))?;
    let outcomes = play(&sim, &scenario)
        .await
        .map_err(|error| (StatusCode::BAD_GATEWAY, format!("{error:#}")))?;
    Ok(Json(outcomes))
}

/// `GET /_igs/cdn/{name}`: an embedded medium ([`crate::media`]).
pub(crate) async fn cdn(Path(name): Path<String>) -> Response {
    match crate::media::find(&name) {
        Some(medium) => served(medium.content_type, medium.bytes.to_vec()),
        None => (StatusCode::NOT_FOUND, format!("no medium {name:?}")).into_response(),
    }
}

/// `GET /_igs/cdn/m/{id}`: a medium the business sent, re-hosted.
pub(crate) async fn cdn_hosted(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
    match sim.hosted(&id) {
        Some((content_type, bytes)) => served(&content_type, bytes),
        None => (StatusCode::NOT_FOUND, format!("no medium {id:?}")).into_response(),
    }
}

/// `GET /_igs/cdn/story/{id}`: a customer's Story, while it lives; 404 once it
/// was deleted or is 24 hours old. While a [`Fault::StoryCdnError`] is set, its
/// status instead.
pub(crate) async fn cdn_story(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
    let medium = sim.fetch_story(&id);
    if let Some(Fault::StoryCdnError { status }) = sim.fault() {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return (status, "the CDN is having a moment").into_response();
    }
    match medium {
        // A Story lives a day at most: not cached for longer than it may live.
        StoryMedium::Live(medium) => served_for(medium.content_type, medium.bytes.to_vec(), 60),
        StoryMedium::Gone => (StatusCode::NOT_FOUND, format!("no story {id:?}")).into_response(),
    }
}

/// `DELETE /_igs/stories/{id}`: the customer deletes the Story with this asset id
/// (the last part of its URL); 404 when there is no such Story.
pub(crate) async fn delete_story(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
) -> Result<StatusCode, Rejection> {
    if sim.delete_story(&id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err((StatusCode::NOT_FOUND, format!("no story {id:?}")))
    }
}

/// A CDN answer: cacheable, and usable from any origin (the console's pages).
fn served(content_type: &str, bytes: Vec<u8>) -> Response {
    served_for(content_type, bytes, 86_400)
}

fn served_for(content_type: &str, bytes: Vec<u8>, max_age_seconds: u32) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CACHE_CONTROL,
                format!("public, max-age={max_age_seconds}"),
            ),
            (
                header::HeaderName::from_static("cross-origin-resource-policy"),
                "cross-origin".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Rejection> {
    serde_json::from_slice(body).map_err(|error| (StatusCode::BAD_REQUEST, error.to_string()))
}
