//! What can go wrong in storage. A failure of the database keeps the database's own error as its
//! source, so the cause reaches the log; none of these holds a database URL, so no password can
//! reach a log or `Debug` output.

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("SQLite failed")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL failed")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("no PostgreSQL connection")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("the PostgreSQL connection pool could not be made")]
    PoolBuild(#[from] deadpool_postgres::BuildError),
    #[error("the PostgreSQL URL is not valid")]
    Url(#[source] tokio_postgres::Error),
    /// The URL's `schema=NAME` is not a plain identifier.
    #[error("schema {0:?} in the database URL: use letters, digits and _ only")]
    Schema(String),
    /// Neither `sqlite:PATH` nor `postgres://...`; the URL is kept with its password hidden.
    #[error("unknown database {0:?}: use sqlite:PATH or postgres://...")]
    UnknownDatabase(String),
    #[error("{action} failed")]
    Io {
        action: String,
        #[source]
        source: std::io::Error,
    },
    /// A task running storage work off the async workers ended without an answer.
    #[error("a storage task failed")]
    Task(#[from] tokio::task::JoinError),
    #[error("the SQLite connection is unusable: a storage task panicked while holding it")]
    Poisoned,
    #[error("a push for device {0}, which HQ does not hold")]
    NoDevice(beatbook_domain::DeviceId),
    #[error("JSON could not be read or written")]
    Json(#[from] serde_json::Error),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("the database schema is newer ({found}) than this HQ knows ({supported}): upgrade HQ")]
    NewerSchema { found: i64, supported: i64 },
    #[error("{0}")]
    Conflict(String),
    /// Something the request names is not there (a record a decision names).
    #[error("{0}")]
    NotFound(String),
}

pub type Result<T> = std::result::Result<T, StorageError>;
