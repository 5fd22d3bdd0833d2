//! HQ on PostgreSQL as an app role: it adds to the op, access and admin logs, and never changes
//! or deletes them. The owner migrates and grants (`grant-app-role`); HQ then works as the role
//! (enrol, sign in, push, pull, the dashboard, the retention sweep clearing text through the
//! owner's functions), and the role's own UPDATE, DELETE, TRUNCATE or trigger switch on a log is
//! refused by PostgreSQL. Skipped like the other PostgreSQL tests (`BEATBOOK_SKIP_POSTGRES=1`).

// Only the PostgreSQL helpers of the harness: no stories here.
#[allow(unused_macros, unused_imports)]
mod support;

use beatbook_domain::retention::PastReview;
use beatbook_domain::RecordKind;
use beatbook_hq::storage::postgres::PostgresStorage;
use beatbook_hq::storage::StorageError;
use beatbook_hq::HqSettings;
use std::sync::Arc;
use support::http::{Device, Hq};
use support::{pg_client, pg_url, postgres_available, with_schema};

/// A role and a schema of the test's own, dropped afterwards whatever happens.
struct Scratch {
    role: String,
    schema: String,
}

impl Scratch {
    async fn new() -> Scratch {
        let n = rand::random::<u64>();
        let s = Scratch {
            role: format!("hq_app_{n:016x}"),
            schema: format!("t_{n:016x}"),
        };
        pg_client(&pg_url())
            .await
            .batch_execute(&format!("CREATE ROLE {} LOGIN", s.role))
            .await
            .unwrap();
        s
    }

    fn owner_url(&self) -> String {
        with_schema(&pg_url(), &self.schema)
    }

    /// The test server's URL, signing in as the app role (trust authentication on 127.0.0.1).
    fn app_url(&self) -> String {
        let url = pg_url();
        let rest = url
            .split_once("://")
            .map(|(_, r)| r.split_once('@').map_or(r, |(_, host)| host))
            .unwrap()
            .to_owned();
        with_schema(&format!("postgres://{}@{rest}", self.role), &self.schema)
    }

    async fn drop_all(&self) {
        let c = pg_client(&pg_url()).await;
        let _ = c
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
                self.schema
            ))
            .await;
        let _ = c
            .batch_execute(&format!(
                "DROP OWNED BY {0}; DROP ROLE IF EXISTS {0}",
                self.role
            ))
            .await;
    }
}

/// The database's refusal, in its own words, of `sql` run as the app role.
async fn as_app(scratch: &Scratch, sql: &str) -> Result<(), String> {
    let (client, conn) = tokio_postgres::connect(
        &scratch
            .app_url()
            .replace(&format!("?schema={}", scratch.schema), ""),
        tokio_postgres::NoTls,
    )
    .await
    .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute(&format!("SET search_path TO \"{}\"; {sql}", scratch.schema))
        .await
        .map_err(|e| {
            e.as_db_error()
                .map(|d| d.message().to_owned())
                .unwrap_or_else(|| e.to_string())
        })
}

async fn story(scratch: &Scratch) {
    // The owner makes the schema and lets the role run HQ.
    let owner = PostgresStorage::connect(&scratch.owner_url())
        .await
        .unwrap();
    owner.grant_app_role(&scratch.role).await.unwrap();
    let e = owner.grant_app_role("no_such_role_here").await.unwrap_err();
    assert!(e.to_string().contains("CREATE ROLE"), "{e}");

    // HQ as the role: seeded, a tablet enrols, signs in, pushes and pulls; a supervisor signs
    // in at the dashboard (the admin log).
    let app: Arc<dyn beatbook_hq::Storage> =
        Arc::new(PostgresStorage::connect(&scratch.app_url()).await.unwrap());
    beatbook_hq::admin::seed_demo(app.as_ref(), support::http::PASSWORD)
        .await
        .unwrap();
    let mut settings = HqSettings::default();
    settings
        .retention
        .past_review
        .insert(RecordKind::Concern, PastReview::Dispose);
    let hq = Hq::new(app.clone(), settings);
    let mut tablet = Device::enrol(&hq, "PC4127").await;
    tablet
        .create(
            &hq,
            &support::device::concern("Bins set alight behind the parade"),
        )
        .await;
    assert_eq!(tablet.pull(&hq).await.len(), 1);
    hq.sign_in("PS1102").await;
    let admin_log = app
        .admin_log(&beatbook_hq::storage::AdminLogQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!admin_log.is_empty());

    // The sweep, years on: the concern is disposed of and its op text cleared, and the logs'
    // old text is cleared, all through the owner's functions.
    let later = chrono::Utc::now() + chrono::Duration::days(365 * 12);
    let report = beatbook_hq::retention::sweep(&hq.state, later)
        .await
        .unwrap();
    assert_eq!(report.disposed, 1, "{}", report.describe());
    assert_eq!(report.erased.records, 1, "{}", report.describe());
    assert!(report.log_rows_cleared > 0, "{}", report.describe());

    // Behind HQ's back, the role may add to the logs, but never change or delete them.
    for sql in [
        "UPDATE op_log SET outcome = 'rejected'",
        "DELETE FROM op_log",
        "TRUNCATE op_log",
        "UPDATE access_log SET detail = 'nothing to see'",
        "DELETE FROM access_log",
        "UPDATE admin_log SET detail = 'nothing happened'",
        "DELETE FROM admin_log",
        "TRUNCATE admin_log",
        "ALTER TABLE op_log DISABLE TRIGGER op_log_no_update",
        "DROP TABLE admin_log",
    ] {
        let refused = as_app(scratch, sql).await.expect_err(sql);
        assert!(
            refused.contains("permission denied") || refused.contains("must be owner"),
            "{sql}: {refused}"
        );
    }
    // Nor may it grant itself more.
    let refused = as_app(scratch, "INSERT INTO app_roles VALUES ('mallory')")
        .await
        .unwrap_err();
    assert!(refused.contains("permission denied"), "{refused}");

    // An upgrade needs the owner: the role is told so, in words.
    pg_client(&pg_url())
        .await
        .batch_execute(&format!(
            "DELETE FROM \"{0}\".schema_migrations WHERE version = (SELECT max(version) FROM \"{0}\".schema_migrations)",
            scratch.schema
        ))
        .await
        .unwrap();
    match PostgresStorage::connect(&scratch.app_url()).await {
        Err(e @ StorageError::NeedsOwner { .. }) => {
            assert!(e.to_string().contains("owner's URL"), "{e}")
        }
        Err(other) => panic!("expected NeedsOwner, got {other}"),
        Ok(_) => panic!("the app role upgraded the schema"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_runs_as_an_app_role_that_can_add_to_the_logs_but_never_change_them() {
    if !postgres_available().await {
        return;
    }
    let scratch = Scratch::new().await;
    let outcome = tokio::spawn({
        let s = Scratch {
            role: scratch.role.clone(),
            schema: scratch.schema.clone(),
        };
        async move { story(&s).await }
    })
    .await;
    scratch.drop_all().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
