//! The records lifecycle in HQ's storage, told to both backends (see `support`): decisions and
//! their chained log, a hold that stops a disposal, erasure (whole, or cut off and finished
//! later), the op log's chain across erasure and across migration 0007, pushes for records
//! disposed of, the logs' own retention, and, on SQLite, that no byte of an erased text is left
//! in the database file or its WAL.

use beatbook_domain::access::Viewer;
use beatbook_domain::people::{Officer, Role};
use beatbook_domain::protocol::OpOutcome;
use beatbook_domain::retention::Decision;
use beatbook_domain::{AreaId, DeviceId, OfficerId, Op, RecordId, TeamId};
use beatbook_hq::dashboard::audit::AccessEntry;
use beatbook_hq::push::{chain_hash_v1, plan, verify_chain, verify_decisions, Plan, PushContext};
use beatbook_hq::storage::sqlite::SqliteStorage;
use beatbook_hq::storage::{AccessQuery, DeviceRow, NewDecision, OpLogQuery, RetentionQuery};
use beatbook_hq::{Storage, StorageError};
use chrono::{DateTime, Duration, NaiveDate, SubsecRound, TimeZone, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use support::device::Device;
use support::{story, Db, FromDb};

mod support;

struct Backend {
    storage: Arc<dyn Storage>,
    raw: Db,
}

impl FromDb for Backend {
    async fn from_db(db: Db) -> Self {
        Backend {
            storage: db.open().await,
            raw: db,
        }
    }
}

story!(a_decision_is_applied_with_its_chained_log_entry);
story!(disposing_of_a_record_on_hold_is_refused_and_changes_nothing);
story!(erasure_removes_the_record_its_feed_rows_and_its_op_text_and_the_chain_verifies);
story!(an_erasure_cut_off_halfway_finishes_on_the_next_call);
story!(a_push_for_a_disposed_record_is_refused_and_its_text_not_kept);
story!(the_logs_own_retention_clears_old_text_and_keeps_the_chain);
story!(a_log_chained_under_the_old_formula_verifies_after_migration_0007);

// ---------------------------------------------------------------------------------------------
// Fixtures

const AREA: &str = "E05013655";
const MANAGER: &str = "RM100";

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// 6 Dec 2026, 10:00 UTC: when the decisions in these stories are taken.
fn decided_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 10, 0, 0).unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn viewer(officer: &str) -> Viewer {
    Viewer {
        officer: OfficerId::new(officer),
        role: Role::Officer,
        teams: [TeamId::new("camden-town-tct")].into(),
        areas: [AreaId::new(AREA)].into(),
    }
}

async fn enrol(s: &dyn Storage, name: &str) -> DeviceId {
    let at = now();
    let code = format!("code-for-{name}-{}", rand::random::<u64>());
    s.add_enrolment_code(&code, at + Duration::hours(1))
        .await
        .unwrap();
    let d = DeviceRow {
        id: DeviceId::new(),
        name: name.into(),
        secret_hash: format!("secret-of-{name}"),
        app_version: "1.0.0".into(),
        enrolled_at: at,
        revoked_at: None,
        last_seen_at: None,
        next_seq: 1,
    };
    assert!(s.enrol_device(&code, &d, at).await.unwrap());
    d.id
}

async fn records_manager(s: &dyn Storage) {
    s.put_officer(
        &Officer {
            id: OfficerId::new(MANAGER),
            collar_number: MANAGER.into(),
            name: "Rita Moss".into(),
            role: Role::RecordsManager,
            teams: vec![],
        },
        None,
    )
    .await
    .unwrap();
}

async fn push(s: &dyn Storage, device: DeviceId, officer: &str, ops: &[Op]) -> Plan {
    let ctx = PushContext {
        device,
        viewer: viewer(officer),
        now: Utc::now(),
        rules: beatbook_hq::push::PushRules::default(),
    };
    let batch = ops.to_vec();
    s.push(
        device,
        ops,
        Box::new(move |loaded| plan(&ctx, &batch, loaded)),
    )
    .await
    .unwrap()
}

fn all_applied(p: &Plan) {
    for r in &p.response.results {
        assert!(
            matches!(r.outcome, OpOutcome::Applied { .. }),
            "{:?}",
            r.outcome
        );
    }
}

/// A device with `n` concerns pushed, each with its own text.
async fn records(s: &dyn Storage, n: usize, text: &str) -> (Device, Vec<RecordId>) {
    let id = enrol(s, "tablet").await;
    let mut d = Device::new(id, "PC4127");
    let ops: Vec<Op> = (0..n).map(|i| d.create(&format!("{text} {i}"))).collect();
    all_applied(&push(s, id, "PC4127", &ops).await);
    let ids = ops.iter().map(|o| o.record_id).collect();
    (d, ids)
}

fn decision(decision: Decision, reason: &str, ids: &[RecordId]) -> NewDecision {
    NewDecision {
        at: decided_at(),
        officer_id: OfficerId::new(MANAGER),
        decision,
        reason: reason.into(),
        record_ids: ids.to_vec(),
    }
}

/// Everything that is due by 2100, as the queue lists it.
fn everything() -> RetentionQuery {
    RetentionQuery {
        due_by: day("2100-01-01"),
        kinds: vec![],
        areas: vec![],
        from: None,
        to: None,
        limit: 100,
    }
}

async fn chains_verify(s: &dyn Storage) {
    for d in s.devices().await.unwrap() {
        let report = verify_chain(&s.op_log(d.id).await.unwrap());
        assert!(report.ok, "{}: {report:?}", d.name);
    }
    let report = verify_decisions(&s.decision_log().await.unwrap());
    assert!(report.ok, "decisions: {report:?}");
}

// ---------------------------------------------------------------------------------------------
// Stories

async fn a_decision_is_applied_with_its_chained_log_entry(b: Backend) {
    let s = &*b.storage;
    let (_, ids) = records(s, 3, "Street drinking by the lock").await;
    // A concern is reviewed two years after it was reported.
    let own_review = s.lifecycles(&ids[..1]).await.unwrap()[0].1.review_on;
    assert!(own_review > Utc::now().date_naive() + Duration::days(700));

    let retained = s
        .decide(&decision(
            Decision::Retain {
                until: day("2031-01-31"),
            },
            "Ongoing neighbourhood problem",
            &ids[..1],
        ))
        .await
        .unwrap();
    assert_eq!((retained.seq, retained.prev_hash.len()), (1, 64));
    let held = s
        .decide(&decision(Decision::Hold, "Complaint 2026/114", &ids[1..2]))
        .await
        .unwrap();
    assert_eq!(held.seq, 2);
    assert_eq!(
        held.prev_hash, retained.hash,
        "each entry chains on the last"
    );

    let life: HashMap<RecordId, _> = s.lifecycles(&ids).await.unwrap().into_iter().collect();
    assert_eq!(life[&ids[0]].review_on, day("2031-01-31"));
    assert_eq!(life[&ids[1]].hold.as_deref(), Some("Complaint 2026/114"));
    assert_eq!(life[&ids[2]].review_on, own_review);
    assert_eq!(life[&ids[2]].hold, None);

    // A later push does not move a retained record's review date.
    let mut d2 = Device::new(enrol(s, "other").await, "PC4127");
    let c = s.record(ids[0]).await.unwrap().unwrap();
    d2.states
        .insert(ids[0], serde_json::from_str(&c.state_json).unwrap());
    let edit = d2.edit(ids[0], "Street drinking by the lock, now every evening");
    all_applied(&push(s, d2.id, "PC4127", &[edit]).await);
    let life = s.lifecycles(&ids[..1]).await.unwrap();
    assert_eq!(life[0].1.review_on, day("2031-01-31"));

    // The queue: oldest review first, the hold flagged, the last decision with each.
    let page = s.retention_queue(&everything()).await.unwrap();
    assert_eq!(page.total, 3);
    let order: Vec<RecordId> = page.items.iter().map(|i| i.change.record_id).collect();
    assert_eq!(
        order.last(),
        Some(&ids[0]),
        "retained to 2031: reviewed last"
    );
    let held_row = page
        .items
        .iter()
        .find(|i| i.change.record_id == ids[1])
        .unwrap();
    assert_eq!(
        held_row.lifecycle.hold.as_deref(),
        Some("Complaint 2026/114")
    );
    assert_eq!(held_row.last.as_ref().map(|d| d.seq), Some(2));
    // Due by a date before any review: nothing; by the kind filter: the same three.
    let none = s
        .retention_queue(&RetentionQuery {
            due_by: day("2026-01-01"),
            ..everything()
        })
        .await
        .unwrap();
    assert_eq!((none.total, none.items.len()), (0, 0));
    let of_other_kind = s
        .retention_queue(&RetentionQuery {
            kinds: vec![beatbook_domain::RecordKind::PatrolLog],
            ..everything()
        })
        .await
        .unwrap();
    assert_eq!(of_other_kind.total, 0);
    let in_area = s
        .retention_queue(&RetentionQuery {
            areas: vec![AreaId::new(AREA)],
            limit: 2,
            ..everything()
        })
        .await
        .unwrap();
    assert_eq!((in_area.total, in_area.items.len()), (3, 2));

    // The log reads back newest first, and whole oldest first; it verifies, and a change to
    // what was read back is caught.
    let newest: Vec<u64> = s
        .decisions(10)
        .await
        .unwrap()
        .iter()
        .map(|d| d.seq)
        .collect();
    assert_eq!(newest, vec![2, 1]);
    let log = s.decision_log().await.unwrap();
    assert_eq!(log, vec![retained.clone(), held.clone()]);
    assert!(verify_decisions(&log).ok);
    let mut tampered = log.clone();
    tampered[0].reason = "Something else entirely".into();
    assert_eq!(verify_decisions(&tampered).broken_at, Some(1));
    // And the log cannot be changed behind HQ's back.
    let err = b
        .raw
        .exec("UPDATE retention_decisions SET reason = 'changed'")
        .await
        .unwrap_err();
    assert!(err.contains("append-only"), "{err}");
    chains_verify(s).await;

    // Release: the hold is gone.
    s.decide(&decision(Decision::Release, "Complaint closed", &ids[1..2]))
        .await
        .unwrap();
    assert_eq!(s.lifecycles(&ids[1..2]).await.unwrap()[0].1.hold, None);
}

async fn disposing_of_a_record_on_hold_is_refused_and_changes_nothing(b: Backend) {
    let s = &*b.storage;
    let (_, ids) = records(s, 2, "Graffiti on the bridge").await;
    s.decide(&decision(Decision::Hold, "Litigation pending", &ids[..1]))
        .await
        .unwrap();
    let before_queue = s.retention_queue(&everything()).await.unwrap();
    let before_log = s.decision_log().await.unwrap();

    let err = s
        .decide(&decision(Decision::Dispose, "No longer needed", &ids))
        .await
        .unwrap_err();
    match err {
        StorageError::Conflict(m) => {
            assert!(
                m.contains("on hold") && m.contains("Litigation pending"),
                "{m}"
            )
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // A record HQ does not hold: refused too.
    let err = s
        .decide(&decision(
            Decision::Dispose,
            "No longer needed",
            &[ids[1], RecordId::new()],
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::NotFound(_)), "{err:?}");

    // Nothing changed: no decision logged, nothing pending, both records still there.
    assert_eq!(s.decision_log().await.unwrap(), before_log);
    assert_eq!(
        s.retention_queue(&everything()).await.unwrap(),
        before_queue
    );
    assert!(s.erase_pending(100).await.unwrap().is_empty());
    for id in &ids {
        assert!(s.record(*id).await.unwrap().is_some());
    }
    assert!(s.disposals_after(0, 10).await.unwrap().is_empty());
}

async fn erasure_removes_the_record_its_feed_rows_and_its_op_text_and_the_chain_verifies(
    b: Backend,
) {
    let s = &*b.storage;
    records_manager(s).await;
    let (mut d, ids) = records(s, 2, "Quokka-shaped graffiti 7781").await;
    let edit = d.edit(ids[0], "Quokka-shaped graffiti 7781, repainted");
    all_applied(&push(s, d.id, "PC4127", &[edit]).await);
    let keys = vec![format!("area:{AREA}"), "officer:PC4127".to_owned()];
    assert_eq!(s.changes_for(&keys, 0, 100).await.unwrap().len(), 2);

    let decided = s
        .decide(&decision(
            Decision::Dispose,
            "Past review, no further use",
            &ids[..1],
        ))
        .await
        .unwrap();
    // Waiting to be erased: out of the queue and of lifecycles already.
    assert!(s.lifecycles(&ids[..1]).await.unwrap().is_empty());
    assert_eq!(s.retention_queue(&everything()).await.unwrap().total, 1);

    let erased = s.erase_pending(1000).await.unwrap();
    assert_eq!(erased.len(), 1);
    assert_eq!(erased[0].record_id, ids[0]);
    assert!(erased[0].photos.is_empty());
    s.compact_after_disposal().await.unwrap();

    // The record, its feed rows and its ops' text are gone; the other record is untouched.
    assert!(s.record(ids[0]).await.unwrap().is_none());
    assert!(s.record(ids[1]).await.unwrap().is_some());
    let feed = s.changes_for(&keys, 0, 100).await.unwrap();
    assert_eq!(
        feed.iter().map(|c| c.record_id).collect::<Vec<_>>(),
        vec![ids[1]]
    );
    assert!(s
        .changes_after(0, 100)
        .await
        .unwrap()
        .iter()
        .all(|c| c.record_id != ids[0]));
    let log = s.op_log(d.id).await.unwrap();
    assert_eq!(log.len(), 3);
    for entry in &log {
        let of_erased = entry.device_seq != 2;
        if of_erased {
            assert_eq!(entry.op_json, "", "seq {}", entry.device_seq);
            assert_eq!(entry.disposed, Some(erased[0].seq));
        } else {
            assert!(entry.op_json.contains("Quokka-shaped graffiti 7781 1"));
        }
        assert!(!entry.op_json.contains("Quokka-shaped graffiti 7781 0"));
        assert!(!entry.op_json.contains("repainted"));
    }
    chains_verify(s).await;

    // What HQ keeps: that it was disposed of, when, by whom and why; the feed for tablets.
    let kept = s.disposal(ids[0]).await.unwrap().unwrap();
    assert_eq!(kept.seq, erased[0].seq);
    assert_eq!(kept.disposed_by, OfficerId::new(MANAGER));
    assert_eq!(kept.reason, "Past review, no further use");
    assert_eq!(kept.disposed_at, decided.at);
    assert!(!kept.files_done);
    assert_eq!(
        s.disposals_after(0, 10).await.unwrap(),
        vec![(kept.seq, ids[0])]
    );
    assert!(s.disposals_after(kept.seq, 10).await.unwrap().is_empty());
    assert_eq!(s.disposals_with_files(10).await.unwrap(), erased);
    s.files_removed(&[kept.seq]).await.unwrap();
    assert!(s.disposals_with_files(10).await.unwrap().is_empty());
    assert!(s.disposal(ids[0]).await.unwrap().unwrap().files_done);

    // The audit trail says what happened in place of the text.
    let words = "disposed of on 6 Dec 2026 by Rita Moss (RM100): Past review, no further use";
    let found = s
        .search_op_log(&OpLogQuery {
            record_id: Some(ids[0]),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|e| e.text_gone.as_deref() == Some(words)));
    let history = s.record_ops(ids[0], 10).await.unwrap();
    assert_eq!(history.len(), 2);
    assert!(history
        .iter()
        .all(|o| o.op_json.is_empty() && o.text_gone.as_deref() == Some(words)));
    let other = s.record_ops(ids[1], 10).await.unwrap();
    assert!(other
        .iter()
        .all(|o| o.text_gone.is_none() && !o.op_json.is_empty()));

    // Deciding again on a record disposed of: there is no such record any more.
    let err = s
        .decide(&decision(Decision::Hold, "Too late for this", &ids[..1]))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::NotFound(_)), "{err:?}");
}

async fn an_erasure_cut_off_halfway_finishes_on_the_next_call(b: Backend) {
    let s = &*b.storage;
    let (_, ids) = records(s, 5, "Abandoned vehicle on the estate").await;
    s.decide(&decision(
        Decision::Dispose,
        "Past review, no further use",
        &ids,
    ))
    .await
    .unwrap();
    // HQ stopped after one small batch.
    let first = s.erase_pending(2).await.unwrap();
    assert_eq!(first.len(), 2);
    drop(b.storage);

    // Another HQ process (or the same one restarted) finishes the rest.
    let s = b.raw.open().await;
    assert!(
        s.lifecycles(&ids).await.unwrap().is_empty(),
        "all still pending or gone"
    );
    let rest = s.erase_pending(1000).await.unwrap();
    assert_eq!(rest.len(), 3);
    assert!(s.erase_pending(1000).await.unwrap().is_empty());
    let mut done: Vec<RecordId> = first.iter().chain(&rest).map(|e| e.record_id).collect();
    done.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(done, want);
    let seqs: Vec<u64> = first.iter().chain(&rest).map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(s.disposals_after(0, 100).await.unwrap().len(), 5);
    for id in &ids {
        assert!(s.record(*id).await.unwrap().is_none());
    }
    chains_verify(&*s).await;
}

async fn a_push_for_a_disposed_record_is_refused_and_its_text_not_kept(b: Backend) {
    let s = &*b.storage;
    let (mut d, ids) = records(s, 2, "Cycling on the towpath").await;
    s.decide(&decision(
        Decision::Dispose,
        "Past review, no further use",
        &ids,
    ))
    .await
    .unwrap();
    s.erase_pending(1).await.unwrap();
    let (gone, pending) = {
        let first = s.disposals_after(0, 1).await.unwrap()[0].1;
        if first == ids[0] {
            (ids[0], ids[1])
        } else {
            (ids[1], ids[0])
        }
    };

    // An offline tablet sends an edit of each: one disposed of, one still waiting to be erased.
    let late = [
        d.edit(gone, "Narwhal-sighting-5521 after disposal"),
        d.edit(pending, "Narwhal-sighting-5522 while pending"),
    ];
    let p = push(s, d.id, "PC4127", &late).await;
    for r in &p.response.results {
        match &r.outcome {
            OpOutcome::Rejected { code, reason } => {
                assert_eq!(code, "disposed");
                assert_eq!(reason, "this record was disposed of at HQ");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    // A retry is answered the same.
    let again = push(s, d.id, "PC4127", &late).await;
    assert_eq!(again.response.results, p.response.results);
    assert!(s.record(gone).await.unwrap().is_none());

    s.erase_pending(100).await.unwrap();
    let log = s.op_log(d.id).await.unwrap();
    assert_eq!(log.len(), 4);
    for entry in &log {
        assert!(!entry.op_json.contains("Narwhal"), "{}", entry.op_json);
        assert_eq!(entry.op_json, "");
        let seq = entry
            .disposed
            .expect("every op here was of a record disposed of");
        assert!(
            seq > 0,
            "the pending one points at its disposal once erased"
        );
    }
    chains_verify(s).await;
    assert!(s.record(pending).await.unwrap().is_none());
}

async fn the_logs_own_retention_clears_old_text_and_keeps_the_chain(b: Backend) {
    let s = &*b.storage;
    let (d, ids) = records(s, 2, "Noise from the arches").await;
    let t0 = now();
    s.log_access(&AccessEntry {
        at: t0 - Duration::days(3000),
        officer_id: OfficerId::new("PC4127"),
        device_id: Some(d.id),
        action: "search".into(),
        record_ids: ids.clone(),
        detail: "searched for arches noise".into(),
        purpose: String::new(),
    })
    .await
    .unwrap();
    let recent = AccessEntry {
        at: t0,
        officer_id: OfficerId::new("PC4127"),
        device_id: None,
        action: "view".into(),
        record_ids: ids[..1].to_vec(),
        detail: "opened".into(),
        purpose: String::new(),
    };
    s.log_access(&recent).await.unwrap();

    // Ops received before a minute from now, access rows older than a year.
    let changed = s
        .forget_old_log_text(t0 + Duration::minutes(1), t0 - Duration::days(365))
        .await
        .unwrap();
    assert_eq!(changed, 2 + 1);
    let log = s.op_log(d.id).await.unwrap();
    assert!(log
        .iter()
        .all(|e| e.op_json.is_empty() && e.disposed == Some(0)));
    chains_verify(s).await;
    let gone = s
        .record_ops(ids[0], 10)
        .await
        .unwrap()
        .pop()
        .unwrap()
        .text_gone
        .unwrap();
    assert!(gone.contains("retention period"), "{gone}");
    // The records themselves stay: only the log's copy of the text went.
    assert!(s.record(ids[0]).await.unwrap().is_some());

    let access = s
        .access_log(&AccessQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(access[0], recent);
    assert_eq!(access[1].action, "search");
    assert_eq!(access[1].officer_id, OfficerId::new("PC4127"));
    assert!(access[1].record_ids.is_empty() && access[1].detail.is_empty());

    // Nothing else in either log may change.
    for sql in [
        "UPDATE op_log SET outcome = '{\"outcome\":\"duplicate\"}'",
        "DELETE FROM op_log",
        "UPDATE access_log SET action = 'view'",
        "DELETE FROM access_log",
    ] {
        let err = b.raw.exec(sql).await.expect_err(sql);
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
}

/// The op log as the first formula chained it, written straight into a database migrated to
/// 0006; then HQ opens it (migrating to 0007) and the chains verify under the new formula.
async fn a_log_chained_under_the_old_formula_verifies_after_migration_0007(db: Db) {
    let sqlite = matches!(db, Db::Sqlite(_));
    let dir = if sqlite { "sqlite" } else { "postgres" };
    let migrations = [
        "0001_init.sql",
        "0002_change_feed.sql",
        "0003_access_log.sql",
        "0004_dashboard.sql",
        "0005_framework.sql",
        "0006_sign_in_throttle.sql",
    ];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    let mut sql = String::new();
    if !sqlite {
        sql.push_str(&format!(
            "CREATE SCHEMA IF NOT EXISTS \"{s}\"; SET search_path TO \"{s}\";
             CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());",
            s = match &db {
                Db::Postgres { schema } => schema.clone(),
                Db::Sqlite(_) => unreachable!(),
            }
        ));
    }
    for (i, file) in migrations.iter().enumerate() {
        sql.push_str(&std::fs::read_to_string(root.join(file)).unwrap());
        sql.push('\n');
        if !sqlite {
            sql.push_str(&format!(
                "INSERT INTO schema_migrations (version) VALUES ({});\n",
                i + 1
            ));
        }
    }
    if sqlite {
        sql.push_str("PRAGMA user_version = 6;\n");
    }

    // Two devices: one chain intact, one with a row tampered with before the upgrade.
    let (good, bad) = (DeviceId::new(), DeviceId::new());
    let mut d = Device::new(good, "PC4127");
    let ops: Vec<Op> = (0..3)
        .map(|i| d.create(&format!("Old record {i}")))
        .collect();
    let at = if sqlite {
        "'2026-01-01T00:00:00.000Z'"
    } else {
        "'2026-01-01T00:00:00Z'"
    };
    let mut heads = HashMap::new();
    for device in [good, bad] {
        let mut prev = beatbook_hq::push::GENESIS.to_owned();
        for (i, op) in ops.iter().enumerate() {
            let mut text = serde_json::to_string(op).unwrap();
            let outcome = format!("{{\"outcome\":\"applied\",\"server_seq\":{}}}", i + 1);
            let hash = chain_hash_v1(&prev, &text, &outcome);
            if device == bad && i == 1 {
                // Changed after it was chained.
                text = text.replace("Old record 1", "Old record X");
            }
            sql.push_str(&format!(
                "INSERT INTO op_log (device_id, device_seq, record_id, kind, author, op, outcome, received_at, server_seq, prev_hash, hash)
                 VALUES ('{device}', {}, '{}', 'concern', 'PC4127', '{}', '{outcome}', {at}, {}, '{prev}', '{hash}');\n",
                i + 1,
                op.record_id,
                text.replace('\'', "''"),
                i + 1,
            ));
            prev = hash;
        }
        heads.insert(device, prev.clone());
        sql.push_str(&format!(
            "INSERT INTO devices (id, name, secret_hash, app_version, enrolled_at, next_seq, chain_head)
             VALUES ('{device}', 'old tablet', 'x', '0.9', {at}, 4, '{prev}');\n"
        ));
    }
    // One record, as 0006 held it: its review date is filled in by the migration.
    let state = d.states[&ops[0].record_id].clone();
    let review = beatbook_hq::push::review_on(&state).unwrap();
    let facts =
        serde_json::to_string(&beatbook_domain::access::AccessFacts::from_state(&state)).unwrap();
    sql.push_str(&format!(
        "INSERT INTO records (id, kind, state, facts, server_seq) VALUES ('{}', 'concern', '{}', '{}', 1);\n",
        state.id,
        state.to_json().replace('\'', "''"),
        facts.replace('\'', "''"),
    ));
    sql.push_str(&format!(
        "UPDATE meta SET value = {} WHERE key = 'server_head';\n",
        if sqlite { "'1'" } else { "1" }
    ));
    match &db {
        Db::Sqlite(path) => support::sqlite_conn(path).execute_batch(&sql).unwrap(),
        Db::Postgres { .. } => {
            let client = support::pg_client(&support::pg_url()).await;
            client.batch_execute(&sql).await.unwrap();
        }
    }

    let s = db.open().await;
    let good_log = s.op_log(good).await.unwrap();
    assert_eq!(good_log.len(), 3);
    let report = verify_chain(&good_log);
    assert!(report.ok, "{report:?}");
    assert!(good_log
        .iter()
        .all(|e| e.op_sha256.len() == 64 && e.disposed.is_none()));
    // The tampered chain is not mended by the migration: it still breaks where it did.
    assert_eq!(
        verify_chain(&s.op_log(bad).await.unwrap()).broken_at,
        Some(2)
    );
    assert_eq!(
        s.lifecycles(&[state.id]).await.unwrap()[0].1.review_on,
        review
    );

    // The device carries on from the re-chained head.
    let mut d2 = Device::new(good, "PC4127");
    d2.seq = 3;
    d2.states.insert(state.id, state.clone());
    let next = d2.edit(state.id, "Old record 0, updated after the upgrade");
    all_applied(&push(&*s, good, "PC4127", &[next]).await);
    let report = verify_chain(&s.op_log(good).await.unwrap());
    assert!(report.ok && report.ops == 4, "{report:?}");
    assert_ne!(heads[&good], s.op_log(good).await.unwrap()[2].hash);
}

// ---------------------------------------------------------------------------------------------
// SQLite only: the bytes on disk.

fn holds(path: &std::path::Path, needle: &str) -> bool {
    match std::fs::read(path) {
        Ok(bytes) => bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
        Err(_) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_no_byte_of_the_text_is_ever_in_the_files_in_clear_and_disposal_erases_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hq.db");
    let wal = dir.path().join("hq.db-wal");
    let s = SqliteStorage::open(&path, &support::key()).unwrap();
    let s: &dyn Storage = &s;
    const SECRET: &str = "Pangolin-Marmalade-Lighthouse-90210";
    const KEPT: &str = "Otter-Teapot-Harbour-31337";
    records(s, 1, KEPT).await;
    // Several versions of the text (a description is at most 10,000 characters; the state keeps
    // every version, so it spills over a page).
    let long = format!("{SECRET} {}", "and the rest of the account. ".repeat(300));
    let id = enrol(s, "second").await;
    let mut d2 = Device::new(id, "PC4127");
    let create = d2.create(&long);
    let rid = create.record_id;
    all_applied(&push(s, id, "PC4127", &[create]).await);
    for i in 0..3 {
        let edit = d2.edit(rid, &format!("{long} (edit {i})"));
        all_applied(&push(s, id, "PC4127", &[edit]).await);
    }
    s.compact_after_disposal().await.unwrap();
    // HQ's database is encrypted: the text is in it, but never in clear in its files.
    let in_db = |needle: &str| -> i64 {
        support::sqlite_conn(&path)
            .query_row(
                "SELECT (SELECT count(*) FROM op_log WHERE op LIKE ?1)
                      + (SELECT count(*) FROM records WHERE state LIKE ?1)",
                [format!("%{needle}%")],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert!(
        in_db(SECRET) > 0,
        "the text is in the database before disposal"
    );
    assert!(
        !holds(&path, SECRET) && !holds(&wal, SECRET),
        "the text is in the files in clear"
    );

    s.decide(&decision(
        Decision::Dispose,
        "Past review, no further use",
        &[rid],
    ))
    .await
    .unwrap();
    assert_eq!(s.erase_pending(1000).await.unwrap().len(), 1);
    s.compact_after_disposal().await.unwrap();

    assert!(
        !holds(&path, SECRET),
        "the erased text is still in the database file"
    );
    assert!(!holds(&wal, SECRET), "the erased text is still in the WAL");
    assert_eq!(in_db(SECRET), 0, "the erased text is still in the database");
    // What was not disposed of is still there, so the search does find text that is present.
    assert!(in_db(KEPT) > 0);
    assert!(!holds(&path, KEPT) && !holds(&wal, KEPT));
    chains_verify(s).await;
}
