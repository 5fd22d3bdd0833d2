//! The PostgreSQL backend's schema: append-only migrations, embedded at compile time and applied
//! when HQ connects, all in one transaction under an advisory lock, so HQ processes starting
//! together do not race. `schema_migrations` lists those applied. A shipped migration is never
//! edited; a change is a new file.
//!
//! A migration may need work SQL cannot do (0007 re-chains the op log with the new hash
//! formula, 0010 chains the access log): its file then holds a step line, `-- step: NAME --`
//! (0007's `-- rechain --` is the step `rechain`), and HQ's own step of that name runs there,
//! between the two halves, in the same transaction (see [`crate::storage::split_step`]).

use super::to_i64;
use crate::push::{chain_hash, chain_hash_v1, op_sha256, review_on, GENESIS};
use crate::storage::{Result, StorageError};
use beatbook_domain::merge::RecordState;
use chrono::NaiveDate;
use deadpool_postgres::Transaction;
use uuid::Uuid;

/// Rows read at a time by the migration's own step.
const PAGE: i64 = 5_000;

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/0001_init.sql"),
    include_str!("../../../migrations/postgres/0002_change_feed.sql"),
    include_str!("../../../migrations/postgres/0003_access_log.sql"),
    include_str!("../../../migrations/postgres/0004_dashboard.sql"),
    include_str!("../../../migrations/postgres/0005_framework.sql"),
    include_str!("../../../migrations/postgres/0006_sign_in_throttle.sql"),
    include_str!("../../../migrations/postgres/0007_lifecycle.sql"),
    include_str!("../../../migrations/postgres/0008_outcomes.sql"),
    include_str!("../../../migrations/postgres/0009_purposes.sql"),
    include_str!("../../../migrations/postgres/0010_chains.sql"),
    include_str!("../../../migrations/postgres/0011_device_reads.sql"),
    include_str!("../../../migrations/postgres/0012_subject_access.sql"),
    include_str!("../../../migrations/postgres/0013_sessions.sql"),
    include_str!("../../../migrations/postgres/0014_enrolment.sql"),
    include_str!("../../../migrations/postgres/0016_app_role.sql"),
];

/// The logs HQ's app role may add to but never change or delete (see [`apply_grants`]).
pub(super) const APPEND_ONLY: &[&str] = &[
    "op_log",
    "access_log",
    "admin_log",
    "device_reads",
    "retention_decisions",
    "subject_redactions",
];

/// The functions through which the app role clears log text (migration 0016).
const OWNER_FUNCTIONS: &[&str] = &[
    "beatbook_clear_disposed_ops(UUID[])",
    "beatbook_forget_old_log_text(TIMESTAMPTZ, TIMESTAMPTZ)",
];

/// A role name as SQL: quoted, so any name is taken as it is.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Give every app role (`app_roles`) what HQ needs in the current schema and no more: read and
/// write HQ's tables, but only read and add to the logs; clear log text through the owner's
/// functions. Run after every upgrade, so new tables are covered.
pub(super) async fn apply_grants(tx: &Transaction<'_>) -> Result<()> {
    let roles: Vec<String> = tx
        .query("SELECT role FROM app_roles ORDER BY role", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let schema: String = tx.query_one("SELECT current_schema()", &[]).await?.get(0);
    let schema = ident(&schema);
    let logs = APPEND_ONLY.join(", ");
    for role in roles {
        let role = ident(&role);
        let mut sql = format!(
            "GRANT USAGE ON SCHEMA {schema} TO {role};
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role};
             GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role};
             REVOKE UPDATE, DELETE, TRUNCATE ON {logs} FROM {role};
             REVOKE ALL ON app_roles, schema_migrations FROM {role};
             GRANT SELECT ON schema_migrations TO {role};"
        );
        for f in OWNER_FUNCTIONS {
            sql.push_str(&format!("GRANT EXECUTE ON FUNCTION {f} TO {role};"));
        }
        tx.batch_execute(&sql).await?;
    }
    Ok(())
}

/// Record `role` as an app role and grant it what it needs (see [`apply_grants`]).
pub(super) async fn grant_app_role(
    client: &mut deadpool_postgres::Object,
    role: &str,
) -> Result<()> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let exists: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)",
            &[&role],
        )
        .await?
        .get(0);
    if !exists {
        return Err(StorageError::NotFound(format!(
            "there is no PostgreSQL role {role:?}: create it first (CREATE ROLE {role} LOGIN PASSWORD '...')"
        )));
    }
    tx.execute(
        "INSERT INTO app_roles (role) VALUES ($1) ON CONFLICT DO NOTHING",
        &[&role],
    )
    .await?;
    apply_grants(&tx).await?;
    Ok(tx.commit().await?)
}

/// Whether a failure is PostgreSQL refusing the role a right.
fn refused(e: &StorageError) -> bool {
    matches!(e, StorageError::Postgres(pg)
        if pg.code() == Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE))
}

/// The advisory lock migrations take: one for the whole database.
const MIGRATION_LOCK: i64 = 0x6265_6174_626f_6f6b; // "beatbook"

/// Create the schema if asked for and apply the migrations it has not had; refuse a database
/// migrated by a newer HQ.
pub(super) async fn run(
    client: &mut deadpool_postgres::Object,
    schema: Option<&str>,
) -> Result<()> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    // Read first: a database already up to date needs nothing HQ's app role may not do.
    if let Some(name) = schema {
        let exists: bool = tx
            .query_one("SELECT to_regnamespace($1) IS NOT NULL", &[&ident(name)])
            .await?
            .get(0);
        if !exists {
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{name}\""))
                .await?;
        }
        tx.batch_execute(&format!("SET search_path TO \"{name}\""))
            .await?;
    }
    let has_table: bool = tx
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
        .await?
        .get(0);
    if !has_table {
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version    BIGINT PRIMARY KEY,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )",
        )
        .await?;
    }
    let found: i64 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .await?
        .get(0);
    let supported = MIGRATIONS.len() as i64;
    if found > supported {
        return Err(StorageError::NewerSchema { found, supported });
    }
    if found == supported {
        return Ok(tx.commit().await?);
    }
    let migrated = migrate(&tx, found).await;
    match migrated {
        Err(e) if refused(&e) => Err(StorageError::NeedsOwner { found, supported }),
        Err(e) => Err(e),
        Ok(()) => Ok(tx.commit().await?),
    }
}

/// Apply the migrations after `found`, then bring the app roles' grants up to date.
async fn migrate(tx: &Transaction<'_>, found: i64) -> Result<()> {
    // Functions made SECURITY DEFINER keep this path (`SET search_path FROM CURRENT`): HQ's own
    // schema, and temporary tables last, so nobody's temporary table stands in for HQ's.
    tx.batch_execute(
        "SELECT set_config('search_path', quote_ident(current_schema()) || ', pg_temp', true)",
    )
    .await?;
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or_default())
    {
        match crate::storage::split_step(sql) {
            Some((before, step, after)) => {
                tx.batch_execute(before).await?;
                match step {
                    "rechain" => lifecycle_step(tx).await?,
                    "access_chain" => access_chain_step(tx).await?,
                    other => {
                        return Err(StorageError::Corrupt(format!("no migration step {other}")))
                    }
                }
                tx.batch_execute(after).await?;
            }
            None => tx.batch_execute(sql).await?,
        }
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&(i as i64 + 1)],
        )
        .await?;
    }
    apply_grants(tx).await
}

/// Migration 0007's own step: re-chain every device's op log with the new formula (each op's
/// SHA-256 in place of its text), and fill each record's review date and creation time.
async fn lifecycle_step(tx: &Transaction<'_>) -> Result<()> {
    let devices: Vec<Uuid> = tx
        .query("SELECT DISTINCT device_id FROM op_log", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for device in devices {
        rechain_device(tx, device).await?;
    }
    let mut after = i64::MIN;
    loop {
        let page = tx
            .query(
                "SELECT server_seq, id, state FROM records WHERE server_seq > $1 ORDER BY server_seq LIMIT $2",
                &[&after, &PAGE],
            )
            .await?;
        let Some(last) = page.last() else { break };
        after = last.get(0);
        let mut ids: Vec<Uuid> = Vec::with_capacity(page.len());
        let mut reviews: Vec<Option<NaiveDate>> = Vec::with_capacity(page.len());
        let mut created: Vec<i64> = Vec::with_capacity(page.len());
        for r in &page {
            let state: RecordState = serde_json::from_str(r.get(2))?;
            ids.push(r.get(1));
            reviews.push(review_on(&state));
            created.push(to_i64(state.created.hlc.wall_ms));
        }
        tx.execute(
            "UPDATE records AS r SET review_on = t.review_on, created_ms = t.created_ms
             FROM UNNEST($1::uuid[], $2::date[], $3::bigint[]) AS t(id, review_on, created_ms)
             WHERE r.id = t.id",
            &[&ids, &reviews, &created],
        )
        .await?;
    }
    Ok(())
}

/// Re-chain one device's op log. Where the old chain was already broken, the rows from the break
/// on keep their old links, so the new chain breaks at the same op: migrating never mends a log
/// that was tampered with.
async fn rechain_device(tx: &Transaction<'_>, device: Uuid) -> Result<()> {
    let mut old_prev = GENESIS.to_owned();
    let mut new_prev = GENESIS.to_owned();
    let mut intact = true;
    let mut after = i64::MIN;
    loop {
        let page = tx
            .query(
                "SELECT device_seq, op, outcome, prev_hash, hash FROM op_log
                 WHERE device_id = $1 AND device_seq > $2 ORDER BY device_seq LIMIT $3",
                &[&device, &after, &PAGE],
            )
            .await?;
        let Some(last) = page.last() else { break };
        after = last.get(0);
        let (mut seqs, mut shas, mut prevs, mut hashes) = (vec![], vec![], vec![], vec![]);
        for r in &page {
            let op: String = r.get(1);
            let outcome: String = r.get(2);
            let prev_hash: String = r.get(3);
            let hash: String = r.get(4);
            let sha = op_sha256(&op);
            intact =
                intact && prev_hash == old_prev && hash == chain_hash_v1(&old_prev, &op, &outcome);
            seqs.push(r.get::<_, i64>(0));
            if intact {
                old_prev = hash;
                let new_hash = chain_hash(&new_prev, &sha, &outcome);
                prevs.push(std::mem::replace(&mut new_prev, new_hash.clone()));
                hashes.push(new_hash);
            } else {
                // Only the op's hash is filled in; the link stays as it was (and fails).
                prevs.push(prev_hash);
                hashes.push(hash);
            }
            shas.push(sha);
        }
        tx.execute(
            "UPDATE op_log AS l SET op_sha256 = t.sha, prev_hash = t.prev, hash = t.hash
             FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[]) AS t(seq, sha, prev, hash)
             WHERE l.device_id = $1 AND l.device_seq = t.seq",
            &[&device, &seqs, &shas, &prevs, &hashes],
        )
        .await?;
    }
    if intact {
        tx.execute(
            "UPDATE devices SET chain_head = $2 WHERE id = $1",
            &[&device, &new_prev],
        )
        .await?;
    } else {
        tracing::warn!(%device, "op log chain was already broken before migration 0007; left broken");
    }
    Ok(())
}

/// Migration 0010's own step: chain the access log's existing rows, oldest first, and set its
/// head. The log had no chain before, so there is nothing older to check.
async fn access_chain_step(tx: &Transaction<'_>) -> Result<()> {
    use crate::chains::{chain_access, ACCESS_LOG};
    use crate::dashboard::audit::AccessEntry;
    use beatbook_domain::{DeviceId, OfficerId, RecordId};
    let mut seq = 0u64;
    let mut prev = GENESIS.to_owned();
    let mut after = i64::MIN;
    loop {
        let page = tx
            .query(
                "SELECT id, at, officer_id, device_id, action, record_ids, detail, purpose FROM access_log
                 WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after, &PAGE],
            )
            .await?;
        let Some(last) = page.last() else { break };
        after = last.get(0);
        let (mut ids, mut seqs, mut texts, mut prevs, mut hashes) =
            (vec![], vec![], vec![], vec![], vec![]);
        for r in &page {
            let entry = AccessEntry {
                at: r.get(1),
                officer_id: OfficerId::new(r.get::<_, String>(2)),
                device_id: r.get::<_, Option<Uuid>>(3).map(DeviceId),
                action: r.get(4),
                record_ids: r.get::<_, Vec<Uuid>>(5).into_iter().map(RecordId).collect(),
                detail: r.get(6),
                purpose: r.get(7),
            };
            let c = chain_access(seq, &prev, &entry);
            ids.push(r.get::<_, i64>(0));
            seqs.push(to_i64(c.seq));
            texts.push(c.text_sha256);
            prevs.push(c.prev_hash);
            hashes.push(c.hash.clone());
            seq = c.seq;
            prev = c.hash;
        }
        tx.execute(
            "UPDATE access_log AS l SET seq = t.seq, text_sha256 = t.text, prev_hash = t.prev, hash = t.hash
             FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[]) AS t(id, seq, text, prev, hash)
             WHERE l.id = t.id",
            &[&ids, &seqs, &texts, &prevs, &hashes],
        )
        .await?;
    }
    tx.execute(
        "INSERT INTO chain_heads (chain, seq, hash) VALUES ($1, $2, $3)",
        &[&ACCESS_LOG, &to_i64(seq), &prev],
    )
    .await?;
    Ok(())
}
