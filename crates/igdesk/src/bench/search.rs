//! `igdesk bench search`: the search box's queries on 10 M timeline items and 1 M
//! customers, generated straight into the store by `bench dashboard`'s generator
//! (its vocabulary makes each word's number of matches known), with the search
//! indexes kept as igdesk keeps them: FTS5 triggers on SQLite, the tsvector columns
//! and their GIN indexes on PostgreSQL.

use super::dashboard::{
    ms, times, DashboardArgs, Generator, Times, ADMIN, AGENT, COLOURS, ORDER_NUMBERS, PRODUCTS,
};
use crate::crypto::{hash_token, random_hex};
use igdesk_store::{Scope, SearchQuery, SearchStore, SearchWords, SqlStore};
use sqlx::Connection as _;
use std::time::{Duration, Instant};

/// The same data set and measures as `bench dashboard`.
#[derive(clap::Args, Debug, Clone)]
pub struct SearchArgs {
    #[command(flatten)]
    pub data: DashboardArgs,
    /// `--database` holds this bench's data set already (an earlier run's, kept):
    /// measure the store's reads only, with `--http-requests 0`.
    #[arg(long)]
    pub generated: bool,
}

/// One search the bench makes: the words, who asks.
struct Case {
    name: &'static str,
    q: String,
    scope: Scope,
}

pub struct SearchReport {
    pub backend: &'static str,
    pub cases: Vec<(&'static str, Times, usize)>,
    pub http: Vec<(&'static str, Times)>,
}

pub async fn run(args: SearchArgs) -> anyhow::Result<()> {
    bench(args).await.map(|_| ())
}

fn cases() -> Vec<Case> {
    let admin = Scope {
        agent: ADMIN,
        admin: true,
    };
    let agent = Scope {
        agent: AGENT,
        admin: false,
    };
    let (colour, product) = (COLOURS[0], PRODUCTS[1]);
    vec![
        Case {
            name: "one word (1 message in 8)",
            q: colour.to_owned(),
            scope: admin,
        },
        Case {
            name: "two words (1 in 80)",
            q: format!("{colour} {product}"),
            scope: admin,
        },
        Case {
            name: "a rare word (an order number)",
            q: (100_000 + ORDER_NUMBERS / 2).to_string(),
            scope: admin,
        },
        Case {
            name: "a name typed in part",
            q: "marta lop".to_owned(),
            scope: admin,
        },
        Case {
            name: "two words, agent of one inbox",
            q: format!("{colour} {product}"),
            scope: agent,
        },
    ]
}

/// Generates, measures, prints, and returns what it printed.
pub async fn bench(search: SearchArgs) -> anyhow::Result<SearchReport> {
    let args = search.data;
    anyhow::ensure!(args.requests >= 1, "--requests must be at least 1");
    anyhow::ensure!(
        !search.generated || (args.database.is_some() && args.http_requests == 0),
        "--generated measures an earlier run's database: give --database and --http-requests 0"
    );
    let scratch = super::Scratch::new("search")?;
    let db = super::BenchDatabase::open(args.database.as_deref(), &scratch).await?;
    let (backend, pg, url) = (db.backend(), db.pg, db.url);
    let token = match search.generated {
        true => {
            println!("search: measuring the data set already on {backend}");
            String::new()
        }
        false => generate("search", &args, &url, pg, backend).await?,
    };

    let store = igdesk_store::connect(&url).await?;
    println!(
        "measured: the store's two search reads as the search box makes them (people, then \
         messages; 21 of each asked for, as a page of 20 does), in process on {backend}, one \
         search at a time, {} per case, every search counted",
        args.requests
    );
    println!(
        "  {:<34} {:>9} {:>9} {:>9} {:>8} {:>10}",
        "case", "p50", "p99", "max", "failed", "found"
    );
    let mut measured = Vec::new();
    for case in cases() {
        let (t, found) = measure(&store, &case, args.requests).await?;
        println!(
            "  {:<34} {:>6.2} ms {:>6.2} ms {:>6.2} ms {:>8} {:>10}",
            case.name,
            ms(t.p50),
            ms(t.p99),
            ms(t.max),
            t.failures,
            found
        );
        measured.push((case.name, t, found));
    }
    drop(store);
    let http = if args.http_requests > 0 {
        over_http(&url, &token, args.http_requests).await?
    } else {
        Vec::new()
    };
    Ok(SearchReport {
        backend,
        cases: measured,
        http,
    })
}

async fn measure(store: &SqlStore, case: &Case, requests: usize) -> anyhow::Result<(Times, usize)> {
    let words = SearchWords::parse(&case.q).expect("the cases have words");
    let q = SearchQuery {
        scope: case.scope,
        words,
        limit: 21,
    };
    let (mut all, mut failures, mut found) = (Vec::with_capacity(requests), 0, 0);
    for _ in 0..requests {
        let began = Instant::now();
        let people = store.search_people(&q, None).await;
        let items = store.search_items(&q, None).await;
        all.push(began.elapsed());
        match (people, items) {
            (Ok(p), Ok(i)) => found = p.len() + i.len(),
            (Err(e), _) | (_, Err(e)) => {
                if failures == 0 {
                    eprintln!("  {}: {e}", case.name);
                }
                failures += 1;
            }
        }
    }
    Ok((times(all, failures), found))
}

/// Generates the data set into the empty database at `url` for `bench` (its name, as
/// printed), with the search indexes kept as igdesk keeps them; the administrator's API
/// token.
pub(super) async fn generate(
    bench: &str,
    args: &DashboardArgs,
    url: &str,
    pg: bool,
    backend: &str,
) -> anyhow::Result<String> {
    let mut generator = Generator::connect(url, pg).await?;
    generator.ensure_empty().await?;
    println!(
        "{bench}: generating {} timeline items, {} customers ({} conversations open) on \
         {backend} …",
        args.items, args.customers, args.open
    );
    let began = Instant::now();
    if pg {
        // A bulk load builds a GIN index once, after the rows, rather than entry by
        // entry: the columns are computed as the rows are written either way.
        generator
            .step(
                "drop the GIN indexes for the load",
                "DROP INDEX timeline_items_words; DROP INDEX customers_words",
            )
            .await?;
    }
    let token = random_hex(32);
    generator.generate(args, &hash_token(&token)).await?;
    if pg {
        generator
            .step(
                "GIN index on the items' words",
                "CREATE INDEX timeline_items_words ON timeline_items USING gin (words)",
            )
            .await?;
        generator
            .step(
                "GIN index on the customers' words",
                "CREATE INDEX customers_words ON customers USING gin (words)",
            )
            .await?;
        generator.step("ANALYZE", "ANALYZE").await?;
    }
    println!("generated in {:.1} s", began.elapsed().as_secs_f64());
    generator.conn.close().await?;
    Ok(token)
}

/// igdesk serving on the data set, `GET /api/v1/search?q=…` as the administrator.
async fn over_http(
    url: &str,
    token: &str,
    requests: usize,
) -> anyhow::Result<Vec<(&'static str, Times)>> {
    let bench = super::sends::start_on(Some(url.to_owned()), "200", 300).await?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    println!(
        "over HTTP: GET /api/v1/search (administrator, kind=all), igdesk serving with its \
         workers, {requests} requests per case one at a time over loopback, to the last byte"
    );
    let mut out = Vec::new();
    for case in cases().into_iter().filter(|c| c.scope.admin) {
        let address = reqwest::Url::parse_with_params(
            &format!("{}/api/v1/search", bench.running.url()),
            [("q", case.q.as_str())],
        )?;
        let (mut all, mut failures) = (Vec::with_capacity(requests), 0);
        for _ in 0..requests {
            let began = Instant::now();
            let ok = match client.get(address.clone()).bearer_auth(token).send().await {
                Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                _ => false,
            };
            all.push(began.elapsed());
            failures += usize::from(!ok);
        }
        let t = times(all, failures);
        println!(
            "  {:<34} {:>6.2} ms {:>6.2} ms {:>6.2} ms {:>8}",
            case.name,
            ms(t.p50),
            ms(t.p99),
            ms(t.max),
            t.failures
        );
        out.push((case.name, t));
    }
    bench.running.stop().await?;
    Ok(out)
}
