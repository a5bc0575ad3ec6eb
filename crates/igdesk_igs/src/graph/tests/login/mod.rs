//! Meta's login over real HTTP, as igdesk and a person's browser go through it:
//! the dialog page, its form, Meta's redirect back, the exchanges.

mod facebook;
mod instagram;

use reqwest::redirect::Policy;
use reqwest::Url;
use serde_json::Value;

/// Where the dialogs send the person back (never called: redirects are read).
const BACK: &str = "https://desk.example/connect/back?from=settings";

/// A browser that shows pages and submits forms but follows no redirect, so
/// that Meta's redirect back to the app can be read.
struct Browser {
    base: String,
    client: reqwest::Client,
}

/// A dialog as shown: its URL, status and HTML.
struct Dialog {
    url: String,
    status: u16,
    html: String,
}

impl Browser {
    fn new(base: &str) -> Self {
        let client = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap();
        Browser {
            base: base.to_owned(),
            client,
        }
    }

    /// `GET {base}/{path}` with `query`.
    async fn open(&self, path: &str, query: &[(&str, &str)]) -> Dialog {
        let url = Url::parse_with_params(&format!("{}/{path}", self.base), query).unwrap();
        let response = self.client.get(url.clone()).send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(content_type.starts_with("text/html"), "{content_type}");
        Dialog {
            url: url.to_string(),
            status,
            html: response.text().await.unwrap(),
        }
    }

    /// Press the button `decision` of the dialog's form, with some fields
    /// changed: the status and the `Location` answered.
    async fn press(&self, dialog: &Dialog, decision: &str, changed: &[(&str, &str)]) -> (u16, Url) {
        let action = attribute(&dialog.html, "<form", "action").expect("a form");
        let target = Url::parse(&dialog.url).unwrap().join(&action).unwrap();
        let mut fields = submitted_fields(&dialog.html);
        for (name, value) in changed {
            fields.retain(|(n, _)| n != name);
            fields.push(((*name).to_owned(), (*value).to_owned()));
        }
        fields.push(("decision".to_owned(), decision.to_owned()));
        let response = self.client.post(target).form(&fields).send().await.unwrap();
        let status = response.status().as_u16();
        let location = response.headers().get("location").cloned();
        let Some(location) = location else {
            panic!("no redirect ({status}): {}", response.text().await.unwrap());
        };
        (status, Url::parse(location.to_str().unwrap()).unwrap())
    }
}

/// The value of `name` in the first tag starting with `tag`.
fn attribute(html: &str, tag: &str, name: &str) -> Option<String> {
    let start = html.find(tag)?;
    let element = &html[start..start + html[start..].find('>')?];
    attribute_of(element, name)
}

fn attribute_of(element: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = element.find(&key)? + key.len();
    let end = start + element[start..].find('"')?;
    Some(unescape(&element[start..end]))
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// What a browser submits: hidden inputs and checked radio buttons.
fn submitted_fields(html: &str) -> Vec<(String, String)> {
    let inputs = html.split("<input").skip(1);
    let elements = inputs.map(|rest| &rest[..rest.find('>').unwrap_or(rest.len())]);
    elements
        .filter(|input| {
            let kind = attribute_of(input, "type").unwrap_or_default();
            kind == "hidden" || (kind == "radio" && input.contains(" checked"))
        })
        .filter_map(|input| Some((attribute_of(input, "name")?, attribute_of(input, "value")?)))
        .collect()
}

/// The query parameter `name` of `url`.
fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Every query parameter of `url` but the app's own, in order.
fn added_pairs(url: &Url) -> Vec<(String, String)> {
    let pairs = url.query_pairs().filter(|(key, _)| key != "from");
    pairs
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The error message of a Graph error body.
fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}
