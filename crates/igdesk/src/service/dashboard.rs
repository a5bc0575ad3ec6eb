//! The operations dashboard (SPEC UI-5): one set of figures, made here from the
//! store's counts, for the page, `GET /api/v1/dashboard` and `/metrics` alike, so the
//! three cannot disagree. Agents see their own inboxes; administrators every inbox
//! and igdesk's intake.

use super::error::ServiceError;
use crate::app::App;
use igdesk_domain::rules::PRIVATE_REPLIES_PER_HOUR;
use igdesk_domain::time::{DAY, HOUR, MINUTE};
use igdesk_domain::{AccountId, InboxId, Millis};
use igdesk_store::{Agent, BreachedWait, DashboardFigures, DashboardQuery};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use utoipa::ToSchema;

/// The longest period one request covers.
pub const MAX_PERIOD: Millis = 31 * DAY;

/// A period of whole hours (UTC): `from` inclusive, `to` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Millis,
    pub to: Millis,
}

impl Period {
    /// The period asked for, widened to whole hours; by default the 24 hours up to
    /// the end of the current hour.
    pub fn of(from: Option<Millis>, to: Option<Millis>, now: Millis) -> Result<Self, ServiceError> {
        let to_asked = instant(to, "to")?.unwrap_or(now);
        let from_asked = match instant(from, "from")? {
            Some(from) => from,
            None => ceil_hour(to_asked)
                .checked_sub(DAY)
                .ok_or_else(|| out_of_range("to"))?,
        };
        let (from, to) = (floor_hour(from_asked), ceil_hour(to_asked));
        if from_asked >= to_asked {
            return Err(
                ServiceError::bad_request("invalid_period", "from must be before to").field("from"),
            );
        }
        if to.checked_sub(from).is_none_or(|span| span > MAX_PERIOD) {
            return Err(ServiceError::bad_request(
                "invalid_period",
                "a period covers at most 31 days",
            )
            .field("from"));
        }
        Ok(Period { from, to })
    }

    /// The last `hours` hours, up to the end of the current one.
    pub fn last_hours(hours: i64, now: Millis) -> Self {
        let to = ceil_hour(now);
        Period {
            from: to - hours * HOUR,
            to,
        }
    }

    fn hours(self) -> impl Iterator<Item = Millis> {
        (self.from..self.to).step_by(HOUR as usize)
    }
}

/// The latest time a caller may name: the last millisecond of the year 9999 (UTC).
pub const LATEST: Millis = 253_402_300_799_999;

/// A caller's time (`from`, `to`, in Unix milliseconds), checked before any
/// arithmetic: a time before 1970 or after the year 9999 is refused as a bad value
/// naming the field, rather than overflowing (a panic in a debug build, a wrapped
/// period in a release one) when a period is widened or subtracted.
pub fn instant(at: Option<Millis>, field: &'static str) -> Result<Option<Millis>, ServiceError> {
    match at {
        Some(at) if !(0..=LATEST).contains(&at) => Err(out_of_range(field)),
        at => Ok(at),
    }
}

fn out_of_range(field: &'static str) -> ServiceError {
    ServiceError::bad_request(
        "invalid_period",
        format!("{field} must be Unix milliseconds from 0 to {LATEST}"),
    )
    .field(field)
}

fn floor_hour(at: Millis) -> Millis {
    at - at.rem_euclid(HOUR)
}

fn ceil_hour(at: Millis) -> Millis {
    floor_hour(at + HOUR - 1)
}

fn floor_day(at: Millis) -> Millis {
    at - at.rem_euclid(DAY)
}

/// Everything the dashboard shows. Waits are counted in the hour they began (UTC);
/// a wait's percentiles are estimated from bucket counts (see `wait_buckets`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    pub from: Millis,
    pub to: Millis,
    pub generated_at: Millis,
    /// Upper bounds (seconds) of the buckets waits are counted in.
    pub wait_buckets: Vec<i64>,
    /// Each inbox covered, with its own figures.
    pub inboxes: Vec<InboxFigures>,
    /// The covered inboxes together, now.
    pub now: NowFigures,
    /// Time to first reply, the covered inboxes together.
    pub waits: WaitFigures,
    pub sla: SlaFigures,
    /// The Instagram accounts whose work goes to the covered inboxes.
    pub outgoing: Vec<AccountFigures>,
    /// igdesk's intake from Meta (administrators only).
    pub intake: Option<IntakeView>,
    /// The covered inboxes that have business hours: open now, or closed (OUT-9).
    pub business_hours: Vec<super::automatic::InboxHoursState>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboxFigures {
    pub id: InboxId,
    pub name: String,
    pub sla_target_seconds: i64,
    pub now: NowFigures,
    pub sla: SlaCounts,
    pub answered: i64,
    pub median_wait_seconds: Option<f64>,
    pub p90_wait_seconds: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema, PartialEq, Eq)]
pub struct NowFigures {
    /// Open conversations no agent has and none is offered to.
    pub waiting_for_routing: i64,
    pub offered: i64,
    pub assigned: i64,
    /// The longest unanswered wait of an open conversation, in seconds.
    pub longest_wait_seconds: Option<i64>,
    /// Available with room for more.
    pub agents_available: i64,
    pub agents_away: i64,
    /// Available, at their standard capacity (more only with Next).
    pub agents_at_capacity: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitFigures {
    pub answered: i64,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
    /// Every hour of the period, oldest first.
    pub hours: Vec<WaitHour>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitHour {
    pub start: Millis,
    pub answered: i64,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema, PartialEq, Eq)]
pub struct SlaCounts {
    /// Answered within the target.
    pub met: i64,
    /// Answered late, or unanswered past the target.
    pub breached: i64,
    /// Unanswered, still within the target.
    pub waiting: i64,
}

impl SlaCounts {
    fn add(&mut self, other: SlaCounts) {
        self.met += other.met;
        self.breached += other.breached;
        self.waiting += other.waiting;
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlaFigures {
    /// The target, when every covered inbox has the same one.
    pub target_seconds: Option<i64>,
    #[serde(flatten)]
    pub totals: SlaCounts,
    pub hours: Vec<SlaBucket>,
    /// By day (UTC).
    pub days: Vec<SlaBucket>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlaBucket {
    pub start: Millis,
    #[serde(flatten)]
    pub counts: SlaCounts,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountFigures {
    pub id: AccountId,
    pub username: String,
    pub inbox_id: InboxId,
    /// Messages sent in the current window, against `limit`.
    pub sent_in_window: i64,
    pub limit: i64,
    pub window_seconds: i64,
    /// Waiting to leave: from people, and from the Business Messaging API.
    pub queued_people: i64,
    pub queued_api: i64,
    pub paused_until: Option<Millis>,
    pub pause_reason: Option<String>,
    pub needs_reconnect: bool,
    pub failures_last_hour: Vec<Failure>,
    pub private_replies_last_hour: i64,
    pub private_reply_limit: i64,
    /// Business Messaging API webhooks not yet delivered.
    pub webhooks_pending: i64,
    /// When Meta last sent an event for the account (to the minute).
    pub last_event_at: Option<Millis>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Failure {
    pub reason: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntakeView {
    /// Each of the last 60 minutes, oldest first.
    pub per_minute: Vec<Count>,
    /// Each hour of the period, oldest first.
    pub per_hour: Vec<Count>,
    pub received_in_period: i64,
    /// Received and not yet processed.
    pub backlog: i64,
    /// Notes made in the period (unknown accounts, malformed events …), by kind.
    pub notes: Vec<NoteCount>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Count {
    pub start: Millis,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoteCount {
    pub kind: String,
    pub count: i64,
}

/// The dashboard for `agent`: one inbox or all they can see, over `period`.
pub async fn dashboard(
    app: &App,
    agent: &Agent,
    inbox: Option<InboxId>,
    period: Period,
) -> Result<Dashboard, ServiceError> {
    let now = app.clock.now();
    let query = DashboardQuery {
        scope: agent.scope(),
        inbox,
        from: period.from,
        to: period.to,
        now,
        send_window: app.settings.send_limit_window_ms,
        intake: agent.is_admin,
    };
    let figures = app.store.dashboard(&query).await?;
    if inbox.is_some() && figures.inboxes.is_empty() {
        return Err(ServiceError::not_found("inbox"));
    }
    let mut dashboard = build(
        &figures,
        period,
        now,
        app.settings.send_limit as i64,
        app.settings.send_limit_window_ms,
    );
    dashboard.business_hours = super::automatic::states(app, now)
        .await?
        .into_iter()
        .filter(|s| dashboard.inboxes.iter().any(|i| i.id == s.inbox_id))
        .collect();
    Ok(dashboard)
}

/// The inboxes the agent belongs to.
pub async fn my_inboxes(app: &App, agent: &Agent) -> Result<Vec<InboxId>, ServiceError> {
    Ok(app
        .store
        .agent_details()
        .await?
        .into_iter()
        .find(|a| a.id == agent.id)
        .map(|a| a.inboxes.into_iter().map(|i| i.id).collect())
        .unwrap_or_default())
}

/// The waits that broke their target in the period (the SLA card's click-through).
pub async fn breached(
    app: &App,
    agent: &Agent,
    inbox: Option<InboxId>,
    period: Period,
) -> Result<Vec<BreachedWait>, ServiceError> {
    let query = DashboardQuery {
        scope: agent.scope(),
        inbox,
        from: period.from,
        to: period.to,
        now: app.clock.now(),
        send_window: app.settings.send_limit_window_ms,
        intake: false,
    };
    Ok(app.store.breached_waits(&query).await?)
}

/// The figures as the dashboard shows them.
pub fn build(
    figures: &DashboardFigures,
    period: Period,
    now: Millis,
    limit: i64,
    window: Millis,
) -> Dashboard {
    let buckets = &figures.wait_buckets;
    let inboxes = figures
        .inboxes
        .iter()
        .map(|inbox| {
            let mine = |id: InboxId| id == inbox.inbox;
            let mut counts = vec![0; buckets.len()];
            let mut sla = SlaCounts::default();
            for a in figures.answered_by_inbox.iter().filter(|a| mine(a.inbox)) {
                if let Some(c) = counts.get_mut(a.bucket) {
                    *c += a.answered;
                }
                sla.met += a.answered - a.breached;
                sla.breached += a.breached;
            }
            for u in figures.unanswered.iter().filter(|u| mine(u.inbox)) {
                sla.breached += u.overdue;
                sla.waiting += u.within;
            }
            InboxFigures {
                id: inbox.inbox,
                name: inbox.name.clone(),
                sla_target_seconds: inbox.sla_target_seconds,
                now: now_figures(figures, now, mine),
                sla,
                answered: counts.iter().sum(),
                median_wait_seconds: percentile(buckets, &counts, 0.5),
                p90_wait_seconds: percentile(buckets, &counts, 0.9),
            }
        })
        .collect::<Vec<_>>();
    let targets: HashSet<i64> = inboxes.iter().map(|i| i.sla_target_seconds).collect();
    Dashboard {
        from: period.from,
        to: period.to,
        generated_at: now,
        wait_buckets: buckets.clone(),
        now: now_figures(figures, now, |_| true),
        waits: wait_figures(figures, period),
        sla: sla_figures(
            figures,
            period,
            (targets.len() == 1).then(|| inboxes[0].sla_target_seconds),
        ),
        inboxes,
        outgoing: figures
            .accounts
            .iter()
            .map(|a| AccountFigures {
                id: a.account,
                username: a.username.clone(),
                inbox_id: a.inbox,
                sent_in_window: a.sent_in_window,
                limit,
                window_seconds: window / 1000,
                queued_people: a.queued_people,
                queued_api: a.queued_api,
                paused_until: a.paused_until,
                pause_reason: a.pause_reason.clone().filter(|_| a.paused_until.is_some()),
                needs_reconnect: a.needs_reconnect,
                failures_last_hour: a
                    .failures_last_hour
                    .iter()
                    .map(|(reason, count)| Failure {
                        reason: reason.clone(),
                        count: *count,
                    })
                    .collect(),
                private_replies_last_hour: a.private_replies_last_hour,
                private_reply_limit: PRIVATE_REPLIES_PER_HOUR as i64,
                webhooks_pending: a.webhooks_pending,
                last_event_at: a.last_event_at,
            })
            .collect(),
        intake: figures
            .intake
            .as_ref()
            .map(|intake| intake_view(intake, period, now)),
        business_hours: Vec::new(),
    }
}

fn now_figures(
    figures: &DashboardFigures,
    now: Millis,
    covered: impl Fn(InboxId) -> bool,
) -> NowFigures {
    let mut out = NowFigures::default();
    let mut oldest: Option<Millis> = None;
    for inbox in figures.inboxes.iter().filter(|i| covered(i.inbox)) {
        out.waiting_for_routing += inbox.routing;
        out.offered += inbox.offered;
        out.assigned += inbox.assigned;
        oldest = match (oldest, inbox.oldest_wait_since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    out.longest_wait_seconds = oldest.map(|since| (now - since).max(0) / 1000);
    for agent in figures
        .agents
        .iter()
        .filter(|a| a.inboxes.iter().any(|&i| covered(i)))
    {
        match (
            agent.available,
            agent.open_conversations >= agent.standard_capacity,
        ) {
            (false, _) => out.agents_away += 1,
            (true, true) => out.agents_at_capacity += 1,
            (true, false) => out.agents_available += 1,
        }
    }
    out
}

fn wait_figures(figures: &DashboardFigures, period: Period) -> WaitFigures {
    let buckets = &figures.wait_buckets;
    let mut by_hour: BTreeMap<Millis, Vec<i64>> = BTreeMap::new();
    let mut all = vec![0; buckets.len()];
    for a in &figures.answered_by_hour {
        let counts = by_hour
            .entry(a.hour)
            .or_insert_with(|| vec![0; buckets.len()]);
        if let (Some(c), Some(t)) = (counts.get_mut(a.bucket), all.get_mut(a.bucket)) {
            *c += a.answered;
            *t += a.answered;
        }
    }
    let empty = vec![0; buckets.len()];
    WaitFigures {
        answered: all.iter().sum(),
        median_seconds: percentile(buckets, &all, 0.5),
        p90_seconds: percentile(buckets, &all, 0.9),
        hours: period
            .hours()
            .map(|start| {
                let counts = by_hour.get(&start).unwrap_or(&empty);
                WaitHour {
                    start,
                    answered: counts.iter().sum(),
                    median_seconds: percentile(buckets, counts, 0.5),
                    p90_seconds: percentile(buckets, counts, 0.9),
                }
            })
            .collect(),
    }
}

fn sla_figures(figures: &DashboardFigures, period: Period, target: Option<i64>) -> SlaFigures {
    let mut hours: BTreeMap<Millis, SlaCounts> =
        period.hours().map(|h| (h, SlaCounts::default())).collect();
    for a in &figures.answered_by_hour {
        let at = hours.entry(a.hour).or_default();
        at.met += a.answered - a.breached;
        at.breached += a.breached;
    }
    for u in &figures.unanswered {
        let at = hours.entry(u.hour).or_default();
        at.breached += u.overdue;
        at.waiting += u.within;
    }
    let mut totals = SlaCounts::default();
    let mut days: BTreeMap<Millis, SlaCounts> = BTreeMap::new();
    for (&hour, &counts) in &hours {
        totals.add(counts);
        days.entry(floor_day(hour)).or_default().add(counts);
    }
    let bucketed = |m: BTreeMap<Millis, SlaCounts>| {
        m.into_iter()
            .map(|(start, counts)| SlaBucket { start, counts })
            .collect()
    };
    SlaFigures {
        target_seconds: target,
        totals,
        hours: bucketed(hours),
        days: bucketed(days),
    }
}

fn intake_view(intake: &igdesk_store::IntakeFigures, period: Period, now: Millis) -> IntakeView {
    let minute_now = now - now.rem_euclid(MINUTE);
    let per_minute = (0..60)
        .rev()
        .map(|ago| minute_now - ago * MINUTE)
        .map(|start| Count {
            start,
            count: lookup(&intake.last_hour_by_minute, start),
        })
        .collect();
    let per_hour: Vec<Count> = period
        .hours()
        .map(|start| Count {
            start,
            count: lookup(&intake.by_hour, start),
        })
        .collect();
    IntakeView {
        received_in_period: per_hour.iter().map(|c| c.count).sum(),
        per_minute,
        per_hour,
        backlog: intake.backlog,
        notes: intake
            .notes
            .iter()
            .map(|(kind, count)| NoteCount {
                kind: kind.clone(),
                count: *count,
            })
            .collect(),
    }
}

fn lookup(counts: &[(Millis, i64)], at: Millis) -> i64 {
    counts
        .iter()
        .find(|(start, _)| *start == at)
        .map_or(0, |(_, n)| *n)
}

/// The `q` quantile of waits counted in buckets with the given upper bounds
/// (seconds), interpolated within its bucket as Prometheus' `histogram_quantile`
/// does; in the last, open-ended bucket, its lower bound. None without waits.
pub fn percentile(bounds: &[i64], counts: &[i64], q: f64) -> Option<f64> {
    let total: i64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = q * total as f64;
    let mut below = 0i64;
    for (i, &n) in counts.iter().enumerate() {
        if n > 0 && (below + n) as f64 >= rank {
            let lower = if i == 0 { 0 } else { bounds[i - 1] } as f64;
            if i + 1 == bounds.len() {
                return Some(lower);
            }
            let upper = bounds[i] as f64;
            let within = ((rank - below as f64) / n as f64).clamp(0.0, 1.0);
            return Some(lower + (upper - lower) * within);
        }
        below += n;
    }
    bounds
        .get(counts.len().saturating_sub(2))
        .map(|&b| b as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: [i64; 4] = [10, 60, 300, 4_000_000_000];

    #[test]
    fn a_percentile_is_interpolated_within_its_bucket() {
        // 10 waits under 10 s, 10 between 10 and 60 s.
        let counts = [10, 10, 0, 0];
        assert_eq!(percentile(&BOUNDS, &counts, 0.5), Some(10.0));
        assert_eq!(percentile(&BOUNDS, &counts, 0.9), Some(50.0));
        assert_eq!(percentile(&BOUNDS, &counts, 0.25), Some(5.0));
    }

    #[test]
    fn no_waits_have_no_percentile_and_the_open_bucket_gives_its_lower_bound() {
        assert_eq!(percentile(&BOUNDS, &[0, 0, 0, 0], 0.5), None);
        assert_eq!(percentile(&BOUNDS, &[0, 0, 0, 3], 0.9), Some(300.0));
    }

    #[test]
    fn a_period_is_whole_hours_and_at_most_31_days() {
        let now = 10 * DAY + 90 * MINUTE;
        let p = Period::of(None, None, now).unwrap();
        assert_eq!((p.to, p.to - p.from), (10 * DAY + 2 * HOUR, DAY));
        let p = Period::of(Some(5 * MINUTE), Some(HOUR + 1), now).unwrap();
        assert_eq!((p.from, p.to), (0, 2 * HOUR));
        let e = Period::of(Some(HOUR), Some(HOUR), now).unwrap_err();
        assert_eq!((e.code, e.field), ("invalid_period", Some("from")));
        assert!(Period::of(Some(0), Some(32 * DAY), now).is_err());
        for (from, to, field) in [
            (Some(i64::MIN), None, "from"),
            (None, Some(i64::MAX), "to"),
            (Some(i64::MIN), Some(i64::MAX), "to"),
            (Some(-1), Some(HOUR), "from"),
        ] {
            let e = Period::of(from, to, now).unwrap_err();
            assert_eq!(e.field, Some(field), "{from:?} {to:?}");
        }
        assert!(Period::of(None, Some(0), now).is_ok_and(|p| p.from < 0));
    }
}
