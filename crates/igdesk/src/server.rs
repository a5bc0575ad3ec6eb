//! Starting and stopping the whole service: store, intake writer, workers, HTTP.

use crate::app::App;
use crate::clock::Clock;
use crate::config::Settings;
use crate::crypto::Sealer;
use crate::intake::writer::IntakeWriter;
use anyhow::Context;
use igdesk_meta::HttpGraph;
use igdesk_store::prelude::*;
use igdesk_store::Backend;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A running igdesk: its address, its state, and the means to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub app: App,
    stop: CancellationToken,
    http: JoinHandle<std::io::Result<()>>,
    workers: Vec<JoinHandle<()>>,
    writer: JoinHandle<()>,
}

/// Opens the store (migrating it), starts the intake writer, the workers and the
/// HTTP server on `listener` (or on the configured address).
pub async fn start(settings: Settings, listener: Option<TcpListener>) -> anyhow::Result<Running> {
    start_with_clock(settings, listener, Clock::system()).await
}

/// [`start`] with a given clock for the agent's day (a paused one in scenario tests).
pub async fn start_with_clock(
    settings: Settings,
    listener: Option<TcpListener>,
    clock: Clock,
) -> anyhow::Result<Running> {
    let store = igdesk_store::connect(&settings.database_url)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                redact(&settings.database_url)
            )
        })?;
    if store.backend() == Backend::Sqlite {
        // One SQLite file is served by one process: leases left by a previous run of
        // it belong to nobody now.
        let released = store.release_all_leases().await?;
        if released > 0 {
            tracing::info!(released, "resuming jobs interrupted by the last stop");
        }
    }
    let store: Arc<dyn igdesk_store::Store> = Arc::new(store);
    // Tokens and webhook secrets sealed the old way are sealed again before anything
    // reads them.
    let sealer = Sealer::new(&settings.secret_key);
    crate::accounts::reseal_tokens(store.as_ref(), &sealer).await?;
    crate::accounts::reseal_webhook_secrets(store.as_ref(), &sealer).await?;
    let listener = match listener {
        Some(l) => l,
        None => TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {} (IGDESK_LISTEN)", settings.listen))?,
    };
    let addr = listener.local_addr()?;
    let wake = Arc::new(crate::app::Wakers::default());
    let (intake, writer) = IntakeWriter::spawn(store.clone(), wake.deliveries.clone());
    let graph = HttpGraph::new(
        &settings.graph_base_url,
        &settings.instagram_graph_base_url,
        &settings.graph_version,
    );
    let login = igdesk_meta::login::HttpLogin::new(igdesk_meta::login::LoginHosts {
        facebook_www: settings.facebook_www_base_url.clone(),
        facebook_graph: settings.graph_base_url.clone(),
        instagram_www: settings.instagram_www_base_url.clone(),
        instagram_api: settings.instagram_api_base_url.clone(),
        instagram_graph: settings.instagram_graph_base_url.clone(),
        version: settings.graph_version.clone(),
    });
    crate::telemetry::prometheus();
    let app = App {
        login: Arc::new(login),
        setup_token: Arc::new(crate::crypto::random_hex(16)),
        sealer,
        store,
        settings: Arc::new(settings),
        graph: Arc::new(graph),
        intake,
        wake,
        sign_in_failures: Arc::default(),
        clock,
        stopping: CancellationToken::new(),
    };
    let stop = app.stopping.clone();
    let mut workers = crate::workers::spawn(&app, &stop);
    if app.store.backend() == Backend::Postgres {
        // Several instances may share this database: each hears the others' wake-ups.
        let url = &app.settings.database_url;
        workers.extend(crate::wake::spawn_bus(&app.wake, url, &stop));
    }
    let router = crate::router::router(app.clone());
    let http_stop = stop.clone();
    let http = tokio::spawn(async move {
        crate::http_server::serve(
            listener,
            router,
            crate::http_server::Limits::default(),
            http_stop,
        )
        .await
    });
    tracing::info!(%addr, "igdesk is listening");
    Ok(Running {
        addr,
        app,
        stop,
        http,
        workers,
        writer,
    })
}

impl Running {
    /// Graceful stop: no new requests; requests in flight are answered (their
    /// deliveries committed); workers finish their current job.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.stop.cancel();
        self.http.await??;
        for worker in self.workers {
            worker.await?;
        }
        drop(self.app);
        self.writer.await?;
        tracing::info!("igdesk stopped");
        Ok(())
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Runs until Ctrl-C or SIGTERM, then stops gracefully.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let running = start(settings, None).await?;
    if running.app.store.agent_details().await?.is_empty() {
        // A one-time link, on the terminal only (not in the logs): whoever can read
        // it runs this igdesk, and makes the first administrator.
        println!(
            "No one can sign in yet. Create the first administrator at:\n\n    {}/setup?token={}\n",
            running.app.settings.public_url, running.app.setup_token
        );
    }
    shutdown_signal().await;
    tracing::info!("stopping");
    running.stop().await
}

pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// A database URL fit for logs: no password.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://…{}", &url[..scheme], &url[at..]),
        _ => url.to_owned(),
    }
}
