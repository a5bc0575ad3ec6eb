//! The store's pool hands out a connection without first asking the server whether
//! it is still there, unless the connection has been idle for a while (a round trip
//! saved before every statement). These check that a connection the server dropped
//! while it was idle (a restart, an idle timeout, an administrator) is still never
//! handed out.

use igdesk_store::prelude::*;
use igdesk_store::testing::fresh_postgres_url;
use sqlx::Connection as _;
use std::time::Duration;

/// Longer than the pool lets a connection idle before it checks it again.
const IDLE: Duration = Duration::from_millis(1_500);

/// Ends every other session on the test's database, as a server restart would.
async fn drop_sessions(url: &str) -> u64 {
    let mut admin = sqlx::PgConnection::connect(url).await.unwrap();
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    ended.into_iter().filter(|ended| *ended).count() as u64
}

#[tokio::test]
async fn on_postgres_connections_the_server_ended_while_idle_are_replaced_before_use() {
    let url = fresh_postgres_url().await;
    let store = igdesk_store::connect(&url).await.unwrap();
    // Several connections in the pool, each used once.
    let reads = tokio::join!(
        store.next_offer_expiry(),
        store.next_offer_expiry(),
        store.next_offer_expiry(),
        store.next_offer_expiry()
    );
    for read in [reads.0, reads.1, reads.2, reads.3] {
        assert_eq!(read.unwrap(), None);
    }
    assert!(drop_sessions(&url).await > 0, "the pool had sessions open");
    tokio::time::sleep(IDLE).await;

    for n in 0..20 {
        let read = store.next_offer_expiry().await;
        assert!(read.is_ok(), "read {n} after the sessions ended: {read:?}");
    }
}
