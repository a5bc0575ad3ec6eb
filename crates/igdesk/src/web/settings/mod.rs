//! Settings (SPEC UI-4): plain forms in a left-hand list of sections, each saved on
//! its own with the server's validation shown beside the field. Administrators see
//! every section; an agent sees their own (My tokens). Each section is a module.

pub mod accounts;
pub mod agents;
pub mod api;
pub mod automatic;
pub mod business_hours;
pub mod conversations;
pub mod entry_points;
mod form;
pub mod inboxes;
pub mod saved_answers;
pub mod starters;
pub mod tokens;
pub mod topics;

use super::desk::{frame, Frame};
use super::session::Signed;
use crate::app::App;
use crate::service::error::ServiceError;

/// One entry of the settings' section list.
pub struct Section {
    pub href: &'static str,
    pub name: &'static str,
    pub current: bool,
}

/// The sections, in order; `admin_only` ones are left out for agents.
const SECTIONS: &[(&str, &str, bool)] = &[
    ("/settings/accounts", "Instagram accounts", true),
    ("/settings/entry-points", "Entry points", true),
    ("/settings/conversations", "Conversation settings", true),
    ("/settings/agents", "Agents", true),
    ("/settings/inboxes", "Inboxes", true),
    ("/settings/topics", "Topics", true),
    ("/settings/answers", "Saved answers", true),
    ("/settings/automatic", "Automatic replies", true),
    ("/settings/api", "API & webhooks", true),
    ("/settings/tokens", "My tokens", false),
];

pub fn sections(admin: bool, current: &str) -> Vec<Section> {
    SECTIONS
        .iter()
        .filter(|(_, _, admin_only)| admin || !admin_only)
        .map(|&(href, name, _)| Section {
            href,
            name,
            current: href == current,
        })
        .collect()
}

/// The frame of a settings page: the console's, titled by its section.
pub async fn settings_frame(
    app: &App,
    signed: &Signed,
    title: &str,
) -> Result<Frame, ServiceError> {
    let mut frame = frame(app, signed, title, &["desk.js", "settings.js"]).await?;
    frame.settings = true;
    Ok(frame)
}

/// `/settings`: the first section this agent may open.
pub async fn first(signed: Signed) -> axum::response::Redirect {
    axum::response::Redirect::to(if signed.agent.is_admin {
        "/settings/accounts"
    } else {
        "/settings/tokens"
    })
}

/// Settings are for administrators, but for an agent's own section.
pub fn admin_only(signed: &Signed) -> Result<(), ServiceError> {
    if signed.agent.is_admin {
        Ok(())
    } else {
        Err(ServiceError::forbidden("only administrators change this"))
    }
}
