//! `igdesk bench dashboard`, small, on both backends: the data set it generates is
//! the size asked for and consistent with the schema and with itself (the rollups
//! are what the clocks say), and every dashboard call it times succeeds.

use clap::Parser as _;
use igdesk::bench::dashboard::{bench, DashboardArgs, DashboardReport};
use sqlx::{AnyConnection, Connection as _, Row as _};

const ITEMS: i64 = 20_000;
const CUSTOMERS: i64 = 2_000;
const REQUESTS: usize = 20;

fn args(database: &str) -> DashboardArgs {
    DashboardArgs {
        items: ITEMS,
        customers: CUSTOMERS,
        open: 5_000,
        requests: REQUESTS,
        http_requests: 3,
        database: Some(database.to_owned()),
    }
}

async fn count(conn: &mut AnyConnection, sql: &str) -> i64 {
    let rows = sqlx::query(sql).fetch_all(&mut *conn).await.unwrap();
    rows[0].try_get::<i64, _>(0).unwrap()
}

async fn bench_and_check(url: &str, conn_url: &str) -> DashboardReport {
    let report = bench(args(url)).await.unwrap();
    assert_eq!(report.count("timeline_items"), Some(ITEMS));
    assert_eq!(report.count("customers"), Some(CUSTOMERS));
    assert_eq!(report.cases.len(), 3);
    for case in &report.cases {
        assert_eq!(case.store.calls, REQUESTS, "{}", case.name);
        assert_eq!(case.store.failures, 0, "{}", case.name);
        assert!(case.store.p50 <= case.store.p99 && case.store.p99 <= case.store.max);
    }
    let http = report.http.expect("the HTTP requests ran");
    assert_eq!((http.calls, http.failures), (3, 0));

    // Counted again, independently of the bench.
    let mut conn = AnyConnection::connect(conn_url).await.unwrap();
    macro_rules! c {
        ($sql:expr) => {
            count(&mut conn, $sql)
        };
    }
    assert_eq!(c!("SELECT COUNT(*) FROM timeline_items").await, ITEMS);
    assert_eq!(c!("SELECT COUNT(*) FROM customers").await, CUSTOMERS);
    assert_eq!(
        c!("SELECT COUNT(*) FROM conversations").await,
        2 * CUSTOMERS
    );
    assert_eq!(c!("SELECT COUNT(*) FROM inboxes").await, 3);
    assert_eq!(c!("SELECT COUNT(*) FROM accounts").await, 3);
    assert_eq!(c!("SELECT COUNT(*) FROM agents").await, 200);
    // Every conversation has items, a clock, and its customer's account and inbox.
    assert_eq!(
        c!("SELECT COUNT(DISTINCT conversation_id) FROM timeline_items").await,
        2 * CUSTOMERS
    );
    assert_eq!(c!("SELECT COUNT(*) FROM sla_clocks").await, 2 * CUSTOMERS);
    assert_eq!(
        c!(
            "SELECT COUNT(*) FROM conversations v JOIN customers u ON u.id = v.customer_id \
           JOIN accounts a ON a.id = v.account_id \
           WHERE u.account_id <> v.account_id OR a.inbox_id <> v.inbox_id"
        )
        .await,
        0
    );
    // A small share open now (one in ten customers at this size); all the rest closed
    // after their last item, and nothing in the future.
    assert_eq!(
        c!("SELECT COUNT(*) FROM conversations WHERE state = 'open'").await,
        CUSTOMERS / 10
    );
    assert_eq!(
        c!(
            "SELECT COUNT(*) FROM conversations WHERE state = 'closed' AND \
           (closed_at IS NULL OR closed_at < last_item_at OR ended_by IS NULL)"
        )
        .await,
        0
    );
    let now = igdesk::now_ms();
    let future = format!(
        "SELECT COUNT(*) FROM timeline_items WHERE created_at > {now} OR created_at < {}",
        now - 91 * 86_400_000
    );
    assert_eq!(count(&mut conn, &future).await, 0);
    // Items lie within their conversation; the first reply answers the clock.
    assert_eq!(
        c!("SELECT COUNT(*) FROM timeline_items t JOIN conversations v ON v.id = t.conversation_id \
           WHERE t.created_at < v.opened_at OR t.created_at > v.last_item_at \
           OR t.customer_id <> v.customer_id")
        .await,
        0
    );
    assert_eq!(
        c!(
            "SELECT COUNT(*) FROM sla_clocks s WHERE s.met_by = 'reply' AND NOT EXISTS \
           (SELECT 1 FROM timeline_items t WHERE t.conversation_id = s.conversation_id \
            AND t.direction = 'out' AND t.created_at = s.met_at)"
        )
        .await,
        0
    );
    // The outbox holds exactly igdesk's messages; the rollups count every answered wait.
    assert_eq!(
        c!("SELECT COUNT(*) FROM outgoing").await,
        c!("SELECT COUNT(*) FROM timeline_items WHERE direction = 'out' AND source = 'igdesk'")
            .await
    );
    assert!(
        c!("SELECT COUNT(*) FROM outgoing WHERE state = 'failed' AND failed_at IS NOT NULL").await
            > 0
    );
    assert_eq!(
        c!("SELECT CAST(SUM(answered) AS BIGINT) FROM wait_totals").await,
        c!("SELECT COUNT(*) FROM sla_clocks WHERE met_at IS NOT NULL").await
    );
    assert_eq!(
        c!("SELECT CAST(SUM(answered) AS BIGINT) FROM wait_hours").await,
        c!("SELECT COUNT(*) FROM sla_clocks WHERE met_at IS NOT NULL").await
    );
    assert!(
        c!(
            "SELECT COUNT(*) FROM sla_clocks s JOIN conversations v ON v.id = s.conversation_id \
               WHERE s.met_at IS NULL AND v.state = 'closed'"
        )
        .await
            > 0
    );
    assert_eq!(
        c!("SELECT CAST(SUM(deliveries) AS BIGINT) FROM intake_minutes").await,
        c!("SELECT COUNT(*) FROM deliveries").await
    );
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_bench_runs_small_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = igdesk_store::testing::sqlite_url(dir.path());
    let report = bench_and_check(&url, &url).await;
    assert_eq!(report.backend, "SQLite");
    // The foreign keys hold (SQLite checked them on insert, as igdesk's connections do).
    let mut conn = AnyConnection::connect(&url).await.unwrap();
    let violations = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(violations.is_empty(), "{} violations", violations.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_bench_runs_small_on_postgresql() {
    let url = igdesk_store::testing::fresh_postgres_url().await;
    let report = bench_and_check(&url, &url).await;
    assert_eq!(report.backend, "PostgreSQL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bench_refuses_a_database_that_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    let url = igdesk_store::testing::sqlite_url(dir.path());
    let small = DashboardArgs {
        items: 400,
        customers: 100,
        open: 5_000,
        requests: 1,
        http_requests: 0,
        database: Some(url.clone()),
    };
    bench(small.clone()).await.unwrap();
    let again = bench(small).await.unwrap_err();
    assert!(again.to_string().contains("not empty"), "{again}");
}

#[test]
fn the_command_line_knows_the_bench() {
    let cli = igdesk::cli::Cli::try_parse_from([
        "igdesk",
        "bench",
        "dashboard",
        "--items",
        "20000",
        "--customers",
        "2000",
        "--requests",
        "20",
    ]);
    assert!(cli.is_ok());
}
