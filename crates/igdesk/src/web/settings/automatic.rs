//! Settings › Automatic replies (OUT-9): each inbox's business hours at a glance
//! (edited on their own page, `business_hours`), the rules in the order they are
//! checked, and a form for a new one. The actions are `service::automatic`.

use super::form::{self, Entered, Said};
use super::{admin_only, sections, settings_frame, Section};
use crate::app::App;
use crate::service::automatic as service;
use crate::web::desk::Frame;
use crate::web::session::{Posted, Signed};
use crate::web::{render, Failed};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use igdesk_domain::automatic::{Actions, QuickReply, Trigger};
use igdesk_domain::{InboxId, RuleId, TopicId};
use std::collections::BTreeMap;

pub const PAGE: &str = "/settings/automatic";

pub struct HoursRow {
    pub inbox_id: i64,
    pub inbox: String,
    pub state: String,
    pub time_zone: String,
}

pub struct RuleRow {
    pub id: i64,
    pub position: usize,
    pub name: String,
    pub when: String,
    pub then: String,
    pub inbox: String,
    pub enabled: bool,
    /// Not the first: it can move up.
    pub can_move_up: bool,
}

pub struct Choice {
    pub id: i64,
    pub name: String,
    pub chosen: bool,
}

#[derive(Template)]
#[template(path = "settings/automatic.html")]
struct AutomaticPage {
    frame: Frame,
    sections: Vec<Section>,
    notice: Option<String>,
    shown: Option<form::Shown>,
    hours: Vec<HoursRow>,
    rules: Vec<RuleRow>,
    form: RuleForm,
}

/// One rule's own page: its form, filled in.
#[derive(Template)]
#[template(path = "settings/rule.html")]
struct RulePage {
    frame: Frame,
    sections: Vec<Section>,
    notice: Option<String>,
    shown: Option<form::Shown>,
    rule_name: String,
    form: RuleForm,
}

/// The rule form both pages draw (`_rule_form.html`): where it posts, its words,
/// its menus with what `entered` chose, and what was entered.
struct RuleForm {
    action: String,
    title: &'static str,
    submit: &'static str,
    inboxes: Vec<Choice>,
    routes: Vec<Choice>,
    topics: Vec<Choice>,
    kinds: Vec<(&'static str, &'static str, bool)>,
    entered: Entered,
}

impl RuleForm {
    fn error(&self, field: &str) -> Option<&str> {
        self.entered.error(field)
    }
}

fn rule_form(
    (action, title, submit): (String, &'static str, &'static str),
    inboxes: &[igdesk_store::Inbox],
    topics: &[igdesk_store::Topic],
    entered: Entered,
) -> RuleForm {
    let chosen_kind = match entered.value("when_type") {
        "" => "keywords",
        kind => kind,
    };
    let name = |i: &igdesk_store::Inbox| i.name.clone();
    RuleForm {
        action,
        title,
        submit,
        inboxes: choices(inboxes, |i| i.id.0, name, entered.value("inbox")),
        routes: choices(inboxes, |i| i.id.0, name, entered.value("route")),
        topics: choices(
            topics,
            |t| t.id.0,
            |t| t.name.clone(),
            entered.value("topic"),
        ),
        kinds: KINDS
            .iter()
            .map(|&(value, words)| (value, words, value == chosen_kind))
            .collect(),
        entered,
    }
}

/// What a rule looks for, as the form's menu offers it.
const KINDS: [(&str, &str); 5] = [
    ("keywords", "Keywords in the message"),
    ("regex", "Regular expression on the text"),
    ("payload", "Quick reply or button payload"),
    ("story_mention", "Story mention"),
    ("comment_on_post", "Comment on a post"),
];

fn choices<T>(
    all: &[T],
    id: impl Fn(&T) -> i64,
    name: impl Fn(&T) -> String,
    chosen: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|t| Choice {
            id: id(t),
            name: name(t),
            chosen: chosen == id(t).to_string(),
        })
        .collect()
}

async fn page(
    app: &App,
    signed: &Signed,
    status: StatusCode,
    mut said: Said,
    entered: Entered,
) -> Result<Response, Failed> {
    admin_only(signed)?;
    let inboxes = app.store.inboxes().await?;
    let topics = app.store.topics().await?;
    let set = service::all_hours(app, &signed.agent).await?;
    let now = crate::now_ms();
    let hours = inboxes
        .iter()
        .map(|i| {
            let found = set.iter().find(|(id, _)| *id == i.id).map(|(_, h)| h);
            HoursRow {
                inbox_id: i.id.0,
                inbox: i.name.clone(),
                state: match found {
                    None => "Always open".to_owned(),
                    Some(h) => service::InboxHoursState {
                        inbox_id: i.id,
                        inbox: i.name.clone(),
                        open: h.is_open(now),
                        away_message: h.away_message.is_some(),
                    }
                    .words()
                    .to_owned(),
                },
                time_zone: found.map(|h| h.time_zone.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let inbox_name = |id: Option<InboxId>| match id {
        None => "Every inbox".to_owned(),
        Some(id) => inboxes
            .iter()
            .find(|i| i.id == id)
            .map_or_else(|| id.to_string(), |i| i.name.clone()),
    };
    let rules = service::rules(app, &signed.agent)
        .await?
        .into_iter()
        .enumerate()
        .map(|(n, r)| RuleRow {
            id: r.id.0,
            position: n + 1,
            can_move_up: n > 0,
            when: r.trigger.describe(),
            then: then(&r.actions, &r.trigger, &inboxes, &topics),
            inbox: inbox_name(r.inbox_id),
            enabled: r.enabled,
            name: r.name,
        })
        .collect();
    let form = (format!("{PAGE}/rules"), "New rule", "Add rule");
    let view = AutomaticPage {
        frame: settings_frame(app, signed, "Automatic replies").await?,
        sections: sections(true, PAGE),
        notice: said.notice.take(),
        shown: said.shown.take(),
        hours,
        rules,
        form: rule_form(form, &inboxes, &topics, entered),
    };
    Ok(said.answer(app, render(status, view)))
}

/// What a rule does, in words.
fn then(
    actions: &Actions,
    trigger: &Trigger,
    inboxes: &[igdesk_store::Inbox],
    topics: &[igdesk_store::Topic],
) -> String {
    let mut parts = Vec::new();
    if let Some(text) = &actions.reply_text {
        let how = if matches!(trigger, Trigger::CommentOnPost { .. }) {
            "Private reply"
        } else {
            "Reply"
        };
        parts.push(format!("{how} “{text}”"));
    }
    if !actions.quick_replies.is_empty() {
        let titles: Vec<&str> = actions
            .quick_replies
            .iter()
            .map(|q| q.title.as_str())
            .collect();
        parts.push(format!("quick replies {}", titles.join(" · ")));
    }
    if let Some(topic) = actions.topic_id {
        let name = topics
            .iter()
            .find(|t| t.id == topic)
            .map_or("?", |t| &t.name);
        parts.push(format!("topic {name}"));
    }
    if let Some(inbox) = actions.route_to_inbox_id {
        let name = inboxes
            .iter()
            .find(|i| i.id == inbox)
            .map_or("?", |i| &i.name);
        parts.push(format!("route to {name}"));
    }
    parts.join("; ")
}

pub async fn show(
    State(app): State<App>,
    signed: Signed,
    headers: HeaderMap,
) -> Result<Response, Failed> {
    let said = form::said(&app, &signed, &headers, PAGE);
    page(&app, &signed, StatusCode::OK, said, Entered::default()).await
}

/// The form's fields as a rule. Quick replies are one a line, `Title | PAYLOAD`
/// (the title is the payload when there is no bar).
fn input_of(entered: &Entered) -> service::RuleInput {
    let value = entered.value("when_value").trim().to_owned();
    let trigger = match entered.value("when_type") {
        "regex" => Trigger::Regex { pattern: value },
        "payload" => Trigger::Payload { payload: value },
        "story_mention" => Trigger::StoryMention,
        "comment_on_post" => Trigger::CommentOnPost { post_id: value },
        _ => Trigger::Keywords {
            keywords: value.split(',').map(|k| k.trim().to_owned()).collect(),
        },
    };
    let id = |field: &str| entered.value(field).trim().parse::<i64>().ok();
    let quick_replies = entered
        .value("quick_replies")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| match line.split_once('|') {
            Some((title, payload)) => QuickReply {
                title: title.trim().to_owned(),
                payload: payload.trim().to_owned(),
            },
            None => QuickReply {
                title: line.to_owned(),
                payload: line.to_owned(),
            },
        })
        .collect();
    service::RuleInput {
        name: entered.value("name").to_owned(),
        inbox_id: id("inbox").map(InboxId),
        enabled: true,
        trigger,
        actions: Actions {
            reply_text: Some(entered.value("reply_text").to_owned()),
            quick_replies,
            topic_id: id("topic").map(TopicId),
            route_to_inbox_id: id("route").map(InboxId),
        },
    }
}

/// The service's field as this form names it.
fn form_field(field: Option<&'static str>) -> Option<&'static str> {
    Some(match field? {
        f if f.starts_with("when.") => "when_value",
        "inbox_id" => "inbox",
        "topic_id" => "topic",
        "route_to_inbox_id" => "route",
        f => f,
    })
}

/// `Add rule`.
pub async fn create(
    State(app): State<App>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let entered = Entered::new("new", form);
    match service::create(&app, &signed.agent, input_of(&entered)).await {
        Ok(rule) => {
            let notice = format!(
                "Rule {} added: it is checked after the rules above it, from the next message on.",
                rule.name
            );
            Ok(form::saved(&app, &signed, PAGE, notice, None))
        }
        Err(e) if form::shown_on_form(&e) => {
            let refused = entered.refused(form_field(e.field), e.message.clone());
            let status = form::refused_status(&e);
            page(&app, &signed, status, Said::nothing(), refused).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `Delete` on a rule's row.
pub async fn delete(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let rule = service::rule(&app, &signed.agent, RuleId(id)).await?;
    service::delete(&app, &signed.agent, rule.id).await?;
    let notice = format!("Rule {} deleted.", rule.name);
    Ok(form::saved(&app, &signed, PAGE, notice, None))
}

/// `Turn off` / `Turn on` on a rule's row.
pub async fn toggle(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let rule = service::rule(&app, &signed.agent, RuleId(id)).await?;
    let patch = service::RulePatch {
        enabled: Some(!rule.enabled),
        ..Default::default()
    };
    let rule = service::update(&app, &signed.agent, rule.id, patch).await?;
    let notice = match rule.enabled {
        true => format!("Rule {} is on.", rule.name),
        false => format!(
            "Rule {} is off: it matches nothing until it is turned on.",
            rule.name
        ),
    };
    Ok(form::saved(&app, &signed, PAGE, notice, None))
}

/// A stored rule as the form's fields.
fn entered_of(rule: &igdesk_domain::automatic::Rule) -> Entered {
    let (kind, value) = match &rule.trigger {
        Trigger::Keywords { keywords } => ("keywords", keywords.join(", ")),
        Trigger::Regex { pattern } => ("regex", pattern.clone()),
        Trigger::Payload { payload } => ("payload", payload.clone()),
        Trigger::StoryMention => ("story_mention", String::new()),
        Trigger::CommentOnPost { post_id } => ("comment_on_post", post_id.clone()),
    };
    let id = |id: Option<i64>| id.map(|i| i.to_string()).unwrap_or_default();
    let a = &rule.actions;
    let quick: Vec<String> = a
        .quick_replies
        .iter()
        .map(|q| format!("{} | {}", q.title, q.payload))
        .collect();
    let values = BTreeMap::from([
        ("name".to_owned(), rule.name.clone()),
        ("inbox".to_owned(), id(rule.inbox_id.map(|i| i.0))),
        ("when_type".to_owned(), kind.to_owned()),
        ("when_value".to_owned(), value),
        (
            "reply_text".to_owned(),
            a.reply_text.clone().unwrap_or_default(),
        ),
        ("quick_replies".to_owned(), quick.join("\n")),
        ("topic".to_owned(), id(a.topic_id.map(|t| t.0))),
        ("route".to_owned(), id(a.route_to_inbox_id.map(|i| i.0))),
    ]);
    Entered::new("rule", values)
}

fn rule_path(id: RuleId) -> String {
    format!("{PAGE}/rules/{id}")
}

async fn rule_page(
    app: &App,
    signed: &Signed,
    id: RuleId,
    status: StatusCode,
    mut said: Said,
    entered: Option<Entered>,
) -> Result<Response, Failed> {
    admin_only(signed)?;
    let rule = service::rule(app, &signed.agent, id).await?;
    let entered = entered.unwrap_or_else(|| entered_of(&rule));
    let inboxes = app.store.inboxes().await?;
    let topics = app.store.topics().await?;
    let form = (rule_path(id), "Edit rule", "Save rule");
    let view = RulePage {
        frame: settings_frame(app, signed, &format!("Rule {}", rule.name)).await?,
        sections: sections(true, PAGE),
        notice: said.notice.take(),
        shown: said.shown.take(),
        rule_name: rule.name,
        form: rule_form(form, &inboxes, &topics, entered),
    };
    Ok(said.answer(app, render(status, view)))
}

/// A rule's page, to change it.
pub async fn show_rule(
    State(app): State<App>,
    signed: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, Failed> {
    let id = RuleId(id);
    let said = form::said(&app, &signed, &headers, &rule_path(id));
    rule_page(&app, &signed, id, StatusCode::OK, said, None).await
}

/// `Save rule`: every field as the form shows it.
pub async fn save_rule(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, form }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let id = RuleId(id);
    let entered = Entered::new("rule", form);
    let input = input_of(&entered);
    let patch = service::RulePatch {
        name: Some(input.name),
        inbox_id: Some(input.inbox_id),
        trigger: Some(input.trigger),
        reply_text: Some(input.actions.reply_text),
        quick_replies: Some(input.actions.quick_replies),
        topic_id: Some(input.actions.topic_id),
        route_to_inbox_id: Some(input.actions.route_to_inbox_id),
        ..Default::default()
    };
    match service::update(&app, &signed.agent, id, patch).await {
        Ok(rule) => {
            let notice = format!(
                "Rule {} saved: it applies from the next message on.",
                rule.name
            );
            Ok(form::saved(&app, &signed, PAGE, notice, None))
        }
        Err(e) if form::shown_on_form(&e) => {
            let refused = entered.refused(form_field(e.field), e.message.clone());
            let status = form::refused_status(&e);
            rule_page(&app, &signed, id, status, Said::nothing(), Some(refused)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `Move up` on a rule's row: it is checked before the rule above it.
pub async fn move_up(
    State(app): State<App>,
    Path(id): Path<i64>,
    Posted { signed, .. }: Posted<BTreeMap<String, String>>,
) -> Result<Response, Failed> {
    admin_only(&signed)?;
    let rule = service::move_up(&app, &signed.agent, RuleId(id)).await?;
    let notice = format!(
        "Rule {} moved up: it is checked before the one that was above it.",
        rule.name
    );
    Ok(form::saved(&app, &signed, PAGE, notice, None))
}
