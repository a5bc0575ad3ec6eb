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
        }
    }

    fn with_subcode(mut self, subcode: i64) -> Self {
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

    /// Code 100: a field the node does not have.
    pub fn nonexisting_field(field: &str) -> Self {
        let message =
            format!("(#100) Tried accessing nonexisting field ({field}) on node type (User)");
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

    /// An injected error with the HTTP status Meta uses for that code.
    pub fn injected(code: i64, subcode: Option<i64>, message: &str) -> Self {
        let status = match code {
            1 | 2 | -1 => StatusCode::INTERNAL_SERVER_ERROR,
            10 | 200 => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        };
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
