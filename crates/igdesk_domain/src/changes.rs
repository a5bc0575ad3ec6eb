//! The write model of intake: what one webhook event changes, decided by pure code
//! from the event and the account's settings, applied by the store in one
//! transaction per delivery. Every change is idempotent, so a delivery processed
//! twice (Meta's redelivery, a crash before completion) changes nothing the second time.

use crate::ids::{AccountId, Igsid, Mid};
use crate::time::Millis;
use crate::timeline::{Attachment, Direction, ItemContext, ItemKind, ItemStatus, ReplyTo, Source};

/// What an item does to the customer's conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationEffect {
    /// Opens a conversation (or joins the open one) and counts as the customer
    /// writing in.
    Open,
    /// Joins the open conversation if there is one; never opens one.
    JoinIfOpen,
    /// Kept on the profile's timeline only.
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub kind: ItemKind,
    pub direction: Direction,
    pub source: Source,
    /// Meta's id (message id, or comment id). Unique per account: an item whose id was
    /// seen before is not added again.
    pub mid: Mid,
    pub text: Option<String>,
    pub attachments: Vec<Attachment>,
    pub reply_to: Option<ReplyTo>,
    pub context: ItemContext,
    pub status: ItemStatus,
    /// The event as Meta sent it, kept for kinds igdesk does not understand.
    pub raw: Option<String>,
    pub created_at: Millis,
}

// Nearly every change is an `AddItem`, the large variant: boxing it would cost an
// allocation per item to save space in the rare small ones.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeKind {
    AddItem {
        igsid: Igsid,
        username: Option<String>,
        conversation: ConversationEffect,
        item: NewItem,
        /// Queue a refresh of the customer's Instagram facts (IN-5).
        refresh_profile: bool,
    },
    /// A message the business sent, as Meta echoes it back. If igdesk sent it and has
    /// not recorded Meta's answer yet (a crash, a race), the echo completes that
    /// message; otherwise it is added as sent from the Instagram app (IN-10).
    Echo {
        igsid: Igsid,
        item: NewItem,
        /// Add it when it is not igdesk's (the account's echo setting, ACC-3).
        show_unmatched: bool,
    },
    /// The customer unsent a message: its content goes, a marker stays (IN-7). If the
    /// message has not arrived yet, the marker is written first and wins.
    DeleteContent {
        igsid: Igsid,
        mid: Mid,
        at: Millis,
    },
    EditText {
        mid: Mid,
        text: Option<String>,
    },
    /// `reaction: None` removes the customer's reaction (IN-8).
    React {
        igsid: Igsid,
        mid: Mid,
        reaction: Option<String>,
        emoji: Option<String>,
        at: Millis,
    },
    /// The customer saw the business's messages up to `mid` (OUT-6).
    Read {
        igsid: Igsid,
        mid: Mid,
    },
    /// Something recorded and reported, not turned into conversation data: an event for
    /// an account that is not connected, a malformed event, a reply to a comment.
    Note {
        kind: String,
        reason: String,
        raw: String,
    },
}

impl ChangeKind {
    /// The customer the change is about, if it names one.
    pub fn igsid(&self) -> Option<&str> {
        match self {
            ChangeKind::AddItem { igsid, .. }
            | ChangeKind::Echo { igsid, .. }
            | ChangeKind::DeleteContent { igsid, .. }
            | ChangeKind::React { igsid, .. }
            | ChangeKind::Read { igsid, .. } => Some(&igsid.0),
            ChangeKind::EditText { .. } | ChangeKind::Note { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The connected account the change belongs to; `None` for notes about events
    /// that belong to no connected account.
    pub account: Option<AccountId>,
    pub kind: ChangeKind,
}
