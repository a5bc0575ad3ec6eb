//! What the intake is measured against, served by the same HTTP server igdesk uses
//! (`http_server`, same limits) so that only what happens after the signature check
//! differs:
//! - the **ceiling**: check the signature, answer 200, store nothing — no receiver
//!   that stores can be faster on this machine;
//! - a **fair minimal receiver**: check the signature, then store the body durably
//!   the way a careful hand-written receiver would — one SQLite connection (WAL,
//!   synchronous=FULL, as igdesk), whatever deliveries are waiting committed together
//!   in one transaction, each answered once its commit is on disk.

use crate::http_server::{self, Limits};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use igdesk_meta::verify_signature;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// Deliveries committed in one transaction at most.
const GROUP_MAX: usize = 1024;

#[derive(Clone, Copy)]
pub enum Kind {
    Ceiling,
    Fair,
}

pub struct Baseline {
    pub addr: SocketAddr,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

/// A delivery to store, and where to say it is stored.
type Pending = (Vec<u8>, oneshot::Sender<bool>);

#[derive(Clone)]
struct Ctx {
    secret: Arc<Vec<u8>>,
    /// `None` for the ceiling.
    store: Option<mpsc::Sender<Pending>>,
}

pub async fn start(kind: Kind, file: &Path, secret: &str) -> anyhow::Result<Baseline> {
    let store = match kind {
        Kind::Ceiling => None,
        Kind::Fair => Some(start_writer(file).await?),
    };
    let ctx = Ctx {
        secret: Arc::new(secret.as_bytes().to_vec()),
        store,
    };
    let router = Router::new()
        .route("/webhooks/instagram", post(receive))
        .with_state(ctx);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let wait = stop.clone();
    let task = tokio::spawn(async move {
        let _ = http_server::serve(listener, router, Limits::default(), wait).await;
    });
    Ok(Baseline { addr, stop, task })
}

impl Baseline {
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

async fn receive(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers.get("x-hub-signature-256").map(|v| v.as_bytes());
    if verify_signature(signature, &body, &[ctx.secret.as_slice()]).is_err() {
        return StatusCode::FORBIDDEN;
    }
    let Some(store) = ctx.store else {
        return StatusCode::OK;
    };
    let (stored, answer) = oneshot::channel();
    if store.send((body.to_vec(), stored)).await.is_err() {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    match answer.await {
        Ok(true) => StatusCode::OK,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The one connection and its writer: takes whatever is waiting, commits it in one
/// transaction, answers each.
async fn start_writer(file: &Path) -> anyhow::Result<mpsc::Sender<Pending>> {
    let options = SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS deliveries \
         (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, body BLOB NOT NULL)",
    )
    .execute(&mut conn)
    .await?;
    let (sender, mut waiting) = mpsc::channel::<Pending>(GROUP_MAX * 4);
    tokio::spawn(async move {
        let mut group = Vec::with_capacity(GROUP_MAX);
        while waiting.recv_many(&mut group, GROUP_MAX).await > 0 {
            let stored = commit(&mut conn, &group).await.is_ok();
            for (_, answer) in group.drain(..) {
                let _ = answer.send(stored);
            }
        }
    });
    Ok(sender)
}

async fn commit(conn: &mut SqliteConnection, group: &[Pending]) -> sqlx::Result<()> {
    let mut tx = conn.begin().await?;
    let now = crate::now_ms();
    for (body, _) in group {
        sqlx::query("INSERT INTO deliveries (received_at, body) VALUES (?, ?)")
            .bind(now)
            .bind(body.as_slice())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}
