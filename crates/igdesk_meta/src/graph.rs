//! The Graph API client. Both login paths are served: Facebook Login
//! (graph.facebook.com, Page token) and Instagram Login (graph.instagram.com,
//! Instagram user token).

use crate::errors::GraphError;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::Duration;

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

#[async_trait]
pub trait Graph: Send + Sync {
    async fn user_profile(
        &self,
        auth: &AccountAuth,
        igsid: &str,
    ) -> Result<UserProfile, GraphError>;
}

/// The real client, over HTTPS (or plain HTTP to the simulator).
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
}

#[async_trait]
impl Graph for HttpGraph {
    async fn user_profile(
        &self,
        auth: &AccountAuth,
        igsid: &str,
    ) -> Result<UserProfile, GraphError> {
        let response = self
            .http
            .get(self.url(auth.login, igsid))
            .query(&[("fields", PROFILE_FIELDS)])
            .bearer_auth(auth.token.expose_secret())
            .send()
            .await
            .map_err(|e| GraphError::Transport(e.to_string()))?;
        read_json(response).await
    }
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
async fn read_json<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, GraphError> {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response
        .bytes()
        .await
        .map_err(|e| GraphError::Transport(e.to_string()))?;
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
