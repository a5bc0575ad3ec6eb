//! `igdesk demo`: the whole product on a laptop, with no Meta account. A fresh SQLite
//! file, the Instagram simulator in the same process standing in for Meta (with its
//! own CDN, so media display with no internet), two demo accounts and logins, and
//! simulated customers writing in: weeks of past threads imported on connecting, an
//! opening scenario, then now and then while it runs.
//!
//! Hidden flags serve browser tests (`crates/igdesk/tests/browser`): `--quiet` (no
//! writing after the opening), `--no-scenario` (no history or opening either),
//! `--database-url` (PostgreSQL: a fresh database for the run), `--paused-clock`
//! (routing's clock moved on by `POST {control_url}/advance?ms=N`) and
//! `--ready-file` (where everything is, as JSON, once it is up).

use crate::app::App;
use crate::clock::Clock;
use crate::config::{RawSettings, Settings};
use crate::crypto::random_hex;
use crate::people::{add_agent_with_token, NewPerson};
use anyhow::Context;
use clap::Args;
use igdesk_domain::ConversationSettings;
use igdesk_igs::media::Use;
use igdesk_igs::{
    BusinessAccount, CustomerProfile, Delivery, Event, Scenario, SimConfig, Simulator, Starter,
};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::net::TcpListener;

mod history;

#[derive(Args)]
pub struct DemoArgs {
    /// Where the console listens [default: IGDESK_LISTEN, else the settings file's
    /// `listen`, else 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// The SQLite file to create (replaced if it exists).
    #[arg(long, default_value = "igdesk-demo.db")]
    database: PathBuf,
    /// No simulated customers writing after the opening scenario (tests).
    #[arg(long, hide = true)]
    quiet: bool,
    /// No opening scenario: start with no conversations (tests).
    #[arg(long, hide = true)]
    no_scenario: bool,
    /// A database URL instead of the SQLite file (tests). A PostgreSQL URL names the
    /// server and credentials: the demo creates a fresh database there for its run
    /// and drops it when it stops.
    #[arg(long, hide = true, value_name = "URL")]
    database_url: Option<String>,
    /// igdesk's routing clock stands still; a control listener on 127.0.0.1 moves it
    /// on (`POST /advance?ms=N`) (tests).
    #[arg(long, hide = true)]
    paused_clock: bool,
    /// Once everything is up, write where it is and the logins there as JSON (tests).
    #[arg(long, hide = true, value_name = "PATH")]
    ready_file: Option<PathBuf>,
}

pub const DEMO_IG_ID: &str = "17841400000000001";
pub const DEMO_EMAIL: &str = "demo@igdesk.local";
pub const DEMO_PASSWORD: &str = "demo-password";
/// The second demo account, routed to the VIP inbox, where only agent2 works.
pub const VIP_IG_ID: &str = "17841400000000002";
pub const VIP_INBOX: &str = "VIP";
pub const AGENT2_EMAIL: &str = "agent2@igdesk.local";
pub const AGENT2_PASSWORD: &str = "demo-password";
/// The customers and what they write: the simulator's demo scenario.
const SCENARIO: &str = include_str!("../../igdesk_igs/scenarios/demo.toml");
/// The post the demo's comments are on (the scenario's default media).
const DEMO_POST: &str = "18100000000000001";

/// One demo Instagram account: on the simulator's side and on igdesk's.
struct DemoAccount {
    ig_id: &'static str,
    page_id: &'static str,
    page_name: &'static str,
    username: &'static str,
}

/// An account the simulated Facebook user manages that the demo does not connect:
/// `Add Instagram account` in Settings finds it.
const UNCONNECTED: DemoAccount = DemoAccount {
    ig_id: "17841400000000003",
    page_id: "100000000000003",
    page_name: "igdesk Demo Outlet",
    username: "igdesk.demo.outlet",
};

const ACCOUNTS: [DemoAccount; 2] = [
    DemoAccount {
        ig_id: DEMO_IG_ID,
        page_id: "100000000000001",
        page_name: "igdesk Demo Shop",
        username: "igdesk.demo.shop",
    },
    DemoAccount {
        ig_id: VIP_IG_ID,
        page_id: "100000000000002",
        page_name: "igdesk Demo VIP",
        username: "igdesk.demo.vip",
    },
];

pub async fn run(args: DemoArgs, raw: RawSettings) -> anyhow::Result<()> {
    crate::telemetry::init_logs(false);
    let (database_url, fresh) = database(&args).await?;
    let app_secret = random_hex(16);
    let listen = listen_address(args.listen.as_deref(), &raw);
    let listener = TcpListener::bind(&listen).await.with_context(|| {
        format!("cannot listen on {listen} (choose another with --listen or IGDESK_LISTEN)")
    })?;
    let addr = listener.local_addr()?;
    let igs_listener = TcpListener::bind("127.0.0.1:0").await?;
    let igs_url = format!("http://{}", igs_listener.local_addr()?);

    let sim = Simulator::new(SimConfig {
        app_secret: app_secret.clone(),
        webhook_url: format!("http://{addr}/webhooks/instagram"),
    });
    sim.set_public_url(&igs_url);
    // As on Meta's side: nothing is delivered for an account until igdesk
    // subscribes it, which connecting through Meta's login does.
    for account in ACCOUNTS.iter().chain([&UNCONNECTED]) {
        sim.add_business_unsubscribed(BusinessAccount {
            ig_id: account.ig_id.into(),
            page_id: account.page_id.into(),
            username: account.username.into(),
            page_token: format!("EAAB-demo-{}", random_hex(8)),
            instagram_token: format!("IGQV-demo-{}", random_hex(8)),
        });
        sim.set_business_name(account.ig_id, account.page_name);
    }
    let igs = sim.clone();
    tokio::spawn(async move { igs.serve(igs_listener).await });

    // `/metrics` is off without a token: the demo makes one up (unless given one)
    // and prints it, so Prometheus can be tried against it.
    let metrics_token = raw
        .metrics_token
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| random_hex(16));
    let settings = Settings::try_from(RawSettings {
        listen: Some(addr.to_string()),
        database_url: Some(database_url),
        meta_app_secret: Some(app_secret.clone()),
        meta_verify_token: Some(random_hex(8)),
        graph_base_url: Some(format!("{igs_url}/graph.facebook.com")),
        instagram_graph_base_url: Some(format!("{igs_url}/graph.instagram.com")),
        secret_key: Some(random_hex(32)),
        // Meta's login, played by the simulator: its two apps share the secret.
        meta_app_id: Some(igdesk_igs::IGDESK_APP_ID.into()),
        instagram_app_id: Some(igdesk_igs::IGDESK_INSTAGRAM_APP_ID.into()),
        meta_instagram_app_secret: Some(app_secret.clone()),
        facebook_www_base_url: Some(format!("{igs_url}/www.facebook.com")),
        instagram_www_base_url: Some(format!("{igs_url}/www.instagram.com")),
        instagram_api_base_url: Some(format!("{igs_url}/api.instagram.com")),
        // Trying the Business Messaging API locally means a receiver on this machine,
        // likely over http.
        webhook_allow_private: Some("true".into()),
        metrics_token: Some(metrics_token.clone()),
        ..raw
    })?;
    let clock = if args.paused_clock {
        Clock::paused()
    } else {
        Clock::system()
    };
    let running = crate::server::start_with_clock(settings, Some(listener), clock).await?;
    let app = running.app.clone();
    let store = app.store.clone();
    let vip = store.ensure_inbox(VIP_INBOX, crate::now_ms()).await?;
    let (admin, token) = add_agent_with_token(
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
    let (_, token2) = add_agent_with_token(
        store.as_ref(),
        NewPerson {
            email: AGENT2_EMAIL.into(),
            name: "Vera VIP".into(),
            password: SecretString::from(AGENT2_PASSWORD.to_owned()),
            is_admin: false,
            inboxes: vec![VIP_INBOX.into()],
        },
        "demo",
    )
    .await?;
    if !args.no_scenario {
        // Imported on connecting, as Meta's Conversations API gives it.
        history::give(&sim, DEMO_IG_ID, VIP_IG_ID, crate::now_ms());
    }
    let connected = connect_through_meta_login(&app, &admin).await?;
    for account in &connected {
        let settings = ConversationSettings {
            story_mentions_create_conversations: true,
            ..account.settings
        };
        store.set_account_settings(account.id, settings).await?;
    }
    let vip_account = connected.iter().find(|a| a.ig_id == VIP_IG_ID);
    if let Some(vip_account) = vip_account {
        store
            .set_account_inbox(vip_account.id, Some(vip.id))
            .await?;
    }
    // Something to insert with `/` in the composer.
    crate::service::saved_answers::add_demo_answers(&app, &admin).await?;
    if !args.no_scenario {
        // Business hours and two rules: the demo's customers get automatic replies.
        let inbox = store.inboxes().await?.into_iter().find(|i| i.is_default);
        if let Some(inbox) = inbox {
            crate::service::automatic::add_demo_automation(&app, &admin, inbox.id).await?;
        }
    }
    // Ice breakers and a menu on the first account, held by the simulated Meta.
    if let Some(first) = connected.iter().find(|a| a.ig_id == DEMO_IG_ID) {
        crate::service::starters::add_demo_starters(&app, &admin, first.id).await?;
    }

    let control = match args.paused_clock {
        true => Some(Control::serve(app.clone()).await?),
        false => None,
    };
    let control_url = control.as_ref().map(|c| c.url.clone());
    let scenario = Scenario::from_toml(SCENARIO).context("the demo scenario")?;
    let cast: Vec<(String, CustomerProfile)> = scenario
        .customers
        .iter()
        .map(|c| {
            let business = c.business.clone();
            (
                business.unwrap_or_else(|| scenario.business.clone()),
                c.profile.clone(),
            )
        })
        .collect();
    let delivered = if args.no_scenario {
        for (business, profile) in &cast {
            sim.add_customer(business, profile.clone());
        }
        0
    } else {
        let outcomes = igdesk_igs::run_scenario(&sim, &scenario).await?;
        outcomes.iter().filter(|o| o.status.is_some()).count()
    };
    if !args.no_scenario {
        // Internal notes on the history, once its customers are in.
        tokio::spawn(crate::service::notes::add_demo_notes(
            app.clone(),
            admin.clone(),
        ));
        // A few labelled customers to filter the work by.
        tokio::spawn(crate::service::labels::add_demo_labels(
            app.clone(),
            admin.clone(),
        ));
    }
    let writing = (!args.quiet).then(|| tokio::spawn(customers_keep_writing(sim.clone(), cast)));

    let url = running.url();
    let token = token.expose_secret();
    println!();
    println!("igdesk demo is running. Open the console:");
    println!();
    println!("    {url}/");
    println!();
    println!("  sign in:   {DEMO_EMAIL} / {DEMO_PASSWORD}  (administrator, inbox Instagram)");
    println!("        or   {AGENT2_EMAIL} / {AGENT2_PASSWORD}  (agent, inbox {VIP_INBOX})");
    println!("  Choose Available in the console to be offered the customers' conversations.");
    if !args.quiet {
        println!("  Simulated customers write in every few seconds.");
    }
    println!();
    println!("  API token: {token}");
    println!("  curl -H 'Authorization: Bearer {token}' {url}/api/v1/conversations");
    println!("  metrics:   curl -H 'Authorization: Bearer {metrics_token}' {url}/metrics");
    println!("  simulated Instagram: {igs_url} ({delivered} webhook deliveries sent)");
    if let Some(control) = &control_url {
        println!("  paused clock: POST {control}/advance?ms=N moves it on");
    }
    println!();
    println!("Press Ctrl-C to stop.");
    if let Some(path) = &args.ready_file {
        let ready = json!({
            "url": url,
            "igs_url": igs_url,
            "control_url": control_url,
            "email": DEMO_EMAIL,
            "password": DEMO_PASSWORD,
            "api_token": token,
            "metrics_token": metrics_token,
            "ig_id": DEMO_IG_ID,
            "agent2": {
                "email": AGENT2_EMAIL,
                "password": AGENT2_PASSWORD,
                "api_token": token2.expose_secret(),
                "inbox": VIP_INBOX,
                "ig_id": VIP_IG_ID,
            },
        });
        write_ready_file(path, &ready)?;
    }
    crate::server::shutdown_signal().await;
    if let Some(writing) = writing {
        writing.abort();
    }
    if let Some(control) = control {
        control.stop().await;
    }
    // The service's writer stops once every handle on the app is gone.
    drop((app, store));
    let stopped = running.stop().await;
    if let Some(fresh) = fresh {
        fresh.drop_database().await;
    }
    stopped
}

/// Where the console listens: the flag wins, then IGDESK_LISTEN or the settings
/// file's `listen` (as for `serve`), then 127.0.0.1:8080.
fn listen_address(flag: Option<&str>, raw: &RawSettings) -> String {
    flag.map(str::to_owned)
        .or_else(|| raw.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into())
}

/// The database of this run: the SQLite file (replaced), or `--database-url`.
async fn database(args: &DemoArgs) -> anyhow::Result<(String, Option<FreshPostgres>)> {
    match &args.database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let fresh = FreshPostgres::create(url, "igdesk_demo").await?;
            Ok((fresh.url.clone(), Some(fresh)))
        }
        Some(url) => Ok((url.clone(), None)),
        None => {
            for suffix in ["", "-wal", "-shm"] {
                let path = PathBuf::from(format!("{}{suffix}", args.database.display()));
                if path.exists() {
                    std::fs::remove_file(&path)
                        .with_context(|| format!("cannot replace {}", path.display()))?;
                }
            }
            Ok((format!("sqlite://{}", args.database.display()), None))
        }
    }
}

/// A database made for one run on a PostgreSQL server, named after the process
/// (`{prefix}_{pid}_{nanos}`, e.g. `igdesk_demo_…`): dropped when the run stops,
/// and by a later run when its process is gone (killed runs).
pub(crate) struct FreshPostgres {
    admin: String,
    name: String,
    url: String,
}

impl FreshPostgres {
    pub(crate) async fn create(admin: &str, prefix: &str) -> anyhow::Result<Self> {
        use sqlx::Connection as _;
        let mut conn = sqlx::PgConnection::connect(admin).await.with_context(|| {
            format!(
                "cannot reach PostgreSQL at {}",
                crate::server::redact(admin)
            )
        })?;
        let pattern = format!("{}\\_%", prefix.replace('_', "\\_"));
        let names: Vec<String> =
            sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE $1")
                .bind(pattern)
                .fetch_all(&mut conn)
                .await
                .unwrap_or_default();
        for name in names {
            let pid = name[prefix.len() + 1..]
                .split('_')
                .next()
                .unwrap_or_default();
            let gone = !pid.is_empty() && !Path::new(&format!("/proc/{pid}")).exists();
            if gone && Path::new("/proc/self").exists() {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                    .execute(&mut conn)
                    .await;
            }
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos();
        let name = format!("{prefix}_{}_{nanos}", std::process::id());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .context("cannot create a fresh database")?;
        let (path, query) = match admin.split_once('?') {
            Some((path, query)) => (path, format!("?{query}")),
            None => (admin, String::new()),
        };
        let base = path.rsplit_once('/').map(|(b, _)| b).unwrap_or(path);
        Ok(FreshPostgres {
            admin: admin.to_owned(),
            url: format!("{base}/{name}{query}"),
            name,
        })
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) async fn drop_database(self) {
        use sqlx::Connection as _;
        let Ok(mut conn) = sqlx::PgConnection::connect(&self.admin).await else {
            return;
        };
        let forced = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if sqlx::query(&forced).execute(&mut conn).await.is_err() {
            let plain = format!("DROP DATABASE IF EXISTS {}", self.name);
            let _ = sqlx::query(&plain).execute(&mut conn).await;
        }
    }
}

/// Connects the demo's two accounts as an administrator would, with Meta's login
/// (Facebook Login), the simulator playing Meta: its dialog answered `Continue`,
/// Meta's redirect followed to igdesk's callback, the two accounts picked. So every
/// demo starts having been through the real flow: code exchange, the Pages and
/// their tokens, webhook subscriptions.
async fn connect_through_meta_login(
    app: &App,
    admin: &igdesk_store::Agent,
) -> anyhow::Result<Vec<igdesk_store::Account>> {
    use crate::service::connect;
    let started = connect::start(app, admin, igdesk_meta::LoginPath::Facebook)
        .await
        .map_err(|e| anyhow::anyhow!("starting Meta's login: {e}"))?;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    // The dialog's form carries its own parameters back, with the person's choice.
    let dialog = reqwest::Url::parse(&started.authorize_url)?;
    let mut answer: Vec<(String, String)> = dialog.query_pairs().into_owned().collect();
    answer.push(("decision".into(), "continue".into()));
    let mut form_url = dialog.clone();
    form_url.set_query(None);
    let back = browser.post(form_url).form(&answer).send().await?;
    let callback = back
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .context("Meta's dialog did not send the browser back")?
        .to_owned();
    let landed = browser.get(&callback).send().await?;
    anyhow::ensure!(
        landed.status().is_redirection(),
        "igdesk refused Meta's callback: {}",
        landed.text().await.unwrap_or_default()
    );
    let ids: Vec<String> = ACCOUNTS.iter().map(|a| a.ig_id.to_owned()).collect();
    connect::connect(app, admin, &started.state, &ids)
        .await
        .map_err(|e| anyhow::anyhow!("connecting the demo's accounts: {e}"))
}

/// The control listener of `--paused-clock`: `POST /advance?ms=N` moves igdesk's
/// routing clock on by N milliseconds and answers the new now.
struct Control {
    url: String,
    stop: tokio_util::sync::CancellationToken,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Control {
    async fn serve(app: App) -> anyhow::Result<Control> {
        use axum::extract::{Query, State};
        use axum::routing::post;

        #[derive(serde::Deserialize)]
        struct Advance {
            ms: i64,
        }
        async fn advance(
            State(app): State<App>,
            Query(by): Query<Advance>,
        ) -> axum::Json<serde_json::Value> {
            app.advance_clock(by.ms);
            axum::Json(json!({"now": app.clock.now()}))
        }
        let router = axum::Router::new()
            .route("/advance", post(advance))
            .with_state(app);
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let stop = tokio_util::sync::CancellationToken::new();
        let stopped = stop.clone().cancelled_owned();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(stopped)
                .await
        });
        Ok(Control { url, stop, task })
    }

    /// Stops it, letting go of the app (igdesk's graceful stop waits for that).
    async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

/// Written whole or not at all: a harness polling for the file never reads half.
fn write_ready_file(path: &Path, ready: &serde_json::Value) -> anyhow::Result<()> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, serde_json::to_vec_pretty(ready)?)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))
}

/// What the demo's customers say, now and then.
const LINES: &[&str] = &[
    "Hi! Do you have the linen shirt in L?",
    "Is the sale still on this weekend?",
    "How long does shipping to Lisbon take?",
    "Can I return something I bought online in the shop?",
    "My parcel says delivered but it isn't here 😟",
    "Do you restock the sand colour soon?",
    "Thank you so much, it fits perfectly! 🙌",
    "What are your opening hours on Sunday?",
    "Can I change the size on order #4620?",
    "Is the fabric organic?",
    "Do you do gift wrapping? 🎁",
    "I was charged twice for my order, can you check?",
    "Any discount for students?",
    "Hello? Anyone there?",
    "Just ordered, can I still add a belt to it?",
    "Love the new collection ✨",
];
const COMMENTS: &[&str] = &[
    "Price? 😍",
    "Need this in blue!",
    "Do you ship to Canada?",
    "Gorgeous 🔥",
    "Is this available in XS?",
];
const STORY_REPLIES: &[&str] = &["Where is this from?", "Is this the new one? 😍", "Want it!"];

/// Every 4–10 seconds one of the demo's customers writes: mostly a DM, now and then
/// a tap on an ice breaker, a photo, a Story mention, a reply to a Story, a comment on
/// the shop's post or a ❤️ on the shop's latest message to them. Runs until aborted.
async fn customers_keep_writing(sim: Simulator, cast: Vec<(String, CustomerProfile)>) {
    if cast.is_empty() {
        return;
    }
    loop {
        let pause = rand::thread_rng().gen_range(4_000..=10_000);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let (business, customer, roll) = {
            let mut rng = rand::thread_rng();
            let (business, customer) = &cast[rng.gen_range(0..cast.len())];
            (business.clone(), customer.clone(), rng.gen_range(0..100))
        };
        let event = something_to_say(&sim, &business, &customer, roll);
        if let Err(e) = sim.deliver(&Delivery::new(business).push(event)).await {
            tracing::warn!(error = %format!("{e:#}"), "a simulated customer could not write");
        }
    }
}

fn something_to_say(
    sim: &Simulator,
    business: &str,
    customer: &CustomerProfile,
    roll: u32,
) -> Event {
    let igsid = customer.igsid.as_str();
    let pick = |lines: &[&str]| lines[rand::thread_rng().gen_range(0..lines.len())].to_owned();
    match roll {
        0..=55 => Event::text(igsid, pick(LINES)),
        // A tap on one of the business's ice breakers, when it has some.
        56..=59 => {
            let held = sim.messenger_profile(business);
            let questions: Vec<&str> = held["ice_breakers"][0]["call_to_actions"]
                .as_array()
                .map(|all| all.iter().filter_map(|b| b["question"].as_str()).collect())
                .unwrap_or_default();
            let tap = match questions.is_empty() {
                true => None,
                false => sim
                    .tap(business, igsid, Starter::IceBreaker, &pick(&questions))
                    .ok(),
            };
            tap.unwrap_or_else(|| Event::text(igsid, pick(LINES)))
        }
        60..=69 => Event::attachment(igsid, "image", sim.medium_url(Use::Photo)),
        // A Story of its own, which the simulator's CDN serves while it lives.
        70..=77 => Event::attachment(igsid, "story_mention", sim.cdn_url("story_mention")),
        78..=83 => Event::story_reply(
            igsid,
            pick(STORY_REPLIES),
            igdesk_igs::ids::new_numeric_id("179"),
            sim.medium_url(Use::Story),
        ),
        84..=91 => Event::comment(
            igsid,
            customer.username.clone(),
            pick(COMMENTS),
            DEMO_POST,
            "FEED",
        ),
        _ => {
            // A ❤️ on the shop's latest message to them, when there is one.
            let latest = sim
                .sent()
                .into_iter()
                .rev()
                .find(|m| m.business_ig_id == business && m.recipient_igsid == igsid);
            match latest {
                Some(message) => Event::reaction(igsid, message.mid, "\u{2764}\u{fe0f}", "love"),
                None => Event::text(igsid, pick(LINES)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn the_flag_wins_then_igdesk_listen_then_the_default() {
        let env = BTreeMap::from([("IGDESK_LISTEN".to_owned(), "127.0.0.1:9100".to_owned())]);
        let from_env = RawSettings::load_from(None, &env).unwrap();
        assert_eq!(listen_address(None, &from_env), "127.0.0.1:9100");
        assert_eq!(listen_address(Some("0.0.0.0:80"), &from_env), "0.0.0.0:80");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("igdesk.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9200\"\n").unwrap();
        let from_file = RawSettings::load_from(Some(&file), &BTreeMap::new()).unwrap();
        assert_eq!(listen_address(None, &from_file), "127.0.0.1:9200");
        assert_eq!(
            listen_address(None, &RawSettings::default()),
            "127.0.0.1:8080"
        );
    }

    #[test]
    fn test_flags_stay_out_of_the_help() {
        let help = DemoArgs::augment_args(clap::Command::new("demo"))
            .render_long_help()
            .to_string();
        assert!(
            help.contains("--listen") && help.contains("--database"),
            "{help}"
        );
        for hidden in [
            "--quiet",
            "--no-scenario",
            "--database-url",
            "--paused-clock",
            "--ready-file",
        ] {
            assert!(!help.contains(hidden), "{hidden} shows in:\n{help}");
        }
        // They parse all the same.
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            demo: DemoArgs,
        }
        let cli = <Cli as clap::Parser>::try_parse_from([
            "demo",
            "--quiet",
            "--no-scenario",
            "--paused-clock",
            "--database-url",
            "postgres://x/y",
            "--ready-file",
            "/tmp/r.json",
        ])
        .unwrap();
        assert!(cli.demo.quiet && cli.demo.no_scenario && cli.demo.paused_clock);
    }
}
