//! The send loops: take queued messages, keep each account within its limits,
//! call the Send API and record every attempt so that a message is never lost and
//! never sent twice (SPEC OUT-4 … OUT-6, ACC-6).
//!
//! Two loops share each account's pace ([`pace`]): one takes every due message
//! in batches (people's replies first), the other people's replies only, so that a
//! reply queued while a batch of thousands of API messages is being sent does not
//! wait for the batch: it is claimed at once and sent beside it, within the same
//! limits.

mod book;
mod leases;
mod pace;

use super::interrupted::{AtMeta, LookUpError, OutOfSight};
use crate::app::App;
use crate::now_ms;
use igdesk_domain::retry::backoff;
use igdesk_domain::rules::{describe_meta_error, messaging_window, Author, SendAs, SEND_TRANSIT};
use igdesk_domain::{AccountId, Millis};
use igdesk_meta::{ErrorAction, GraphError, Recipient};
use igdesk_store::{Backend, Job, Lane, Outgoing, SendAsk, SendGrant, SentRecord};
use leases::{Held, LEASE};
use pace::{Gate, Pacer, Reserve};
use rand::Rng;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

const BATCH: i64 = 128;
/// Passing faults are retried this many times before the message is marked failed.
const MAX_ATTEMPTS: i64 = 10;
/// Accounts sending side by side.
const ACCOUNTS_AT_ONCE: usize = 32;

/// What both loops share.
#[derive(Clone)]
struct Shared {
    /// Meta's per-second rate and usage are counted per account across batches
    /// and loops.
    pacers: Pacers,
    out_of_sight: Arc<OutOfSight>,
    /// A message was settled: a person's reply queued behind it (the customer's
    /// head in flight) may be due now.
    settled: Arc<Notify>,
    /// Where what Meta accepted is left to be recorded in batches (SQLite); on
    /// PostgreSQL each send records its own, side by side with other instances'.
    book: Option<book::Book>,
}

/// Which jobs a loop claims.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Claim {
    /// Every due message, people's replies first.
    All,
    /// People's replies (the console lane) only.
    Replies,
}

pub async fn run(app: App, cancel: CancellationToken) {
    let settled = Arc::new(Notify::new());
    let (book, recorder) = match app.store.backend() {
        Backend::Sqlite => {
            let (book, recorder) = book::Book::open(&app, settled.clone());
            (Some(book), Some(recorder))
        }
        Backend::Postgres => (None, None),
    };
    let shared = Shared {
        pacers: Pacers::default(),
        out_of_sight: Arc::default(),
        settled,
        book,
    };
    let replies = tokio::spawn(claim_loop(
        app.clone(),
        cancel.clone(),
        shared.clone(),
        Claim::Replies,
    ));
    claim_loop(app, cancel, shared, Claim::All).await;
    let _ = replies.await;
    // Every copy of the book is gone with the loops: what is left in it is
    // recorded before the worker ends.
    if let Some(recorder) = recorder {
        let _ = recorder.await;
    }
}

async fn claim_loop(app: App, cancel: CancellationToken, shared: Shared, claim: Claim) {
    loop {
        let woken = app.wake.sends.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let settled = shared.settled.notified();
        tokio::pin!(settled);
        settled.as_mut().enable();
        if cancel.is_cancelled() {
            return;
        }
        let now = now_ms();
        let claimed = match claim {
            Claim::All => app.store.claim_sends(BATCH, now, now + LEASE).await,
            Claim::Replies => {
                let person = Lane::Console.priority();
                let claimed = app.store.claim_sends_up_to(person, BATCH, now, now + LEASE);
                claimed.await
            }
        };
        let jobs = claimed.unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot claim sends");
            Vec::new()
        });
        if jobs.is_empty() {
            // Only the replies' loop waits for settled messages: a reply behind a
            // head in flight becomes due then, and it must not wait for the batch.
            let replies = claim == Claim::Replies;
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = &mut woken => {}
                _ = &mut settled, if replies => {}
                _ = tokio::time::sleep(super::IDLE_POLL) => {}
            }
            continue;
        }
        send_batch(&app, &shared, jobs).await;
        // Statuses recorded by this batch are news for the agents' streams, and
        // status reports may be owed to the API's user.
        app.wake.live.everyone();
        app.wake.api_webhooks.notify_waiters();
    }
}

/// Sends claimed jobs, accounts side by side, and returns when all are settled.
async fn send_batch(app: &App, shared: &Shared, jobs: Vec<Job>) {
    let held = Held::new(jobs.iter().map(|j| j.id));
    let _renewing = leases::keep_alive(app, &held);
    let mut by_account: BTreeMap<AccountId, Vec<(Job, Outgoing)>> = BTreeMap::new();
    for job in jobs {
        let Ok(item) = job.payload.parse().map(igdesk_domain::ItemId) else {
            held.let_go(job.id);
            let _ = app.store.bury_job(job.id, "bad payload").await;
            continue;
        };
        match app.store.outgoing(item).await {
            Ok(Some(out)) => by_account
                .entry(out.account_id)
                .or_default()
                .push((job, out)),
            Ok(None) => {
                held.let_go(job.id);
                let _ = app.store.complete_job(job.id).await;
            }
            Err(e) => {
                // Its lease ends soon and it is claimed again.
                held.let_go(job.id);
                tracing::error!(error = %e, "cannot read an outgoing message");
            }
        }
    }
    let mut running = JoinSet::new();
    for (account, jobs) in by_account {
        while running.len() >= ACCOUNTS_AT_ONCE {
            running.join_next().await;
        }
        let pacer = shared
            .pacers
            .lock()
            .expect("pacers lock")
            .entry(account)
            .or_default()
            .clone();
        let (shared, held) = (shared.clone(), held.clone());
        running.spawn(send_for_account(
            app.clone(),
            account,
            jobs,
            pacer,
            shared,
            held,
        ));
    }
    while running.join_next().await.is_some() {}
}

/// What to do with the rest of an account's batch after one message.
enum Next {
    Continue,
    /// The account must wait until then; its remaining jobs are released.
    HoldAccount(Millis),
}

/// Messages of one account in flight at once (each to a different customer: a
/// batch holds at most one message per customer, so order is kept).
const SENDS_PER_ACCOUNT: usize = 8;

type Pacers = Arc<Mutex<HashMap<AccountId, Arc<Mutex<Pacer>>>>>;

async fn send_for_account(
    app: App,
    account_id: AccountId,
    jobs: Vec<(Job, Outgoing)>,
    pacer: Arc<Mutex<Pacer>>,
    shared: Shared,
    held: Held,
) {
    let leave_to_leases = || jobs.iter().for_each(|(job, _)| held.let_go(job.id));
    let account = match app.store.account(account_id).await {
        Ok(Some(a)) => a,
        _ => return leave_to_leases(), // leases expire; the jobs come back
    };
    let auth = match app.auth_for(&account) {
        Ok(auth) => auth,
        Err(e) => {
            leave_to_leases();
            let _ = app
                .store
                .mark_needs_reconnect(account_id, &account.token_sealed, &e.to_string())
                .await;
            return;
        }
    };
    let gate = match pace::open_gate(&pacer) {
        Some(gate) => gate,
        None => pace::share_gate(new_gate(&app, account_id, auth.login, pacer).await),
    };
    let auth = Arc::new(auth);
    // The token these sends use: a 190 blames it only if it is still the account's.
    let sealed: Arc<str> = account.token_sealed.clone().into();
    let mut running = JoinSet::new();
    for (job, out) in jobs {
        while running.len() >= SENDS_PER_ACCOUNT {
            running.join_next().await;
        }
        let (app, auth, gate, sealed) = (app.clone(), auth.clone(), gate.clone(), sealed.clone());
        let (shared, held) = (shared.clone(), held.clone());
        running.spawn(async move {
            if let Some(until) = gate.held() {
                held.let_go(job.id);
                let _ = app
                    .store
                    .retry_job(job.id, until, "the account is waiting")
                    .await;
                return;
            }
            let next = send_one(&app, &auth, &sealed, &job, &out, &gate, &shared);
            let next = next.await;
            held.let_go(job.id);
            if let Next::HoldAccount(until) = next {
                gate.hold(until);
            }
            shared.settled.notify_waiters();
        });
    }
    while running.join_next().await.is_some() {}
    // Recorded while the gate is still open: a batch that opens the next gate
    // after the kept limits ran out reads the account's sends from the store,
    // these among them. The gate waits for the book on its own, not the loop: the
    // book records behind the backlog's other writes, and a person's next reply
    // must not wait for them to be claimed (it shares the open gate meanwhile).
    let Some(book) = shared.book.clone() else {
        drop(gate);
        app.wake.sends.notify_waiters();
        return;
    };
    tokio::spawn(async move {
        book.flushed().await;
        drop(gate);
        app.wake.sends.notify_waiters();
    });
}

/// The account's limits: as its last gate left them just now, else as the store
/// knows them (its sends within the limit's window and its private replies within
/// the hour, each span kept `SEND_TRANSIT` longer, as the gate counts them).
async fn new_gate(
    app: &App,
    account_id: AccountId,
    login: igdesk_meta::LoginPath,
    pacer: Arc<Mutex<Pacer>>,
) -> Gate {
    let window = app.settings.send_limit_window_ms;
    let per_second = match login {
        igdesk_meta::LoginPath::Facebook => 300,
        igdesk_meta::LoginPath::Instagram => 100,
    };
    let limit = app.settings.send_limit;
    if let Some(kept) = Gate::kept(limit, window, per_second, &pacer, now_ms()) {
        return kept;
    }
    let recent = app
        .store
        .sends_since(account_id, now_ms() - window - SEND_TRANSIT)
        .await
        .unwrap_or_default();
    let private = app
        .store
        .private_replies_since(
            account_id,
            now_ms() - igdesk_domain::time::HOUR - SEND_TRANSIT,
        )
        .await
        .unwrap_or_default();
    Gate::new(limit, window, recent, private, per_second, pacer)
}

async fn send_one(
    app: &App,
    auth: &igdesk_meta::AccountAuth,
    sealed: &str,
    job: &Job,
    out: &Outgoing,
    gate: &Gate,
    shared: &Shared,
) -> Next {
    let store = &app.store;
    let out_of_sight = shared.out_of_sight.as_ref();
    let now = now_ms();
    match out.state.as_str() {
        "sent" | "failed" => {
            let _ = store.complete_job(job.id).await;
            return Next::Continue;
        }
        // Stepped back for a person's reply; its job went with it.
        "waiting" => return Next::Continue,
        "sending"
            if out
                .sending_since
                .is_some_and(|since| now < since + app.settings.echo_grace_ms) =>
        {
            let until = out.sending_since.unwrap_or(now) + app.settings.echo_grace_ms;
            let _ = store
                .retry_job(
                    job.id,
                    until,
                    "an interrupted attempt: waiting for Meta's echo",
                )
                .await;
            return Next::Continue;
        }
        "sending" => {
            if let Some(next) = settle_interrupted(app, auth, job, out, now, out_of_sight).await {
                return next;
            }
        }
        _ => {}
    }
    if out.valid_until.is_some_and(|until| now > until) {
        // CM.com's validity: a message too late to matter fails rather than arrives.
        let _ = store
            .record_failed(
                job.id,
                out.item,
                "expired: its validity period ended before it could be sent",
                now,
            )
            .await;
        return Next::Continue;
    }
    let author = if out.author == "automatic" {
        Author::Automatic
    } else {
        Author::Human
    };
    let (recipient, tag) = match &out.comment_id {
        // A private reply answers a comment; its own 7-day rule was checked when queued.
        Some(comment) => (Recipient::Comment(comment.clone()), None),
        None => match messaging_window(now, out.customer_last_message_at, author) {
            Ok(SendAs::Response) => (Recipient::Igsid(out.igsid.clone()), None),
            Ok(SendAs::HumanAgent) => (Recipient::Igsid(out.igsid.clone()), Some("HUMAN_AGENT")),
            Err(rule) => {
                let _ = store
                    .record_failed(job.id, out.item, &rule.to_string(), now)
                    .await;
                return Next::Continue;
            }
        },
    };
    let interactive = out.lane == Lane::Console.as_str();
    match gate.reserve(now, out.comment_id.is_some(), interactive) {
        Reserve::Go(delay) => {
            tokio::time::sleep(delay).await;
            // Meta's usage may have paused the account while this one waited.
            if let Some(until) = gate.paused_until(now_ms()) {
                if until - now_ms() > pace::LONGEST_WAIT {
                    return usage_pause(app, job, out, until).await;
                }
                tokio::time::sleep(Duration::from_millis((until - now_ms()).max(0) as u64)).await;
            }
        }
        Reserve::UsagePaused { until, percent } => {
            let _ = store
                .pause_sends(
                    out.account_id,
                    until,
                    &format!("Meta's usage headers: {percent}% of its limit used"),
                )
                .await;
            return usage_pause(app, job, out, until).await;
        }
        Reserve::AccountFull(slot) => {
            let _ = store
                .pause_sends(out.account_id, slot, "the account's message limit")
                .await;
            let _ = store
                .retry_job(job.id, slot, "the account's message limit")
                .await;
            return Next::HoldAccount(slot);
        }
        Reserve::PrivateRepliesFull(slot) => {
            // Only private replies wait; the account's other messages go on.
            let _ = store
                .retry_job(job.id, slot, "Meta's private-reply limit (750 per hour)")
                .await;
            return Next::Continue;
        }
    }
    if app.store.backend() == Backend::Postgres {
        // Several instances may send for the account: its limits are counted in
        // the database, where every instance's sends are.
        let ask = gate.shared_ask(out.comment_id.is_some(), interactive);
        if let Some(next) = shared_grant(app, job, out, ask).await {
            return next;
        }
    }
    let now = now_ms();
    match store
        .mark_sending_in(Lane::parse(&out.lane), out.item, now)
        .await
    {
        Ok(true) => {}
        // It stepped back for a person's reply; its job is gone with it.
        Ok(false) => return Next::Continue,
        Err(e) => {
            let _ = store.retry_job(job.id, now + 1_000, &e.to_string()).await;
            return Next::Continue;
        }
    }
    let result = app
        .graph
        .send_message(auth, &recipient, &out.message, tag)
        .await;
    let now = now_ms();
    match result {
        Ok(sent) => {
            gate.observe(sent.usage, now);
            let mid = sent.mid;
            metrics::counter!("igdesk_messages_sent_total", "lane" => out.lane.clone())
                .increment(1);
            metrics::histogram!("igdesk_send_wait_seconds", "lane" => out.lane.clone())
                .record((now - out.queued_at) as f64 / 1000.0);
            let lane = Lane::parse(&out.lane);
            if let Some(book) = &shared.book {
                let record = SentRecord {
                    job: job.id,
                    item: out.item,
                    mid,
                    at: now,
                };
                book.sent(lane, record);
            } else if let Err(e) = store
                .record_sent_in(lane, job.id, out.item, &mid, now)
                .await
            {
                // Meta has it; the echo will complete the record if this write is lost.
                tracing::error!(error = %e, item = %out.item, "sent but not recorded");
            }
            Next::Continue
        }
        Err(error) => failed_attempt(app, auth, sealed, job, out, error, now).await,
    }
}

/// How often a send waits for the next second of Meta's rate before its job is
/// put back (other instances are taking the account's rate meanwhile).
const SECOND_TRIES: u32 = 20;

/// The account's limits as every instance counts them (PostgreSQL): `None` when
/// the send is granted and goes now, else what became of it.
async fn shared_grant(app: &App, job: &Job, out: &Outgoing, ask: SendAsk) -> Option<Next> {
    let store = &app.store;
    for _ in 0..SECOND_TRIES {
        let now = now_ms();
        let grant = match store.reserve_send(out.account_id, ask, now).await {
            Ok(grant) => grant,
            Err(e) => {
                let _ = store.retry_job(job.id, now + 1_000, &e.to_string()).await;
                return Some(Next::Continue);
            }
        };
        metrics::counter!("igdesk_shared_send_grants_total", "grant" => grant_name(grant))
            .increment(1);
        match grant {
            SendGrant::Granted => return None,
            SendGrant::SecondFull(at) => {
                tokio::time::sleep(Duration::from_millis((at - now).clamp(1, 1_000) as u64)).await;
            }
            SendGrant::Paused(until) => {
                let why = "the account is paused (seen by another instance)";
                let _ = store.retry_job(job.id, until, why).await;
                return Some(Next::HoldAccount(until));
            }
            SendGrant::AccountFull(slot) => {
                let why = "the account's message limit";
                let _ = store.pause_sends(out.account_id, slot, why).await;
                let _ = store.retry_job(job.id, slot, why).await;
                return Some(Next::HoldAccount(slot));
            }
            SendGrant::PrivateRepliesFull(slot) => {
                let why = "Meta's private-reply limit (750 per hour)";
                let _ = store.retry_job(job.id, slot, why).await;
                return Some(Next::Continue);
            }
        }
    }
    let why = "Meta's per-second rate, taken by other instances";
    let _ = store.retry_job(job.id, now_ms() + 1_000, why).await;
    Some(Next::Continue)
}

fn grant_name(grant: SendGrant) -> &'static str {
    match grant {
        SendGrant::Granted => "granted",
        SendGrant::Paused(_) => "paused",
        SendGrant::AccountFull(_) => "account_full",
        SendGrant::PrivateRepliesFull(_) => "private_replies_full",
        SendGrant::SecondFull(_) => "second_full",
    }
}

/// Meta's usage pauses the account until `until`: the job waits for then.
async fn usage_pause(app: &App, job: &Job, out: &Outgoing, until: Millis) -> Next {
    let why = "Meta's usage headers ask the account to wait";
    tracing::info!(account = %out.account_id, until, "{why}");
    let _ = app.store.retry_job(job.id, until, why).await;
    Next::HoldAccount(until)
}

/// An attempt without an echo after the grace: Meta's record of the thread decides.
/// `None` when it did not go out and must be sent now.
async fn settle_interrupted(
    app: &App,
    auth: &igdesk_meta::AccountAuth,
    job: &Job,
    out: &Outgoing,
    now: Millis,
    out_of_sight: &OutOfSight,
) -> Option<Next> {
    let store = &app.store;
    let found = super::interrupted::look_up(app, auth, out).await;
    if !matches!(found, Ok(AtMeta::OutOfSight)) {
        out_of_sight.forget(out.item);
    }
    match found {
        Ok(AtMeta::Sent(mid)) => {
            metrics::counter!("igdesk_interrupted_sends_total", "at_meta" => "found").increment(1);
            if let Err(e) = store.record_sent(job.id, out.item, &mid, now).await {
                tracing::error!(error = %e, item = %out.item, "found at Meta but not recorded");
            }
            Some(Next::Continue)
        }
        Ok(AtMeta::NotSent) => {
            metrics::counter!("igdesk_interrupted_sends_total", "at_meta" => "absent").increment(1);
            None
        }
        Ok(AtMeta::OutOfSight) => {
            // Only its echo can tell now: one more grace for it, then it fails.
            let waited_from = out_of_sight.since(out.item, now);
            let until = waited_from + app.settings.echo_grace_ms;
            if now < until {
                let why = "Meta lists only the thread's 20 newest messages, all newer than \
                           the attempt: waiting for its echo";
                tracing::warn!(item = %out.item, reason = why, "an interrupted attempt waits");
                let _ = store.retry_job(job.id, until, why).await;
            } else {
                metrics::counter!("igdesk_interrupted_sends_total", "at_meta" => "out_of_sight")
                    .increment(1);
                out_of_sight.forget(out.item);
                let reason = "not sent again: whether it went out cannot be told (Meta lists \
                              only the thread's 20 newest messages, all newer than the attempt, \
                              and no echo came)";
                let _ = store.record_failed(job.id, out.item, reason, now).await;
            }
            Some(Next::Continue)
        }
        // Throttled (Meta allows few Conversations calls): ask again soon, while the
        // attempt is still among the messages Meta lists. Pacing, not a failure.
        Err(LookUpError::Graph(e)) if e.action() == ErrorAction::BackOff => {
            let jitter = rand::thread_rng().gen::<f64>();
            let wait = e.retry_after().map_or(0, |d| d.as_millis() as Millis);
            let later = now + wait.max(1_000) + (2_000.0 * jitter) as Millis;
            tracing::warn!(item = %out.item, error = %e, "an interrupted attempt waits");
            let _ = store.retry_job(job.id, later, &e.to_string()).await;
            Some(Next::Continue)
        }
        Err(e) if job.attempts >= MAX_ATTEMPTS => {
            // Sending blind could send it twice; an agent can see the failure and decide.
            let reason = format!("not sent again: {e}");
            let _ = store.record_failed(job.id, out.item, &reason, now).await;
            Some(Next::Continue)
        }
        Err(e) => {
            let jitter = rand::thread_rng().gen::<f64>();
            let later = now + backoff(job.attempts.max(1) as u32, 1_000, 5 * 60_000, jitter);
            tracing::warn!(item = %out.item, error = %e, "an interrupted attempt waits");
            let _ = store.retry_job(job.id, later, &e.to_string()).await;
            Some(Next::Continue)
        }
    }
}

async fn failed_attempt(
    app: &App,
    auth: &igdesk_meta::AccountAuth,
    sealed: &str,
    job: &Job,
    out: &Outgoing,
    error: GraphError,
    now: Millis,
) -> Next {
    let store = &app.store;
    let jitter = rand::thread_rng().gen::<f64>();
    let later = now + backoff(out.attempts.max(1) as u32, 1_000, 5 * 60_000, jitter);
    if error.is_thread_owned_elsewhere() && out.attempts < MAX_ATTEMPTS {
        // Instagram's inbox (another app) has the thread, so Meta refused the
        // message. A message igdesk sends takes the thread back, as a send through
        // the API does (API-3); then it goes again, at once if the take succeeded.
        let taken = app
            .graph
            .take_thread_control(auth, &out.igsid, "igdesk is answering")
            .await;
        let again = match &taken {
            Ok(()) => now,
            Err(e) => {
                tracing::warn!(item = %out.item, error = %e, "cannot take the thread back");
                later
            }
        };
        let _ = store
            .record_retry(job.id, out.item, again, &error.to_string())
            .await;
        return Next::Continue;
    }
    tracing::warn!(item = %out.item, error = %error, "send failed");
    metrics::counter!("igdesk_send_errors_total", "action" => format!("{:?}", error.action()))
        .increment(1);
    match error.action() {
        // The request may have reached Meta before the connection failed: the
        // attempt stays unknown (`sending`), so Meta's record decides before it is
        // sent again.
        ErrorAction::RetryLater
            if matches!(error, GraphError::Transport(_)) && out.attempts < MAX_ATTEMPTS =>
        {
            let _ = store.retry_job(job.id, later, &error.to_string()).await;
            Next::Continue
        }
        ErrorAction::RetryLater if out.attempts >= MAX_ATTEMPTS => {
            let reason = format!("gave up after {} attempts: {error}", out.attempts);
            let _ = store.record_failed(job.id, out.item, &reason, now).await;
            Next::Continue
        }
        ErrorAction::RetryLater => {
            let _ = store
                .record_retry(job.id, out.item, later, &error.to_string())
                .await;
            Next::Continue
        }
        ErrorAction::BackOff => {
            // Calling on while throttled extends the penalty: the whole account waits.
            let wait = error
                .retry_after()
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            let until = later.max(now + wait);
            let _ = store
                .pause_sends(
                    out.account_id,
                    until,
                    &format!("throttled by Meta: {error}"),
                )
                .await;
            let _ = store
                .record_retry(job.id, out.item, until, &error.to_string())
                .await;
            Next::HoldAccount(until)
        }
        ErrorAction::Reconnect => {
            let _ = store
                .mark_needs_reconnect(out.account_id, sealed, &error.to_string())
                .await;
            let _ = store
                .record_retry(job.id, out.item, now + 60_000, &error.to_string())
                .await;
            Next::HoldAccount(now + 60_000)
        }
        ErrorAction::GiveUp => {
            let reason = match &error {
                GraphError::Meta {
                    code,
                    subcode,
                    message,
                    ..
                } => describe_meta_error(*code, *subcode, message),
                other => other.to_string(),
            };
            let _ = store.record_failed(job.id, out.item, &reason, now).await;
            Next::Continue
        }
    }
}
