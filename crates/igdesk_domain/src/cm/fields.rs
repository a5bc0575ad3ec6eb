//! Checks of single fields shared by quick replies and cards: labels, postback data,
//! URLs, lengths. Each refusal names the field as the caller wrote it.

use super::envelope::Suggestion;
use super::media::is_http_url;
use super::rich::{MAX_LABEL_CHARS, MAX_POSTBACK_CHARS};
use super::MsgRefusal;

/// A suggestion with where it was written, so a refusal points at the caller's JSON
/// even after `richContent.suggestions` were folded into the last item.
pub(super) struct Named<'a> {
    pub list: String,
    pub index: usize,
    pub s: &'a Suggestion,
}

impl Named<'_> {
    pub fn path(&self, field: &str) -> String {
        format!("{}[{}].{field}", self.list, self.index)
    }
}

pub(super) fn named(list: String, suggestions: &[Suggestion]) -> Vec<Named<'_>> {
    let name = |(index, s)| Named {
        list: list.clone(),
        index,
        s,
    };
    suggestions.iter().enumerate().map(name).collect()
}

pub(super) fn has_action(n: &Named) -> Result<(), MsgRefusal> {
    if n.s.action.is_empty() {
        return Err(MsgRefusal::field(
            &n.path("action"),
            "is required (Reply or OpenUrl)",
        ));
    }
    Ok(())
}

pub(super) fn label(n: &Named) -> Result<String, MsgRefusal> {
    let path = n.path("label");
    let label = n.s.label.as_deref();
    let label = label.ok_or_else(|| MsgRefusal::field(&path, "is required"))?;
    max_chars(&path, label, MAX_LABEL_CHARS)?;
    Ok(label.to_owned())
}

pub(super) fn postback(n: &Named) -> Result<String, MsgRefusal> {
    let path = n.path("postbackdata");
    let data = n.s.postback_data.as_deref();
    let data = data.ok_or_else(|| MsgRefusal::field(&path, "is required"))?;
    max_chars(&path, data, MAX_POSTBACK_CHARS)?;
    Ok(data.to_owned())
}

pub(super) fn max_chars(path: &str, s: &str, limit: usize) -> Result<(), MsgRefusal> {
    let n = s.chars().count();
    if n > limit {
        let why = format!("at most {limit} characters (got {n})");
        return Err(MsgRefusal::field(path, why));
    }
    Ok(())
}

pub(super) fn http_url(path: &str, url: &str) -> Result<(), MsgRefusal> {
    if is_http_url(url) {
        Ok(())
    } else {
        Err(MsgRefusal::field(path, "must be an http(s) URL"))
    }
}

/// CM.com's spelling of an action, for messages.
pub(super) fn action_name(action: &str) -> String {
    match action {
        "reply" => "Reply".into(),
        "openurl" => "OpenUrl".into(),
        other => other.to_owned(),
    }
}
