//! The `serve` command's file: the business accounts and customers Meta knows.
//!
//! ```toml
//! [login]                       # optional; every key optional
//! facebook_app_id = "900000000000001"
//! facebook_user_name = "Demo Owner"
//!
//! [[business]]
//! ig_id = "17841400000000001"
//! page_id = "100000000000001"
//! username = "the.shop"
//! page_token = "EAAG-page-token"
//! instagram_token = "IGAA-instagram-token"
//! name = "The Shop"             # optional: the display name login shows
//! subscribed = true             # optional: false withholds its webhooks
//!
//! [[business.customer]]
//! igsid = "1000001"
//! name = "Ana Souza"
//! username = "ana.souza"
//! follower_count = 1200
//! ```

use anyhow::Context as _;
use serde::Deserialize;

use crate::sim::{BusinessAccount, CustomerProfile, Simulator};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimFile {
    #[serde(default)]
    pub login: LoginEntry,
    #[serde(default)]
    pub business: Vec<BusinessEntry>,
}

/// Meta's login: what is not given keeps its default ([`crate::LoginConfig`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginEntry {
    pub facebook_app_id: Option<String>,
    pub facebook_app_secret: Option<String>,
    pub instagram_app_id: Option<String>,
    pub instagram_app_secret: Option<String>,
    pub facebook_user_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessEntry {
    pub ig_id: String,
    pub page_id: String,
    pub username: String,
    pub page_token: String,
    pub instagram_token: String,
    /// The Page's and Instagram account's display name in login.
    #[serde(default)]
    pub name: Option<String>,
    /// `false`: no app is subscribed to it, its webhooks are withheld.
    #[serde(default = "subscribed")]
    pub subscribed: bool,
    #[serde(default)]
    pub customer: Vec<CustomerProfile>,
}

fn subscribed() -> bool {
    true
}

impl SimFile {
    pub fn from_toml(text: &str) -> anyhow::Result<SimFile> {
        toml::from_str(text).context("invalid simulator configuration")
    }

    /// Set up login and register every business and customer with `sim`.
    pub fn apply(&self, sim: &Simulator) {
        let mut login = sim.login_config();
        let given = [
            (&self.login.facebook_app_id, &mut login.facebook_app_id),
            (
                &self.login.facebook_app_secret,
                &mut login.facebook_app_secret,
            ),
            (&self.login.instagram_app_id, &mut login.instagram_app_id),
            (
                &self.login.instagram_app_secret,
                &mut login.instagram_app_secret,
            ),
            (
                &self.login.facebook_user_name,
                &mut login.facebook_user_name,
            ),
        ];
        for (value, slot) in given {
            if let Some(value) = value {
                slot.clone_from(value);
            }
        }
        sim.set_login_config(login);
        for entry in &self.business {
            let account = BusinessAccount {
                ig_id: entry.ig_id.clone(),
                page_id: entry.page_id.clone(),
                username: entry.username.clone(),
                page_token: entry.page_token.clone(),
                instagram_token: entry.instagram_token.clone(),
            };
            if entry.subscribed {
                sim.add_business(account);
            } else {
                sim.add_business_unsubscribed(account);
            }
            if let Some(name) = &entry.name {
                sim.set_business_name(&entry.ig_id, name.clone());
            }
            for customer in &entry.customer {
                sim.add_customer(&entry.ig_id, customer.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_example_file() {
        let text = include_str!("../igs.example.toml");
        let file = SimFile::from_toml(text).unwrap();
        assert_eq!(file.business.len(), 1);
        assert!(file.business[0].customer.len() >= 3);
        let bad = SimFile::from_toml("[[business]]\nig_id = \"1\"\n").unwrap_err();
        assert!(format!("{bad:#}").contains("missing field"), "{bad:#}");
    }

    #[test]
    fn login_and_subscriptions_are_optional() {
        let text = r#"
            [login]
            instagram_app_id = "77"
            facebook_user_name = "Rita"

            [[business]]
            ig_id = "1"
            page_id = "2"
            username = "shop"
            page_token = "EAAG"
            instagram_token = "IGAA"
            subscribed = false
        "#;
        let sim = Simulator::new(crate::SimConfig {
            app_secret: "s".into(),
            webhook_url: "http://127.0.0.1:9/hooks".into(),
        });
        SimFile::from_toml(text).unwrap().apply(&sim);
        let login = sim.login_config();
        assert_eq!(login.instagram_app_id, "77");
        assert_eq!(login.facebook_user_name, "Rita");
        assert_eq!(login.facebook_app_id, crate::IGDESK_APP_ID);
        assert!(!sim.subscription("1").subscribed);
    }
}
