//! The dashboard's figures as Prometheus series (UI-5), read from the store when
//! `/metrics` is scraped: open work, agents, waits until first reply, the SLA and
//! each account's outgoing traffic. They are igdesk-wide, the same on every instance
//! sharing a database (aggregate with `max`, not `sum`). The process's own counters
//! (what this instance did) come from the recorder in `telemetry`.

use crate::app::App;
use crate::service::dashboard::{self, Dashboard, InboxFigures, Period};
use igdesk_store::{DashboardQuery, Scope, WaitTotal};
use std::fmt::Write as _;

/// The series, in Prometheus' text format.
pub async fn render(app: &App) -> Result<String, igdesk_store::StoreError> {
    let now = app.clock.now();
    // Unanswered waits are those begun in the last day, as on the dashboard.
    let period = Period::last_hours(24, now);
    let query = DashboardQuery {
        // Every inbox: an administrator's scope (the agent id is not used then).
        scope: Scope {
            agent: igdesk_domain::AgentId(0),
            admin: true,
        },
        inbox: None,
        from: period.from,
        to: period.to,
        now,
        send_window: app.settings.send_limit_window_ms,
        intake: true,
    };
    let figures = app.store.dashboard(&query).await?;
    let d = dashboard::build(
        &figures,
        period,
        now,
        app.settings.send_limit as i64,
        app.settings.send_limit_window_ms,
    );
    let (bounds, totals) = app.store.wait_totals().await?;
    let mut out = String::new();
    work(&mut out, &d);
    waits(&mut out, &bounds, &totals);
    outgoing(&mut out, &d);
    if let Some(intake) = &d.intake {
        family(
            &mut out,
            "igdesk_intake_backlog",
            "gauge",
            "Deliveries from Meta received and not yet processed.",
        );
        let _ = writeln!(out, "igdesk_intake_backlog {}", intake.backlog);
    }
    Ok(out)
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, String)], value: impl std::fmt::Display) {
    let labels = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect::<Vec<_>>()
        .join(",");
    let _ = writeln!(out, "{name}{{{labels}}} {value}");
}

/// A label value as the text format wants it.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn work(out: &mut String, d: &Dashboard) {
    inbox_states(
        out,
        d,
        "igdesk_open_conversations",
        "Open conversations by inbox and state: routing (no agent, no offer), offered, assigned.",
        |i| {
            [
                ("routing", i.now.waiting_for_routing),
                ("offered", i.now.offered),
                ("assigned", i.now.assigned),
            ]
        },
    );
    family(
        out,
        "igdesk_longest_wait_seconds",
        "gauge",
        "The longest unanswered wait of an open conversation, by inbox (0: none).",
    );
    for i in &d.inboxes {
        let longest = i.now.longest_wait_seconds.unwrap_or(0);
        let labels = [("inbox", i.id.0.to_string())];
        sample(out, "igdesk_longest_wait_seconds", &labels, longest);
    }
    inbox_states(
        out,
        d,
        "igdesk_agents",
        "The inbox's agents by state: available (with room), at_capacity, away.",
        |i| {
            [
                ("available", i.now.agents_available),
                ("at_capacity", i.now.agents_at_capacity),
                ("away", i.now.agents_away),
            ]
        },
    );
    inbox_states(
        out,
        d,
        "igdesk_sla_unanswered",
        "Waits begun in the last 24 hours and not answered, by inbox: within the target or overdue.",
        |i| {
            let answered_late = i.answered - i.sla.met;
            [
                ("within", i.sla.waiting),
                ("overdue", i.sla.breached - answered_late),
            ]
        },
    );
}

/// A gauge family with one series per inbox and state.
fn inbox_states<const N: usize>(
    out: &mut String,
    d: &Dashboard,
    name: &str,
    help: &str,
    states: impl Fn(&InboxFigures) -> [(&'static str, i64); N],
) {
    family(out, name, "gauge", help);
    for i in &d.inboxes {
        for (state, n) in states(i) {
            let labels = [("inbox", i.id.0.to_string()), ("state", state.to_owned())];
            sample(out, name, &labels, n);
        }
    }
}

fn waits(out: &mut String, bounds: &[i64], totals: &[WaitTotal]) {
    family(
        out,
        "igdesk_first_reply_wait_seconds",
        "histogram",
        "Waits for an answer, from the customer's first unanswered message to the reply (or echo, or No Reply Needed), by inbox.",
    );
    let mut inboxes: Vec<_> = totals.iter().map(|t| t.inbox).collect();
    inboxes.dedup();
    for &inbox in &inboxes {
        let mine: Vec<_> = totals.iter().filter(|t| t.inbox == inbox).collect();
        let label = inbox.0.to_string();
        let mut below = 0;
        for (i, bound) in bounds.iter().enumerate() {
            below += mine
                .iter()
                .filter(|t| t.bucket == i)
                .map(|t| t.answered)
                .sum::<i64>();
            let le = if i + 1 == bounds.len() {
                "+Inf".to_owned()
            } else {
                bound.to_string()
            };
            sample(
                out,
                "igdesk_first_reply_wait_seconds_bucket",
                &[("inbox", label.clone()), ("le", le)],
                below,
            );
        }
        let sum_ms: i64 = mine.iter().map(|t| t.wait_ms).sum();
        sample(
            out,
            "igdesk_first_reply_wait_seconds_sum",
            &[("inbox", label.clone())],
            sum_ms as f64 / 1000.0,
        );
        sample(
            out,
            "igdesk_first_reply_wait_seconds_count",
            &[("inbox", label)],
            below,
        );
    }
    family(
        out,
        "igdesk_sla_answers_total",
        "counter",
        "Waits answered, by inbox and result: met (within the target) or breached (late).",
    );
    for &inbox in &inboxes {
        let mine = totals.iter().filter(|t| t.inbox == inbox);
        let (answered, breached) = mine.fold((0, 0), |(a, b), t| (a + t.answered, b + t.breached));
        let label = inbox.0.to_string();
        sample(
            out,
            "igdesk_sla_answers_total",
            &[("inbox", label.clone()), ("result", "met".into())],
            answered - breached,
        );
        sample(
            out,
            "igdesk_sla_answers_total",
            &[("inbox", label), ("result", "breached".into())],
            breached,
        );
    }
}

fn outgoing(out: &mut String, d: &Dashboard) {
    let account = |a: &dashboard::AccountFigures| ("account", a.id.0.to_string());
    family(
        out,
        "igdesk_outgoing_queued",
        "gauge",
        "Messages waiting to leave, by account and lane: people (the console) or api.",
    );
    for a in &d.outgoing {
        for (lane, n) in [("people", a.queued_people), ("api", a.queued_api)] {
            sample(
                out,
                "igdesk_outgoing_queued",
                &[account(a), ("lane", lane.into())],
                n,
            );
        }
    }
    type Figure = fn(&dashboard::AccountFigures) -> i64;
    let per_account: [(&str, &str, &str, Figure); 6] = [
        (
            "igdesk_sends_in_window",
            "gauge",
            "Messages sent in the account's current limit window.",
            |a| a.sent_in_window,
        ),
        (
            "igdesk_send_limit",
            "gauge",
            "The account's message limit per window (send_limit).",
            |a| a.limit,
        ),
        (
            "igdesk_private_replies_last_hour",
            "gauge",
            "Private replies sent in the last hour (Meta allows 750).",
            |a| a.private_replies_last_hour,
        ),
        (
            "igdesk_account_sends_paused",
            "gauge",
            "1 while the account's sends are held (its limit, or Meta's rate limit).",
            |a| i64::from(a.paused_until.is_some()),
        ),
        (
            "igdesk_account_needs_reconnect",
            "gauge",
            "1 when Meta refused the account's token (190): it must be connected again.",
            |a| i64::from(a.needs_reconnect),
        ),
        (
            "igdesk_api_webhooks_pending",
            "gauge",
            "Business Messaging API webhooks not yet delivered, by account.",
            |a| a.webhooks_pending,
        ),
    ];
    for (name, kind, help, value) in per_account {
        family(out, name, kind, help);
        for a in &d.outgoing {
            sample(out, name, &[account(a)], value(a));
        }
    }
    family(
        out,
        "igdesk_failed_sends_last_hour",
        "gauge",
        "Messages that failed for good in the last hour, by account.",
    );
    for a in &d.outgoing {
        let failed: i64 = a.failures_last_hour.iter().map(|f| f.count).sum();
        sample(out, "igdesk_failed_sends_last_hour", &[account(a)], failed);
    }
}
