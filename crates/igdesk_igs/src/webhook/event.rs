//! One webhook event, as a simulated customer (or the business's own Instagram
//! app) would cause it. Shapes follow meta-instagram-api.md §2–§3; the business
//! account id is filled in when the event is placed in a [`super::Delivery`], since
//! the same event may be delivered for any account.

use serde_json::{json, Value};

use super::shapes::{Body, CommentValue, EventKind, Message, Postback, Reaction, Read};
use crate::ids;

/// A webhook event: one `entry[].messaging[]` (or `standby[]`) item, or one
/// `entry[].changes[]` item for comments.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub(crate) kind: EventKind,
    /// Milliseconds; comment entries are converted to seconds on output, as Meta does.
    pub(crate) timestamp_ms: i64,
}

impl Event {
    fn messaging(igsid: impl Into<String>, body: Body) -> Self {
        Event {
            kind: EventKind::Messaging {
                igsid: igsid.into(),
                from_business: false,
                standby: false,
                body,
            },
            timestamp_ms: ids::now_ms(),
        }
    }

    fn message(igsid: impl Into<String>, message: Message) -> Self {
        Self::messaging(igsid, Body::Message(message))
    }

    fn with_attachments(igsid: impl Into<String>, attachments: Vec<Value>) -> Self {
        let mut message = Message::new(None);
        message.attachments = attachments;
        Self::message(igsid, message)
    }

    /// A text DM.
    pub fn text(igsid: impl Into<String>, text: impl Into<String>) -> Self {
        Self::message(igsid, Message::new(Some(text.into())))
    }

    /// A media DM; `kind` is Meta's attachment type (image, video, audio, file,
    /// reel, ig_reel, story_mention, …), passed through as given.
    pub fn attachment(igsid: impl Into<String>, kind: &str, url: impl Into<String>) -> Self {
        let attachment = json!({"type": kind, "payload": {"url": url.into()}});
        Self::with_attachments(igsid, vec![attachment])
    }

    /// A shared post in the pre-November-2025 form: one `share` attachment.
    pub fn share(
        igsid: impl Into<String>,
        url: impl Into<String>,
        media_id: impl Into<String>,
        caption: impl Into<String>,
    ) -> Self {
        let payload = post_payload(media_id.into(), url.into(), caption.into());
        Self::with_attachments(igsid, vec![json!({"type": "share", "payload": payload})])
    }

    /// A shared post in the current form: Meta sends `share` and `ig_post`
    /// side by side in the same message, with the same payload.
    pub fn ig_post(
        igsid: impl Into<String>,
        media_id: impl Into<String>,
        url: impl Into<String>,
        caption: impl Into<String>,
    ) -> Self {
        let payload = post_payload(media_id.into(), url.into(), caption.into());
        Self::with_attachments(
            igsid,
            vec![
                json!({"type": "share", "payload": payload.clone()}),
                json!({"type": "ig_post", "payload": payload}),
            ],
        )
    }

    /// A link share Meta could not classify. Without a URL the attachment carries
    /// no payload at all (Meta documents that fallbacks may lack one).
    pub fn fallback(igsid: impl Into<String>, url: Option<&str>, title: impl Into<String>) -> Self {
        let attachment = match url {
            Some(url) => {
                json!({"type": "fallback", "payload": {"url": url, "title": title.into()}})
            }
            None => json!({"type": "fallback", "title": title.into()}),
        };
        Self::with_attachments(igsid, vec![attachment])
    }

    /// The echo of a generic template the business sent (Meta echoes templates
    /// as a `template` attachment).
    pub fn template(
        igsid: impl Into<String>,
        title: impl Into<String>,
        subtitle: Option<&str>,
    ) -> Self {
        let mut element = json!({"title": title.into()});
        if let Some(subtitle) = subtitle {
            element["subtitle"] = json!(subtitle);
        }
        let mut message = Message::new(None);
        message.is_echo = true;
        message.attachments = vec![json!({
            "type": "template",
            "payload": {"template_type": "generic", "elements": [element]},
        })];
        Self::message(igsid, message).sent_by_business()
    }

    /// A text reply to one of the business's Stories.
    pub fn story_reply(
        igsid: impl Into<String>,
        text: impl Into<String>,
        story_id: impl Into<String>,
        story_url: impl Into<String>,
    ) -> Self {
        let mut message = Message::new(Some(text.into()));
        message.reply_to = Some(json!({"story": {"url": story_url.into(), "id": story_id.into()}}));
        Self::message(igsid, message)
    }

    /// A text reply quoting an earlier message.
    pub fn reply_to(
        igsid: impl Into<String>,
        text: impl Into<String>,
        quoted_mid: impl Into<String>,
    ) -> Self {
        let mut message = Message::new(Some(text.into()));
        message.reply_to = Some(json!({"mid": quoted_mid.into()}));
        Self::message(igsid, message)
    }

    /// A quick-reply tap: the button title as text plus its payload.
    pub fn quick_reply(
        igsid: impl Into<String>,
        title: impl Into<String>,
        payload: impl Into<String>,
    ) -> Self {
        let mut message = Message::new(Some(title.into()));
        message.quick_reply = Some(json!({"payload": payload.into()}));
        Self::message(igsid, message)
    }

    /// A button tap (icebreaker, template button, persistent menu).
    pub fn postback(
        igsid: impl Into<String>,
        title: impl Into<String>,
        payload: impl Into<String>,
    ) -> Self {
        let postback = Postback {
            mid: ids::new_mid(),
            title: title.into(),
            payload: payload.into(),
        };
        Self::messaging(igsid, Body::Postback(postback))
    }

    /// A standalone referral: the customer opened an existing thread through an
    /// ig.me link (`source` is e.g. `SHORTLINKS`).
    pub fn referral(
        igsid: impl Into<String>,
        reference: impl Into<String>,
        source: impl Into<String>,
    ) -> Self {
        let referral =
            json!({"ref": reference.into(), "source": source.into(), "type": "OPEN_THREAD"});
        Self::messaging(igsid, Body::Referral(referral))
    }

    /// A click-to-DM ad: the referral rides inside the customer's first message.
    pub fn ad_referral(
        igsid: impl Into<String>,
        text: impl Into<String>,
        ad_id: impl Into<String>,
        reference: impl Into<String>,
    ) -> Self {
        let mut message = Message::new(Some(text.into()));
        message.referral = Some(json!({
            "ref": reference.into(),
            "ad_id": ad_id.into(),
            "source": "ADS",
            "type": "OPEN_THREAD",
            "ads_context_data": {"ad_title": "Simulated ad", "photo_url": ids::cdn_url()},
        }));
        Self::message(igsid, message)
    }

    /// A reaction to a message: `emoji` as the customer chose it, `reaction` as
    /// Meta names it (love, like, laugh, wow, sad, angry, other).
    pub fn reaction(
        igsid: impl Into<String>,
        target_mid: impl Into<String>,
        emoji: impl Into<String>,
        reaction: impl Into<String>,
    ) -> Self {
        let reaction = Reaction {
            mid: target_mid.into(),
            action: "react",
            reaction: Some(reaction.into()),
            emoji: Some(emoji.into()),
        };
        Self::messaging(igsid, Body::Reaction(reaction))
    }

    /// The removal of a reaction; Meta omits `reaction` and `emoji`.
    pub fn unreact(igsid: impl Into<String>, target_mid: impl Into<String>) -> Self {
        let reaction = Reaction {
            mid: target_mid.into(),
            action: "unreact",
            reaction: None,
            emoji: None,
        };
        Self::messaging(igsid, Body::Reaction(reaction))
    }

    /// A read receipt up to and including `mid`.
    pub fn read(igsid: impl Into<String>, mid: impl Into<String>) -> Self {
        Self::messaging(igsid, Body::Read(Read { mid: mid.into() }))
    }

    /// A message the business sent from the Instagram app, echoed back.
    pub fn echo(igsid: impl Into<String>, text: impl Into<String>) -> Self {
        let mut message = Message::new(Some(text.into()));
        message.is_echo = true;
        Self::message(igsid, message).sent_by_business()
    }

    /// The customer unsent message `mid`; Meta reuses the original mid.
    pub fn deleted(igsid: impl Into<String>, mid: impl Into<String>) -> Self {
        let mut message = Message::new(None);
        message.mid = mid.into();
        message.is_deleted = true;
        Self::message(igsid, message)
    }

    /// A message Meta cannot represent over the API.
    pub fn unsupported(igsid: impl Into<String>) -> Self {
        let mut message = Message::new(None);
        message.is_unsupported = true;
        Self::message(igsid, message)
    }

    /// A top-level comment on the business's media (`media_product_type` is
    /// FEED, REELS, STORY or AD).
    pub fn comment(
        from_igsid: impl Into<String>,
        username: impl Into<String>,
        text: impl Into<String>,
        media_id: impl Into<String>,
        media_product_type: impl Into<String>,
    ) -> Self {
        Self::comment_event(
            from_igsid.into(),
            username.into(),
            text.into(),
            media_id.into(),
            media_product_type.into(),
            None,
        )
    }

    /// A reply to an earlier comment (`parent_id` set).
    pub fn comment_reply(
        from_igsid: impl Into<String>,
        username: impl Into<String>,
        text: impl Into<String>,
        media_id: impl Into<String>,
        parent_comment_id: impl Into<String>,
    ) -> Self {
        let parent = Some(parent_comment_id.into());
        Self::comment_event(
            from_igsid.into(),
            username.into(),
            text.into(),
            media_id.into(),
            "FEED".into(),
            parent,
        )
    }

    fn comment_event(
        from: String,
        username: String,
        text: String,
        media_id: String,
        media_product_type: String,
        parent_id: Option<String>,
    ) -> Self {
        let value = CommentValue {
            id: ids::new_comment_id(),
            parent_id,
            text,
            from: json!({"id": from, "username": username}),
            media: json!({"id": media_id, "media_product_type": media_product_type}),
        };
        Event {
            kind: EventKind::Change {
                field: "comments".into(),
                value,
            },
            timestamp_ms: ids::now_ms(),
        }
    }

    /// A messaging item with an event key this simulator does not model (one
    /// Meta may add later, e.g. `message_edit`), carrying `value` as given.
    pub fn unknown(igsid: impl Into<String>, key: impl Into<String>, value: Value) -> Self {
        Self::messaging(igsid, Body::Other(key.into(), value))
    }

    /// The same event delivered under `standby[]`, as Meta does while another
    /// app owns the thread. Comments are unaffected.
    pub fn standby(mut self) -> Self {
        if let EventKind::Messaging { standby, .. } = &mut self.kind {
            *standby = true;
        }
        self
    }

    /// Replace the generated mid (to redeliver or to script exact ids).
    pub fn with_mid(mut self, mid: impl Into<String>) -> Self {
        match &mut self.kind {
            EventKind::Messaging {
                body: Body::Message(m),
                ..
            } => m.mid = mid.into(),
            EventKind::Messaging {
                body: Body::Postback(p),
                ..
            } => p.mid = mid.into(),
            EventKind::Change { value, .. } => value.id = mid.into(),
            _ => {}
        }
        self
    }

    /// Replace the timestamp (milliseconds since the epoch).
    pub fn with_timestamp_ms(mut self, timestamp_ms: i64) -> Self {
        self.timestamp_ms = timestamp_ms;
        self
    }

    fn sent_by_business(mut self) -> Self {
        if let EventKind::Messaging { from_business, .. } = &mut self.kind {
            *from_business = true;
        }
        self
    }

    /// The event's own message id (messages, echoes, deletions, postbacks).
    /// Reactions and reads point at another message and have none.
    pub fn mid(&self) -> Option<&str> {
        match &self.kind {
            EventKind::Messaging {
                body: Body::Message(m),
                ..
            } => Some(&m.mid),
            EventKind::Messaging {
                body: Body::Postback(p),
                ..
            } => Some(&p.mid),
            _ => None,
        }
    }

    /// The item's event key (`message`, `reaction`, …), or the change's field (`comments`).
    pub fn key(&self) -> &str {
        match &self.kind {
            EventKind::Messaging { body, .. } => body.key(),
            EventKind::Change { field, .. } => field,
        }
    }

    /// The comment id of a comment event.
    pub fn comment_id(&self) -> Option<&str> {
        match &self.kind {
            EventKind::Change { value, .. } => Some(&value.id),
            EventKind::Messaging { .. } => None,
        }
    }

    /// The customer's IGSID (the sender, or the recipient of an echo).
    pub fn igsid(&self) -> &str {
        match &self.kind {
            EventKind::Messaging { igsid, .. } => igsid,
            EventKind::Change { value, .. } => value.from["id"].as_str().unwrap_or_default(),
        }
    }

    pub fn timestamp_ms(&self) -> i64 {
        self.timestamp_ms
    }

    /// Whether delivering this event means the customer has consented to profile
    /// lookups: Meta allows them once the user sent a DM or tapped a button.
    pub(crate) fn gives_consent(&self) -> bool {
        match &self.kind {
            EventKind::Messaging {
                from_business: false,
                body: Body::Message(m),
                ..
            } => !m.is_echo,
            EventKind::Messaging {
                from_business: false,
                body: Body::Postback(_),
                ..
            } => true,
            _ => false,
        }
    }
}

fn post_payload(media_id: String, url: String, caption: String) -> Value {
    json!({"ig_post_media_id": media_id, "title": caption, "url": url})
}
