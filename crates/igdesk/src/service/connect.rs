//! Connecting Instagram accounts with Meta's own login (ACC-1, ACC-6), both paths:
//! an administrator starts a login and is sent to Meta's dialog; Meta sends them
//! back with a code, exchanged here for tokens and the accounts they reach; the
//! administrator picks which to connect; each is stored (token sealed), subscribed
//! to webhooks, and its recent history imported. Reconnecting is the same login:
//! an account already connected is brought up to date and its held messages go.
//!
//! The `state` given to Meta is a random secret, single use, 10 minutes, kept
//! hashed; what Meta's callback found is kept with it for the administrator who
//! started it only.

use super::error::{Kind, ServiceError};
use crate::app::App;
use crate::crypto::{hash_token, random_hex};
use igdesk_domain::{AccountId, ConversationSettings};
use igdesk_meta::login::App as MetaApp;
use igdesk_meta::{LoginPath, FACEBOOK_SUBSCRIBED_FIELDS, INSTAGRAM_SUBSCRIBED_FIELDS};
use igdesk_store::{Account, Agent, CallbackClaim, NewAccount};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The most accounts one login connects at once.
pub const MAX_PICKED: usize = 100;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Started {
    /// Meta's dialog: send the administrator's browser there.
    pub authorize_url: String,
    pub state: String,
}

/// What Meta's callback brings back in its query.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub error_reason: Option<String>,
}

/// An Instagram professional account a login reaches, as kept until it is picked.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Found {
    ig_id: String,
    username: String,
    name: Option<String>,
    page_id: String,
    page_name: String,
    picture: Option<String>,
    token_sealed: String,
}

/// An account the administrator may pick.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Candidate {
    pub ig_id: String,
    pub username: String,
    pub name: Option<String>,
    /// The Facebook Page it is linked to (Facebook Login); the account itself on
    /// Instagram Login.
    pub page_id: String,
    pub page_name: String,
    pub profile_picture_url: Option<String>,
    /// Connected already: picking it reconnects it (a fresh token).
    pub already_connected: bool,
    /// Connected, and Meta refused its token: this login is its reconnection.
    pub needs_reconnect: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Candidates {
    /// `facebook` or `instagram`.
    pub login: String,
    pub accounts: Vec<Candidate>,
}

fn admin_only(agent: &Agent) -> Result<(), ServiceError> {
    if agent.is_admin {
        Ok(())
    } else {
        Err(ServiceError::forbidden(
            "only administrators connect Instagram accounts",
        ))
    }
}

/// The app a login path uses, or what is missing for it, in words for the button.
pub fn app_for(app: &App, login: LoginPath) -> Result<(String, SecretString), ServiceError> {
    let s = &app.settings;
    let missing = |what: &str| {
        ServiceError::new(Kind::BadInput, "login_not_configured", what.to_owned()).field("login")
    };
    match login {
        LoginPath::Facebook => s
            .meta_app_id
            .clone()
            .map(|id| (id, s.meta_app_secret.clone()))
            .ok_or_else(|| {
                missing("Facebook Login needs the Meta app's id: set IGDESK_META_APP_ID (App settings > Basic in Meta's App Dashboard)")
            }),
        LoginPath::Instagram => match (&s.instagram_app_id, &s.meta_instagram_app_secret) {
            (Some(id), Some(secret)) => Ok((id.clone(), secret.clone())),
            (None, _) => Err(missing(
                "Instagram Login needs the Instagram app's id: set IGDESK_INSTAGRAM_APP_ID (Instagram > API setup with Instagram login in Meta's App Dashboard)",
            )),
            (Some(_), None) => Err(missing(
                "Instagram Login needs the Instagram app's secret: set IGDESK_META_INSTAGRAM_APP_SECRET",
            )),
        },
    }
}

/// Where Meta sends the administrator back.
pub fn redirect_uri(app: &App, login: LoginPath) -> String {
    format!(
        "{}/oauth/{}/callback",
        app.settings.public_url,
        login.as_str()
    )
}

/// Starts a login: the dialog's address, with a new single-use state.
pub async fn start(app: &App, agent: &Agent, login: LoginPath) -> Result<Started, ServiceError> {
    admin_only(agent)?;
    let (app_id, _) = app_for(app, login)?;
    let state = random_hex(32);
    app.store
        .start_connect(
            &hash_token(&state),
            agent.id,
            login.as_str(),
            crate::now_ms(),
        )
        .await?;
    let redirect = redirect_uri(app, login);
    let authorize_url = match login {
        LoginPath::Facebook => app.login.facebook_dialog(&app_id, &redirect, &state),
        LoginPath::Instagram => app.login.instagram_dialog(&app_id, &redirect, &state),
    };
    Ok(Started {
        authorize_url,
        state,
    })
}

fn refused(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::bad_request(code, message)
}

/// Meta's callback: takes the state (once), exchanges the code, and keeps what it
/// found for the administrator. Answers the state, for the page that lists them.
pub async fn callback(app: &App, login: LoginPath, cb: Callback) -> Result<String, ServiceError> {
    let state = cb
        .state
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .ok_or_else(|| {
            refused(
                "state_missing",
                "Meta's answer has no state: start again from Settings",
            )
        })?;
    let hash = hash_token(&state);
    let attempt =
        match app
            .store
            .claim_connect_callback(&hash, crate::now_ms())
            .await?
        {
            CallbackClaim::Taken(attempt) => attempt,
            CallbackClaim::Unknown => {
                return Err(refused(
                    "unknown_state",
                    "This login is not one igdesk started: start again from Settings",
                ))
            }
            CallbackClaim::Used => return Err(ServiceError::conflict(
                "state_used",
                "This login was already completed once: start again from Settings to connect more",
            )),
            CallbackClaim::Expired => {
                return Err(refused(
                    "state_expired",
                    "This login took longer than 10 minutes: start again from Settings",
                ))
            }
        };
    if attempt.login_path != login.as_str() {
        return Err(refused(
            "wrong_login",
            "This login was started for the other login path",
        ));
    }
    if let Some(error) = cb.error {
        let why = cb.error_description.or(cb.error_reason).unwrap_or(error);
        return Err(refused(
            "login_denied",
            format!(
                "Meta's login did not complete ({}): nothing was connected",
                short(&why)
            ),
        ));
    }
    let code = cb
        .code
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(|| {
            refused(
                "code_missing",
                "Meta's answer has no code: start again from Settings",
            )
        })?;
    let (app_id, secret) = app_for(app, login)?;
    let redirect = redirect_uri(app, login);
    let meta_app = MetaApp {
        id: &app_id,
        secret: &secret,
        redirect_uri: &redirect,
    };
    let exchange_failed = |e: igdesk_meta::GraphError| {
        tracing::warn!(error = %e, login = login.as_str(), "Meta's login exchange failed");
        refused(
            "exchange_failed",
            format!(
                "Meta refused the login ({e}): nothing was connected; start again from Settings"
            ),
        )
    };
    let found: Vec<Found> = match login {
        LoginPath::Facebook => app
            .login
            .facebook_pages(&meta_app, code.trim_end_matches("#_"))
            .await
            .map_err(exchange_failed)?
            .into_iter()
            .filter_map(|page| {
                let ig = page.instagram_business_account?;
                Some(Found {
                    token_sealed: app
                        .sealer
                        .seal_token(&ig.id, &SecretString::from(page.access_token)),
                    ig_id: ig.id,
                    username: ig.username,
                    name: ig.name,
                    page_id: page.id,
                    page_name: page.name,
                    picture: ig.profile_picture_url,
                })
            })
            .collect(),
        LoginPath::Instagram => {
            let (me, token) = app
                .login
                .instagram_account(&meta_app, code.trim_end_matches("#_"))
                .await
                .map_err(exchange_failed)?;
            vec![Found {
                token_sealed: app.sealer.seal_token(&me.user_id, &token),
                page_id: me.user_id.clone(),
                page_name: me.name.clone().unwrap_or_else(|| me.username.clone()),
                ig_id: me.user_id,
                username: me.username,
                name: me.name,
                picture: None,
            }]
        }
    };
    let json = serde_json::to_string(&found).map_err(ServiceError::internal)?;
    app.store.record_connect_found(&hash, &json).await?;
    Ok(state)
}

fn short(text: &str) -> String {
    text.chars().take(200).collect()
}

/// What the login found, for the administrator who started it.
async fn found(
    app: &App,
    agent: &Agent,
    state: &str,
) -> Result<(String, Vec<Found>), ServiceError> {
    admin_only(agent)?;
    let attempt = app
        .store
        .connect_attempt(&hash_token(state))
        .await?
        .filter(|a| a.agent == agent.id)
        .ok_or_else(|| ServiceError::not_found("login"))?;
    let Some(found) = attempt.found else {
        return Err(ServiceError::conflict(
            "not_returned",
            "Meta has not sent you back from its login yet",
        ));
    };
    let found = serde_json::from_str(&found).map_err(ServiceError::internal)?;
    Ok((attempt.login_path, found))
}

pub async fn candidates(app: &App, agent: &Agent, state: &str) -> Result<Candidates, ServiceError> {
    let (login, found) = found(app, agent, state).await?;
    let connected = app.store.accounts().await?;
    let find = |ig_id: &str| connected.iter().find(|a| a.ig_id == ig_id);
    Ok(Candidates {
        login,
        accounts: found
            .into_iter()
            .map(|f| Candidate {
                already_connected: find(&f.ig_id).is_some(),
                needs_reconnect: find(&f.ig_id).is_some_and(|a| a.needs_reconnect),
                ig_id: f.ig_id,
                username: f.username,
                name: f.name,
                page_id: f.page_id,
                page_name: f.page_name,
                profile_picture_url: f.picture,
            })
            .collect(),
    })
}

/// Connects the picked accounts: stored, subscribed to webhooks, history imported.
pub async fn connect(
    app: &App,
    agent: &Agent,
    state: &str,
    picked: &[String],
) -> Result<Vec<Account>, ServiceError> {
    let (login, found) = found(app, agent, state).await?;
    if picked.is_empty() || picked.len() > MAX_PICKED {
        return Err(
            refused("nothing_picked", "Pick at least one account to connect").field("ig_ids"),
        );
    }
    if let Some(unknown) = picked
        .iter()
        .find(|id| !found.iter().any(|f| &f.ig_id == *id))
    {
        return Err(refused(
            "not_found_by_login",
            format!("{unknown} is not among the accounts this login found"),
        )
        .field("ig_ids"));
    }
    if !app
        .store
        .finish_connect(&hash_token(state), crate::now_ms())
        .await?
    {
        return Err(ServiceError::conflict(
            "already_connected_from_this_login",
            "Accounts were already connected from this login: start again from Settings",
        ));
    }
    let mut connected = Vec::new();
    for f in found.into_iter().filter(|f| picked.contains(&f.ig_id)) {
        let (account, before) = app
            .store
            .upsert_account(
                NewAccount {
                    ig_id: f.ig_id,
                    page_id: f.page_id,
                    page_name: f.page_name,
                    username: f.username,
                    login_path: login.clone(),
                    token_sealed: f.token_sealed,
                    added_by: agent.name.clone(),
                    settings: ConversationSettings::default(),
                },
                crate::now_ms(),
            )
            .await?;
        if !before {
            crate::accounts::queue_first_jobs(app.store.as_ref(), &account)
                .await
                .map_err(ServiceError::internal)?;
            app.wake.history.notify_one();
        }
        check_subscription(app, &account).await;
        app.wake.sends.notify_one();
        connected.push(app.store.account(account.id).await?.unwrap_or(account));
    }
    Ok(connected)
}

/// Makes sure Meta delivers the account's webhooks to igdesk's app: asks Meta,
/// subscribes when it is missing, and records the answer. A failure is recorded as
/// not subscribed (and logged); the daily check tries again.
pub async fn check_subscription(app: &App, account: &Account) -> bool {
    let subscribed = match subscribe_if_missing(app, account).await {
        Ok(subscribed) => subscribed,
        Err(e) => {
            tracing::warn!(account = %account.id, error = %e, "webhook subscription check failed");
            false
        }
    };
    if let Err(e) = app
        .store
        .set_subscription(account.id, subscribed, crate::now_ms())
        .await
    {
        tracing::warn!(account = %account.id, error = %e, "recording the subscription failed");
    }
    subscribed
}

async fn subscribe_if_missing(app: &App, account: &Account) -> anyhow::Result<bool> {
    let auth = app.auth_for(account)?;
    let ours = match auth.login {
        LoginPath::Facebook => app.settings.meta_app_id.clone(),
        LoginPath::Instagram => app.settings.instagram_app_id.clone(),
    };
    let apps = app.graph.subscribed_apps(&auth).await?;
    // Without the app id, any subscription is taken as igdesk's.
    let present = apps
        .iter()
        .any(|a| ours.as_deref().is_none_or(|id| a.id == id));
    if present {
        return Ok(true);
    }
    let fields = match auth.login {
        LoginPath::Facebook => FACEBOOK_SUBSCRIBED_FIELDS,
        LoginPath::Instagram => INSTAGRAM_SUBSCRIBED_FIELDS,
    };
    app.graph.subscribe_app(&auth, fields).await?;
    metrics::counter!("igdesk_webhook_subscriptions_repaired_total").increment(1);
    Ok(true)
}

/// Removes an account: unsubscribed at Meta (when Meta can be reached), no longer
/// sending, its waiting messages failed as "account removed", its history kept.
pub async fn remove(app: &App, agent: &Agent, account: AccountId) -> Result<Account, ServiceError> {
    admin_only(agent)?;
    let found = app
        .store
        .account(account)
        .await?
        .ok_or_else(|| ServiceError::not_found("account"))?;
    match app.auth_for(&found) {
        Ok(auth) => {
            if let Err(e) = app.graph.unsubscribe_app(&auth).await {
                tracing::warn!(account = %account, error = %e, "unsubscribing a removed account failed");
            }
        }
        Err(e) => {
            tracing::warn!(account = %account, error = %e, "a removed account's token cannot be read")
        }
    }
    app.store
        .remove_account(account, crate::now_ms())
        .await?
        .ok_or_else(|| ServiceError::not_found("account"))
}
