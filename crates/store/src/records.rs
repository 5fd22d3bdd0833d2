//! Writing and reading records.

use crate::lifecycle::{Keep, NotStored};
use crate::{DeviceState, Store, StoreError};
use beatbook_domain::area::Area;
use beatbook_domain::concern::{Concern, ConcernUpdate, NewConcern};
use beatbook_domain::improvement::ImprovementAction;
use beatbook_domain::intel::{IntelReport, IntelSource};
use beatbook_domain::meeting::{Meeting, Priority, YouSaidWeDid};
use beatbook_domain::merge::{LogEntry, RecordState};
use beatbook_domain::patrol::{Engagement, NewEngagement, NewPatrolLog, PatrolLog};
use beatbook_domain::views::{ListFilter, RecordSummary};
use beatbook_domain::{AreaId, Op, OpAction, Record, RecordId, RecordKind};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params_from_iter, Connection, OptionalExtension, Transaction};

/// A record read back from the store, with what the device knows about it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct StoredRecord<R> {
    pub id: RecordId,
    pub record: R,
    pub created_by: beatbook_domain::OfficerId,
    pub conflicts: Vec<String>,
    pub pending_ops: u32,
    /// Append-only entries, oldest first (e.g. "You said, we did" updates).
    pub log: Vec<LogEntry>,
    pub deleted: bool,
}

/// The columns lists and search read, worked out from a record's merged state.
#[derive(Clone, Debug)]
struct Materialized {
    title: String,
    status: Option<String>,
    occurred_at: DateTime<Utc>,
    retention_review: String,
    areas: Vec<AreaId>,
    search_text: String,
}

fn materialize_as<R: Record>(state: &RecordState) -> Result<Materialized, StoreError> {
    let r = R::from_state(state)?;
    Ok(Materialized {
        title: r.title(),
        status: r.status(),
        occurred_at: r.occurred_at(),
        retention_review: r.retention_review().to_string(),
        areas: r.areas(),
        search_text: r.search_text(),
    })
}

fn body_as<R: Record>(state: &RecordState) -> Result<serde_json::Value, StoreError> {
    Ok(serde_json::to_value(R::from_state(state)?)?)
}

/// The record as its kind reads it, as JSON: what lists and the record view show.
pub(crate) fn body(state: &RecordState) -> Result<serde_json::Value, StoreError> {
    match state.kind {
        RecordKind::Concern => body_as::<Concern>(state),
        RecordKind::IntelReport => body_as::<IntelReport>(state),
        RecordKind::IntelSource => body_as::<IntelSource>(state),
        RecordKind::Meeting => body_as::<Meeting>(state),
        RecordKind::Priority => body_as::<Priority>(state),
        RecordKind::PatrolLog => body_as::<PatrolLog>(state),
        RecordKind::Engagement => body_as::<Engagement>(state),
        RecordKind::Action => body_as::<ImprovementAction>(state),
    }
}

fn materialize(state: &RecordState) -> Result<Materialized, StoreError> {
    match state.kind {
        RecordKind::Concern => materialize_as::<Concern>(state),
        RecordKind::IntelReport => materialize_as::<IntelReport>(state),
        RecordKind::IntelSource => materialize_as::<IntelSource>(state),
        RecordKind::Meeting => materialize_as::<Meeting>(state),
        RecordKind::Priority => materialize_as::<Priority>(state),
        RecordKind::PatrolLog => materialize_as::<PatrolLog>(state),
        RecordKind::Engagement => materialize_as::<Engagement>(state),
        RecordKind::Action => materialize_as::<ImprovementAction>(state),
    }
}

/// Records indexed per transaction when catching up (a search waits for at most one chunk's
/// worth of the device's lock at a time elsewhere).
pub const INDEX_CHUNK: usize = 500;

fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A record state as HQ sent it: the state, and its JSON text when the sender kept it (then a
/// record new to this device is stored as that text, not encoded again). [`Pulled::prepared`]
/// also works out, ahead of the store's transaction, what lists and search read from it.
#[derive(Clone, Debug)]
pub struct Pulled {
    pub state: RecordState,
    pub text: Option<String>,
    materialized: Option<Materialized>,
}

impl Pulled {
    pub fn new(state: RecordState, text: Option<String>) -> Self {
        Pulled {
            state,
            text,
            materialized: None,
        }
    }

    /// [`Pulled::new`], with the columns lists and search read worked out now, so that the
    /// store's transaction only writes them (used when the record is new to the device). Work
    /// that fails here is done again, and fails with its error, in the transaction.
    pub fn prepared(state: RecordState, text: Option<String>) -> Self {
        let materialized = materialize(&state).ok();
        Pulled {
            state,
            text,
            materialized,
        }
    }
}

impl From<RecordState> for Pulled {
    fn from(state: RecordState) -> Self {
        Pulled::new(state, None)
    }
}

/// Merge remote states into the local ones. A record new to the device is stored only if the
/// tablet keeps it (see `lifecycle::refuse_new`). Answers how many were dropped for that.
pub(crate) fn merge_states(
    tx: &Transaction<'_>,
    device: &mut DeviceState,
    states: &[Pulled],
    keep: &Keep,
) -> Result<u32, StoreError> {
    let mut dropped = 0;
    for Pulled {
        state: remote,
        text,
        materialized,
    } in states
    {
        // Later local stamps must sort after everything seen from HQ.
        device.observe(remote.updated.hlc);
        match load_state(tx, remote.id)? {
            Some(local) => {
                let mut merged = local.clone();
                merged.merge(remote);
                // Nothing new (often this device's own changes coming back): nothing to write.
                if merged != local {
                    save_state(tx, &merged, true, Index::Later)?;
                }
            }
            None => match crate::lifecycle::refuse_new(tx, remote, keep)? {
                Some(NotStored::Dropped) => dropped += 1,
                Some(NotStored::AlreadyDropped) => {}
                None => {
                    let known = Written {
                        text: text.as_deref(),
                        materialized: materialized.as_ref(),
                    };
                    save_state_as(tx, remote, known, false, Index::Later)?
                }
            },
        }
    }
    Ok(dropped)
}

/// Remove a record this device may no longer hold (or no longer needs), unless it has changes
/// not yet on HQ. Returns 1 when removed.
pub(crate) fn purge(tx: &Transaction<'_>, id: RecordId) -> Result<u32, StoreError> {
    let key = id.to_string();
    let pending: i64 = tx.query_row(
        "SELECT count(*) FROM outbox WHERE record_id = ?1 AND state <> 'acked'",
        [&key],
        |r| r.get(0),
    )?;
    // A photo not yet verified by HQ keeps its record too (and itself).
    let photos_waiting: i64 = tx.query_row(
        "SELECT count(*) FROM photos WHERE record_id = ?1 AND state = 'pending'",
        [&key],
        |r| r.get(0),
    )?;
    if pending > 0 || photos_waiting > 0 {
        return Ok(0);
    }
    let held: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM records WHERE id = ?1)",
        [&key],
        |r| r.get(0),
    )?;
    if !held {
        return Ok(0);
    }
    crate::lifecycle::erase_record(tx, id)?;
    Ok(1)
}

pub(crate) fn load_state(
    conn: &Connection,
    id: RecordId,
) -> Result<Option<RecordState>, StoreError> {
    let text: Option<String> = conn
        .prepare_cached("SELECT state FROM records WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    text.map(|t| serde_json::from_str(&t).map_err(StoreError::from))
        .transpose()
}

/// When a record's text joins the search index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Index {
    /// In the same transaction: the officer's own writes.
    Now,
    /// Soon after ([`Store::index_pending`]): records pulled from HQ, so a big pull is quick.
    Later,
}

/// Write a record's merged state and everything derived from it.
/// `existed`: whether the record was already on the device (then its old index rows go first).
pub(crate) fn save_state(
    tx: &Transaction<'_>,
    state: &RecordState,
    existed: bool,
    index: Index,
) -> Result<(), StoreError> {
    save_state_as(tx, state, Written::default(), existed, index)
}

/// What is already known of a state about to be written: its JSON text, and what lists read.
#[derive(Clone, Copy, Default)]
struct Written<'a> {
    text: Option<&'a str>,
    materialized: Option<&'a Materialized>,
}

/// [`save_state`], with what is already known of it.
fn save_state_as(
    tx: &Transaction<'_>,
    state: &RecordState,
    known: Written<'_>,
    existed: bool,
    index: Index,
) -> Result<(), StoreError> {
    let worked_out;
    let m = match known.materialized {
        Some(m) => m,
        None => {
            worked_out = materialize(state)?;
            &worked_out
        }
    };
    let encoded;
    let text = match known.text {
        Some(t) => t,
        None => {
            encoded = state.to_json();
            &encoded
        }
    };
    let id = state.id.to_string();
    let conflicts = state.conflicts().join(",");
    let params = rusqlite::params![
        id,
        state.kind.as_str(),
        text,
        m.title,
        m.status,
        time_text(m.occurred_at),
        m.retention_review,
        state.created_by.as_str(),
        i64::try_from(state.updated.hlc.wall_ms).unwrap_or(i64::MAX),
        state.is_deleted(),
        conflicts,
    ];
    // OR ROLLBACK: a failed write fails the whole transaction (as any error here does), so
    // SQLite keeps no statement journal (a copy of every page the statement touches) for it.
    let rowid: i64 = if existed {
        tx.prepare_cached(
            "UPDATE OR ROLLBACK records SET
                kind = ?2, state = ?3, title = ?4, status = ?5, occurred_at = ?6,
                retention_review = ?7, created_by = ?8, updated_ms = ?9, deleted = ?10, conflicts = ?11
             WHERE id = ?1 RETURNING seq",
        )?
        .query_row(params, |r| r.get(0))?
    } else {
        tx.prepare_cached(
            "INSERT OR ROLLBACK INTO records (id, kind, state, title, status, occurred_at,
                 retention_review, created_by, updated_ms, deleted, conflicts)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params)?;
        tx.last_insert_rowid()
    };
    if existed {
        tx.prepare_cached("DELETE FROM record_areas WHERE record_id = ?1")?
            .execute([&id])?;
    }
    let mut add_area = tx.prepare_cached(
        "INSERT OR IGNORE INTO record_areas (area_id, record_id) VALUES (?1, ?2)",
    )?;
    for area in &m.areas {
        add_area.execute((area.as_str(), &id))?;
    }
    if existed {
        tx.prepare_cached("DELETE FROM records_fts WHERE rowid = ?1")?
            .execute([rowid])?;
        tx.prepare_cached("DELETE FROM fts_pending WHERE seq = ?1")?
            .execute([rowid])?;
    }
    if !state.is_deleted() && !m.search_text.trim().is_empty() {
        let sql = match index {
            Index::Now => "INSERT INTO records_fts (rowid, title, text) VALUES (?1, ?2, ?3)",
            Index::Later => "INSERT INTO fts_pending (seq, title, text) VALUES (?1, ?2, ?3)",
        };
        tx.prepare_cached(sql)?
            .execute((rowid, &m.title, &m.search_text))?;
    }
    Ok(())
}

/// What a change did, in a few words, for the record's history: kept on its outbox row, since
/// the op's text leaves the device once HQ has it.
pub(crate) fn change_words(action: &OpAction, creates: bool) -> String {
    match action {
        OpAction::Put { .. } if creates => "Created".to_owned(),
        OpAction::Put { fields } => {
            let names: Vec<String> = fields.keys().map(|f| f.replace('_', " ")).collect();
            format!("Changed {}", names.join(", "))
        }
        OpAction::Append { .. } => "Added an update".to_owned(),
        OpAction::Delete => "Deleted".to_owned(),
    }
}

/// Make an op, put it in the outbox and merge it into the record, all in `tx`.
pub(crate) fn apply_local(
    tx: &Transaction<'_>,
    device: &mut DeviceState,
    id: RecordId,
    kind: RecordKind,
    current: Option<RecordState>,
    action: OpAction,
) -> Result<Op, StoreError> {
    let op = device.next_op(id, kind, action);
    let seq = i64::try_from(op.device_seq)
        .map_err(|_| StoreError::Corrupt("device_seq overflow".into()))?;
    tx.prepare_cached(
        "INSERT INTO outbox (device_seq, record_id, created_ms, what) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute((
        seq,
        id.to_string(),
        i64::try_from(op.hlc.wall_ms).unwrap_or(i64::MAX),
        change_words(&op.action, current.is_none()),
    ))?;
    tx.prepare_cached("INSERT INTO outbox_ops (device_seq, op) VALUES (?1, ?2)")?
        .execute((seq, serde_json::to_string(&op)?))?;
    let existed = current.is_some();
    let state = match current {
        Some(mut s) => {
            s.apply(&op);
            s
        }
        None => RecordState::from_op(&op),
    };
    save_state(tx, &state, existed, Index::Now)?;
    Ok(op)
}

/// Create a record with `id` inside `tx`. Validates first.
pub(crate) fn create_in<R: Record>(
    tx: &Transaction<'_>,
    device: &mut DeviceState,
    id: RecordId,
    record: &R,
) -> Result<Op, StoreError> {
    record.validate().map_err(StoreError::Invalid)?;
    record
        .validate_new_on_device()
        .map_err(StoreError::Invalid)?;
    if load_state(tx, id)?.is_some() {
        return Err(StoreError::AlreadyExists(id));
    }
    let fields = record.writes_from(None)?;
    apply_local(tx, device, id, R::KIND, None, OpAction::Put { fields })
}

fn existing(conn: &Connection, id: RecordId, kind: RecordKind) -> Result<RecordState, StoreError> {
    let state = load_state(conn, id)?.ok_or(StoreError::NotFound(id))?;
    if state.kind != kind {
        return Err(StoreError::KindMismatch {
            id,
            expected: kind,
            found: state.kind,
        });
    }
    if state.is_deleted() {
        return Err(StoreError::Deleted(id));
    }
    Ok(state)
}

pub(crate) fn replace_areas(tx: &Transaction<'_>, areas: &[Area]) -> Result<(), StoreError> {
    tx.execute("DELETE FROM areas", [])?;
    let mut stmt = tx.prepare("INSERT INTO areas (id, body) VALUES (?1, ?2)")?;
    for a in areas {
        stmt.execute((a.id.as_str(), serde_json::to_string(a)?))?;
    }
    Ok(())
}

pub(crate) fn load_areas(conn: &Connection) -> Result<Vec<Area>, StoreError> {
    let mut stmt = conn.prepare("SELECT body FROM areas ORDER BY id")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

const SUMMARY_COLUMNS: &str =
    "r.id, r.kind, r.title, r.status, r.occurred_at, r.conflicts, r.state,
    (SELECT count(*) FROM outbox o WHERE o.record_id = r.id AND o.state = 'pending'),
    (SELECT group_concat(area_id, char(31)) FROM record_areas a WHERE a.record_id = r.id)";

fn summary_from_row(
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<Result<RecordSummary, StoreError>> {
    let id: String = row.get(0)?;
    let kind: String = row.get(1)?;
    let title: String = row.get(2)?;
    let status: Option<String> = row.get(3)?;
    let occurred: String = row.get(4)?;
    let conflicts: String = row.get(5)?;
    let state: String = row.get(6)?;
    let pending: i64 = row.get(7)?;
    let areas: Option<String> = row.get(8)?;
    Ok((|| {
        Ok(RecordSummary {
            id: id
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("record id {id}")))?,
            kind: kind.parse().map_err(StoreError::Corrupt)?,
            title,
            status,
            occurred_at: DateTime::parse_from_rfc3339(&occurred)
                .map_err(|e| StoreError::Corrupt(format!("time {occurred}: {e}")))?
                .with_timezone(&Utc),
            areas: areas
                .map(|a| a.split('\u{1f}').map(AreaId::new).collect())
                .unwrap_or_default(),
            conflicts: conflicts
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            pending_ops: u32::try_from(pending).unwrap_or(u32::MAX),
            body: body(&serde_json::from_str(&state)?)?,
        })
    })())
}

/// The WHERE clauses and parameters for a filter (records alias `r`).
fn filter_sql(filter: &ListFilter) -> (String, Vec<String>) {
    let mut clauses = vec!["r.deleted = 0".to_owned()];
    let mut params = Vec::new();
    if let Some(kind) = filter.kind {
        params.push(kind.as_str().to_owned());
        clauses.push(format!("r.kind = ?{}", params.len()));
    } else {
        // Source details are restricted: listed only when asked for by kind.
        params.push(RecordKind::IntelSource.as_str().to_owned());
        clauses.push(format!("r.kind <> ?{}", params.len()));
    }
    if let Some(area) = &filter.area {
        params.push(area.as_str().to_owned());
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM record_areas a WHERE a.record_id = r.id AND a.area_id = ?{})",
            params.len()
        ));
    }
    if let Some(status) = &filter.status {
        params.push(status.clone());
        clauses.push(format!("r.status = ?{}", params.len()));
    }
    if let Some(since) = filter.since {
        params.push(time_text(since));
        clauses.push(format!("r.occurred_at >= ?{}", params.len()));
    }
    if let Some(until) = filter.until {
        params.push(time_text(until));
        clauses.push(format!("r.occurred_at < ?{}", params.len()));
    }
    (clauses.join(" AND "), params)
}

const DEFAULT_LIMIT: u32 = 200;

/// Turn what a person typed into an FTS5 query: every word must match, as a prefix, and
/// nothing they type can be read as query syntax.
fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" AND "))
}

impl Store {
    /// Save a new record. Validation errors come back field by field; nothing is written then.
    pub fn create<R: Record>(&mut self, record: &R) -> Result<RecordId, StoreError> {
        let id = RecordId::new();
        self.write(|tx, device, _| create_in(tx, device, id, record))?;
        Ok(id)
    }

    /// Log a concern from a form: its areas are worked out from its location.
    pub fn add_concern(&mut self, new: NewConcern) -> Result<RecordId, StoreError> {
        let areas = self.areas_at(new.location.point());
        let (id, concern) = new.into_concern(Utc::now(), areas);
        let id = id.unwrap_or_default();
        self.write(|tx, device, _| create_in(tx, device, id, &concern))?;
        Ok(id)
    }

    /// Start a patrol log from the app; its retention review date is the domain's default.
    pub fn add_patrol_log(&mut self, new: NewPatrolLog) -> Result<RecordId, StoreError> {
        self.create(&new.into_patrol_log())
    }

    /// Save an engagement from a form; its retention review date is the domain's default.
    pub fn add_engagement(&mut self, new: NewEngagement) -> Result<RecordId, StoreError> {
        self.create(&new.into_engagement())
    }

    /// Save changes to a record. Only the fields that changed become part of the op; returns
    /// false when nothing changed. Saving narrative text resolves a concurrent-edit conflict.
    pub fn update<R: Record>(&mut self, id: RecordId, record: &R) -> Result<bool, StoreError> {
        if !R::KIND.editable_on_device() {
            return Err(StoreError::NotEditable(R::KIND));
        }
        record.validate().map_err(StoreError::Invalid)?;
        self.write(|tx, device, _| {
            let state = existing(tx, id, R::KIND)?;
            let fields = record.writes_from(Some(&state))?;
            if fields.is_empty() {
                return Ok(false);
            }
            apply_local(
                tx,
                device,
                id,
                R::KIND,
                Some(state),
                OpAction::Put { fields },
            )?;
            Ok(true)
        })
    }

    /// Save changes to a concern, re-working its areas from its (possibly new) location.
    pub fn update_concern(
        &mut self,
        id: RecordId,
        mut concern: Concern,
    ) -> Result<bool, StoreError> {
        concern.areas = self.areas_at(concern.location.point());
        self.update(id, &concern)
    }

    /// Settle a concurrent-edit conflict: `text` (one of the versions, or a merge a person wrote)
    /// replaces every live version of `field`.
    pub fn resolve_text(
        &mut self,
        id: RecordId,
        field: &str,
        text: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx, device, _| {
            let state = load_state(tx, id)?.ok_or(StoreError::NotFound(id))?;
            if state.is_deleted() {
                return Err(StoreError::Deleted(id));
            }
            if !state.kind.editable_on_device() {
                return Err(StoreError::NotEditable(state.kind));
            }
            let live = state.live_versions(field);
            if live.is_empty() {
                return Err(StoreError::NoSuchText {
                    id,
                    field: field.to_owned(),
                });
            }
            let bases = live.iter().map(|v| v.stamp).collect();
            let fields = [(
                field.to_owned(),
                beatbook_domain::FieldWrite::Text {
                    value: text.to_owned(),
                    bases,
                },
            )]
            .into();
            let kind = state.kind;
            apply_local(tx, device, id, kind, Some(state), OpAction::Put { fields })?;
            Ok(())
        })
    }

    /// Merge records received from HQ (their merged states) in one transaction. Local changes not
    /// yet on HQ survive: merging is commutative, so their ops still win where they are newer.
    pub fn merge_remote(&mut self, states: &[RecordState]) -> Result<(), StoreError> {
        let pulled: Vec<Pulled> = states.iter().cloned().map(Pulled::from).collect();
        let keep = self.keep_rule()?;
        self.write(|tx, device, _| merge_states(tx, device, &pulled, &keep))?;
        Ok(())
    }

    /// How many records (not deleted) the device holds.
    pub fn count(&self) -> Result<u64, StoreError> {
        let n: i64 =
            self.conn
                .query_row("SELECT count(*) FROM records WHERE deleted = 0", [], |r| {
                    r.get(0)
                })?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Add a "You said, we did" update to a priority.
    pub fn add_priority_update(
        &mut self,
        id: RecordId,
        update: &YouSaidWeDid,
    ) -> Result<(), StoreError> {
        update.validate().map_err(StoreError::Invalid)?;
        self.append(id, RecordKind::Priority, beatbook_domain::Json::to(update)?)
    }

    /// Add a dated update to a concern, without changing (or retyping) the concern itself.
    pub fn add_concern_update(
        &mut self,
        id: RecordId,
        update: &ConcernUpdate,
    ) -> Result<(), StoreError> {
        update.validate().map_err(StoreError::Invalid)?;
        self.append(id, RecordKind::Concern, beatbook_domain::Json::to(update)?)
    }

    /// Append `entry` to the log of record `id` of `kind`: one op, never in conflict. Only kinds
    /// a device may add to ([`RecordKind::appendable_on_device`]).
    pub(crate) fn append(
        &mut self,
        id: RecordId,
        kind: RecordKind,
        entry: beatbook_domain::Json,
    ) -> Result<(), StoreError> {
        if !kind.appendable_on_device() {
            return Err(StoreError::NotEditable(kind));
        }
        self.write(|tx, device, _| {
            let state = existing(tx, id, kind)?;
            apply_local(
                tx,
                device,
                id,
                kind,
                Some(state),
                OpAction::Append { entry },
            )?;
            Ok(())
        })
    }

    /// Delete a record (a tombstone, synced like any other change).
    pub fn delete(&mut self, id: RecordId) -> Result<(), StoreError> {
        self.write(|tx, device, _| {
            let state = load_state(tx, id)?.ok_or(StoreError::NotFound(id))?;
            if !state.kind.editable_on_device() {
                return Err(StoreError::NotEditable(state.kind));
            }
            if state.is_deleted() {
                return Ok(());
            }
            let kind = state.kind;
            apply_local(tx, device, id, kind, Some(state), OpAction::Delete)?;
            Ok(())
        })
    }

    /// The merged state of a record: every live version of its narrative fields, for merging.
    pub fn state(&self, id: RecordId) -> Result<RecordState, StoreError> {
        load_state(&self.conn, id)?.ok_or(StoreError::NotFound(id))
    }

    pub fn get<R: Record>(&self, id: RecordId) -> Result<StoredRecord<R>, StoreError> {
        let state = self.state(id)?;
        if state.kind != R::KIND {
            return Err(StoreError::KindMismatch {
                id,
                expected: R::KIND,
                found: state.kind,
            });
        }
        let pending: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE record_id = ?1 AND state = 'pending'",
            [id.to_string()],
            |r| r.get(0),
        )?;
        Ok(StoredRecord {
            id,
            record: R::from_state(&state)?,
            created_by: state.created_by.clone(),
            conflicts: state.conflicts(),
            pending_ops: u32::try_from(pending).unwrap_or(u32::MAX),
            log: state.log_entries().cloned().collect(),
            deleted: state.is_deleted(),
        })
    }

    /// Records matching `filter`, newest first.
    pub fn list(&self, filter: &ListFilter) -> Result<Vec<RecordSummary>, StoreError> {
        let (clauses, mut params) = filter_sql(filter);
        params.push(filter.limit.unwrap_or(DEFAULT_LIMIT).to_string());
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM records r WHERE {clauses}
             ORDER BY r.occurred_at DESC, r.id DESC LIMIT ?{}",
            params.len()
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(params.iter()), summary_from_row)?;
        rows.map(|r| r?).collect()
    }

    /// Add up to `limit` records pulled from HQ to the search index, in one transaction. Returns
    /// how many were added; 0 when none are waiting.
    pub fn index_pending(&self, limit: usize) -> Result<usize, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let n = tx.execute(
            "INSERT INTO records_fts (rowid, title, text)
             SELECT seq, title, text FROM fts_pending ORDER BY seq LIMIT ?1",
            [limit],
        )?;
        tx.execute(
            "DELETE FROM fts_pending WHERE seq IN (SELECT seq FROM fts_pending ORDER BY seq LIMIT ?1)",
            [limit],
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Copy what the WAL holds back into the database file (see the connection's settings in
    /// `open_connection`): the sync engine does this after a pull. PASSIVE: it never waits for,
    /// nor blocks, the app's own reads and writes. Returns the WAL pages still to copy.
    pub fn checkpoint(&self) -> Result<u64, StoreError> {
        let (log, done): (i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                    Ok((r.get(1)?, r.get(2)?))
                })?;
        Ok(u64::try_from(log - done).unwrap_or_default())
    }

    /// How many pulled records wait for the search index.
    pub fn index_backlog(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM fts_pending", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Full-text search over the device's records, best match first, narrowed by `filter`.
    pub fn search(
        &self,
        text: &str,
        filter: &ListFilter,
    ) -> Result<Vec<RecordSummary>, StoreError> {
        let Some(query) = fts_query(text) else {
            return Ok(Vec::new());
        };
        // Never miss a record pulled a moment ago: index whatever is still waiting first.
        while self.index_pending(INDEX_CHUNK)? > 0 {}
        let (clauses, mut params) = filter_sql(filter);
        params.push(query);
        let match_param = params.len();
        params.push(filter.limit.unwrap_or(DEFAULT_LIMIT).to_string());
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM records_fts f JOIN records r ON r.seq = f.rowid
             WHERE records_fts MATCH ?{match_param} AND {clauses}
             ORDER BY f.rank LIMIT ?{}",
            params.len()
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(params.iter()), summary_from_row)?;
        rows.map(|r| r?).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn search_text_cannot_inject_fts_syntax() {
        assert_eq!(
            fts_query("street drink").as_deref(),
            Some("\"street\"* AND \"drink\"*")
        );
        assert_eq!(
            fts_query("NOT \"x\" OR y*").as_deref(),
            Some("\"NOT\"* AND \"x\"* AND \"OR\"* AND \"y\"*")
        );
        assert_eq!(fts_query("  -- ;"), None);
    }
}
