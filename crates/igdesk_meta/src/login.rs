//! Meta's login, both paths (meta-instagram-api.md §0): the dialog a person is sent
//! to, the code Meta hands back exchanged for a token, that token made long-lived,
//! and the Instagram accounts it reaches. Facebook Login finds the Pages the person
//! manages with their Instagram professional accounts (each with its Page token);
//! Instagram Login is one Instagram account with its own token.
//!
//! Errors carry Meta's message and never a URL: the URLs here hold the app secret
//! and the code.

use crate::errors::{transport, GraphError};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;

/// What Facebook Login asks for: messages, comments, and the Pages to find the
/// accounts on and subscribe them.
pub const FACEBOOK_SCOPES: &str = "instagram_basic,instagram_manage_messages,instagram_manage_comments,pages_manage_metadata,pages_read_engagement,pages_show_list,business_management";
/// What Instagram Login asks for.
pub const INSTAGRAM_SCOPES: &str = "instagram_business_basic,instagram_business_manage_messages,instagram_business_manage_comments";

/// Where Meta's hosts are (the simulator's in tests and the demo).
#[derive(Debug, Clone)]
pub struct LoginHosts {
    pub facebook_www: String,
    pub facebook_graph: String,
    pub instagram_www: String,
    pub instagram_api: String,
    pub instagram_graph: String,
    pub version: String,
}

/// A Meta app: the id the dialog names and the secret the exchange proves.
pub struct App<'a> {
    pub id: &'a str,
    pub secret: &'a SecretString,
    /// Where Meta sends the person back (must match the dialog's, exactly).
    pub redirect_uri: &'a str,
}

/// A Page the person manages, with its Instagram professional account if it has one.
#[derive(Clone, Deserialize)]
pub struct PageFound {
    pub id: String,
    pub name: String,
    pub access_token: String,
    pub instagram_business_account: Option<InstagramFound>,
}

/// Without the Page token: a `{:?}` in a log line must not carry it.
impl std::fmt::Debug for PageFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageFound")
            .field("id", &self.id)
            .field("name", &self.name)
            .field(
                "instagram_business_account",
                &self.instagram_business_account,
            )
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct InstagramFound {
    pub id: String,
    #[serde(default)]
    pub username: String,
    pub name: Option<String>,
    pub profile_picture_url: Option<String>,
}

/// The Instagram account that logged in with Instagram Login.
#[derive(Debug, Clone, Deserialize)]
pub struct InstagramMe {
    /// The professional account's id (`entry[].id` of its webhooks).
    #[serde(deserialize_with = "id_text")]
    pub user_id: String,
    #[serde(default)]
    pub username: String,
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct Token {
    access_token: String,
}

#[derive(Deserialize)]
struct Pages {
    data: Vec<PageFound>,
}

/// Meta writes an Instagram user id as a number on one endpoint and as text on
/// another.
fn id_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!("an id, not {other}"))),
    }
}

pub struct HttpLogin {
    http: reqwest::Client,
    hosts: LoginHosts,
}

impl HttpLogin {
    pub fn new(hosts: LoginHosts) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a default HTTP client always builds");
        Self { http, hosts }
    }

    /// Facebook Login's dialog, where the administrator is sent.
    pub fn facebook_dialog(&self, app_id: &str, redirect_uri: &str, state: &str) -> String {
        with_query(
            &format!(
                "{}/{}/dialog/oauth",
                self.hosts.facebook_www, self.hosts.version
            ),
            &[
                ("client_id", app_id),
                ("redirect_uri", redirect_uri),
                ("state", state),
                ("scope", FACEBOOK_SCOPES),
                ("response_type", "code"),
            ],
        )
    }

    /// Instagram Login's dialog.
    pub fn instagram_dialog(&self, app_id: &str, redirect_uri: &str, state: &str) -> String {
        with_query(
            &format!("{}/oauth/authorize", self.hosts.instagram_www),
            &[
                ("client_id", app_id),
                ("redirect_uri", redirect_uri),
                ("response_type", "code"),
                ("scope", INSTAGRAM_SCOPES),
                ("state", state),
            ],
        )
    }

    /// Facebook Login: the code for a user token, made long-lived, and the Pages it
    /// manages with their Instagram accounts and Page tokens.
    pub async fn facebook_pages(
        &self,
        app: &App<'_>,
        code: &str,
    ) -> Result<Vec<PageFound>, GraphError> {
        let exchange = format!(
            "{}/{}/oauth/access_token",
            self.hosts.facebook_graph, self.hosts.version
        );
        let short: Token = self
            .get(
                &exchange,
                &[
                    ("client_id", app.id),
                    ("redirect_uri", app.redirect_uri),
                    ("client_secret", app.secret.expose_secret()),
                    ("code", code),
                ],
                None,
            )
            .await?;
        let long: Token = self
            .get(
                &exchange,
                &[
                    ("grant_type", "fb_exchange_token"),
                    ("client_id", app.id),
                    ("client_secret", app.secret.expose_secret()),
                    ("fb_exchange_token", &short.access_token),
                ],
                None,
            )
            .await?;
        let pages: Pages = self
            .get(
                &format!("{}/{}/me/accounts", self.hosts.facebook_graph, self.hosts.version),
                &[(
                    "fields",
                    "name,access_token,instagram_business_account{id,username,name,profile_picture_url}",
                )],
                Some(&long.access_token),
            )
            .await?;
        Ok(pages.data)
    }

    /// Instagram Login: the code for a short-lived token, that for a long-lived
    /// one, and the account it belongs to.
    pub async fn instagram_account(
        &self,
        app: &App<'_>,
        code: &str,
    ) -> Result<(InstagramMe, SecretString), GraphError> {
        let form = [
            ("client_id", app.id),
            ("client_secret", app.secret.expose_secret()),
            ("grant_type", "authorization_code"),
            ("redirect_uri", app.redirect_uri),
            ("code", code),
        ];
        let request = self
            .http
            .post(format!("{}/oauth/access_token", self.hosts.instagram_api))
            .form(&form);
        let short: ShortToken = exchange(request, &form, None).await?;
        let short = short.token()?;
        let long: Token = self
            .get(
                &format!("{}/access_token", self.hosts.instagram_graph),
                &[
                    ("grant_type", "ig_exchange_token"),
                    ("client_secret", app.secret.expose_secret()),
                    ("access_token", &short),
                ],
                None,
            )
            .await?;
        let me: InstagramMe = self
            .get(
                &format!("{}/{}/me", self.hosts.instagram_graph, self.hosts.version),
                &[("fields", "user_id,username,name")],
                Some(&long.access_token),
            )
            .await?;
        Ok((me, SecretString::from(long.access_token)))
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, &str)],
        bearer: Option<&str>,
    ) -> Result<T, GraphError> {
        let mut request = self.http.get(url).query(query);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        exchange(request, query, bearer).await
    }
}

/// Parameters whose values are secrets: wiped from errors.
const SECRET_PARAMS: [&str; 4] = ["client_secret", "code", "access_token", "fb_exchange_token"];

/// Sends a login request and reads Meta's answer; the secrets it carries (in
/// `params` or as the `bearer`) are wiped from any error, whoever wrote its text.
async fn exchange<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
    params: &[(&str, &str)],
    bearer: Option<&str>,
) -> Result<T, GraphError> {
    let answer = match request.send().await {
        Ok(response) => read(response).await,
        Err(e) => Err(transport(e)),
    };
    answer.map_err(|error| {
        params
            .iter()
            .filter(|(name, _)| SECRET_PARAMS.contains(name))
            .map(|(_, value)| *value)
            .chain(bearer)
            .fold(error, GraphError::redact)
    })
}

/// The code exchange's answer on api.instagram.com: flat, or (newer docs) in `data`.
#[derive(Deserialize)]
struct ShortToken {
    access_token: Option<String>,
    #[serde(default)]
    data: Vec<Token>,
}

impl ShortToken {
    fn token(self) -> Result<String, GraphError> {
        self.access_token
            .or_else(|| self.data.into_iter().next().map(|t| t.access_token))
            .ok_or_else(|| GraphError::Unexpected("the code exchange answered no token".into()))
    }
}

/// `base` with the pairs as its query, encoded. The hosts come from checked
/// settings; a base that is not a URL gives it back as it is (the dialog then fails
/// visibly rather than here).
fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    reqwest::Url::parse_with_params(base, pairs)
        .map(String::from)
        .unwrap_or_else(|_| base.to_owned())
}

/// Meta's two error shapes: the Graph API's `{"error":{…}}` and api.instagram.com's
/// flat `{"error_type","code","error_message"}`.
#[derive(Deserialize)]
struct LoginErrorBody {
    error: Option<GraphErrorBody>,
    error_message: Option<String>,
    code: Option<i64>,
}

#[derive(Deserialize)]
struct GraphErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: i64,
    error_subcode: Option<i64>,
}

async fn read<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, GraphError> {
    let status = response.status();
    let body = response.bytes().await.map_err(transport)?;
    if status.is_success() {
        return serde_json::from_slice(&body)
            .map_err(|e| GraphError::Unexpected(format!("an answer igdesk cannot read: {e}")));
    }
    let error: LoginErrorBody = serde_json::from_slice(&body).map_err(|_| {
        GraphError::Unexpected(format!("Meta answered {status} without an error body"))
    })?;
    let (code, subcode, message) = match (error.error, error.error_message) {
        (Some(e), _) => (e.code, e.error_subcode, e.message),
        (None, Some(message)) => (
            error.code.unwrap_or(i64::from(status.as_u16())),
            None,
            message,
        ),
        (None, None) => return Err(GraphError::Unexpected(format!("Meta answered {status}"))),
    };
    Err(GraphError::Meta {
        http_status: status.as_u16(),
        code,
        subcode,
        message,
        retry_after: None,
    })
}
