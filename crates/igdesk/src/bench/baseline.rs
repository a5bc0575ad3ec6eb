//! The baseline the intake is measured against: the least a correct receiver must
//! do (check the signature, store the body durably, answer), one insert per request.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use igdesk_meta::verify_signature;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub struct Baseline {
    pub addr: SocketAddr,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct Ctx {
    pool: SqlitePool,
    secret: Arc<Vec<u8>>,
}

pub async fn start(file: &Path, secret: &str) -> anyhow::Result<Baseline> {
    let options = SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, body BLOB NOT NULL)")
        .execute(&pool)
        .await?;
    let ctx = Ctx {
        pool,
        secret: Arc::new(secret.as_bytes().to_vec()),
    };
    let router = Router::new()
        .route("/webhooks/instagram", post(receive))
        .with_state(ctx);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stop = CancellationToken::new();
    let wait = stop.clone();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move { wait.cancelled().await })
            .await;
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
    let stored = sqlx::query("INSERT INTO deliveries (received_at, body) VALUES (?, ?)")
        .bind(crate::now_ms())
        .bind(body.to_vec())
        .execute(&ctx.pool)
        .await;
    match stored {
        Ok(_) => StatusCode::OK,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}
