//! The service layer's one error: what went wrong, in a kind each face maps to its own
//! answer (the JSON API to a status and `{code, message, field}`, the pages to a message
//! beside the field). Internal errors are logged once, here, and carry no detail.

use igdesk_domain::rules::RuleError;
use std::fmt;

/// What sort of refusal or failure; each face decides how to say it (an HTTP status for
/// the JSON API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Unknown, or not visible to the agent: answered alike so ids in other inboxes are
    /// not revealed.
    NotFound,
    Unauthorized,
    Forbidden,
    /// Understood, but it clashes with what is stored (already done, not assigned …).
    Conflict,
    /// Instagram's rules refuse it (422).
    Refused,
    /// The input itself is wrong (400).
    BadInput,
    /// Too many attempts; `retry_after` says when to try again (429).
    TooMany,
    /// Instagram cannot be reached now; trying again shortly may work (503).
    Unavailable,
    /// Logged when made; said to nobody in detail.
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub kind: Kind,
    /// Stable, for programs: `not_found`, `already_replied`, `window_closed` …
    pub code: &'static str,
    /// For people.
    pub message: String,
    /// The input field at fault, when there is one.
    pub field: Option<&'static str>,
    /// Seconds until trying again makes sense (`Kind::TooMany`).
    pub retry_after: Option<u64>,
}

impl ServiceError {
    pub fn new(kind: Kind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    /// Unknown, or not visible to the agent (see `Kind::NotFound`).
    pub fn not_found(what: &str) -> Self {
        Self::new(Kind::NotFound, "not_found", format!("no such {what}"))
    }

    /// The caller is not (or no longer) a signed-in agent.
    pub fn unauthorized() -> Self {
        Self::new(
            Kind::Unauthorized,
            "unauthorized",
            "send a valid token as Authorization: Bearer <token>",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(Kind::Forbidden, "forbidden", message)
    }

    /// The request is understood but clashes with what is stored.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Kind::Conflict, code, message)
    }

    /// Refused by one of Instagram's rules, named by its code.
    pub fn refused(rule: RuleError) -> Self {
        Self::new(Kind::Refused, rule.code(), rule.to_string())
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Kind::BadInput, code, message)
    }

    /// Instagram cannot be reached now.
    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Kind::Unavailable, code, message)
    }

    /// Too many attempts: try again in `seconds`.
    pub fn too_many(code: &'static str, message: impl Into<String>, seconds: u64) -> Self {
        Self {
            retry_after: Some(seconds),
            ..Self::new(Kind::TooMany, code, message)
        }
    }

    /// Logged here, once; the caller learns only that it has been.
    pub fn internal(error: impl fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Self::new(
            Kind::Internal,
            "internal",
            "an internal error occurred; it has been logged",
        )
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ServiceError {}

impl From<igdesk_store::StoreError> for ServiceError {
    fn from(e: igdesk_store::StoreError) -> Self {
        ServiceError::internal(e)
    }
}
