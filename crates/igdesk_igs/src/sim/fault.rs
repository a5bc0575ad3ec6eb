//! Failures injected into the Graph API side, one at a time.

use serde::{Deserialize, Serialize};

/// A failure injected into the Graph API side. Serialized with a `kind` tag in
/// snake_case (`{"kind":"send_error",…}`); the variant names are accepted too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Every profile call answers this Meta error.
    #[serde(alias = "ProfileError")]
    ProfileError {
        code: i64,
        #[serde(default)]
        subcode: Option<i64>,
        message: String,
    },
    /// Every profile call answers normally, but only after `millis`.
    #[serde(alias = "ProfileSlow")]
    ProfileSlow { millis: u64 },
    /// Every Graph call answers HTTP 500 with Meta's transient error (code 2).
    #[serde(alias = "Unavailable")]
    Unavailable,
    /// Send API calls (messages, private replies, sender actions) answer this
    /// error: the next `times` calls, or every call while set when `None`.
    #[serde(alias = "SendError")]
    SendError {
        code: i64,
        #[serde(default)]
        subcode: Option<i64>,
        message: String,
        #[serde(default = "bad_request")]
        http_status: u16,
        #[serde(default)]
        times: Option<u32>,
    },
    /// Every Send API call answers normally, but only after `millis`.
    #[serde(alias = "SendSlow")]
    SendSlow { millis: u64 },
    /// Every Send API call is carried out at once (the message is sent, joins its
    /// thread and is echoed), but its answer comes only after `millis`: an answer
    /// the caller may never see (it crashed or gave up meanwhile).
    #[serde(alias = "SendAnswerSlow")]
    SendAnswerSlow { millis: u64 },
    /// Send API and comment-moderation calls are throttled with `code` (4, 17,
    /// 32, 613, 80002) and an `X-Business-Use-Case-Usage` header announcing
    /// `regain_minutes`: the next `times` calls, or every call while set.
    #[serde(alias = "Throttle")]
    Throttle {
        code: i64,
        #[serde(default)]
        regain_minutes: u32,
        #[serde(default)]
        times: Option<u32>,
    },
    /// Every Graph call answers 190, as if every token had been revoked.
    #[serde(alias = "InvalidToken")]
    InvalidToken,
    /// Stories' media on the CDN (`/_igs/cdn/story/…`) answer this HTTP status
    /// instead, live or not: a passing failure of Meta's CDN (500, 503 …).
    #[serde(alias = "StoryCdnError")]
    StoryCdnError { status: u16 },
    /// The next `after` Conversations API calls answer normally; every one after
    /// them answers Meta's transient error (code 2, HTTP 500) while the fault is
    /// set: an import interrupted part-way through.
    #[serde(alias = "ConversationsUnavailable")]
    ConversationsUnavailable {
        #[serde(default)]
        after: u32,
    },
}

/// Whether a Conversations API call fails now (see
/// [`Fault::ConversationsUnavailable`]), counting down the calls still answered.
pub(crate) fn conversations_fail(slot: &mut Option<Fault>) -> bool {
    match slot {
        Some(Fault::ConversationsUnavailable { after: 0 }) => true,
        Some(Fault::ConversationsUnavailable { after }) => {
            *after -= 1;
            false
        }
        _ => false,
    }
}

fn bad_request() -> u16 {
    400
}

/// Which family of calls a fault is consulted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Send,
    CommentModeration,
}

/// The fault that applies to one call of `scope`, consuming one of its `times`;
/// a fault whose `times` run out is cleared, so the next call succeeds.
pub(crate) fn take(slot: &mut Option<Fault>, scope: Scope) -> Option<Fault> {
    let applies = match slot.as_ref()? {
        Fault::SendError { .. } | Fault::SendSlow { .. } | Fault::SendAnswerSlow { .. } => {
            scope == Scope::Send
        }
        Fault::Throttle { .. } => true,
        _ => false,
    };
    if !applies {
        return None;
    }
    let fault = slot.clone();
    let remaining = match slot.as_mut()? {
        Fault::SendError { times, .. } | Fault::Throttle { times, .. } => times.as_mut(),
        _ => None,
    };
    match remaining {
        None => fault,
        Some(0) => {
            *slot = None;
            None
        }
        Some(n) => {
            *n -= 1;
            if *n == 0 {
                *slot = None;
            }
            fault
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_run_out_and_clear() {
        let error = Fault::SendError {
            code: 2,
            subcode: None,
            message: "boom".into(),
            http_status: 500,
            times: Some(2),
        };
        let mut slot = Some(error);
        assert!(take(&mut slot, Scope::CommentModeration).is_none());
        assert!(take(&mut slot, Scope::Send).is_some());
        assert!(take(&mut slot, Scope::Send).is_some());
        assert_eq!(slot, None);
        assert!(take(&mut slot, Scope::Send).is_none());

        let mut slot = Some(Fault::SendSlow { millis: 1 });
        for _ in 0..3 {
            assert!(take(&mut slot, Scope::Send).is_some());
        }
        let mut slot = Some(Fault::Unavailable);
        assert!(take(&mut slot, Scope::Send).is_none());
        assert_eq!(slot, Some(Fault::Unavailable));
    }

    #[test]
    fn faults_parse_from_snake_case_json() {
        let fault: Fault =
            serde_json::from_str(r#"{"kind":"throttle","code":80002,"regain_minutes":3}"#).unwrap();
        assert_eq!(
            fault,
            Fault::Throttle {
                code: 80002,
                regain_minutes: 3,
                times: None
            }
        );
        let fault: Fault = serde_json::from_str(
            r#"{"kind":"send_error","code":551,"message":"This person isn't available right now.","times":1}"#,
        )
        .unwrap();
        assert!(matches!(
            fault,
            Fault::SendError {
                http_status: 400,
                times: Some(1),
                ..
            }
        ));
        let fault: Fault = serde_json::from_str(r#"{"kind":"invalid_token"}"#).unwrap();
        assert_eq!(fault, Fault::InvalidToken);
    }
}
