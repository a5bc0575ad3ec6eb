//! Privacy: a message the customer deleted is gone from the whole store —
//! not only the timeline but Meta's raw deliveries that carried it — and raw
//! deliveries are kept only `raw_retention_days` once processed.

mod common;

use common::live::LiveStream;
use common::*;
use igdesk_igs::Event;
use reqwest::Method;
use serde_json::json;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::Row as _;

const SECRET: &str = "my new door code is 7319 behind the blue gate";
const PHOTO: &str = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=secretphoto9931";
const CUSTOMER: &str = "555";

async fn pool(app: &TestApp) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(1)
        .connect(&app.running.app.settings.database_url)
        .await
        .unwrap()
}

/// The deleted text or the photo's URL, as they appear in `haystack` (raw bytes,
/// or PostgreSQL's hex rendering of a bytea).
fn leaks(haystack: &[u8]) -> Vec<&'static str> {
    let mut found = Vec::new();
    for needle in [SECRET, PHOTO] {
        let hex: String = needle.bytes().map(|b| format!("{b:02x}")).collect();
        if contains(haystack, needle.as_bytes()) || contains(haystack, hex.as_bytes()) {
            found.push(needle);
        }
    }
    found
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// An agent on duty, so the conversation is offered: the offer (and the event that
/// told the agent) preview the customer's words.
async fn agent_on_duty(app: &TestApp) -> LiveStream {
    let token = agent_token(&app.running, "ana@example.com", false, &["Instagram"]).await;
    let live = LiveStream::open(&app.url, &token, None).await;
    let available = Some(json!({ "available": true }));
    let (status, me) = app
        .send_as(&token, Method::PUT, "/api/v1/me/availability", available)
        .await;
    assert_eq!(status, 200, "{me}");
    live
}

/// Delivers a text and a photo from the customer and waits until they are stored
/// and offered; answers their ids.
async fn customer_writes(app: &TestApp) -> (String, String) {
    let mut live = agent_on_duty(app).await;
    let text = Event::text(CUSTOMER, SECRET);
    let photo = Event::attachment(CUSTOMER, "image", PHOTO);
    let mids = (
        text.mid().unwrap().to_owned(),
        photo.mid().unwrap().to_owned(),
    );
    app.send(text).await;
    let offer = live.next_of("offer").await;
    assert!(offer.data.to_string().contains(SECRET), "{}", offer.data);
    app.send(photo).await;
    app.settle().await;
    mids
}

async fn customer_deletes(app: &TestApp, (text, photo): &(String, String)) {
    app.send(Event::deleted(CUSTOMER, text)).await;
    app.send(Event::deleted(CUSTOMER, photo)).await;
    app.settle().await;
    let timeline = app.timeline(CUSTOMER).await;
    assert!(
        timeline.iter().all(|i| i["deleted"] == true),
        "{timeline:?}"
    );
}

/// The SQLite file and its log, after copying the log in and starting it over.
async fn sqlite_bytes(app: &TestApp) -> Vec<u8> {
    let db = pool(app).await;
    // A checkpoint that meets a reader of the running igdesk stops short and says so
    // (`busy` = 1), leaving old pages in the log: it is asked again until complete.
    for _ in 0..100 {
        let busy: i64 = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&db)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        if busy == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    db.close().await;
    let url = &app.running.app.settings.database_url;
    let path = url.strip_prefix("sqlite://").unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
    bytes
}

/// A fresh `igdesk backup` (`VACUUM INTO`) of the running store.
async fn backup_bytes(app: &TestApp) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    let store = igdesk_store::connect(&app.running.app.settings.database_url)
        .await
        .unwrap();
    store.backup_to(&file.to_string_lossy()).await.unwrap();
    std::fs::read(&file).unwrap()
}

/// Every row of every table, as text.
async fn postgres_rows(app: &TestApp) -> Vec<u8> {
    let db = pool(app).await;
    let tables = sqlx::query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let mut all = Vec::new();
    for table in tables {
        let name: String = table.try_get("name").unwrap();
        let rows = sqlx::query(&format!("SELECT t::text AS r FROM \"{name}\" t"))
            .fetch_all(&db)
            .await
            .unwrap();
        for row in rows {
            all.extend(row.try_get::<String, _>("r").unwrap().into_bytes());
            all.push(b'\n');
        }
    }
    db.close().await;
    all
}

#[tokio::test]
async fn a_deleted_message_is_gone_from_the_sqlite_file_and_a_fresh_backup() {
    let app = start_sqlite().await;
    let mids = customer_writes(&app).await;
    // What the search below looks for is there to be found before the deletion.
    assert_eq!(leaks(&sqlite_bytes(&app).await), [SECRET, PHOTO]);
    customer_deletes(&app, &mids).await;
    assert!(
        leaks(&sqlite_bytes(&app).await).is_empty(),
        "in the database file"
    );
    assert!(
        leaks(&backup_bytes(&app).await).is_empty(),
        "in a fresh backup"
    );
    // The deliveries are still counted, and still valid JSON.
    assert_eq!(app.deliveries().await["processed"], 4);
    let db = pool(&app).await;
    for row in sqlx::query("SELECT body FROM deliveries")
        .fetch_all(&db)
        .await
        .unwrap()
    {
        let body: Vec<u8> = row.try_get("body").unwrap();
        serde_json::from_slice::<serde_json::Value>(&body).expect("a delivery stays JSON");
    }
}

#[tokio::test]
async fn a_deleted_message_is_gone_from_every_postgres_row() {
    let app = start_postgres().await;
    let mids = customer_writes(&app).await;
    assert_eq!(leaks(&postgres_rows(&app).await), [SECRET, PHOTO]);
    customer_deletes(&app, &mids).await;
    assert!(leaks(&postgres_rows(&app).await).is_empty());
    assert_eq!(app.deliveries().await["processed"], 4);
}

const DAY_MS: i64 = 86_400_000;

/// Ages one processed delivery past the retention and adds an old pending one, then
/// restarts (upkeep looks at start): the old processed body is blanked, the recent
/// one and the pending one are kept, and every row is still counted.
async fn bodies_past_retention_are_blanked(app: TestApp) {
    app.send(Event::text(CUSTOMER, "old words")).await;
    app.send(Event::text(CUSTOMER, "recent words")).await;
    app.settle().await;
    let db = pool(&app).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let old = now - 8 * DAY_MS;
    let aged = sqlx::query("SELECT MIN(id) AS id FROM deliveries")
        .fetch_one(&db)
        .await
        .unwrap()
        .try_get::<i64, _>("id")
        .unwrap();
    sqlx::query("UPDATE deliveries SET received_at = $1 WHERE id = $2")
        .bind(old)
        .bind(aged)
        .execute(&db)
        .await
        .unwrap();
    // Pending (never processed, no job here): processing would still need it.
    sqlx::query("INSERT INTO deliveries (received_at, body, status) VALUES ($1, $2, 'pending')")
        .bind(old)
        .bind(b"{\"pending\":true}".to_vec())
        .execute(&db)
        .await
        .unwrap();
    let counts = app.deliveries().await;
    let app = app.restart().await;
    let body = |id: i64| {
        let db = db.clone();
        async move {
            sqlx::query("SELECT body FROM deliveries WHERE id = $1")
                .bind(id)
                .fetch_one(&db)
                .await
                .unwrap()
                .try_get::<Vec<u8>, _>("body")
                .unwrap()
        }
    };
    app.eventually("the old body blanked", || async {
        body(aged).await.is_empty()
    })
    .await;
    let bodies = sqlx::query("SELECT status, body FROM deliveries WHERE id <> $1 ORDER BY id")
        .bind(aged)
        .fetch_all(&db)
        .await
        .unwrap();
    let kept: Vec<(String, String)> = bodies
        .iter()
        .map(|r| {
            let body: Vec<u8> = r.try_get("body").unwrap();
            (
                r.try_get("status").unwrap(),
                String::from_utf8(body).unwrap(),
            )
        })
        .collect();
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(kept[0].1.contains("recent words"), "{kept:?}");
    assert_eq!(kept[1], ("pending".into(), "{\"pending\":true}".into()));
    assert_eq!(app.deliveries().await, counts, "rows stay counted");
    assert_eq!(
        app.timeline(CUSTOMER).await.len(),
        2,
        "the timeline keeps its items"
    );
}

#[tokio::test]
async fn raw_deliveries_are_blanked_after_their_retention_on_sqlite() {
    bodies_past_retention_are_blanked(start_sqlite().await).await;
}

#[tokio::test]
async fn raw_deliveries_are_blanked_after_their_retention_on_postgres() {
    bodies_past_retention_are_blanked(start_postgres().await).await;
}
