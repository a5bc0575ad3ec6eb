//! `igdesk bench reads`, small, on both backends: every request it times succeeds,
//! and each read answers exactly the rows the store holds for it, read here straight
//! from the tables: the customer's whole timeline (fewer items than a page) in time
//! order, the open conversations of the agent's inboxes most recent first (fewer
//! than a page at this size), the conversation asked for, and the agent's offers.

use igdesk::bench::reads::{bench, Read, ReadsArgs, ReadsReport, Sample};
use sqlx::{AnyConnection, Connection as _, Row as _};

const ITEMS: i64 = 8_000;
const CUSTOMERS: i64 = 1_000;
/// One customer in ten: 100 open conversations, about 33 per inbox.
const OPEN: i64 = 100;
const REQUESTS: usize = 40;

async fn run(url: &str) -> ReadsReport {
    let report = bench(ReadsArgs {
        items: ITEMS,
        customers: CUSTOMERS,
        open: OPEN,
        readers: 4,
        requests: REQUESTS,
        pause_ms: 1,
        database: Some(url.to_owned()),
        generated: false,
    })
    .await
    .unwrap();
    assert_eq!(report.counts[0], ("timeline_items", ITEMS));
    assert_eq!(report.counts[3], ("conversations open", OPEN));
    assert!(report.bytes > 0);
    assert_eq!(report.runs.len(), 2, "back to back, then with a pause");
    for run in &report.runs {
        let pause = run.pause_ms;
        assert_eq!(run.reads.len(), 4);
        for (read, times, _) in &run.reads {
            assert_eq!(
                (times.calls, times.failures),
                (REQUESTS, 0),
                "{read:?}, pause {pause}"
            );
        }
    }
    report
}

async fn ids(url: &str, sql: &str) -> Vec<i64> {
    let mut conn = AnyConnection::connect(url).await.unwrap();
    sqlx::query(sql)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i64, _>(0).unwrap())
        .collect()
}

/// The rows a sample must hold, from the tables (no merged profiles are generated).
async fn expected(url: &str, sample: &Sample) -> Vec<i64> {
    let (agent, id) = (sample.agent.0, sample.id);
    let sql = match sample.read {
        Read::Timeline => format!(
            "SELECT id FROM timeline_items WHERE customer_id = {id} ORDER BY created_at, id"
        ),
        Read::Conversations => format!(
            "SELECT v.id FROM conversations v JOIN accounts a ON a.id = v.account_id \
             WHERE v.state = 'open' AND a.inbox_id IN \
             (SELECT inbox_id FROM agent_inboxes WHERE agent_id = {agent}) \
             ORDER BY v.last_item_at DESC, v.id DESC LIMIT 200"
        ),
        Read::Conversation => format!(
            "SELECT v.id FROM conversations v JOIN accounts a ON a.id = v.account_id \
             WHERE v.id = {id} AND a.inbox_id IN \
             (SELECT inbox_id FROM agent_inboxes WHERE agent_id = {agent})"
        ),
        Read::Offers => format!("SELECT id FROM offers WHERE agent_id = {agent} ORDER BY id"),
    };
    ids(url, &sql).await
}

async fn reads_are_the_rows(url: &str, report: &ReadsReport) {
    assert_eq!(report.samples.len(), 4);
    for sample in &report.samples {
        let want = expected(url, sample).await;
        assert!(!want.is_empty(), "{:?}: nothing to read", sample.read);
        assert_eq!(sample.ids, want, "{:?}", sample.read);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reads_bench_runs_small_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = igdesk_store::testing::sqlite_url(dir.path());
    let report = run(&url).await;
    assert_eq!(report.backend, "SQLite");
    reads_are_the_rows(&url, &report).await;

    // Measured again with `--generated` and the default sizes, not the ones it was
    // made with: the sizes are the data set's own.
    let again = bench(ReadsArgs {
        items: 10_000_000,
        customers: 1_000_000,
        open: 100_000,
        readers: 4,
        requests: REQUESTS,
        pause_ms: 0,
        database: Some(url.clone()),
        generated: true,
    })
    .await
    .unwrap();
    assert_eq!(again.counts[1], ("customers", CUSTOMERS));
    for (read, times, _) in &again.runs[0].reads {
        assert_eq!((times.calls, times.failures), (REQUESTS, 0), "{read:?}");
    }
    reads_are_the_rows(&url, &again).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reads_bench_runs_small_on_postgresql() {
    let url = igdesk_store::testing::fresh_postgres_url().await;
    let report = run(&url).await;
    assert_eq!(report.backend, "PostgreSQL");
    reads_are_the_rows(&url, &report).await;
}
