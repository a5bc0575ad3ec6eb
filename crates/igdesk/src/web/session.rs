//! Who is looking at a page: the console's session cookie, the same one the JSON
//! API accepts. A page asked for without a session goes to the sign-in form; a form
//! posted with the cookie must carry the session's CSRF token, as the API's writes
//! must carry it in `X-CSRF-Token`.

use crate::api::session::session_cookie;
use crate::app::App;
use crate::crypto::hash_token;
use crate::now_ms;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use igdesk_store::Agent;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The signed-in agent and the session's CSRF token (forms carry it back).
pub struct Signed {
    pub agent: Agent,
    pub csrf: String,
}

impl Signed {
    /// Whether a posted form carries this session's CSRF token. Compared without
    /// stopping at the first difference, so timing says nothing about the token.
    pub fn csrf_matches(&self, posted: &str) -> bool {
        crate::crypto::same_secret(&self.csrf, posted)
    }
}

/// No session: the sign-in form.
pub struct SignInFirst;

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        Redirect::to("/").into_response()
    }
}

impl FromRequestParts<App> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Response> {
        let Some(token) = session_cookie(&parts.headers) else {
            return Err(SignInFirst.into_response());
        };
        match app.store.session(&hash_token(&token), now_ms()).await {
            Ok(Some((agent, csrf))) => Ok(Signed { agent, csrf }),
            Ok(None) => Err(SignInFirst.into_response()),
            Err(e) => Err(super::page_error(e)),
        }
    }
}

/// A form posted by a signed-in agent, its CSRF token checked before the handler runs
/// (a forged or stale form gets the "form expired" page).
pub struct Posted<T> {
    pub signed: Signed,
    pub form: T,
}

/// The fields a form carries besides its CSRF token.
#[derive(Deserialize)]
struct WithCsrf<T> {
    csrf: String,
    #[serde(flatten)]
    form: T,
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
pub struct NoFields {}

impl<T: DeserializeOwned + Send> FromRequest<App> for Posted<T> {
    type Rejection = Response;

    async fn from_request(request: Request, app: &App) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let signed = Signed::from_request_parts(&mut parts, app).await?;
        let request = Request::from_parts(parts, body);
        let Form(posted) = Form::<WithCsrf<T>>::from_request(request, app)
            .await
            .map_err(IntoResponse::into_response)?;
        if !signed.csrf_matches(&posted.csrf) {
            return Err(super::stale_form());
        }
        Ok(Posted {
            signed,
            form: posted.form,
        })
    }
}
