//! Automatic replies (OUT-9): business hours per inbox (an away message outside them,
//! a greeting for a customer's first message within them) and rules (what in a
//! message igdesk answers by itself). Decided in processing, in the transaction that
//! adds the customer's item; sent through the outbox as `author = automatic`, so they
//! are never tagged `HUMAN_AGENT`, are refused after 24 hours and never meet the SLA.

pub mod hours;
pub mod rule;

pub use hours::{BusinessHours, OpenRange, Weekly};
pub use rule::{Actions, Compiled, Incoming, QuickReply, Rule, Trigger};

use crate::time::HOUR;
use crate::Millis;

/// A rule answers a customer at most once in this long (a rule cannot flood).
pub const RULE_REPLY_EVERY: Millis = HOUR;

/// Why an automatic reply was sent, as stored and as the timeline labels it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Away,
    Greeting,
    Rule,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Away => "away",
            Reason::Greeting => "greeting",
            Reason::Rule => "rule",
        }
    }

    /// In words, on the timeline: "Automatic reply · Away message".
    pub fn label(self, rule_name: Option<&str>) -> String {
        match (self, rule_name) {
            (Reason::Away, _) => "Away message".into(),
            (Reason::Greeting, _) => "Greeting".into(),
            (Reason::Rule, Some(name)) => format!("Rule: {name}"),
            (Reason::Rule, None) => "Rule".into(),
        }
    }
}

/// A value refused at the edge: the field at fault (as the JSON API names it), a
/// stable code and words for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Invalid {
            field,
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests;
