//! Actions on timeline items: like / unlike (OUT-7) and comment moderation — public
//! reply, private reply, hide, delete (OUT-8). Likes and moderation act on an object
//! at once and say at once whether Instagram took it; a private reply is a message
//! and goes through the outbox like any other.
//!
//! Each action checks the item's rules (`rules`, also what the console shows), asks
//! Instagram, then remembers the outcome on the item, so a second attempt is refused
//! (replies) or changes nothing (hide, delete).

mod rules;

pub use rules::{comment_actions, like_state, Availability, CommentActions};

use super::answering::{self, Reply};
use super::error::ServiceError;
use crate::app::App;
use crate::now_ms;
use igdesk_domain::rules::{self as instagram_rules, Author, Channel, RuleError};
use igdesk_domain::ItemId;
use igdesk_meta::{AccountAuth, ErrorAction, GraphError};
use igdesk_store::{Agent, Customer, TimelineItem};
pub(crate) use rules::already_replied_privately;
use rules::{
    already_replied_publicly, can_reply_privately, can_reply_publicly, likeable, moderation_needed,
    Moderation,
};
use serde_json::json;

/// The item, if the agent may see it, with its customer. An item in another inbox is
/// answered like one that does not exist.
pub async fn visible_item(
    app: &App,
    agent: &Agent,
    item: ItemId,
) -> Result<(TimelineItem, Customer), ServiceError> {
    let item = app
        .store
        .item_for_job(item)
        .await?
        .ok_or_else(|| ServiceError::not_found("timeline item"))?;
    let customer = app
        .store
        .customer(agent.scope(), item.customer_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("timeline item"))?;
    Ok((item, customer))
}

/// Like (`liked`) or take a like back on a customer's message or Story mention.
/// Answers the item.
pub async fn set_like(
    app: &App,
    agent: &Agent,
    item: ItemId,
    liked: bool,
) -> Result<ItemId, ServiceError> {
    let (mut item, customer) = visible_item(app, agent, item).await?;
    likeable(&item, now_ms())?;
    let (auth, sealed) = auth(app, &item).await?;
    let (action, payload) = if liked {
        (
            "react",
            json!({ "message_id": item.mid, "reaction": "love" }),
        )
    } else {
        ("unreact", json!({ "message_id": item.mid }))
    };
    if let Err(e) = app
        .graph
        .sender_action(&auth, &customer.igsid, action, Some(payload))
        .await
    {
        return Err(meta_error(app, &item, &sealed, e).await);
    }
    item.context.liked = liked;
    app.store.set_item_context(item.id, &item.context).await?;
    Ok(item.id)
}

/// A public reply under a customer's comment, once. Answers the reply, a new item.
pub async fn reply_to_comment(
    app: &App,
    agent: &Agent,
    item: ItemId,
    text: &str,
) -> Result<ItemId, ServiceError> {
    let (item, customer) = visible_item(app, agent, item).await?;
    can_reply_publicly(&item)?;
    answering::topic_given(app, agent, customer.id).await?;
    if text.trim().is_empty() {
        return Err(ServiceError::refused(RuleError::Empty));
    }
    instagram_rules::check_text(text, Channel::Console).map_err(ServiceError::refused)?;
    let (auth, sealed) = auth(app, &item).await?;
    // Taken before Instagram is asked: of two agents replying at once, one posts.
    if !app.store.claim_public_reply(item.id).await? {
        return Err(already_replied_publicly());
    }
    let reply_id = match app.graph.reply_to_comment(&auth, &item.mid, text).await {
        Ok(id) => id,
        Err(e) => {
            // Instagram answered with a refusal, or was not reached: nothing was
            // posted, and the reply may be tried again. An answer that could not be
            // read may mean it was posted: the claim stays.
            if !matches!(e, GraphError::Unexpected(_)) {
                app.store.release_public_reply(item.id).await?;
            }
            return Err(meta_error(app, &item, &sealed, e).await);
        }
    };
    Ok(app
        .store
        .record_comment_reply(item.id, &reply_id, text, now_ms())
        .await?)
}

/// A private message to the commenter, once, within 7 days of the comment. It is
/// queued like any reply; answers the queued items.
pub async fn private_reply(
    app: &App,
    agent: &Agent,
    item: ItemId,
    text: &str,
) -> Result<Vec<ItemId>, ServiceError> {
    let (item, customer) = visible_item(app, agent, item).await?;
    can_reply_privately(&item, now_ms())?;
    answering::topic_given(app, agent, customer.id).await?;
    let reply = Reply {
        text: Some(text.to_owned()),
        images: Vec::new(),
        channel: Channel::Console,
        author: Author::Human,
        comment_id: Some(item.mid.clone()),
    };
    // The comment's flag is taken in the transaction that queues the reply.
    answering::queue(app, &customer, reply).await
}

/// Hide a customer's comment on Instagram; it can no longer be answered. Answers the
/// comment.
pub async fn hide_comment(app: &App, agent: &Agent, item: ItemId) -> Result<ItemId, ServiceError> {
    moderate(app, agent, item, Moderation::Hide).await
}

/// Delete a customer's comment from Instagram; igdesk keeps it, marked. Answers the
/// comment.
pub async fn delete_comment(
    app: &App,
    agent: &Agent,
    item: ItemId,
) -> Result<ItemId, ServiceError> {
    moderate(app, agent, item, Moderation::Delete).await
}

async fn moderate(
    app: &App,
    agent: &Agent,
    item: ItemId,
    action: Moderation,
) -> Result<ItemId, ServiceError> {
    let (mut item, _) = visible_item(app, agent, item).await?;
    if moderation_needed(&item, action)? {
        let (auth, sealed) = auth(app, &item).await?;
        let result = match action {
            Moderation::Hide => app.graph.hide_comment(&auth, &item.mid).await,
            Moderation::Delete => app.graph.delete_comment(&auth, &item.mid).await,
        };
        if let Err(e) = result {
            return Err(meta_error(app, &item, &sealed, e).await);
        }
        action.mark_done(&mut item);
        app.store.set_item_context(item.id, &item.context).await?;
    }
    Ok(item.id)
}

/// How to call Meta for the item's account, and the token it uses (sealed, to mark
/// that very token as rejected if Meta says so).
async fn auth(app: &App, item: &TimelineItem) -> Result<(AccountAuth, String), ServiceError> {
    let account = app
        .store
        .account(item.account_id)
        .await?
        .ok_or_else(|| ServiceError::not_found("account"))?;
    if account.needs_reconnect {
        return Err(ServiceError::conflict(
            "needs_reconnect",
            "the Instagram account must be reconnected first",
        ));
    }
    let auth = app.auth_for(&account).map_err(ServiceError::internal)?;
    Ok((auth, account.token_sealed))
}

/// Meta's refusal, said to the agent. A rejected token also marks the account, so its
/// queue is held until it is reconnected.
async fn meta_error(app: &App, item: &TimelineItem, sealed: &str, e: GraphError) -> ServiceError {
    match e.action() {
        ErrorAction::GiveUp => {
            let words = match &e {
                GraphError::Meta {
                    code,
                    subcode,
                    message,
                    ..
                } => instagram_rules::describe_meta_error(*code, *subcode, message),
                other => other.to_string(),
            };
            ServiceError::conflict("refused_by_instagram", words)
        }
        ErrorAction::Reconnect => {
            let _ = app
                .store
                .mark_needs_reconnect(item.account_id, sealed, &e.to_string())
                .await;
            ServiceError::conflict(
                "needs_reconnect",
                "Instagram rejected the account's token: reconnect the account",
            )
        }
        ErrorAction::RetryLater | ErrorAction::BackOff => {
            ServiceError::unavailable("instagram_unavailable", format!("try again shortly: {e}"))
        }
    }
}
