//! A Meta access token stays out of the logs, the database and the API, also
//! when Meta cannot be reached. reqwest names the URL in its errors,
//! and those errors go to the logs, to `jobs.last_error`, to an item's failure
//! and to `/api/v1/intake/stats`: tokens travel as bearers, and a failed call is
//! told without its URL.

mod common;

use common::{start_postgres_tuned, start_sqlite, start_sqlite_tuned, TestApp, IG_ID, PAGE_TOKEN};
use igdesk::accounts::{connect, Connection};
use igdesk_igs::{BusinessAccount, Delivery, Event, TokenPlace};
use secrecy::SecretString;
use serde_json::{json, Value};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// The Instagram-Login account's token; the Facebook-Login one is [`PAGE_TOKEN`].
const IG_TOKEN: &str = "IGQV-secret-token-3f9c2a7e";
const IG_ACCOUNT: &str = "17841400000000777";

/// Everything this test binary logs, at every level, as igdesk's own subscriber
/// would write it (one global subscriber: both tests write here).
fn logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .init();
        buffer
    })
    .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn log_text() -> String {
    String::from_utf8_lossy(&logs().lock().unwrap()).into_owned()
}

/// A base URL nothing listens on.
async fn closed_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// Adds an Instagram-Login account (its token renewed by a `refresh_token` job,
/// the one call with its token in the query) and queues that renewal now.
async fn add_instagram_login_account(app: &TestApp) {
    app.sim.add_business(BusinessAccount {
        ig_id: IG_ACCOUNT.into(),
        page_id: "100000000000777".into(),
        username: "igshop".into(),
        page_token: "EAAB-unused".into(),
        instagram_token: IG_TOKEN.into(),
    });
    let store = app.running.app.store.clone();
    let account = connect(
        store.as_ref(),
        &app.running.app.sealer,
        Connection {
            ig_id: IG_ACCOUNT.into(),
            page_id: "100000000000777".into(),
            page_name: "IG Shop".into(),
            username: "igshop".into(),
            login_path: "instagram".into(),
            token: SecretString::from(IG_TOKEN.to_owned()),
            added_by: "test".into(),
            settings: Default::default(),
        },
    )
    .await
    .unwrap();
    store
        .enqueue_job(
            igdesk_store::NewJob {
                kind: igdesk_store::JOB_REFRESH_TOKEN.into(),
                dedup_key: None,
                payload: account.id.0.to_string(),
                run_at: 0,
            },
            igdesk::now_ms(),
        )
        .await
        .unwrap();
}

/// A message from a customer of each account and a reply to each: profile
/// lookups, history imports, sends and a token renewal all call Meta.
async fn talk_to_both_accounts(app: &TestApp) {
    add_instagram_login_account(app).await;
    app.send(Event::text("1000001", "hello")).await;
    let delivery = Delivery::new(IG_ACCOUNT).push(Event::text("999", "hi via IG login"));
    assert_eq!(app.sim.deliver(&delivery).await.unwrap(), 200);
    app.settle().await;
    for igsid in ["1000001", "999"] {
        let (status, body) = app.reply(igsid, json!({"text": "Hello!"})).await;
        assert_eq!(status, 202, "{body}");
    }
}

/// Every text the store holds: the SQLite files' bytes (database and WAL), or
/// every row of every PostgreSQL table as text.
async fn store_text(app: &TestApp) -> String {
    let url = &app.running.app.settings.database_url;
    if let Some(path) = url.strip_prefix("sqlite://") {
        let file = std::path::Path::new(path.split('?').next().unwrap());
        let mut text = String::new();
        for entry in std::fs::read_dir(file.parent().unwrap()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
        return text;
    }
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(tables.iter().any(|t| t == "jobs"), "{tables:?}");
    let mut text = String::new();
    for table in tables {
        let rows: Option<String> = sqlx::query_scalar(&format!(
            "SELECT string_agg(t::text, ' ') FROM \"{table}\" t"
        ))
        .fetch_one(&pool)
        .await
        .unwrap();
        text.push_str(&rows.unwrap_or_default());
    }
    pool.close().await;
    text
}

/// Meta stays unreachable for the jobs' whole retry period (hours): their last
/// attempts come now, so they are given up with their errors and shown on the
/// intake page. Sends keep their own count and are left be.
async fn last_attempts_now(app: &TestApp) {
    let url = &app.running.app.settings.database_url;
    let statement = "UPDATE jobs SET attempts = 1000, run_at = 0 \
        WHERE dead = 0 AND kind IN ('refresh_token', 'refresh_profile', 'import_history')";
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query(statement).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(statement).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

fn assert_no_token(place: &str, text: &str) {
    for token in [PAGE_TOKEN, IG_TOKEN] {
        assert!(!text.contains(token), "{token} found in {place}");
    }
    assert!(
        !text.contains("access_token="),
        "a query with a token in {place}"
    );
}

/// Meta unreachable: every call fails at the connection, and each failure is
/// logged and stored; none of them shows a token.
async fn meta_unreachable(app: TestApp) {
    logs();
    talk_to_both_accounts(&app).await;
    // Each kind of call has failed, been logged and been stored.
    for (kind, what) in [
        ("refresh_token", "the token renewal"),
        ("refresh_profile", "a profile lookup"),
        ("import_history", "a history import"),
        ("send failed", "a send"),
    ] {
        app.eventually(&format!("{what} failing"), || async {
            log_text()
                .lines()
                .any(|line| line.contains(kind) && line.contains("could not reach Meta"))
        })
        .await;
    }
    last_attempts_now(&app).await;
    app.eventually("the token renewal given up", || async {
        let (_, stats) = app.get("/api/v1/intake/stats").await;
        stats["dead_jobs"].as_array().unwrap().iter().any(|job| {
            job["kind"] == "refresh_token"
                && job["last_error"]
                    .as_str()
                    .is_some_and(|e| e.contains("could not reach Meta"))
        })
    })
    .await;
    assert!(
        store_text(&app).await.contains("could not reach Meta"),
        "the failures stored"
    );
    // What went wrong is still said.
    assert!(
        log_text().contains("error sending request"),
        "the cause is logged"
    );

    assert_no_token("the logs", &log_text());
    assert_no_token("the database", &store_text(&app).await);
    let mut answers = String::new();
    for path in [
        "/api/v1/intake/stats",
        "/api/v1/accounts",
        "/api/v1/intake/notes",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        answers.push_str(&body.to_string());
    }
    for igsid in ["1000001", "999"] {
        answers.push_str(&Value::Array(app.timeline(igsid).await).to_string());
    }
    assert_no_token("the API's answers", &answers);
    app.running.stop().await.unwrap();
}

fn unreachable(raw: &mut igdesk::config::RawSettings, closed: &str) {
    raw.graph_base_url = Some(format!("{closed}/graph.facebook.com"));
    raw.instagram_graph_base_url = Some(format!("{closed}/graph.instagram.com"));
}

#[tokio::test]
async fn an_unreachable_meta_leaves_no_token_in_logs_or_store_sqlite() {
    let closed = closed_url().await;
    meta_unreachable(start_sqlite_tuned(|raw| unreachable(raw, &closed)).await).await;
}

#[tokio::test]
async fn an_unreachable_meta_leaves_no_token_in_logs_or_store_postgres() {
    let closed = closed_url().await;
    meta_unreachable(start_postgres_tuned(|raw| unreachable(raw, &closed)).await).await;
}

/// Meta (the simulator) received every token as a bearer, never in a URL, save
/// the Instagram token renewal, whose token Meta documents only in the query.
#[tokio::test]
async fn meta_receives_tokens_as_bearers() {
    logs();
    let app = start_sqlite().await;
    talk_to_both_accounts(&app).await;
    app.eventually("both replies sent", || async { app.sim.sent().len() == 2 })
        .await;
    app.eventually("the token renewed", || async {
        app.sim
            .calls()
            .iter()
            .any(|c| c.path == "refresh_access_token")
    })
    .await;
    app.eventually("both profiles looked up", || async {
        let calls = app.sim.calls();
        ["1000001", "999"]
            .iter()
            .all(|igsid| calls.iter().any(|c| c.path == *igsid))
    })
    .await;
    // Quiet a moment so that late calls are seen too.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let calls = app.sim.calls();
    let graph: Vec<_> = calls
        .iter()
        .filter(|c| c.api == "facebook" || c.api == "instagram")
        .collect();
    assert!(graph.len() >= 6, "{graph:?}");
    for call in graph {
        let renewal = call.path == "refresh_access_token";
        let place = if renewal {
            TokenPlace::Query
        } else {
            TokenPlace::Header
        };
        assert_eq!(call.token_in, Some(place), "{call:?}");
        if !renewal {
            assert!(!call.query.contains_key("access_token"), "{call:?}");
        }
    }
    let mut senders: Vec<String> = app
        .sim
        .sent()
        .into_iter()
        .map(|s| s.business_ig_id)
        .collect();
    senders.sort();
    assert_eq!(senders, [IG_ID, IG_ACCOUNT], "one reply from each account");
    app.running.stop().await.unwrap();
}
