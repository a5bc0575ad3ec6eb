//! The HTTP server: igdesk's own accept loop around hyper, for the limits
//! `axum::serve` does not have (docs/OPERATIONS.md, "HTTP limits"). A slow or idle
//! client cannot hold a connection and its buffers for ever, nor keep the service
//! from stopping:
//!
//! - a request's head must arrive within [`HEADER_TIMEOUT`] (else the connection is
//!   closed), and the whole request, body included, be handled within
//!   [`REQUEST_TIMEOUT`] (else 408); a live stream's answer is its body, sent after
//!   that, so it is not cut;
//! - at most [`MAX_CONNECTIONS`] connections at once: one more is answered 503 and
//!   closed;
//! - at most [`MAX_IN_FLIGHT`] requests being handled at once: one more is answered
//!   503 at once, rather than queued behind the others;
//! - stopping waits at most [`DRAIN`] for the connections still open.

use crate::api::error::ApiError;
use axum::body::Body;
use axum::error_handling::HandleErrorLayer;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tower::ServiceExt as _;

/// A request's line and headers arrive within this.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A request is read and answered within this (its body streamed after).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections open at once.
pub const MAX_CONNECTIONS: usize = 4096;
/// Requests being handled at once.
pub const MAX_IN_FLIGHT: usize = 1024;
/// How long stopping waits for connections still open.
pub const DRAIN: Duration = Duration::from_secs(10);

/// The limits, in the order a request meets them; tests shorten them.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub request_timeout: Duration,
    pub max_connections: usize,
    pub max_in_flight: usize,
    pub drain: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: HEADER_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
            max_in_flight: MAX_IN_FLIGHT,
            drain: DRAIN,
        }
    }
}

/// Serves `router` on `listener` until `stop` is cancelled, then drains.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    stop: CancellationToken,
) -> std::io::Result<()> {
    let router = router.layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                busy("igdesk is answering as many requests as it can: try again shortly")
            }))
            .load_shed()
            .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                limits.max_in_flight,
            ))
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                limits.request_timeout,
            )),
    );
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            _ = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            // Each request knows its peer's address (sign-in limits count per address).
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(Body::new))
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(limits.drain) => {
            tracing::warn!(drain = ?limits.drain, "connections still open after the drain: closed");
        }
    }
    Ok(())
}

/// 503 with igdesk's error body.
fn busy(message: &str) -> axum::response::Response {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message).into_response()
}

/// One connection over the limit: told so, then closed.
async fn refuse(mut stream: TcpStream) {
    let body = r#"{"code":"busy","message":"igdesk has as many connections open as it takes: try again shortly"}"#;
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\nretry-after: 1\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}
