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
    /// HQ's key does not decrypt its embedded database (the path is kept, never the key).
    #[error("the key does not open this database ({0}): give HQ the key it was made with (db_key_file, BEATBOOK_HQ_KEY_FILE or BEATBOOK_HQ_KEY)")]
    WrongKey(String),
    /// An embedded database written before HQ encrypted its store.
    #[error("HQ's database {0} is not encrypted: stop HQ and encrypt it once with `beatbook hq admin encrypt-db`")]
    NotEncrypted(String),
    /// TLS to PostgreSQL as the URL asks cannot be set up (a bad `sslmode`, a missing or
    /// unreadable `sslrootcert`).
    #[error("{0}")]
    Tls(String),
    /// The database needs migrating, and the role HQ signs in as may not (the app role).
    #[error("HQ's database needs upgrading (schema {found} to {supported}) and the role HQ signs in as may not change it: run `beatbook hq admin migrate` with --db the owner's URL, then start HQ again")]
    NeedsOwner { found: i64, supported: i64 },
}

pub type Result<T> = std::result::Result<T, StorageError>;
