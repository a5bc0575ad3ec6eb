//! `igdesk bench`: measurements printed for docs/BENCHMARKS.md.

mod api;
mod backlog;
mod baseline;
pub mod dashboard;
mod intake;
mod memory;
mod pages;
pub mod reads;
mod routing;
mod scale;
pub mod search;
mod sends;
pub mod sign_in;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Signed deliveries per second durably acknowledged, against a minimal baseline.
    Intake(intake::IntakeArgs),
    /// The outbox: the account limit kept, the console lane's wait behind API
    /// traffic, sends per second with the limit raised, many accounts at once.
    Sends(sends::SendArgs),
    /// Routing: from the webhook's 200 to the offer on an agent's live stream, with
    /// 200 agents streaming and 5,000 customers writing at once.
    Routing(routing::RoutingArgs),
    /// Several instances on one PostgreSQL: the routing burst against one instance,
    /// then against `--instances` behind a round-robin balancer (intake, processing
    /// and offers per second, webhook-to-offer p50/p99).
    Scale(scale::ScaleArgs),
    /// The Business Messaging API: batches of 100 messages (messages/s, answer p99),
    /// and customer messages fanned out to the inbound webhook (events/s).
    Api(api::ApiArgs),
    /// The console: the desk and a 1,000-item profile as an agent's browser asks for
    /// them (time to the last byte, p50/p99, HTML size).
    Pages(pages::PagesArgs),
    /// The operations dashboard: its store call (all its queries) on 10 M timeline
    /// items and 1 M customers generated straight into the store, p50/p99 per case.
    Dashboard(dashboard::DashboardArgs),
    /// Search: the top bar's search reads on 10 M timeline items and 1 M customers
    /// generated straight into the store, p50/p99 per kind of query.
    Search(search::SearchArgs),
    /// Reads on 10 M timeline items, 1 M customers and 100 k open conversations
    /// generated straight into the store, over HTTP with 50 agents at once: a
    /// timeline, a conversation list, a conversation, the offers (p50/p99 each), and
    /// the database's size per million items.
    Reads(reads::ReadsArgs),
    /// Webhook acknowledgements (p50/p99) while wrong sign-ins with random emails
    /// arrive, from one address and from many, against webhooks alone.
    SignIn(sign_in::SignInArgs),
}

/// A folder of the bench's own, removed when the bench ends.
pub(super) struct Scratch(pub(super) std::path::PathBuf);

impl Scratch {
    pub(super) fn new(name: &str) -> std::io::Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "igdesk-bench-{name}-{}",
            crate::crypto::random_hex(4)
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A bench's database: the one given, else a fresh SQLite file in `scratch`;
/// migrated on opening, as igdesk migrates it when it starts.
pub(super) struct BenchDatabase {
    pub(super) url: String,
    pub(super) pg: bool,
}

impl BenchDatabase {
    pub(super) async fn open(given: Option<&str>, scratch: &Scratch) -> anyhow::Result<Self> {
        let url = given.map_or_else(
            || format!("sqlite://{}", scratch.0.join("igdesk.db").display()),
            str::to_owned,
        );
        let store = igdesk_store::connect(&url).await?;
        let pg = igdesk_store::Store::backend(&store) == igdesk_store::Backend::Postgres;
        Ok(BenchDatabase { url, pg })
    }

    /// Its name in what a bench prints.
    pub(super) fn backend(&self) -> &'static str {
        if self.pg {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Intake(args) => intake::run(args).await,
        BenchCommand::Sends(args) => sends::run(args).await,
        BenchCommand::Routing(args) => routing::run(args).await,
        BenchCommand::Scale(args) => scale::run(args).await,
        BenchCommand::Api(args) => api::run(args).await,
        BenchCommand::Pages(args) => pages::run(args).await,
        BenchCommand::Dashboard(args) => dashboard::run(args).await,
        BenchCommand::Search(args) => search::run(args).await,
        BenchCommand::Reads(args) => reads::run(args).await,
        BenchCommand::SignIn(args) => sign_in::run(args).await,
    }
}
