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
    pub fn is_transient_conflict(&self) -> bool {
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
