//! `igdesk-igs`: run the Instagram simulator, play a scenario, or generate load.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use igdesk_igs::config::SimFile;
use igdesk_igs::sink::SinkCounts;
use igdesk_igs::{
    run_load, run_scenario, LoadConfig, Scenario, ScenarioOutcome, SimConfig, Simulator,
};

#[derive(Parser)]
#[command(
    name = "igdesk-igs",
    version,
    about = "The Instagram simulator: Meta's side of the Instagram Messaging API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the Graph API (under /graph.facebook.com and /graph.instagram.com),
    /// Meta's login (/www.facebook.com, /www.instagram.com, /api.instagram.com)
    /// and the /_igs control endpoints.
    Serve {
        #[arg(long, default_value = "127.0.0.1:9090")]
        listen: SocketAddr,
        /// igdesk's webhook URL, where simulated customers deliver.
        #[arg(long, env = "IGS_WEBHOOK_URL")]
        webhook_url: String,
        /// The Meta app secret deliveries are signed with.
        #[arg(long, env = "IGS_APP_SECRET")]
        app_secret: String,
        /// A TOML file of business accounts and customers (see igs.example.toml).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Play a scenario file, one signed delivery per step.
    Scenario {
        file: PathBuf,
        #[arg(long, env = "IGS_WEBHOOK_URL", required_unless_present = "sim")]
        webhook_url: Option<String>,
        #[arg(long, env = "IGS_APP_SECRET", required_unless_present = "sim")]
        app_secret: Option<String>,
        /// Play it inside a running `igdesk-igs serve` (e.g. http://127.0.0.1:9090),
        /// so that profile lookups see the customers' consent.
        #[arg(long, conflicts_with_all = ["webhook_url", "app_secret"])]
        sim: Option<String>,
    },
    /// Send signed text deliveries at a rate (or flat out) and report latency.
    Load {
        #[arg(long, env = "IGS_WEBHOOK_URL")]
        webhook_url: String,
        #[arg(long, env = "IGS_APP_SECRET")]
        app_secret: String,
        /// The business account id the deliveries are for.
        #[arg(long)]
        account: String,
        /// Deliveries per second; omitted = as fast as --concurrency allows.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        rate: Option<u32>,
        /// Seconds to run.
        #[arg(long, default_value = "10", value_parser = positive_seconds)]
        duration: Duration,
        /// Keep-alive connections (requests in flight at most).
        #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        concurrency: u64,
        /// Distinct customers the messages come from.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
        customers: u64,
    },
    /// A webhook receiver that only checks signatures and answers 200: run
    /// `load` against it to see the generator's own ceiling on this machine.
    Sink {
        #[arg(long, default_value = "127.0.0.1:9091")]
        listen: SocketAddr,
        #[arg(long, env = "IGS_APP_SECRET")]
        app_secret: String,
    },
}

fn positive_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs.is_finite() => Ok(Duration::from_secs_f64(secs)),
        _ => Err(format!(
            "expected a positive number of seconds, got {text:?}"
        )),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("igdesk-igs: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve {
            listen,
            webhook_url,
            app_secret,
            config,
        } => {
            let sim = Simulator::new(SimConfig {
                app_secret,
                webhook_url,
            });
            if let Some(path) = config {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                SimFile::from_toml(&text)
                    .with_context(|| format!("in {}", path.display()))?
                    .apply(&sim);
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            let addr = listener.local_addr()?;
            // Attachments and echoes point at this listener's CDN (`/_igs/cdn/…`).
            let host = match addr.ip() {
                ip if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
                ip => ip,
            };
            sim.set_public_url(format!(
                "http://{}",
                std::net::SocketAddr::new(host, addr.port())
            ));
            println!("igdesk-igs listening on http://{addr}");
            println!("  Graph API base URLs: http://{addr}/graph.facebook.com and http://{addr}/graph.instagram.com");
            println!("  login base URLs: http://{addr}/www.facebook.com, http://{addr}/www.instagram.com,");
            println!("                   http://{addr}/api.instagram.com");
            println!("  control: GET/DELETE /_igs/calls, GET/DELETE /_igs/sent, GET /_igs/actions, GET /_igs/comment_actions,");
            println!(
                "           GET /_igs/thread_owners, GET /_igs/cdn/{{name}} (embedded media),"
            );
            println!("           GET /_igs/subscriptions, DELETE /_igs/subscriptions/{{ig_id}}, GET /_igs/withheld,");
            println!("           GET /_igs/cdn/story/{{asset_id}} (a Story, 404 once deleted or a day old), DELETE /_igs/stories/{{asset_id}},");
            println!("           POST /_igs/fault, /_igs/settings, /_igs/history, /_igs/scenario, /_igs/businesses, /_igs/pages");
            tokio::select! {
                result = sim.serve(listener) => result,
                _ = tokio::signal::ctrl_c() => Ok(()),
            }
        }
        Command::Scenario {
            file,
            webhook_url,
            app_secret,
            sim,
        } => {
            let scenario = Scenario::from_file(&file)?;
            let outcomes = match sim {
                Some(base) => play_remote(&base, &file).await?,
                None => {
                    let config = SimConfig {
                        app_secret: app_secret.unwrap_or_default(),
                        webhook_url: webhook_url.unwrap_or_default(),
                    };
                    run_scenario(&Simulator::new(config), &scenario).await?
                }
            };
            for outcome in &outcomes {
                print_outcome(outcome);
            }
            Ok(())
        }
        Command::Load {
            webhook_url,
            app_secret,
            account,
            rate,
            duration,
            concurrency,
            customers,
        } => {
            let config = LoadConfig {
                url: webhook_url,
                app_secret,
                business_ig_id: account,
                rate_per_sec: rate,
                duration,
                concurrency: concurrency as usize,
                customers: customers as usize,
                timeout: igdesk_igs::load::REQUEST_TIMEOUT,
            };
            let report = run_load(config).await?;
            println!("{report}");
            Ok(())
        }
        Command::Sink { listen, app_secret } => {
            let counts = Arc::new(SinkCounts::default());
            let router = igdesk_igs::sink::router(&app_secret, counts.clone());
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            println!(
                "igdesk-igs sink listening on http://{}",
                listener.local_addr()?
            );
            tokio::select! {
                result = axum::serve(listener, router) => result.context("serving the sink")?,
                _ = tokio::signal::ctrl_c() => {}
            }
            let accepted = counts.accepted.load(Ordering::Relaxed);
            println!(
                "accepted {accepted}, rejected {}",
                counts.rejected.load(Ordering::Relaxed)
            );
            Ok(())
        }
    }
}

/// Hand the scenario to a running simulator (`POST /_igs/scenario`).
async fn play_remote(base: &str, file: &PathBuf) -> anyhow::Result<Vec<ScenarioOutcome>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let url = format!("{}/_igs/scenario", base.trim_end_matches('/'));
    let response = reqwest::Client::new()
        .post(&url)
        .body(text)
        .send()
        .await
        .with_context(|| format!("calling {url}"))?;
    let status = response.status();
    let body = response.text().await?;
    anyhow::ensure!(status.is_success(), "{url} answered {status}: {body}");
    serde_json::from_str(&body).with_context(|| format!("reading the answer of {url}"))
}

fn print_outcome(outcome: &ScenarioOutcome) {
    let status = outcome
        .status
        .map_or_else(|| "-".to_owned(), |s| s.to_string());
    let mid = outcome.mid.as_deref().unwrap_or("-");
    let label = outcome.label.as_deref().unwrap_or("");
    println!(
        "step {:>3}  {:<14} {status:>3}  {label:<12} {mid}",
        outcome.step, outcome.kind
    );
}
