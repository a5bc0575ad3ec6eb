//! The console's stylesheet and scripts, embedded in the binary. Pages name them with
//! a hash of their content, so a browser may keep them for a year and still never
//! runs an old script against a new page.

use axum::extract::{Path, Query};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;

const FILES: &[(&str, &str, &str)] = &[
    (
        "console.css",
        "text/css; charset=utf-8",
        include_str!("../../static/console.css"),
    ),
    (
        "live.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/live.js"),
    ),
    (
        "desk.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/desk.js"),
    ),
    (
        "profile.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/profile.js"),
    ),
    (
        "dashboard.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/dashboard.js"),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/api.js"),
    ),
    (
        "transfer.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/transfer.js"),
    ),
    (
        "labels.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/labels.js"),
    ),
    (
        "settings.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/settings.js"),
    ),
    (
        "saved_answers.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/saved_answers.js"),
    ),
];

fn versions() -> &'static HashMap<&'static str, String> {
    static VERSIONS: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    VERSIONS.get_or_init(|| {
        FILES
            .iter()
            .map(|(name, _, body)| (*name, hex::encode(&Sha256::digest(body)[..6])))
            .collect()
    })
}

/// The address a page uses for `name`.
pub fn url(name: &str) -> String {
    let version = versions().get(name).map(String::as_str).unwrap_or("0");
    format!("/static/{name}?v={version}")
}

#[derive(serde::Deserialize)]
pub struct Version {
    v: Option<String>,
}

pub async fn serve(Path(name): Path<String>, Query(version): Query<Version>) -> Response {
    let Some((_, content_type, body)) = FILES.iter().find(|(n, _, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    // Only the current version is cached for long; any other address is revalidated.
    let current = version.v.as_deref() == versions().get(name.as_str()).map(String::as_str);
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = (*body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
