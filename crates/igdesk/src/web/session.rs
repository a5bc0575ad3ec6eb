//! Who is looking at a page: the console's session cookie, the same one the JSON
//! API accepts. A page asked for without a session goes to the sign-in form; a form
//! posted with the cookie must carry the session's CSRF token, as the API's writes
//! must carry it in `X-CSRF-Token`.

use crate::api::session::session_cookie;
use crate::app::App;
use crate::crypto::hash_token;
use crate::now_ms;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use igdesk_store::Agent;

/// The signed-in agent and the session's CSRF token (forms carry it back).
pub struct Signed {
    pub agent: Agent,
    pub csrf: String,
}

impl Signed {
    /// Whether a posted form carries this session's CSRF token. Compared without
    /// stopping at the first difference, so timing says nothing about the token.
    pub fn csrf_matches(&self, posted: &str) -> bool {
        let (a, b) = (self.csrf.as_bytes(), posted.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
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
