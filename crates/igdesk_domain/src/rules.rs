//! Instagram's rules for answering (SPEC OUT-1 … OUT-5, OUT-9), checked before Meta
//! is called so a refusal comes with a reason and nothing is sent in vain.

use crate::time::{Millis, DAY};

/// Where a reply was written: the console (an agent) or the Business Messaging API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Console,
    Api,
}

/// Who wrote it: a person, or automation (rules, business hours, bots).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    Human,
    Automatic,
}

impl Author {
    pub fn as_str(self) -> &'static str {
        match self {
            Author::Human => "human",
            Author::Automatic => "automatic",
        }
    }
}

/// The console's limit (the composer counts characters).
pub const CONSOLE_TEXT_CHARS: usize = 640;
/// The API's limit in characters (CM.com's), and Meta's in UTF-8 bytes.
pub const API_TEXT_CHARS: usize = 1_000;
pub const META_TEXT_BYTES: usize = 1_000;
pub const MAX_IMAGES_PER_REPLY: usize = 10;
/// All images of one console reply together.
pub const CONSOLE_IMAGES_TOTAL_BYTES: usize = 5 * 1024 * 1024;
/// One image (Meta's limit).
pub const IMAGE_MAX_BYTES: usize = 8 * 1024 * 1024;
pub const IMAGE_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/gif"];

/// A customer may be answered for 7 days after their last message; after 24 hours
/// only by a person, with the `HUMAN_AGENT` tag.
pub const RESPONSE_WINDOW: Millis = DAY;
pub const HUMAN_AGENT_WINDOW: Millis = 7 * DAY;
/// Meta's limit on private replies to comments on posts and reels, per account.
pub const PRIVATE_REPLIES_PER_HOUR: usize = 750;
/// A private reply to a comment is possible for 7 days after the comment.
pub const PRIVATE_REPLY_WINDOW: Millis = 7 * DAY;
/// Meta counts a send against a limit when it arrives; igdesk counts it from when
/// it is to leave. One send can spend longer on the way than a later one (a busy
/// machine, a slow connection, another instance), so every count of sends over a
/// span (the message limit's window, private replies' hour) keeps each send this
/// much longer: Meta's count over any span then stays within the limit unless
/// transit times differ by more than this.
pub const SEND_TRANSIT: Millis = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("the message is empty: give text or at least one image")]
    Empty,
    #[error("the text has {actual} {unit}; at most {limit} are allowed")]
    TextTooLong {
        actual: usize,
        limit: usize,
        unit: &'static str,
    },
    #[error("{0:?} cannot be sent to Instagram: only JPEG, PNG and GIF images")]
    AttachmentType(String),
    #[error("an image of {actual} bytes is over the {limit}-byte limit")]
    AttachmentTooLarge { actual: usize, limit: usize },
    #[error("{actual} images together are {bytes} bytes; at most {limit} bytes per reply")]
    AttachmentsTooLarge {
        actual: usize,
        bytes: usize,
        limit: usize,
    },
    #[error("{0} images; at most 10 per reply")]
    TooManyAttachments(usize),
    #[error("the customer has never written: igdesk does not start conversations")]
    NeverWrote,
    #[error("the customer's last message is {hours} hours old: {why}")]
    WindowClosed { hours: i64, why: &'static str },
}

impl RuleError {
    /// The stable code APIs answer with.
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::Empty => "empty_message",
            RuleError::TextTooLong { .. } => "text_too_long",
            RuleError::AttachmentType(_) => "attachment_type",
            RuleError::AttachmentTooLarge { .. } | RuleError::AttachmentsTooLarge { .. } => {
                "attachment_too_large"
            }
            RuleError::TooManyAttachments(_) => "too_many_attachments",
            RuleError::NeverWrote => "never_wrote",
            RuleError::WindowClosed { .. } => "window_closed",
        }
    }
}

pub fn check_text(text: &str, channel: Channel) -> Result<(), RuleError> {
    let chars = text.chars().count();
    let limit = match channel {
        Channel::Console => CONSOLE_TEXT_CHARS,
        Channel::Api => API_TEXT_CHARS,
    };
    if chars > limit {
        return Err(RuleError::TextTooLong {
            actual: chars,
            limit,
            unit: "characters",
        });
    }
    if text.len() > META_TEXT_BYTES {
        return Err(RuleError::TextTooLong {
            actual: text.len(),
            limit: META_TEXT_BYTES,
            unit: "UTF-8 bytes",
        });
    }
    Ok(())
}

/// `images` are (content type, size in bytes).
pub fn check_images(images: &[(&str, usize)], channel: Channel) -> Result<(), RuleError> {
    if images.len() > MAX_IMAGES_PER_REPLY {
        return Err(RuleError::TooManyAttachments(images.len()));
    }
    for (content_type, size) in images {
        if !IMAGE_TYPES.contains(content_type) {
            return Err(RuleError::AttachmentType((*content_type).to_owned()));
        }
        if *size > IMAGE_MAX_BYTES {
            return Err(RuleError::AttachmentTooLarge {
                actual: *size,
                limit: IMAGE_MAX_BYTES,
            });
        }
    }
    let total: usize = images.iter().map(|(_, s)| s).sum();
    if channel == Channel::Console && total > CONSOLE_IMAGES_TOTAL_BYTES {
        return Err(RuleError::AttachmentsTooLarge {
            actual: images.len(),
            bytes: total,
            limit: CONSOLE_IMAGES_TOTAL_BYTES,
        });
    }
    Ok(())
}

/// A link with a label goes as plain text (OUT-3).
pub fn format_link(label: &str, url: &str) -> String {
    format!("{label} [{url}]")
}

/// How a message may go out now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendAs {
    /// Within 24 hours: a normal response.
    Response,
    /// 24 hours to 7 days, written by a person: tagged `HUMAN_AGENT`.
    HumanAgent,
}

/// The messaging window (OUT-4): `last_message_at` is the customer's last message.
pub fn messaging_window(
    now: Millis,
    last_message_at: Option<Millis>,
    author: Author,
) -> Result<SendAs, RuleError> {
    let Some(last) = last_message_at else {
        return Err(RuleError::NeverWrote);
    };
    let age = now - last;
    let hours = age / crate::time::HOUR;
    if age <= RESPONSE_WINDOW {
        Ok(SendAs::Response)
    } else if author == Author::Automatic {
        Err(RuleError::WindowClosed {
            hours,
            why: "after 24 hours only a person may answer (automatic replies are not tagged HUMAN_AGENT)",
        })
    } else if age <= HUMAN_AGENT_WINDOW {
        Ok(SendAs::HumanAgent)
    } else {
        Err(RuleError::WindowClosed {
            hours,
            why: "Instagram allows answers for 7 days after the customer's last message",
        })
    }
}

/// When the next message may leave an account that allows `limit` messages per
/// `window`, given the send times still inside the window (any order).
pub fn next_send_slot(
    now: Millis,
    recent_sends: &[Millis],
    limit: usize,
    window: Millis,
) -> Millis {
    let mut inside: Vec<Millis> = recent_sends
        .iter()
        .copied()
        .filter(|t| *t > now - window)
        .collect();
    if inside.len() < limit {
        return now;
    }
    inside.sort_unstable();
    // The send that must leave the window before one more fits.
    inside[inside.len() - limit] + window
}

/// Meta's error in words for the timeline (OUT-6).
pub fn describe_meta_error(code: i64, subcode: Option<i64>, message: &str) -> String {
    let words = match (code, subcode) {
        (10, Some(2534022)) | (10, Some(2018278)) => "outside the messaging window",
        (551, _) => "this person isn't available right now",
        (100, Some(2018001)) => "no matching Instagram user",
        (100, Some(2018109)) => "the attachment is larger than Instagram allows",
        (190, _) => "the account's access must be renewed (reconnect it)",
        (4 | 17 | 32 | 613 | 80002 | 80006, _) => "Instagram's rate limit",
        (200 | 10, _) => "the app lacks the permission for this",
        _ => "",
    };
    if words.is_empty() {
        format!("Instagram refused it: {message} (code {code})")
    } else {
        format!("{words} (Instagram: {message}, code {code})")
    }
}

#[cfg(test)]
mod tests;
