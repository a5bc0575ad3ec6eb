//! What every Settings form shares: the values as entered (drawn again when the server
//! refuses them, so nothing typed is lost), the refusal beside its field, and the
//! notice or one-time secret shown after a saved form's redirect (POST → 303 → GET).
//!
//! The notice travels in a short-lived cookie sealed with igdesk's secret key (the
//! key every instance shares), scoped to `/settings` and read once: a secret shown
//! after saving never appears in a URL, a log line or the browser's history, and the
//! page that shows it may be served by another instance than the one that saved.

use crate::app::App;
use crate::service::error::{Kind, ServiceError};
use crate::web::session::Signed;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const COOKIE: &str = "igdesk_flash";
/// Long enough for a slow redirect, short enough that a notice never greets a later
/// visit.
const FLASH_SECONDS: i64 = 120;

/// A form's values as posted, by field name.
#[derive(Default)]
pub struct Entered {
    values: BTreeMap<String, String>,
    /// Which form of the page they belong to (`inbox-3`, `new` …).
    pub target: String,
    error: Option<(Option<&'static str>, String)>,
}

impl Entered {
    pub fn new(target: impl Into<String>, values: BTreeMap<String, String>) -> Self {
        Self {
            values,
            target: target.into(),
            error: None,
        }
    }

    /// The same values, refused with `message` at `field` (none: the form as a
    /// whole).
    pub fn refused(mut self, field: Option<&'static str>, message: impl Into<String>) -> Self {
        self.error = Some((field, message.into()));
        self
    }

    pub fn is(&self, target: &str) -> bool {
        self.target == target
    }

    /// The value entered, or empty.
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }

    /// Whether a checkbox was ticked.
    pub fn ticked(&self, field: &str) -> bool {
        self.values.contains_key(field)
    }

    /// Whether the form had this field at all (rows a page repeats).
    pub fn has(&self, field: &str) -> bool {
        self.values.contains_key(field)
    }

    /// The refusal at this field.
    pub fn error(&self, field: &str) -> Option<&str> {
        match &self.error {
            Some((Some(f), message)) if *f == field => Some(message),
            _ => None,
        }
    }

    /// A refusal about no field in particular.
    pub fn general(&self) -> Option<&str> {
        match &self.error {
            Some((None, message)) => Some(message),
            _ => None,
        }
    }
}

/// A refusal a form can show (bad input, a conflict, Instagram's rules, too many
/// tries): the form is drawn again with it, status 400 (409, 429 …). Anything else
/// (not found, forbidden, igdesk's own failure) is the page's failure.
pub fn shown_on_form(e: &ServiceError) -> bool {
    matches!(
        e.kind,
        Kind::BadInput | Kind::Conflict | Kind::Refused | Kind::TooMany
    ) || e.code == "wrong_password"
}

/// The HTTP status of a refused form: 400, or 429 while too many tries wait.
pub fn refused_status(e: &ServiceError) -> axum::http::StatusCode {
    match e.kind {
        Kind::TooMany => axum::http::StatusCode::TOO_MANY_REQUESTS,
        _ => axum::http::StatusCode::BAD_REQUEST,
    }
}

/// A secret shown once, after the redirect that follows making it.
#[derive(Serialize, Deserialize)]
pub struct Shown {
    /// What it is, for the label: "Signing secret for @shop".
    pub label: String,
    pub value: String,
    /// How to use it, one sentence.
    pub hint: String,
}

#[derive(Serialize, Deserialize)]
struct Flash {
    /// The agent it is for, and the page that shows it.
    agent: i64,
    page: String,
    notice: String,
    shown: Option<Shown>,
    expires_at: i64,
}

/// After a saved form: on to `page` (a GET), which says `notice` (and shows `shown`
/// this once).
pub fn saved(
    app: &App,
    signed: &Signed,
    page: &str,
    notice: impl Into<String>,
    shown: Option<Shown>,
) -> Response {
    let flash = Flash {
        agent: signed.agent.id.0,
        page: page.to_owned(),
        notice: notice.into(),
        shown,
        expires_at: crate::now_ms() + FLASH_SECONDS * 1000,
    };
    let mut response = Redirect::to(page).into_response();
    let sealed = serde_json::to_string(&flash)
        .map(|json| app.sealer.seal(&SecretString::from(json)))
        .ok();
    if let Some(cookie) = sealed.and_then(|s| cookie(app, &s, FLASH_SECONDS)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

fn cookie(app: &App, value: &str, max_age: i64) -> Option<HeaderValue> {
    let secure = if app.settings.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/settings; Max-Age={max_age}{secure}"
    ))
    .ok()
}

/// What a saved form left for this page to say, read once.
pub struct Said {
    pub notice: Option<String>,
    pub shown: Option<Shown>,
    clear: bool,
}

impl Said {
    /// Nothing to say (a refused form's page).
    pub fn nothing() -> Self {
        Self {
            notice: None,
            shown: None,
            clear: false,
        }
    }

    /// The page's response, the notice's cookie cleared once it has been read.
    pub fn answer(self, app: &App, mut response: Response) -> Response {
        if self.clear {
            if let Some(expired) = cookie(app, "", 0) {
                response.headers_mut().append(header::SET_COOKIE, expired);
            }
        }
        response
    }
}

/// The notice a saved form left for `page`, if it is this agent's and still fresh.
pub fn said(app: &App, signed: &Signed, headers: &HeaderMap, page: &str) -> Said {
    let Some(sealed) = flash_cookie(headers) else {
        return Said::nothing();
    };
    let flash: Option<Flash> = app
        .sealer
        .unseal(&sealed)
        .ok()
        .and_then(|json| serde_json::from_str(json.expose_secret()).ok());
    match flash {
        Some(f) if f.page == page && f.agent == signed.agent.id.0 => Said {
            notice: (f.expires_at > crate::now_ms()).then_some(f.notice),
            shown: f.shown.filter(|_| f.expires_at > crate::now_ms()),
            clear: true,
        },
        // Another page's: left for it. Unreadable or someone else's: dropped.
        Some(f) if f.agent == signed.agent.id.0 => Said::nothing(),
        _ => Said {
            clear: true,
            ..Said::nothing()
        },
    }
}

fn flash_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}

/// A number field: whole, or refused in the page's words.
pub fn whole_number(
    entered: &str,
    field: &'static str,
    what: &str,
) -> Result<i64, (Option<&'static str>, String)> {
    entered
        .trim()
        .parse::<i64>()
        .map_err(|_| (Some(field), format!("Enter {what} as a whole number.")))
}

/// A number field that may have decimals (minutes, hours).
pub fn decimal_number(
    entered: &str,
    field: &'static str,
    what: &str,
) -> Result<f64, (Option<&'static str>, String)> {
    entered
        .trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| (Some(field), format!("Enter {what} as a number, e.g. 60.")))
}

/// A number for a form field: whole numbers without decimals, others with up to two.
pub fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        let s = format!("{value:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// A date and time as people read it: "3 Mar 2025, 14:05" (UTC).
pub fn when(at_ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(at_ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{} {} {}, {:02}:{:02} UTC",
        t.day(),
        &t.month().to_string()[..3],
        t.year(),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_people_would_type_them() {
        assert_eq!(number(60.0), "60");
        assert_eq!(number(1.5), "1.5");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(1.0 / 3.0), "0.33");
    }

    #[test]
    fn a_refused_form_keeps_its_values_and_names_its_field() {
        let values = BTreeMap::from([("name".to_owned(), "  VIP ".to_owned())]);
        let entered = Entered::new("new", values).refused(Some("name"), "Too long.");
        assert!(entered.is("new"));
        assert_eq!(entered.value("name"), "  VIP ");
        assert_eq!(entered.error("name"), Some("Too long."));
        assert_eq!(entered.error("other"), None);
        assert_eq!(entered.general(), None);
        assert!(!entered.ticked("admin"));
    }

    #[test]
    fn decimals_take_a_comma_too() {
        assert_eq!(decimal_number("1,5", "f", "it"), Ok(1.5));
        assert!(decimal_number("soon", "f", "it").is_err());
        assert!(whole_number("2.5", "f", "it").is_err());
    }
}
