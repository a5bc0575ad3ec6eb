//! A JSON body whose refusal (malformed, a missing or unknown field, a wrong type)
//! is the API's own error shape rather than axum's plain text.

use super::error::ApiError;
use axum::extract::{FromRequest, Request};
use axum::Json;
use serde::de::DeserializeOwned;

pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Json::<T>::from_request(request, state)
            .await
            .map(|Json(value)| JsonBody(value))
            .map_err(|e| ApiError::bad_request("invalid_body", e.body_text()))
    }
}
