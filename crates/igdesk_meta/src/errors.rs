//! Meta's Graph API errors, mapped to what igdesk should do about them.

use std::time::Duration;

/// What the caller should do after a failed Graph call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorAction {
    /// A passing fault: try again with backoff.
    RetryLater,
    /// Meta is throttling this app or account: slow down, then retry.
    BackOff,
    /// The access token no longer works: the account must be reconnected; hold its work.
    Reconnect,
    /// Retrying cannot help; record the reason and stop.
    GiveUp,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("Meta error {code}{}: {message}", subcode.map(|s| format!("/{s}")).unwrap_or_default())]
    Meta {
        http_status: u16,
        code: i64,
        subcode: Option<i64>,
        message: String,
        retry_after: Option<Duration>,
    },
    #[error("could not reach Meta: {0}")]
    Transport(String),
    #[error("Meta answered something unexpected: {0}")]
    Unexpected(String),
}

impl GraphError {
    pub fn action(&self) -> ErrorAction {
        match self {
            GraphError::Transport(_) => ErrorAction::RetryLater,
            GraphError::Unexpected(_) => ErrorAction::RetryLater,
            GraphError::Meta {
                http_status, code, ..
            } => action_for_code(*code, *http_status),
        }
    }

    /// The error with every occurrence of `secret` (an access token, an app
    /// secret) replaced: a message Meta or a proxy wrote may quote the request.
    pub fn redact(self, secret: &str) -> Self {
        // An empty pattern would match between every character.
        if secret.is_empty() {
            return self;
        }
        let clean = |text: String| text.replace(secret, "[redacted]");
        match self {
            GraphError::Meta {
                http_status,
                code,
                subcode,
                message,
                retry_after,
            } => GraphError::Meta {
                http_status,
                code,
                subcode,
                message: clean(message),
                retry_after,
            },
            GraphError::Transport(text) => GraphError::Transport(clean(text)),
            GraphError::Unexpected(text) => GraphError::Unexpected(clean(text)),
        }
    }

    /// Code 10/2018300: another app (Instagram's inbox) owns the thread, and only
    /// it may send until the thread is taken back.
    pub fn is_thread_owned_elsewhere(&self) -> bool {
        matches!(
            self,
            GraphError::Meta {
                code: 10,
                subcode: Some(2018300),
                ..
            }
        )
    }

    /// How long Meta asked us to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            GraphError::Meta { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A failed exchange with Meta, told without its URL: reqwest names the URL in
/// its errors, and a URL may hold a token, an app secret or a login code in its
/// query. Those errors end up in logs, in the jobs table and on the intake page.
/// The causes (connection refused, timed out …) are kept: they are what an
/// operator needs, and none of them names the URL.
#[cfg(feature = "graph")]
pub(crate) fn transport(error: reqwest::Error) -> GraphError {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(&error);
    while let Some(inner) = cause {
        // A nested reqwest error would print its own URL.
        if !inner.is::<reqwest::Error>() {
            text.push_str(": ");
            text.push_str(&inner.to_string());
        }
        cause = inner.source();
    }
    GraphError::Transport(text)
}

/// Meta's error codes (meta-instagram-api.md §4, §6).
pub fn action_for_code(code: i64, http_status: u16) -> ErrorAction {
    match code {
        190 => ErrorAction::Reconnect,
        4 | 17 | 32 | 613 | 80001 | 80002 | 80006 => ErrorAction::BackOff,
        1200 | 2 | -1 => ErrorAction::RetryLater,
        _ if http_status >= 500 => ErrorAction::RetryLater,
        _ => ErrorAction::GiveUp,
    }
}

/// Reads `X-Business-Use-Case-Usage` (`{"<id>":[{"type":…,"call_count":…,
/// "estimated_time_to_regain_access":<minutes>}]}`): the longest wait it announces.
pub fn regain_access_after(header: &str) -> Option<Duration> {
    let usage: serde_json::Value = serde_json::from_str(header).ok()?;
    let minutes = usage
        .as_object()?
        .values()
        .filter_map(|v| v.as_array())
        .flatten()
        .filter_map(|entry| entry["estimated_time_to_regain_access"].as_u64())
        .max()?;
    (minutes > 0).then(|| Duration::from_secs(minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_owned_by_another_app_is_told_by_its_subcode() {
        let meta = |code, subcode| GraphError::Meta {
            http_status: 400,
            code,
            subcode,
            message: String::new(),
            retry_after: None,
        };
        assert!(meta(10, Some(2018300)).is_thread_owned_elsewhere());
        assert!(
            !meta(10, Some(2534022)).is_thread_owned_elsewhere(),
            "the window"
        );
        assert!(!meta(10, None).is_thread_owned_elsewhere());
        assert!(!GraphError::Transport("x".into()).is_thread_owned_elsewhere());
    }

    #[test]
    fn usage_headers_say_how_long_to_wait() {
        let header = r#"{"17841":[{"type":"instagram","call_count":100,"estimated_time_to_regain_access":3},{"type":"pages","estimated_time_to_regain_access":1}]}"#;
        assert_eq!(regain_access_after(header), Some(Duration::from_secs(180)));
        assert_eq!(
            regain_access_after(r#"{"1":[{"call_count":5,"estimated_time_to_regain_access":0}]}"#),
            None
        );
        assert_eq!(regain_access_after("junk"), None);
    }

    #[test]
    fn codes_map_to_actions() {
        assert_eq!(action_for_code(190, 400), ErrorAction::Reconnect);
        for c in [4, 17, 32, 613, 80002] {
            assert_eq!(action_for_code(c, 400), ErrorAction::BackOff);
        }
        assert_eq!(action_for_code(2, 500), ErrorAction::RetryLater);
        assert_eq!(action_for_code(1, 503), ErrorAction::RetryLater);
        assert_eq!(action_for_code(230, 400), ErrorAction::GiveUp);
        assert_eq!(action_for_code(551, 400), ErrorAction::GiveUp);
    }
}
