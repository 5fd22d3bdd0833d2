//! The PostgreSQL backend, for a force: several stateless HQ processes on one database.
//!
//! Server sequences must be handed out in commit order, or a reader pulling `server_seq > cursor`
//! could pass a row that commits later with a lower number. Every push therefore takes the same
//! transaction-scoped advisory lock before it reads `server_head`, and holds it until it commits:
//! pushes to the same tables are serialised across every HQ process, and a push's rows are visible
//! before the next push can read the head it left. A batch is written in a handful of statements
//! whatever its size (binary COPY for the op log and new records, arrays for the rest). See
//! [`feed`].
//!
//! TLS is chosen in the URL as libpq's clients choose it (`sslmode`, `sslrootcert`: see [`tls`]).
//!
//! HQ may run as a role that can add to the op, access and admin logs but never change or delete
//! them (see [`PostgresStorage::grant_app_role`] and the README's "PostgreSQL: TLS and the app
//! role"): the two changes HQ makes to those logs (clearing a disposed record's op text, and the
//! logs' own retention clearing old text) go through functions that run as the owner and do only
//! that.
//!
//! The URL may carry `schema=NAME`: HQ then keeps its tables in that schema (created if missing)
//! and sets `search_path` on every pooled connection. Tests use it to isolate themselves.

mod audit;
mod device_reads;
mod devices;
mod directory;
mod feed;
mod migrations;
mod outcomes;
mod records;
mod retention;
mod sessions;
mod subject_access;
mod targets;
mod throttle;
pub mod tls;

use super::{Change, Counts, Result, StorageError, Summary};
use async_trait::async_trait;
use beatbook_domain::access::AccessFacts;
use beatbook_domain::RecordId;
use chrono::{DateTime, SubsecRound, Utc};
use deadpool_postgres::{Hook, HookError, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::time::Duration;
use tokio_postgres::Row;

const POOL_SIZE: usize = 8;

#[derive(Clone)]
pub struct PostgresStorage {
    pool: Pool,
}

/// Times are kept to the millisecond, as the SQLite backend keeps them, so both answer alike.
fn ms(d: DateTime<Utc>) -> DateTime<Utc> {
    d.trunc_subsecs(3)
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

/// A change feed row: `server_seq, id, state, facts::text`.
fn change_of(r: &Row) -> Result<Change> {
    Ok(Change {
        server_seq: to_u64(r.get(0)),
        record_id: RecordId(r.get(1)),
        state_json: r.get(2),
        facts: serde_json::from_str::<AccessFacts>(r.get(3))?,
    })
}

/// Split `schema=NAME` off a connection URL's query string. The name must be a plain identifier.
fn split_schema(url: &str) -> Result<(String, Option<String>)> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), None));
    };
    let mut schema = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.strip_prefix("schema=") {
            Some(name) => schema = Some(name.to_owned()),
            None => rest.push(pair),
        }
    }
    if let Some(name) = &schema {
        let mut chars = name.chars();
        let ok = name.len() <= 63
            && chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return Err(StorageError::Schema(name.clone()));
        }
    }
    let url = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((url, schema))
}

/// Split `sslmode` and `sslrootcert` off a connection URL's query string.
fn split_tls(url: &str) -> Result<(String, tls::TlsChoice)> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (p.to_owned(), String::new()),
        })
        .collect();
    let choice = tls::TlsChoice::take(&mut pairs)?;
    let url = if pairs.is_empty() {
        base.to_owned()
    } else {
        let rest: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{base}?{}", rest.join("&"))
    };
    Ok((url, choice))
}

impl PostgresStorage {
    /// Connect a pool to `url` (`postgres://...`, optionally `?schema=NAME`, `sslmode=...`,
    /// `sslrootcert=PATH`) and bring the schema up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        let (url, schema) = split_schema(url)?;
        let (url, tls) = split_tls(&url)?;
        let mut pg_config: tokio_postgres::Config = url.parse().map_err(StorageError::Url)?;
        pg_config.ssl_mode(tls.pg_mode());
        let manager = Manager::from_config(
            pg_config,
            tls.connector()?,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let mut builder = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(10)))
            .wait_timeout(Some(Duration::from_secs(60)));
        if let Some(name) = &schema {
            let set_path = format!("SET search_path TO \"{name}\"");
            builder = builder.post_create(Hook::async_fn(move |client, _| {
                let sql = set_path.clone();
                Box::pin(
                    async move { client.batch_execute(&sql).await.map_err(HookError::Backend) },
                )
            }));
        }
        let storage = Self {
            pool: builder.build()?,
        };
        migrations::run(&mut storage.client().await?, schema.as_deref()).await?;
        Ok(storage)
    }

    /// Let `role` run HQ (run as the owner): it may read and write HQ's tables, but only read
    /// and add to the op, access and admin logs (and the other append-only logs); it clears log
    /// text only through the owner's functions. Kept in `app_roles`, so every later upgrade
    /// grants the role what new tables need.
    pub async fn grant_app_role(&self, role: &str) -> Result<()> {
        migrations::grant_app_role(&mut self.client().await?, role).await
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        Ok(self.pool.get().await?)
    }
}

#[async_trait]
impl Summary for PostgresStorage {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn counts(&self) -> Result<Counts> {
        let r = self
            .client()
            .await?
            .query_one(
                "SELECT (SELECT count(*) FROM records), (SELECT count(*) FROM op_log),
                        (SELECT count(*) FROM devices), (SELECT count(*) FROM officers)",
                &[],
            )
            .await?;
        Ok(Counts {
            records: to_u64(r.get(0)),
            ops: to_u64(r.get(1)),
            devices: to_u64(r.get(2)),
            officers: to_u64(r.get(3)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{split_schema, PostgresStorage, StorageError};

    /// The error, its `Debug`, and every cause under it.
    fn everything_shown(e: &StorageError) -> String {
        let mut shown = format!("{e} {e:?}");
        let mut source = std::error::Error::source(e);
        while let Some(cause) = source {
            shown.push_str(&format!(" {cause}"));
            source = cause.source();
        }
        shown
    }

    #[tokio::test]
    async fn no_storage_error_shows_the_password_in_a_database_url() {
        for url in [
            // Nothing listens on port 1.
            "postgres://hq:s3cret@127.0.0.1:1/hq",
            "postgres://hq:s3cret@127.0.0.1/hq?sslmode=bogus",
            "postgres://hq:s3cret@127.0.0.1/hq?schema=a-b",
        ] {
            let e = PostgresStorage::connect(url).await.err().expect(url);
            let shown = everything_shown(&e);
            assert!(!shown.contains("s3cret"), "{shown}");
        }
        let e = crate::open_storage("mysql://hq:s3cret@db/hq", &crate::keys::HqKey::random())
            .await
            .err()
            .unwrap();
        let shown = everything_shown(&e);
        assert!(shown.contains("unknown database"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn the_schema_parameter_is_split_off_the_url() {
        let (url, schema) =
            split_schema("postgres://u@h:5432/db?schema=t_1&sslmode=disable").unwrap();
        assert_eq!(url, "postgres://u@h:5432/db?sslmode=disable");
        assert_eq!(schema.as_deref(), Some("t_1"));
        let (url, schema) = split_schema("postgres://u@h/db?schema=abc").unwrap();
        assert_eq!(url, "postgres://u@h/db");
        assert_eq!(schema.as_deref(), Some("abc"));
        let (url, schema) = split_schema("postgres://u@h/db").unwrap();
        assert_eq!(url, "postgres://u@h/db");
        assert_eq!(schema, None);
        assert!(split_schema("postgres://u@h/db?schema=a\"b").is_err());
        assert!(split_schema("postgres://u@h/db?schema=").is_err());
    }
}
