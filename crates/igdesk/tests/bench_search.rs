//! `igdesk bench search`, small, on both backends: every search it times succeeds
//! and finds something where the generated words say it must, and the search
//! indexes hold every item with text (kept by the rows' own triggers or columns).

use igdesk::bench::search::{bench, SearchArgs, SearchReport};
use sqlx::{AnyConnection, Connection as _, Row as _};

const ITEMS: i64 = 20_000;
const CUSTOMERS: i64 = 2_000;
const REQUESTS: usize = 10;

async fn run(url: &str) -> SearchReport {
    let report = bench(SearchArgs {
        items: ITEMS,
        customers: CUSTOMERS,
        requests: REQUESTS,
        http_requests: 2,
        database: Some(url.to_owned()),
    })
    .await
    .unwrap();
    assert_eq!(report.cases.len(), 5);
    for (name, times, found) in &report.cases {
        assert_eq!((times.calls, times.failures), (REQUESTS, 0), "{name}");
        // A colour is in one message of eight, a product in one of ten: the common
        // searches fill their page; a name typed in part finds people.
        if !name.contains("rare") {
            assert!(*found > 0, "{name} found nothing");
        }
    }
    for (name, times) in &report.http {
        assert_eq!(times.failures, 0, "{name}");
    }
    report
}

async fn count(url: &str, sql: &str) -> i64 {
    let mut conn = AnyConnection::connect(url).await.unwrap();
    let rows = sqlx::query(sql).fetch_all(&mut conn).await.unwrap();
    rows[0].try_get::<i64, _>(0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_bench_runs_small_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = igdesk_store::testing::sqlite_url(dir.path());
    assert_eq!(run(&url).await.backend, "SQLite");
    let with_text = count(
        &url,
        "SELECT COUNT(*) FROM timeline_items WHERE text IS NOT NULL",
    )
    .await;
    assert_eq!(with_text, ITEMS);
    let indexed = count(
        &url,
        "SELECT COUNT(*) FROM item_words WHERE item_words MATCH 'message OR reply'",
    )
    .await;
    assert_eq!(indexed, ITEMS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_bench_runs_small_on_postgresql() {
    let url = igdesk_store::testing::fresh_postgres_url().await;
    assert_eq!(run(&url).await.backend, "PostgreSQL");
    let indexed = count(
        &url,
        "SELECT COUNT(*) FROM timeline_items WHERE words IS NOT NULL",
    )
    .await;
    assert_eq!(indexed, ITEMS);
}
