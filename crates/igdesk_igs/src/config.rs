//! The `serve` command's file: the business accounts and customers Meta knows.
//!
//! ```toml
//! [[business]]
//! ig_id = "17841400000000001"
//! page_id = "100000000000001"
//! username = "the.shop"
//! page_token = "EAAG-page-token"
//! instagram_token = "IGAA-instagram-token"
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
    pub business: Vec<BusinessEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessEntry {
    pub ig_id: String,
    pub page_id: String,
    pub username: String,
    pub page_token: String,
    pub instagram_token: String,
    #[serde(default)]
    pub customer: Vec<CustomerProfile>,
}

impl SimFile {
    pub fn from_toml(text: &str) -> anyhow::Result<SimFile> {
        toml::from_str(text).context("invalid simulator configuration")
    }

    /// Register every business and customer with `sim`.
    pub fn apply(&self, sim: &Simulator) {
        for entry in &self.business {
            sim.add_business(BusinessAccount {
                ig_id: entry.ig_id.clone(),
                page_id: entry.page_id.clone(),
                username: entry.username.clone(),
                page_token: entry.page_token.clone(),
                instagram_token: entry.instagram_token.clone(),
            });
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
}
