//! The application's shared state, handed to handlers and workers.

use crate::config::Settings;
use crate::crypto::Sealer;
use crate::intake::writer::IntakeWriter;
use crate::wake::Signal;
use igdesk_meta::{AccountAuth, Graph, LoginPath};
use igdesk_store::Account;
use igdesk_store::Store;
use secrecy::SecretString;
use std::sync::Arc;

#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub settings: Arc<Settings>,
    pub graph: Arc<dyn Graph>,
    /// Meta's login, for connecting accounts (ACC-1).
    pub login: Arc<igdesk_meta::login::HttpLogin>,
    pub sealer: Sealer,
    pub intake: IntakeWriter,
    /// Wakes the worker loops of one kind of job when this process wrote such jobs.
    pub wake: Arc<Wakers>,
    pub sign_in_failures: Arc<crate::service::sign_in::SignInFailures>,
    /// Now, for offers, sessions and SLA (paused in scenario tests).
    pub clock: crate::clock::Clock,
    /// The secret of this run's first-administrator link (`/setup?token=…`), valid
    /// while nobody can sign in (printed by `igdesk serve`).
    pub setup_token: Arc<String>,
    /// Fires when the service stops: long-lived answers (live streams) end with it.
    pub stopping: tokio_util::sync::CancellationToken,
}

impl App {
    /// Something changed that routing should look at now, not at its next poll.
    pub fn reroute(&self) {
        self.wake.routing.notify_one();
    }

    /// Moves a paused clock on and lets routing see the new time (scenario tests).
    pub fn advance_clock(&self, by: igdesk_domain::Millis) {
        self.clock.advance(by);
        self.reroute();
    }

    /// How to call Meta for `account`: its login path, its token (decrypted) and the
    /// node its messages go from.
    pub fn auth_for(&self, account: &Account) -> Result<AccountAuth, crate::crypto::CryptoError> {
        let login = LoginPath::parse(&account.login_path).unwrap_or(LoginPath::Facebook);
        Ok(AccountAuth {
            login,
            token: self
                .sealer
                .unseal_token(&account.ig_id, &account.token_sealed)?,
            node: match login {
                LoginPath::Facebook => account.page_id.clone(),
                LoginPath::Instagram => account.ig_id.clone(),
            },
        })
    }

    /// The secrets a webhook signature may be made with.
    pub fn signing_secrets(&self) -> Vec<&SecretString> {
        let mut secrets = vec![&self.settings.meta_app_secret];
        secrets.extend(self.settings.meta_instagram_app_secret.as_ref());
        secrets
    }
}

/// One wake-up per kind of work, so a burst of webhooks wakes the delivery loop
/// only, not every loop (each wake-up is a claim, and claims are writes). Routing
/// and the live streams are woken on the other instances too (`wake`).
pub struct Wakers {
    pub deliveries: Arc<Signal>,
    /// Customers' profiles to fetch.
    pub profiles: Signal,
    /// Threads to pass to or take from Instagram's inbox (a handover begun or ended).
    pub thread_control: Signal,
    /// Instagram Login tokens to renew: scheduled weeks ahead, so found by polling.
    pub tokens: Signal,
    pub sends: Signal,
    pub history: Signal,
    /// `mark_seen` / `typing_on` were queued (`service::seen`).
    pub sender_actions: Signal,
    /// Stories' checks were queued (`service::stories`, upkeep).
    pub stories: Signal,
    /// Webhooks to the Business Messaging API's user were written.
    pub api_webhooks: Signal,
    /// Routing: new work, an agent with room again, an offer let go.
    pub routing: Signal,
    /// Live streams: whose stream has new events.
    pub live: crate::live::LiveHub,
}

impl Default for Wakers {
    fn default() -> Self {
        Wakers {
            deliveries: Arc::new(Signal::new("deliveries")),
            profiles: Signal::new("profiles"),
            thread_control: Signal::new("thread_control"),
            tokens: Signal::new("tokens"),
            sends: Signal::new("sends"),
            history: Signal::new("history"),
            sender_actions: Signal::new("sender_actions"),
            stories: Signal::new("stories"),
            api_webhooks: Signal::new("api_webhooks"),
            routing: Signal::new("routing"),
            live: crate::live::LiveHub::default(),
        }
    }
}

impl Wakers {
    /// The wake-up of the loops doing jobs of `kind`: each kind its own, so work of
    /// one kind does not send the loops of another to claim nothing.
    pub fn for_kind(&self, kind: &str) -> &Signal {
        match kind {
            igdesk_store::JOB_PROCESS_DELIVERY => &self.deliveries,
            igdesk_store::JOB_SEND => &self.sends,
            igdesk_store::JOB_IMPORT_HISTORY => &self.history,
            igdesk_store::JOB_THREAD_CONTROL => &self.thread_control,
            igdesk_store::JOB_REFRESH_TOKEN => &self.tokens,
            igdesk_store::JOB_SENDER_ACTION => &self.sender_actions,
            igdesk_store::JOB_CHECK_STORY => &self.stories,
            _ => &self.profiles,
        }
    }
}
