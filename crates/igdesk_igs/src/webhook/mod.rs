//! Webhook deliveries as Meta POSTs them: the `{"object":"instagram","entry":[…]}`
//! envelope, Meta's byte encoding, and the `X-Hub-Signature-256` signature.

mod event;
mod observe;
mod serialize;
mod shapes;
#[cfg(test)]
mod tests;

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use event::Event;
pub(crate) use observe::Fact;

use shapes::EventKind;

/// One signed POST body: entries for one or more business accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    business_ig_id: String,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub ig_id: String,
    pub section: Section,
    pub events: Vec<Event>,
}

/// Which array of an entry an event goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Messaging,
    Standby,
    Changes,
}

impl Section {
    fn of(event: &Event) -> Self {
        match &event.kind {
            EventKind::Messaging { standby: true, .. } => Section::Standby,
            EventKind::Messaging { .. } => Section::Messaging,
            EventKind::Change { .. } => Section::Changes,
        }
    }
}

impl Delivery {
    /// An empty delivery whose events default to `business_ig_id`'s entry.
    pub fn new(business_ig_id: impl Into<String>) -> Self {
        Delivery {
            business_ig_id: business_ig_id.into(),
            entries: Vec::new(),
        }
    }

    /// Add an event for the default business account.
    #[must_use]
    pub fn push(self, event: Event) -> Self {
        let ig_id = self.business_ig_id.clone();
        self.push_for(ig_id, event)
    }

    /// Add an event for another business account. Consecutive events for the same
    /// account and array share one entry, as in Meta's batches.
    #[must_use]
    pub fn push_for(mut self, ig_id: impl Into<String>, event: Event) -> Self {
        let ig_id = ig_id.into();
        let section = Section::of(&event);
        match self.entries.last_mut() {
            Some(last) if last.ig_id == ig_id && last.section == section => last.events.push(event),
            _ => self.entries.push(Entry {
                ig_id,
                section,
                events: vec![event],
            }),
        }
        self
    }

    /// The default business account id.
    pub fn business_ig_id(&self) -> &str {
        &self.business_ig_id
    }

    /// Every event with the business account it is delivered for, in order.
    pub fn events(&self) -> impl Iterator<Item = (&str, &Event)> {
        self.entries
            .iter()
            .flat_map(|entry| entry.events.iter().map(move |e| (entry.ig_id.as_str(), e)))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The body exactly as Meta sends it: compact JSON with every non-ASCII
    /// character escaped as `\uXXXX` (Meta signs and sends that form).
    pub fn to_bytes(&self) -> Vec<u8> {
        serialize::to_meta_bytes(&serialize::Envelope {
            entries: &self.entries,
        })
    }

    /// The body as a JSON value (for assertions).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.to_bytes()).expect("a delivery is always valid JSON")
    }

    /// The same delivery with the messaging events of the threads `elsewhere`
    /// names (business, IGSID: owned by another app) under `standby[]`, as Meta
    /// sends them; `None` when no event moves.
    pub(crate) fn on_standby(&self, elsewhere: impl Fn(&str, &str) -> bool) -> Option<Delivery> {
        if !self.events().any(|(ig_id, e)| elsewhere(ig_id, e.igsid())) {
            return None;
        }
        let mut moved = Delivery::new(self.business_ig_id.clone());
        for (ig_id, event) in self.events() {
            let event = match elsewhere(ig_id, event.igsid()) {
                true => event.clone().standby(),
                false => event.clone(),
            };
            moved = moved.push_for(ig_id, event);
        }
        Some(moved)
    }

    /// The entries whose business satisfies `keep`, and the others, each in
    /// order as they were.
    pub(crate) fn split(&self, keep: impl Fn(&str) -> bool) -> (Delivery, Delivery) {
        let (kept, left): (Vec<Entry>, Vec<Entry>) =
            self.entries.iter().cloned().partition(|e| keep(&e.ig_id));
        let with = |entries| Delivery {
            business_ig_id: self.business_ig_id.clone(),
            entries,
        };
        (with(kept), with(left))
    }

    /// The businesses this delivery has entries for, each once, in order.
    pub(crate) fn business_ig_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for entry in &self.entries {
            if !ids.contains(&entry.ig_id) {
                ids.push(entry.ig_id.clone());
            }
        }
        ids
    }

    /// (business, IGSID) pairs whose profiles become readable once this is delivered.
    pub(crate) fn consents(&self) -> Vec<(String, String)> {
        self.events()
            .filter(|(_, e)| e.gives_consent())
            .map(|(ig_id, e)| (ig_id.to_owned(), e.igsid().to_owned()))
            .collect()
    }
}

/// `sha256=<lowercase hex HMAC-SHA256(body, secret)>`, the value of Meta's
/// `X-Hub-Signature-256` header.
pub fn sign_body(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A Unix time in seconds, as comment entries carry it.
pub(crate) fn seconds(ms: i64) -> i64 {
    ms.div_euclid(1000)
}
