//! What Meta learns when an event happens, as the Graph side needs it: who last
//! wrote (the messaging window), which messages and comments exist, and the
//! echoes Meta sends back for the business's own messages.

use serde_json::Value;

use super::event::Event;
use super::shapes::{Body, CommentValue, EventKind, Message};

/// The facts one event establishes.
#[derive(Debug)]
pub(crate) enum Fact<'a> {
    /// A DM from the customer: reopens the window, can be reacted to, and is
    /// part of the thread.
    CustomerMessage {
        mid: &'a str,
        text: Option<&'a str>,
        story_mention: bool,
    },
    /// A postback or referral: the customer acted in the thread, which reopens
    /// the window, but there is no message to react to.
    CustomerSignal,
    /// The business's own message (an echo).
    BusinessMessage {
        mid: &'a str,
        text: Option<&'a str>,
    },
    /// The customer unsent message `mid`.
    Deleted {
        mid: &'a str,
    },
    Comment(&'a CommentValue),
    /// Reactions, reads, and keys the simulator does not model: no new facts.
    Nothing,
}

impl Event {
    pub(crate) fn fact(&self) -> Fact<'_> {
        match &self.kind {
            EventKind::Change { field, value } => match field.as_str() {
                "comments" | "live_comments" => Fact::Comment(value),
                _ => Fact::Nothing,
            },
            EventKind::Messaging {
                from_business,
                body,
                ..
            } => match body {
                Body::Message(m) if *from_business || m.is_echo => Fact::BusinessMessage {
                    mid: &m.mid,
                    text: m.text.as_deref(),
                },
                Body::Message(m) if m.is_deleted => Fact::Deleted { mid: &m.mid },
                Body::Message(m) => Fact::CustomerMessage {
                    mid: &m.mid,
                    text: m.text.as_deref(),
                    story_mention: m.attachments.iter().any(|a| a["type"] == "story_mention"),
                },
                Body::Postback(_) | Body::Referral(_) => Fact::CustomerSignal,
                Body::Reaction(_) | Body::Read(_) | Body::Other(..) => Fact::Nothing,
            },
        }
    }

    /// The URL of the Story a customer's message mentions the business in, if it is
    /// a Story mention.
    pub(crate) fn story_mention_url(&self) -> Option<&str> {
        let Fact::CustomerMessage {
            story_mention: true,
            ..
        } = self.fact()
        else {
            return None;
        };
        let EventKind::Messaging {
            body: Body::Message(m),
            ..
        } = &self.kind
        else {
            return None;
        };
        m.attachments
            .iter()
            .find(|a| a["type"] == "story_mention")
            .and_then(|a| a["payload"]["url"].as_str())
    }

    /// The echo Meta delivers for a message the business sent through the Send
    /// API: the same mid, sent by the business to `igsid`.
    pub(crate) fn sent_echo(
        igsid: &str,
        mid: &str,
        text: Option<String>,
        attachments: Vec<Value>,
        timestamp_ms: i64,
    ) -> Event {
        let mut message = Message::new(text);
        message.mid = mid.to_owned();
        message.is_echo = true;
        message.attachments = attachments;
        Event {
            kind: EventKind::Messaging {
                igsid: igsid.to_owned(),
                from_business: true,
                standby: false,
                body: Body::Message(message),
            },
            timestamp_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::webhook::Delivery;

    #[test]
    fn facts_of_each_kind() {
        let text = Event::text("1", "hi");
        assert!(matches!(
            text.fact(),
            Fact::CustomerMessage {
                text: Some("hi"),
                story_mention: false,
                ..
            }
        ));
        let story = Event::attachment("1", "story_mention", "https://cdn/x");
        assert!(matches!(
            story.fact(),
            Fact::CustomerMessage {
                story_mention: true,
                ..
            }
        ));
        assert!(matches!(
            Event::postback("1", "A", "B").fact(),
            Fact::CustomerSignal
        ));
        assert!(matches!(
            Event::referral("1", "r", "SHORTLINKS").fact(),
            Fact::CustomerSignal
        ));
        assert!(matches!(
            Event::echo("1", "x").fact(),
            Fact::BusinessMessage { .. }
        ));
        assert!(matches!(
            Event::deleted("1", "m").fact(),
            Fact::Deleted { mid: "m" }
        ));
        assert!(matches!(Event::read("1", "m").fact(), Fact::Nothing));
        assert!(matches!(
            Event::reaction("1", "m", "❤", "love").fact(),
            Fact::Nothing
        ));
        let comment = Event::comment("1", "ana", "price?", "181", "FEED");
        assert!(matches!(comment.fact(), Fact::Comment(_)));
    }

    #[test]
    fn sent_echo_has_meta_shape() {
        let image = json!({"type": "image", "payload": {"url": "https://cdn/i.jpg"}});
        let echo = Event::sent_echo(
            "1000001",
            "mid.1",
            None,
            vec![image.clone()],
            1_700_000_000_000,
        );
        let json = Delivery::new("178").push(echo).to_json();
        let item = &json["entry"][0]["messaging"][0];
        assert_eq!(item["sender"], json!({"id": "178"}));
        assert_eq!(item["recipient"], json!({"id": "1000001"}));
        assert_eq!(item["timestamp"], 1_700_000_000_000_i64);
        assert_eq!(
            item["message"],
            json!({"mid": "mid.1", "attachments": [image], "is_echo": true})
        );
    }
}
