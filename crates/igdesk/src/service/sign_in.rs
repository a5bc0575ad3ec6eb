//! Signing in to the console: a session behind an HttpOnly, SameSite=Strict cookie,
//! with a CSRF token that cookie-authenticated writes must echo. Wrong password and
//! unknown email answer alike, and take as long. Failed tries are limited per client
//! address, per email, and per known place of an email ([`throttle`] says how and
//! why); the password is checked on the bounded hashing pool
//! (`passwords::blocking`), so a flood of sign-ins cannot take the cores that answer
//! Meta's webhooks. Both faces (the JSON API and the pages) sign in here and set the
//! same cookie.

mod throttle;

use super::error::{Kind, ServiceError};
use super::passwords;
use crate::app::App;
use crate::crypto::{hash_password, hash_token, random_hex, verify_password};
use crate::now_ms;
use igdesk_domain::time::DAY;
use igdesk_domain::Millis;
use igdesk_store::{Agent, NewSession};
use secrecy::SecretString;
use std::net::IpAddr;
use std::sync::OnceLock;

pub use throttle::{SignInFailures, ADDRESS_TRIES, EMAIL_TRIES, FAILURE_SPAN};

/// The session cookie's name.
pub const COOKIE: &str = "igdesk_session";
const SESSION_LIFETIME: Millis = 7 * DAY;
/// The longest email address there is (RFC 5321's path limit): longer ones are
/// refused before anything is looked up or counted.
pub const EMAIL_MAX_CHARS: usize = 254;

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

/// Checks the email (in any case, spaces around ignored) and password from the client
/// at `client` and opens a session. Refused with `email_too_long` (bad input, field
/// `email`) beyond [`EMAIL_MAX_CHARS`]; with `sign_in_failed` (unauthorized) for a
/// wrong password or an unknown email alike; with `too_many_attempts` (`retry_after`
/// set) while the address or the email is locked out; with `busy` (unavailable,
/// `retry_after` set) when too many passwords are being checked at once; and with
/// `account_deactivated` (unauthorized) for the right password of an agent an
/// administrator switched off.
pub async fn sign_in(
    app: &App,
    client: IpAddr,
    email: &str,
    password: SecretString,
) -> Result<SignedIn, ServiceError> {
    let email = email.trim();
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Err(ServiceError::bad_request(
            "email_too_long",
            format!("the email must have at most {EMAIL_MAX_CHARS} characters"),
        )
        .field("email"));
    }
    let email = email.to_lowercase();
    let now = now_ms();
    let attempt = app
        .sign_in_failures
        .try_sign_in(&email, client, now)
        .map_err(|wait| {
            ServiceError::too_many(
                "too_many_attempts",
                format!("too many failed sign-ins: try again in {wait} s"),
                wait,
            )
        })?;
    let found = app.store.credentials_by_email(&email).await?;
    let hash = found.as_ref().map(|c| c.password_hash.clone());
    // Argon2 runs on the bounded blocking pool: it takes tens of milliseconds by design.
    let checked = passwords::blocking(move || match hash {
        Some(hash) => verify_password(&password, &hash),
        None => {
            verify_password(&password, no_one());
            false
        }
    })
    .await;
    let matches = match checked {
        Ok(matches) => matches,
        Err(busy) => {
            // Not checked: not a guess, so not counted.
            app.sign_in_failures.withdraw(attempt);
            return Err(busy);
        }
    };
    let Some(found) = found.filter(|_| matches) else {
        // Counted already, when the try started.
        return Err(ServiceError::new(
            Kind::Unauthorized,
            "sign_in_failed",
            "wrong email or password",
        ));
    };
    app.sign_in_failures.succeeded(attempt);
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
