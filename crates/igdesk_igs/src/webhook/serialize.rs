//! Serialization of deliveries in Meta's field order and byte encoding.
//!
//! Typed structs (not `serde_json::Value`, whose maps sort keys) keep the field
//! order Meta uses (`sender`, `recipient`, `timestamp`, event key), so captured
//! payloads read like Meta's samples.

use std::io;

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use super::event::Event;
use super::shapes::{Body, EventKind};
use super::{seconds, Entry, Section};

pub(crate) struct Envelope<'a> {
    pub entries: &'a [Entry],
}

impl Serialize for Envelope<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("object", "instagram")?;
        map.serialize_entry("entry", &Entries(self.entries))?;
        map.end()
    }
}

struct Entries<'a>(&'a [Entry]);

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for entry in self.0 {
            seq.serialize_element(entry)?;
        }
        seq.end()
    }
}

impl Serialize for Entry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // entry.time is when Meta sent the batch: at or after its newest event.
        let newest = self
            .events
            .iter()
            .map(|e| e.timestamp_ms)
            .max()
            .unwrap_or(0);
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("id", &self.ig_id)?;
        match self.section {
            // Meta's IG messaging samples carry milliseconds, comment samples seconds.
            Section::Messaging | Section::Standby => map.serialize_entry("time", &newest)?,
            Section::Changes => map.serialize_entry("time", &seconds(newest))?,
        }
        let items = Items {
            ig_id: &self.ig_id,
            events: &self.events,
        };
        let key = match self.section {
            Section::Messaging => "messaging",
            Section::Standby => "standby",
            Section::Changes => "changes",
        };
        map.serialize_entry(key, &items)?;
        map.end()
    }
}

struct Items<'a> {
    ig_id: &'a str,
    events: &'a [Event],
}

impl Serialize for Items<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.events.len()))?;
        for event in self.events {
            seq.serialize_element(&Item {
                ig_id: self.ig_id,
                event,
            })?;
        }
        seq.end()
    }
}

struct Item<'a> {
    ig_id: &'a str,
    event: &'a Event,
}

#[derive(Serialize)]
struct Id<'a> {
    id: &'a str,
}

impl Serialize for Item<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.event.kind {
            EventKind::Messaging {
                igsid,
                from_business,
                body,
                ..
            } => {
                let (sender, recipient) = if *from_business {
                    (self.ig_id, igsid.as_str())
                } else {
                    (igsid.as_str(), self.ig_id)
                };
                let mut map = s.serialize_map(Some(4))?;
                map.serialize_entry("sender", &Id { id: sender })?;
                map.serialize_entry("recipient", &Id { id: recipient })?;
                map.serialize_entry("timestamp", &self.event.timestamp_ms)?;
                match body {
                    Body::Message(m) => map.serialize_entry("message", m)?,
                    Body::Postback(p) => map.serialize_entry("postback", p)?,
                    Body::Referral(r) => map.serialize_entry("referral", r)?,
                    Body::Reaction(r) => map.serialize_entry("reaction", r)?,
                    Body::Read(r) => map.serialize_entry("read", r)?,
                    Body::Other(key, value) => map.serialize_entry(key, value)?,
                }
                map.end()
            }
            EventKind::Change { field, value } => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("field", field)?;
                map.serialize_entry("value", value)?;
                map.end()
            }
        }
    }
}

/// Compact JSON with non-ASCII characters escaped as lowercase `\uXXXX`
/// (UTF-16 surrogate pairs beyond the BMP), the form Meta sends and signs.
pub(crate) fn to_meta_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, AsciiFormatter);
    value
        .serialize(&mut ser)
        .expect("serializing to a Vec cannot fail");
    out
}

struct AsciiFormatter;

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let bytes = fragment.as_bytes();
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if c.is_ascii() {
                continue;
            }
            writer.write_all(&bytes[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        writer.write_all(&bytes[start..])
    }
}
