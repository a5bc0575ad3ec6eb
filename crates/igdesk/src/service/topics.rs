//! Topics (RT-6): administrators make them, agents tag their inbox's conversations.

use super::error::ServiceError;
use crate::app::App;
use crate::now_ms;
use igdesk_domain::{ConversationId, TopicId};
use igdesk_store::{Agent, StoreError, Topic};

/// More than this on one conversation is no longer a classification.
pub const MOST_TOPICS: usize = 20;
/// A topic's name, in characters.
pub const NAME_CHARS: usize = 80;

/// Every topic, by name.
pub async fn all(app: &App) -> Result<Vec<Topic>, ServiceError> {
    Ok(app.store.topics().await?)
}

/// A new topic (administrators; the face checks who asks). Names are unique in any
/// case.
pub async fn create(app: &App, name: &str) -> Result<Topic, ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_CHARS {
        return Err(ServiceError::bad_request(
            "invalid_name",
            "a topic needs a name of 1 to 80 characters",
        )
        .field("name"));
    }
    match app.store.add_topic(name, now_ms()).await {
        Ok(topic) => Ok(topic),
        Err(StoreError::Conflict(_)) => Err(ServiceError::conflict(
            "already_exists",
            format!("a topic named {name:?} already exists (names are compared in any case)"),
        )
        .field("name")),
        Err(e) => Err(e.into()),
    }
}

/// Replaces a conversation's topics (an empty list clears them); answers them as they
/// are now.
pub async fn set_conversation_topics(
    app: &App,
    agent: &Agent,
    conversation: ConversationId,
    topics: &[TopicId],
) -> Result<Vec<Topic>, ServiceError> {
    if topics.len() > MOST_TOPICS {
        return Err(ServiceError::bad_request(
            "too_many_topics",
            format!("a conversation takes at most {MOST_TOPICS} topics"),
        )
        .field("topics"));
    }
    let known = app.store.topics().await?;
    if let Some(unknown) = topics.iter().find(|id| !known.iter().any(|t| t.id == **id)) {
        return Err(
            ServiceError::bad_request("unknown_topic", format!("no topic {unknown}"))
                .field("topics"),
        );
    }
    app.store
        .set_conversation_topics(agent.scope(), conversation, topics)
        .await?
        .ok_or_else(|| ServiceError::not_found("conversation"))
}
