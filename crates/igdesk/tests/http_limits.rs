//! The HTTP server's limits (src/http_server.rs), over real TCP with the limits made
//! short: a head that never ends closes its connection, a body that stalls is
//! answered 408, one connection too many and one request too many are answered 503,
//! and stopping does not wait for a client that never finishes.

use axum::body::Bytes;
use axum::routing::{get, post};
use axum::Router;
use igdesk::http_server::{serve, Limits};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

const SHORT: Limits = Limits {
    header_timeout: Duration::from_millis(300),
    request_timeout: Duration::from_millis(500),
    max_connections: 3,
    max_in_flight: 1,
    drain: Duration::from_millis(500),
};

struct Server {
    addr: std::net::SocketAddr,
    stop: CancellationToken,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
    release: Arc<Notify>,
}

async fn start(limits: Limits) -> Server {
    let release = Arc::new(Notify::new());
    let held = release.clone();
    let router = Router::new()
        .route("/", get(|| async { "hello" }))
        .route("/echo", post(|body: Bytes| async move { body }))
        .route(
            "/held",
            get(move || {
                let held = held.clone();
                async move {
                    held.notified().await;
                    "released"
                }
            }),
        );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    let done = tokio::spawn(serve(listener, router, limits, stop.clone()));
    Server {
        addr,
        stop,
        done,
        release,
    }
}

/// Everything the server sends until it closes (or `within` passes: `None`).
async fn read_answer(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(within, stream.read_to_end(&mut got)).await;
    read.ok()
        .map(|_| String::from_utf8_lossy(&got).into_owned())
}

async fn request(addr: std::net::SocketAddr, raw: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(raw.as_bytes()).await.unwrap();
    stream
}

#[tokio::test]
async fn a_head_that_never_ends_loses_its_connection() {
    let server = start(SHORT).await;
    let began = Instant::now();
    let mut slow = request(server.addr, "GET / HTTP/1.1\r\nHost: igdesk\r\n").await;
    let answer = read_answer(&mut slow, Duration::from_secs(5)).await;
    assert!(answer.is_some(), "the connection is closed");
    assert!(
        began.elapsed() < Duration::from_secs(3),
        "{:?}",
        began.elapsed()
    );
    // A whole request is answered as usual.
    let mut quick = request(
        server.addr,
        "GET / HTTP/1.1\r\nHost: igdesk\r\nConnection: close\r\n\r\n",
    )
    .await;
    let answer = read_answer(&mut quick, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn a_body_that_stalls_is_answered_408() {
    let server = start(SHORT).await;
    let mut stalled = request(
        server.addr,
        "POST /echo HTTP/1.1\r\nHost: igdesk\r\nContent-Length: 100\r\n\r\nonly ten b",
    )
    .await;
    let answer = read_answer(&mut stalled, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn one_request_too_many_is_answered_503_at_once() {
    let server = start(SHORT).await;
    let held = request(
        server.addr,
        "GET /held HTTP/1.1\r\nHost: igdesk\r\nConnection: close\r\n\r\n",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut second = request(
        server.addr,
        "GET / HTTP/1.1\r\nHost: igdesk\r\nConnection: close\r\n\r\n",
    )
    .await;
    let answer = read_answer(&mut second, Duration::from_secs(2))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains(r#""code":"busy""#), "{answer}");
    server.release.notify_waiters();
    drop(held);
}

#[tokio::test]
async fn one_connection_too_many_is_answered_503() {
    let server = start(Limits {
        header_timeout: Duration::from_secs(30),
        ..SHORT
    })
    .await;
    // Three connections open and idle (a head begun), the most allowed.
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(request(server.addr, "GET / HTTP/1.1\r\n").await);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut fourth = request(
        server.addr,
        "GET / HTTP/1.1\r\nHost: igdesk\r\nConnection: close\r\n\r\n",
    )
    .await;
    let answer = read_answer(&mut fourth, Duration::from_secs(2))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    // One closes: a new one is served again.
    drop(idle.pop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = request(
        server.addr,
        "GET / HTTP/1.1\r\nHost: igdesk\r\nConnection: close\r\n\r\n",
    )
    .await;
    let answer = read_answer(&mut again, Duration::from_secs(2))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn stopping_does_not_wait_for_a_client_that_never_finishes() {
    let server = start(Limits {
        header_timeout: Duration::from_secs(30),
        ..SHORT
    })
    .await;
    let _slow = request(server.addr, "GET / HTTP/1.1\r\nHost: igdesk\r\n").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let began = Instant::now();
    server.stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), server.done)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
    assert!(
        began.elapsed() < Duration::from_secs(3),
        "{:?}",
        began.elapsed()
    );
}
