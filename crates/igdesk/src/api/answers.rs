//! `POST /api/v1/customers/{id}/messages` (a reply, JSON or multipart with images)
//! and `GET /media/{id}` (the images, for Meta to fetch).

use super::auth::Caller;
use super::error::ApiError;
use super::extract::{JsonBody, PathParams};
use super::read_api::List;
use super::views::{load_views, ItemView};
use crate::app::App;
use crate::service::answering::{self, ImageUpload};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use igdesk_domain::reply_form::{self, FormError, ImageRefusal};
use igdesk_domain::rules::format_link;
use igdesk_domain::CustomerId;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonReply {
    text: Option<String>,
    /// Sent as plain text lines `label [URL]` (OUT-3).
    #[serde(default, deserialize_with = "super::extract::objects")]
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
    /// Once: a second `text` part refuses the form (`invalid_body`).
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
        (status = 400, description = "A body that cannot be read or a form with two `text` parts (`invalid_body`), a link that is not http(s) (`invalid_link`), or an image whose bytes are not the type its part claims (`attachment_mismatch`, `field` is `image`)", body = ApiError),
        (status = 404, description = "No such customer in the caller's inboxes", body = ApiError),
        (status = 409, description = "The customer's inbox requires a topic and their open conversation has none (`topic_required`)", body = ApiError),
        (status = 413, description = "A form over the console's size (`attachment_too_large`)", body = ApiError),
        (status = 415, description = "An image whose bytes are not a JPEG, PNG or GIF (`attachment_type`, `field` is `image`)", body = ApiError),
        (status = 422, description = "Instagram's rules refuse it: `empty_message`, `text_too_long`, `attachment_too_large`, `too_many_attachments`, `never_wrote`, `window_closed`", body = ApiError),
    )
)]
pub async fn send_message(
    State(app): State<App>,
    Caller(agent): Caller,
    PathParams(id): PathParams<String>,
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
        read_multipart(request, &app).await?
    } else {
        let JsonBody(body) = JsonBody::<JsonReply>::from_request(request, &app).await?;
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

/// A body that could not be buffered; one over the size limit says so.
fn bad_form(e: BytesRejection) -> ApiError {
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

/// `text` (a field) and `image` (files, repeatable): the body is buffered within the
/// route's limit and read by `igdesk_domain::reply_form`.
async fn read_multipart(
    request: Request,
    app: &App,
) -> Result<(Option<String>, Vec<ImageUpload>), ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = Bytes::from_request(request, app).await.map_err(bad_form)?;
    let form = reply_form::read(&content_type, &body).map_err(|e| match e {
        FormError::Image(refusal) => image_refused(refusal),
        other => bad_body(other),
    })?;
    let images = form
        .images
        .into_iter()
        .map(|image| ImageUpload {
            content_type: image.content_type.to_owned(),
            bytes: image.bytes,
        })
        .collect();
    Ok((form.text, images))
}

/// An uploaded image, accepted only when its bytes are a JPEG, PNG or GIF and it
/// claims (`declared`, a part's or a body's `Content-Type`) that very type; see
/// `reply_form::recognise_image`. `name` (a form part's file name) is how the refusal
/// names it.
pub(crate) fn image_upload(
    declared: Option<&str>,
    name: Option<&str>,
    bytes: &[u8],
) -> Result<ImageUpload, ApiError> {
    let found = reply_form::recognise_image(declared, name, bytes).map_err(image_refused)?;
    Ok(ImageUpload {
        content_type: found.to_owned(),
        bytes: bytes.to_vec(),
    })
}

fn image_refused(refusal: ImageRefusal) -> ApiError {
    let (status, code) = match refusal {
        ImageRefusal::NotAnImage { .. } => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "attachment_type"),
        ImageRefusal::Mismatch { .. } => (StatusCode::BAD_REQUEST, "attachment_mismatch"),
    };
    ApiError::new(status, code, refusal.to_string()).field("image")
}

/// Uploaded reply images, served without a login: the id is 192 random bits.
/// Browsers are told to take the type as given (`nosniff`) and to treat the answer,
/// opened on its own, as a sandboxed page with no script and no origin: what is
/// served here was written by a visitor, on igdesk's origin.
pub async fn media(
    State(app): State<App>,
    PathParams(id): PathParams<String>,
) -> Result<Response, ApiError> {
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
