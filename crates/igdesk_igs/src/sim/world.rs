//! Meta's memory of what happened between customers and business accounts:
//! when each customer last wrote (the messaging window), the messages that can
//! be reacted to, the comments, and the threads the Conversations API lists.
//! It is fed by every delivered event, by test-given history and by the
//! messages the Send API accepts.

use std::collections::{HashMap, HashSet};

use super::records::{HistoryMessage, TrackedComment};
use crate::ids;
use crate::webhook::{Event, Fact};

/// (business ig_id, IGSID).
pub(crate) type Pair = (String, String);

fn pair(business: &str, igsid: &str) -> Pair {
    (business.to_owned(), igsid.to_owned())
}

/// A message a customer sent, as reactions need to know it.
#[derive(Debug, Clone)]
pub(crate) struct CustomerMessage {
    pub business: String,
    pub igsid: String,
    pub at_ms: i64,
    pub story_mention: bool,
    pub deleted: bool,
}

/// One business–customer thread. Every message has its mid set.
#[derive(Debug, Clone)]
pub(crate) struct Thread {
    pub id: String,
    pub messages: Vec<HistoryMessage>,
}

impl Thread {
    /// The newest messages first, at most `limit` (Meta returns only the 20 newest).
    pub fn newest(&self, limit: usize) -> Vec<&HistoryMessage> {
        let mut messages: Vec<&HistoryMessage> = self.messages.iter().collect();
        // Stable sort: equal timestamps keep arrival order, reversed below.
        messages.sort_by_key(|m| m.at_ms);
        messages.into_iter().rev().take(limit).collect()
    }

    pub fn updated_ms(&self) -> i64 {
        self.messages.iter().map(|m| m.at_ms).max().unwrap_or(0)
    }
}

#[derive(Debug, Default)]
pub(crate) struct World {
    /// The timestamp of the customer's latest DM-type event.
    last_dm: HashMap<Pair, i64>,
    /// Customers seen writing, commenting or in history: they exist on Instagram.
    known: HashSet<Pair>,
    /// Customer messages by mid.
    messages: HashMap<String, CustomerMessage>,
    pub comments: HashMap<String, TrackedComment>,
    pub threads: HashMap<Pair, Thread>,
    /// (business, a thread's id or one of its mids) to the thread's customer:
    /// `GET /{id}` finds its thread without reading every thread of every business.
    thread_by_id: HashMap<Pair, String>,
}

impl World {
    /// Learn what `event`, delivered for `business`, establishes. The window
    /// opens at the event's own timestamp, and the latest delivery wins even if
    /// it is backdated: that is how tests move a customer's last message into
    /// the past.
    pub fn observe(&mut self, business: &str, event: &Event) {
        let igsid = event.igsid();
        let key = pair(business, igsid);
        let at_ms = event.timestamp_ms();
        match event.fact() {
            Fact::CustomerMessage {
                mid,
                text,
                story_mention,
            } => {
                self.last_dm.insert(key.clone(), at_ms);
                let message = CustomerMessage {
                    business: business.to_owned(),
                    igsid: igsid.to_owned(),
                    at_ms,
                    story_mention,
                    deleted: false,
                };
                self.messages.insert(mid.to_owned(), message);
                self.add_to_thread(business, igsid, true, text, mid, at_ms);
            }
            Fact::CustomerSignal => {
                self.last_dm.insert(key.clone(), at_ms);
            }
            Fact::BusinessMessage { mid, text } => {
                self.add_to_thread(business, igsid, false, text, mid, at_ms);
            }
            Fact::Deleted { mid } => {
                if let Some(message) = self.messages.get_mut(mid) {
                    message.deleted = true;
                }
                if let Some(thread) = self.threads.get_mut(&key) {
                    thread.messages.retain(|m| m.mid.as_deref() != Some(mid));
                    self.thread_by_id.remove(&pair(business, mid));
                }
            }
            Fact::Comment(value) => {
                let comment = TrackedComment {
                    id: value.id.clone(),
                    business_ig_id: business.to_owned(),
                    author_igsid: igsid.to_owned(),
                    author_username: value.from["username"].as_str().unwrap_or("").to_owned(),
                    text: value.text.clone(),
                    media_id: value.media["id"].as_str().unwrap_or("").to_owned(),
                    parent_id: value.parent_id.clone(),
                    at_ms,
                    hidden: false,
                    deleted: false,
                    private_reply_mid: None,
                };
                // A redelivery must not forget a private reply or a hide.
                self.comments.entry(comment.id.clone()).or_insert(comment);
            }
            Fact::Nothing => {}
        }
        self.known.insert(key);
    }

    /// Add test-given history; the mids, generated where missing. Customer
    /// messages count as messages (consent, window, reactions) like delivered ones.
    pub fn add_history(
        &mut self,
        business: &str,
        igsid: &str,
        history: Vec<HistoryMessage>,
    ) -> Vec<String> {
        self.known.insert(pair(business, igsid));
        let mut mids = Vec::with_capacity(history.len());
        for message in history {
            let mid = message.mid.unwrap_or_else(ids::new_mid);
            if message.from_customer {
                let last = self.last_dm.entry(pair(business, igsid)).or_insert(0);
                *last = (*last).max(message.at_ms);
                let record = CustomerMessage {
                    business: business.to_owned(),
                    igsid: igsid.to_owned(),
                    at_ms: message.at_ms,
                    story_mention: message.story_mention.is_some(),
                    deleted: false,
                };
                self.messages.insert(mid.clone(), record);
            }
            let thread = self.thread_of(business, igsid);
            if !thread
                .messages
                .iter()
                .any(|m| m.mid.as_deref() == Some(mid.as_str()))
            {
                thread.messages.push(HistoryMessage {
                    mid: Some(mid.clone()),
                    ..message
                });
                self.thread_by_id
                    .insert(pair(business, &mid), igsid.to_owned());
            }
            mids.push(mid);
        }
        mids
    }

    /// Append a message to its thread unless a message with that mid is there
    /// already (the echo of an accepted send, a redelivery).
    pub fn add_to_thread(
        &mut self,
        business: &str,
        igsid: &str,
        from_customer: bool,
        text: Option<&str>,
        mid: &str,
        at_ms: i64,
    ) {
        let thread = self.thread_of(business, igsid);
        if thread
            .messages
            .iter()
            .any(|m| m.mid.as_deref() == Some(mid))
        {
            return;
        }
        thread.messages.push(HistoryMessage {
            from_customer,
            text: text.unwrap_or_default().to_owned(),
            at_ms,
            mid: Some(mid.to_owned()),
            ..HistoryMessage::default()
        });
        self.thread_by_id
            .insert(pair(business, mid), igsid.to_owned());
    }

    fn thread_of(&mut self, business: &str, igsid: &str) -> &mut Thread {
        let thread_by_id = &mut self.thread_by_id;
        self.threads
            .entry(pair(business, igsid))
            .or_insert_with(|| {
                let id = ids::new_conversation_id();
                thread_by_id.insert(pair(business, &id), igsid.to_owned());
                Thread {
                    id,
                    messages: Vec::new(),
                }
            })
    }

    /// The customer whose thread with `business` has the conversation id or mid `id`.
    pub fn thread_customer(&self, business: &str, id: &str) -> Option<&str> {
        self.thread_by_id
            .get(&pair(business, id))
            .map(String::as_str)
    }

    pub fn last_customer_message_ms(&self, business: &str, igsid: &str) -> Option<i64> {
        self.last_dm.get(&pair(business, igsid)).copied()
    }

    pub fn is_known(&self, business: &str, igsid: &str) -> bool {
        self.known.contains(&pair(business, igsid))
    }

    pub fn customer_message(&self, mid: &str) -> Option<&CustomerMessage> {
        self.messages.get(mid)
    }

    /// The customer's newest message still there, what `mark_seen` marks seen.
    pub fn newest_customer_mid(&self, business: &str, igsid: &str) -> Option<String> {
        let thread = self.threads.get(&pair(business, igsid))?;
        let newest = thread.newest(usize::MAX);
        let message = newest.into_iter().find(|m| m.from_customer)?;
        message.mid.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_delivery_sets_the_window_and_deletions_leave_the_thread() {
        let mut world = World::default();
        let first = Event::text("1", "hi").with_timestamp_ms(5_000);
        let mid = first.mid().unwrap().to_owned();
        world.observe("b", &first);
        world.observe(
            "b",
            &Event::reaction("1", &mid, "❤", "love").with_timestamp_ms(9_000),
        );
        assert_eq!(world.last_customer_message_ms("b", "1"), Some(5_000));
        world.observe(
            "b",
            &Event::postback("1", "A", "B").with_timestamp_ms(2_000),
        );
        assert_eq!(world.last_customer_message_ms("b", "1"), Some(2_000));
        world.observe(
            "b",
            &Event::echo("1", "ok")
                .with_mid("e1")
                .with_timestamp_ms(6_000),
        );
        world.observe(
            "b",
            &Event::echo("1", "ok")
                .with_mid("e1")
                .with_timestamp_ms(6_000),
        );
        assert_eq!(world.threads[&pair("b", "1")].messages.len(), 2);
        world.observe("b", &Event::deleted("1", &mid));
        assert!(world.customer_message(&mid).unwrap().deleted);
        assert_eq!(world.threads[&pair("b", "1")].messages.len(), 1);
        assert!(world.is_known("b", "1") && !world.is_known("b", "2"));
    }

    #[test]
    fn history_keeps_given_mids_and_sorts_newest_first() {
        let mut world = World::default();
        let mut given = HistoryMessage::from_business("old", 1_000);
        given.mid = Some("given".into());
        let mids = world.add_history(
            "b",
            "1",
            vec![given, HistoryMessage::from_customer("new", 3_000)],
        );
        assert_eq!(mids[0], "given");
        let thread = &world.threads[&pair("b", "1")];
        let texts: Vec<&str> = thread.newest(20).iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["new", "old"]);
        assert_eq!(world.last_customer_message_ms("b", "1"), Some(3_000));
        assert_eq!(world.newest_customer_mid("b", "1").as_ref(), Some(&mids[1]));
    }

    #[test]
    fn a_thread_is_found_by_its_id_or_a_mid_within_its_business_only() {
        let mut world = World::default();
        let first = Event::text("1", "hi");
        let mid = first.mid().unwrap().to_owned();
        world.observe("b", &first);
        let given = world.add_history("b", "2", vec![HistoryMessage::from_business("x", 1)]);
        let thread_id = world.threads[&pair("b", "1")].id.clone();
        assert_eq!(world.thread_customer("b", &thread_id), Some("1"));
        assert_eq!(world.thread_customer("b", &mid), Some("1"));
        assert_eq!(world.thread_customer("b", &given[0]), Some("2"));
        assert_eq!(world.thread_customer("other", &mid), None);
        assert_eq!(
            world.thread_customer("b", "1"),
            None,
            "an IGSID is not a thread"
        );
        world.observe("b", &Event::deleted("1", &mid));
        assert_eq!(world.thread_customer("b", &mid), None);
        assert_eq!(world.thread_customer("b", &thread_id), Some("1"));
    }
}
