//! Meta's login as the simulator remembers it (meta-instagram-api.md §0): the two
//! apps a business connects through (the Meta app for Facebook Login, the
//! Instagram app for Instagram Login), the Facebook user who logs in, and the
//! codes and tokens handed out. The HTTP side is `graph::login`.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::routing::IGDESK_APP_ID;
use super::Simulator;
use crate::graph::Api;
use crate::ids;

/// The Instagram app id (Instagram Login) the simulator gives igdesk unless told
/// otherwise: digits like Meta's, distinct from the Meta app's [`IGDESK_APP_ID`].
pub const IGDESK_INSTAGRAM_APP_ID: &str = "900000000000002";

/// The Facebook user who logs in unless told otherwise.
pub const DEFAULT_FACEBOOK_USER_NAME: &str = "Demo Owner";

/// The simulated Facebook user's app-scoped id (recent ones start with 122…).
pub(crate) const FACEBOOK_USER_ID: &str = "122100000000001";

/// Meta's authorization codes are valid ten minutes.
const CODE_LIFETIME: Duration = Duration::from_secs(600);

/// The apps igdesk logs in with and the person who logs in on Facebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginConfig {
    /// The Meta app (Facebook Login): [`IGDESK_APP_ID`] unless set.
    pub facebook_app_id: String,
    /// The Meta app's secret: by default the one webhooks are signed with
    /// ([`super::SimConfig::app_secret`]), as it is the same app on Meta's side.
    pub facebook_app_secret: String,
    /// The Instagram app (Instagram Login): [`IGDESK_INSTAGRAM_APP_ID`] unless set.
    pub instagram_app_id: String,
    /// The Instagram app's secret: the webhook secret too unless set.
    pub instagram_app_secret: String,
    /// Who the Facebook dialog says is logging in: [`DEFAULT_FACEBOOK_USER_NAME`].
    pub facebook_user_name: String,
}

impl LoginConfig {
    /// The defaults, both apps' secrets being `app_secret`.
    pub fn with_secret(app_secret: &str) -> Self {
        LoginConfig {
            facebook_app_id: IGDESK_APP_ID.to_owned(),
            facebook_app_secret: app_secret.to_owned(),
            instagram_app_id: IGDESK_INSTAGRAM_APP_ID.to_owned(),
            instagram_app_secret: app_secret.to_owned(),
            facebook_user_name: DEFAULT_FACEBOOK_USER_NAME.to_owned(),
        }
    }

    /// The app id and secret of one login path.
    pub(crate) fn app(&self, path: Api) -> (&str, &str) {
        match path {
            Api::Facebook => (&self.facebook_app_id, &self.facebook_app_secret),
            Api::Instagram => (&self.instagram_app_id, &self.instagram_app_secret),
        }
    }
}

/// What a person agreed to in a login dialog; an authorization code stands for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    /// Facebook Login or Instagram Login.
    pub path: Api,
    pub client_id: String,
    /// The exchange must name exactly the same one.
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    /// The Instagram account that logged in (Instagram Login only).
    pub ig_id: Option<String>,
}

#[derive(Debug)]
struct Issued {
    grant: Grant,
    at_ms: i64,
    used: bool,
}

/// Why a code exchange was refused, in the order Meta checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Never issued (or for the other login path, or another app).
    Unknown,
    Used,
    Expired,
    OtherRedirectUri,
}

/// A Facebook Page the person manages that has no Instagram account.
#[derive(Debug, Clone)]
pub(crate) struct BarePage {
    pub id: String,
    pub name: String,
    pub token: String,
}

pub(crate) struct Logins {
    pub config: LoginConfig,
    pub code_lifetime: Duration,
    codes: HashMap<String, Issued>,
    /// Facebook user tokens handed out (short- and long-lived alike).
    user_tokens: HashSet<String>,
    /// Instagram short-lived tokens: token → the ig_id it belongs to.
    short_tokens: HashMap<String, String>,
    pub bare_pages: Vec<BarePage>,
    /// Display names (the Page's, the Instagram account's) by ig_id; the
    /// username stands in where none was given.
    pub names: HashMap<String, String>,
}

impl Logins {
    pub fn new(config: LoginConfig) -> Self {
        Logins {
            config,
            code_lifetime: CODE_LIFETIME,
            codes: HashMap::new(),
            user_tokens: HashSet::new(),
            short_tokens: HashMap::new(),
            bare_pages: Vec::new(),
            names: HashMap::new(),
        }
    }

    /// A fresh single-use code for `grant`.
    pub fn issue_code(&mut self, grant: Grant, now_ms: i64) -> String {
        let code = format!("AQ{}", ids::random_text(96));
        let issued = Issued {
            grant,
            at_ms: now_ms,
            used: false,
        };
        self.codes.insert(code.clone(), issued);
        code
    }

    /// The grant behind `code`, which is used up; a refused exchange leaves an
    /// unused code usable (Meta only burns it on success).
    pub fn redeem(
        &mut self,
        code: &str,
        path: Api,
        client_id: &str,
        redirect_uri: &str,
        now_ms: i64,
    ) -> Result<Grant, Refusal> {
        let lifetime_ms = i64::try_from(self.code_lifetime.as_millis()).unwrap_or(i64::MAX);
        let issued = self.codes.get_mut(code).ok_or(Refusal::Unknown)?;
        if issued.grant.path != path || issued.grant.client_id != client_id {
            return Err(Refusal::Unknown);
        }
        if issued.used {
            return Err(Refusal::Used);
        }
        if now_ms >= issued.at_ms.saturating_add(lifetime_ms) {
            return Err(Refusal::Expired);
        }
        if issued.grant.redirect_uri != redirect_uri {
            return Err(Refusal::OtherRedirectUri);
        }
        issued.used = true;
        Ok(issued.grant.clone())
    }

    /// A new Facebook user token for the simulated person.
    pub fn issue_user_token(&mut self) -> String {
        let token = format!("EAAB{}", ids::random_text(120));
        self.user_tokens.insert(token.clone());
        token
    }

    pub fn is_user_token(&self, token: &str) -> bool {
        self.user_tokens.contains(token)
    }

    /// A new short-lived Instagram token for `ig_id`: only good for the
    /// exchange for a long-lived one.
    pub fn issue_short_token(&mut self, ig_id: &str) -> String {
        let token = format!("IGAAS{}", ids::random_text(120));
        self.short_tokens.insert(token.clone(), ig_id.to_owned());
        token
    }

    /// The ig_id a short-lived Instagram token belongs to.
    pub fn short_token_owner(&self, token: &str) -> Option<&str> {
        self.short_tokens.get(token).map(String::as_str)
    }
}

impl Simulator {
    /// The apps and the Facebook user logins use.
    pub fn login_config(&self) -> LoginConfig {
        self.state().logins.config.clone()
    }

    pub fn set_login_config(&self, config: LoginConfig) {
        self.state().logins.config = config;
    }

    /// The Meta app that Facebook Login's dialog and exchanges accept.
    pub fn set_facebook_app(&self, app_id: impl Into<String>, app_secret: impl Into<String>) {
        let config = &mut self.state().logins.config;
        config.facebook_app_id = app_id.into();
        config.facebook_app_secret = app_secret.into();
    }

    /// The Instagram app that Instagram Login's dialog and exchanges accept.
    pub fn set_instagram_app(&self, app_id: impl Into<String>, app_secret: impl Into<String>) {
        let config = &mut self.state().logins.config;
        config.instagram_app_id = app_id.into();
        config.instagram_app_secret = app_secret.into();
    }

    /// Who the Facebook Login dialog says is logging in.
    pub fn set_facebook_user_name(&self, name: impl Into<String>) {
        self.state().logins.config.facebook_user_name = name.into();
    }

    /// How long authorization codes stay valid (ten minutes, as on Meta):
    /// zero makes every code expire at once, for tests of that refusal.
    pub fn set_login_code_lifetime(&self, lifetime: Duration) {
        self.state().logins.code_lifetime = lifetime;
    }

    /// The display name of a business's Page and Instagram account, as login
    /// shows them (its username until set).
    pub fn set_business_name(&self, ig_id: &str, name: impl Into<String>) {
        let names = &mut self.state().logins.names;
        names.insert(ig_id.to_owned(), name.into());
    }

    /// A Page the Facebook user manages with no Instagram account linked:
    /// `/me/accounts` lists it without `instagram_business_account`. Answers
    /// its Page token.
    pub fn add_page_without_instagram(
        &self,
        page_id: impl Into<String>,
        name: impl Into<String>,
    ) -> String {
        let page = BarePage {
            id: page_id.into(),
            name: name.into(),
            token: format!("EAAB-page-{}", ids::random_text(24)),
        };
        let token = page.token.clone();
        let pages = &mut self.state().logins.bare_pages;
        pages.retain(|p| p.id != page.id);
        pages.push(page);
        token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(path: Api) -> Grant {
        Grant {
            path,
            client_id: "1".into(),
            redirect_uri: "https://desk.example/back".into(),
            scopes: vec!["a".into()],
            ig_id: None,
        }
    }

    #[test]
    fn codes_are_single_use_bound_to_app_and_redirect_and_expire() {
        let mut logins = Logins::new(LoginConfig::with_secret("s"));
        let code = logins.issue_code(grant(Api::Facebook), 1_000);
        let back = "https://desk.example/back";
        let redeem = |logins: &mut Logins, path, client, uri, at| {
            logins.redeem(&code, path, client, uri, at)
        };
        assert_eq!(
            redeem(&mut logins, Api::Instagram, "1", back, 1_000),
            Err(Refusal::Unknown)
        );
        assert_eq!(
            redeem(&mut logins, Api::Facebook, "2", back, 1_000),
            Err(Refusal::Unknown)
        );
        assert_eq!(
            redeem(&mut logins, Api::Facebook, "1", "https://other/", 1_000),
            Err(Refusal::OtherRedirectUri)
        );
        assert_eq!(
            redeem(&mut logins, Api::Facebook, "1", back, 601_000),
            Err(Refusal::Expired)
        );
        assert!(redeem(&mut logins, Api::Facebook, "1", back, 600_999).is_ok());
        assert_eq!(
            redeem(&mut logins, Api::Facebook, "1", back, 2_000),
            Err(Refusal::Used)
        );
        assert_eq!(
            logins.redeem("nope", Api::Facebook, "1", back, 0),
            Err(Refusal::Unknown)
        );
    }

    #[test]
    fn tokens_are_remembered_by_kind() {
        let mut logins = Logins::new(LoginConfig::with_secret("s"));
        let user = logins.issue_user_token();
        let short = logins.issue_short_token("1784");
        assert!(logins.is_user_token(&user) && !logins.is_user_token(&short));
        assert_eq!(logins.short_token_owner(&short), Some("1784"));
        assert_eq!(logins.short_token_owner(&user), None);
    }
}
