#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("{0} already exists")]
    Conflict(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("unsupported database URL {0:?}: use sqlite://FILE or postgres://…")]
    UnsupportedUrl(String),
}

impl StoreError {
    /// PostgreSQL ended the transaction to break a deadlock (`40P01`) or a
    /// serialization conflict (`40001`): the same work done again succeeds.
    fn is_transient_conflict(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => {
                matches!(db.code().as_deref(), Some("40P01" | "40001"))
            }
            _ => false,
        }
    }

    pub(crate) fn from_insert(e: sqlx::Error, what: impl Into<String>) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(what.into())
            }
            _ => StoreError::Database(e),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

/// Times a transaction is run in all while PostgreSQL ends it to break a conflict.
const CONFLICT_TRIES: usize = 3;

/// Runs `attempt` (one whole transaction) again, at once, while PostgreSQL ends it
/// to break a deadlock or a serialization conflict, [`CONFLICT_TRIES`] times in all.
/// Writers take customers' rows in id order so as not to meet in a cycle, but they
/// write other rows too; the one PostgreSQL ends succeeds once the other is
/// through, and its caller (a client, a customer's next delivery) should not pay
/// for the cycle.
pub(crate) async fn through_conflicts<T, Fut>(
    mut attempt: impl FnMut() -> Fut,
) -> Result<T, StoreError>
where
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let mut tries = 1;
    loop {
        match attempt().await {
            Err(e) if e.is_transient_conflict() && tries < CONFLICT_TRIES => {
                tracing::info!(error = %e, tries, "a transaction ended by a conflict; again");
                tries += 1;
            }
            result => return result,
        }
    }
}
