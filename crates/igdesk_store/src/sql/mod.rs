//! The SQL backends. Both speak through sqlx's `Any` driver with `$N` placeholders
//! (SQLite accepts them too), so most statements are written once; where the two
//! dialects differ (`FOR UPDATE SKIP LOCKED`, `BEGIN IMMEDIATE`) the [`Backend`]
//! decides. Each backend has its own migrations.
//!
//! Rows are always read with `fetch_all`, never `fetch_one`/`fetch_optional`: with
//! SQLite, a statement stopped after its first row keeps its read snapshot open on
//! the pooled connection, and later reads there would see stale data.

mod access;
mod accounts;
mod api;
mod api_events;
mod api_queue;
mod api_webhooks;
mod apply;
mod apply_run;
mod automatic;
mod automatic_apply;
mod comment_flags;
mod connect;
mod conversation_page;
mod dashboard;
mod events;
mod follows;
mod history;
mod intake;
mod jobs;
mod labels;
mod notes;
mod outbox;
mod people;
mod processing;
mod profiles;
mod raw_content;
mod reads;
mod routing;
mod rows;
mod saved_answers;
mod search;
mod send_limits;
mod sender_actions;
mod sessions;
mod store_routing;
mod stories;
mod topics;
mod transfer;
mod uploads;

pub use processing::ProcessingHold;

use crate::{Result, StoreError};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Any, AnyPool, Connection as _, Executor, Transaction};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OwnedMutexGuard;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend `tx` runs on.
    pub(super) fn of(tx: &Transaction<'static, Any>) -> Self {
        if tx.backend_name() == <sqlx::Sqlite as sqlx::Database>::NAME {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }

    /// Names the index SQLite is to read. Without statistics (igdesk never runs
    /// `ANALYZE`) its planner prefers a covering or a many-column index to a
    /// partial one that holds only the rows asked for, and walks all of it: the
    /// dashboard's open conversations (17 ms at 5,000 against 3 ms), the stalled
    /// send queues (0.27 s on 3.5 M messages against 0.2 ms), an API request's open
    /// conversations (27 ms on 100,000 open against 0.3 ms). PostgreSQL's planner
    /// has its statistics.
    pub(super) fn indexed_by(self, index: &str) -> String {
        match self {
            Backend::Sqlite => format!(" INDEXED BY {index}"),
            Backend::Postgres => String::new(),
        }
    }
}

#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer. Writers of this process queue here, in order, rather
    /// than in SQLite's busy handler, which sleeps and retries and can starve one
    /// writer (the webhook's) behind another for a second or more.
    sqlite_writer: Option<Arc<tokio::sync::Mutex<()>>>,
    /// Ordinary writers queue here before they queue for `sqlite_writer`, so at
    /// most one of them is ever ahead of an urgent writer (a person's reply),
    /// which queues for `sqlite_writer` directly: behind a backlog of sends, a
    /// reply's three writes would otherwise each wait for the whole queue.
    sqlite_queue: Option<Arc<tokio::sync::Mutex<()>>>,
    /// Urgent writers waiting for `sqlite_writer`: the ordinary writer that got
    /// it meanwhile hands it on (the lock is fair, so it goes to the urgent one).
    urgent_waiting: Arc<std::sync::atomic::AtomicUsize>,
    /// Background writers queue here, one at a time behind every other writer.
    sqlite_background: Option<Arc<tokio::sync::Mutex<()>>>,
    /// Ordinary writers waiting: a background writer waits for none of them.
    ordinary_waiting: Arc<std::sync::atomic::AtomicUsize>,
    /// The live streams' last settled horizon and when asking for it began
    /// (PostgreSQL; see `events::settled_below`).
    horizon: Arc<tokio::sync::Mutex<Option<(std::time::Instant, i64)>>>,
}

/// A write transaction; on SQLite it also holds this process's writer turn.
pub(crate) struct WriteTx {
    pub(crate) tx: Transaction<'static, Any>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../../migrations/sqlite/0001_foundation.sql"),
    ),
    (
        2,
        "answering",
        include_str!("../../migrations/sqlite/0002_answering.sql"),
    ),
    (
        3,
        "sessions",
        include_str!("../../migrations/sqlite/0003_sessions.sql"),
    ),
    (
        4,
        "routing",
        include_str!("../../migrations/sqlite/0004_routing.sql"),
    ),
    (
        5,
        "api",
        include_str!("../../migrations/sqlite/0005_api.sql"),
    ),
    (
        6,
        "stream_order",
        include_str!("../../migrations/sqlite/0006_stream_order.sql"),
    ),
    (
        7,
        "waiting_queue",
        include_str!("../../migrations/sqlite/0007_waiting_queue.sql"),
    ),
    (
        8,
        "seen",
        include_str!("../../migrations/sqlite/0008_seen.sql"),
    ),
    (
        9,
        "dashboard",
        include_str!("../../migrations/sqlite/0009_dashboard.sql"),
    ),
    (
        10,
        "connect",
        include_str!("../../migrations/sqlite/0010_connect.sql"),
    ),
    (
        11,
        "agents_active",
        include_str!("../../migrations/sqlite/0011_agents_active.sql"),
    ),
    (
        12,
        "private_replies_sent",
        include_str!("../../migrations/sqlite/0012_private_replies_sent.sql"),
    ),
    (
        13,
        "notes",
        include_str!("../../migrations/sqlite/0013_notes.sql"),
    ),
    (
        14,
        "saved_answers",
        include_str!("../../migrations/sqlite/0014_saved_answers.sql"),
    ),
    (
        15,
        "transfer",
        include_str!("../../migrations/sqlite/0015_transfer.sql"),
    ),
    (
        16,
        "labels",
        include_str!("../../migrations/sqlite/0016_labels.sql"),
    ),
    (
        17,
        "search",
        include_str!("../../migrations/sqlite/0017_search.sql"),
    ),
    (
        19,
        "delivery_hash",
        include_str!("../../migrations/sqlite/0019_delivery_hash.sql"),
    ),
    (
        20,
        "story_checks",
        include_str!("../../migrations/sqlite/0020_story_checks.sql"),
    ),
    (
        21,
        "reads",
        include_str!("../../migrations/sqlite/0021_reads.sql"),
    ),
    (
        22,
        "automatic",
        include_str!("../../migrations/sqlite/0022_automatic.sql"),
    ),
    (
        24,
        "history_follows",
        include_str!("../../migrations/sqlite/0024_history_follows.sql"),
    ),
    (
        25,
        "send_grants",
        include_str!("../../migrations/sqlite/0025_send_grants.sql"),
    ),
    (
        26,
        "delivery_parts",
        include_str!("../../migrations/sqlite/0026_delivery_parts.sql"),
    ),
    (
        27,
        "delivery_strands",
        include_str!("../../migrations/sqlite/0027_delivery_strands.sql"),
    ),
    (
        28,
        "conversation_list",
        include_str!("../../migrations/sqlite/0028_conversation_list.sql"),
    ),
    (
        29,
        "waiting_work",
        include_str!("../../migrations/sqlite/0029_waiting_work.sql"),
    ),
    (
        30,
        "periodic_looks",
        include_str!("../../migrations/sqlite/0030_periodic_looks.sql"),
    ),
    (
        31,
        "closed_conversations",
        include_str!("../../migrations/sqlite/0031_closed_conversations.sql"),
    ),
    (
        32,
        "delivery_parts_only",
        include_str!("../../migrations/sqlite/0032_delivery_parts_only.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "answering",
        include_str!("../../migrations/postgres/0002_answering.sql"),
    ),
    (
        3,
        "sessions",
        include_str!("../../migrations/postgres/0003_sessions.sql"),
    ),
    (
        4,
        "routing",
        include_str!("../../migrations/postgres/0004_routing.sql"),
    ),
    (
        5,
        "api",
        include_str!("../../migrations/postgres/0005_api.sql"),
    ),
    (
        6,
        "stream_order",
        include_str!("../../migrations/postgres/0006_stream_order.sql"),
    ),
    (
        7,
        "waiting_queue",
        include_str!("../../migrations/postgres/0007_waiting_queue.sql"),
    ),
    (
        8,
        "seen",
        include_str!("../../migrations/postgres/0008_seen.sql"),
    ),
    (
        9,
        "dashboard",
        include_str!("../../migrations/postgres/0009_dashboard.sql"),
    ),
    (
        10,
        "connect",
        include_str!("../../migrations/postgres/0010_connect.sql"),
    ),
    (
        11,
        "agents_active",
        include_str!("../../migrations/postgres/0011_agents_active.sql"),
    ),
    (
        12,
        "private_replies_sent",
        include_str!("../../migrations/postgres/0012_private_replies_sent.sql"),
    ),
    (
        13,
        "notes",
        include_str!("../../migrations/postgres/0013_notes.sql"),
    ),
    (
        14,
        "saved_answers",
        include_str!("../../migrations/postgres/0014_saved_answers.sql"),
    ),
    (
        15,
        "transfer",
        include_str!("../../migrations/postgres/0015_transfer.sql"),
    ),
    (
        16,
        "labels",
        include_str!("../../migrations/postgres/0016_labels.sql"),
    ),
    (
        17,
        "search",
        include_str!("../../migrations/postgres/0017_search.sql"),
    ),
    // PostgreSQL only: SQLite's search reads the account from its full-text index.
    (
        18,
        "search_by_account",
        include_str!("../../migrations/postgres/0018_search_by_account.sql"),
    ),
    (
        19,
        "delivery_hash",
        include_str!("../../migrations/postgres/0019_delivery_hash.sql"),
    ),
    (
        20,
        "story_checks",
        include_str!("../../migrations/postgres/0020_story_checks.sql"),
    ),
    (
        21,
        "reads",
        include_str!("../../migrations/postgres/0021_reads.sql"),
    ),
    (
        22,
        "automatic",
        include_str!("../../migrations/postgres/0022_automatic.sql"),
    ),
    (
        24,
        "history_follows",
        include_str!("../../migrations/postgres/0024_history_follows.sql"),
    ),
    (
        25,
        "send_grants",
        include_str!("../../migrations/postgres/0025_send_grants.sql"),
    ),
    (
        26,
        "delivery_parts",
        include_str!("../../migrations/postgres/0026_delivery_parts.sql"),
    ),
    (
        27,
        "delivery_strands",
        include_str!("../../migrations/postgres/0027_delivery_strands.sql"),
    ),
    (
        28,
        "stream_order_keys",
        include_str!("../../migrations/postgres/0028_stream_order_keys.sql"),
    ),
    (
        29,
        "event_news",
        include_str!("../../migrations/postgres/0029_event_news.sql"),
    ),
    (
        30,
        "waiting_work",
        include_str!("../../migrations/postgres/0030_waiting_work.sql"),
    ),
    (
        31,
        "periodic_looks",
        include_str!("../../migrations/postgres/0031_periodic_looks.sql"),
    ),
    (
        32,
        "claims_in_place",
        include_str!("../../migrations/postgres/0032_claims_in_place.sql"),
    ),
    (
        33,
        "closed_conversations",
        include_str!("../../migrations/postgres/0033_closed_conversations.sql"),
    ),
    (
        34,
        "delivery_parts_only",
        include_str!("../../migrations/postgres/0034_delivery_parts_only.sql"),
    ),
];

/// Opens the database at `url` (`sqlite://FILE` or `postgres://…`) and brings its
/// schema up to date.
pub async fn connect(url: &str) -> Result<SqlStore> {
    let store = open(url).await?;
    store.migrate().await?;
    Ok(store)
}

/// A pooled connection idle longer than this is pinged before it is used: the
/// server may have dropped it meanwhile (a restart, an idle timeout). One in use
/// more recently was pinged as it came back (sqlx does so on every return).
const CHECK_IDLE_AFTER: Duration = Duration::from_secs(1);

/// Opens without migrating.
pub async fn open(url: &str) -> Result<SqlStore> {
    sqlx::any::install_default_drivers();
    let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
        (Backend::Sqlite, sqlite_url(rest))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        (Backend::Postgres, url.to_owned())
    } else {
        return Err(StoreError::UnsupportedUrl(url.to_owned()));
    };
    // By default sqlx pings a connection as it hands it out and again as it takes it
    // back: a round trip before every statement run on the pool (on PostgreSQL, a
    // wake-up of the server's process; docs/BENCHMARKS.md, Routing). The ping on the
    // way back stays; on the way out only a connection idle a while is checked.
    let options = AnyPoolOptions::new()
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > CHECK_IDLE_AFTER {
                    conn.ping().await?;
                }
                Ok(true)
            })
        });
    let pool = match backend {
        Backend::Sqlite => {
            options
                .max_connections(8)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        // WAL lets readers run beside the one writer; FULL makes every
                        // commit durable (it is what makes the webhook's 200 honest).
                        // Checkpoints run in the background (`checkpoint`), not in
                        // whichever commit crosses the log's size limit. Deleted and
                        // overwritten content is zeroed (secure_delete), so what a
                        // customer deleted is not left in free space in the file.
                        // Reads go through a memory map of the whole file (up to 1 TiB,
                        // the ceiling .cargo/config.toml compiles in): a page is read
                        // where the kernel caches it, where copying it into each
                        // connection's cache, under that cache's one lock, cost a
                        // conversation list two thirds of its time (docs/BENCHMARKS.md,
                        // Reads). Writes still go through the log.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                             PRAGMA wal_autocheckpoint = 0; PRAGMA secure_delete = ON; \
                             PRAGMA mmap_size = 1099511627776;",
                        )
                        .await?;
                        Ok(())
                    })
                })
                .connect(&url)
                .await?
        }
        Backend::Postgres => {
            options
                .max_connections(16)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        // igdesk's reads are short; compiling a plan with LLVM costs more
                        // than it saves (25 ms added to a 3 ms search whose fallback
                        // part, never run, was costed as a scan of millions of rows).
                        conn.execute("SET jit = off").await?;
                        Ok(())
                    })
                })
                .connect(&url)
                .await?
        }
    };
    let sqlite_writer = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
    let sqlite_queue = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
    let sqlite_background =
        (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
    Ok(SqlStore {
        pool,
        backend,
        sqlite_writer,
        sqlite_queue,
        urgent_waiting: Arc::default(),
        sqlite_background,
        ordinary_waiting: Arc::default(),
        horizon: Arc::default(),
    })
}

/// `sqlite://igdesk.db` must create the file when it is missing.
fn sqlite_url(rest: &str) -> String {
    let rest = rest.trim_start_matches("//");
    if rest.contains("mode=") || rest.starts_with(":memory:") {
        format!("sqlite://{rest}")
    } else if rest.contains('?') {
        format!("sqlite://{rest}&mode=rwc")
    } else {
        format!("sqlite://{rest}?mode=rwc")
    }
}

impl SqlStore {
    pub async fn migrate(&self) -> Result<()> {
        let list = match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        };
        let migrations = list
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    Cow::Borrowed(*sql),
                    false,
                )
            })
            .collect::<Vec<_>>();
        let migrator = Migrator {
            migrations: Cow::Owned(migrations),
            ..Migrator::DEFAULT
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// Copies a live SQLite store to `path` (consistent, while it keeps serving).
    pub async fn backup_to(&self, path: &str) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::UnsupportedUrl(
                "backup is for SQLite stores; use pg_dump for PostgreSQL".into(),
            ));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A write transaction. SQLite's takes the write lock at once (`BEGIN IMMEDIATE`),
    /// so two writers queue on the busy timeout instead of failing on lock upgrade.
    async fn write(&self) -> Result<WriteTx> {
        self.write_as(Turn::Ordinary).await
    }

    /// [`Self::write`], an urgent one ahead of the ordinary writers waiting.
    async fn write_as(&self, turn: Turn) -> Result<WriteTx> {
        let turn = self.writer_turn_as(turn).await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx { tx, _turn: turn })
    }

    /// For a single-statement write: wait for this process's writer turn (SQLite).
    async fn writer_turn(&self) -> Option<OwnedMutexGuard<()>> {
        self.writer_turn_as(Turn::Ordinary).await
    }

    async fn writer_turn_as(&self, turn: Turn) -> Option<OwnedMutexGuard<()>> {
        use std::sync::atomic::Ordering::SeqCst;
        let writer = self.sqlite_writer.as_ref()?;
        match turn {
            Turn::Urgent => {
                // Counted while it waits, even if the waiting is given up (a client gone).
                let _waiting = Waiting::new(&self.urgent_waiting);
                Some(writer.clone().lock_owned().await)
            }
            Turn::Ordinary => {
                let _waiting = Waiting::new(&self.ordinary_waiting);
                let _queued = self.sqlite_queue.as_ref()?.lock().await;
                loop {
                    let held = writer.clone().lock_owned().await;
                    if self.urgent_waiting.load(SeqCst) == 0 {
                        return Some(held);
                    }
                    drop(held);
                    tokio::task::yield_now().await;
                }
            }
            Turn::Background => {
                let _queued = self.sqlite_background.as_ref()?.lock().await;
                let patience = std::time::Instant::now() + BACKGROUND_PATIENCE;
                while std::time::Instant::now() < patience {
                    let held = writer.clone().lock_owned().await;
                    let waiting =
                        self.urgent_waiting.load(SeqCst) + self.ordinary_waiting.load(SeqCst);
                    if waiting == 0 {
                        return Some(held);
                    }
                    drop(held);
                    // Not a spin: the writers ahead take a millisecond or more each.
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                }
                // Waited long enough: it takes its turn among the ordinary writers,
                // so a backlog still drains under a steady stream of webhooks.
                Box::pin(self.writer_turn_as(Turn::Ordinary)).await
            }
        }
    }
}

/// One urgent writer waiting, for as long as this lives.
struct Waiting<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a std::sync::atomic::AtomicUsize) -> Self {
        count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// How long a background writer lets the others go first before it takes an
/// ordinary turn: each such turn costs the writers behind it one write (a
/// millisecond or two), at most once in this long.
const BACKGROUND_PATIENCE: std::time::Duration = std::time::Duration::from_millis(10);

/// Where a write queues for SQLite's one writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Turn {
    Ordinary,
    /// A person waits on it (a console reply on its way): ahead of the others.
    Urgent,
    /// Nobody waits on it now (the API's backlog of sends settling): after every
    /// other writer waiting, so that a backlog draining one send at a time does not
    /// hold back Meta's acknowledgements or the processing of what customers write.
    Background,
}

/// Placeholders handed out in the order they appear in a statement, each bound
/// once, in that order: `$1, $2, …` on PostgreSQL, plain `?` on SQLite. SQLite
/// binds a numbered parameter by scanning the statement's parameter names, so a
/// multi-row statement of a thousand `$n` costs half a million steps to bind;
/// anonymous ones cost nothing.
pub(super) struct Binds {
    anonymous: bool,
    next: usize,
}

impl Binds {
    pub(super) fn new(backend: Backend) -> Self {
        Binds {
            anonymous: backend == Backend::Sqlite,
            next: 1,
        }
    }

    /// For a statement run in `tx`.
    pub(super) fn of(tx: &Transaction<'static, Any>) -> Self {
        Self::new(Backend::of(tx))
    }

    pub(super) fn one(&mut self) -> String {
        if self.anonymous {
            return "?".into();
        }
        self.next += 1;
        format!("${}", self.next - 1)
    }

    /// `n` values: an `IN (…)` list.
    pub(super) fn list(&mut self, n: usize) -> String {
        (0..n).map(|_| self.one()).collect::<Vec<_>>().join(", ")
    }

    /// A multi-row `VALUES` list of `rows` rows of `columns` values each.
    pub(super) fn rows(&mut self, rows: usize, columns: usize) -> String {
        (0..rows)
            .map(|_| format!("({})", self.list(columns)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The inbox an account's work goes to: its exception, else the default inbox.
const ACCOUNT_INBOX: &str =
    "COALESCE(a.inbox_id, (SELECT id FROM inboxes WHERE is_default = 1 ORDER BY id LIMIT 1))";

pub(crate) type Row = AnyRow;

#[cfg(test)]
mod tests {
    use sqlx::Row as _;

    /// Every migration file is run, in the order of its number: a file written and
    /// left out of the list would never reach a database.
    #[test]
    fn every_migration_file_is_listed() {
        for (backend, listed) in [
            ("sqlite", super::SQLITE_MIGRATIONS),
            ("postgres", super::POSTGRES_MIGRATIONS),
        ] {
            let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
            let mut files: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|f| f.ends_with(".sql"))
                .collect();
            files.sort();
            let listed: Vec<String> = listed
                .iter()
                .map(|(version, name, _)| format!("{version:04}_{name}.sql"))
                .collect();
            assert_eq!(listed, files, "{backend}'s migrations");
        }
    }

    /// Every SQLite connection reads through a map of the whole file. SQLite caps
    /// the pragma, silently, at the ceiling compiled in (2 GiB by default), so this
    /// also proves the flags of `.cargo/config.toml` reached the build.
    #[tokio::test]
    async fn sqlite_reads_through_a_map_of_up_to_a_terabyte_without_memory_statistics() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::testing::sqlite_url(dir.path());
        let store = super::connect(&url).await.unwrap();
        let mapped: i64 = sqlx::query("PRAGMA mmap_size")
            .fetch_one(&store.pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(mapped, 1 << 40);
        let options: Vec<String> = sqlx::query("PRAGMA compile_options")
            .fetch_all(&store.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String, _>(0).unwrap())
            .collect();
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
    }
}
