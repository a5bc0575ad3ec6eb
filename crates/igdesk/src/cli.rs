//! The command line (SPEC §9). `igdesk --help` documents every command.

use crate::accounts::{connect, Connection};
use crate::config::{RawSettings, Settings};
use crate::crypto::Sealer;
use crate::people::{add_agent_with_token, NewPerson};
use crate::product_tokens::issue;
use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use igdesk_domain::{ApiTokenId, ConversationSettings};
use igdesk_store::prelude::*;
use igdesk_store::ApiToken;
use secrecy::{ExposeSecret, SecretString};
use std::io::{BufRead, Read};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "igdesk",
    version,
    about = "Instagram customer service, self-hosted"
)]
pub struct Cli {
    /// A TOML settings file; IGDESK_* environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run everything on a fresh SQLite file with a simulated Instagram and a demo login.
    Demo(crate::demo::DemoArgs),
    /// Run the service.
    Serve,
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Connected Instagram accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Agents and administrators.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Product tokens of the Business Messaging API (`POST /v1.0/message`).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Copy a live SQLite store to FILE (consistent while igdesk keeps running).
    Backup {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Measure intake and sending (figures for docs/BENCHMARKS.md).
    #[command(subcommand)]
    Bench(crate::bench::BenchCommand),
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Connect an Instagram professional account by hand; its recent conversations
    /// are imported once igdesk serves.
    Add(AccountAdd),
    /// Give a connected account a new token (after Meta rejected the old one); its
    /// held messages then leave.
    Reconnect {
        #[arg(long)]
        ig_id: String,
        #[command(flatten)]
        token: TokenArgs,
    },
}

#[derive(Args)]
struct AccountAdd {
    /// The Instagram professional account id (IG_ID).
    #[arg(long)]
    ig_id: String,
    /// The linked Facebook Page id.
    #[arg(long)]
    page_id: String,
    #[arg(long)]
    page_name: String,
    #[arg(long)]
    username: String,
    /// The access token (a Page token, or an Instagram user token with --login instagram).
    #[command(flatten)]
    token: TokenArgs,
    #[arg(long, default_value = "cli")]
    added_by: String,
    /// Which login path the token belongs to.
    #[arg(long, default_value = "facebook", value_parser = ["facebook", "instagram"])]
    login: String,
}

/// Where an access token comes from. A token given as `--token VALUE` is visible to
/// every user of the machine in the process list and stays in the shell's history,
/// so a file or standard input is the better way.
#[derive(Args)]
struct TokenArgs {
    /// The token itself, or `-` to read it from standard input.
    #[arg(long, value_name = "TOKEN|-")]
    token: Option<String>,
    /// A file holding the token (surrounding whitespace ignored).
    #[arg(long, value_name = "PATH")]
    token_file: Option<PathBuf>,
}

impl TokenArgs {
    /// The token, from exactly one of the three places; errors never include it.
    fn read(self) -> anyhow::Result<SecretString> {
        let (token, from) = match (self.token, self.token_file) {
            (Some(_), Some(_)) => {
                bail!("give the token once: either --token or --token-file, not both")
            }
            (None, None) => bail!(
                "the token is missing: --token-file PATH, or --token - to read it from \
                 standard input (or --token TOKEN)"
            ),
            (Some(dash), None) if dash == "-" => {
                let mut token = String::new();
                std::io::stdin()
                    .lock()
                    .read_to_string(&mut token)
                    .context("cannot read the token from standard input")?;
                (token, "standard input".to_owned())
            }
            (Some(token), None) => (token, "--token".to_owned()),
            (None, Some(path)) => {
                let token = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read the token file {}", path.display()))?;
                (token, path.display().to_string())
            }
        };
        let token = token.trim();
        if token.is_empty() {
            bail!("the token (from {from}) is empty");
        }
        if token.chars().any(char::is_whitespace) {
            bail!("the token (from {from}) has spaces or more than one line in it");
        }
        Ok(SecretString::from(token.to_owned()))
    }
}

#[derive(Subcommand)]
enum AgentCommand {
    /// Create an agent; the password is read from standard input. Prints a personal
    /// API token once.
    Add(AgentAdd),
}

#[derive(Subcommand)]
enum TokenCommand {
    /// A new product token that sends from one account; printed once, stored hashed.
    Create {
        /// The Instagram account id (IG_ID) the token may send from.
        #[arg(long, value_name = "IG_ID")]
        account: String,
        /// A label to recognise the token by.
        #[arg(long, value_name = "LABEL", default_value = "")]
        name: String,
    },
    /// Every token (never the secret), newest first.
    List,
    /// Revoke a token: its requests are refused from now on.
    Revoke {
        #[arg(value_name = "ID")]
        id: i64,
    },
}

#[derive(Args)]
struct AgentAdd {
    #[arg(long)]
    email: String,
    #[arg(long)]
    name: String,
    /// Administrators configure igdesk and see every inbox.
    #[arg(long)]
    admin: bool,
    /// An inbox the agent works in (repeat for several); created if missing.
    #[arg(long = "inbox", value_name = "NAME")]
    inboxes: Vec<String>,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let raw = RawSettings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Demo(args) => crate::demo::run(args, raw).await,
        Command::Bench(args) => {
            // Quiet by default, so the figures are the output; `RUST_LOG` shows what
            // ran (`sqlx::query=debug`: every statement with its time).
            if std::env::var_os("RUST_LOG").is_some() {
                crate::telemetry::init_logs(false);
            }
            crate::bench::run(args).await
        }
        Command::Serve => {
            let settings = Settings::try_from(raw)?;
            crate::telemetry::init_logs(settings.log_json);
            crate::server::serve(settings).await
        }
        Command::Migrate => {
            let url = raw.database_url()?;
            igdesk_store::connect(&url).await?;
            println!("database {} is up to date", crate::server::redact(&url));
            Ok(())
        }
        Command::Backup { file } => {
            let url = raw.database_url()?;
            if file.exists() {
                bail!("{} already exists; choose a new file", file.display());
            }
            let store = igdesk_store::connect(&url).await?;
            store.backup_to(&file.to_string_lossy()).await?;
            println!("backed up to {}", file.display());
            Ok(())
        }
        Command::Account(AccountCommand::Add(a)) => add_account(raw, a).await,
        Command::Account(AccountCommand::Reconnect { ig_id, token }) => {
            let token = token.read()?;
            let sealer = Sealer::new(&raw.secret_key()?);
            let store = igdesk_store::connect(&raw.database_url()?).await?;
            let sealed = sealer.seal_token(&ig_id, &token);
            match store.reconnect_account(&ig_id, &sealed).await? {
                Some(account) => {
                    println!(
                        "reconnected @{} (Instagram id {})",
                        account.username, account.ig_id
                    );
                    Ok(())
                }
                None => bail!("no connected account has Instagram id {ig_id:?}"),
            }
        }
        Command::Agent(AgentCommand::Add(a)) => add_agent(raw, a).await,
        Command::Token(command) => token_command(raw, command).await,
    }
}

fn require(value: &str, what: &str) -> anyhow::Result<()> {
    if value.trim().is_empty() {
        bail!("{what} must not be empty");
    }
    Ok(())
}

async fn add_account(raw: RawSettings, a: AccountAdd) -> anyhow::Result<()> {
    for (value, what) in [
        (&a.ig_id, "--ig-id"),
        (&a.page_id, "--page-id"),
        (&a.page_name, "--page-name"),
        (&a.username, "--username"),
    ] {
        require(value, what)?;
    }
    if !a.ig_id.chars().all(|c| c.is_ascii_digit()) {
        bail!(
            "--ig-id must be Instagram's numeric account id, not {:?}",
            a.ig_id
        );
    }
    let token = a.token.read()?;
    let sealer = Sealer::new(&raw.secret_key()?);
    let store = igdesk_store::connect(&raw.database_url()?).await?;
    let account = connect(
        &store,
        &sealer,
        Connection {
            ig_id: a.ig_id,
            page_id: a.page_id,
            page_name: a.page_name,
            username: a.username,
            login_path: a.login,
            token,
            added_by: a.added_by,
            settings: ConversationSettings::default(),
        },
    )
    .await?;
    println!(
        "connected @{} (Instagram id {}, Page {} \"{}\") as account {}",
        account.username, account.ig_id, account.page_id, account.page_name, account.id
    );
    Ok(())
}

async fn add_agent(raw: RawSettings, a: AgentAdd) -> anyhow::Result<()> {
    require(&a.name, "--name")?;
    if !a.email.contains('@') {
        bail!("--email {:?} is not an email address", a.email);
    }
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("cannot read the password from standard input")?;
    let password = SecretString::from(password.trim_end_matches(['\r', '\n']).to_owned());
    if password.expose_secret().chars().count() < 8 {
        bail!("the password (read from standard input) must have at least 8 characters");
    }
    let store = igdesk_store::connect(&raw.database_url()?).await?;
    let inboxes = if a.inboxes.is_empty() {
        vec!["Instagram".to_owned()]
    } else {
        a.inboxes
    };
    let (agent, token) = add_agent_with_token(
        &store,
        NewPerson {
            email: a.email,
            name: a.name,
            password,
            is_admin: a.admin,
            inboxes,
        },
        "cli",
    )
    .await?;
    println!(
        "created {} <{}> as agent {}",
        agent.name, agent.email, agent.id
    );
    println!("API token (shown once): {}", token.expose_secret());
    Ok(())
}

/// `igdesk token create | list | revoke`: the secret is printed once, never again.
async fn token_command(raw: RawSettings, command: TokenCommand) -> anyhow::Result<()> {
    let store = igdesk_store::connect(&raw.database_url()?).await?;
    let now = crate::now_ms();
    match command {
        TokenCommand::Create { account, name } => {
            if account.trim().is_empty() {
                bail!("--account must not be empty");
            }
            let Some((created, token)) = issue(&store, &account, name.trim()).await? else {
                bail!("no connected account has Instagram id {account:?}");
            };
            println!(
                "created token {} for account {}{}",
                created.id,
                created.account_ig_id,
                label(&created)
            );
            println!("product token (shown once): {}", token.expose_secret());
        }
        TokenCommand::List => {
            for t in store.api_tokens().await? {
                let state = match t.revoked_at {
                    Some(_) => "revoked",
                    None => "active",
                };
                println!("{}\t{}\t{}\t{}", t.id, t.account_ig_id, state, t.name);
            }
        }
        TokenCommand::Revoke { id } => match store.revoke_api_token(ApiTokenId(id), now).await? {
            Some(t) => println!("revoked token {} of account {}", t.id, t.account_ig_id),
            None => bail!("there is no token {id}"),
        },
    }
    Ok(())
}

fn label(token: &ApiToken) -> String {
    match token.name.as_str() {
        "" => String::new(),
        name => format!(" ({name})"),
    }
}
