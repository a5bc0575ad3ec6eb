//! Settings › Saved answers: the library agents insert from the composer —
//! the list with how often each was used, a new one, and per answer a page to edit
//! or delete it. The actions are `service::saved_answers`.

use super::form::{self, Entered, Said, Shown};
use super::{admin_only, sections, settings_frame, Section};
use crate::app::App;
use crate::service::error::ServiceError;
use crate::service::saved_answers::{self as service, AnswerEdit, AnswerInput, TEXT_CHARS};
use crate::web::desk::Frame;
use crate::web::session::{Posted, Signed};
use crate::web::{render, Failed};
use askama::Template;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use igdesk_domain::{InboxId, SavedAnswerId};
use igdesk_store::{Inbox, SavedAnswer};
use std::collections::BTreeMap;

const PAGE: &str = "/settings/answers";

fn page_of(id: i64) -> String {
    format!("{PAGE}/{id}")
}

pub struct AnswerRow {
    pub id: i64,
    pub title: String,
    /// "Everyone" or the inbox's name.
    pub audience: String,
    pub text: String,
    pub uses: i64,
    /// Its image (`/media/…`), set through the API.
    pub image_url: Option<String>,
}

pub struct InboxChoice {
    pub id: i64,
    pub name: String,
    pub chosen: bool,
}

/// The form's values: as entered after a refusal, else the answer's (or empty).
pub struct Values {
    pub title: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "settings/saved_answers.html")]
struct AnswersPage {
    frame: Frame,
    sections: Vec<Section>,
    notice: Option<String>,
    shown: Option<Shown>,
    answers: Vec<AnswerRow>,
    /// The answer being edited (its own page); `None`: the list and a new one.
    editing: Option<AnswerRow>,
    inboxes: Vec<InboxChoice>,
    values: Values,
    entered: Entered,
    limit: usize,
}

impl AnswersPage {
    /// The form's id prefix and its target in `entered`.
    fn form_id(&self) -> &'static str {
        if self.editing.is_some() {
            "edit"
        } else {
            "new"
        }
    }

    /// Why the image last sent was refused.
    fn image_error(&self) -> Option<&str> {
        if self.entered.is("image") {
            self.entered.error("image")
        } else {
            None
        }
    }

    fn error(&self, field: &str) -> Option<&str> {
        if self.entered.is(self.form_id()) {
            self.entered.error(field)
        } else {
            None
        }
    }
}

fn audience(answer: &SavedAnswer, inboxes: &[Inbox]) -> String {
    match answer.inbox_id {
        None => "Everyone".into(),
        Some(id) => inboxes
            .iter()
            .find(|i| i.id == id)
            .map_or_else(|| format!("Inbox {id}"), |i| i.name.clone()),
    }
}

fn row(answer: &SavedAnswer, inboxes: &[Inbox]) -> AnswerRow {
    AnswerRow {
        id: answer.id.0,
        title: answer.title.clone(),
        audience: audience(answer, inboxes),
        text: answer.text.clone(),
        uses: answer.uses,
        image_url: answer.image_id.as_ref().map(|id| format!("/media/{id}")),
    }
}

async fn page(
    app: &App,
    signed: &Signed,
    editing: Option<SavedAnswerId>,
    status: StatusCode,
    mut said: Said,
    entered: Entered,
) -> Result<Response, Failed> {
    admin_only(signed)?;
    let inboxes = app.store.inboxes().await?;
    let all = service::list(app, &signed.agent).await?;
    let edited = match editing {
        Some(id) => Some(service::get(app, &signed.agent, id).await?),
        None => None,
    };
    let target = if edited.is_some() { "edit" } else { "new" };
    let refused = entered.is(target);
    let values = match (&edited, refused) {
        (_, true) => Values {
            title: entered.value("title").to_owned(),
            text: entered.value("text").to_owned(),
        },
        (Some(a), false) => Values {
            title: a.title.clone(),
            text: a.text.clone(),
        },
        (None, false) => Values {
            title: String::new(),
            text: String::new(),
        },
    };
    let chosen = if refused {
        entered.value("inbox").parse().ok().map(InboxId)
    } else {
        edited.as_ref().and_then(|a| a.inbox_id)
    };
    let choices = inboxes
        .iter()
        .map(|i| InboxChoice {
            id: i.id.0,
            name: i.name.clone(),
            chosen: chosen == Some(i.id),
        })
        .collect();
    let title = match &edited {
        Some(a) => format!("Saved answer {}", a.title),
        None => "Saved answers".into(),
    };
    let view = AnswersPage {
        frame: settings_frame(app, signed, &title).await?,
        sections: sections(true, PAGE),
        notice: said.notice.take(),
        shown: said.shown.take(),
        answers: all.iter().map(|a| row(a, &inboxes)).collect(),
        editing: edited.as_ref().map(|a| row(a, &inboxes)),
        inboxes: choices,
        values,
        entered,
        limit: TEXT_CHARS,
    };
    Ok(said.answer(app, render(status, view)))
}

pub async fn show(
    State(app): State<App>,
    signed: Signed,
    headers: HeaderMap,
) -> Result<Response, Failed> {
    let said = form::said(&app, &signed, &headers, PAGE);
    page(
        &app,
        &signed,
        None,
        StatusCode::OK,
        said,
        Entered::default(),
    )
    .await
}

pub async fn show_one(
    State(app): State<App>,
    Path(id): Path<i64>,
    signed: Signed,
    headers: HeaderMap,
) -> Result<Response, Failed> {
    let said = form::said(&app, &signed, &headers, &page_of(id));
    let id = Some(SavedAnswerId(id));
    page(&app, &signed, id, StatusCode::OK, said, Entered::default()).await
}

/// The form's audience: "" is everyone, else an inbox's number.
fn chosen_inbox(entered: &Entered) -> Result<Option<InboxId>, ServiceError> {
    let value = entered.value("inbox").trim();
    if value.is_empty() {
        return Ok(None);
    }
    value.parse().map(|id| Some(InboxId(id))).map_err(|_| {
        ServiceError::bad_request("unknown_inbox", "choose an inbox or Everyone").field("inbox_id")
    })
}

/// The service's refusal in the page's words, at the form's field.
fn sentence(e: &ServiceError) -> (Option<&'static str>, String) {
    let field = match e.field {
        Some("inbox_id") => Some("inbox"),
        Some("title") => Some("title"),
        Some("text") => Some("text"),
        _ => None,
    };
    let message = match e.code {
        "invalid_title" => "Give it a title of 1 to 80 characters.".to_owned(),
        "invalid_text" => "Write the answer's text.".to_owned(),
        "already_exists" => {
            "There is already a saved answer with this title for the same agents.".to_owned()
        }
        "unknown_inbox" => "Choose an inbox, or Everyone.".to_owned(),
        _ => sentence_of(&e.message),
    };
    (field, message)
}

/// `Add saved answer`.
pub async fn create(
    State(app): State<App>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let entered = Entered::new("new", form);
    let done = match chosen_inbox(&entered) {
        Ok(inbox) => {
            let input = AnswerInput {
                title: entered.value("title").to_owned(),
                text: entered.value("text").to_owned(),
                inbox,
            };
            service::create(&app, &signed.agent, input).await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(answer) => {
            let notice = format!(
                "Saved answer {} added: agents type / and a few letters of its title in the composer to insert it.",
                answer.title
            );
            Ok(form::saved(&app, &signed, PAGE, notice, None))
        }
        Err(e) if form::shown_on_form(&e) => {
            let (field, message) = sentence(&e);
            let refused = entered.refused(field, message);
            let status = form::refused_status(&e);
            page(&app, &signed, None, status, Said::nothing(), refused).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `Save changes` on one answer.
pub async fn save(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let entered = Entered::new("edit", form);
    let done = match chosen_inbox(&entered) {
        Ok(inbox) => {
            let edit = AnswerEdit {
                title: Some(entered.value("title").to_owned()),
                text: Some(entered.value("text").to_owned()),
                inbox: Some(inbox),
            };
            service::update(&app, &signed.agent, SavedAnswerId(id), edit).await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(answer) => {
            let notice = format!("Saved answer {} saved.", answer.title);
            Ok(form::saved(&app, &signed, PAGE, notice, None))
        }
        Err(e) if form::shown_on_form(&e) => {
            let (field, message) = sentence(&e);
            let refused = entered.refused(field, message);
            let status = form::refused_status(&e);
            let id = Some(SavedAnswerId(id));
            page(&app, &signed, id, status, Said::nothing(), refused).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `Delete` on one answer.
pub async fn delete(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let answer = service::delete(&app, &signed.agent, SavedAnswerId(id)).await?;
    let notice = format!("Saved answer {} deleted.", answer.title);
    Ok(form::saved(&app, &signed, PAGE, notice, None))
}

/// `Upload image` on one answer: a multipart form (the file, and the CSRF token as a
/// field, checked before the file is looked at), its bytes checked as the API checks
/// them; a refusal is said under the file field.
pub async fn set_image(
    State(app): State<App>,
    Path(id): Path<i64>,
    signed: Signed,
    mut form: Multipart,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let (mut csrf, mut file, mut too_large) = (String::new(), None, false);
    // The CSRF field comes first (it is first in the form); a file over the limit
    // stops the reading, and is said on the page like any refusal.
    loop {
        let part = match form.next_field().await {
            Ok(Some(part)) => part,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                too_large = true;
                break;
            }
            Err(e) => return Err(refused_form(e)),
        };
        match part.name() {
            Some("csrf") => csrf = part.text().await.map_err(refused_form)?,
            Some("image") => {
                let declared = part.content_type().map(str::to_owned);
                let name = part.file_name().map(str::to_owned);
                match part.bytes().await {
                    Ok(bytes) => file = Some((declared, name, bytes)),
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        too_large = true;
                        break;
                    }
                    Err(e) => return Err(refused_form(e)),
                }
            }
            _ => {}
        }
    }
    if !signed.csrf_matches(&csrf) {
        return Ok(crate::web::stale_form());
    }
    let id = SavedAnswerId(id);
    let checked = match &file {
        _ if too_large => Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            "The image is over 8 MB, Instagram's limit: choose a smaller one.".to_owned(),
        )),
        Some((_, _, bytes)) if bytes.is_empty() => Err((
            StatusCode::BAD_REQUEST,
            "Choose a JPEG, PNG or GIF to upload.".to_owned(),
        )),
        None => Err((
            StatusCode::BAD_REQUEST,
            "Choose a JPEG, PNG or GIF to upload.".to_owned(),
        )),
        Some((declared, name, bytes)) => {
            crate::api::answers::image_upload(declared.as_deref(), name.as_deref(), bytes)
                .map_err(|e| (e.status, sentence_of(&e.message)))
        }
    };
    let refused = match checked {
        Ok(image) => match service::set_image(&app, &signed.agent, id, Some(image)).await {
            Ok(answer) => {
                let notice = format!(
                    "Saved answer {}: its image is sent after the text.",
                    answer.title
                );
                return Ok(form::saved(&app, &signed, &page_of(id.0), notice, None));
            }
            Err(e) if form::shown_on_form(&e) => {
                (form::refused_status(&e), sentence_of(&e.message))
            }
            Err(e) => return Err(e.into()),
        },
        Err(refusal) => refusal,
    };
    let (status, message) = refused;
    let entered = Entered::new("image", BTreeMap::new()).refused(Some("image"), message);
    page(&app, &signed, Some(id), status, Said::nothing(), entered).await
}

/// `Remove image` on one answer.
pub async fn remove_image(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let answer = service::set_image(&app, &signed.agent, SavedAnswerId(id), None).await?;
    let notice = format!(
        "Saved answer {}: its image is removed, the text alone is sent.",
        answer.title
    );
    Ok(form::saved(&app, &signed, &page_of(id), notice, None))
}

/// A form that could not be read (cut short, not multipart).
fn refused_form(e: MultipartError) -> Failed {
    Failed::from(ServiceError::bad_request(
        "invalid_body",
        format!("the form could not be read: {e}"),
    ))
}

/// A message as a sentence: capital first, full stop last.
fn sentence_of(message: &str) -> String {
    let mut m = message.to_owned();
    if let Some(first) = m.get(..1) {
        m.replace_range(..1, &first.to_uppercase());
    }
    if !m.ends_with('.') {
        m.push('.');
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyone_is_no_inbox_and_a_bad_choice_names_the_field() {
        let pick = |v: &str| {
            let values = BTreeMap::from([("inbox".to_owned(), v.to_owned())]);
            chosen_inbox(&Entered::new("new", values))
        };
        assert_eq!(pick(""), Ok(None));
        assert_eq!(pick("3"), Ok(Some(InboxId(3))));
        assert_eq!(pick("x").unwrap_err().field, Some("inbox_id"));
        let (field, _) = sentence(&pick("x").unwrap_err());
        assert_eq!(field, Some("inbox"));
    }
}
