//! Conversation starters, per account: Instagram's ice breakers (the questions a
//! customer can tap to open a conversation) and the persistent menu, set through
//! Meta's Messenger Profile API and read back from it. Their taps arrive as
//! postbacks, stored like any message with their payload (`workers::mapping`).
//!
//! Meta is the one place they are kept: igdesk stores no copy, so what the page
//! and the API show is what Instagram holds now (someone may change it with
//! another tool), and when Meta cannot be reached they say so rather than show
//! a copy that may be stale.
//!
//! The limits are checked here, before Meta is asked, and named by their field
//! (`ice_breakers[1].question`): at most 4 ice breakers (Meta's), a question of at
//! most 80 characters (Meta publishes none; the simulator and igdesk take the
//! Messenger Platform's limit for a button's text), at most 20 menu items of 30
//! characters (Meta's Messenger Profile limits), payloads of at most 1,000
//! characters, menu links https only.

use super::access::require_admin;
use super::entry_points::account;
use super::error::{Kind, ServiceError};
use crate::app::App;
use igdesk_domain::rules::describe_meta_error;
use igdesk_domain::AccountId;
use igdesk_meta::{ErrorAction, GraphError, IceBreaker, MenuItem, MessengerProfile, ProfileField};
use igdesk_store::{Account, Agent};
use std::sync::LazyLock;

pub const MAX_ICE_BREAKERS: usize = 4;
pub const MAX_QUESTION_CHARS: usize = 80;
pub const MAX_MENU_ITEMS: usize = 20;
pub const MAX_MENU_TITLE_CHARS: usize = 30;
pub const MAX_PAYLOAD_CHARS: usize = 1000;
pub const MAX_URL_CHARS: usize = 2000;

/// What Instagram holds for an account now.
pub type Starters = MessengerProfile;

/// What Instagram holds for the account, read from Meta.
pub async fn get(app: &App, admin: &Agent, id: AccountId) -> Result<Starters, ServiceError> {
    require_admin(admin)?;
    let account = usable(app, id).await?;
    let auth = app.auth_for(&account).map_err(ServiceError::internal)?;
    match app.graph.messenger_profile(&auth).await {
        Ok(held) => Ok(held),
        Err(e) => Err(meta_error(app, &account, e).await),
    }
}

/// Replaces the account's starters with `wanted`: the lists given are set at
/// Meta, the empty ones removed there; then read back, so the answer is what
/// Instagram holds. Refused before Meta is asked when a limit is broken.
pub async fn set(
    app: &App,
    admin: &Agent,
    id: AccountId,
    wanted: &Starters,
) -> Result<Starters, ServiceError> {
    require_admin(admin)?;
    let wanted = &trimmed(wanted);
    check(wanted)?;
    let account = usable(app, id).await?;
    let auth = app.auth_for(&account).map_err(ServiceError::internal)?;
    let breakers = (!wanted.ice_breakers.is_empty()).then_some(&wanted.ice_breakers[..]);
    let menu = (!wanted.persistent_menu.is_empty()).then_some(&wanted.persistent_menu[..]);
    let mut removed = Vec::new();
    if breakers.is_none() {
        removed.push(ProfileField::IceBreakers);
    }
    if menu.is_none() {
        removed.push(ProfileField::PersistentMenu);
    }
    // Meta refuses an empty list: what is cleared is deleted instead.
    let mut done = Ok(());
    if breakers.is_some() || menu.is_some() {
        done = app.graph.set_messenger_profile(&auth, breakers, menu).await;
    }
    if done.is_ok() && !removed.is_empty() {
        done = app.graph.delete_messenger_profile(&auth, &removed).await;
    }
    if let Err(e) = done {
        return Err(meta_error(app, &account, e).await);
    }
    tracing::info!(account = %id, ice_breakers = wanted.ice_breakers.len(), menu = wanted.persistent_menu.len(), "conversation starters set");
    match app.graph.messenger_profile(&auth).await {
        Ok(held) => Ok(held),
        Err(e) => Err(meta_error(app, &account, e).await),
    }
}

/// Removes the account's ice breakers and persistent menu at Meta.
pub async fn remove(app: &App, admin: &Agent, id: AccountId) -> Result<(), ServiceError> {
    set(app, admin, id, &Starters::default()).await.map(|_| ())
}

/// The demo account's starters: two ice breakers and a small menu.
pub async fn add_demo_starters(
    app: &App,
    admin: &Agent,
    id: AccountId,
) -> Result<(), ServiceError> {
    let demo = Starters {
        ice_breakers: vec![
            IceBreaker {
                question: "Where is my order?".into(),
                payload: "ORDER_STATUS".into(),
            },
            IceBreaker {
                question: "Do you ship abroad?".into(),
                payload: "SHIPPING".into(),
            },
        ],
        persistent_menu: vec![
            MenuItem::Postback {
                title: "Talk to a person".into(),
                payload: "HUMAN_AGENT".into(),
            },
            MenuItem::WebUrl {
                title: "Size guide".into(),
                url: "https://shop.example/size-guide".into(),
            },
        ],
    };
    set(app, admin, id, &demo).await.map(|_| ())
}

/// Every text trimmed of surrounding whitespace: what is sent, and what the
/// limits count.
fn trimmed(wanted: &Starters) -> Starters {
    let t = |s: &String| s.trim().to_owned();
    Starters {
        ice_breakers: wanted
            .ice_breakers
            .iter()
            .map(|b| IceBreaker {
                question: t(&b.question),
                payload: t(&b.payload),
            })
            .collect(),
        persistent_menu: wanted
            .persistent_menu
            .iter()
            .map(|item| match item {
                MenuItem::Postback { title, payload } => MenuItem::Postback {
                    title: t(title),
                    payload: t(payload),
                },
                MenuItem::WebUrl { title, url } => MenuItem::WebUrl {
                    title: t(title),
                    url: t(url),
                },
            })
            .collect(),
    }
}

/// Meta's limits, each refusal naming its field (on trimmed text).
pub fn check(wanted: &Starters) -> Result<(), ServiceError> {
    if wanted.ice_breakers.len() > MAX_ICE_BREAKERS {
        return Err(refused(
            "too_many_ice_breakers",
            format!(
                "Instagram allows at most {MAX_ICE_BREAKERS} ice breakers; there are {}.",
                wanted.ice_breakers.len()
            ),
            "ice_breakers",
        ));
    }
    if wanted.persistent_menu.len() > MAX_MENU_ITEMS {
        return Err(refused(
            "too_many_menu_items",
            format!(
                "Instagram allows at most {MAX_MENU_ITEMS} menu items; there are {}.",
                wanted.persistent_menu.len()
            ),
            "persistent_menu",
        ));
    }
    for (i, b) in wanted.ice_breakers.iter().enumerate() {
        let name = |key| field_name("ice_breakers", i, key);
        text(
            &b.question,
            MAX_QUESTION_CHARS,
            "question",
            name("question"),
        )?;
        text(&b.payload, MAX_PAYLOAD_CHARS, "payload", name("payload"))?;
    }
    for (i, item) in wanted.persistent_menu.iter().enumerate() {
        let name = |key| field_name("persistent_menu", i, key);
        text(item.title(), MAX_MENU_TITLE_CHARS, "title", name("title"))?;
        match item {
            MenuItem::Postback { payload, .. } => {
                text(payload, MAX_PAYLOAD_CHARS, "payload", name("payload"))?
            }
            MenuItem::WebUrl { url, .. } => {
                text(url, MAX_URL_CHARS, "link", name("url"))?;
                // As written, not as parsed: a parser lower-cases `HTTPS://`.
                let https = url.starts_with("https://")
                    && reqwest::Url::parse(url).is_ok_and(|u| u.host_str().is_some());
                if !https {
                    return Err(refused(
                        "invalid_url",
                        "A menu link must be a full https:// address.",
                        name("url"),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn text(value: &str, max: usize, what: &str, field: &'static str) -> Result<(), ServiceError> {
    if value.trim().is_empty() {
        return Err(refused("required", format!("Enter a {what}."), field));
    }
    let chars = value.chars().count();
    if chars > max {
        return Err(refused(
            "too_long",
            format!("A {what} is at most {max} characters; this one has {chars}."),
            field,
        ));
    }
    Ok(())
}

fn refused(code: &'static str, message: impl Into<String>, field: &'static str) -> ServiceError {
    ServiceError::new(Kind::Refused, code, message).field(field)
}

/// `ice_breakers[1].question`: a field name that lives as long as the program, as
/// `ServiceError` wants, made once for every position the limits allow.
pub fn field_name(list: &str, index: usize, key: &str) -> &'static str {
    static NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
        let mut names = Vec::new();
        for i in 0..MAX_ICE_BREAKERS {
            for key in ["question", "payload"] {
                names.push(format!("ice_breakers[{i}].{key}"));
            }
        }
        for i in 0..MAX_MENU_ITEMS {
            for key in ["title", "payload", "url"] {
                names.push(format!("persistent_menu[{i}].{key}"));
            }
        }
        names
    });
    let wanted = format!("{list}[{index}].{key}");
    NAMES
        .iter()
        .find(|n| **n == wanted)
        .map_or(list_name(list), String::as_str)
}

fn list_name(list: &str) -> &'static str {
    if list == "ice_breakers" {
        "ice_breakers"
    } else {
        "persistent_menu"
    }
}

/// The account, unless Meta can no longer be asked for it.
async fn usable(app: &App, id: AccountId) -> Result<Account, ServiceError> {
    let found = account(app, id).await?;
    if found.needs_reconnect {
        return Err(ServiceError::conflict(
            "needs_reconnect",
            "Instagram rejected this account's token: reconnect the account first.",
        ));
    }
    Ok(found)
}

/// Meta's refusal in words; a rejected token marks the account, as every call does.
async fn meta_error(app: &App, account: &Account, e: GraphError) -> ServiceError {
    match e.action() {
        ErrorAction::Reconnect => {
            let marked = app
                .store
                .mark_needs_reconnect(account.id, &account.token_sealed, &e.to_string())
                .await;
            if let Err(error) = marked {
                tracing::warn!(account = %account.id, %error, "marking the account failed");
            }
            ServiceError::conflict(
                "needs_reconnect",
                "Instagram rejected the account's token: reconnect the account.",
            )
        }
        ErrorAction::GiveUp => {
            let words = match &e {
                GraphError::Meta {
                    code,
                    subcode,
                    message,
                    ..
                } => describe_meta_error(*code, *subcode, message),
                other => other.to_string(),
            };
            ServiceError::conflict("refused_by_instagram", words)
        }
        ErrorAction::RetryLater | ErrorAction::BackOff => ServiceError::unavailable(
            "instagram_unavailable",
            format!("Instagram cannot be reached now; try again shortly ({e})."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(q: &str) -> IceBreaker {
        IceBreaker {
            question: q.into(),
            payload: "P".into(),
        }
    }

    #[test]
    fn limits_name_their_field() {
        let mut wanted = Starters {
            ice_breakers: (0..5).map(|i| breaker(&format!("Q{i}"))).collect(),
            persistent_menu: vec![],
        };
        assert_eq!(check(&wanted).unwrap_err().field, Some("ice_breakers"));
        wanted.ice_breakers = vec![breaker("ok"), breaker(&"x".repeat(81))];
        let e = check(&wanted).unwrap_err();
        assert_eq!(e.field, Some("ice_breakers[1].question"));
        assert_eq!(e.kind, Kind::Refused);
        wanted.ice_breakers = vec![breaker("ok")];
        wanted.persistent_menu = vec![MenuItem::WebUrl {
            title: "Shop".into(),
            url: "http://shop.example".into(),
        }];
        let e = check(&wanted).unwrap_err();
        assert_eq!(
            (e.code, e.field),
            ("invalid_url", Some("persistent_menu[0].url"))
        );
        wanted.persistent_menu = vec![MenuItem::Postback {
            title: "x".repeat(31),
            payload: "P".into(),
        }];
        assert_eq!(
            check(&wanted).unwrap_err().field,
            Some("persistent_menu[0].title")
        );
        wanted.persistent_menu.clear();
        assert!(check(&wanted).is_ok());
    }
}
