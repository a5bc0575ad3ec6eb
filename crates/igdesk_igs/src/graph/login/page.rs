//! The login dialogs' HTML: small, accessible pages with plain forms and no
//! scripts, so a browser test reaches every control by role and name.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// `text` safe inside HTML text and double-quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `<input type="hidden">` carrying one of the dialog's parameters to its form.
pub(crate) fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
        escape(name),
        escape(value)
    )
}

/// A bulleted list of `items`, escaped.
pub(crate) fn list(items: &[String]) -> String {
    let items: String = items
        .iter()
        .map(|item| format!("<li>{}</li>", escape(item)))
        .collect();
    format!("<ul>{items}</ul>\n")
}

/// A whole page: `title` (plain text) and `body` (HTML, already escaped).
pub(crate) fn document(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\
         <p class=\"note\">Simulated by igdesk-igs: no Meta account is involved.</p>\n\
         </main>\n</body>\n</html>\n",
        title = escape(title),
    );
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    (status, headers, html).into_response()
}

/// An error page, as Meta shows one instead of the dialog.
pub(crate) fn error(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<h1>{}</h1>\n<p role=\"alert\">{}</p>\n",
        escape(title),
        escape(message)
    );
    document(status, title, &body)
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f0f2f5;margin:0}\
main{max-width:30rem;margin:3rem auto;background:#fff;padding:1.5rem;border-radius:8px}\
h1{font-size:1.3rem}button{font:inherit;padding:.5rem 1rem;margin:.25rem .5rem 0 0}\
fieldset{border:1px solid #ccd;margin:1rem 0}.note{color:#667;font-size:.8rem}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            hidden("state", "a\"b"),
            "<input type=\"hidden\" name=\"state\" value=\"a&quot;b\">\n"
        );
    }
}
