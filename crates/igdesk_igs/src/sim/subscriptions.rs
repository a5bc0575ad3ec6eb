//! Webhook subscriptions (meta-instagram-api.md §0–§1): Meta sends a business's
//! events only while the app is subscribed to it, through its Page
//! (`/{page-id}/subscribed_apps`, Facebook Login) or its Instagram account
//! (`/me/subscribed_apps`, Instagram Login). Meta keeps no copy of what it did
//! not send; the simulator records it, for tests to see.
//!
//! igdesk connects each account through one path, so the simulator keeps one
//! subscription per business, whichever host set it: a `DELETE` on either host
//! ends it, and either host lists it under its own app. Every business starts
//! subscribed (by the Meta app, with the Page's messaging fields), so that tests
//! that never heard of subscriptions get every event.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::login::LoginConfig;
use super::{BusinessAccount, Simulator};
use crate::graph::Api;

/// The fields a business starts subscribed to: the Page fields of Instagram
/// messaging.
const STARTING_FIELDS: &[&str] = &[
    "feed",
    "messages",
    "message_reactions",
    "messaging_handovers",
    "messaging_postbacks",
    "messaging_referrals",
    "standby",
];

/// One business's subscription, as `GET /_igs/subscriptions` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub ig_id: String,
    /// Whether its events reach the webhook.
    pub subscribed: bool,
    /// The fields subscribed, as the app gave them; empty when not subscribed.
    pub fields: Vec<String>,
    /// The app that subscribed: the Meta app (Facebook Login) or the Instagram
    /// app (Instagram Login); `None` when not subscribed.
    pub app_id: Option<String>,
}

/// A delivery Meta did not send because no app was subscribed to its business
/// (only the entries of unsubscribed businesses, when a delivery mixes them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WithheldDelivery {
    pub business_ig_ids: Vec<String>,
    /// The body that would have been POSTed.
    pub body: serde_json::Value,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Subscribed {
    /// The host (so the app) it was made through.
    via: Api,
    fields: Vec<String>,
}

impl Subscribed {
    fn starting() -> Self {
        Subscribed {
            via: Api::Facebook,
            fields: STARTING_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
        }
    }
}

/// Only businesses whose subscription changed are kept: absence means the
/// starting state, subscribed.
#[derive(Debug, Default)]
pub(crate) struct Subscriptions {
    changed: HashMap<String, Option<Subscribed>>,
}

impl Subscriptions {
    fn current(&self, ig_id: &str) -> Option<Subscribed> {
        match self.changed.get(ig_id) {
            Some(changed) => changed.clone(),
            None => Some(Subscribed::starting()),
        }
    }

    /// The fields subscribed for `ig_id`, if it is subscribed.
    pub fn fields(&self, ig_id: &str) -> Option<Vec<String>> {
        self.current(ig_id).map(|s| s.fields)
    }

    /// Subscribe through `via` with exactly these fields (Meta replaces the list).
    pub fn subscribe(&mut self, ig_id: &str, via: Api, fields: Vec<String>) {
        let subscribed = Subscribed { via, fields };
        self.changed.insert(ig_id.to_owned(), Some(subscribed));
    }

    pub fn unsubscribe(&mut self, ig_id: &str) {
        self.changed.insert(ig_id.to_owned(), None);
    }

    /// Back to the starting state.
    pub fn reset(&mut self, ig_id: &str) {
        self.changed.remove(ig_id);
    }

    pub fn is_subscribed(&self, ig_id: &str) -> bool {
        // Asked for every delivered entry: no cloning here.
        self.changed.get(ig_id).is_none_or(Option::is_some)
    }

    pub fn status(&self, ig_id: &str, config: &LoginConfig) -> Subscription {
        let current = self.current(ig_id);
        Subscription {
            ig_id: ig_id.to_owned(),
            subscribed: current.is_some(),
            app_id: current.as_ref().map(|s| config.app(s.via).0.to_owned()),
            fields: current.map(|s| s.fields).unwrap_or_default(),
        }
    }
}

impl Simulator {
    /// Register (or replace) a business the app is not subscribed to yet: its
    /// events are withheld until igdesk subscribes through `subscribed_apps`.
    pub fn add_business_unsubscribed(&self, account: BusinessAccount) {
        let ig_id = account.ig_id.clone();
        self.add_business(account);
        self.state().subscriptions.unsubscribe(&ig_id);
    }

    /// End `ig_id`'s subscription behind igdesk's back, as Meta does after
    /// prolonged webhook failures: its events are withheld from now on.
    pub fn unsubscribe(&self, ig_id: &str) {
        self.state().subscriptions.unsubscribe(ig_id);
    }

    /// Subscribe `ig_id` again as it started: by the Meta app, with the Page's
    /// messaging fields.
    pub fn subscribe(&self, ig_id: &str) {
        self.state().subscriptions.reset(ig_id);
    }

    pub fn subscription(&self, ig_id: &str) -> Subscription {
        let state = self.state();
        state.subscriptions.status(ig_id, &state.logins.config)
    }

    /// Every registered business's subscription, in registration order.
    pub fn subscriptions(&self) -> Vec<Subscription> {
        let state = self.state();
        let config = &state.logins.config;
        let businesses = state.businesses.iter();
        businesses
            .map(|b| state.subscriptions.status(&b.ig_id, config))
            .collect()
    }

    /// Every delivery withheld so far, in order.
    pub fn withheld(&self) -> Vec<WithheldDelivery> {
        self.state().records.withheld.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn businesses_start_subscribed_and_either_host_changes_the_one_subscription() {
        let config = LoginConfig::with_secret("s");
        let mut subscriptions = Subscriptions::default();
        let status = subscriptions.status("b", &config);
        assert!(status.subscribed && status.fields.contains(&"messages".to_owned()));
        assert_eq!(
            status.app_id.as_deref(),
            Some(config.facebook_app_id.as_str())
        );
        subscriptions.unsubscribe("b");
        assert!(!subscriptions.is_subscribed("b"));
        assert_eq!(subscriptions.fields("b"), None);
        subscriptions.subscribe("b", Api::Instagram, vec!["messages".into()]);
        let status = subscriptions.status("b", &config);
        assert_eq!(status.fields, ["messages"]);
        assert_eq!(status.app_id, Some(config.instagram_app_id));
        subscriptions.reset("b");
        assert!(subscriptions.is_subscribed("b"));
    }
}
