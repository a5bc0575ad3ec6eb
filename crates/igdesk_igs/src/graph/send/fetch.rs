//! Fetching the medium a send names, as Meta does before accepting it: images
//! must be JPEG, PNG or GIF of at most 8 MB; video, audio and files must be
//! reachable (and not announce more than 25 MB), their content is not examined.
//! An image's bytes are kept: the simulator re-hosts it for the echo, as Meta does.

use axum::http::header::CONTENT_TYPE;

use super::super::GraphError;

const IMAGE_MAX_BYTES: u64 = 8 * 1024 * 1024;
const MEDIA_MAX_BYTES: u64 = 25 * 1024 * 1024;
const IMAGE_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/gif"];

/// Subcode Meta uses when it cannot download the file.
const FETCH_FAILED: i64 = 2018008;
/// Subcode for a file that is not what its attachment type says.
const WRONG_TYPE: i64 = 2018047;

/// Checks the medium at `url`; for an image, answers its content type and bytes.
pub(crate) async fn check(
    client: &reqwest::Client,
    kind: &str,
    url: &str,
) -> Result<Option<(String, Vec<u8>)>, GraphError> {
    let unreachable = |detail: String| {
        GraphError::invalid_attachment(FETCH_FAILED, format!("could not fetch {url}: {detail}"))
    };
    let mut response = client
        .get(url)
        .send()
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(unreachable(format!("it answered HTTP {}", status.as_u16())));
    }
    let image = kind == "image";
    let limit = if image {
        IMAGE_MAX_BYTES
    } else {
        MEDIA_MAX_BYTES
    };
    let too_large = |size: u64| {
        GraphError::attachment_too_large(format!(
            "{kind} attachments may be at most {} MB, {url} is {size} bytes",
            limit / (1024 * 1024)
        ))
    };
    if image {
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        if !IMAGE_TYPES.contains(&content_type.as_str()) {
            let shown = if content_type.is_empty() {
                "untyped"
            } else {
                &content_type
            };
            return Err(GraphError::invalid_attachment(
                WRONG_TYPE,
                format!("an image must be image/jpeg, image/png or image/gif; {url} is {shown}"),
            ));
        }
    }
    if let Some(size) = response.content_length().filter(|&size| size > limit) {
        return Err(too_large(size));
    }
    if !image {
        return Ok(None);
    }
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    // Without (or despite) a Content-Length, count what actually arrives.
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| unreachable(e.to_string()))?
    {
        bytes.extend_from_slice(&chunk);
        if bytes.len() as u64 > limit {
            return Err(too_large(bytes.len() as u64));
        }
    }
    Ok(Some((content_type, bytes)))
}
