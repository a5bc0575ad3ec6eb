//! The simulator's own CDN: small images and a clip embedded in the binary (made by
//! `media/make.sh`), served at `GET /_igs/cdn/{name}` on the simulator's listener,
//! so that attachments, Stories and profile pictures display with no internet.
//! Media the business sends are re-hosted there too (`/_igs/cdn/m/{asset_id}`), as
//! Meta re-hosts them on its own CDN, and each Story a customer mentions the
//! business in is served at a URL of its own (`/_igs/cdn/story/{asset_id}`) while
//! the Story lives (`sim/stories.rs`).
//!
//! Scenario files name an embedded medium as `cdn:NAME` (e.g.
//! `url = "cdn:linen-shirt.jpg"`); it becomes the simulator's URL for it when the
//! simulator knows its own base URL ([`crate::Simulator::set_public_url`]), and a
//! CDN-shaped placeholder otherwise.

use rand::seq::SliceRandom;

/// What a medium is fit to stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// A photo a customer sends in a DM.
    Photo,
    /// A Story (9:16) that mentions the business or is replied to.
    Story,
    /// A profile picture.
    Avatar,
    /// An animated GIF.
    Gif,
    /// A video clip.
    Video,
}

/// One embedded file.
#[derive(Debug)]
pub struct Medium {
    pub name: &'static str,
    pub content_type: &'static str,
    pub purpose: Use,
    pub bytes: &'static [u8],
}

macro_rules! medium {
    ($name:literal, $type:literal, $purpose:ident) => {
        Medium {
            name: $name,
            content_type: $type,
            purpose: Use::$purpose,
            bytes: include_bytes!(concat!("../media/", $name)),
        }
    };
}

/// Every embedded medium.
pub const MEDIA: &[Medium] = &[
    medium!("linen-shirt.jpg", "image/jpeg", Photo),
    medium!("parcel.png", "image/png", Photo),
    medium!("post-colours.jpg", "image/jpeg", Photo),
    medium!("story-sunset.jpg", "image/jpeg", Story),
    medium!("story-unboxing.jpg", "image/jpeg", Story),
    medium!("wave.gif", "image/gif", Gif),
    medium!("clip.mp4", "video/mp4", Video),
    medium!("avatar-ana.png", "image/png", Avatar),
    medium!("avatar-ben.png", "image/png", Avatar),
    medium!("avatar-chloe.png", "image/png", Avatar),
    medium!("avatar-dora.png", "image/png", Avatar),
    medium!("avatar-emil.png", "image/png", Avatar),
    medium!("avatar-farah.png", "image/png", Avatar),
    medium!("avatar-giulia.png", "image/png", Avatar),
    medium!("avatar-hiro.png", "image/png", Avatar),
];

/// The URL scheme scenario files use for embedded media.
pub const SCHEME: &str = "cdn:";

/// The embedded medium called `name`.
pub fn find(name: &str) -> Option<&'static Medium> {
    MEDIA.iter().find(|m| m.name == name)
}

/// A random embedded medium fit for `purpose`.
pub fn any(purpose: Use) -> &'static Medium {
    let fit: Vec<&Medium> = MEDIA.iter().filter(|m| m.purpose == purpose).collect();
    fit.choose(&mut rand::thread_rng())
        .copied()
        .unwrap_or(&MEDIA[0])
}

/// What an attachment of Meta's `kind` shows, when the simulator picks one.
pub fn for_attachment(kind: &str) -> Option<Use> {
    match kind {
        "image" => Some(Use::Photo),
        "story_mention" => Some(Use::Story),
        "video" | "reel" | "ig_reel" => Some(Use::Video),
        "animated_image" => Some(Use::Gif),
        _ => None,
    }
}

/// The name in `cdn:NAME`, if `url` is such a reference.
pub fn reference(url: &str) -> Option<&str> {
    url.strip_prefix(SCHEME)
}

/// The served path of an embedded medium.
pub fn path(name: &str) -> String {
    format!("/_igs/cdn/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_medium_is_what_its_type_says() {
        for m in MEDIA {
            let ok = match m.content_type {
                "image/jpeg" => m.bytes.starts_with(&[0xff, 0xd8, 0xff]),
                "image/png" => m.bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
                "image/gif" => m.bytes.starts_with(b"GIF8"),
                "video/mp4" => m.bytes.get(4..8) == Some(b"ftyp"),
                _ => false,
            };
            assert!(ok, "{} is not {}", m.name, m.content_type);
            assert!(m.bytes.len() < 64 * 1024, "{} is too big to embed", m.name);
        }
        for purpose in [Use::Photo, Use::Story, Use::Avatar, Use::Gif, Use::Video] {
            assert_eq!(any(purpose).purpose, purpose);
        }
        assert_eq!(reference("cdn:wave.gif"), Some("wave.gif"));
        assert!(find("wave.gif").is_some() && find("nope.png").is_none());
    }
}
