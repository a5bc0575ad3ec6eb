//! The first administrator of a fresh igdesk, without the command line: `igdesk
//! serve` prints a one-time link while nobody can sign in; its form makes an
//! administrator of the default inbox and signs them in, on to Settings to connect
//! an Instagram account. Once anyone can sign in, the link leads to the sign-in form.

use super::{assets, render};
use crate::app::App;
use crate::people::{add_person, NewPerson};
use crate::service::sign_in;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use secrecy::SecretString;
use serde::Deserialize;
use tokio::sync::Mutex;

/// Two forms sent at once make one administrator, not two.
static SETTING_UP: Mutex<()> = Mutex::const_new(());

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    css: String,
    token: String,
    name: String,
    email: String,
    errors: Errors,
}

#[derive(Default)]
struct Errors {
    name: Option<String>,
    email: Option<String>,
    password: Option<String>,
    repeat: Option<String>,
}

impl Errors {
    fn any(&self) -> bool {
        self.name.is_some()
            || self.email.is_some()
            || self.password.is_some()
            || self.repeat.is_some()
    }
}

#[derive(Deserialize, Default)]
pub struct Link {
    #[serde(default)]
    token: String,
}

/// Whether the link is this run's, by a comparison that does not stop early.
fn link_matches(app: &App, token: &str) -> bool {
    crate::crypto::same_secret(&app.setup_token, token)
}

async fn nobody_yet(app: &App) -> Result<bool, Response> {
    app.store
        .agent_details()
        .await
        .map(|agents| agents.is_empty())
        .map_err(super::page_error)
}

fn not_this_link() -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::response::Html("<!doctype html><title>igdesk</title><p>This setup link is not this igdesk's: use the one <code>igdesk serve</code> printed when it started.</p>"),
    )
        .into_response()
}

pub async fn page(State(app): State<App>, Query(link): Query<Link>) -> Response {
    match nobody_yet(&app).await {
        Ok(true) => {}
        Ok(false) => return Redirect::to("/").into_response(),
        Err(page) => return page,
    }
    if !link_matches(&app, &link.token) {
        return not_this_link();
    }
    form(
        StatusCode::OK,
        link.token,
        String::new(),
        String::new(),
        Errors::default(),
    )
}

fn form(
    status: StatusCode,
    token: String,
    name: String,
    email: String,
    errors: Errors,
) -> Response {
    render(
        status,
        SetupPage {
            css: assets::url("console.css"),
            token,
            name,
            email,
            errors,
        },
    )
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    repeat: String,
}

pub async fn submit(
    State(app): State<App>,
    crate::api::session::ClientAddress(client): crate::api::session::ClientAddress,
    Form(f): Form<SetupForm>,
) -> Response {
    let _one_at_a_time = SETTING_UP.lock().await;
    match nobody_yet(&app).await {
        Ok(true) => {}
        Ok(false) => return Redirect::to("/").into_response(),
        Err(page) => return page,
    }
    if !link_matches(&app, &f.token) {
        return not_this_link();
    }
    let name = f.name.trim().to_owned();
    let email = f.email.trim().to_owned();
    let mut errors = Errors::default();
    if name.is_empty() || name.chars().count() > 100 {
        errors.name = Some("Enter your name (up to 100 characters)".into());
    }
    if email.len() > 254 || !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        errors.email = Some("Enter an email address, like lia@example.com".into());
    }
    if let Err(e) =
        crate::service::passwords::check_new(&SecretString::from(f.password.clone()), "password")
    {
        errors.password = Some(e.message);
    }
    if f.password != f.repeat {
        errors.repeat = Some("The two passwords differ".into());
    }
    if errors.any() {
        return form(StatusCode::BAD_REQUEST, f.token, name, email, errors);
    }
    let person = NewPerson {
        email: email.clone(),
        name: name.clone(),
        password: SecretString::from(f.password.clone()),
        is_admin: true,
        inboxes: vec!["Instagram".into()],
    };
    if let Err(e) = add_person(app.store.as_ref(), person).await {
        return super::page_error(e);
    }
    match sign_in::sign_in(&app, client, &email, SecretString::from(f.password)).await {
        Ok(signed_in) => {
            let mut response = Redirect::to("/settings/accounts").into_response();
            match HeaderValue::from_str(&sign_in::session_cookie_header(&app, &signed_in.token)) {
                Ok(cookie) => {
                    response.headers_mut().insert(header::SET_COOKIE, cookie);
                    response
                }
                Err(e) => super::page_error(e),
            }
        }
        Err(e) => super::page_error(e),
    }
}
