//! Signing in and out of the console: a plain form that works without scripts.
//! Wrong password and unknown email read alike; a lockout says how long to wait; an
//! email too long to be one is said beside the field; a post from another website is
//! refused (`origin`).

use super::session::{NoFields, Posted};
use super::{assets, render, Failed};
use crate::api::session::{session_cookie, ClientAddress};
use crate::app::App;
use crate::service::error::Kind;
use crate::service::sign_in;
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use secrecy::SecretString;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    css: String,
    email: String,
    error: Option<String>,
    /// What is wrong with the email itself, said beside its field.
    email_error: Option<String>,
    /// Nobody can sign in yet: the first administrator is made at the setup link.
    nobody_yet: bool,
}

fn form(status: StatusCode, email: String, error: Option<String>) -> Response {
    render(
        status,
        SignInPage {
            css: assets::url("console.css"),
            email,
            error,
            email_error: None,
            nobody_yet: false,
        },
    )
}

/// `/`: the desk for a signed-in agent, the sign-in form for anyone else.
pub async fn page(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Some(token) = session_cookie(&headers) {
        let hash = crate::crypto::hash_token(&token);
        if let Ok(Some(_)) = app.store.session(&hash, crate::now_ms()).await {
            return Redirect::to("/desk").into_response();
        }
    }
    let nobody_yet = app
        .store
        .agent_details()
        .await
        .is_ok_and(|agents| agents.is_empty());
    render(
        StatusCode::OK,
        SignInPage {
            css: assets::url("console.css"),
            email: String::new(),
            error: None,
            email_error: None,
            nobody_yet,
        },
    )
}

#[derive(Deserialize)]
pub struct Credentials {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn submit(
    State(app): State<App>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Form(credentials): Form<Credentials>,
) -> Response {
    let email = credentials.email.trim().to_owned();
    if super::origin::from_another_site(&headers, &app.settings.public_url) {
        let error = "This sign-in was sent from another website, so it was not done. Sign in \
                     here, on igdesk's own page."
            .to_owned();
        return form(StatusCode::FORBIDDEN, email, Some(error));
    }
    if email.is_empty() || credentials.password.is_empty() {
        let error = "Enter your email and password".to_owned();
        return form(StatusCode::UNPROCESSABLE_ENTITY, email, Some(error));
    }
    let password = SecretString::from(credentials.password);
    match sign_in::sign_in(&app, client, &email, password).await {
        Ok(signed_in) => {
            let mut response = Redirect::to("/desk").into_response();
            match HeaderValue::from_str(&sign_in::session_cookie_header(&app, &signed_in.token)) {
                Ok(cookie) => {
                    response.headers_mut().insert(header::SET_COOKIE, cookie);
                    response
                }
                Err(e) => super::page_error(e),
            }
        }
        Err(refused) => {
            let (status, message) = match refused.kind {
                Kind::TooMany => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "Too many failed sign-ins. Try again in {}.",
                        wait_words(refused.retry_after.unwrap_or(60))
                    ),
                ),
                Kind::BadInput if refused.field == Some("email") => {
                    // Not echoed back: it may be megabytes.
                    return render(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        SignInPage {
                            css: assets::url("console.css"),
                            email: String::new(),
                            error: None,
                            email_error: Some(format!(
                                "An email address has at most {} characters.",
                                sign_in::EMAIL_MAX_CHARS
                            )),
                            nobody_yet: false,
                        },
                    );
                }
                Kind::Unavailable => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Many people are signing in right now. Try again in a moment.".to_owned(),
                ),
                Kind::Unauthorized if refused.code == "account_deactivated" => (
                    StatusCode::UNAUTHORIZED,
                    "This account is deactivated. An administrator can reactivate it in Settings › Agents.".to_owned(),
                ),
                Kind::Unauthorized | Kind::BadInput => (
                    StatusCode::UNAUTHORIZED,
                    "Wrong email or password".to_owned(),
                ),
                _ => return super::page_error(refused.message),
            };
            form(status, email, Some(message))
        }
    }
}

fn wait_words(seconds: u64) -> String {
    match seconds {
        0..=59 => format!("{seconds} seconds"),
        60..=119 => "1 minute".to_owned(),
        _ => format!("{} minutes", seconds.div_ceil(60)),
    }
}

pub async fn sign_out(
    State(app): State<App>,
    headers: HeaderMap,
    _form: Posted<NoFields>,
) -> Response {
    if let Some(token) = session_cookie(&headers) {
        if let Err(e) = sign_in::sign_out(&app, &token).await {
            return Failed::from(e).into_response();
        }
    }
    let mut response = Redirect::to("/").into_response();
    if let Ok(expired) = HeaderValue::from_str(&sign_in::expired_cookie_header()) {
        response.headers_mut().insert(header::SET_COOKIE, expired);
    }
    response
}
