//! Saved answers: administrators keep a library of replies, for one inbox
//! or for everyone; agents insert one in the composer, where it becomes an ordinary
//! reply (the 640-character counter and every rule of `answering` apply to it then).
//!
//! The text is kept as written: `{first_name}`, `{agent_name}` and `{business_name}`
//! are filled in for a customer and an agent only when an agent asks for the answers
//! to insert ([`fill`]), so an edit of the customer's name or the agent's never leaves
//! a stale answer behind. Any other `{placeholder}` is refused when saving: it would
//! reach the customer as written.

use super::answering::ImageUpload;
use super::error::ServiceError;
use crate::app::App;
use crate::crypto::random_hex;
use crate::now_ms;
use igdesk_domain::rules::{self, Channel};
use igdesk_domain::{CustomerId, InboxId, SavedAnswerId};
use igdesk_store::{
    Account, Agent, Customer, NewSavedAnswer, SavedAnswer, SavedAnswerChange, StoreError,
};

/// A title, in characters.
pub const TITLE_CHARS: usize = 80;
/// The text as written, placeholders counted as written: it must fit one Instagram
/// message from the console.
pub const TEXT_CHARS: usize = rules::CONSOLE_TEXT_CHARS;
/// The placeholders the server fills in.
pub const PLACEHOLDERS: [&str; 3] = ["first_name", "agent_name", "business_name"];

/// What fills the placeholders for one customer and one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filling {
    pub first_name: String,
    pub agent_name: String,
    pub business_name: String,
}

impl Filling {
    pub fn new(customer: &Customer, agent: &Agent, account: Option<&Account>) -> Self {
        Filling {
            first_name: first_name(customer),
            agent_name: agent.name.trim().to_owned(),
            business_name: account.map(business_name).unwrap_or_default(),
        }
    }
}

/// The customer's first name: the first word of their Instagram name, else their
/// username, else nothing (an IGSID is no name to greet anyone by).
pub fn first_name(customer: &Customer) -> String {
    let named = customer
        .instagram
        .name
        .as_deref()
        .or((customer.name != customer.igsid).then_some(customer.name.as_str()));
    named
        .and_then(|n| n.split_whitespace().next())
        .map(str::to_owned)
        .or_else(|| {
            let username = customer.instagram.username.as_deref()?.trim();
            (!username.is_empty()).then(|| username.trim_start_matches('@').to_owned())
        })
        .unwrap_or_default()
}

/// The name the customer wrote to: the account's Page name, else its username.
pub fn business_name(account: &Account) -> String {
    let page = account.page_name.trim();
    if page.is_empty() {
        account.username.clone()
    } else {
        page.to_owned()
    }
}

/// Every `{word}` in `text` (letters, digits and `_` between braces), in order: what
/// reads as a placeholder. Other braces are text.
fn placeholders(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.match_indices('{').filter_map(move |(at, _)| {
        let rest = &text[at + 1..];
        let end = rest.find('}')?;
        let word = &rest[..end];
        let is_word =
            !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        is_word.then_some((at, word))
    })
}

/// The first placeholder igdesk does not know, as written.
pub fn unknown_placeholder(text: &str) -> Option<String> {
    placeholders(text)
        .find(|(_, word)| !PLACEHOLDERS.contains(word))
        .map(|(_, word)| format!("{{{word}}}"))
}

/// `text` with its placeholders filled in; unknown ones are left as written.
pub fn fill(text: &str, with: &Filling) -> String {
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for (at, word) in placeholders(text) {
        if at < from {
            continue;
        }
        let value = match word {
            "first_name" => &with.first_name,
            "agent_name" => &with.agent_name,
            "business_name" => &with.business_name,
            _ => continue,
        };
        out.push_str(&text[from..at]);
        out.push_str(value);
        from = at + word.len() + 2;
    }
    out.push_str(&text[from..]);
    out
}

/// A new answer, as an administrator enters it.
pub struct AnswerInput {
    pub title: String,
    pub text: String,
    /// `None`: for everyone.
    pub inbox: Option<InboxId>,
}

/// An edit; `None` leaves a field as it is.
#[derive(Default)]
pub struct AnswerEdit {
    pub title: Option<String>,
    pub text: Option<String>,
    /// `Some(None)`: for everyone.
    pub inbox: Option<Option<InboxId>>,
}

fn admin(agent: &Agent) -> Result<(), ServiceError> {
    if agent.is_admin {
        Ok(())
    } else {
        Err(ServiceError::forbidden(
            "only administrators change saved answers",
        ))
    }
}

fn checked_title(title: &str) -> Result<String, ServiceError> {
    let title = title.trim();
    let n = title.chars().count();
    if n == 0 || n > TITLE_CHARS {
        return Err(ServiceError::bad_request(
            "invalid_title",
            format!("a saved answer needs a title of 1 to {TITLE_CHARS} characters"),
        )
        .field("title"));
    }
    Ok(title.to_owned())
}

fn checked_text(text: &str) -> Result<String, ServiceError> {
    let text = text.trim();
    let n = text.chars().count();
    if n == 0 {
        return Err(
            ServiceError::bad_request("invalid_text", "a saved answer needs a text").field("text"),
        );
    }
    if n > TEXT_CHARS {
        return Err(ServiceError::bad_request(
            "text_too_long",
            format!(
                "the text has {n} characters; Instagram allows {TEXT_CHARS} in a message \
                 (placeholders count as written)"
            ),
        )
        .field("text"));
    }
    if let Some(unknown) = unknown_placeholder(text) {
        return Err(ServiceError::bad_request(
            "unknown_placeholder",
            format!(
                "{unknown} is not a placeholder igdesk fills in: use {{first_name}}, \
                 {{agent_name}} or {{business_name}}"
            ),
        )
        .field("text"));
    }
    Ok(text.to_owned())
}

async fn checked_inbox(app: &App, inbox: Option<InboxId>) -> Result<(), ServiceError> {
    let Some(id) = inbox else { return Ok(()) };
    if app.store.inboxes().await?.iter().any(|i| i.id == id) {
        Ok(())
    } else {
        Err(ServiceError::bad_request("unknown_inbox", format!("no inbox {id}")).field("inbox_id"))
    }
}

fn clash(e: StoreError, title: &str) -> ServiceError {
    match e {
        StoreError::Conflict(_) => ServiceError::conflict(
            "already_exists",
            format!(
                "there is already a saved answer titled {title:?} for the same agents \
                 (titles are compared in any case)"
            ),
        )
        .field("title"),
        e => e.into(),
    }
}

/// The answers the agent may insert (their inboxes' and everyone's; all of them for
/// an administrator), by title.
pub async fn list(app: &App, agent: &Agent) -> Result<Vec<SavedAnswer>, ServiceError> {
    Ok(app.store.saved_answers(agent.scope()).await?)
}

/// The answers the agent may insert for this customer, each with its text filled in.
/// An administrator gets only the answers for everyone and for the customer's inbox:
/// those are the ones that fit this conversation.
pub async fn for_customer(
    app: &App,
    agent: &Agent,
    customer: CustomerId,
) -> Result<Vec<(SavedAnswer, String)>, ServiceError> {
    let customer = app
        .store
        .customer(agent.scope(), customer)
        .await?
        .ok_or_else(|| ServiceError::not_found("customer"))?;
    let account = app.store.account(customer.account_id).await?;
    let filling = Filling::new(&customer, agent, account.as_ref());
    let inbox = account.as_ref().map(|a| a.inbox_id);
    Ok(list(app, agent)
        .await?
        .into_iter()
        .filter(|a| a.inbox_id.is_none() || a.inbox_id == inbox)
        .map(|a| {
            let filled = fill(&a.text, &filling);
            (a, filled)
        })
        .collect())
}

/// One answer the agent may insert.
pub async fn get(app: &App, agent: &Agent, id: SavedAnswerId) -> Result<SavedAnswer, ServiceError> {
    app.store
        .saved_answer(agent.scope(), id)
        .await?
        .ok_or_else(|| ServiceError::not_found("saved answer"))
}

/// A new answer (administrators).
pub async fn create(
    app: &App,
    agent: &Agent,
    input: AnswerInput,
) -> Result<SavedAnswer, ServiceError> {
    admin(agent)?;
    let title = checked_title(&input.title)?;
    let text = checked_text(&input.text)?;
    checked_inbox(app, input.inbox).await?;
    let new = NewSavedAnswer {
        inbox_id: input.inbox,
        title: title.clone(),
        text,
        image_id: None,
    };
    app.store
        .add_saved_answer(new, now_ms())
        .await
        .map_err(|e| clash(e, &title))
}

/// Changes an answer (administrators).
pub async fn update(
    app: &App,
    agent: &Agent,
    id: SavedAnswerId,
    edit: AnswerEdit,
) -> Result<SavedAnswer, ServiceError> {
    admin(agent)?;
    let title = edit.title.as_deref().map(checked_title).transpose()?;
    let text = edit.text.as_deref().map(checked_text).transpose()?;
    if let Some(inbox) = edit.inbox {
        checked_inbox(app, inbox).await?;
    }
    let shown = title.clone().unwrap_or_default();
    let change = SavedAnswerChange {
        inbox_id: edit.inbox,
        title,
        text,
        image_id: None,
    };
    app.store
        .update_saved_answer(id, change, now_ms())
        .await
        .map_err(|e| clash(e, &shown))?
        .ok_or_else(|| ServiceError::not_found("saved answer"))
}

/// Deletes an answer (administrators); answers it as it was.
pub async fn delete(
    app: &App,
    agent: &Agent,
    id: SavedAnswerId,
) -> Result<SavedAnswer, ServiceError> {
    admin(agent)?;
    let answer = get(app, agent, id).await?;
    if !app.store.delete_saved_answer(id).await? {
        return Err(ServiceError::not_found("saved answer"));
    }
    Ok(answer)
}

/// An agent inserted the answer: its use is counted. Answers the count.
pub async fn count_use(app: &App, agent: &Agent, id: SavedAnswerId) -> Result<i64, ServiceError> {
    app.store
        .count_saved_answer_use(agent.scope(), id)
        .await?
        .ok_or_else(|| ServiceError::not_found("saved answer"))
}

/// An answer's image: a JPEG, PNG or GIF the console could send, stored as an upload
/// (`/media/{id}`) like a reply's (administrators). `None` takes it off.
pub async fn set_image(
    app: &App,
    agent: &Agent,
    id: SavedAnswerId,
    image: Option<ImageUpload>,
) -> Result<SavedAnswer, ServiceError> {
    admin(agent)?;
    get(app, agent, id).await?;
    let upload = match image {
        None => None,
        Some(image) => {
            rules::check_images(
                &[(&image.content_type, image.bytes.len())],
                Channel::Console,
            )
            .map_err(|e| ServiceError::bad_request(e.code(), e.to_string()).field("image"))?;
            let upload = random_hex(24);
            app.store
                .save_upload(&upload, &image.content_type, image.bytes, now_ms())
                .await?;
            Some(upload)
        }
    };
    let change = SavedAnswerChange {
        image_id: Some(upload),
        ..SavedAnswerChange::default()
    };
    app.store
        .update_saved_answer(id, change, now_ms())
        .await?
        .ok_or_else(|| ServiceError::not_found("saved answer"))
}

/// The demo's library: three answers for everyone, so `/` is worth trying.
pub async fn add_demo_answers(app: &App, admin: &Agent) -> Result<(), ServiceError> {
    const DEMO: [(&str, &str); 3] = [
        (
            "Shipping times",
            "Hi {first_name}! Orders leave our workshop within 2 working days and arrive \
             in 3 to 5 days anywhere in Europe. {agent_name}, {business_name}",
        ),
        (
            "Returns",
            "You can return anything unworn within 30 days, {first_name}: reply here with \
             your order number and we will send you a free return label.",
        ),
        (
            "Opening hours",
            "Our shop is open Monday to Saturday, 10:00 to 19:00, and we answer messages \
             from 9:00 to 18:00. Speak soon, {first_name}!",
        ),
    ];
    let have = list(app, admin).await?;
    for (title, text) in DEMO {
        if have.iter().any(|a| a.title == title) {
            continue;
        }
        let input = AnswerInput {
            title: title.into(),
            text: text.into(),
            inbox: None,
        };
        create(app, admin, input).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use igdesk_domain::{AccountId, AgentId};
    use igdesk_store::ProfileView;

    fn customer(name: Option<&str>, username: Option<&str>) -> Customer {
        Customer {
            id: CustomerId(1),
            account_id: AccountId(1),
            igsid: "5550001".into(),
            name: name.unwrap_or("5550001").into(),
            instagram: ProfileView {
                name: name.map(str::to_owned),
                username: username.map(str::to_owned),
                profile_pic: None,
                follower_count: None,
                is_verified: None,
                follows_business: None,
                business_follows: None,
                fetched_at: None,
            },
            phone: None,
            email: None,
            notes: None,
            last_message_at: None,
            merged_into: None,
            created_at: 0,
        }
    }

    fn filling() -> Filling {
        Filling {
            first_name: "Ana".into(),
            agent_name: "Bruno Lima".into(),
            business_name: "Linen & Co".into(),
        }
    }

    #[test]
    fn placeholders_are_filled_wherever_they_are() {
        let text = "Hi {first_name}! {agent_name} here, from {business_name}.{first_name}";
        assert_eq!(
            fill(text, &filling()),
            "Hi Ana! Bruno Lima here, from Linen & Co.Ana"
        );
        assert_eq!(fill("no placeholders", &filling()), "no placeholders");
        assert_eq!(fill("", &filling()), "");
    }

    #[test]
    fn braces_that_are_not_placeholders_stay_as_written() {
        let with = filling();
        assert_eq!(fill("{ first_name } {}", &with), "{ first_name } {}");
        assert_eq!(fill("{{first_name}}", &with), "{Ana}");
        assert_eq!(fill("{first_name", &with), "{first_name");
        assert_eq!(fill("{unknown} {first_name}", &with), "{unknown} Ana");
        // A filled value with braces in it is not filled again.
        let odd = Filling {
            first_name: "{agent_name}".into(),
            ..filling()
        };
        assert_eq!(fill("{first_name}", &odd), "{agent_name}");
    }

    #[test]
    fn unknown_placeholders_are_named_as_written() {
        assert_eq!(unknown_placeholder("Hi {first_name}, {agent_name}"), None);
        assert_eq!(
            unknown_placeholder("Hi {First_Name} and {order}"),
            Some("{First_Name}".into())
        );
        assert_eq!(unknown_placeholder("{order_id}"), Some("{order_id}".into()));
        assert_eq!(unknown_placeholder("a { b } {} {é}"), None);
    }

    #[test]
    fn the_first_name_is_the_first_word_else_the_username() {
        assert_eq!(
            first_name(&customer(Some("Ana Souza"), Some("ana.s"))),
            "Ana"
        );
        assert_eq!(first_name(&customer(Some("  Chloé  "), None)), "Chloé");
        assert_eq!(first_name(&customer(None, Some("ana.s"))), "ana.s");
        assert_eq!(first_name(&customer(Some("   "), Some("ana.s"))), "ana.s");
        assert_eq!(first_name(&customer(None, None)), "");
    }

    #[test]
    fn texts_are_checked_as_written() {
        assert!(checked_text(&"a".repeat(TEXT_CHARS)).is_ok());
        let long = checked_text(&"é".repeat(TEXT_CHARS + 1)).unwrap_err();
        assert_eq!((long.code, long.field), ("text_too_long", Some("text")));
        assert_eq!(checked_text("  ").unwrap_err().field, Some("text"));
        let unknown = checked_text("Hi {name}").unwrap_err();
        assert_eq!(unknown.code, "unknown_placeholder");
        assert!(unknown.message.contains("{name}"));
        assert_eq!(
            checked_title(&"t".repeat(81)).unwrap_err().field,
            Some("title")
        );
        assert_eq!(checked_title(" Shipping ").unwrap(), "Shipping");
        let agent = Agent {
            id: AgentId(1),
            email: "a@example.com".into(),
            name: "Ana".into(),
            is_admin: false,
        };
        assert_eq!(admin(&agent).unwrap_err().code, "forbidden");
    }
}
