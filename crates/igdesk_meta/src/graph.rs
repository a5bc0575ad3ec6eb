//! The Graph API client. Both login paths are served: Facebook Login
//! (graph.facebook.com, Page token) and Instagram Login (graph.instagram.com,
//! Instagram user token).

use crate::errors::{transport, GraphError};
use crate::usage::{self, Usage};
use async_trait::async_trait;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::Duration;

mod history;
mod messenger_profile;
pub use history::{
    Cursors, HistoryMessage, HistoryThread, MediaData, MessageAttachment, Page, Paging, Party,
    Reaction, Share, StoryLink, StoryRef, ThreadsPage, THREADS_PER_PAGE,
};
pub use messenger_profile::{
    IceBreaker, MenuItem, MessengerProfile, MessengerProfiles, ProfileField,
};

/// Instagram's inbox app (the Instagram app and Meta Business Suite), the app a
/// thread is passed to under Conversation Routing so that staff answer it there.
/// Facebook's Page Inbox (263902037430900) is a different app and wrong for
/// Instagram threads.
pub const INSTAGRAM_INBOX_APP_ID: &str = "1217981644879628";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginPath {
    Facebook,
    Instagram,
}

impl LoginPath {
    pub fn as_str(self) -> &'static str {
        match self {
            LoginPath::Facebook => "facebook",
            LoginPath::Instagram => "instagram",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "facebook" => Some(LoginPath::Facebook),
            "instagram" => Some(LoginPath::Instagram),
            _ => None,
        }
    }
}

/// How to call Meta on behalf of one connected account.
#[derive(Debug, Clone)]
pub struct AccountAuth {
    pub login: LoginPath,
    pub token: SecretString,
    /// The node messages are sent from: the Page id (Facebook Login) or the
    /// Instagram account id (Instagram Login).
    pub node: String,
}

/// Who a message goes to: a customer's thread, or a commenter (private reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    Igsid(String),
    Comment(String),
}

/// Instagram's facts about a customer (User Profile API).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct UserProfile {
    pub name: Option<String>,
    pub username: Option<String>,
    pub profile_pic: Option<String>,
    pub follower_count: Option<i64>,
    pub is_verified_user: Option<bool>,
    pub is_user_follow_business: Option<bool>,
    pub is_business_follow_user: Option<bool>,
}

/// Meta's Graph API as igdesk calls it; the Messenger Profile calls
/// (conversation starters) are in [`MessengerProfiles`].
#[async_trait]
pub trait Graph: MessengerProfiles + Send + Sync {
    async fn user_profile(
        &self,
        auth: &AccountAuth,
        igsid: &str,
    ) -> Result<UserProfile, GraphError>;
    /// Send API: returns Meta's message id and the usage Meta reported with it.
    /// `tag` is `HUMAN_AGENT` after 24 hours.
    async fn send_message(
        &self,
        auth: &AccountAuth,
        to: &Recipient,
        message: &serde_json::Value,
        tag: Option<&str>,
    ) -> Result<Sent, GraphError>;
    /// `react` / `unreact` / `mark_seen` on a customer's thread.
    async fn sender_action(
        &self,
        auth: &AccountAuth,
        igsid: &str,
        action: &str,
        payload: Option<serde_json::Value>,
    ) -> Result<(), GraphError>;
    /// A public reply under a comment: returns the new comment's id.
    async fn reply_to_comment(
        &self,
        auth: &AccountAuth,
        comment_id: &str,
        text: &str,
    ) -> Result<String, GraphError>;
    async fn hide_comment(&self, auth: &AccountAuth, comment_id: &str) -> Result<(), GraphError>;
    async fn delete_comment(&self, auth: &AccountAuth, comment_id: &str) -> Result<(), GraphError>;
    /// One page of the account's threads, most recently updated first, each with
    /// its newest messages (Meta gives 20): from the start, or from the cursor the
    /// previous page gave ([`ThreadsPage::after`]).
    async fn conversations(
        &self,
        auth: &AccountAuth,
        after: Option<&str>,
    ) -> Result<ThreadsPage, GraphError>;
    /// The newest messages (Meta gives 20) of the account's thread with one customer,
    /// newest first; empty when there is no thread. It tells whether an attempt
    /// whose answer was lost went out.
    async fn thread_with(
        &self,
        auth: &AccountAuth,
        igsid: &str,
    ) -> Result<Vec<HistoryMessage>, GraphError>;
    /// Conversation routing: hands the customer's thread to another app
    /// (Instagram's inbox: [`INSTAGRAM_INBOX_APP_ID`]). An empty `metadata` is
    /// not sent.
    async fn pass_thread_control(
        &self,
        auth: &AccountAuth,
        igsid: &str,
        target_app_id: &str,
        metadata: &str,
    ) -> Result<(), GraphError>;
    /// Takes the thread back for igdesk's app. An empty `metadata` is not sent.
    async fn take_thread_control(
        &self,
        auth: &AccountAuth,
        igsid: &str,
        metadata: &str,
    ) -> Result<(), GraphError>;
    /// Instagram Login only: a long-lived token exchanged for a new one (60 days).
    async fn refresh_instagram_token(
        &self,
        token: &SecretString,
    ) -> Result<RefreshedToken, GraphError>;
    /// Subscribes igdesk's app to the account's webhooks for `fields` (the Page's on
    /// Facebook Login, the account's own on Instagram Login).
    async fn subscribe_app(&self, auth: &AccountAuth, fields: &str) -> Result<(), GraphError>;
    /// The apps subscribed to the account's webhooks.
    async fn subscribed_apps(&self, auth: &AccountAuth) -> Result<Vec<SubscribedApp>, GraphError>;
    async fn unsubscribe_app(&self, auth: &AccountAuth) -> Result<(), GraphError>;
}

/// Webhook fields igdesk subscribes an account to, per login path. On Facebook
/// Login the subscription is the Page's, so the names are the Page's: its
/// `message_reads` and `messaging_referrals` are Instagram's `messaging_seen` and
/// `messaging_referral` (Meta refuses a field a Page does not have).
pub const FACEBOOK_SUBSCRIBED_FIELDS: &str =
    "messages,messaging_postbacks,message_reads,message_reactions,messaging_referrals,message_echoes";
pub const INSTAGRAM_SUBSCRIBED_FIELDS: &str =
    "messages,comments,messaging_seen,message_reactions,messaging_postbacks,messaging_referral";

/// A message Meta accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub mid: String,
    /// What Meta's usage headers said on the answer (`None` when it sent none):
    /// the sender paces the account by it before Meta throttles.
    pub usage: Option<Usage>,
}

/// One app subscribed to an account's webhooks.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct SubscribedApp {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub subscribed_fields: Vec<String>,
}

#[derive(Deserialize)]
pub struct RefreshedToken {
    pub access_token: String,
    /// Seconds.
    pub expires_in: Option<i64>,
}

/// Without the token: a `{:?}` in a log line must not carry it.
impl std::fmt::Debug for RefreshedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshedToken")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// The real client, over HTTPS (or plain HTTP to the simulator).
///
/// Tokens travel in the `Authorization` header, never in a URL: URLs end up in
/// proxies' logs and in reqwest's errors. The one exception is Instagram's token
/// refresh, whose token Meta documents only as a query parameter; errors are told
/// without their URL and with the token wiped from them ([`call`]).
#[derive(Clone)]
pub struct HttpGraph {
    http: reqwest::Client,
    facebook_base: String,
    instagram_base: String,
    version: String,
}

const PROFILE_FIELDS: &str = "name,username,profile_pic,follower_count,is_verified_user,is_user_follow_business,is_business_follow_user";

impl HttpGraph {
    pub fn new(facebook_base: &str, instagram_base: &str, version: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("a default HTTP client always builds");
        Self {
            http,
            facebook_base: facebook_base.trim_end_matches('/').to_owned(),
            instagram_base: instagram_base.trim_end_matches('/').to_owned(),
            version: version.trim_matches('/').to_owned(),
        }
    }

    fn url(&self, login: LoginPath, node: &str) -> String {
        let base = match login {
            LoginPath::Facebook => &self.facebook_base,
            LoginPath::Instagram => &self.instagram_base,
        };
        format!("{base}/{}/{node}", self.version)
    }

    /// A call to `node` on the account's host, with its token as a bearer.
    fn request(&self, method: Method, auth: &AccountAuth, node: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(auth.login, node))
            .bearer_auth(auth.token.expose_secret())
    }

    /// `/{page-id}/subscribed_apps` on Facebook Login, `/me/subscribed_apps` on
    /// Instagram Login (where Meta documents it on `me`).
    fn subscriptions(&self, method: Method, auth: &AccountAuth) -> reqwest::RequestBuilder {
        let node = match auth.login {
            LoginPath::Facebook => format!("{}/subscribed_apps", auth.node),
            LoginPath::Instagram => "me/subscribed_apps".to_owned(),
        };
        self.request(method, auth, &node)
    }

    /// A call whose success answer carries nothing igdesk needs; any JSON success
    /// will do, an error is decoded as usual.
    async fn post(
        &self,
        auth: &AccountAuth,
        node: &str,
        body: &serde_json::Value,
    ) -> Result<(), GraphError> {
        let _: serde_json::Value = self.post_json(auth, node, body).await?;
        Ok(())
    }

    async fn post_json<T: DeserializeOwned>(
        &self,
        auth: &AccountAuth,
        node: &str,
        body: &serde_json::Value,
    ) -> Result<T, GraphError> {
        call(
            self.request(Method::POST, auth, node).json(body),
            &auth.token,
        )
        .await
    }
}

/// Sends a request and reads Meta's answer. `token`, the one the request
/// carries, is wiped from any error, whoever wrote its text.
async fn call<T: DeserializeOwned>(
    request: reqwest::RequestBuilder,
    token: &SecretString,
) -> Result<T, GraphError> {
    call_with_usage(request, token).await.0
}

/// [`call`], with the usage Meta's headers reported on the answer (success or
/// error alike).
async fn call_with_usage<T: DeserializeOwned>(
    request: reqwest::RequestBuilder,
    token: &SecretString,
) -> (Result<T, GraphError>, Option<Usage>) {
    let (answer, usage) = match request.send().await {
        Ok(response) => {
            let usage = usage_of(response.headers());
            (read_json(response).await, usage)
        }
        Err(e) => (Err(transport(e)), None),
    };
    (answer.map_err(|e| e.redact(token.expose_secret())), usage)
}

/// Meta's three usage headers on an answer, read together.
fn usage_of(headers: &reqwest::header::HeaderMap) -> Option<Usage> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    Usage::read(
        text(usage::APP_USAGE),
        text(usage::BUSINESS_USE_CASE_USAGE),
        text(usage::AD_ACCOUNT_USAGE),
    )
}

#[async_trait]
impl Graph for HttpGraph {
    async fn user_profile(
        &self,
        auth: &AccountAuth,
        igsid: &str,
    ) -> Result<UserProfile, GraphError> {
        let request = self
            .request(Method::GET, auth, igsid)
            .query(&[("fields", PROFILE_FIELDS)]);
        call(request, &auth.token).await
    }

    async fn send_message(
        &self,
        auth: &AccountAuth,
        to: &Recipient,
        message: &serde_json::Value,
        tag: Option<&str>,
    ) -> Result<Sent, GraphError> {
        let recipient = match to {
            Recipient::Igsid(id) => serde_json::json!({ "id": id }),
            Recipient::Comment(id) => serde_json::json!({ "comment_id": id }),
        };
        let mut body = serde_json::json!({ "recipient": recipient, "message": message });
        if let Some(tag) = tag {
            body["messaging_type"] = "MESSAGE_TAG".into();
            body["tag"] = tag.into();
        } else if matches!(to, Recipient::Igsid(_)) {
            body["messaging_type"] = "RESPONSE".into();
        }
        let request = self
            .request(Method::POST, auth, &format!("{}/messages", auth.node))
            .json(&body);
        let (answer, usage) = call_with_usage::<SendAnswer>(request, &auth.token).await;
        let mid = answer?.message_id.ok_or_else(|| {
            GraphError::Unexpected("the Send API answered without message_id".into())
        })?;
        Ok(Sent { mid, usage })
    }

    async fn sender_action(
        &self,
        auth: &AccountAuth,
        igsid: &str,
        action: &str,
        payload: Option<serde_json::Value>,
    ) -> Result<(), GraphError> {
        let mut body = serde_json::json!({ "recipient": { "id": igsid }, "sender_action": action });
        if let Some(payload) = payload {
            body["payload"] = payload;
        }
        self.post(auth, &format!("{}/messages", auth.node), &body)
            .await
    }

    async fn reply_to_comment(
        &self,
        auth: &AccountAuth,
        comment_id: &str,
        text: &str,
    ) -> Result<String, GraphError> {
        let body = serde_json::json!({ "message": text });
        let created: Created = self
            .post_json(auth, &format!("{comment_id}/replies"), &body)
            .await?;
        Ok(created.id)
    }

    async fn hide_comment(&self, auth: &AccountAuth, comment_id: &str) -> Result<(), GraphError> {
        let body = serde_json::json!({ "hide": true });
        self.post(auth, comment_id, &body).await
    }

    async fn delete_comment(&self, auth: &AccountAuth, comment_id: &str) -> Result<(), GraphError> {
        let request = self.request(Method::DELETE, auth, comment_id);
        let _: serde_json::Value = call(request, &auth.token).await?;
        Ok(())
    }

    async fn conversations(
        &self,
        auth: &AccountAuth,
        after: Option<&str>,
    ) -> Result<ThreadsPage, GraphError> {
        history::threads_page(self, auth, after).await
    }

    async fn thread_with(
        &self,
        auth: &AccountAuth,
        igsid: &str,
    ) -> Result<Vec<HistoryMessage>, GraphError> {
        let request = self
            .request(Method::GET, auth, &format!("{}/conversations", auth.node))
            .query(&[
                ("platform", "instagram"),
                ("user_id", igsid),
                ("fields", "messages{id,created_time,from,message}"),
            ]);
        let page: Page<HistoryThread> = call(request, &auth.token).await?;
        Ok(page
            .data
            .into_iter()
            .next()
            .and_then(|thread| thread.messages)
            .map(|messages| messages.data)
            .unwrap_or_default())
    }

    async fn pass_thread_control(
        &self,
        auth: &AccountAuth,
        igsid: &str,
        target_app_id: &str,
        metadata: &str,
    ) -> Result<(), GraphError> {
        let mut body = thread_control_body(igsid, metadata);
        body["target_app_id"] = target_app_id.into();
        // The answer is `{"success":true}`; an error would have been decoded.
        self.post(auth, &format!("{}/pass_thread_control", auth.node), &body)
            .await
    }

    async fn take_thread_control(
        &self,
        auth: &AccountAuth,
        igsid: &str,
        metadata: &str,
    ) -> Result<(), GraphError> {
        let body = thread_control_body(igsid, metadata);
        // Older docs answer `{"data":[{"thread_owner":…}]}`, Conversation
        // Routing `{"success":true}`: any JSON success will do.
        self.post(auth, &format!("{}/take_thread_control", auth.node), &body)
            .await
    }

    async fn refresh_instagram_token(
        &self,
        token: &SecretString,
    ) -> Result<RefreshedToken, GraphError> {
        // Meta's path has no version: graph.instagram.com/refresh_access_token.
        // Its reference has the token as a required query parameter (and no
        // word on the header), so it stays there; `call` keeps it out of errors.
        let request = self
            .http
            .get(format!("{}/refresh_access_token", self.instagram_base))
            .query(&[
                ("grant_type", "ig_refresh_token"),
                ("access_token", token.expose_secret()),
            ]);
        call(request, token).await
    }

    async fn subscribe_app(&self, auth: &AccountAuth, fields: &str) -> Result<(), GraphError> {
        let request = self
            .subscriptions(Method::POST, auth)
            .query(&[("subscribed_fields", fields)]);
        let _: serde_json::Value = call(request, &auth.token).await?;
        Ok(())
    }

    async fn subscribed_apps(&self, auth: &AccountAuth) -> Result<Vec<SubscribedApp>, GraphError> {
        let request = self.subscriptions(Method::GET, auth);
        let page: Page<SubscribedApp> = call(request, &auth.token).await?;
        Ok(page.data)
    }

    async fn unsubscribe_app(&self, auth: &AccountAuth) -> Result<(), GraphError> {
        let request = self.subscriptions(Method::DELETE, auth);
        let _: serde_json::Value = call(request, &auth.token).await?;
        Ok(())
    }
}

/// The body both thread-control calls share. Meta documents the calls on the
/// Facebook-Login path (Page node); `auth.node` is the Instagram account on
/// Instagram Login, where their support is unconfirmed (meta-instagram-api.md §7).
fn thread_control_body(igsid: &str, metadata: &str) -> serde_json::Value {
    let mut body = serde_json::json!({ "recipient": { "id": igsid } });
    if !metadata.is_empty() {
        body["metadata"] = metadata.into();
    }
    body
}

#[derive(Deserialize)]
struct SendAnswer {
    message_id: Option<String>,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: MetaErrorBody,
}

#[derive(Deserialize)]
struct MetaErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: i64,
    error_subcode: Option<i64>,
}

/// Reads a Graph answer: the JSON on success, Meta's error shape otherwise.
async fn read_json<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, GraphError> {
    let status = response.status();
    let headers = response.headers();
    let retry_after = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs)
        .or_else(|| {
            headers
                .get("x-business-use-case-usage")
                .and_then(|v| v.to_str().ok())
                .and_then(crate::errors::regain_access_after)
        });
    let body = response.bytes().await.map_err(transport)?;
    if status.is_success() {
        return serde_json::from_slice(&body).map_err(|e| GraphError::Unexpected(e.to_string()));
    }
    match serde_json::from_slice::<ErrorBody>(&body) {
        Ok(ErrorBody { error }) => Err(GraphError::Meta {
            http_status: status.as_u16(),
            code: error.code,
            subcode: error.error_subcode,
            message: error.message,
            retry_after,
        }),
        Err(_) => Err(GraphError::Meta {
            http_status: status.as_u16(),
            code: if status.is_server_error() { 2 } else { 0 },
            subcode: None,
            message: format!("HTTP {status}: {}", String::from_utf8_lossy(&body)),
            retry_after,
        }),
    }
}

#[cfg(test)]
mod tests;
