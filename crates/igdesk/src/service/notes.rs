//! Internal notes: agents write on a customer's timeline for each other.
//! A note never goes to Instagram, starts or stops no SLA clock and is no message of
//! the customer's; it can mention agents (`@Name`), who hear of it on their live
//! stream. Its author may change or delete it for ten minutes after writing it.
//!
//! Mentions are matched here, against the active agents who can see the customer:
//! after an `@` that starts a word, the longest agent name that follows (in any case,
//! and ending where a word ends), so "@Ana Souza" is Ana Souza even when an "Ana"
//! works here too.

use super::error::{Kind, ServiceError};
use crate::app::App;
use igdesk_domain::time::MINUTE;
use igdesk_domain::timeline::NoteMention;
use igdesk_domain::{AgentId, CustomerId, ItemId, Millis};
use igdesk_store::{Agent, MentionNews, NewNote, TimelineItem};

/// A note is at most this many characters (after trimming).
pub const NOTE_CHARS: usize = 2_000;
/// Its author may edit or delete it for this long after writing it.
pub const CHANGE_WINDOW: Millis = 10 * MINUTE;

/// Adds a note to a customer the agent sees; answers its item id.
pub async fn add(
    app: &App,
    agent: &Agent,
    customer: CustomerId,
    text: &str,
) -> Result<ItemId, ServiceError> {
    let text = note_text(text)?;
    let found = app
        .store
        .customer(agent.scope(), customer)
        .await?
        .ok_or_else(|| ServiceError::not_found("customer"))?;
    let audience = app.store.note_audience(customer).await?;
    let mentions = find_mentions(&text, &audience);
    let agents: Vec<AgentId> = mentions.iter().map(|m| AgentId(m.agent_id)).collect();
    let written = app
        .store
        .add_note(
            agent.scope(),
            NewNote {
                customer,
                author: agent.id,
                mid: format!("igdesk-note:{}", crate::crypto::random_hex(16)),
                text,
                mentions,
            },
            MentionNews {
                agents: &agents,
                customer_name: &found.name,
                author_name: &agent.name,
            },
            // The desk's clock, which its ten minutes are measured against (the
            // system clock but in paused-time tests and the paused demo).
            app.clock.now(),
        )
        .await?
        .ok_or_else(|| ServiceError::not_found("customer"))?;
    app.wake.live.agents(written.told);
    Ok(written.item)
}

/// Changes the text of the agent's own note, within ten minutes of writing it. Agents
/// mentioned for the first time hear of it; those mentioned before are not told again.
pub async fn edit(
    app: &App,
    agent: &Agent,
    id: ItemId,
    text: &str,
) -> Result<ItemId, ServiceError> {
    let note = visible_note(app, agent, id).await?;
    let now = app.clock.now();
    may_change(&note, agent.id, now)?;
    let text = note_text(text)?;
    let customer = app
        .store
        .customer(agent.scope(), note.customer_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("note"))?;
    let audience = app.store.note_audience(note.customer_id).await?;
    let mentions = find_mentions(&text, &audience);
    let newly: Vec<AgentId> = mentions
        .iter()
        .filter(|m| {
            !note
                .context
                .mentions
                .iter()
                .any(|old| old.agent_id == m.agent_id)
        })
        .map(|m| AgentId(m.agent_id))
        .collect();
    let written = app
        .store
        .edit_note(
            id,
            agent.id,
            now - CHANGE_WINDOW,
            &text,
            &mentions,
            MentionNews {
                agents: &newly,
                customer_name: &customer.name,
                author_name: &agent.name,
            },
            now,
        )
        .await?
        .ok_or_else(too_late)?;
    app.wake.live.agents(written.told);
    Ok(id)
}

/// Deletes the agent's own note, within ten minutes of writing it: nothing of its
/// text is left.
pub async fn delete(app: &App, agent: &Agent, id: ItemId) -> Result<(), ServiceError> {
    let note = visible_note(app, agent, id).await?;
    let now = app.clock.now();
    may_change(&note, agent.id, now)?;
    let written = app
        .store
        .delete_note(id, agent.id, now - CHANGE_WINDOW, now)
        .await?
        .ok_or_else(too_late)?;
    app.wake.live.agents(written.told);
    Ok(())
}

/// The demo's notes on its history (once the opening scenario's customers are in):
/// two the team left, one of them mentioning Vera, who works the VIP inbox.
pub async fn add_demo_notes(app: App, admin: Agent) {
    let notes = [
        ("1000003", "Chloé ordered the linen shirt in M last week. Sizes run small: offer an exchange before a refund."),
        ("1000002", "Parcel 4471 was held at customs on Monday; the courier expects it by Friday."),
        ("2000001", "Dora is one of our wholesale buyers. @Vera VIP, could you call her back about the spring order?"),
    ];
    for (igsid, text) in notes {
        let mut waited = 0;
        let customer = loop {
            match app.store.customers_by_igsid(admin.scope(), igsid).await {
                Ok(found) if !found.is_empty() => break Some(found[0].id),
                _ if waited >= 100 => break None,
                _ => {
                    waited += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        };
        if let Some(customer) = customer {
            if let Err(e) = add(&app, &admin, customer, text).await {
                tracing::warn!(error = %e, "cannot add a demo note");
            }
        }
    }
}

/// The note with this id, if the agent sees its customer.
pub async fn visible_note(
    app: &App,
    agent: &Agent,
    id: ItemId,
) -> Result<TimelineItem, ServiceError> {
    app.store
        .note(agent.scope(), id)
        .await?
        .ok_or_else(|| ServiceError::not_found("note"))
}

/// Whether `agent` may edit or delete `note` at `now`: only its author, and only for
/// ten minutes. The console shows the reason beside a disabled menu entry.
pub fn may_change(note: &TimelineItem, agent: AgentId, now: Millis) -> Result<(), ServiceError> {
    if note.author_id != Some(agent) {
        let who = note.author_name.as_deref().unwrap_or("its author");
        return Err(ServiceError::new(
            Kind::Forbidden,
            "not_your_note",
            format!("only {who} can change this note"),
        ));
    }
    if now - note.created_at > CHANGE_WINDOW {
        return Err(too_late());
    }
    Ok(())
}

fn too_late() -> ServiceError {
    ServiceError::conflict(
        "note_locked",
        "a note can be changed only in the 10 minutes after it is written",
    )
}

/// The note's text, trimmed: 1 to 2,000 characters.
fn note_text(text: &str) -> Result<String, ServiceError> {
    let text = text.trim();
    let chars = text.chars().count();
    if chars == 0 || chars > NOTE_CHARS {
        return Err(ServiceError::bad_request(
            "invalid_value",
            format!("text must be 1 to 2,000 characters (it has {chars})"),
        )
        .field("text"));
    }
    Ok(text.to_owned())
}

/// The agents `@Name` mentions in `text`, each once, in order of first mention.
pub fn find_mentions(text: &str, audience: &[(AgentId, String)]) -> Vec<NoteMention> {
    let mut by_length: Vec<&(AgentId, String)> = audience
        .iter()
        .filter(|(_, name)| !name.trim().is_empty())
        .collect();
    by_length.sort_by_key(|(_, name)| std::cmp::Reverse(name.chars().count()));
    let mut found: Vec<NoteMention> = Vec::new();
    for at in mention_starts(text) {
        let rest = &text[at + 1..];
        if let Some((id, name)) = by_length
            .iter()
            .find(|(_, name)| begins_with_name(rest, name))
        {
            if !found.iter().any(|m| m.agent_id == id.0) {
                found.push(NoteMention {
                    agent_id: id.0,
                    name: name.clone(),
                });
            }
        }
    }
    found
}

/// The note's text in pieces, each mention (`@` and the name) marked, for drawing.
pub fn segments(text: &str, mentions: &[NoteMention]) -> Vec<(String, bool)> {
    let mut names: Vec<&str> = mentions.iter().map(|m| m.name.as_str()).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    let mut out = Vec::new();
    let mut from = 0;
    for at in mention_starts(text) {
        if at < from {
            continue;
        }
        let rest = &text[at + 1..];
        let Some(name) = names.iter().find(|n| begins_with_name(rest, n)) else {
            continue;
        };
        let len = rest
            .char_indices()
            .nth(name.chars().count())
            .map_or(rest.len(), |(i, _)| i);
        if at > from {
            out.push((text[from..at].to_owned(), false));
        }
        out.push((text[at..at + 1 + len].to_owned(), true));
        from = at + 1 + len;
    }
    if from < text.len() {
        out.push((text[from..].to_owned(), false));
    }
    out
}

/// Byte offsets of each `@` that starts a word (not the middle of an email address).
fn mention_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut previous: Option<char> = None;
    for (i, c) in text.char_indices() {
        if c == '@' && !previous.is_some_and(char::is_alphanumeric) {
            starts.push(i);
        }
        previous = Some(c);
    }
    starts
}

/// `rest` begins with `name` (in any case) and the word ends there.
fn begins_with_name(rest: &str, name: &str) -> bool {
    let n = name.chars().count();
    let head = rest.chars().take(n);
    if !head
        .flat_map(char::to_lowercase)
        .eq(name.chars().flat_map(char::to_lowercase))
    {
        return false;
    }
    !rest.chars().nth(n).is_some_and(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team() -> Vec<(AgentId, String)> {
        vec![
            (AgentId(1), "Ana".into()),
            (AgentId(2), "Ana Souza".into()),
            (AgentId(3), "Bruno".into()),
        ]
    }

    fn ids(text: &str) -> Vec<i64> {
        find_mentions(text, &team())
            .iter()
            .map(|m| m.agent_id)
            .collect()
    }

    #[test]
    fn the_longest_name_after_an_at_is_mentioned() {
        assert_eq!(ids("@Ana Souza can you check?"), vec![2]);
        assert_eq!(ids("@ana, and @BRUNO too"), vec![1, 3]);
        assert_eq!(ids("(@Bruno) @Bruno"), vec![3]);
    }

    #[test]
    fn words_that_only_begin_with_a_name_are_not_mentions() {
        assert_eq!(ids("@Anabel and @Brunos"), Vec::<i64>::new());
        assert_eq!(ids("mail ana@example.com"), Vec::<i64>::new());
        assert_eq!(ids("@ nobody"), Vec::<i64>::new());
    }

    #[test]
    fn mentions_are_marked_for_drawing() {
        let mentions = find_mentions("Hi @ana souza: see @Bruno.", &team());
        assert_eq!(
            segments("Hi @ana souza: see @Bruno.", &mentions),
            vec![
                ("Hi ".to_owned(), false),
                ("@ana souza".to_owned(), true),
                (": see ".to_owned(), false),
                ("@Bruno".to_owned(), true),
                (".".to_owned(), false),
            ]
        );
        assert_eq!(segments("plain", &[]), vec![("plain".to_owned(), false)]);
    }

    #[test]
    fn a_note_is_one_to_two_thousand_characters() {
        assert_eq!(note_text("  hi  ").unwrap(), "hi");
        assert_eq!(note_text("   ").unwrap_err().field, Some("text"));
        assert!(note_text(&"é".repeat(2_000)).is_ok());
        assert_eq!(
            note_text(&"é".repeat(2_001)).unwrap_err().code,
            "invalid_value"
        );
    }
}
