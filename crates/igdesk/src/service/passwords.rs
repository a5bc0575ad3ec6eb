//! Passwords (UI-4): an agent changes their own, proving the current one; an
//! administrator sets another agent's. Argon2 is slow on purpose (tens of
//! milliseconds of a core), so it runs on tokio's blocking threads, never on the
//! threads that serve requests and live streams.

use super::error::{Kind, ServiceError};
use crate::app::App;
use crate::crypto::hash_token;
use igdesk_domain::AgentId;
use igdesk_store::{Agent, PasswordChange};
use secrecy::{ExposeSecret, SecretString};

pub const PASSWORD_MIN_CHARS: usize = 8;
/// Long passphrases are welcome; megabytes handed to argon2 are not.
pub const PASSWORD_MAX_CHARS: usize = 256;

/// A new password's length, checked before anything is hashed; `field` names it.
pub fn check_new(password: &SecretString, field: &'static str) -> Result<(), ServiceError> {
    let chars = password.expose_secret().chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(ServiceError::bad_request(
            "weak_password",
            format!("the password must have at least {PASSWORD_MIN_CHARS} characters"),
        )
        .field(field));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(ServiceError::bad_request(
            "password_too_long",
            format!("the password must have at most {PASSWORD_MAX_CHARS} characters"),
        )
        .field(field));
    }
    Ok(())
}

/// Argon2id, off the async threads.
pub async fn hash(password: SecretString) -> Result<String, ServiceError> {
    blocking(move || crate::crypto::hash_password(&password))
        .await?
        .map_err(ServiceError::internal)
}

/// Whether `password` matches `hash`, off the async threads.
pub async fn verify(password: SecretString, hash: String) -> Result<bool, ServiceError> {
    blocking(move || crate::crypto::verify_password(&password, &hash)).await
}

/// Runs `work` on tokio's blocking threads.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServiceError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ServiceError::internal)
}

/// The agent's own new password, given the current one. Every other session of theirs
/// ends; `keep_session` (the session cookie's value, when the request came with it)
/// stays signed in. Personal API tokens are separate credentials and stay.
///
/// Refused with `wrong_password` (field `current_password`) when the current one
/// does not match — a guess that counts towards the sign-in lockout of the agent's
/// email, so a stolen session cannot try passwords faster than the sign-in form —
/// and with `too_many_attempts` while that lockout lasts.
pub async fn change_own(
    app: &App,
    agent: &Agent,
    current: SecretString,
    new: SecretString,
    keep_session: Option<&str>,
) -> Result<(), ServiceError> {
    check_new(&new, "new_password")?;
    let email = agent.email.trim().to_lowercase();
    if let Some(wait) = app.sign_in_failures.wait_seconds(&email, crate::now_ms()) {
        return Err(ServiceError::too_many(
            "too_many_attempts",
            format!("too many wrong passwords: try again in {wait} s"),
            wait,
        ));
    }
    let stored = app
        .store
        .credentials(agent.id)
        .await?
        .ok_or_else(ServiceError::unauthorized)?;
    if !verify(current, stored.password_hash.clone()).await? {
        app.sign_in_failures.failed(&email, crate::now_ms());
        return Err(ServiceError::new(
            Kind::Forbidden,
            "wrong_password",
            "the current password is not right",
        )
        .field("current_password"));
    }
    let new_hash = hash(new).await?;
    let keep = keep_session.map(hash_token);
    let changed = app
        .store
        .set_password(
            agent.id,
            &new_hash,
            Some(&stored.password_hash),
            keep.as_deref(),
            app.clock.now(),
        )
        .await?;
    settled(app, agent.id, changed)
}

/// An administrator sets another agent's password (the agent forgot theirs, or it
/// leaked): all of that agent's sessions end. Their own password an administrator
/// changes with [`change_own`], which asks for the current one: a session left open
/// must not be enough to take over an administrator's account.
pub async fn reset(
    app: &App,
    admin: &Agent,
    agent: AgentId,
    new: SecretString,
) -> Result<(), ServiceError> {
    super::access::require_admin(admin)?;
    if agent == admin.id {
        return Err(ServiceError::conflict(
            "own_password",
            "change your own password with your current one (PUT /api/v1/me/password)",
        ));
    }
    check_new(&new, "password")?;
    let new_hash = hash(new).await?;
    let changed = app
        .store
        .set_password(agent, &new_hash, None, None, app.clock.now())
        .await?;
    match changed {
        PasswordChange::Unknown => Err(ServiceError::not_found("agent")),
        other => settled(app, agent, other),
    }
}

fn settled(app: &App, agent: AgentId, changed: PasswordChange) -> Result<(), ServiceError> {
    match changed {
        PasswordChange::Done { sessions_ended } => {
            tracing::info!(agent.id = agent.0, sessions_ended, "password changed");
            // Streams of the ended sessions read the `signed_out` event and close.
            app.wake.live.agents([agent]);
            Ok(())
        }
        PasswordChange::Changed => Err(ServiceError::conflict(
            "password_changed",
            "the password was changed meanwhile; sign in again with the new one",
        )),
        PasswordChange::Unknown => Err(ServiceError::unauthorized()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_password_has_8_to_256_characters() {
        let check = |p: &str| check_new(&SecretString::from(p.to_owned()), "password");
        assert_eq!(check("short").unwrap_err().code, "weak_password");
        assert!(check("eight ch").is_ok());
        // Characters, not bytes: eight accented letters are enough.
        assert!(check("éééééééé").is_ok());
        assert!(check(&"x".repeat(PASSWORD_MAX_CHARS)).is_ok());
        let long = check(&"x".repeat(PASSWORD_MAX_CHARS + 1)).unwrap_err();
        assert_eq!(
            (long.code, long.field),
            ("password_too_long", Some("password"))
        );
    }

    #[tokio::test]
    async fn hashing_and_checking_run_off_the_async_threads_and_agree() {
        let hashed = hash(SecretString::from("correct horse".to_owned()))
            .await
            .unwrap();
        assert!(verify(
            SecretString::from("correct horse".to_owned()),
            hashed.clone()
        )
        .await
        .unwrap());
        assert!(
            !verify(SecretString::from("wrong horse".to_owned()), hashed)
                .await
                .unwrap()
        );
    }
}
