//! The two login dialogs: who logs in, the app asking and the permissions it
//! asks for, Continue and Cancel. Continue hands out a code (single use, valid
//! ten minutes, bound to the app and the redirect URI) and redirects back with
//! it; Cancel redirects back with Meta's "user denied" error. An unknown app or
//! an unusable redirect URI gets an error page with status 400 instead, as Meta
//! shows one instead of the dialog.

use axum::http::StatusCode;
use axum::response::Response;
use reqwest::Url;

use super::{page, param, redirect_back, Api, GraphRequest};
use crate::ids;
use crate::sim::login::Grant;
use crate::sim::Simulator;

/// Why a dialog is not shown: the error page's title and message.
type Unusable = (&'static str, &'static str);

/// What a dialog was asked, checked: the page and the choice both need it.
struct Ask {
    path: Api,
    client_id: String,
    /// As given: the exchange must repeat it exactly.
    redirect_uri: String,
    back: Url,
    state: Option<String>,
    scope: String,
}

impl Ask {
    fn read(sim: &Simulator, request: &GraphRequest, path: Api) -> Result<Ask, Unusable> {
        let config = sim.login_config();
        let client_id = param(request, "client_id").unwrap_or_default();
        if client_id != config.app(path).0 {
            return Err(match path {
                Api::Facebook => (
                    "Invalid App ID",
                    "The provided app ID does not look like a valid app ID.",
                ),
                Api::Instagram => (
                    "Invalid Request",
                    "Request parameters are invalid: Invalid platform app",
                ),
            });
        }
        let redirect_uri = param(request, "redirect_uri").unwrap_or_default();
        let back = Url::parse(&redirect_uri)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .ok_or((
                "URL blocked",
                "The redirect_uri is missing or is not an absolute http(s) URL.",
            ))?;
        // Facebook Login's default is the code flow; Instagram Login insists.
        let response_type = param(request, "response_type");
        let code_flow = matches!(
            (path, response_type.as_deref()),
            (_, Some("code")) | (Api::Facebook, None)
        );
        if !code_flow {
            return Err((
                "Invalid Request",
                "response_type must be code (the simulator plays only the code flow).",
            ));
        }
        Ok(Ask {
            path,
            client_id,
            redirect_uri,
            back,
            state: param(request, "state"),
            scope: param(request, "scope").unwrap_or_default(),
        })
    }

    fn scopes(&self) -> Vec<String> {
        let separators = [',', ' '];
        let scopes = self.scope.split(separators).filter(|s| !s.is_empty());
        scopes.map(str::to_owned).collect()
    }

    /// The dialog's parameters, carried by its form to the choice.
    fn hidden_fields(&self) -> String {
        let mut fields = page::hidden("client_id", &self.client_id);
        fields += &page::hidden("redirect_uri", &self.redirect_uri);
        fields += &page::hidden("response_type", "code");
        fields += &page::hidden("scope", &self.scope);
        if let Some(state) = &self.state {
            fields += &page::hidden("state", state);
        }
        fields
    }

    /// The permissions asked for, as the dialog lists them.
    fn asked(&self) -> String {
        let scopes = self.scopes();
        if scopes.is_empty() {
            return "<p>It asks for no permission beyond your public profile.</p>\n".to_owned();
        }
        format!(
            "<p>App {} is asking for these permissions:</p>\n{}",
            page::escape(&self.client_id),
            page::list(&scopes)
        )
    }

    fn code(&self, sim: &Simulator, ig_id: Option<String>) -> String {
        let grant = Grant {
            path: self.path,
            client_id: self.client_id.clone(),
            redirect_uri: self.redirect_uri.clone(),
            scopes: self.scopes(),
            ig_id,
        };
        sim.state().logins.issue_code(grant, ids::now_ms())
    }

    /// Back to the app with `pairs`, then `state` as given.
    fn back(&self, pairs: &[(&str, &str)], fragment: Option<&str>) -> Response {
        let mut all = pairs.to_vec();
        if let Some(state) = &self.state {
            all.push(("state", state));
        }
        redirect_back(&self.back, &all, fragment)
    }
}

fn bad(title: &str, message: &str) -> Response {
    page::error(StatusCode::BAD_REQUEST, title, message)
}

/// The two buttons; `continue_label` is `None` when nobody can log in.
fn buttons(continue_label: Option<&str>) -> String {
    let go = continue_label.map_or_else(String::new, |label| {
        format!(
            "<button type=\"submit\" name=\"decision\" value=\"continue\">{}</button>\n",
            page::escape(label)
        )
    });
    format!("{go}<button type=\"submit\" name=\"decision\" value=\"cancel\">Cancel</button>\n")
}

/// `GET /www.facebook.com/{version}/dialog/oauth`.
pub(super) fn facebook(sim: &Simulator, request: &GraphRequest) -> Response {
    let ask = match Ask::read(sim, request, Api::Facebook) {
        Ok(ask) => ask,
        Err((title, message)) => return bad(title, message),
    };
    let user = sim.login_config().facebook_user_name;
    let pages: Vec<String> = {
        let state = sim.state();
        let names = &state.logins.names;
        let linked = state.businesses.iter().map(|b| {
            let name = names.get(&b.ig_id).unwrap_or(&b.username);
            format!("{name} (Instagram @{})", b.username)
        });
        let bare = state.logins.bare_pages.iter().map(|p| p.name.clone());
        linked.chain(bare).collect()
    };
    let body = format!(
        "<h1>Log in with Facebook</h1>\n<p>You are logging in as <strong>{user}</strong>.</p>\n\
         {asked}<p>Pages you manage that the app will reach:</p>\n{pages}\
         <form method=\"post\" action=\"oauth\">\n{fields}{buttons}</form>\n",
        user = page::escape(&user),
        asked = ask.asked(),
        pages = page::list(&pages),
        fields = ask.hidden_fields(),
        buttons = buttons(Some(&format!("Continue as {user}"))),
    );
    page::document(StatusCode::OK, "Log in with Facebook", &body)
}

/// `POST /www.facebook.com/{version}/dialog/oauth`: Continue or Cancel.
pub(super) fn facebook_choice(sim: &Simulator, request: &GraphRequest) -> Response {
    let ask = match Ask::read(sim, request, Api::Facebook) {
        Ok(ask) => ask,
        Err((title, message)) => return bad(title, message),
    };
    match param(request, "decision").as_deref() {
        Some("continue") => {
            let code = ask.code(sim, None);
            // Facebook appends this fragment to every successful login redirect.
            ask.back(&[("code", &code)], Some("_=_"))
        }
        Some("cancel") => ask.back(
            &[
                ("error", "access_denied"),
                ("error_code", "200"),
                ("error_description", "Permissions error"),
                ("error_reason", "user_denied"),
            ],
            None,
        ),
        _ => bad("Something went wrong", "Choose Continue or Cancel."),
    }
}

/// `GET /www.instagram.com/oauth/authorize`.
pub(super) fn instagram(sim: &Simulator, request: &GraphRequest) -> Response {
    let ask = match Ask::read(sim, request, Api::Instagram) {
        Ok(ask) => ask,
        Err((title, message)) => return bad(title, message),
    };
    let accounts: Vec<(String, String)> = {
        let state = sim.state();
        let accounts = state.businesses.iter();
        accounts
            .map(|b| (b.ig_id.clone(), b.username.clone()))
            .collect()
    };
    let (choice, label) = match accounts.as_slice() {
        [] => (
            "<p role=\"alert\">No Instagram professional account can log in here.</p>\n".to_owned(),
            None,
        ),
        [(ig_id, username)] => (
            page::hidden("account", ig_id),
            Some(format!("Continue as @{username}")),
        ),
        several => (radios(several), Some("Continue".to_owned())),
    };
    let body = format!(
        "<h1>Log in with Instagram</h1>\n{asked}<form method=\"post\" action=\"authorize\">\n\
         {fields}{choice}{buttons}</form>\n",
        asked = ask.asked(),
        fields = ask.hidden_fields(),
        buttons = buttons(label.as_deref()),
    );
    page::document(StatusCode::OK, "Log in with Instagram", &body)
}

/// One labelled radio button per account, the first chosen.
fn radios(accounts: &[(String, String)]) -> String {
    let mut html = "<fieldset>\n<legend>Log in as</legend>\n".to_owned();
    for (i, (ig_id, username)) in accounts.iter().enumerate() {
        let checked = if i == 0 { " checked" } else { "" };
        html += &format!(
            "<div><input type=\"radio\" id=\"account-{i}\" name=\"account\" value=\"{}\"{checked}>\
             <label for=\"account-{i}\">@{}</label></div>\n",
            page::escape(ig_id),
            page::escape(username)
        );
    }
    html + "</fieldset>\n"
}

/// `POST /www.instagram.com/oauth/authorize`: Continue (as the chosen account)
/// or Cancel.
pub(super) fn instagram_choice(sim: &Simulator, request: &GraphRequest) -> Response {
    let ask = match Ask::read(sim, request, Api::Instagram) {
        Ok(ask) => ask,
        Err((title, message)) => return bad(title, message),
    };
    match param(request, "decision").as_deref() {
        Some("continue") => {
            let account = param(request, "account").unwrap_or_default();
            let known = sim.state().businesses.iter().any(|b| b.ig_id == account);
            if !known {
                return bad("Something went wrong", "Choose an Instagram account.");
            }
            let code = ask.code(sim, Some(account));
            // Instagram appends `#_` to the redirect.
            ask.back(&[("code", &code)], Some("_"))
        }
        Some("cancel") => ask.back(
            &[
                ("error", "access_denied"),
                ("error_reason", "user_denied"),
                ("error_description", "The user denied your request"),
            ],
            None,
        ),
        _ => bad("Something went wrong", "Choose Continue or Cancel."),
    }
}
