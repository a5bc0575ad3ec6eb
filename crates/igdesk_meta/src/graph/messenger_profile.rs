//! Conversation starters through the Messenger Profile API, Instagram's flavour:
//! `/{version}/me/messenger_profile?platform=instagram` on either host sets
//! (`POST`), reads (`GET ?fields=`) and removes (`DELETE` with `fields`) an
//! account's ice breakers and persistent menu. igdesk manages the `default`
//! locale only: what every customer sees unless a localized copy was set
//! elsewhere.

use super::{call, AccountAuth, HttpGraph};
use crate::errors::GraphError;
use async_trait::async_trait;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One ice breaker: a question the customer can tap to start a conversation, and
/// the payload the postback then carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceBreaker {
    pub question: String,
    pub payload: String,
}

/// One persistent menu item. Instagram allows these two kinds only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MenuItem {
    /// Sends a postback with `payload`.
    Postback { title: String, payload: String },
    /// Opens `url` in Instagram's browser.
    WebUrl { title: String, url: String },
}

impl MenuItem {
    pub fn title(&self) -> &str {
        match self {
            MenuItem::Postback { title, .. } | MenuItem::WebUrl { title, .. } => title,
        }
    }
}

/// What Meta holds for an account, default locale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessengerProfile {
    pub ice_breakers: Vec<IceBreaker>,
    pub persistent_menu: Vec<MenuItem>,
}

/// The two properties, as the API names them in `fields`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileField {
    IceBreakers,
    PersistentMenu,
}

impl ProfileField {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileField::IceBreakers => "ice_breakers",
            ProfileField::PersistentMenu => "persistent_menu",
        }
    }
}

/// The Messenger Profile calls; every [`super::Graph`] has them.
#[async_trait]
pub trait MessengerProfiles: Send + Sync {
    /// Sets the properties given (`Some`), each replacing what Meta held. Meta
    /// refuses an empty list: remove a property with
    /// [`Self::delete_messenger_profile`] instead.
    async fn set_messenger_profile(
        &self,
        auth: &AccountAuth,
        ice_breakers: Option<&[IceBreaker]>,
        persistent_menu: Option<&[MenuItem]>,
    ) -> Result<(), GraphError>;
    /// What Meta holds now.
    async fn messenger_profile(&self, auth: &AccountAuth) -> Result<MessengerProfile, GraphError>;
    async fn delete_messenger_profile(
        &self,
        auth: &AccountAuth,
        fields: &[ProfileField],
    ) -> Result<(), GraphError>;
}

const NODE: &str = "me/messenger_profile";
const PLATFORM: (&str, &str) = ("platform", "instagram");

#[async_trait]
impl MessengerProfiles for HttpGraph {
    async fn set_messenger_profile(
        &self,
        auth: &AccountAuth,
        ice_breakers: Option<&[IceBreaker]>,
        persistent_menu: Option<&[MenuItem]>,
    ) -> Result<(), GraphError> {
        let mut body = json!({ "platform": "instagram" });
        if let Some(questions) = ice_breakers {
            body["ice_breakers"] = json!([{ "locale": "default", "call_to_actions": questions }]);
        }
        if let Some(items) = persistent_menu {
            body["persistent_menu"] = json!([{ "locale": "default", "call_to_actions": items }]);
        }
        let request = self
            .request(Method::POST, auth, NODE)
            .query(&[PLATFORM])
            .json(&body);
        let _: Value = call(request, &auth.token).await?;
        Ok(())
    }

    async fn messenger_profile(&self, auth: &AccountAuth) -> Result<MessengerProfile, GraphError> {
        let request = self
            .request(Method::GET, auth, NODE)
            .query(&[PLATFORM, ("fields", "ice_breakers,persistent_menu")]);
        let answer: Value = call(request, &auth.token).await?;
        Ok(read_profile(&answer))
    }

    async fn delete_messenger_profile(
        &self,
        auth: &AccountAuth,
        fields: &[ProfileField],
    ) -> Result<(), GraphError> {
        let names: Vec<&str> = fields.iter().map(|f| f.as_str()).collect();
        let request = self
            .request(Method::DELETE, auth, NODE)
            .query(&[PLATFORM])
            .json(&json!({ "fields": names }));
        let _: Value = call(request, &auth.token).await?;
        Ok(())
    }
}

/// Meta's answer, read leniently: the Messenger Profile API answers
/// `{"data":[{"ice_breakers":[…],"persistent_menu":[…]}]}`, while Instagram's ice
/// breaker page shows the locales themselves in `data`; ice breakers may be in
/// the localized format or the old flat one. Items that cannot be read are left
/// out rather than failing the whole page.
pub(crate) fn read_profile(answer: &Value) -> MessengerProfile {
    let mut profile = MessengerProfile::default();
    let data = answer["data"].as_array().cloned().unwrap_or_default();
    for entry in &data {
        if let Some(breakers) = entry.get("ice_breakers") {
            profile.ice_breakers = default_locale(breakers);
        }
        if let Some(menu) = entry.get("persistent_menu") {
            profile.persistent_menu = default_locale(menu);
        }
    }
    if profile.ice_breakers.is_empty() && data.iter().any(|e| e.get("call_to_actions").is_some()) {
        profile.ice_breakers = default_locale(&Value::Array(data));
    }
    profile
}

/// The default locale's items (or the only list, in the flat format).
fn default_locale<T: serde::de::DeserializeOwned>(value: &Value) -> Vec<T> {
    let Some(entries) = value.as_array() else {
        return Vec::new();
    };
    let localized = entries.iter().any(|e| e.get("call_to_actions").is_some());
    let items = if localized {
        entries
            .iter()
            .find(|e| e["locale"] == "default")
            .or(entries.first())
            .and_then(|e| e["call_to_actions"].as_array())
            .cloned()
            .unwrap_or_default()
    } else {
        entries.clone()
    };
    items
        .into_iter()
        .filter_map(|i| serde_json::from_value(i).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_answer_shapes_are_read() {
        let keyed = json!({"data": [{
            "ice_breakers": [
                {"locale": "en_GB", "call_to_actions": [{"question": "Hiya?", "payload": "GB"}]},
                {"locale": "default", "call_to_actions": [{"question": "Hi?", "payload": "HI"}]}],
            "persistent_menu": [{"locale": "default", "call_to_actions": [
                {"type": "postback", "title": "Talk", "payload": "HUMAN"},
                {"type": "web_url", "title": "Shop", "url": "https://shop.example"},
                {"type": "nested", "title": "More"}]}]}]});
        let profile = read_profile(&keyed);
        assert_eq!(profile.ice_breakers[0].payload, "HI");
        assert_eq!(
            profile.persistent_menu.len(),
            2,
            "unknown kinds are left out"
        );
        assert_eq!(profile.persistent_menu[1].title(), "Shop");
        let bare = json!({"data": [{"locale": "default", "call_to_actions": [
            {"question": "Hi?", "payload": "HI"}]}]});
        assert_eq!(read_profile(&bare).ice_breakers.len(), 1);
        let flat = json!({"data": [{"ice_breakers": [{"question": "Hi?", "payload": "HI"}]}]});
        assert_eq!(read_profile(&flat).ice_breakers[0].question, "Hi?");
        assert_eq!(
            read_profile(&json!({"data": []})),
            MessengerProfile::default()
        );
    }

    use crate::errors::ErrorAction;
    use crate::graph::tests::{auth, stub};
    use crate::graph::LoginPath;

    #[tokio::test]
    async fn set_goes_to_me_for_instagram_with_the_default_locale() {
        let (base, seen) = stub(200, json!({"result": "success"})).await;
        let graph = HttpGraph::new("http://unused.invalid", &base, "v22.0");
        let account = auth(LoginPath::Instagram, "17841400000000001");
        let breakers = [IceBreaker {
            question: "Hi?".into(),
            payload: "HI".into(),
        }];
        graph
            .set_messenger_profile(&account, Some(&breakers), None)
            .await
            .unwrap();
        let seen = seen.await.unwrap();
        assert_eq!(
            seen.request_line,
            "POST /v22.0/me/messenger_profile?platform=instagram HTTP/1.1"
        );
        assert_eq!(seen.authorization.as_deref(), Some("Bearer T0KEN"));
        assert_eq!(
            seen.body,
            json!({"platform": "instagram", "ice_breakers": [{"locale": "default",
                "call_to_actions": [{"question": "Hi?", "payload": "HI"}]}]})
        );
    }

    #[tokio::test]
    async fn a_rejected_token_on_delete_asks_for_reconnecting() {
        let refusal = json!({"error": {"message": "Invalid OAuth access token",
            "type": "OAuthException", "code": 190, "fbtrace_id": "A"}});
        let (base, seen) = stub(400, refusal).await;
        let graph = HttpGraph::new(&base, "http://unused.invalid", "v22.0");
        let page = auth(LoginPath::Facebook, "100");
        let error = graph
            .delete_messenger_profile(&page, &[ProfileField::PersistentMenu])
            .await
            .unwrap_err();
        assert_eq!(error.action(), ErrorAction::Reconnect);
        let seen = seen.await.unwrap();
        assert_eq!(
            seen.request_line,
            "DELETE /v22.0/me/messenger_profile?platform=instagram HTTP/1.1"
        );
        assert_eq!(seen.body, json!({"fields": ["persistent_menu"]}));
    }

    #[test]
    fn menu_items_are_written_as_meta_reads_them() {
        let item = MenuItem::WebUrl {
            title: "Shop".into(),
            url: "https://shop.example".into(),
        };
        assert_eq!(
            serde_json::to_value(&item).unwrap(),
            json!({"type": "web_url", "title": "Shop", "url": "https://shop.example"})
        );
    }
}
