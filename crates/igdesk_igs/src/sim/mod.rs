//! The simulator's state: Meta's view of business accounts and their customers,
//! what happened between them ([`world`]), the calls igdesk made and what was
//! accepted ([`records`]), injected faults, rate limits, and webhook delivery.

mod answering;
mod cdn;
mod echo;
mod fault;
pub(crate) mod limits;
pub(crate) mod login;
pub(crate) mod messenger_profile;
mod records;
mod routing;
mod stories;
mod subscriptions;
pub(crate) mod world;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

pub use fault::Fault;
pub(crate) use fault::{conversations_fail, take as take_fault, Scope as FaultScope};
pub use login::{LoginConfig, DEFAULT_FACEBOOK_USER_NAME, IGDESK_INSTAGRAM_APP_ID};
pub use messenger_profile::Starter;
pub use records::{
    CommentActionRecord, HistoryAttachment, HistoryMessage, HistoryStory, SenderActionRecord,
    SentMessage, TrackedComment,
};
pub use routing::{ThreadOwner, IGDESK_APP_ID};
pub(crate) use stories::StoryMedium;
pub use stories::STORY_LIFETIME_MS;
pub use subscriptions::{Subscription, WithheldDelivery};

use crate::webhook::{sign_body, Delivery};
use echo::EchoQueue;
use limits::Limits;
use login::Logins;
use records::Records;
use routing::Routing;
use subscriptions::Subscriptions;
use world::World;

/// What [`Simulator::deliver`] answers when it sent nothing: every entry was
/// for a business no app is subscribed to, so Meta would not have called the
/// webhook. The withheld body is in [`Simulator::withheld`].
pub const NOT_DELIVERED: u16 = 0;

/// Where and how simulated customers deliver webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimConfig {
    /// The Meta app secret the deliveries are signed with.
    pub app_secret: String,
    /// igdesk's webhook endpoint, e.g. `http://127.0.0.1:8080/webhooks/instagram`.
    pub webhook_url: String,
}

/// A business's Instagram professional account, linked to a Facebook Page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessAccount {
    pub ig_id: String,
    pub page_id: String,
    pub username: String,
    /// Valid on the Facebook-Login path (graph.facebook.com).
    pub page_token: String,
    /// Valid on the Instagram-Login path (graph.instagram.com).
    pub instagram_token: String,
}

/// An Instagram user as one business account sees them (the IGSID is scoped to
/// that account). Field names are those of Meta's User Profile API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerProfile {
    pub igsid: String,
    #[serde(default)]
    pub name: Option<String>,
    pub username: String,
    #[serde(default)]
    pub profile_pic: Option<String>,
    #[serde(default)]
    pub follower_count: u64,
    #[serde(default)]
    pub is_verified_user: bool,
    #[serde(default)]
    pub is_user_follow_business: bool,
    #[serde(default)]
    pub is_business_follow_user: bool,
}

impl CustomerProfile {
    /// A plain profile with only the mandatory facts.
    pub fn new(igsid: impl Into<String>, username: impl Into<String>) -> Self {
        CustomerProfile {
            igsid: igsid.into(),
            name: None,
            username: username.into(),
            profile_pic: None,
            follower_count: 0,
            is_verified_user: false,
            is_user_follow_business: false,
            is_business_follow_user: false,
        }
    }
}

/// One HTTP call the simulator received on its Graph API side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedCall {
    pub method: String,
    /// `facebook` or `instagram` (or the unrecognised first path segment).
    pub api: String,
    /// e.g. `v21.0`; empty for unversioned calls.
    pub version: String,
    /// The node path after the version, e.g. `1000001` or `17841400000000001/messages`.
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub body: String,
    pub at_ms: i64,
    /// Where the access token came, when there was one.
    #[serde(default)]
    pub token_in: Option<TokenPlace>,
}

/// Where a Graph call carried its access token. Meta takes it from any of the
/// three (`access_token` in the query or a form body, or an `Authorization:
/// Bearer` header); a test can check that a client keeps it out of URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPlace {
    Query,
    Header,
    Body,
}

/// Meta, simulated. Cheap to clone: clones share one state.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The app secret stays out of logs.
        f.debug_struct("Simulator")
            .field("webhook_url", &self.inner.config.webhook_url)
            .finish_non_exhaustive()
    }
}

struct Inner {
    config: SimConfig,
    /// Webhook deliveries.
    http: reqwest::Client,
    /// Fetching the media of image/video/audio/file sends.
    fetch: reqwest::Client,
    echoes: EchoQueue,
    state: Mutex<State>,
}

pub(crate) struct State {
    pub businesses: Vec<BusinessAccount>,
    /// Keyed by (business ig_id, IGSID).
    pub customers: HashMap<(String, String), CustomerProfile>,
    /// (business ig_id, IGSID) pairs that wrote to the business (Meta's consent).
    pub consented: HashSet<(String, String)>,
    pub calls: Vec<RecordedCall>,
    pub fault: Option<Fault>,
    pub world: World,
    pub limits: Limits,
    pub records: Records,
    /// Which app owns each thread (Conversation Routing).
    pub routing: Routing,
    /// Business ig_ids whose tokens were revoked.
    pub revoked: HashSet<String>,
    pub echoes: bool,
    pub echo_delay: Duration,
    /// Where this simulator is reached, once told ([`Simulator::set_public_url`]).
    pub public_url: Option<String>,
    /// Media the business sent, re-hosted on the simulator's CDN.
    pub hosted: cdn::Hosted,
    /// Customers' Stories, served on the CDN while they live.
    pub stories: stories::Stories,
    /// The apps, codes and tokens of Meta's login.
    pub logins: Logins,
    /// Whose webhooks are sent (`subscribed_apps`).
    pub subscriptions: Subscriptions,
    /// Each business's ice breakers and persistent menu (Messenger Profile API).
    pub messenger_profiles: messenger_profile::MessengerProfiles,
}

impl State {
    fn new(config: &SimConfig) -> Self {
        State {
            businesses: Vec::new(),
            customers: HashMap::new(),
            consented: HashSet::new(),
            calls: Vec::new(),
            fault: None,
            world: World::default(),
            limits: Limits::default(),
            records: Records::default(),
            routing: Routing::default(),
            revoked: HashSet::new(),
            echoes: true,
            echo_delay: echo::DEFAULT_DELAY,
            public_url: None,
            hosted: cdn::Hosted::default(),
            stories: stories::Stories::default(),
            logins: Logins::new(LoginConfig::with_secret(&config.app_secret)),
            subscriptions: Subscriptions::default(),
            messenger_profiles: Default::default(),
        }
    }

    /// The profile Meta would hold for `igsid` as seen by `business`. Someone who
    /// wrote to the business exists on Instagram even if no test registered
    /// them: they get a bare profile (no display name), as a real account might.
    pub fn profile(&self, business: &str, igsid: &str) -> Option<CustomerProfile> {
        let key = (business.to_owned(), igsid.to_owned());
        match self.customers.get(&key) {
            Some(profile) => Some(profile.clone()),
            None if self.consented.contains(&key) => {
                Some(CustomerProfile::new(igsid, format!("user{igsid}")))
            }
            None => None,
        }
    }

    /// Whether `igsid` is someone `business` can address: a registered
    /// customer, or someone who wrote, commented or appears in history.
    pub fn is_customer(&self, business: &str, igsid: &str) -> bool {
        self.customers
            .contains_key(&(business.to_owned(), igsid.to_owned()))
            || self.world.is_known(business, igsid)
    }
}

impl Simulator {
    pub fn new(config: SimConfig) -> Self {
        let http = reqwest::Client::builder()
            // Meta gives up on a webhook call after 20 seconds.
            .timeout(Duration::from_secs(20))
            .build()
            .expect("a reqwest client with default TLS settings builds");
        let fetch = reqwest::Client::builder()
            // Meta's media fetcher gives up after about 10 seconds.
            .timeout(Duration::from_secs(10))
            .build()
            .expect("a reqwest client with default TLS settings builds");
        let state = State::new(&config);
        Simulator {
            inner: Arc::new(Inner {
                config,
                http,
                fetch,
                echoes: EchoQueue::default(),
                state: Mutex::new(state),
            }),
        }
    }

    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    /// Register (or replace, by `ig_id`) a business account.
    pub fn add_business(&self, account: BusinessAccount) {
        let mut state = self.state();
        state.businesses.retain(|b| b.ig_id != account.ig_id);
        state.businesses.push(account);
    }

    /// Register (or replace) a customer of a business account.
    pub fn add_customer(&self, business_ig_id: &str, profile: CustomerProfile) {
        let key = (business_ig_id.to_owned(), profile.igsid.clone());
        self.state().customers.insert(key, profile);
    }

    /// The Graph API side (`/graph.facebook.com/…`, `/graph.instagram.com/…`)
    /// and the `/_igs/…` control endpoints.
    pub fn router(&self) -> axum::Router {
        crate::graph::router(self.clone())
    }

    /// Serve [`Self::router`] on `listener` until the task is dropped.
    pub async fn serve(&self, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
        axum::serve(listener, self.router())
            .await
            .context("serving the simulator")
    }

    /// Every Graph API call received so far, in order.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.state().calls.clone()
    }

    pub fn clear_calls(&self) {
        self.state().calls.clear();
    }

    pub fn set_fault(&self, fault: Option<Fault>) {
        self.state().fault = fault;
    }

    pub fn fault(&self) -> Option<Fault> {
        self.state().fault.clone()
    }

    /// Whether `igsid` has written to `business_ig_id` (profile lookups allowed).
    pub fn has_consented(&self, business_ig_id: &str, igsid: &str) -> bool {
        self.state()
            .consented
            .contains(&(business_ig_id.to_owned(), igsid.to_owned()))
    }

    /// The app that owns the thread between `business_ig_id` and `igsid`:
    /// [`IGDESK_APP_ID`] unless it was passed to another app.
    pub fn thread_owner(&self, business_ig_id: &str, igsid: &str) -> String {
        self.state().routing.owner(business_ig_id, igsid).to_owned()
    }

    /// Every thread owned by another app than igdesk's.
    pub fn thread_owners(&self) -> Vec<ThreadOwner> {
        self.state().routing.passed()
    }

    /// Serialize, sign and POST `delivery` to the webhook URL; the HTTP status.
    ///
    /// As on Meta, only the entries of businesses the app is subscribed to are
    /// sent (every business is, unless registered with
    /// [`Self::add_business_unsubscribed`] or unsubscribed since); the others
    /// are withheld and recorded ([`Self::withheld`]). When nothing is left to
    /// send, no request is made and the answer is `Ok(`[`NOT_DELIVERED`]`)`.
    /// The customers' actions happened on Instagram either way: consent,
    /// windows and threads are updated for withheld events too.
    pub async fn deliver(&self, delivery: &Delivery) -> anyhow::Result<u16> {
        // The customer wrote before Meta called the webhook, and igdesk may look
        // up the profile before this POST returns: consent is recorded first.
        let part = {
            let mut state = self.state();
            state.consented.extend(delivery.consents());
            for (business, event) in delivery.events() {
                state.world.observe(business, event);
                state.stories.observe(event);
            }
            let subscriptions = &state.subscriptions;
            let subscribed = |ig_id: &str| subscriptions.is_subscribed(ig_id);
            if delivery.events().all(|(ig_id, _)| subscribed(ig_id)) {
                None
            } else {
                let (sendable, withheld) = delivery.split(subscribed);
                let record = WithheldDelivery {
                    business_ig_ids: withheld.business_ig_ids(),
                    body: withheld.to_json(),
                    at_ms: crate::ids::now_ms(),
                };
                state.records.withheld.push(record);
                if sendable.is_empty() {
                    return Ok(NOT_DELIVERED);
                }
                Some(sendable)
            }
        };
        let delivery = part.as_ref().unwrap_or(delivery);
        // While another app owns a thread, its customer's messages reach igdesk's
        // app on `standby` (Conversation Routing).
        let moved = {
            let state = self.state();
            delivery
                .on_standby(|business, igsid| state.routing.owner(business, igsid) != IGDESK_APP_ID)
        };
        let body = moved.as_ref().unwrap_or(delivery).to_bytes();
        let signature = sign_body(&self.inner.config.app_secret, &body);
        let (status, _) = self.post(body, Some(signature)).await?;
        Ok(status)
    }

    /// POST an arbitrary body with an arbitrary (or no) signature header, for
    /// tests of bad input; the HTTP status and response body.
    pub async fn deliver_raw(
        &self,
        body: Vec<u8>,
        signature: Option<String>,
    ) -> anyhow::Result<(u16, String)> {
        self.post(body, signature).await
    }

    async fn post(
        &self,
        body: Vec<u8>,
        signature: Option<String>,
    ) -> anyhow::Result<(u16, String)> {
        let url = &self.inner.config.webhook_url;
        let mut request = self
            .inner
            .http
            .post(url)
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("X-Hub-Signature-256", signature);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("delivering a webhook to {url}"))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .with_context(|| format!("reading the answer of {url}"))?;
        Ok((status, text))
    }

    pub(crate) fn record(&self, call: RecordedCall) {
        self.state().calls.push(call);
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind: keep going.
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
