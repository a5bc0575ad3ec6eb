//! What a handler reads from a request — a JSON body, the query string, path
//! parameters, raw bytes — refused, when it cannot be read, in the API's own error
//! shape rather than axum's plain text: a body that is not the documented JSON is
//! 400 `invalid_body` (413 `body_too_large` over the size limit), a query string that
//! is not the documented parameters 400 `invalid_parameter`. The document says so for
//! every operation that reads them (`openapi::reading_refusals`).

use super::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// A JSON body of type `T`. Its numbers are read as JSON reads them: `1.0` is the
/// integer 1 wherever an integer is expected, as a JSON Schema `integer` says.
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(invalid_body(
                "send the body as JSON, with Content-Type: application/json",
            ));
        }
        parse(&body_bytes(request, state).await?).map(JsonBody)
    }
}

/// A body that may be left out: none at all (no bytes, no `Content-Type`) is `None`.
impl<T, S> OptionalFromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, ApiError> {
        let typed = request.headers().contains_key(header::CONTENT_TYPE);
        let is_json = is_json(request.headers());
        let bytes = body_bytes(request, state).await?;
        match (typed, is_json) {
            (false, _) if bytes.is_empty() => Ok(None),
            (_, true) => parse(&bytes).map(|v| Some(JsonBody(v))),
            _ => Err(invalid_body(
                "send the body as JSON, with Content-Type: application/json",
            )),
        }
    }
}

/// `application/json`, or another `application/…+json`, with any parameters.
pub fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let essence = essence.to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

fn invalid_body(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_body", message)
}

/// The whole body, within the route's size limit (413 `body_too_large` above it).
pub async fn body_bytes<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the body is larger than this endpoint takes",
            )
        } else {
            invalid_body(e.body_text())
        }
    })
}

/// The JSON text as a `T`: first as JSON (400 if it is not), then as the type (400
/// naming what does not fit).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: Value = serde_json::from_slice(bytes)
        .map_err(|e| invalid_body(format!("the body is not JSON: {e}")))?;
    // Every body is an object (or, where one may be left out, null): serde would
    // also read a struct from an array of its fields in order.
    if !matches!(value, Value::Object(_) | Value::Null) {
        return Err(invalid_body("the body is a JSON object"));
    }
    integers_as_integers(&mut value);
    T::deserialize(value).map_err(|e| invalid_body(format!("the body does not fit: {e}")))
}

/// For a list of objects in a body (`#[serde(deserialize_with = "objects")]`):
/// each item must be a JSON object, as it must be at the top (`parse`).
pub fn objects<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    use serde::de::Error;
    let items = Vec::<Value>::deserialize(deserializer)?;
    items
        .into_iter()
        .map(|item| match item {
            Value::Object(_) => T::deserialize(item).map_err(D::Error::custom),
            other => Err(D::Error::custom(format!(
                "expected an object, found {other}"
            ))),
        })
        .collect()
}

/// A number written with a fraction of zero (`3.0`, `-1e2`) is the integer it equals,
/// as long as an `i64` holds it: JSON has one kind of number, and a JSON Schema
/// `integer` admits these. Anything else stays as written.
fn integers_as_integers(value: &mut Value) {
    // i64's range as f64: from -2^63 included to 2^63 excluded.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64() {
                if f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f) {
                    // In range and whole: the conversion is exact.
                    #[allow(clippy::cast_possible_truncation)]
                    let whole = f as i64;
                    *value = Value::from(whole);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integers_as_integers),
        Value::Object(map) => map.values_mut().for_each(integers_as_integers),
        _ => {}
    }
}

/// The query string as a `T`; what does not fit is 400 `invalid_parameter`.
pub struct QueryParams<T>(pub T);

impl<T, S> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| QueryParams(q.0))
            .map_err(|e| ApiError::bad_request("invalid_parameter", e.body_text()))
    }
}

/// Path parameters as a `T`. Only a segment that is not UTF-8 once decoded fails to
/// be read: it names nothing, 404.
pub struct PathParams<T>(pub T);

impl<T, S> FromRequestParts<S> for PathParams<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PathParams(p.0))
            .map_err(|_| ApiError::not_found("resource at this path"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_with_a_fraction_read_as_integers() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Ids {
            one: i64,
            many: Vec<i64>,
            maybe: Option<i64>,
            ratio: f64,
        }
        let read: Ids =
            parse(br#"{"one": 1.0, "many": [-2.0, 3e2, 4], "maybe": -0.0, "ratio": 1.0}"#).unwrap();
        assert_eq!(
            read,
            Ids {
                one: 1,
                many: vec![-2, 300, 4],
                maybe: Some(0),
                ratio: 1.0
            }
        );
        // A fraction, or a whole number no i64 holds, is still refused.
        #[derive(serde::Deserialize, Debug)]
        struct One {
            #[allow(dead_code)]
            one: i64,
        }
        for body in [r#"{"one": 1.5}"#, r#"{"one": 1e19}"#, r#"{"one": -1e19}"#] {
            let refused = parse::<One>(body.as_bytes()).unwrap_err();
            assert_eq!(refused.code, "invalid_body", "{body}");
        }
    }

    #[test]
    fn json_is_recognised_by_its_content_type() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            is_json(&headers)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/json"));
        assert!(!with("multipart/form-data; boundary=x"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
