//! The console's reply as a form: `multipart/form-data` on
//! `POST /api/v1/customers/{id}/messages`, a `text` field and `image` files (repeatable),
//! each image recognised by its bytes. The handler buffers the body within the route's
//! size limit and hands it here; reading it needs no I/O.

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// What a readable reply form carries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReplyForm {
    /// The `text` field, when there is one.
    pub text: Option<String>,
    /// Every `image` file, in order.
    pub images: Vec<Image>,
}

/// An uploaded image: its type as its bytes say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// `image/jpeg`, `image/png` or `image/gif`.
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// Not multipart, no usable boundary, cut short, a malformed part.
    #[error("the form could not be read: {0}")]
    Unreadable(String),
    #[error("unexpected form field {0:?}: use text and image")]
    UnexpectedField(Option<String>),
    /// A second `text` field: which one was meant cannot be told.
    #[error("the form has more than one text field: send the reply's text once")]
    RepeatedText,
    #[error(transparent)]
    Image(#[from] ImageRefusal),
}

/// Why an upload is not taken as an image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefusal {
    /// The bytes are not a JPEG, PNG or GIF.
    #[error("{name} is not a JPEG, PNG or GIF image")]
    NotAnImage { name: String },
    /// The bytes are one image type, the upload claimed another.
    #[error(
        "{name} is {} image but was sent as {}: save it with its own type and attach it again",
        kind(found),
        kind(claimed)
    )]
    Mismatch {
        name: String,
        found: &'static str,
        claimed: String,
    },
}

/// Reads a reply form: `content_type` is the request's `Content-Type` (with its
/// boundary), `body` the whole body. Any other field than `text` and `image` refuses
/// the form, as do a second `text` and an image that is not what it claims to be.
pub fn read(content_type: &str, body: &[u8]) -> Result<ReplyForm, FormError> {
    let boundary = multer::parse_boundary(content_type).map_err(unreadable)?;
    let chunk = body.to_vec();
    let stream = futures_util::stream::iter([Ok::<Vec<u8>, Infallible>(chunk)]);
    let mut parts = multer::Multipart::new(stream, boundary);
    let mut form = ReplyForm::default();
    while let Some(field) = at_once(parts.next_field())?.map_err(unreadable)? {
        match field.name() {
            Some("text") if form.text.is_some() => return Err(FormError::RepeatedText),
            Some("text") => form.text = Some(at_once(field.text())?.map_err(unreadable)?),
            Some("image") => {
                let declared = field.content_type().map(ToString::to_string);
                let name = field.file_name().map(str::to_owned);
                let bytes = at_once(field.bytes())?.map_err(unreadable)?;
                let content_type = recognise_image(declared.as_deref(), name.as_deref(), &bytes)?;
                form.images.push(Image {
                    content_type,
                    bytes: bytes.to_vec(),
                });
            }
            other => return Err(FormError::UnexpectedField(other.map(str::to_owned))),
        }
    }
    Ok(form)
}

fn unreadable(e: multer::Error) -> FormError {
    FormError::Unreadable(e.to_string())
}

/// Runs one step of the parser over the body, all of which is already in memory: it
/// either finishes or has run out of bytes.
fn at_once<T>(step: impl Future<Output = T>) -> Result<T, FormError> {
    match pin!(step).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(done) => Ok(done),
        Poll::Pending => Err(FormError::Unreadable("the form ends early".into())),
    }
}

/// The image type from its first bytes: what is sent is what Meta will see.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
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

/// An upload's type, accepted only when its bytes are a JPEG, PNG or GIF and it claims
/// (`declared`, a part's or a body's `Content-Type`) that very type. It is stored and
/// served under the type its bytes say, never the claim: `/media` must not hand a
/// browser HTML, SVG or script that calls itself an image. No claim, or the generic
/// `application/octet-stream`, claims nothing. `name` (a form part's file name) is how
/// the refusal names it.
pub fn recognise_image(
    declared: Option<&str>,
    name: Option<&str>,
    bytes: &[u8],
) -> Result<&'static str, ImageRefusal> {
    let name = || {
        name.filter(|n| !n.trim().is_empty())
            .map_or_else(|| "the image".to_owned(), |n| format!("the file {n}"))
    };
    let Some(found) = sniff(bytes) else {
        return Err(ImageRefusal::NotAnImage { name: name() });
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
        return Err(ImageRefusal::Mismatch {
            name: name(),
            found,
            claimed,
        });
    }
    Ok(found)
}

/// A type in words: "a PNG", or the type itself when it is none of the three.
fn kind(content_type: &str) -> &str {
    match content_type {
        "image/jpeg" => "a JPEG",
        "image/png" => "a PNG",
        "image/gif" => "a GIF",
        other => other,
    }
}

#[cfg(test)]
mod tests;
