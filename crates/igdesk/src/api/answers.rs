//! `POST /api/v1/customers/{id}/messages` (a reply, JSON or multipart with images)
//! and `GET /media/{id}` (the images, for Meta to fetch).

use super::auth::Caller;
use super::error::ApiError;
use super::read_api::List;
use super::views::{load_views, ItemView};
use crate::app::App;
use crate::service::answering::{self, ImageUpload};
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use igdesk_domain::rules::format_link;
use igdesk_domain::CustomerId;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonReply {
    text: Option<String>,
    /// Sent as plain text lines `label [URL]` (OUT-3).
    #[serde(default)]
    links: Vec<Link>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Link {
    label: String,
    /// http or https.
    url: String,
}

/// A reply as a form: text and images.
// Describes the form `send_message` reads part by part; never built.
#[derive(ToSchema)]
#[allow(dead_code)]
struct ReplyForm {
    text: Option<String>,
    /// JPEG, PNG or GIF, recognised from its bytes; the part's `Content-Type`, if
    /// given, must be that type. Repeat the part for more images (5 MB in all).
    #[schema(value_type = Vec<String>, format = Binary, required = false)]
    image: Vec<Vec<u8>>,
}

/// A reply to the customer: text, links and images. It is queued and sent in order;
/// the items become `sent` (with Meta's `mid`), `read`, or `failed` with `failure` in
/// words.
#[utoipa::path(
    post,
    path = "/customers/{id}/messages",
    tag = "customers",
    params(("id" = i64, Path, description = "The customer")),
    request_body(content(
        (JsonReply = "application/json"),
        (ReplyForm = "multipart/form-data"),
    )),
    responses(
        (status = 202, description = "The queued items (`status: queued`), one per part", body = List<ItemView>),
        (status = 400, description = "A body that cannot be read (`invalid_body`), a link that is not http(s) (`invalid_link`), or an image whose bytes are not the type its part claims (`attachment_mismatch`, `field` is `image`)", body = ApiError),
        (status = 404, description = "No such customer in the caller's inboxes", body = ApiError),
        (status = 413, description = "A form over the console's size (`attachment_too_large`)", body = ApiError),
        (status = 415, description = "An image whose bytes are not a JPEG, PNG or GIF (`attachment_type`, `field` is `image`)", body = ApiError),
        (status = 422, description = "Instagram's rules refuse it: `empty_message`, `text_too_long`, `attachment_too_large`, `too_many_attachments`, `never_wrote`, `window_closed`", body = ApiError),
    )
)]
pub async fn send_message(
    State(app): State<App>,
    Caller(agent): Caller,
    Path(id): Path<String>,
    request: Request,
) -> Result<(StatusCode, Json<List<ItemView>>), ApiError> {
    let id: CustomerId = id
        .parse()
        .map(CustomerId)
        .map_err(|_| ApiError::not_found("customer"))?;
    // Who is answered, before the body is read: an unknown customer is a 404 whatever
    // was sent.
    let customer = answering::customer_to_answer(&app, &agent, id).await?;
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (text, images) = if is_multipart {
        read_multipart(
            Multipart::from_request(request, &app)
                .await
                .map_err(bad_body)?,
        )
        .await?
    } else {
        let Json(body) = Json::<JsonReply>::from_request(request, &app)
            .await
            .map_err(bad_body)?;
        (with_links(body.text, &body.links)?, Vec::new())
    };
    let ids = answering::console_reply(&app, &customer, text, images).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(List {
            data: load_views(&app, &ids, &customer.name).await?,
        }),
    ))
}

fn bad_body(e: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request("invalid_body", e.to_string())
}

fn with_links(text: Option<String>, links: &[Link]) -> Result<Option<String>, ApiError> {
    if links.is_empty() {
        return Ok(text);
    }
    let mut lines: Vec<String> = text.into_iter().collect();
    for link in links {
        if !(link.url.starts_with("https://") || link.url.starts_with("http://")) {
            return Err(ApiError::bad_request(
                "invalid_link",
                format!("{:?} is not an http(s) URL", link.url),
            )
            .field("links"));
        }
        lines.push(format_link(link.label.trim(), &link.url));
    }
    Ok(Some(lines.join("\n")))
}

/// A form that could not be read; one over the size limit says so.
fn bad_form(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "attachment_too_large",
            "the reply is larger than the console allows (5 MB of images)",
        )
    } else {
        bad_body(e)
    }
}

/// `text` (a field) and `image` (files, repeatable).
async fn read_multipart(
    mut form: Multipart,
) -> Result<(Option<String>, Vec<ImageUpload>), ApiError> {
    let mut text = None;
    let mut images = Vec::new();
    while let Some(field) = form.next_field().await.map_err(bad_form)? {
        match field.name() {
            Some("text") => text = Some(field.text().await.map_err(bad_form)?),
            Some("image") => {
                let declared = field.content_type().map(str::to_owned);
                let name = field.file_name().map(str::to_owned);
                let bytes: Bytes = field.bytes().await.map_err(bad_form)?;
                images.push(image_upload(declared.as_deref(), name.as_deref(), &bytes)?);
            }
            other => {
                return Err(ApiError::bad_request(
                    "invalid_body",
                    format!("unexpected form field {other:?}: use text and image"),
                ))
            }
        }
    }
    Ok((text, images))
}

/// The image type from its first bytes: what is sent is what Meta will see.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else {
        None
    }
}

/// An uploaded image, accepted only when its bytes are a JPEG, PNG or GIF and it
/// claims (`declared`, a part's or a body's `Content-Type`) that very type. Stored
/// and served under the type its bytes say, never the claim: `/media` must not hand
/// a browser HTML, SVG or script that calls itself an image. No claim, or the
/// generic `application/octet-stream`, claims nothing. `name` (a form part's file
/// name) is how the refusal names it.
pub(crate) fn image_upload(
    declared: Option<&str>,
    name: Option<&str>,
    bytes: &[u8],
) -> Result<ImageUpload, ApiError> {
    let name = name
        .filter(|n| !n.trim().is_empty())
        .map_or_else(|| "the image".to_owned(), |n| format!("the file {n}"));
    let Some(found) = sniff(bytes) else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "attachment_type",
            format!("{name} is not a JPEG, PNG or GIF image"),
        )
        .field("image"));
    };
    let claimed = declared
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty() && v != "application/octet-stream")
        .map(|v| match v.as_str() {
            // Older browsers' names for a JPEG.
            "image/jpg" | "image/pjpeg" => "image/jpeg".to_owned(),
            _ => v,
        });
    if let Some(claimed) = claimed.filter(|c| c != found) {
        return Err(ApiError::bad_request(
            "attachment_mismatch",
            format!(
                "{name} is {} image but was sent as {}: save it with its own type and attach it again",
                kind(found),
                kind(&claimed)
            ),
        )
        .field("image"));
    }
    Ok(ImageUpload {
        content_type: found.to_owned(),
        bytes: bytes.to_vec(),
    })
}

/// A type in words: "a PNG", or the type itself when it is none of the three.
fn kind(content_type: &str) -> String {
    match content_type {
        "image/jpeg" => "a JPEG".into(),
        "image/png" => "a PNG".into(),
        "image/gif" => "a GIF".into(),
        other => other.into(),
    }
}

/// Uploaded reply images, served without a login: the id is 192 random bits.
/// Browsers are told to take the type as given (`nosniff`) and to treat the answer,
/// opened on its own, as a sandboxed page with no script and no origin: what is
/// served here was written by a visitor, on igdesk's origin.
pub async fn media(State(app): State<App>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let (content_type, bytes) = app
        .store
        .upload(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("medium"))?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CONTENT_SECURITY_POLICY, "sandbox".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
