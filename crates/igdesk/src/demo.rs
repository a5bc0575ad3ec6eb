//! `igdesk demo`: the whole product on a laptop, with no Meta account. A fresh SQLite
//! file, the Instagram simulator in the same process standing in for Meta, a demo
//! account and login, and simulated customers writing in.

use crate::accounts::{connect, Connection};
use crate::config::{RawSettings, Settings};
use crate::crypto::random_hex;
use crate::people::{add_agent_with_token, NewPerson};
use anyhow::Context;
use clap::Args;
use igdesk_domain::ConversationSettings;
use igdesk_igs::{BusinessAccount, Scenario, SimConfig, Simulator};
use secrecy::{ExposeSecret, SecretString};
use std::path::PathBuf;
use tokio::net::TcpListener;

#[derive(Args)]
pub struct DemoArgs {
    /// Where the console listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// The SQLite file to create (replaced if it exists).
    #[arg(long, default_value = "igdesk-demo.db")]
    database: PathBuf,
}

pub const DEMO_IG_ID: &str = "17841400000000001";
pub const DEMO_EMAIL: &str = "demo@igdesk.local";
pub const DEMO_PASSWORD: &str = "demo-password";
/// The customers and what they write: the simulator's demo scenario.
const SCENARIO: &str = include_str!("../../igdesk_igs/scenarios/demo.toml");

pub async fn run(args: DemoArgs, raw: RawSettings) -> anyhow::Result<()> {
    crate::telemetry::init_logs(false);
    for suffix in ["", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", args.database.display()));
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot replace {}", path.display()))?;
        }
    }
    let app_secret = random_hex(16);
    let listener = TcpListener::bind(&args.listen).await.with_context(|| {
        format!(
            "cannot listen on {} (choose another with --listen)",
            args.listen
        )
    })?;
    let addr = listener.local_addr()?;
    let igs_listener = TcpListener::bind("127.0.0.1:0").await?;
    let igs_url = format!("http://{}", igs_listener.local_addr()?);

    let sim = Simulator::new(SimConfig {
        app_secret: app_secret.clone(),
        webhook_url: format!("http://{addr}/webhooks/instagram"),
    });
    let page_token = format!("EAAB-demo-{}", random_hex(8));
    sim.add_business(BusinessAccount {
        ig_id: DEMO_IG_ID.into(),
        page_id: "100000000000001".into(),
        username: "igdesk.demo.shop".into(),
        page_token: page_token.clone(),
        instagram_token: format!("IGQV-demo-{}", random_hex(8)),
    });
    let igs = sim.clone();
    tokio::spawn(async move { igs.serve(igs_listener).await });

    let settings = Settings::try_from(RawSettings {
        listen: Some(addr.to_string()),
        database_url: Some(format!("sqlite://{}", args.database.display())),
        meta_app_secret: Some(app_secret),
        meta_verify_token: Some(random_hex(8)),
        graph_base_url: Some(format!("{igs_url}/graph.facebook.com")),
        instagram_graph_base_url: Some(format!("{igs_url}/graph.instagram.com")),
        secret_key: Some(random_hex(32)),
        ..raw
    })?;
    let running = crate::server::start(settings, Some(listener)).await?;
    let store = running.app.store.clone();
    connect(
        store.as_ref(),
        &running.app.sealer,
        Connection {
            ig_id: DEMO_IG_ID.into(),
            page_id: "100000000000001".into(),
            page_name: "igdesk Demo Shop".into(),
            username: "igdesk.demo.shop".into(),
            login_path: "facebook".into(),
            token: SecretString::from(page_token),
            added_by: "igdesk demo".into(),
            settings: ConversationSettings {
                story_mentions_create_conversations: true,
                ..Default::default()
            },
        },
    )
    .await?;
    let (_, token) = add_agent_with_token(
        store.as_ref(),
        NewPerson {
            email: DEMO_EMAIL.into(),
            name: "Demo Agent".into(),
            password: SecretString::from(DEMO_PASSWORD.to_owned()),
            is_admin: true,
            inboxes: vec!["Instagram".into()],
        },
        "demo",
    )
    .await?;

    let scenario = Scenario::from_toml(SCENARIO).context("the demo scenario")?;
    let outcomes = igdesk_igs::run_scenario(&sim, &scenario).await?;
    let url = running.url();
    println!();
    println!("igdesk demo is running at {url}/");
    println!("  login:     {DEMO_EMAIL} / {DEMO_PASSWORD}");
    println!("  API token: {}", token.expose_secret());
    println!(
        "  simulated Instagram: {igs_url} ({} webhook deliveries sent)",
        outcomes.len()
    );
    println!();
    println!("Try:");
    println!(
        "  curl -H 'Authorization: Bearer {}' {url}/api/v1/conversations",
        token.expose_secret()
    );
    println!();
    println!("Press Ctrl-C to stop.");
    crate::server::shutdown_signal().await;
    running.stop().await
}
