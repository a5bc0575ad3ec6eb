//! Automatic-reply rules: what in a customer's message a rule looks for, what igdesk
//! does when it matches, and the matching itself. Rules are checked in their order and
//! the first that matches wins.

use super::Invalid;
use crate::rules::{check_text, Channel};
use crate::timeline::{ItemContext, ItemKind};
use crate::{InboxId, RuleId, TopicId};
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const NAME_CHARS: usize = 80;
pub const MAX_KEYWORDS: usize = 20;
pub const KEYWORD_CHARS: usize = 100;
/// A pattern's length as written: rules are read by people, not generated.
pub const PATTERN_CHARS: usize = 500;
/// What a compiled pattern may take in memory: a small pattern can still expand to
/// a large automaton (`\w{1000}`), and every customer message runs through it.
pub const PATTERN_COMPILED_BYTES: usize = 256 * 1024;
/// Meta's limits on quick replies (API-2).
pub const MAX_QUICK_REPLIES: usize = 13;
pub const QUICK_REPLY_TITLE_CHARS: usize = 20;
pub const PAYLOAD_CHARS: usize = 1_000;

/// What a rule looks for in a customer's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// Any of these words or phrases in the text, as whole words, in any case.
    Keywords { keywords: Vec<String> },
    /// A regular expression (Rust's `regex` syntax) found in the text; `(?i)` for any case.
    Regex { pattern: String },
    /// A quick reply or button (postback) whose payload is exactly this.
    Payload { payload: String },
    /// The customer mentioned the business in their Story.
    StoryMention,
    /// A comment on the post or reel with this media id.
    CommentOnPost { post_id: String },
}

impl Trigger {
    /// In words, for the settings page.
    pub fn describe(&self) -> String {
        match self {
            Trigger::Keywords { keywords } => format!("Keywords: {}", keywords.join(", ")),
            Trigger::Regex { pattern } => format!("Pattern: {pattern}"),
            Trigger::Payload { payload } => format!("Quick reply or button: {payload}"),
            Trigger::StoryMention => "Story mention".into(),
            Trigger::CommentOnPost { post_id } => format!("Comment on post {post_id}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuickReply {
    /// At most 20 characters (Meta's limit).
    pub title: String,
    /// What comes back as the quick reply's payload when the customer taps it.
    pub payload: String,
}

/// A rule as administrators set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: RuleId,
    pub name: String,
    /// `None`: the rule applies in every inbox.
    pub inbox_id: Option<InboxId>,
    /// Rules are checked by position, then id.
    pub position: i64,
    pub enabled: bool,
    pub trigger: Trigger,
    pub actions: Actions,
}

/// What igdesk does when a rule matches; at least one of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actions {
    /// Sent to the customer; to a comment, as a private reply.
    pub reply_text: Option<String>,
    /// Offered under the reply (messages only).
    pub quick_replies: Vec<QuickReply>,
    /// Added to the conversation.
    pub topic_id: Option<TopicId>,
    /// The conversation moves to this inbox while nobody has it.
    pub route_to_inbox_id: Option<InboxId>,
}

/// The parts of a customer's item rules look at.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    pub kind: ItemKind,
    pub text: Option<&'a str>,
    pub context: &'a ItemContext,
}

impl Incoming<'_> {
    fn payload(&self) -> Option<&str> {
        self.context.quick_reply_payload.as_deref().or_else(|| {
            self.context
                .postback
                .as_ref()
                .and_then(|p| p.payload.as_deref())
        })
    }
}

/// A pattern compiled within the bounds rules allow.
pub fn compile_pattern(pattern: &str) -> Result<Regex, Invalid> {
    if pattern.trim().is_empty() || pattern.chars().count() > PATTERN_CHARS {
        return Err(Invalid::new(
            "when.pattern",
            "invalid_pattern",
            format!("a pattern has 1 to {PATTERN_CHARS} characters"),
        ));
    }
    RegexBuilder::new(pattern)
        .size_limit(PATTERN_COMPILED_BYTES)
        .dfa_size_limit(PATTERN_COMPILED_BYTES)
        .build()
        .map_err(|e| {
            let why = match e {
                regex::Error::CompiledTooBig(_) => "the pattern is too large once compiled".into(),
                e => e.to_string().lines().last().unwrap_or_default().to_owned(),
            };
            Invalid::new(
                "when.pattern",
                "invalid_pattern",
                format!("not a regular expression igdesk can use: {why}"),
            )
        })
}

/// A rule ready to be matched: its pattern compiled once, its keywords lower-cased.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub rule: Rule,
    matcher: Matcher,
}

#[derive(Debug, Clone)]
enum Matcher {
    Keywords(Vec<String>),
    Regex(Regex),
    /// A stored pattern that no longer compiles (a newer limit): matches nothing.
    Never,
    Other,
}

impl Compiled {
    pub fn new(rule: Rule) -> Self {
        let matcher = match &rule.trigger {
            Trigger::Keywords { keywords } => Matcher::Keywords(
                keywords
                    .iter()
                    .map(|k| k.trim().to_lowercase())
                    .filter(|k| !k.is_empty())
                    .collect(),
            ),
            Trigger::Regex { pattern } => match compile_pattern(pattern) {
                Ok(regex) => Matcher::Regex(regex),
                Err(_) => Matcher::Never,
            },
            _ => Matcher::Other,
        };
        Compiled { rule, matcher }
    }

    /// Whether this rule applies to `inbox` and matches `item`.
    pub fn matches(&self, inbox: InboxId, item: &Incoming) -> bool {
        if !self.rule.enabled || self.rule.inbox_id.is_some_and(|i| i != inbox) {
            return false;
        }
        let text = item.text.unwrap_or_default();
        match (&self.rule.trigger, &self.matcher) {
            (Trigger::Keywords { .. }, Matcher::Keywords(words)) => {
                item.kind != ItemKind::StoryMention
                    && !text.is_empty()
                    && has_any_word(&text.to_lowercase(), words)
            }
            (Trigger::Regex { .. }, Matcher::Regex(regex)) => {
                item.kind != ItemKind::StoryMention && !text.is_empty() && regex.is_match(text)
            }
            (Trigger::Payload { payload }, _) => item.payload() == Some(payload.as_str()),
            (Trigger::StoryMention, _) => item.kind == ItemKind::StoryMention,
            (Trigger::CommentOnPost { post_id }, _) => {
                item.kind == ItemKind::Comment
                    && item
                        .context
                        .post
                        .as_ref()
                        .and_then(|p| p.media_id.as_deref())
                        == Some(post_id.as_str())
            }
            _ => false,
        }
    }
}

/// The first rule (in order) that applies to `inbox` and matches `item`.
pub fn first_match<'r>(rules: &'r [Compiled], inbox: InboxId, item: &Incoming) -> Option<&'r Rule> {
    rules
        .iter()
        .find(|r| r.matches(inbox, item))
        .map(|r| &r.rule)
}

/// Whether `text` (lower-cased) holds one of `words` with no letter or digit either
/// side: "price" matches "Price?" but not "priceless".
fn has_any_word(text: &str, words: &[String]) -> bool {
    words.iter().any(|word| {
        text.match_indices(word.as_str()).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + word.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

/// Checks a rule as given (before ids exist): the name, what it looks for, and that it
/// does something within Instagram's limits.
pub fn validate(name: &str, trigger: &Trigger, actions: &Actions) -> Result<(), Invalid> {
    let chars = name.trim().chars().count();
    if chars == 0 || chars > NAME_CHARS {
        return Err(Invalid::new(
            "name",
            "invalid_name",
            format!("a rule needs a name of 1 to {NAME_CHARS} characters"),
        ));
    }
    match trigger {
        Trigger::Keywords { keywords } => {
            let words: Vec<&str> = keywords
                .iter()
                .map(|k| k.trim())
                .filter(|k| !k.is_empty())
                .collect();
            if words.is_empty() || words.len() > MAX_KEYWORDS {
                return Err(Invalid::new(
                    "when.keywords",
                    "invalid_keywords",
                    format!("give 1 to {MAX_KEYWORDS} keywords"),
                ));
            }
            if words.iter().any(|w| w.chars().count() > KEYWORD_CHARS) {
                return Err(Invalid::new(
                    "when.keywords",
                    "invalid_keywords",
                    format!("a keyword has at most {KEYWORD_CHARS} characters"),
                ));
            }
        }
        Trigger::Regex { pattern } => {
            compile_pattern(pattern)?;
        }
        Trigger::Payload { payload } => {
            let chars = payload.chars().count();
            if payload.trim().is_empty() || chars > PAYLOAD_CHARS {
                return Err(Invalid::new(
                    "when.payload",
                    "invalid_payload",
                    format!("a payload has 1 to {PAYLOAD_CHARS} characters"),
                ));
            }
        }
        Trigger::StoryMention => {}
        Trigger::CommentOnPost { post_id } => {
            let id = post_id.trim();
            if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_digit()) {
                return Err(Invalid::new(
                    "when.post_id",
                    "invalid_post_id",
                    "a post id is the post's number on Instagram (its media id)",
                ));
            }
        }
    }
    check_actions(trigger, actions)
}

fn check_actions(trigger: &Trigger, actions: &Actions) -> Result<(), Invalid> {
    let text = actions
        .reply_text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if text.is_none() && actions.topic_id.is_none() && actions.route_to_inbox_id.is_none() {
        return Err(Invalid::new(
            "reply_text",
            "nothing_to_do",
            "a rule answers, adds a topic or routes: give at least one",
        ));
    }
    if let Some(text) = text {
        check_text(text, Channel::Api)
            .map_err(|e| Invalid::new("reply_text", e.code(), e.to_string()))?;
    }
    if actions.quick_replies.is_empty() {
        return Ok(());
    }
    if text.is_none() {
        return Err(Invalid::new(
            "quick_replies",
            "quick_replies_without_text",
            "quick replies are offered under a reply: give its text",
        ));
    }
    if matches!(trigger, Trigger::CommentOnPost { .. }) {
        return Err(Invalid::new(
            "quick_replies",
            "quick_replies_on_comment",
            "a comment is answered by a private reply, which carries text only",
        ));
    }
    if actions.quick_replies.len() > MAX_QUICK_REPLIES {
        return Err(Invalid::new(
            "quick_replies",
            "too_many_quick_replies",
            format!("at most {MAX_QUICK_REPLIES} quick replies"),
        ));
    }
    for q in &actions.quick_replies {
        let title = q.title.trim().chars().count();
        if title == 0 || title > QUICK_REPLY_TITLE_CHARS {
            return Err(Invalid::new(
                "quick_replies",
                "invalid_quick_reply",
                format!("a quick reply's title has 1 to {QUICK_REPLY_TITLE_CHARS} characters"),
            ));
        }
        if q.payload.trim().is_empty() || q.payload.chars().count() > PAYLOAD_CHARS {
            return Err(Invalid::new(
                "quick_replies",
                "invalid_quick_reply",
                format!("a quick reply's payload has 1 to {PAYLOAD_CHARS} characters"),
            ));
        }
    }
    Ok(())
}

/// Meta's `message` object for a rule's reply: text, with its quick replies.
pub fn reply_message(text: &str, quick_replies: &[QuickReply]) -> serde_json::Value {
    if quick_replies.is_empty() {
        return serde_json::json!({ "text": text });
    }
    let quick: Vec<serde_json::Value> = quick_replies
        .iter()
        .map(
            |q| serde_json::json!({"content_type": "text", "title": q.title, "payload": q.payload}),
        )
        .collect();
    serde_json::json!({ "text": text, "quick_replies": quick })
}
