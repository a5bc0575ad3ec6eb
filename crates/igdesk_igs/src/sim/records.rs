//! What the simulator accepted on igdesk's behalf, for tests to assert on
//! (IGS-3), and the facts about comments and threads it exposes.

use serde::{Deserialize, Serialize};

/// One message the Send API accepted (a DM or a private reply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    pub business_ig_id: String,
    /// `facebook` or `instagram`: the host the call was made to.
    pub api: String,
    /// The customer the message went to (for a private reply, the comment's author).
    pub recipient_igsid: String,
    /// Set for private replies (`recipient.comment_id`).
    pub comment_id: Option<String>,
    /// The `message_id` the Send API answered (and the echo carries).
    pub mid: String,
    /// `text`, `quick_replies`, `template`, or the attachment type (`image`,
    /// `video`, `audio`, `file`, `like_heart`, `media_share`).
    pub kind: String,
    pub text: Option<String>,
    pub attachment_url: Option<String>,
    /// (title, payload) pairs; titles cut to 20 characters as Meta shows them.
    /// Non-text quick replies (`user_email`, …) appear as (content type, "").
    pub quick_replies: Vec<(String, String)>,
    /// The template payload as sent.
    pub template: Option<serde_json::Value>,
    /// As sent; `RESPONSE` when the call named none (Meta's default).
    pub messaging_type: String,
    pub tag: Option<String>,
    pub at_ms: i64,
    /// The same moment to the microsecond: benches time a reply with it, where whole
    /// milliseconds are a tenth of what they measure.
    #[serde(default)]
    pub at_us: i64,
}

/// One accepted sender action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderActionRecord {
    pub business_ig_id: String,
    pub api: String,
    pub recipient_igsid: String,
    /// `react`, `unreact`, `mark_seen`, `typing_on` or `typing_off`.
    pub action: String,
    /// The message reacted to; for `mark_seen`, the customer's newest message
    /// at that moment (what the business has now seen); `None` for typing.
    pub target_mid: Option<String>,
    /// `love`, … for `react`.
    pub reaction: Option<String>,
    pub at_ms: i64,
}

/// One comment-moderation call that reached a comment (after the token check),
/// with its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentActionRecord {
    pub business_ig_id: String,
    pub api: String,
    pub comment_id: String,
    /// `reply`, `hide`, `unhide` or `delete`.
    pub action: String,
    /// The public reply's text.
    pub message: Option<String>,
    /// The new comment's id, for an accepted reply.
    pub reply_id: Option<String>,
    pub ok: bool,
    /// Meta's error code and message when refused.
    pub error_code: Option<i64>,
    pub error_message: Option<String>,
    pub at_ms: i64,
}

/// A comment the simulator knows: delivered through `deliver`, or a public
/// reply the business posted through the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedComment {
    pub id: String,
    pub business_ig_id: String,
    /// The commenter's IGSID (the business's ig_id for its own replies).
    pub author_igsid: String,
    pub author_username: String,
    pub text: String,
    pub media_id: String,
    pub parent_id: Option<String>,
    pub at_ms: i64,
    pub hidden: bool,
    pub deleted: bool,
    /// The mid of the private reply sent to its author, once one was.
    pub private_reply_mid: Option<String>,
}

/// One message of a thread as the Conversations API returns it: history given
/// by a test, or a DM exchanged through the simulator. Besides its text, a message
/// may carry what Meta's message node lists: attachments, a share, the Story it
/// replies to or mentions, and the other party's reactions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryMessage {
    /// From the customer (else from the business).
    pub from_customer: bool,
    #[serde(default)]
    pub text: String,
    pub at_ms: i64,
    /// Generated when `None`; [`crate::Simulator::add_history`] returns the mids.
    #[serde(default)]
    pub mid: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<HistoryAttachment>,
    /// A shared post or reel: Meta gives only its link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<String>,
    /// The Story this message answers (`story.reply_to`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story_reply: Option<HistoryStory>,
    /// The Story this message mentions the business in (`story.mention`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story_mention: Option<HistoryStory>,
    /// Emoji the other party reacted with (`reactions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<String>,
}

/// A file on a history message: `kind` is `image`, `video`, `audio` or `file`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryAttachment {
    pub kind: String,
    pub url: String,
}

/// A Story as a history message names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryStory {
    pub id: String,
    pub link: String,
}

impl HistoryMessage {
    pub fn from_customer(text: impl Into<String>, at_ms: i64) -> Self {
        HistoryMessage {
            from_customer: true,
            text: text.into(),
            at_ms,
            ..HistoryMessage::default()
        }
    }

    pub fn from_business(text: impl Into<String>, at_ms: i64) -> Self {
        HistoryMessage {
            from_customer: false,
            ..Self::from_customer(text, at_ms)
        }
    }
}

/// Everything accepted so far, and the deliveries withheld, in order.
#[derive(Debug, Default)]
pub(crate) struct Records {
    pub sent: Vec<SentMessage>,
    pub actions: Vec<SenderActionRecord>,
    pub comment_actions: Vec<CommentActionRecord>,
    pub withheld: Vec<super::WithheldDelivery>,
}
