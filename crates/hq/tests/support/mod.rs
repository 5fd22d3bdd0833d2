//! What the HQ test files share: the PostgreSQL server their PostgreSQL variants use
//! (`BEATBOOK_TEST_POSTGRES`, default `postgres://postgres@127.0.0.1:5432/test`;
//! `BEATBOOK_SKIP_POSTGRES=1` skips them), a schema of its own for each test, and running a story
//! so that its panic fails the test after the schema is dropped. Each file keeps its own
//! `on_sqlite`/`on_postgres`, because each hands its stories something different.
#![allow(dead_code)]

use std::future::Future;

pub fn pg_url() -> String {
    std::env::var("BEATBOOK_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub fn with_schema(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}schema={schema}")
}

/// A new schema name, and the URL of the test server that selects it.
pub fn fresh_schema() -> (String, String) {
    let schema = format!("t_{:016x}", rand::random::<u64>());
    let url = with_schema(&pg_url(), &schema);
    (schema, url)
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
pub async fn run_story(story: impl Future<Output = ()> + Send + 'static, schema: Option<String>) {
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
