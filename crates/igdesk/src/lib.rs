//! igdesk: Instagram customer service, self-hosted. This crate is the binary's body:
//! command line, settings, the HTTP faces (Meta's webhooks in `webhooks/`, the JSON
//! API in `api/`, the console's pages in `web/`, composed in `router`), the services
//! below them, the intake writer and the background workers.

pub mod accounts;
pub mod api;
pub mod app;
pub mod bench;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod http_server;
pub mod intake;
pub mod live;
pub mod ops;
pub mod people;
pub mod product_tokens;
pub mod router;
pub mod server;
pub mod service;
pub mod telemetry;
pub mod wake;
pub mod web;
pub mod webhooks;
pub mod webhooks_out;
pub mod work_metrics;
pub mod workers;

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
