//! One error shape for every HTTP answer igdesk gives: `{"code", "message", "field"}`.
//! Internal errors are logged once and answered as an opaque 500. The service layer's
//! errors become these by their kind (`From<ServiceError>`).

use crate::service::error::{Kind, ServiceError};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::borrow::Cow;
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<&'static str>,
}

/// Every refusal and failure igdesk answers with.
#[derive(Serialize, ToSchema)]
struct Body<'a> {
    /// What went wrong, for programs: `not_found`, `unauthorized`, `csrf`, `window_closed` …
    #[schema(example = "not_found")]
    code: &'a str,
    /// What went wrong, for people.
    #[schema(example = "no such customer")]
    message: &'a str,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

// Handlers document their refusals as `body = ApiError`: the schema is the body this
// type answers with, so the document cannot describe another shape.
impl PartialSchema for ApiError {
    fn schema() -> RefOr<Schema> {
        Body::schema()
    }
}

impl ToSchema for ApiError {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ApiError")
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    pub fn field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send a valid token as Authorization: Bearer <token>",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// Unknown, or not visible to the caller: the two are answered alike so ids in
    /// other inboxes are not revealed.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no such {what}"),
        )
    }

    /// The request is understood but clashes with what is stored.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred; it has been logged",
        )
    }
}

impl From<igdesk_store::StoreError> for ApiError {
    fn from(e: igdesk_store::StoreError) -> Self {
        ApiError::internal(e)
    }
}

// Already logged where it was made (`ServiceError::internal`), so an internal one is
// not logged again here. `retry_after` is not kept: the one handler that answers with
// it (signing in) sets `Retry-After` itself.
impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        let status = match e.kind {
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Unauthorized => StatusCode::UNAUTHORIZED,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::Refused => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::BadInput => StatusCode::BAD_REQUEST,
            Kind::TooMany => StatusCode::TOO_MANY_REQUESTS,
            Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self {
            status,
            code: e.code,
            message: e.message,
            field: e.field,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            code: self.code,
            message: &self.message,
            field: self.field,
        };
        (self.status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use igdesk_domain::rules::RuleError;

    async fn answer(e: ApiError) -> (StatusCode, Vec<u8>) {
        let response = e.into_response();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body");
        (status, body.to_vec())
    }

    // The JSON API answers a service refusal exactly as it answered before there was
    // a service layer.
    #[tokio::test]
    async fn a_service_error_answers_like_the_api_error_it_replaced() {
        let pairs = [
            (
                ServiceError::not_found("customer"),
                ApiError::not_found("customer"),
            ),
            (ServiceError::unauthorized(), ApiError::unauthorized()),
            (ServiceError::forbidden("no"), ApiError::forbidden("no")),
            (
                ServiceError::conflict("already_replied", "once").field("text"),
                ApiError::conflict("already_replied", "once").field("text"),
            ),
            (
                ServiceError::refused(RuleError::Empty),
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    RuleError::Empty.code(),
                    RuleError::Empty.to_string(),
                ),
            ),
            (
                ServiceError::bad_request("invalid_name", "a name").field("name"),
                ApiError::bad_request("invalid_name", "a name").field("name"),
            ),
            (
                ServiceError::too_many("too_many_attempts", "wait", 60),
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", "wait"),
            ),
            (
                ServiceError::unavailable("instagram_unavailable", "later"),
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "instagram_unavailable",
                    "later",
                ),
            ),
            (ServiceError::internal("boom"), ApiError::internal("boom")),
        ];
        for (service, api) in pairs {
            assert_eq!(answer(service.into()).await, answer(api).await);
        }
    }
}
