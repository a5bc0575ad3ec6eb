//! What each business's Messenger Profile holds for Instagram: its ice breakers
//! and its persistent menu, as the Messenger Profile API set them
//! (`graph::messenger_profile` checks them first). A customer's tap on one of
//! them is a postback webhook carrying the item's title and payload.

use std::collections::HashMap;

use anyhow::bail;
use serde_json::Value;

use super::Simulator;
use crate::webhook::Event;

/// One business's profile: each property in Meta's localized ("new") format, a
/// list of `{locale, call_to_actions}` objects; `None` when not set.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MessengerProfile {
    pub ice_breakers: Option<Value>,
    pub persistent_menu: Option<Value>,
}

/// The two properties Instagram's profile has.
pub(crate) const PROPERTIES: &[&str] = &["ice_breakers", "persistent_menu"];

impl MessengerProfile {
    pub fn get(&self, property: &str) -> Option<&Value> {
        match property {
            "ice_breakers" => self.ice_breakers.as_ref(),
            "persistent_menu" => self.persistent_menu.as_ref(),
            _ => None,
        }
    }

    pub fn set(&mut self, property: &str, value: Option<Value>) {
        match property {
            "ice_breakers" => self.ice_breakers = value,
            "persistent_menu" => self.persistent_menu = value,
            _ => {}
        }
    }

    /// The default locale's call-to-actions of a property.
    fn defaults(&self, property: &str) -> Vec<Value> {
        let Some(Value::Array(locales)) = self.get(property) else {
            return Vec::new();
        };
        locales
            .iter()
            .find(|l| l["locale"] == "default")
            .and_then(|l| l["call_to_actions"].as_array())
            .cloned()
            .unwrap_or_default()
    }
}

/// Every business's profile, by Instagram account id.
#[derive(Debug, Default)]
pub(crate) struct MessengerProfiles {
    by_business: HashMap<String, MessengerProfile>,
    /// The Meta error (code, message) the next `POST` answers instead of setting
    /// anything: a refusal igdesk's own checks cannot foresee.
    pub refuse_next: Option<(i64, String)>,
}

impl MessengerProfiles {
    pub fn of(&self, ig_id: &str) -> MessengerProfile {
        self.by_business.get(ig_id).cloned().unwrap_or_default()
    }

    pub fn set(&mut self, ig_id: &str, property: &str, value: Option<Value>) {
        let profile = self.by_business.entry(ig_id.to_owned()).or_default();
        profile.set(property, value);
    }
}

/// What a customer can tap in a business's thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starter {
    /// An ice breaker, named by its question.
    IceBreaker,
    /// A postback item of the persistent menu, named by its title.
    MenuItem,
}

impl Simulator {
    /// The next Messenger Profile `POST` (any business) answers Meta's error
    /// `code` with `message`, and changes nothing.
    pub fn refuse_messenger_profile(&self, code: i64, message: impl Into<String>) {
        self.state().messenger_profiles.refuse_next = Some((code, message.into()));
    }

    /// Sets what a scenario gives of the business's starters, as if through the
    /// Messenger Profile API (the scenario checked them).
    pub fn set_starters(&self, business_ig_id: &str, starters: &crate::scenario::Starters) {
        let mut state = self.state();
        let profiles = &mut state.messenger_profiles;
        if let Some(value) = &starters.ice_breakers {
            profiles.set(business_ig_id, "ice_breakers", Some(value.clone()));
        }
        if let Some(value) = &starters.persistent_menu {
            profiles.set(business_ig_id, "persistent_menu", Some(value.clone()));
        }
    }

    /// The business's ice breakers and persistent menu as the Messenger Profile
    /// API would read them back: `{"ice_breakers": [...], "persistent_menu": [...]}`,
    /// only the properties set.
    pub fn messenger_profile(&self, business_ig_id: &str) -> Value {
        let profile = self.state().messenger_profiles.of(business_ig_id);
        let mut out = serde_json::Map::new();
        for property in PROPERTIES {
            if let Some(value) = profile.get(property) {
                out.insert((*property).to_owned(), value.clone());
            }
        }
        Value::Object(out)
    }

    /// The postback `igsid` sends by tapping the starter named `title` (the
    /// question of an ice breaker, the title of a menu item) in the default
    /// locale; an error when the business has no such starter, as the customer
    /// could not have tapped it. A menu's URL items open a page, not a postback.
    pub fn tap(
        &self,
        business_ig_id: &str,
        igsid: &str,
        starter: Starter,
        title: &str,
    ) -> anyhow::Result<Event> {
        let profile = self.state().messenger_profiles.of(business_ig_id);
        let (property, label, what) = match starter {
            Starter::IceBreaker => ("ice_breakers", "question", "ice breaker"),
            Starter::MenuItem => ("persistent_menu", "title", "menu item"),
        };
        let items = profile.defaults(property);
        let Some(found) = items.iter().find(|i| i[label] == title) else {
            let known: Vec<&str> = items.iter().filter_map(|i| i[label].as_str()).collect();
            bail!(
                "{business_ig_id} has no {what} \"{title}\" (it has: {})",
                known.join(", ")
            );
        };
        if found.get("type").is_some_and(|t| t != "postback") {
            bail!("the menu item \"{title}\" opens a URL: tapping it sends no postback");
        }
        let payload = found["payload"].as_str().unwrap_or_default();
        Ok(Event::postback(igsid, title, payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn taps_find_the_default_locale_item_by_its_label() {
        let sim = Simulator::new(crate::SimConfig {
            app_secret: "s".into(),
            webhook_url: "http://127.0.0.1:9/webhooks/instagram".into(),
        });
        let biz = "17841400000000001";
        sim.state().messenger_profiles.set(
            biz,
            "ice_breakers",
            Some(json!([{"locale": "default", "call_to_actions": [
                {"question": "Where is my order?", "payload": "ORDER"}]}])),
        );
        sim.state().messenger_profiles.set(
            biz,
            "persistent_menu",
            Some(json!([{"locale": "default", "call_to_actions": [
                {"type": "postback", "title": "Talk to us", "payload": "HUMAN"},
                {"type": "web_url", "title": "Shop", "url": "https://shop.example"}]}])),
        );
        let tap = sim
            .tap(biz, "1000001", Starter::IceBreaker, "Where is my order?")
            .unwrap();
        let json = crate::Delivery::new(biz).push(tap).to_json();
        let postback = &json["entry"][0]["messaging"][0]["postback"];
        assert_eq!(postback["payload"], "ORDER", "{json}");
        assert_eq!(postback["title"], "Where is my order?", "{json}");
        assert!(sim
            .tap(biz, "1000001", Starter::MenuItem, "Talk to us")
            .is_ok());
        let url = sim.tap(biz, "1000001", Starter::MenuItem, "Shop");
        assert!(url.unwrap_err().to_string().contains("opens a URL"));
        let missing = sim.tap(biz, "1000001", Starter::IceBreaker, "Hours?");
        assert!(missing
            .unwrap_err()
            .to_string()
            .contains("Where is my order?"));
        assert_eq!(sim.messenger_profile("nobody"), json!({}));
    }
}
