//! Meta's error shape: `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::ids;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GraphError {
    pub status: StatusCode,
    pub code: i64,
    pub subcode: Option<i64>,
    pub kind: &'static str,
    pub message: String,
    /// Meta marks retryable failures with `"is_transient": true`.
    pub transient: bool,
    /// An `X-Business-Use-Case-Usage` header value to answer with.
    pub usage: Option<String>,
}

impl GraphError {
    fn new(status: StatusCode, code: i64, kind: &'static str, message: impl Into<String>) -> Self {
        GraphError {
            status,
            code,
            subcode: None,
            kind,
            message: message.into(),
            transient: false,
            usage: None,
        }
    }

    pub fn with_usage(mut self, usage: String) -> Self {
        self.usage = Some(usage);
        self
    }

    pub fn with_subcode(mut self, subcode: i64) -> Self {
        self.subcode = Some(subcode);
        self
    }

    /// Code 190: the token is unknown or not valid on this host.
    pub fn invalid_token() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            190,
            "OAuthException",
            "Invalid OAuth access token - Cannot parse access token",
        )
    }

    /// An `OAuthException` with `code` and Meta's `message` (login's refusals).
    pub fn oauth(code: i64, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "OAuthException", message)
    }

    /// Code 100/33: no such node, or not visible to this token.
    pub fn no_such_object(method: &str, id: &str) -> Self {
        let message = format!(
            "Unsupported {} request. Object with ID '{id}' does not exist, cannot be loaded due to \
             missing permissions, or does not support this operation. Please read the Graph API \
             documentation at https://developers.facebook.com/docs/graph-api",
            method.to_ascii_lowercase()
        );
        Self::new(
            StatusCode::BAD_REQUEST,
            100,
            "GraphMethodException",
            message,
        )
        .with_subcode(33)
    }

    /// Code 100: a field the node (a user) does not have.
    pub fn nonexisting_field(field: &str) -> Self {
        Self::nonexisting_field_on(field, "User")
    }

    /// Code 100: a field a node of `node_type` (`Page`, `IGUser`…) does not have.
    pub fn nonexisting_field_on(field: &str, node_type: &str) -> Self {
        let message = format!(
            "(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})"
        );
        Self::new(StatusCode::BAD_REQUEST, 100, "OAuthException", message)
    }

    /// Code 100: an endpoint the simulator does not serve.
    pub fn unsupported(method: &str) -> Self {
        let message = format!(
            "Unsupported request - method type: {}",
            method.to_ascii_lowercase()
        );
        Self::new(
            StatusCode::BAD_REQUEST,
            100,
            "GraphMethodException",
            message,
        )
    }

    /// Code 230: the user never wrote to the business.
    pub fn consent_required() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            230,
            "OAuthException",
            "User consent is required to access user profile",
        )
    }

    /// Code 2: Meta's transient "service unavailable".
    pub fn unexpected() -> Self {
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            2,
            "OAuthException",
            "An unexpected error has occurred. Please retry your request later.",
        );
        error.transient = true;
        error
    }

    /// Code 190/458: a token that was valid once but is no longer (revoked).
    pub fn token_revoked() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            190,
            "OAuthException",
            "Error validating access token: The user has not authorized application.",
        )
        .with_subcode(458)
    }

    /// Code 100: an invalid parameter; `detail` names it and the rule.
    pub fn param(detail: impl std::fmt::Display) -> Self {
        let message = format!("(#100) {detail}");
        Self::new(StatusCode::BAD_REQUEST, 100, "OAuthException", message)
    }

    /// Code 100/2018001: the recipient is no user of this business.
    pub fn no_matching_user() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            100,
            "OAuthException",
            "No matching user found",
        )
        .with_subcode(2018001)
    }

    /// Code 10/2534022: outside the 24 h window (or 7 days with HUMAN_AGENT,
    /// or 7 days after a comment for a private reply), or never wrote.
    pub fn outside_window() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            10,
            "IGApiException",
            "This message is sent outside of allowed window.",
        )
        .with_subcode(2534022)
    }

    /// Code 10/2018300: another app (Instagram's inbox) owns the thread; only it
    /// may send until the thread is taken back.
    pub fn thread_owned_elsewhere() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            10,
            "OAuthException",
            "(#10) Message failed to send because another app is controlling this thread now.",
        )
        .with_subcode(2018300)
    }

    /// Code 10/2534025: the comment already had its one private reply.
    pub fn already_replied(comment_id: &str) -> Self {
        let message = format!(
            "The comment {comment_id} has already been replied to privately: only one private \
             reply is allowed per comment."
        );
        Self::new(StatusCode::FORBIDDEN, 10, "IGApiException", message).with_subcode(2534025)
    }

    /// Code 100/2018109: the medium is larger than Meta accepts.
    pub fn attachment_too_large(detail: impl std::fmt::Display) -> Self {
        let message = format!("(#100) Attachment size exceeds the allowable limit: {detail}");
        Self::new(StatusCode::BAD_REQUEST, 100, "OAuthException", message).with_subcode(2018109)
    }

    /// Code 100: the attachment could not be fetched (subcode 2018008) or is
    /// not what its type says (2018047).
    pub fn invalid_attachment(subcode: i64, detail: impl std::fmt::Display) -> Self {
        let message = format!("(#100) Invalid attachment: {detail}");
        Self::new(StatusCode::BAD_REQUEST, 100, "OAuthException", message).with_subcode(subcode)
    }

    /// Code 100: a reaction's target was unsent by the customer or has expired.
    pub fn message_unavailable(reason: &str) -> Self {
        Self::param(format!("The message is no longer available: {reason}"))
    }

    /// A rate-limit error with Meta's wording for `code`, marked transient.
    pub fn throttled(code: i64) -> Self {
        let message = match code {
            4 => "(#4) Application request limit reached".to_owned(),
            17 => "(#17) User request limit reached".to_owned(),
            32 => "(#32) Page request limit reached".to_owned(),
            613 => "(#613) Calls to this api have exceeded the rate limit.".to_owned(),
            80002 => "(#80002) There have been too many calls to this Instagram account. Wait a \
                      bit and try again. For more info, please refer to \
                      https://developers.facebook.com/docs/graph-api/overview/rate-limiting."
                .to_owned(),
            _ => format!("(#{code}) Request limit reached"),
        };
        let mut error = Self::new(StatusCode::BAD_REQUEST, code, "OAuthException", message);
        error.transient = true;
        error
    }

    /// An injected error with the HTTP status Meta uses for that code.
    pub fn injected(code: i64, subcode: Option<i64>, message: &str) -> Self {
        let status = match code {
            1 | 2 | -1 => StatusCode::INTERNAL_SERVER_ERROR,
            10 | 200 => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        };
        Self::injected_with_status(code, subcode, message, status)
    }

    /// An injected error with a chosen HTTP status.
    pub fn injected_with_status(
        code: i64,
        subcode: Option<i64>,
        message: &str,
        status: StatusCode,
    ) -> Self {
        let kind = if code == 190 {
            "OAuthException"
        } else {
            "IGApiException"
        };
        let mut error = Self::new(status, code, kind, message);
        error.subcode = subcode;
        error.transient = matches!(code, 1 | 2 | -1 | 1200);
        error
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "message": self.message,
            "type": self.kind,
            "code": self.code,
            "fbtrace_id": ids::fbtrace_id(),
        });
        if let Some(subcode) = self.subcode {
            body["error_subcode"] = json!(subcode);
        }
        if self.transient {
            body["is_transient"] = json!(true);
        }
        let mut response = (self.status, Json(json!({ "error": body }))).into_response();
        if let Some(usage) = self.usage.and_then(|u| HeaderValue::from_str(&u).ok()) {
            response.headers_mut().insert(super::usage::HEADER, usage);
        }
        if self.code == 190 {
            // Graph API names the OAuth failure in this header too.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(
                    "OAuth \"Facebook Platform\" \"invalid_token\" \"Invalid OAuth access token\"",
                ),
            );
        }
        response
    }
}
