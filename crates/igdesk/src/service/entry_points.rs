//! An Instagram account as an entry point (ACC-2, ACC-3), as administrators set it:
//! the inbox its new work goes to (the channel's default one unless an exception),
//! and what opens conversations — echoes, Story @mentions, comments. The JSON API
//! (`PUT /accounts/{id}/inbox`, `PUT /accounts/{id}/settings`) and the Settings
//! pages (Entry points, Conversation settings) both call these.

use super::access::require_admin;
use super::error::ServiceError;
use crate::app::App;
use igdesk_domain::{AccountId, ConversationSettings, InboxId};
use igdesk_store::{Account, Agent};

/// The account, or `not_found`.
pub async fn account(app: &App, account: AccountId) -> Result<Account, ServiceError> {
    app.store
        .account(account)
        .await?
        .ok_or_else(|| ServiceError::not_found("account"))
}

/// An exception: the account's new work goes to `inbox`; `None` sends it to the
/// default inbox again. Refused with `unknown_inbox` (field `inbox_id`). Answers the
/// account as it is now; routing reads it for the next conversation.
pub async fn set_inbox(
    app: &App,
    admin: &Agent,
    account_id: AccountId,
    inbox: Option<InboxId>,
) -> Result<Account, ServiceError> {
    require_admin(admin)?;
    let found = account(app, account_id).await?;
    if let Some(inbox) = inbox {
        if !app.store.inboxes().await?.iter().any(|i| i.id == inbox) {
            return Err(ServiceError::bad_request(
                "unknown_inbox",
                format!("no inbox {}", inbox.0),
            )
            .field("inbox_id"));
        }
    }
    app.store.set_account_inbox(found.id, inbox).await?;
    tracing::info!(
        account.id = found.id.0,
        inbox = inbox.map(|i| i.0),
        by = admin.id.0,
        "entry point's inbox set"
    );
    account(app, found.id).await
}

/// What to change of an account's conversation settings; `None` keeps a value.
#[derive(Debug, Clone, Copy, Default)]
pub struct SettingsChange {
    pub echo: Option<bool>,
    pub story_mentions_create_conversations: Option<bool>,
    pub comments_create_conversations: Option<bool>,
}

/// Echo, Story mentions and comments: what opens conversations (ACC-3). Answers the
/// account as it is now; the next event is processed with them.
pub async fn set_conversation_settings(
    app: &App,
    admin: &Agent,
    account_id: AccountId,
    change: SettingsChange,
) -> Result<Account, ServiceError> {
    require_admin(admin)?;
    let found = account(app, account_id).await?;
    let current = found.settings;
    let settings = ConversationSettings {
        echo: change.echo.unwrap_or(current.echo),
        story_mentions_create_conversations: change
            .story_mentions_create_conversations
            .unwrap_or(current.story_mentions_create_conversations),
        comments_create_conversations: change
            .comments_create_conversations
            .unwrap_or(current.comments_create_conversations),
    };
    app.store.set_account_settings(found.id, settings).await?;
    tracing::info!(
        account.id = found.id.0,
        echo = settings.echo,
        story_mentions = settings.story_mentions_create_conversations,
        comments = settings.comments_create_conversations,
        by = admin.id.0,
        "conversation settings changed"
    );
    account(app, found.id).await
}
