//! The HQ tests' one harness. A story is an async function told to a fresh database: SQLite in a
//! temp dir always, and PostgreSQL (`BEATBOOK_TEST_POSTGRES`, default
//! `postgres://postgres@127.0.0.1:5432/test`; `BEATBOOK_SKIP_POSTGRES=1` skips it) in a schema of
//! its own, dropped afterwards whatever happens. `story!(name)` makes a story's two tests.
//!
//! A story takes a [`Db`], or whatever its file makes from one ([`FromDb`]): the storage story a
//! storage handle, the dashboard's an HQ with its demo data.
#![allow(dead_code)]

pub mod device;
pub mod http;

use beatbook_hq::keys::HqKey;
use beatbook_hq::storage::postgres::PostgresStorage;
use beatbook_hq::storage::sqlite::SqliteStorage;
use beatbook_hq::Storage;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

/// The key the tests' embedded databases are encrypted with (HQ's store is always encrypted).
pub fn key() -> HqKey {
    HqKey::from_bytes([0x5a; 32])
}

/// A connection straight to a test's embedded database, keyed, behind the storage's back.
pub fn sqlite_conn(path: &std::path::Path) -> rusqlite::Connection {
    beatbook_hq::storage::sqlite::connect(path, &key()).unwrap()
}

/// One test per backend for a story told the same way to both.
macro_rules! story {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::support::on_sqlite(super::$name).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::support::on_postgres(super::$name).await
            }
        }
    };
}
pub(crate) use story;

/// A fresh database for one story.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(PathBuf),
    /// A schema of its own on the test server.
    Postgres {
        schema: String,
    },
}

impl Db {
    /// A storage handle on the database: a fresh one each time, as another HQ process would have.
    pub async fn open(&self) -> Arc<dyn Storage> {
        let storage: Arc<dyn Storage> = match self {
            Db::Sqlite(path) => Arc::new(SqliteStorage::open(path, &key()).unwrap()),
            Db::Postgres { .. } => Arc::new(PostgresStorage::connect(&self.url()).await.unwrap()),
        };
        let backend = match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres { .. } => "postgres",
        };
        assert_eq!(storage.backend(), backend);
        storage
    }

    /// The `--db` value that names the database.
    pub fn url(&self) -> String {
        match self {
            Db::Sqlite(path) => format!("sqlite:{}", path.display()),
            Db::Postgres { schema } => with_schema(&pg_url(), schema),
        }
    }

    /// Run SQL on the database directly, behind the storage's back; the error text if it fails.
    pub async fn exec(&self, sql: &str) -> Result<(), String> {
        match self {
            Db::Sqlite(path) => {
                let c = beatbook_hq::storage::sqlite::connect(path, &key())
                    .map_err(|e| e.to_string())?;
                c.execute_batch(sql).map_err(|e| e.to_string())
            }
            Db::Postgres { schema } => {
                let client = pg_client(&pg_url()).await;
                client
                    .batch_execute(&format!("SET search_path TO \"{schema}\""))
                    .await
                    .unwrap();
                client.batch_execute(sql).await.map_err(|e| {
                    e.as_db_error()
                        .map(|d| d.message().to_owned())
                        .unwrap_or_else(|| e.to_string())
                })
            }
        }
    }
}

/// What a story is told to, made from its fresh database.
pub trait FromDb: Sized + Send + 'static {
    fn from_db(db: Db) -> impl Future<Output = Self> + Send;
}

impl FromDb for Db {
    async fn from_db(db: Db) -> Self {
        db
    }
}

/// Tell a story against SQLite in a fresh temp dir.
pub async fn on_sqlite<T, F, Fut>(story: F)
where
    T: FromDb,
    F: FnOnce(T) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().unwrap();
    let db = Db::Sqlite(dir.path().join("hq.db"));
    run_story(async move { story(T::from_db(db).await).await }, None).await;
}

/// Tell a story against PostgreSQL in a fresh schema, dropped afterwards whatever happens.
pub async fn on_postgres<T, F, Fut>(story: F)
where
    T: FromDb,
    F: FnOnce(T) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    if !postgres_available().await {
        return;
    }
    let schema = format!("t_{:016x}", rand::random::<u64>());
    let db = Db::Postgres {
        schema: schema.clone(),
    };
    run_story(
        async move { story(T::from_db(db).await).await },
        Some(schema),
    )
    .await;
}

pub fn pg_url() -> String {
    std::env::var("BEATBOOK_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub fn with_schema(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}schema={schema}")
}

pub async fn pg_client(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connecting to PostgreSQL: {e}"));
    tokio::spawn(conn);
    client
}

/// Whether PostgreSQL variants should run: panics with a clear message when the server is
/// unreachable, unless told to skip.
pub async fn postgres_available() -> bool {
    let url = pg_url();
    let probe = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        tokio_postgres::connect(&url, tokio_postgres::NoTls),
    )
    .await;
    match probe {
        Ok(Ok(_)) => true,
        failure => {
            let why = match failure {
                Ok(Err(e)) => e.to_string(),
                _ => "timed out".to_owned(),
            };
            if std::env::var("BEATBOOK_SKIP_POSTGRES").as_deref() == Ok("1") {
                eprintln!("skipping the PostgreSQL variant: {why}");
                false
            } else {
                panic!(
                    "PostgreSQL is not reachable at {url} ({why}). Start it, point \
                     BEATBOOK_TEST_POSTGRES at one, or set BEATBOOK_SKIP_POSTGRES=1 to skip"
                );
            }
        }
    }
}

/// Run a story as its own task, then drop its schema (if it has one) whatever happened, then fail
/// the test if the story panicked.
async fn run_story(story: impl Future<Output = ()> + Send + 'static, schema: Option<String>) {
    let outcome = tokio::spawn(story).await;
    if let Some(schema) = schema {
        pg_client(&pg_url())
            .await
            .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await
            .unwrap();
    }
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
