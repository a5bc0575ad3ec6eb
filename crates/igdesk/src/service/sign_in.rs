//! Signing in to the console: a session behind an HttpOnly, SameSite=Strict cookie,
//! with a CSRF token that cookie-authenticated writes must echo. Wrong password and
//! unknown email answer alike, and take as long; repeated failures for one email are
//! refused for a while. Both faces (the JSON API and the pages) sign in here and set
//! the same cookie.

use super::error::{Kind, ServiceError};
use super::passwords;
use crate::app::App;
use crate::crypto::{hash_password, hash_token, random_hex, verify_password};
use crate::now_ms;
use igdesk_domain::time::{DAY, MINUTE};
use igdesk_domain::Millis;
use igdesk_store::{Agent, NewSession};
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// The session cookie's name.
pub const COOKIE: &str = "igdesk_session";
const SESSION_LIFETIME: Millis = 7 * DAY;
/// Failed sign-ins for one email within this span…
const FAILURE_SPAN: Millis = 15 * MINUTE;
/// …beyond this many are refused until the span has passed.
const FAILURES_ALLOWED: usize = 5;

/// Failed sign-ins per email (lower case), in this process.
#[derive(Default)]
pub struct SignInFailures {
    by_email: Mutex<HashMap<String, Vec<Millis>>>,
}

impl SignInFailures {
    /// When this email may try again, if it is locked out now.
    fn locked_until(&self, email: &str, now: Millis) -> Option<Millis> {
        let mut map = self.by_email.lock().expect("sign-in failures lock");
        let recent = map.entry(email.to_owned()).or_default();
        recent.retain(|t| now - t < FAILURE_SPAN);
        (recent.len() >= FAILURES_ALLOWED).then(|| recent[0] + FAILURE_SPAN)
    }

    /// Seconds until this email may try again, if it is locked out now (at least 1).
    pub(crate) fn wait_seconds(&self, email: &str, now: Millis) -> Option<u64> {
        self.locked_until(email, now)
            .map(|until| ((until - now) / 1000).max(1) as u64)
    }

    /// A wrong password for this email (signing in, or proving the current one).
    pub(crate) fn failed(&self, email: &str, now: Millis) {
        self.by_email
            .lock()
            .expect("sign-in failures lock")
            .entry(email.to_owned())
            .or_default()
            .push(now);
    }

    fn succeeded(&self, email: &str) {
        self.by_email
            .lock()
            .expect("sign-in failures lock")
            .remove(email);
    }
}

/// A new session.
pub struct SignedIn {
    pub agent: Agent,
    /// The session cookie's value (`session_cookie_header`); stored only hashed.
    pub token: String,
    /// Cookie-authenticated writes carry it back (a header, or a form field).
    pub csrf_token: String,
}

/// A hash no password matches, checked when the email is unknown so that both
/// refusals take as long.
fn no_one() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(&SecretString::from(random_hex(16))).unwrap_or_default())
}

/// Checks the email (in any case, spaces around ignored) and password and opens a
/// session. Refused with `sign_in_failed` (unauthorized) for a wrong password or an
/// unknown email alike, with `too_many_attempts` (`retry_after` set) while the
/// email is locked out, and with `account_deactivated` (unauthorized) for the right
/// password of an agent an administrator switched off.
pub async fn sign_in(
    app: &App,
    email: &str,
    password: SecretString,
) -> Result<SignedIn, ServiceError> {
    let email = email.trim().to_lowercase();
    let now = now_ms();
    if let Some(wait) = app.sign_in_failures.wait_seconds(&email, now) {
        return Err(ServiceError::too_many(
            "too_many_attempts",
            format!("too many failed sign-ins: try again in {wait} s"),
            wait,
        ));
    }
    let found = app.store.credentials_by_email(&email).await?;
    let hash = found.as_ref().map(|c| c.password_hash.clone());
    // Argon2 runs on a blocking thread: it takes tens of milliseconds by design.
    let matches = passwords::blocking(move || match hash {
        Some(hash) => verify_password(&password, &hash),
        None => {
            verify_password(&password, no_one());
            false
        }
    })
    .await?;
    let Some(found) = found.filter(|_| matches) else {
        app.sign_in_failures.failed(&email, now);
        return Err(ServiceError::new(
            Kind::Unauthorized,
            "sign_in_failed",
            "wrong email or password",
        ));
    };
    app.sign_in_failures.succeeded(&email);
    if found.deactivated_at.is_some() {
        // Said only to whoever knows the password: anyone else gets `sign_in_failed`
        // above, as for an unknown email, and learns nothing about the account.
        return Err(ServiceError::new(
            Kind::Unauthorized,
            "account_deactivated",
            "this account is deactivated; an administrator can reactivate it",
        ));
    }
    let agent = found.agent;
    let token = random_hex(32);
    let csrf_token = random_hex(16);
    app.store
        .create_session(NewSession {
            token_hash: hash_token(&token),
            agent: agent.id,
            csrf_token: csrf_token.clone(),
            created_at: now,
            expires_at: now + SESSION_LIFETIME,
        })
        .await?;
    Ok(SignedIn {
        agent,
        token,
        csrf_token,
    })
}

/// Ends the session of this cookie value; an unknown one is already ended.
pub async fn sign_out(app: &App, token: &str) -> Result<(), ServiceError> {
    Ok(app.store.end_session(&hash_token(token)).await?)
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Strict, 7 days, and Secure when
/// igdesk is served over https.
pub fn session_cookie_header(app: &App, token: &str) -> String {
    let secure = if app.settings.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        SESSION_LIFETIME / 1000
    )
}

/// `Set-Cookie` that clears the session cookie.
pub fn expired_cookie_header() -> String {
    format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// The agent of a live session and the session's CSRF token, by its cookie value.
pub async fn session(app: &App, token: &str) -> Result<Option<(Agent, String)>, ServiceError> {
    Ok(app.store.session(&hash_token(token), now_ms()).await?)
}
