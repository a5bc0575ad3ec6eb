//! Queuing replies: Instagram's rules checked first (OUT-1 … OUT-4), then the reply's
//! parts — text first, then one message per image — written to the outbox.
//!
//! An agent's reply is `customer_to_answer` (visible, and tagged where the inbox wants
//! a topic) then `queue`; `reply_as_agent` does both for a face that has the whole
//! reply in hand.

use super::error::ServiceError;
use crate::app::App;
use crate::crypto::random_hex;
use crate::now_ms;
use igdesk_domain::rules::{self, Author, Channel, RuleError};
use igdesk_domain::timeline::Attachment;
use igdesk_domain::{CustomerId, ItemId};
use igdesk_store::{Agent, Customer, Lane, NewReply, OutgoingPart, StoreError};
use serde_json::json;

pub struct ImageUpload {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

pub struct Reply {
    pub text: Option<String>,
    pub images: Vec<ImageUpload>,
    pub channel: Channel,
    pub author: Author,
    /// Set for a private reply to this comment.
    pub comment_id: Option<String>,
}

/// The customer, if the agent may see them and answer now ([`topic_given`]).
pub async fn customer_to_answer(
    app: &App,
    agent: &Agent,
    customer: CustomerId,
) -> Result<Customer, ServiceError> {
    let found = app
        .store
        .customer(agent.scope(), customer)
        .await?
        .ok_or_else(|| ServiceError::not_found("customer"))?;
    topic_given(app, agent, customer).await?;
    Ok(found)
}

/// An inbox that requires a topic is answered — by message, under a comment or
/// privately — only once the customer's open conversation has one.
pub async fn topic_given(
    app: &App,
    agent: &Agent,
    customer: CustomerId,
) -> Result<(), ServiceError> {
    if app.store.reply_needs_topic(agent.scope(), customer).await? {
        return Err(ServiceError::conflict(
            "topic_required",
            "this inbox requires a topic: tag the customer's open conversation first",
        ));
    }
    Ok(())
}

/// A person's reply from the console: text and images to a customer the agent sees.
/// Answers the customer (the views need their name) and the queued items, one per part.
pub async fn reply_as_agent(
    app: &App,
    agent: &Agent,
    customer: CustomerId,
    text: Option<String>,
    images: Vec<ImageUpload>,
) -> Result<(Customer, Vec<ItemId>), ServiceError> {
    let customer = customer_to_answer(app, agent, customer).await?;
    let ids = console_reply(app, &customer, text, images).await?;
    Ok((customer, ids))
}

/// A person's reply from the console to a customer already found answerable
/// ([`customer_to_answer`]): queued, one item per part.
pub async fn console_reply(
    app: &App,
    customer: &Customer,
    text: Option<String>,
    images: Vec<ImageUpload>,
) -> Result<Vec<ItemId>, ServiceError> {
    let reply = Reply {
        text,
        images,
        channel: Channel::Console,
        author: Author::Human,
        comment_id: None,
    };
    queue(app, customer, reply).await
}

/// Checks the reply against Instagram's rules, then writes its parts and the head's
/// send job in one transaction, and wakes the senders.
pub async fn queue(
    app: &App,
    customer: &Customer,
    reply: Reply,
) -> Result<Vec<ItemId>, ServiceError> {
    let text = reply.text.filter(|t| !t.trim().is_empty());
    if text.is_none() && reply.images.is_empty() {
        return Err(ServiceError::refused(RuleError::Empty));
    }
    if let Some(text) = &text {
        rules::check_text(text, reply.channel).map_err(ServiceError::refused)?;
    }
    let sizes: Vec<(&str, usize)> = reply
        .images
        .iter()
        .map(|i| (i.content_type.as_str(), i.bytes.len()))
        .collect();
    rules::check_images(&sizes, reply.channel).map_err(ServiceError::refused)?;
    if reply.comment_id.is_none() {
        // Refused now, with the reason, rather than failed later at Meta.
        rules::messaging_window(now_ms(), customer.last_message_at, reply.author)
            .map_err(ServiceError::refused)?;
    }

    let mut parts = Vec::new();
    if let Some(text) = text {
        parts.push(OutgoingPart {
            provisional_mid: provisional_mid(),
            message: json!({ "text": text }),
            text: Some(text),
            attachments: vec![],
        });
    }
    for image in reply.images {
        // Meta fetches the image from igdesk, at an address nobody can guess.
        let id = random_hex(24);
        app.store
            .save_upload(&id, &image.content_type, image.bytes, now_ms())
            .await?;
        let url = format!("{}/media/{id}", app.settings.public_url);
        parts.push(OutgoingPart {
            provisional_mid: provisional_mid(),
            message: json!({ "attachment": { "type": "image", "payload": { "url": url } } }),
            text: None,
            attachments: vec![Attachment {
                kind: "image".into(),
                url: Some(url),
                ..Default::default()
            }],
        });
    }
    let lane = match reply.channel {
        Channel::Console => Lane::Console,
        Channel::Api => Lane::Api,
    };
    let private_reply = reply.comment_id.is_some();
    let ids = app
        .store
        .queue_reply(
            NewReply {
                account: customer.account_id,
                customer: customer.id,
                lane,
                author: reply.author.as_str(),
                comment_id: reply.comment_id,
                parts,
            },
            now_ms(),
        )
        .await
        .map_err(|e| match e {
            // Another agent's private reply to the comment was queued first.
            StoreError::Conflict(_) if private_reply => {
                super::moderation::already_replied_privately()
            }
            e => e.into(),
        })?;
    app.wake.sends.notify_waiters();
    Ok(ids)
}

/// igdesk's id for a message until Meta gives it one.
pub(crate) fn provisional_mid() -> String {
    format!("igdesk:out:{}", random_hex(16))
}
