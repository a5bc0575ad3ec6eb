//! The sign-in form has no session yet, so no CSRF token: a page on another site
//! could post it with its own email and password and sign the visitor in as that
//! account (login CSRF), so that what they then type lands in someone else's hands.
//! Browsers say where a form was posted from — `Sec-Fetch-Site`, or, in older ones,
//! `Origin` — and a post from another site is refused. A request with neither comes
//! from something that is not a browser (curl, a script), which a hostile page cannot
//! make a visitor send.

use axum::http::{header, HeaderMap};

/// Whether the browser says this request was made by a page of another site. The
/// page's own origin is the one the browser used (`Host`) or igdesk's public URL
/// (behind a proxy that rewrites `Host`).
pub fn from_another_site(headers: &HeaderMap, public_url: &str) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        // "none": typed or bookmarked; "same-site" is a neighbouring subdomain, which
        // is not igdesk either.
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = text(header::ORIGIN.as_str()) else {
        return false;
    };
    let host_of = |url: &str| {
        url.split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or("").to_ascii_lowercase())
    };
    let Some(origin_host) = host_of(origin) else {
        // "null" (a sandboxed frame, a data: page) or nonsense.
        return true;
    };
    let own_host = text(header::HOST.as_str()).map(str::to_ascii_lowercase);
    own_host.as_deref() != Some(origin_host.as_str())
        && host_of(public_url).as_deref() != Some(origin_host.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    const PUBLIC: &str = "https://desk.example.com";

    #[test]
    fn fetch_metadata_decides_when_the_browser_sends_it() {
        let same = headers(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://evil.example"),
        ]);
        assert!(!from_another_site(&same, PUBLIC));
        assert!(!from_another_site(
            &headers(&[("sec-fetch-site", "none")]),
            PUBLIC
        ));
        assert!(from_another_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            PUBLIC
        ));
        assert!(from_another_site(
            &headers(&[("sec-fetch-site", "same-site")]),
            PUBLIC
        ));
    }

    #[test]
    fn otherwise_the_origin_must_be_igdesks_own() {
        let own = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert!(!from_another_site(&own, PUBLIC));
        let public = headers(&[
            ("host", "10.0.0.5:8080"),
            ("origin", "https://desk.example.com"),
        ]);
        assert!(!from_another_site(&public, PUBLIC));
        let evil = headers(&[
            ("host", "desk.example.com"),
            ("origin", "https://evil.example"),
        ]);
        assert!(from_another_site(&evil, PUBLIC));
        assert!(from_another_site(&headers(&[("origin", "null")]), PUBLIC));
        // No browser said anything: curl, a script.
        assert!(!from_another_site(
            &headers(&[("host", "desk.example.com")]),
            PUBLIC
        ));
    }
}
