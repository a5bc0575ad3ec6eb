//! Passwords (UI-4): an agent changes their own, proving the current one; an
//! administrator sets another agent's. Argon2 is slow on purpose (tens of
//! milliseconds of a core), so every hash and check here (sign-in's too) runs on
//! the hashing pool ([`pool`]): never on the threads that serve requests and live
//! streams, at most [`hashing_at_once`] at a time, at a lower CPU priority. Unbounded
//! (tokio's blocking pool), a flood of sign-ins started a thread per request and took
//! every core from Meta's webhooks. Beyond a short line a request is refused at once
//! with `busy` (503, Retry-After) rather than queued without end.

mod pool;

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

/// How many passwords are hashed at once: one per core the process may use.
pub fn hashing_at_once() -> usize {
    pool::pool().size
}

/// Runs `work` (a password hash or check) on the hashing pool, at most
/// [`hashing_at_once`] at a time. Refused with `busy` (unavailable, `retry_after`
/// 1 s) when too many are already waiting.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServiceError> {
    pool::run(work).await
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
    // Counted as wrong from the start (tries at once cannot overshoot the limit),
    // forgiven below when right.
    let tried_at = app
        .sign_in_failures
        .try_current_password(&email, crate::now_ms())
        .map_err(|wait| {
            ServiceError::too_many(
                "too_many_attempts",
                format!("too many wrong passwords: try again in {wait} s"),
                wait,
            )
        })?;
    let stored = app
        .store
        .credentials(agent.id)
        .await?
        .ok_or_else(ServiceError::unauthorized)?;
    let right = verify(current, stored.password_hash.clone())
        .await
        .inspect_err(|_| app.sign_in_failures.forgive_current(&email, tried_at))?;
    if right {
        app.sign_in_failures.forgive_current(&email, tried_at);
    } else {
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_hashes_run_at_once_than_cores_and_a_flood_is_refused_not_queued() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static MOST: AtomicUsize = AtomicUsize::new(0);
        let size = hashing_at_once();
        let flood = size * (1 + pool::WAITING_PER_THREAD) * 3;
        let tries: Vec<_> = (0..flood)
            .map(|_| {
                tokio::spawn(blocking(|| {
                    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                    MOST.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    RUNNING.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        let mut busy = 0;
        for t in tries {
            if let Err(e) = t.await.unwrap() {
                assert_eq!(
                    (e.code, e.kind, e.retry_after),
                    ("busy", Kind::Unavailable, Some(1))
                );
                busy += 1;
            }
        }
        assert!(
            MOST.load(Ordering::SeqCst) <= size,
            "{MOST:?} at once, {size} cores"
        );
        assert!(busy > 0 && busy < flood, "{busy} of {flood} refused");
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
