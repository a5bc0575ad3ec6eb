//! Queuing replies: Instagram's rules checked first (OUT-1 … OUT-4), then the reply's
//! parts — text first, then one message per image — written to the outbox.

use crate::app::App;
use crate::crypto::random_hex;
use crate::http::error::ApiError;
use crate::now_ms;
use axum::http::StatusCode;
use igdesk_domain::rules::{self, Author, Channel, RuleError};
use igdesk_domain::timeline::Attachment;
use igdesk_domain::ItemId;
use igdesk_store::{Customer, Lane, NewReply, OutgoingPart};
use serde_json::json;

pub struct ImageUpload {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A refused reply: 422 with the rule's code.
pub fn refused(rule: RuleError) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        rule.code(),
        rule.to_string(),
    )
}

pub struct Reply {
    pub text: Option<String>,
    pub images: Vec<ImageUpload>,
    pub channel: Channel,
    pub author: Author,
    /// Set for a private reply to this comment.
    pub comment_id: Option<String>,
}

pub async fn queue(app: &App, customer: &Customer, reply: Reply) -> Result<Vec<ItemId>, ApiError> {
    let text = reply.text.filter(|t| !t.trim().is_empty());
    if text.is_none() && reply.images.is_empty() {
        return Err(refused(RuleError::Empty));
    }
    if let Some(text) = &text {
        rules::check_text(text, reply.channel).map_err(refused)?;
    }
    let sizes: Vec<(&str, usize)> = reply
        .images
        .iter()
        .map(|i| (i.content_type.as_str(), i.bytes.len()))
        .collect();
    rules::check_images(&sizes, reply.channel).map_err(refused)?;
    if reply.comment_id.is_none() {
        // Refused now, with the reason, rather than failed later at Meta.
        rules::messaging_window(now_ms(), customer.last_message_at, reply.author)
            .map_err(refused)?;
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
        .await?;
    app.wake.sends.notify_waiters();
    Ok(ids)
}

/// igdesk's id for a message until Meta gives it one.
pub(crate) fn provisional_mid() -> String {
    format!("igdesk:out:{}", random_hex(16))
}
