//! The operations dashboard (SPEC UI-5): a grid of cards, each a big number with a
//! small chart under it, drawn from `service::dashboard` (the figures the JSON API
//! and `/metrics` give). The page's script swaps in `/fragments/dashboard` every few
//! seconds; the breached waits behind the SLA card have their own page.

use super::charts::{
    gauge, lines, nice_duration_ceiling, stacked_bars, Chart, Gauge, Series, Size, Target,
};
use super::desk::{frame, Frame};
use super::item::short;
use super::session::Signed;
use super::{render, Failed};
use crate::app::App;
use crate::service::dashboard::{self as service, AccountFigures, Dashboard, Period};
use crate::service::error::ServiceError;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use igdesk_domain::{InboxId, Millis};
use igdesk_store::{BreachedWait, Inbox};
use serde::Deserialize;

/// How often the page asks for fresh figures.
const REFRESH_SECONDS: u32 = 15;

/// The filters as they come in the query string; read by hand so a bad value gets
/// a message beside its field rather than a bare 400.
#[derive(Deserialize, Default)]
pub struct FilterQuery {
    inbox: Option<String>,
    period: Option<String>,
}

/// The filters as the form shows them.
pub struct Filters {
    pub inbox: Option<i64>,
    pub period: &'static str,
    pub inboxes: Vec<(i64, String)>,
    pub inbox_error: Option<String>,
    pub period_error: Option<String>,
}

impl Filters {
    /// `inbox=…&period=…` for links that keep the filters.
    pub fn query(&self) -> String {
        match self.inbox {
            Some(inbox) => format!("inbox={inbox}&period={}", self.period),
            None => format!("period={}", self.period),
        }
    }

    fn hours(&self) -> i64 {
        if self.period == "7d" {
            24 * 7
        } else {
            24
        }
    }

    pub fn selected(&self, inbox: &i64) -> bool {
        self.inbox == Some(*inbox)
    }

    fn is_valid(&self) -> bool {
        self.inbox_error.is_none() && self.period_error.is_none()
    }
}

/// The inboxes the agent can pick from: all for administrators, else their own.
async fn pickable_inboxes(app: &App, signed: &Signed) -> Result<Vec<Inbox>, ServiceError> {
    let inboxes = app.store.inboxes().await?;
    if signed.agent.is_admin {
        return Ok(inboxes);
    }
    let mine = service::my_inboxes(app, &signed.agent).await?;
    Ok(inboxes
        .into_iter()
        .filter(|i| mine.contains(&i.id))
        .collect())
}

async fn filters(app: &App, signed: &Signed, q: &FilterQuery) -> Result<Filters, ServiceError> {
    let inboxes = pickable_inboxes(app, signed).await?;
    let (period, period_error) = match q.period.as_deref().unwrap_or("24h") {
        "24h" | "" => ("24h", None),
        "7d" => ("7d", None),
        _ => (
            "24h",
            Some("Choose the last 24 hours or the last 7 days".to_owned()),
        ),
    };
    let (inbox, inbox_error) = match q.inbox.as_deref().unwrap_or("") {
        "" => (None, None),
        raw => match raw.parse::<i64>() {
            Ok(id) if inboxes.iter().any(|i| i.id.0 == id) => (Some(id), None),
            _ => (
                None,
                Some("Choose one of your inboxes, or All inboxes".to_owned()),
            ),
        },
    };
    Ok(Filters {
        inbox,
        period,
        inboxes: inboxes.into_iter().map(|i| (i.id.0, i.name)).collect(),
        inbox_error,
        period_error,
    })
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    frame: Frame,
    filters: Filters,
    figures: Option<Figures>,
    refresh_seconds: u32,
}

pub async fn page(
    State(app): State<App>,
    signed: Signed,
    Query(q): Query<FilterQuery>,
) -> Result<Response, Failed> {
    let filters = filters(&app, &signed, &q).await?;
    let frame = frame(&app, &signed, "Dashboard", &["dashboard.js"]).await?;
    let (status, figures) = if filters.is_valid() {
        (
            StatusCode::OK,
            Some(figures(&app, &signed, &filters).await?),
        )
    } else {
        (StatusCode::BAD_REQUEST, None)
    };
    Ok(render(
        status,
        DashboardPage {
            frame,
            filters,
            figures,
            refresh_seconds: REFRESH_SECONDS,
        },
    ))
}

#[derive(Template)]
#[template(
    source = r#"{% import "_charts.html" as c %}{% include "_dashboard_figures.html" %}"#,
    ext = "html"
)]
struct FiguresFragment {
    figures: Figures,
}

/// The figures alone, for the page's script to swap in.
pub async fn fragment(
    State(app): State<App>,
    signed: Signed,
    Query(q): Query<FilterQuery>,
) -> Result<Response, Failed> {
    let filters = filters(&app, &signed, &q).await?;
    if !filters.is_valid() {
        return Err(ServiceError::not_found("inbox").into());
    }
    let figures = figures(&app, &signed, &filters).await?;
    Ok(render(StatusCode::OK, FiguresFragment { figures }))
}

async fn figures(app: &App, signed: &Signed, filters: &Filters) -> Result<Figures, ServiceError> {
    let period = Period::last_hours(filters.hours(), app.clock.now());
    let d = service::dashboard(app, &signed.agent, filters.inbox.map(InboxId), period).await?;
    Ok(Figures::of(&d, filters))
}

/// Everything inside the cards.
pub struct Figures {
    pub query: String,
    pub updated: String,
    pub period_label: &'static str,
    pub waiting: i64,
    pub offered: i64,
    pub assigned: i64,
    pub open_chart: Chart,
    pub longest: String,
    pub longest_by_inbox: Vec<(String, String)>,
    pub agents_available: i64,
    pub agents_at_capacity: i64,
    pub agents_away: i64,
    pub agents_chart: Chart,
    pub median: String,
    pub p90: String,
    pub answered: i64,
    pub waits_chart: Chart,
    pub sla_share: String,
    pub met: i64,
    pub breached: i64,
    pub sla_waiting: i64,
    pub sla_chart: Chart,
    pub accounts: Vec<AccountCard>,
    /// Inboxes with business hours: name, "Open now" or "Closed — …", open.
    pub hours: Vec<(String, &'static str, bool)>,
    pub intake: Option<IntakeCard>,
}

pub struct AccountCard {
    pub id: i64,
    pub username: String,
    pub sent: i64,
    pub sends: Gauge,
    pub sends_text: String,
    pub private_replies: Gauge,
    pub private_text: String,
    pub queued_people: i64,
    pub queued_api: i64,
    pub webhooks_pending: i64,
    /// Held sending or needing reconnecting, in words, with a CSS class.
    pub states: Vec<(&'static str, String)>,
    pub failures: Vec<(String, i64)>,
    pub last_event: String,
}

pub struct IntakeCard {
    pub last_hour: i64,
    pub chart: Chart,
    pub backlog: i64,
    pub received_in_period: i64,
    pub notes: Vec<(String, i64)>,
}

const OPEN: [Series; 3] = [
    Series {
        class: "s-routing",
        name: "Waiting for an agent",
    },
    Series {
        class: "s-offered",
        name: "Offered",
    },
    Series {
        class: "s-assigned",
        name: "Assigned",
    },
];
const AGENTS: [Series; 3] = [
    Series {
        class: "s-available",
        name: "Available",
    },
    Series {
        class: "s-capacity",
        name: "At capacity",
    },
    Series {
        class: "s-away",
        name: "Away",
    },
];
const WAITS: [Series; 2] = [
    Series {
        class: "s-median",
        name: "Median",
    },
    Series {
        class: "s-p90",
        name: "90th percentile",
    },
];
const SLA: [Series; 3] = [
    Series {
        class: "s-met",
        name: "Met",
    },
    Series {
        class: "s-breached",
        name: "Breached",
    },
    Series {
        class: "s-waiting",
        name: "Waiting",
    },
];
const DELIVERIES: [Series; 1] = [Series {
    class: "s-deliveries",
    name: "Deliveries",
}];

impl Figures {
    fn of(d: &Dashboard, filters: &Filters) -> Self {
        let seven_days = filters.period == "7d";
        let inbox_names: Vec<String> = d.inboxes.iter().map(|i| i.name.clone()).collect();
        let open_chart = stacked_bars(
            Size::Card,
            "open",
            "Open conversations by inbox",
            format!(
                "{} waiting for an agent, {} offered, {} assigned",
                d.now.waiting_for_routing, d.now.offered, d.now.assigned
            ),
            &inbox_names,
            &OPEN,
            &d.inboxes
                .iter()
                .map(|i| vec![i.now.waiting_for_routing, i.now.offered, i.now.assigned])
                .collect::<Vec<_>>(),
        );
        let agents_chart = stacked_bars(
            Size::Card,
            "agents",
            "Agents by inbox",
            format!(
                "{} available, {} at capacity, {} away",
                d.now.agents_available, d.now.agents_at_capacity, d.now.agents_away
            ),
            &inbox_names,
            &AGENTS,
            &d.inboxes
                .iter()
                .map(|i| {
                    vec![
                        i.now.agents_available,
                        i.now.agents_at_capacity,
                        i.now.agents_away,
                    ]
                })
                .collect::<Vec<_>>(),
        );
        let hour_names: Vec<String> = d
            .waits
            .hours
            .iter()
            .map(|h| {
                if seven_days {
                    day_hour_label(h.start)
                } else {
                    hour_label(h.start)
                }
            })
            .collect();
        let waits_chart_of = |size: Size| {
            lines(
                size,
                "waits",
                "Time to first reply, by the hour the wait began (UTC)",
                format!(
                    "Median {}, 90th percentile {}, over {} answered waits",
                    seconds_or_dash(d.waits.median_seconds),
                    seconds_or_dash(d.waits.p90_seconds),
                    d.waits.answered
                ),
                &hour_names,
                &WAITS,
                &d.waits
                    .hours
                    .iter()
                    .map(|h| vec![h.median_seconds, h.p90_seconds])
                    .collect::<Vec<_>>(),
                d.sla.target_seconds.map(|t| Target {
                    value: t as f64,
                    label: format!("Target {}", duration(t as f64)),
                }),
                &nice_duration_ceiling,
                &tick_duration,
            )
        };
        let waits_chart = waits_chart_of(Size::Wide).with_compact(waits_chart_of(Size::Card));
        let sla_buckets = if seven_days {
            &d.sla.days
        } else {
            &d.sla.hours
        };
        let sla_names: Vec<String> = sla_buckets
            .iter()
            .map(|b| {
                if seven_days {
                    day_label(b.start)
                } else {
                    hour_label(b.start)
                }
            })
            .collect();
        let totals = d.sla.totals;
        let sla_share = match totals.met + totals.breached {
            0 => "–".to_owned(),
            settled => format!("{}%", (totals.met * 100 + settled / 2) / settled),
        };
        let sla_chart_of = |size: Size| {
            stacked_bars(
                size,
                "sla",
                if seven_days {
                    "SLA by the day the wait began (UTC)"
                } else {
                    "SLA by the hour the wait began (UTC)"
                },
                format!(
                    "{} met, {} breached, {} waiting within the target",
                    totals.met, totals.breached, totals.waiting
                ),
                &sla_names,
                &SLA,
                &sla_buckets
                    .iter()
                    .map(|b| vec![b.counts.met, b.counts.breached, b.counts.waiting])
                    .collect::<Vec<_>>(),
            )
        };
        let sla_chart = sla_chart_of(Size::Wide).with_compact(sla_chart_of(Size::Card));
        Figures {
            // Business hours of the inboxes shown (OUT-9): open now, or closed.
            hours: d
                .business_hours
                .iter()
                .map(|s| (s.inbox.clone(), s.words(), s.open))
                .collect(),
            query: filters.query(),
            updated: clock_label(d.generated_at),
            period_label: if seven_days {
                "last 7 days"
            } else {
                "last 24 hours"
            },
            waiting: d.now.waiting_for_routing,
            offered: d.now.offered,
            assigned: d.now.assigned,
            open_chart,
            longest: seconds_or_dash(d.now.longest_wait_seconds.map(|s| s as f64)),
            longest_by_inbox: d
                .inboxes
                .iter()
                .map(|i| {
                    let wait = i.now.longest_wait_seconds.map(|s| s as f64);
                    (i.name.clone(), seconds_or_dash(wait))
                })
                .collect(),
            agents_available: d.now.agents_available,
            agents_at_capacity: d.now.agents_at_capacity,
            agents_away: d.now.agents_away,
            agents_chart,
            median: seconds_or_dash(d.waits.median_seconds),
            p90: seconds_or_dash(d.waits.p90_seconds),
            answered: d.waits.answered,
            waits_chart,
            sla_share,
            met: totals.met,
            breached: totals.breached,
            sla_waiting: totals.waiting,
            sla_chart,
            accounts: d
                .outgoing
                .iter()
                .map(|a| account_card(a, d.generated_at))
                .collect(),
            intake: d.intake.as_ref().map(|intake| {
                let names: Vec<String> = intake
                    .per_minute
                    .iter()
                    .map(|m| clock_label(m.start))
                    .collect();
                let counts: Vec<Vec<i64>> =
                    intake.per_minute.iter().map(|m| vec![m.count]).collect();
                let last_hour = intake.per_minute.iter().map(|m| m.count).sum();
                IntakeCard {
                    last_hour,
                    chart: stacked_bars(
                        Size::Card,
                        "intake",
                        "Deliveries from Meta per minute, last hour (UTC)",
                        format!("{last_hour} deliveries in the last hour"),
                        &names,
                        &DELIVERIES,
                        &counts,
                    ),
                    backlog: intake.backlog,
                    received_in_period: intake.received_in_period,
                    notes: intake
                        .notes
                        .iter()
                        .map(|n| (n.kind.replace('_', " "), n.count))
                        .collect(),
                }
            }),
        }
    }
}

fn account_card(a: &AccountFigures, now: Millis) -> AccountCard {
    let window_minutes = (a.window_seconds / 60).max(1);
    let mut states = Vec::new();
    if a.needs_reconnect {
        states.push((
            "limit",
            "Needs reconnecting: Meta refused its token; replies wait until it is connected again"
                .to_owned(),
        ));
    }
    if let Some(until) = a.paused_until {
        let why = a.pause_reason.as_deref().unwrap_or("a limit");
        states.push((
            "warn",
            format!("Sending held until {} UTC: {why}", clock_label(until)),
        ));
    }
    AccountCard {
        id: a.id.0,
        username: a.username.clone(),
        sent: a.sent_in_window,
        sends: gauge(
            &format!("sends-{}", a.id.0),
            format!(
                "{} of {} messages in the last {window_minutes} minutes",
                a.sent_in_window, a.limit
            ),
            a.sent_in_window,
            a.limit,
        ),
        sends_text: format!("of {} in {window_minutes} min", a.limit),
        private_replies: gauge(
            &format!("private-{}", a.id.0),
            format!(
                "{} of {} private replies in the last hour",
                a.private_replies_last_hour, a.private_reply_limit
            ),
            a.private_replies_last_hour,
            a.private_reply_limit,
        ),
        private_text: format!(
            "{} of {} this hour",
            a.private_replies_last_hour, a.private_reply_limit
        ),
        queued_people: a.queued_people,
        queued_api: a.queued_api,
        webhooks_pending: a.webhooks_pending,
        states,
        failures: a
            .failures_last_hour
            .iter()
            .map(|f| {
                (
                    short(
                        if f.reason.is_empty() {
                            "no reason given"
                        } else {
                            &f.reason
                        },
                        120,
                    ),
                    f.count,
                )
            })
            .collect(),
        last_event: match a.last_event_at {
            Some(at) if now - at < 2 * 60_000 => "within the last 2 minutes".to_owned(),
            Some(at) => format!("{} ago", duration(((now - at) / 1000) as f64)),
            None => "never".to_owned(),
        },
    }
}

fn utc(at: Millis) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(at.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// "14:00".
fn hour_label(at: Millis) -> String {
    format!("{:02}:00", utc(at).hour())
}

/// "14:31".
fn clock_label(at: Millis) -> String {
    let t = utc(at);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// "Mon 24".
fn day_label(at: Millis) -> String {
    let t = utc(at);
    let weekday = t.weekday().to_string();
    format!("{} {}", &weekday[..3], t.day())
}

/// "Mon 24 14:00".
fn day_hour_label(at: Millis) -> String {
    format!("{} {}", day_label(at), hour_label(at))
}

/// "45 s", "12 min", "1 h 5 min", "2 d 3 h": a wait, to the unit that matters.
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as i64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", s / 60),
        3600..=86_399 if s % 3600 < 60 => format!("{} h", s / 3600),
        3600..=86_399 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ if s % 86_400 < 3600 => format!("{} d", s / 86_400),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

/// An axis' duration, short: "30 s", "15 min", "1.5 h", "2 d".
fn tick_duration(seconds: f64) -> String {
    let one = |v: f64| {
        let r = (v * 10.0).round() / 10.0;
        if r.fract() == 0.0 {
            format!("{r:.0}")
        } else {
            format!("{r:.1}")
        }
    };
    match seconds {
        s if s < 60.0 => format!("{} s", one(s)),
        s if s < 3600.0 => format!("{} min", one(s / 60.0)),
        s if s < 86_400.0 => format!("{} h", one(s / 3600.0)),
        s => format!("{} d", one(s / 86_400.0)),
    }
}

fn seconds_or_dash(seconds: Option<f64>) -> String {
    seconds.map_or("–".to_owned(), duration)
}

#[derive(Template)]
#[template(path = "breached.html")]
struct BreachedPage {
    frame: Frame,
    filters: Filters,
    rows: Vec<BreachedRow>,
    listed_all: bool,
}

pub struct BreachedRow {
    pub customer_id: i64,
    pub customer_name: String,
    pub inbox: String,
    pub began: String,
    pub answered: String,
    pub waited: String,
}

/// The waits behind the SLA card's "breached" count, newest first.
pub async fn breached(
    State(app): State<App>,
    signed: Signed,
    Query(q): Query<FilterQuery>,
) -> Result<Response, Failed> {
    let filters = filters(&app, &signed, &q).await?;
    if !filters.is_valid() {
        return Err(ServiceError::not_found("inbox").into());
    }
    let now = app.clock.now();
    let period = Period::last_hours(filters.hours(), now);
    let waits = service::breached(&app, &signed.agent, filters.inbox.map(InboxId), period).await?;
    let inbox_name = |id: InboxId| {
        filters
            .inboxes
            .iter()
            .find(|(i, _)| *i == id.0)
            .map_or_else(String::new, |(_, name)| name.clone())
    };
    let rows = waits
        .iter()
        .map(|w: &BreachedWait| BreachedRow {
            customer_id: w.customer.0,
            customer_name: w.customer_name.clone(),
            inbox: inbox_name(w.inbox),
            began: day_hour_minute(w.started_at),
            answered: w
                .answered_at
                .map_or_else(|| "Not answered".to_owned(), day_hour_minute),
            waited: duration(((w.answered_at.unwrap_or(now) - w.started_at) / 1000) as f64),
        })
        .collect::<Vec<_>>();
    let frame = frame(&app, &signed, "Breached waits", &["desk.js"]).await?;
    Ok(render(
        StatusCode::OK,
        BreachedPage {
            frame,
            listed_all: (rows.len() as i64) < igdesk_store::BREACHED_LISTED,
            filters,
            rows,
        },
    ))
}

/// "Mon 24 14:31".
fn day_hour_minute(at: Millis) -> String {
    format!("{} {}", day_label(at), clock_label(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use igdesk_domain::time::HOUR;

    #[test]
    fn a_wait_reads_in_the_unit_that_matters() {
        assert_eq!(duration(45.0), "45 s");
        assert_eq!(duration(125.0), "2 min");
        assert_eq!(duration(3600.0), "1 h");
        assert_eq!(duration(3900.0), "1 h 5 min");
        assert_eq!(duration(2.0 * 86_400.0 + 3.0 * 3600.0), "2 d 3 h");
        assert_eq!(duration(-3.0), "0 s");
        assert_eq!(tick_duration(5400.0), "1.5 h");
        assert_eq!(tick_duration(900.0), "15 min");
    }

    #[test]
    fn times_are_labelled_in_utc() {
        // 2026-11-30 was a Monday.
        let at = 1_796_047_260_000; // 14:01 UTC
        assert_eq!(hour_label(at), "14:00");
        assert_eq!(clock_label(at), "14:01");
        assert_eq!(day_label(at), "Mon 30");
        assert_eq!(day_hour_label(at - at % HOUR), "Mon 30 14:00");
    }
}
