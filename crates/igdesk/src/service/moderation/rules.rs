//! Which of an item's actions apply now, and why not. One set of rules serves both
//! sides: the actions refuse with them (the JSON API answers their code), and the
//! console shows a disabled menu entry with their words — so a page never offers what
//! the action would refuse.
//!
//! Only what the item itself decides is here: the account (reconnect first) and
//! Instagram (which may still refuse) are asked when the action runs.

use crate::service::error::ServiceError;
use igdesk_domain::rules::{RuleError, PRIVATE_REPLY_WINDOW};
use igdesk_domain::time::HOUR;
use igdesk_domain::timeline::story_available;
use igdesk_domain::Millis;
use igdesk_store::TimelineItem;

/// Whether an action applies to an item now; if not, why, in words.
pub type Availability = Result<(), String>;

/// The four actions on a customer's comment (OUT-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentActions {
    /// A public reply under the comment: once.
    pub reply: Availability,
    /// A private message to the commenter: once, within 7 days of the comment.
    pub private_reply: Availability,
    pub hide: Availability,
    pub delete: Availability,
}

/// The comment actions for `item` at `now`. For anything but a customer's comment,
/// none applies.
pub fn comment_actions(item: &TimelineItem, now: Millis) -> CommentActions {
    CommentActions {
        reply: words(can_reply_publicly(item)),
        private_reply: words(can_reply_privately(item, now)),
        hide: moderation_availability(item, Moderation::Hide),
        delete: moderation_availability(item, Moderation::Delete),
    }
}

/// Like Message / Unlike: `None` when the item is not the kind that is liked at all
/// (no menu entry); else whether it is liked now, or why it can no longer be.
pub fn like_state(item: &TimelineItem, now: Millis) -> Option<Result<bool, String>> {
    if !likeable_kind(item) {
        return None;
    }
    Some(
        likeable(item, now)
            .map(|()| item.context.liked)
            .map_err(|e| e.message),
    )
}

fn words(rule: Result<(), ServiceError>) -> Availability {
    rule.map_err(|e| e.message)
}

fn customers_comment(item: &TimelineItem) -> bool {
    item.kind == "comment" && item.direction == "in"
}

fn likeable_kind(item: &TimelineItem) -> bool {
    item.direction == "in" && matches!(item.kind.as_str(), "message" | "story_mention")
}

/// A customer's message or Story mention that is still there (OUT-7). Liking one
/// already liked is allowed: Instagram takes it again, and the page offers Unlike.
pub(super) fn likeable(item: &TimelineItem, now: Millis) -> Result<(), ServiceError> {
    if !likeable_kind(item) {
        return Err(ServiceError::conflict(
            "not_likeable",
            "only a customer's message or Story mention can be liked",
        ));
    }
    if item.deleted {
        return Err(ServiceError::conflict(
            "not_available",
            "the customer deleted this message",
        ));
    }
    if item.kind == "story_mention" && !story_available(item.created_at, item.story_gone, now) {
        return Err(ServiceError::conflict(
            "not_available",
            "the Story is no longer available",
        ));
    }
    Ok(())
}

/// A customer's comment that is still there to answer.
fn answerable_comment(item: &TimelineItem) -> Result<(), ServiceError> {
    if !customers_comment(item) {
        return Err(ServiceError::conflict(
            "not_a_comment",
            "this action is for a customer's comment",
        ));
    }
    if item.context.removed_from_instagram {
        return Err(ServiceError::conflict(
            "comment_deleted",
            "the comment was deleted from Instagram",
        ));
    }
    if item.context.hidden {
        return Err(ServiceError::conflict(
            "comment_hidden",
            "a hidden comment can no longer be answered",
        ));
    }
    Ok(())
}

/// A public reply: once per comment.
pub(super) fn can_reply_publicly(item: &TimelineItem) -> Result<(), ServiceError> {
    answerable_comment(item)?;
    if item.context.replied_publicly {
        return Err(already_replied_publicly());
    }
    Ok(())
}

pub(super) fn already_replied_publicly() -> ServiceError {
    ServiceError::conflict(
        "already_replied",
        "this comment already has a public reply from igdesk",
    )
}

pub(crate) fn already_replied_privately() -> ServiceError {
    ServiceError::conflict(
        "already_replied",
        "a comment can be answered by private message once",
    )
}

/// A private reply: once per comment, within 7 days of it (Instagram's rule).
pub(super) fn can_reply_privately(item: &TimelineItem, now: Millis) -> Result<(), ServiceError> {
    answerable_comment(item)?;
    if item.context.replied_privately {
        return Err(already_replied_privately());
    }
    if now - item.created_at > PRIVATE_REPLY_WINDOW {
        return Err(ServiceError::refused(RuleError::WindowClosed {
            hours: (now - item.created_at) / HOUR,
            why: "a private reply is possible for 7 days after the comment",
        }));
    }
    Ok(())
}

/// Hide or delete: done once at Instagram, then remembered on the comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Moderation {
    Hide,
    /// Gone from Instagram; kept in igdesk, marked.
    Delete,
}

impl Moderation {
    fn done(self, item: &TimelineItem) -> bool {
        match self {
            Moderation::Hide => item.context.hidden,
            Moderation::Delete => item.context.removed_from_instagram,
        }
    }

    pub(super) fn mark_done(self, item: &mut TimelineItem) {
        match self {
            Moderation::Hide => item.context.hidden = true,
            Moderation::Delete => item.context.removed_from_instagram = true,
        }
    }

    fn already_done(self) -> &'static str {
        match self {
            Moderation::Hide => "the comment is already hidden",
            Moderation::Delete => "the comment was already deleted from Instagram",
        }
    }
}

/// Whether Instagram must be asked: `false` when it was done already, which the
/// action answers as done (asking twice changes nothing).
pub(super) fn moderation_needed(
    item: &TimelineItem,
    action: Moderation,
) -> Result<bool, ServiceError> {
    if !customers_comment(item) {
        return Err(ServiceError::conflict(
            "not_a_comment",
            "only a customer's comment can be hidden or deleted",
        ));
    }
    Ok(!action.done(item))
}

/// Done already is nothing to offer, though the action would answer it as done.
fn moderation_availability(item: &TimelineItem, action: Moderation) -> Availability {
    match moderation_needed(item, action) {
        Ok(true) => Ok(()),
        Ok(false) => Err(action.already_done().to_owned()),
        Err(e) => Err(e.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use igdesk_domain::time::DAY;
    use igdesk_domain::timeline::ItemContext;
    use igdesk_domain::{AccountId, CustomerId, ItemId};

    const NOW: Millis = 1_700_000_000_000;

    fn item(kind: &str, direction: &str, age: Millis) -> TimelineItem {
        TimelineItem {
            id: ItemId(1),
            account_id: AccountId(1),
            customer_id: CustomerId(1),
            conversation_id: None,
            kind: kind.into(),
            direction: direction.into(),
            source: "instagram".into(),
            mid: "m1".into(),
            text: Some("hi".into()),
            attachments: vec![],
            reply_to: None,
            context: ItemContext::default(),
            status: "received".into(),
            deleted: false,
            story_gone: false,
            reaction: None,
            failure: None,
            raw: None,
            created_at: NOW - age,
            author_id: None,
            author_name: None,
        }
    }

    #[test]
    fn a_fresh_comment_takes_every_action() {
        let actions = comment_actions(&item("comment", "in", HOUR), NOW);
        assert_eq!(
            actions,
            CommentActions {
                reply: Ok(()),
                private_reply: Ok(()),
                hide: Ok(()),
                delete: Ok(()),
            }
        );
    }

    #[test]
    fn each_reply_is_given_once() {
        let mut comment = item("comment", "in", HOUR);
        comment.context.replied_publicly = true;
        let actions = comment_actions(&comment, NOW);
        assert_eq!(
            actions.reply.unwrap_err(),
            "this comment already has a public reply from igdesk"
        );
        assert_eq!(actions.private_reply, Ok(()));
        comment.context.replied_privately = true;
        assert_eq!(
            comment_actions(&comment, NOW).private_reply.unwrap_err(),
            "a comment can be answered by private message once"
        );
    }

    #[test]
    fn a_private_reply_waits_at_most_seven_days() {
        let on_time = item("comment", "in", 7 * DAY);
        assert_eq!(comment_actions(&on_time, NOW).private_reply, Ok(()));
        let late = item("comment", "in", 7 * DAY + 1);
        let refusal = can_reply_privately(&late, NOW).unwrap_err();
        assert_eq!(refusal.code, "window_closed");
        assert_eq!(
            comment_actions(&late, NOW).private_reply.unwrap_err(),
            refusal.message
        );
        assert_eq!(
            comment_actions(&late, NOW).reply,
            Ok(()),
            "public replies have no window"
        );
    }

    #[test]
    fn a_hidden_or_deleted_comment_is_no_longer_answered() {
        let mut hidden = item("comment", "in", HOUR);
        hidden.context.hidden = true;
        let actions = comment_actions(&hidden, NOW);
        assert_eq!(
            actions.reply.unwrap_err(),
            "a hidden comment can no longer be answered"
        );
        assert!(actions.private_reply.is_err());
        assert_eq!(actions.hide.unwrap_err(), "the comment is already hidden");
        assert_eq!(actions.delete, Ok(()));

        let mut deleted = item("comment", "in", HOUR);
        deleted.context.removed_from_instagram = true;
        let actions = comment_actions(&deleted, NOW);
        assert_eq!(
            actions.reply.unwrap_err(),
            "the comment was deleted from Instagram"
        );
        assert!(actions.delete.is_err());
        // Done twice is done: the action answers the comment as it is.
        assert_eq!(moderation_needed(&deleted, Moderation::Delete), Ok(false));
    }

    #[test]
    fn only_a_customers_comment_is_moderated() {
        for (kind, direction) in [("message", "in"), ("comment", "out")] {
            let actions = comment_actions(&item(kind, direction, HOUR), NOW);
            assert_eq!(
                actions.reply.unwrap_err(),
                "this action is for a customer's comment"
            );
            assert_eq!(
                actions.hide.unwrap_err(),
                "only a customer's comment can be hidden or deleted"
            );
        }
    }

    #[test]
    fn likes_are_for_what_the_customer_sent_and_is_still_there() {
        assert_eq!(like_state(&item("comment", "in", HOUR), NOW), None);
        assert_eq!(like_state(&item("message", "out", HOUR), NOW), None);
        let mut message = item("message", "in", HOUR);
        assert_eq!(like_state(&message, NOW), Some(Ok(false)));
        message.context.liked = true;
        assert_eq!(like_state(&message, NOW), Some(Ok(true)));
        message.deleted = true;
        assert_eq!(
            like_state(&message, NOW),
            Some(Err("the customer deleted this message".into()))
        );
        let old_story = item("story_mention", "in", DAY);
        assert_eq!(
            like_state(&old_story, NOW),
            Some(Err("the Story is no longer available".into()))
        );
        assert_eq!(
            likeable(&item("comment", "in", HOUR), NOW)
                .unwrap_err()
                .code,
            "not_likeable"
        );
    }
}
