//! What kind of file a CM.com `media` is, decided without fetching it: CM.com asks
//! callers to give a `mimeType` or a `mediaName` that ends in the file's extension, so
//! those are trusted, then the URI's own extension.

use super::envelope::Media;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MediaKind {
    Image,
    Audio,
    Video,
    /// Anything else (a PDF, a spreadsheet, …): its MIME type or extension.
    Other(String),
}

const IMAGE_EXTENSIONS: [&str; 14] = [
    "jpg", "jpeg", "jpe", "png", "gif", "bmp", "ico", "webp", "tif", "tiff", "heic", "heif",
    "avif", "svg",
];
const AUDIO_EXTENSIONS: [&str; 11] = [
    "mp3", "m4a", "aac", "wav", "ogg", "oga", "opus", "amr", "flac", "wma", "mid",
];
const VIDEO_EXTENSIONS: [&str; 12] = [
    "mp4", "m4v", "mov", "avi", "webm", "mkv", "3gp", "mpeg", "mpg", "ogv", "wmv", "flv",
];
/// MIME types that say nothing about the content; the name then decides.
const GENERIC_TYPES: [&str; 2] = ["application/octet-stream", "binary/octet-stream"];

pub(crate) fn media_kind(media: &Media) -> MediaKind {
    let mime = media
        .mime_type
        .as_deref()
        .map(str::to_ascii_lowercase)
        .filter(|t| !GENERIC_TYPES.contains(&t.as_str()));
    if let Some(mime) = mime {
        return match mime.split('/').next().unwrap_or_default() {
            "image" => MediaKind::Image,
            "audio" => MediaKind::Audio,
            "video" => MediaKind::Video,
            _ => MediaKind::Other(mime),
        };
    }
    let extension = media
        .name
        .as_deref()
        .and_then(extension)
        .or_else(|| extension(uri_path(&media.uri)));
    match extension {
        // A URI without an extension is usually an image service (CDN, resizer): it is
        // sent as an image, and Meta refuses it if it is not one.
        None => MediaKind::Image,
        Some(e) if IMAGE_EXTENSIONS.contains(&e.as_str()) => MediaKind::Image,
        Some(e) if AUDIO_EXTENSIONS.contains(&e.as_str()) => MediaKind::Audio,
        Some(e) if VIDEO_EXTENSIONS.contains(&e.as_str()) => MediaKind::Video,
        Some(e) => MediaKind::Other(format!(".{e}")),
    }
}

/// The path of a URI: no scheme, host, query or fragment.
fn uri_path(uri: &str) -> &str {
    let rest = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    rest.split_once('/').map_or("", |(_, path)| path)
}

/// The lowercased extension of the last path segment, if it has one.
fn extension(name: &str) -> Option<String> {
    let last = name.rsplit('/').next()?;
    let (stem, ext) = last.rsplit_once('.')?;
    let ok = !stem.is_empty() && !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric());
    ok.then(|| ext.to_ascii_lowercase())
}

/// An Instagram post, reel or IGTV link (`https://www.instagram.com/p/…`, `/reel/…`,
/// `/tv/…`, with or without `www.`). Instagram shows a shared post for its link, which
/// is the only way a video reaches an Instagram conversation.
pub(crate) fn is_instagram_post(uri: &str) -> bool {
    let lower = uri.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return false;
    };
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let Some(path) = rest.strip_prefix("instagram.com/") else {
        return false;
    };
    let mut segments = path.split('/');
    let kind = segments.next().unwrap_or_default();
    let id = segments.next().unwrap_or_default();
    ["p", "reel", "tv"].contains(&kind) && !id.is_empty() && !id.starts_with(['?', '#'])
}

pub(crate) fn is_http_url(uri: &str) -> bool {
    let lower = uri.to_ascii_lowercase();
    ["https://", "http://"].iter().any(|scheme| {
        lower
            .strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(uri: &str, name: Option<&str>, mime: Option<&str>) -> Media {
        Media {
            uri: uri.into(),
            name: name.map(Into::into),
            mime_type: mime.map(Into::into),
        }
    }

    #[test]
    fn mime_type_then_name_then_uri_decide_the_kind() {
        let kind = |uri, name, mime| media_kind(&media(uri, name, mime));
        assert_eq!(
            kind("https://x/a.mp4", None, Some("image/png")),
            MediaKind::Image
        );
        assert_eq!(kind("https://x/a", Some("a.MP3"), None), MediaKind::Audio);
        assert_eq!(kind("https://x/a.mov?s=1", None, None), MediaKind::Video);
        let pdf = kind("https://x/a", Some("doc"), Some("application/pdf"));
        assert_eq!(pdf, MediaKind::Other("application/pdf".into()));
        let octet = kind("https://x/a.png", None, Some("application/octet-stream"));
        assert_eq!(octet, MediaKind::Image);
        assert_eq!(kind("https://cdn.x/v1.2/img", None, None), MediaKind::Image);
    }

    #[test]
    fn instagram_post_links_with_or_without_www() {
        assert!(is_instagram_post("https://www.instagram.com/p/Cx1/"));
        assert!(is_instagram_post("https://instagram.com/reel/Cx1"));
        assert!(is_instagram_post(
            "https://www.instagram.com/tv/Cx1/?igsh=1"
        ));
        assert!(!is_instagram_post("https://www.instagram.com/cmdotcom/"));
        assert!(!is_instagram_post("https://www.instagram.com/p/"));
        assert!(!is_instagram_post("https://example.com/p/Cx1"));
    }
}
