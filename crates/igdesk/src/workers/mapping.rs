//! What each webhook event changes (SPEC IN-4 … IN-11): pure code from the decoded
//! event and the account's settings to the store's idempotent changes.

use igdesk_domain::changes::{Change, ChangeKind, ConversationEffect, NewItem};
use igdesk_domain::timeline::{
    Direction, ItemContext, ItemKind, ItemStatus, PostContext, Postback, Source,
};
use igdesk_domain::{Igsid, Mid, Millis};
use igdesk_meta::webhook::{DecodeError, Entry, InboundMessage, Messaging};
use igdesk_meta::WebhookEvent;
use igdesk_store::Account;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn note(account: Option<&Account>, kind: &str, reason: impl Into<String>, raw: &Value) -> Change {
    Change {
        account: account.map(|a| a.id),
        kind: ChangeKind::Note {
            kind: kind.into(),
            reason: reason.into(),
            raw: raw.to_string(),
        },
    }
}

/// Events without an id of their own (referrals, unknown kinds) get one derived from
/// their content, so a redelivery is recognised like any other.
fn derived_mid(kind: &str, raw: &Value) -> Mid {
    let digest = Sha256::digest(raw.to_string().as_bytes());
    Mid(format!("igdesk:{kind}:{}", hex::encode(&digest[..16])))
}

fn item(kind: ItemKind, mid: Mid, at: Millis) -> NewItem {
    NewItem {
        kind,
        direction: Direction::In,
        source: Source::Customer,
        mid,
        text: None,
        attachments: vec![],
        reply_to: None,
        context: ItemContext::default(),
        status: ItemStatus::Received,
        raw: None,
        created_at: at,
    }
}

/// The changes one decoded item of `entry` asks for. `account` is the connected
/// account the entry is for, if any.
pub fn changes_for(
    account: Option<&Account>,
    entry: &Entry,
    decoded: Result<WebhookEvent, DecodeError>,
    raw: &Value,
    received_at: Millis,
) -> Vec<Change> {
    let Some(account) = account else {
        return vec![note(
            None,
            "unknown_account",
            format!("no connected account has Instagram id {:?}", entry.id),
            raw,
        )];
    };
    let event = match decoded {
        Ok(event) => event,
        Err(e) => return vec![note(Some(account), "malformed_event", e.0, raw)],
    };
    let add =
        |igsid: &str, username: Option<String>, conversation, item: NewItem, refresh| Change {
            account: Some(account.id),
            kind: ChangeKind::AddItem {
                igsid: Igsid(igsid.to_owned()),
                username,
                conversation,
                item,
                refresh_profile: refresh,
            },
        };
    let change = |kind| Change {
        account: Some(account.id),
        kind,
    };
    let at = |base: &Messaging| base.timestamp.unwrap_or(received_at);
    let from_business = |base: &Messaging| base.sender == account.ig_id;

    match event {
        WebhookEvent::Message(base, message) if message.is_echo || from_business(&base) => {
            let mut echo = message_item(&message, at(&base));
            echo.direction = Direction::Out;
            echo.source = Source::InstagramApp;
            echo.status = ItemStatus::Sent;
            // Even with echoes off, the echo of igdesk's own message completes it.
            vec![change(ChangeKind::Echo {
                igsid: Igsid(base.recipient.clone()),
                item: echo,
                show_unmatched: account.settings.echo,
            })]
        }
        WebhookEvent::Message(base, message) => {
            let new = message_item(&message, at(&base));
            let opens = match new.kind {
                ItemKind::StoryMention if !account.settings.story_mentions_create_conversations => {
                    ConversationEffect::None
                }
                _ => ConversationEffect::Open,
            };
            vec![add(&base.sender, None, opens, new, true)]
        }
        WebhookEvent::Deleted(base, mid) => vec![change(ChangeKind::DeleteContent {
            igsid: Igsid(base.sender.clone()),
            mid: Mid(mid),
            at: at(&base),
        })],
        WebhookEvent::Edited { base: _, mid, text } => {
            vec![change(ChangeKind::EditText {
                mid: Mid(mid),
                text,
            })]
        }
        WebhookEvent::Postback {
            base,
            mid,
            title,
            payload,
            referral,
        } => {
            let mid = mid.map(Mid).unwrap_or_else(|| derived_mid("postback", raw));
            let mut new = item(ItemKind::Message, mid, at(&base));
            new.text = title.clone();
            new.context.postback = Some(Postback { title, payload });
            new.context.referral = referral;
            vec![add(&base.sender, None, ConversationEffect::Open, new, true)]
        }
        WebhookEvent::Referral(base, referral) => {
            let mut new = item(ItemKind::Message, derived_mid("referral", raw), at(&base));
            new.context.referral = Some(referral);
            vec![add(&base.sender, None, ConversationEffect::Open, new, true)]
        }
        WebhookEvent::Reaction { base, .. } | WebhookEvent::Read(base, _)
            if from_business(&base) =>
        {
            vec![note(
                Some(account),
                "own_action",
                "the business's own reaction or read",
                raw,
            )]
        }
        WebhookEvent::Reaction {
            base,
            target_mid,
            reaction,
            emoji,
        } => {
            vec![change(ChangeKind::React {
                igsid: Igsid(base.sender.clone()),
                mid: Mid(target_mid),
                reaction,
                emoji,
                at: at(&base),
            })]
        }
        WebhookEvent::Read(base, mid) => vec![change(ChangeKind::Read {
            igsid: Igsid(base.sender),
            mid: Mid(mid),
        })],
        WebhookEvent::Comment(comment) => {
            if comment.parent_id.is_some() {
                return vec![note(
                    Some(account),
                    "comment_reply",
                    "replies to comments are not taken in (Meta's limit)",
                    raw,
                )];
            }
            if comment.from_id == account.ig_id {
                return vec![note(
                    Some(account),
                    "own_comment",
                    "the business's own comment",
                    raw,
                )];
            }
            let mut new = item(
                ItemKind::Comment,
                Mid(comment.comment_id),
                comment.timestamp.unwrap_or(received_at),
            );
            new.text = comment.text;
            new.context.post = Some(PostContext {
                media_id: comment.media_id,
                media_product_type: comment.media_product_type,
            });
            let opens = if account.settings.comments_create_conversations {
                ConversationEffect::Open
            } else {
                ConversationEffect::None
            };
            // Commenting gives no consent to read the profile (Meta answers 230).
            vec![add(
                &comment.from_id,
                comment.from_username,
                opens,
                new,
                false,
            )]
        }
        WebhookEvent::Other {
            base: Some(base),
            kind,
            raw: event_raw,
        } => {
            let customer = if from_business(&base) {
                &base.recipient
            } else {
                &base.sender
            };
            let mut new = item(
                ItemKind::Unsupported,
                derived_mid(&kind, &event_raw),
                at(&base),
            );
            new.context.unsupported_type = Some(kind);
            new.raw = Some(event_raw.to_string());
            vec![add(
                customer,
                None,
                ConversationEffect::JoinIfOpen,
                new,
                false,
            )]
        }
        WebhookEvent::Other {
            base: None, kind, ..
        } => vec![note(
            Some(account),
            "unhandled_change",
            format!("a change of field {kind:?}, kept here as Meta sent it"),
            raw,
        )],
    }
}

/// A customer's (or an echo's) message as a timeline item.
pub(crate) fn message_item(m: &InboundMessage, at: Millis) -> NewItem {
    let kind = if m.is_unsupported {
        ItemKind::Unsupported
    } else if m.attachments.iter().any(|a| a.kind == "story_mention") {
        ItemKind::StoryMention
    } else {
        ItemKind::Message
    };
    let mut new = item(kind, Mid(m.mid.clone()), at);
    new.text = m.text.clone();
    new.attachments = m.attachments.clone();
    new.reply_to = m.reply_to.clone();
    new.context.quick_reply_payload = m.quick_reply_payload.clone();
    new.context.referral = m.referral.clone();
    if m.is_unsupported {
        new.context.unsupported_type = Some("unsupported_message".into());
    }
    new
}
