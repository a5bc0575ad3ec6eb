//! `igdesk bench search`, small, on both backends: every search it times succeeds
//! and finds something where the generated words say it must, the search indexes
//! hold every item with text (kept by the rows' own triggers or columns), and every
//! page of a search, followed by its cursor to the end, is exactly the matching rows
//! newest first: across PostgreSQL's two parts (the scope's newest 5,000 items, then
//! the GIN index), for an administrator and for an agent of one inbox.

use igdesk::bench::dashboard::DashboardArgs;
use igdesk::bench::search::{bench, SearchArgs, SearchReport};
use igdesk_domain::AgentId;
use igdesk_store::{Backend, Scope, SearchQuery, SearchStore, SearchWords};
use sqlx::{AnyConnection, Connection as _, Row as _};

const ITEMS: i64 = 20_000;
const CUSTOMERS: i64 = 2_000;
const REQUESTS: usize = 10;

async fn run(url: &str) -> SearchReport {
    let report = bench(SearchArgs {
        data: DashboardArgs {
            items: ITEMS,
            customers: CUSTOMERS,
            open: 5_000,
            requests: REQUESTS,
            http_requests: 2,
            database: Some(url.to_owned()),
        },
        generated: false,
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

/// The ids a search must give, newest first, read from the rows with no search plan:
/// PostgreSQL's `words` column and SQLite's index of words, with the scope as the
/// agent's accounts.
async fn expected(url: &str, backend: Backend, words: &str, agent: Option<i64>) -> Vec<i64> {
    let in_scope = match agent {
        Some(agent) => format!(
            " AND t.account_id IN (SELECT a.id FROM accounts a JOIN agent_inboxes ai \
              ON ai.inbox_id = a.inbox_id WHERE ai.agent_id = {agent})"
        ),
        None => String::new(),
    };
    let matching = match backend {
        Backend::Sqlite => format!(
            "t.id IN (SELECT rowid FROM item_words WHERE item_words MATCH 'words : ({})')",
            words
                .split(' ')
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Backend::Postgres => format!(
            "t.words @@ to_tsquery('simple', '{}')",
            words.replace(' ', " & ")
        ),
    };
    let sql = format!(
        "SELECT t.id FROM timeline_items t WHERE {matching} AND t.kind <> 'notice'{in_scope} \
         ORDER BY t.id DESC"
    );
    let mut conn = AnyConnection::connect(url).await.unwrap();
    sqlx::query(&sql)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i64, _>(0).unwrap())
        .collect()
}

/// Follows a search's pages to the end, as the API's cursor does.
async fn every_page(url: &str, words: &str, scope: Scope) -> Vec<i64> {
    let store = igdesk_store::connect(url).await.unwrap();
    let query = SearchQuery {
        scope,
        words: SearchWords::parse(words).unwrap(),
        limit: 20,
    };
    let (mut found, mut before) = (Vec::new(), None);
    loop {
        let page = store.search_items(&query, before).await.unwrap();
        found.extend(page.iter().map(|(item, _)| item.id.0));
        match page.last() {
            Some((last, _)) if page.len() == query.limit => before = Some(last.id.0),
            _ => return found,
        }
    }
}

/// Common, rarer and rare words (a product, a colour and a product, a colour, a
/// product and a city: about 250, 25 and 2 of 20,000), as the administrator and as
/// an agent of one inbox of three.
async fn pages_are_the_matching_rows(url: &str, backend: Backend) {
    for words in ["coat", "linen coat", "linen coat porto"] {
        for (agent, admin) in [(1, true), (5, false)] {
            let scope = Scope {
                agent: AgentId(agent),
                admin,
            };
            let want = expected(url, backend, words, (!admin).then_some(agent)).await;
            let got = every_page(url, words, scope).await;
            assert!(
                !want.is_empty() || words.contains("porto"),
                "{words}: nothing to find"
            );
            assert_eq!(got, want, "{words}, agent {agent}");
        }
    }
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
    pages_are_the_matching_rows(&url, Backend::Sqlite).await;
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
    pages_are_the_matching_rows(&url, Backend::Postgres).await;
}
