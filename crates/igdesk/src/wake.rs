//! Wake-ups that cross instances. Several `igdesk serve` on one PostgreSQL share
//! the work through the database, and each polls it every half second; a wake-up
//! makes a loop look now instead. Within one process that is a `Notify`; on
//! PostgreSQL each wake-up is also published with `NOTIFY` (after the commit that
//! made the work, as every wake-up is) and every other instance's listener wakes
//! the same loop or live streams there. So the router, which runs on one instance,
//! routes a conversation another instance took in at once, and an offer it makes
//! reaches an agent streaming from any instance at once. A lost notification costs
//! at most a poll: the database, not the bus, is the truth.

use crate::live::News;
use igdesk_domain::AgentId;
use sqlx::postgres::{PgConnection, PgListener};
use sqlx::Connection as _;
use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::{mpsc, Notify};
use tokio_util::sync::CancellationToken;

/// The PostgreSQL channel every instance listens on.
const CHANNEL: &str = "igdesk_wake";
/// A live wake-up naming more agents than this names everyone (a payload is at
/// most 8,000 bytes).
const MAX_AGENTS: usize = 500;

/// What one instance tells the others.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Wake {
    /// Loops of this kind of work (`Signal::kind`).
    Loop(&'static str),
    /// These agents' live streams (none: every stream).
    Live(Vec<AgentId>),
}

impl Wake {
    fn payload(&self, instance: &str) -> String {
        match self {
            Wake::Loop(kind) => format!("{instance} loop {kind}"),
            Wake::Live(agents) if agents.is_empty() || agents.len() > MAX_AGENTS => {
                format!("{instance} live *")
            }
            Wake::Live(agents) => {
                let ids: Vec<String> = agents.iter().map(|a| a.0.to_string()).collect();
                format!("{instance} live {}", ids.join(","))
            }
        }
    }

    /// A payload another instance sent; `None` for this instance's own or one not
    /// understood (a newer version's).
    fn parse(payload: &str, instance: &str) -> Option<Wake> {
        let mut words = payload.splitn(3, ' ');
        let (from, what, detail) = (words.next()?, words.next()?, words.next()?);
        if from == instance {
            return None;
        }
        match what {
            "loop" => LOOPS.iter().find(|k| **k == detail).map(|k| Wake::Loop(k)),
            "live" if detail == "*" => Some(Wake::Live(Vec::new())),
            "live" => detail
                .split(',')
                .map(|id| id.parse().ok().map(AgentId))
                .collect::<Option<Vec<_>>>()
                .map(Wake::Live),
            _ => None,
        }
    }
}

/// The loops a wake-up may name (their `Signal::kind`): those that run on one
/// instance at a time (a lease) while every instance makes work for them. Applying
/// deliveries (in the order they came) and routing. Every other loop runs on each
/// instance and is woken by its own writes.
const LOOPS: [&str; 2] = ["deliveries", "routing"];

/// Where this instance's wake-ups go to be published: set once, on PostgreSQL.
#[derive(Default)]
pub struct Outbox(OnceLock<mpsc::UnboundedSender<Wake>>);

impl Outbox {
    pub fn publish(&self, wake: Wake) {
        if let Some(bus) = self.0.get() {
            let _ = bus.send(wake);
        }
    }

    pub(crate) fn connect(&self, bus: mpsc::UnboundedSender<Wake>) {
        let _ = self.0.set(bus);
    }
}

/// A wake-up for one kind of loop: here at once, and on the other instances when
/// the loop is one of `LOOPS` and the bus is on.
pub struct Signal {
    kind: &'static str,
    notify: Notify,
    outbox: Outbox,
}

impl Signal {
    pub fn new(kind: &'static str) -> Self {
        Signal {
            kind,
            notify: Notify::new(),
            outbox: Outbox::default(),
        }
    }

    pub fn notify_one(&self) {
        self.notify.notify_one();
        self.outbox.publish(Wake::Loop(self.kind));
    }

    pub fn notify_waiters(&self) {
        self.notify.notify_waiters();
        self.outbox.publish(Wake::Loop(self.kind));
    }

    pub fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.notify.notified()
    }

    /// Woken by another instance: here only (a permit if nobody waits yet).
    fn wake_here(&self) {
        self.notify.notify_one();
    }
}

/// Starts publishing this instance's wake-ups and listening for the others': two
/// tasks, each keeping its own connection to `database_url` and reconnecting when
/// it drops. They end with `stop`.
pub fn spawn_bus(
    wakers: &std::sync::Arc<crate::app::Wakers>,
    database_url: &str,
    stop: &CancellationToken,
) -> Vec<tokio::task::JoinHandle<()>> {
    let instance = crate::crypto::random_hex(8);
    let (bus, queued) = mpsc::unbounded_channel();
    wakers.deliveries.outbox.connect(bus.clone());
    wakers.routing.outbox.connect(bus.clone());
    wakers.live.connect(bus);
    vec![
        tokio::spawn(publish(
            queued,
            database_url.to_owned(),
            instance.clone(),
            stop.clone(),
        )),
        tokio::spawn(listen(
            wakers.clone(),
            database_url.to_owned(),
            instance,
            stop.clone(),
        )),
    ]
}

/// Sends what was queued since the last turn, each distinct wake-up once: a burst
/// of a thousand routing wake-ups is one `NOTIFY`.
async fn publish(
    mut queued: mpsc::UnboundedReceiver<Wake>,
    database_url: String,
    instance: String,
    stop: CancellationToken,
) {
    let mut connection: Option<PgConnection> = None;
    loop {
        let first = tokio::select! {
            _ = stop.cancelled() => return,
            wake = queued.recv() => match wake { Some(w) => w, None => return },
        };
        let mut turn = BTreeSet::from([first]);
        while let Ok(wake) = queued.try_recv() {
            turn.insert(wake);
        }
        if connection.is_none() {
            match PgConnection::connect(&database_url).await {
                Ok(c) => connection = Some(c),
                Err(e) => {
                    // The others poll: nothing is lost but a little time.
                    tracing::warn!(error = %e, "cannot connect to publish wake-ups");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
        }
        let Some(c) = connection.as_mut() else {
            continue;
        };
        for wake in turn {
            let sent = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(wake.payload(&instance))
                .execute(&mut *c)
                .await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "cannot publish a wake-up");
                connection = None;
                break;
            }
        }
    }
}

/// Wakes here what the other instances published.
async fn listen(
    wakers: std::sync::Arc<crate::app::Wakers>,
    database_url: String,
    instance: String,
    stop: CancellationToken,
) {
    loop {
        let mut listener = match PgListener::connect(&database_url).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot connect to hear other instances");
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "cannot listen for other instances");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        loop {
            let heard = tokio::select! {
                _ = stop.cancelled() => return,
                heard = listener.try_recv() => heard,
            };
            match heard {
                Ok(Some(note)) => {
                    if let Some(wake) = Wake::parse(note.payload(), &instance) {
                        wake_here(&wakers, wake);
                    }
                }
                // The connection dropped and was made again: what was said meanwhile
                // is lost, so everything looks now.
                Ok(None) => {
                    for kind in LOOPS {
                        wake_here(&wakers, Wake::Loop(kind));
                    }
                    wake_here(&wakers, Wake::Live(Vec::new()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "lost the other instances' wake-ups");
                    break;
                }
            }
        }
    }
}

fn wake_here(wakers: &crate::app::Wakers, wake: Wake) {
    match wake {
        Wake::Loop("deliveries") => wakers.deliveries.wake_here(),
        Wake::Loop(_) => wakers.routing.wake_here(),
        Wake::Live(agents) if agents.is_empty() => wakers.live.here(News::Everyone),
        Wake::Live(agents) => wakers.live.here(News::Agents(agents.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wake_up_reads_back_as_sent_elsewhere_and_not_here() {
        for wake in [
            Wake::Loop("routing"),
            Wake::Loop("deliveries"),
            Wake::Live(vec![AgentId(3), AgentId(41)]),
            Wake::Live(Vec::new()),
        ] {
            let payload = wake.payload("a1");
            assert_eq!(Wake::parse(&payload, "b2"), Some(wake.clone()), "{payload}");
            assert_eq!(Wake::parse(&payload, "a1"), None, "its own: {payload}");
        }
    }

    #[test]
    fn too_many_agents_wake_everyone_and_nonsense_wakes_nothing() {
        let many = Wake::Live((0..=MAX_AGENTS as i64).map(AgentId).collect());
        assert_eq!(
            Wake::parse(&many.payload("a"), "b"),
            Some(Wake::Live(Vec::new()))
        );
        for nonsense in [
            "",
            "a",
            "a loop",
            "a loop dancing",
            "a live 1,x",
            "a moon 1",
        ] {
            assert_eq!(Wake::parse(nonsense, "b"), None, "{nonsense:?}");
        }
    }
}
