//! Per-account conversation settings (SPEC ACC-3).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConversationSettings {
    /// Messages sent from the Instagram app appear in igdesk.
    pub echo: bool,
    /// Story @mentions open conversations (off by default: they can come by thousands).
    pub story_mentions_create_conversations: bool,
    /// Comments open conversations.
    pub comments_create_conversations: bool,
}

impl Default for ConversationSettings {
    fn default() -> Self {
        Self {
            echo: true,
            story_mentions_create_conversations: false,
            comments_create_conversations: true,
        }
    }
}
