//! The storage story, written once and told to both backends: SQLite (in a temp dir) always, and
//! PostgreSQL (`BEATBOOK_TEST_POSTGRES`, default `postgres://postgres@127.0.0.1:5432/test`), each
//! test in a fresh schema that is dropped afterwards. Without a reachable PostgreSQL the PostgreSQL
//! variants fail, unless `BEATBOOK_SKIP_POSTGRES=1`.

use beatbook_domain::access::Viewer;
use beatbook_domain::area::{Area, AreaKind, Place};
use beatbook_domain::concern::Concern;
use beatbook_domain::merge::RecordState;
use beatbook_domain::people::{Officer, Role, Team, TeamKind};
use beatbook_domain::protocol::OpOutcome;
use beatbook_domain::{AreaId, DeviceId, OfficerId, Op, Record, RecordId, TeamId};
use beatbook_hq::push::Plan;
use beatbook_hq::push::{plan, verify_chain, PushContext};
use beatbook_hq::storage::postgres::PostgresStorage;
use beatbook_hq::storage::{DeviceRow, SessionRow};
use beatbook_hq::{Storage, StorageError};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use support::device::Device;
use support::{on_postgres, story, Db, FromDb};

mod support;

// ---------------------------------------------------------------------------------------------
// Backends

/// A backend under test, and its database to reach behind the storage's back.
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

story!(reference_data_round_trips);
story!(enrolment_codes_are_single_use_and_expire);
story!(sessions_are_found_by_either_hash_and_outlive_a_revoke);
story!(sessions_rotate_once_and_end_by_line_device_and_officer);
story!(push_applies_dedupes_and_refuses_gaps);
story!(the_op_log_is_append_only);
story!(a_big_batch_is_one_transaction);
story!(the_change_feed_reads_only_a_viewers_keys_and_keys_stick);
story!(the_access_log_is_searchable_and_append_only);

// ---------------------------------------------------------------------------------------------
// Fixtures

fn now() -> DateTime<Utc> {
    // Both backends keep times to the millisecond.
    Utc::now().trunc_subsecs(3)
}

fn officer(id: &str, collar: &str, teams: &[&str]) -> Officer {
    Officer {
        id: OfficerId::new(id),
        collar_number: collar.into(),
        name: format!("Officer {id}"),
        role: Role::Officer,
        teams: teams.iter().map(|t| TeamId::new(*t)).collect(),
    }
}

fn viewer(officer: &str) -> Viewer {
    Viewer {
        officer: OfficerId::new(officer),
        role: Role::Officer,
        teams: [TeamId::new("camden-town-tct")].into(),
        areas: [AreaId::new("E05013655")].into(),
    }
}

fn device_row(name: &str, at: DateTime<Utc>) -> DeviceRow {
    DeviceRow {
        id: DeviceId::new(),
        name: name.into(),
        secret_hash: format!("secret-of-{name}"),
        app_version: "1.0.0".into(),
        enrolled_at: at,
        revoked_at: None,
        last_seen_at: None,
        next_seq: 1,
    }
}

/// Enrol a device through a fresh code, as HQ does.
async fn enrol(s: &dyn Storage, name: &str) -> DeviceId {
    let at = now();
    let code = format!("code-for-{name}-{}", rand::random::<u64>());
    s.add_enrolment_code(&code, at + Duration::hours(1))
        .await
        .unwrap();
    let d = device_row(name, at);
    assert!(s.enrol_device(&code, &d, at).await.unwrap());
    d.id
}

/// Push through the real planner, as the route does.
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

fn outcomes(p: &Plan) -> Vec<OpOutcome> {
    p.response
        .results
        .iter()
        .map(|r| r.outcome.clone())
        .collect()
}

fn applied(seqs: std::ops::RangeInclusive<u64>) -> Vec<OpOutcome> {
    seqs.map(|server_seq| OpOutcome::Applied { server_seq })
        .collect()
}

fn description(state_json: &str) -> String {
    let state: RecordState = serde_json::from_str(state_json).unwrap();
    Concern::from_state(&state).unwrap().description
}

// ---------------------------------------------------------------------------------------------
// Stories

async fn reference_data_round_trips(b: Backend) {
    let s = &*b.storage;
    let town = Area {
        id: AreaId::new("tc-camden-town"),
        name: "Camden Town".into(),
        kind: AreaKind::TownCentre,
        borough: "Camden".into(),
        ons_code: None,
        town_centre_class: None,
        boundary: vec![[-0.14, 51.53], [-0.13, 51.53], [-0.135, 51.545]],
        boundary_approximate: true,
        // The gazetteer is kept with the area.
        places: vec![Place {
            name: "Camden Lock Market".into(),
            lat: 51.5413,
            lon: -0.1462,
        }],
    };
    let ward = Area {
        id: AreaId::new("E05013655"),
        name: "Camden Town".into(),
        kind: AreaKind::Ward,
        borough: "Camden".into(),
        ons_code: Some("E05013655".into()),
        town_centre_class: None,
        boundary: vec![[-0.1461, 51.5352], [-0.1389, 51.5421], [-0.1302, 51.5380]],
        boundary_approximate: false,
        places: Vec::new(),
    };
    s.put_area(&town).await.unwrap();
    s.put_area(&ward).await.unwrap();
    // Ordered by id, bytewise: "E..." before "tc-...".
    assert_eq!(s.areas().await.unwrap(), vec![ward.clone(), town.clone()]);
    let mut renamed = ward.clone();
    renamed.name = "Camden Town (ward)".into();
    s.put_area(&renamed).await.unwrap();
    assert_eq!(s.areas().await.unwrap(), vec![renamed, town]);

    let team = Team {
        id: TeamId::new("camden-town-tct"),
        name: "Camden Town TCT".into(),
        kind: TeamKind::Tct,
        areas: vec![AreaId::new("tc-camden-town")],
    };
    s.put_team(&team).await.unwrap();
    assert_eq!(s.teams().await.unwrap(), vec![team]);

    let mut pc = officer("pc-1", "123AB", &["camden-town-tct"]);
    assert_eq!(s.officer(&pc.id).await.unwrap(), None);
    s.put_officer(&pc, Some("hash-1")).await.unwrap();
    let row = s.officer(&pc.id).await.unwrap().unwrap();
    assert_eq!(row.officer, pc);
    assert_eq!(row.password_hash.as_deref(), Some("hash-1"));

    // No hash given: the one held is kept, while the rest is updated.
    pc.name = "Renamed".into();
    s.put_officer(&pc, None).await.unwrap();
    let row = s.officer_by_collar("123AB").await.unwrap().unwrap();
    assert_eq!(row.officer.name, "Renamed");
    assert_eq!(row.password_hash.as_deref(), Some("hash-1"));
    s.put_officer(&pc, Some("hash-2")).await.unwrap();
    let row = s.officer(&pc.id).await.unwrap().unwrap();
    assert_eq!(row.password_hash.as_deref(), Some("hash-2"));

    // An officer without a password yet.
    let other = officer("pc-2", "456CD", &[]);
    s.put_officer(&other, None).await.unwrap();
    assert_eq!(
        s.officer(&other.id).await.unwrap().unwrap().password_hash,
        None
    );

    // Someone else with the same collar number.
    let clash = officer("pc-3", "123AB", &[]);
    match s.put_officer(&clash, None).await {
        Err(StorageError::Conflict(_)) => {}
        other => panic!("a duplicate collar number must be a conflict, not {other:?}"),
    }
    assert_eq!(s.officer(&clash.id).await.unwrap(), None);
    assert_eq!(
        s.officer_by_collar("123AB")
            .await
            .unwrap()
            .unwrap()
            .officer
            .id,
        pc.id
    );
    assert_eq!(s.officer_by_collar("999ZZ").await.unwrap(), None);
    assert_eq!(s.counts().await.unwrap().officers, 2);
}

async fn enrolment_codes_are_single_use_and_expire(b: Backend) {
    let s = &*b.storage;
    let t0 = now();
    s.add_enrolment_code("good", t0 + Duration::hours(1))
        .await
        .unwrap();
    s.add_enrolment_code("stale", t0 - Duration::seconds(1))
        .await
        .unwrap();

    let first = device_row("tablet-1", t0);
    assert!(s.enrol_device("good", &first, t0).await.unwrap());
    assert_eq!(s.device(first.id).await.unwrap(), Some(first.clone()));

    // The code is used up: a second device cannot enrol with it, and is not created.
    let second = device_row("tablet-2", t0);
    assert!(!s.enrol_device("good", &second, t0).await.unwrap());
    assert_eq!(s.device(second.id).await.unwrap(), None);
    // An expired code and an unknown one do nothing either.
    assert!(!s.enrol_device("stale", &second, t0).await.unwrap());
    assert!(!s.enrol_device("never-issued", &second, t0).await.unwrap());
    // A code that expires exactly now has expired.
    s.add_enrolment_code("edge", t0).await.unwrap();
    assert!(!s.enrol_device("edge", &second, t0).await.unwrap());
    assert_eq!(s.devices().await.unwrap(), vec![first.clone()]);

    let seen = t0 + Duration::minutes(5);
    s.touch_device(first.id, seen).await.unwrap();
    let row = s.device(first.id).await.unwrap().unwrap();
    assert_eq!(row.last_seen_at, Some(seen));
    assert_eq!(s.counts().await.unwrap().devices, 1);
}

async fn sessions_are_found_by_either_hash_and_outlive_a_revoke(b: Backend) {
    let s = &*b.storage;
    let dev = enrol(s, "tablet").await;
    let other = enrol(s, "other").await;
    let t0 = now();
    let session = |n: u32, device: DeviceId| SessionRow {
        access_hash: format!("access-{n}"),
        refresh_hash: format!("refresh-{n}"),
        officer_id: OfficerId::new("pc-1"),
        device_id: device,
        access_expires_at: t0 + Duration::minutes(15),
        refresh_expires_at: t0 + Duration::days(30),
        line_id: format!("line-{n}"),
        signed_in_at: t0,
        rotated_at: None,
    };
    let (s1, s2, s3) = (session(1, dev), session(2, dev), session(3, other));
    for x in [&s1, &s2, &s3] {
        s.put_session(x).await.unwrap();
    }
    assert_eq!(
        s.session_by_access("access-1").await.unwrap(),
        Some(s1.clone())
    );
    assert_eq!(s.session_by_refresh("refresh-1").await.unwrap(), Some(s1));
    assert_eq!(s.session_by_access("refresh-1").await.unwrap(), None);
    assert_eq!(s.session_by_refresh("access-1").await.unwrap(), None);

    s.delete_session("access-1").await.unwrap();
    assert_eq!(s.session_by_access("access-1").await.unwrap(), None);
    assert_eq!(s.session_by_refresh("refresh-1").await.unwrap(), None);
    assert_eq!(
        s.session_by_access("access-2").await.unwrap(),
        Some(s2.clone())
    );

    // Revoking a device marks it, and keeps its sessions: its next request must be answered
    // "revoked" (so it wipes itself), not merely "unknown token".
    let t1 = t0 + Duration::minutes(1);
    assert!(s.revoke_device(dev, t1).await.unwrap());
    let kept = s.session_by_access("access-2").await.unwrap().unwrap();
    assert_eq!(kept, s2);
    assert_eq!(s.session_by_refresh("refresh-2").await.unwrap(), Some(s2));
    assert_eq!(s.session_by_access("access-3").await.unwrap(), Some(s3));
    assert_eq!(s.device(dev).await.unwrap().unwrap().revoked_at, Some(t1));
    // Revoking again keeps the first time; an unknown device is not revoked.
    assert!(s.revoke_device(dev, t1 + Duration::hours(1)).await.unwrap());
    assert_eq!(s.device(dev).await.unwrap().unwrap().revoked_at, Some(t1));
    assert!(!s.revoke_device(DeviceId::new(), t1).await.unwrap());
    assert_eq!(s.device(other).await.unwrap().unwrap().revoked_at, None);
}

async fn sessions_rotate_once_and_end_by_line_device_and_officer(b: Backend) {
    let s = &*b.storage;
    let pc = officer("pc-1", "123AB", &[]);
    s.put_officer(&pc, Some("hash-1")).await.unwrap();
    let dev = enrol(s, "tablet").await;
    let other = enrol(s, "other").await;
    let t0 = now();
    let session = |n: u32, device: DeviceId, line: &str| SessionRow {
        access_hash: format!("access-{n}"),
        refresh_hash: format!("refresh-{n}"),
        officer_id: pc.id.clone(),
        device_id: device,
        access_expires_at: t0 + Duration::minutes(15),
        refresh_expires_at: t0 + Duration::days(14),
        line_id: line.into(),
        signed_in_at: t0,
        rotated_at: None,
    };
    let first = session(1, dev, "line-a");
    s.put_session(&first).await.unwrap();

    // A refresh token works once: the second rotation writes nothing.
    let t1 = t0 + Duration::minutes(5);
    let second = session(2, dev, "line-a");
    assert!(s.rotate_session("refresh-1", t1, &second).await.unwrap());
    let used = s.session_by_refresh("refresh-1").await.unwrap().unwrap();
    assert_eq!(used.rotated_at, Some(t1));
    assert_eq!(s.session_by_access("access-2").await.unwrap(), Some(second));
    assert!(!s
        .rotate_session("refresh-1", t1, &session(3, dev, "line-a"))
        .await
        .unwrap());
    assert_eq!(s.session_by_access("access-3").await.unwrap(), None);

    // Ending the line ends every session of it, and no other.
    s.put_session(&session(4, other, "line-b")).await.unwrap();
    assert_eq!(s.end_session_line("line-a").await.unwrap(), 2);
    assert_eq!(s.session_by_access("access-2").await.unwrap(), None);
    assert!(s.session_by_access("access-4").await.unwrap().is_some());

    // A device's sign-out ends its sessions only.
    s.put_session(&session(5, dev, "line-c")).await.unwrap();
    s.put_session(&session(6, dev, "line-d")).await.unwrap();
    assert_eq!(s.end_device_sessions(dev).await.unwrap(), 2);
    assert!(s.session_by_access("access-4").await.unwrap().is_some());

    // Disabling an officer ends every session of theirs, on devices and at the dashboard.
    s.put_hq_session(&beatbook_hq::storage::HqSessionRow {
        token_hash: "staff-1".into(),
        officer_id: pc.id.clone(),
        created_at: t0,
        expires_at: t0 + Duration::hours(10),
    })
    .await
    .unwrap();
    assert!(s.set_officer_disabled(&pc.id, Some(t1)).await.unwrap());
    assert_eq!(
        s.officer(&pc.id).await.unwrap().unwrap().disabled_at,
        Some(t1)
    );
    assert_eq!(s.session_by_access("access-4").await.unwrap(), None);
    assert_eq!(s.hq_session("staff-1").await.unwrap(), None);
    assert_eq!(
        s.disabled_officers().await.unwrap(),
        vec![(pc.id.clone(), t1)]
    );
    assert!(s.set_officer_disabled(&pc.id, None).await.unwrap());
    assert_eq!(s.officer(&pc.id).await.unwrap().unwrap().disabled_at, None);
    assert!(s.disabled_officers().await.unwrap().is_empty());
    assert!(!s
        .set_officer_disabled(&OfficerId::new("nobody"), Some(t1))
        .await
        .unwrap());

    // A password hash is replaced only if it is still the one read.
    assert!(s
        .upgrade_password_hash(&pc.id, "hash-1", "hash-2")
        .await
        .unwrap());
    assert!(!s
        .upgrade_password_hash(&pc.id, "hash-1", "hash-3")
        .await
        .unwrap());
    let row = s.officer(&pc.id).await.unwrap().unwrap();
    assert_eq!(row.password_hash.as_deref(), Some("hash-2"));

    // Expired sessions go; live ones stay.
    let mut stale = session(7, dev, "line-e");
    stale.refresh_expires_at = t0 + Duration::minutes(1);
    s.put_session(&stale).await.unwrap();
    s.put_session(&session(8, dev, "line-f")).await.unwrap();
    s.put_hq_session(&beatbook_hq::storage::HqSessionRow {
        token_hash: "staff-2".into(),
        officer_id: pc.id.clone(),
        created_at: t0,
        expires_at: t0 + Duration::minutes(1),
    })
    .await
    .unwrap();
    assert_eq!(
        s.forget_expired_sessions(t0 + Duration::minutes(2))
            .await
            .unwrap(),
        2
    );
    assert_eq!(s.session_by_access("access-7").await.unwrap(), None);
    assert!(s.session_by_access("access-8").await.unwrap().is_some());
}

async fn push_applies_dedupes_and_refuses_gaps(b: Backend) {
    let s = &*b.storage;
    let id = enrol(s, "tablet").await;
    let mut d = Device::new(id, "pc-1");
    let first = vec![
        d.create("Group drinking outside the station"),
        d.create("Bins set alight on the estate"),
        d.create("Cyclists on the pavement"),
    ];
    let (a, b2, c) = (first[0].record_id, first[1].record_id, first[2].record_id);

    let p = push(s, id, "pc-1", &first).await;
    assert_eq!(outcomes(&p), applied(1..=3));
    assert_eq!(p.response.expected_seq, 4);
    assert_eq!(s.head().await.unwrap(), 3);

    // The same batch again: duplicates, nothing changes.
    let before = s.changes_after(0, 100).await.unwrap();
    let p = push(s, id, "pc-1", &first).await;
    assert_eq!(outcomes(&p), vec![OpOutcome::Duplicate; 3]);
    assert_eq!(p.response.expected_seq, 4);
    assert_eq!(s.head().await.unwrap(), 3);
    assert_eq!(s.changes_after(0, 100).await.unwrap(), before);
    assert_eq!(s.op_log(id).await.unwrap().len(), 3);

    // An edit (op 4) and a second one (op 5); sending op 5 alone is a gap.
    let edit = d.edit(a, "Group drinking outside the station, most evenings");
    let later = d.edit(b2, "Bins set alight on the estate, twice this week");
    let p = push(s, id, "pc-1", std::slice::from_ref(&later)).await;
    match &outcomes(&p)[..] {
        [OpOutcome::Rejected { code, .. }] => assert_eq!(code, "gap"),
        other => panic!("expected a gap, got {other:?}"),
    }
    assert_eq!(p.response.expected_seq, 4);
    assert_eq!(s.head().await.unwrap(), 3);
    assert_eq!(s.op_log(id).await.unwrap().len(), 3);

    // Sent in order, both apply; the edited records move to the end of the feed.
    let p = push(s, id, "pc-1", &[later.clone(), edit.clone()]).await;
    assert_eq!(outcomes(&p), applied(4..=5));
    assert_eq!(s.head().await.unwrap(), 5);

    // An op naming another author is refused, logged, and refused again on retry.
    let mut impostor = d.create("Written by someone else");
    impostor.author = OfficerId::new("pc-9");
    let p = push(s, id, "pc-1", std::slice::from_ref(&impostor)).await;
    let refused = outcomes(&p);
    assert!(matches!(&refused[..], [OpOutcome::Rejected { code, .. }] if code == "wrong_author"));
    assert_eq!(s.head().await.unwrap(), 5);
    let p = push(s, id, "pc-1", std::slice::from_ref(&impostor)).await;
    assert_eq!(outcomes(&p), refused);
    assert_eq!(p.response.expected_seq, 7);

    // The change feed: each record once, at its latest server sequence, oldest first.
    let feed = s.changes_after(0, 100).await.unwrap();
    let order: Vec<(u64, RecordId)> = feed.iter().map(|c| (c.server_seq, c.record_id)).collect();
    assert_eq!(order, vec![(3, c), (4, a), (5, b2)]);
    assert_eq!(
        description(&feed[1].state_json),
        "Group drinking outside the station, most evenings"
    );
    assert_eq!(
        description(&feed[2].state_json),
        "Bins set alight on the estate, twice this week"
    );
    assert_eq!(feed[0].facts.created_by, OfficerId::new("pc-1"));
    assert_eq!(feed[0].facts.areas, vec![AreaId::new("E05013655")]);
    // The cursor and the limit are honoured.
    let after3: Vec<u64> = s
        .changes_after(3, 100)
        .await
        .unwrap()
        .iter()
        .map(|c| c.server_seq)
        .collect();
    assert_eq!(after3, vec![4, 5]);
    let page: Vec<u64> = s
        .changes_after(0, 2)
        .await
        .unwrap()
        .iter()
        .map(|c| c.server_seq)
        .collect();
    assert_eq!(page, vec![3, 4]);
    assert!(s.changes_after(5, 100).await.unwrap().is_empty());

    // The op log holds the whole chain, rejected op included, and it verifies.
    let log = s.op_log(id).await.unwrap();
    assert_eq!(
        log.iter().map(|l| l.device_seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5, 6]
    );
    let report = verify_chain(&log);
    assert!(report.ok, "{report:?}");
    assert_eq!(report.ops, 6);
    assert_eq!(serde_json::from_str::<Op>(&log[3].op_json).unwrap(), edit);
    assert_eq!(serde_json::from_str::<Op>(&log[4].op_json).unwrap(), later);
    // Tampering with what was read back is caught (the check reads what storage returned).
    let mut tampered = log.clone();
    tampered[1].outcome_json = r#"{"outcome":"duplicate"}"#.into();
    assert_eq!(verify_chain(&tampered).broken_at, Some(2));
    let counts = s.counts().await.unwrap();
    assert_eq!((counts.records, counts.ops), (3, 6));
    assert!(s.op_log(DeviceId::new()).await.unwrap().is_empty());
}

async fn the_op_log_is_append_only(b: Backend) {
    let s = &*b.storage;
    let id = enrol(s, "tablet").await;
    let mut d = Device::new(id, "pc-1");
    let ops = vec![d.create("One"), d.create("Two")];
    assert_eq!(outcomes(&push(s, id, "pc-1", &ops).await), applied(1..=2));
    let before = s.op_log(id).await.unwrap();

    let mut attempts = vec![
        "UPDATE op_log SET outcome = '{\"outcome\":\"duplicate\"}'",
        "DELETE FROM op_log",
    ];
    if matches!(b.raw, Db::Postgres { .. }) {
        attempts.push("TRUNCATE op_log");
    }
    for sql in attempts {
        let err = b.raw.exec(sql).await.expect_err(sql);
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    // The raw connection does reach the same tables: a harmless write elsewhere goes through.
    b.raw.exec("UPDATE records SET kind = kind").await.unwrap();
    assert_eq!(s.op_log(id).await.unwrap(), before);
    assert!(verify_chain(&before).ok);
}

async fn a_big_batch_is_one_transaction(b: Backend) {
    const OPS: usize = 10_000;
    let s = &*b.storage;
    let id = enrol(s, "tablet").await;
    let mut d = Device::new(id, "pc-1");
    // About 1 KB an op.
    let text = "Reported again by the shopkeeper at the corner; ".repeat(14);
    let ops: Vec<Op> = (0..OPS)
        .map(|i| d.create(&format!("{i}: {text}")))
        .collect();
    let op_bytes: usize = ops
        .iter()
        .map(|o| serde_json::to_string(o).unwrap().len())
        .sum();
    assert!(op_bytes / OPS > 900, "ops are {} bytes", op_bytes / OPS);

    let ctx = PushContext {
        device: id,
        viewer: viewer("pc-1"),
        now: Utc::now(),
        rules: beatbook_hq::push::PushRules::default(),
    };
    let batch = ops.clone();
    // Speed is measured by `beatbook bench sync`, not asserted here.
    let p = s
        .push(id, &ops, Box::new(move |loaded| plan(&ctx, &batch, loaded)))
        .await
        .unwrap();
    assert_eq!(outcomes(&p), applied(1..=OPS as u64));
    assert_eq!(s.head().await.unwrap(), OPS as u64);
    let counts = s.counts().await.unwrap();
    assert_eq!((counts.records, counts.ops), (OPS as u64, OPS as u64));
    let feed = s.changes_after(0, u32::MAX).await.unwrap();
    assert_eq!(feed.len(), OPS);
    assert!(feed
        .iter()
        .zip(1u64..)
        .all(|(c, n)| c.server_seq == n && c.record_id == ops[n as usize - 1].record_id));
    assert!(verify_chain(&s.op_log(id).await.unwrap()).ok);
}

async fn the_change_feed_reads_only_a_viewers_keys_and_keys_stick(b: Backend) {
    let s = &*b.storage;
    let id = enrol(s, "tablet").await;
    let mut d = Device::new(id, "pc-1");
    let keys = |v: &[&str]| v.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    let seqs = |feed: &[beatbook_hq::storage::Change]| {
        feed.iter().map(|c| c.server_seq).collect::<Vec<_>>()
    };

    // Three concerns in ward E05013655 (seqs 1..=3), then the second moves to ward E05013660 (4).
    let ops: Vec<Op> = (0..3).map(|i| d.create(&format!("concern {i}"))).collect();
    push(s, id, "pc-1", &ops).await;
    let moved = ops[1].record_id;
    let op = d.move_to(moved, &["E05013660"]);
    push(s, id, "pc-1", &[op]).await;

    // A viewer of the new ward sees only the moved concern, at its latest sequence.
    let ward_b = s
        .changes_for(&keys(&["area:E05013660"]), 0, 100)
        .await
        .unwrap();
    assert_eq!(seqs(&ward_b), vec![4]);
    assert_eq!(ward_b[0].record_id, moved);
    // A viewer of the old ward still hears of it (keys stick), so a device that held it lets it go.
    let ward_a = s
        .changes_for(&keys(&["area:E05013655"]), 0, 100)
        .await
        .unwrap();
    assert_eq!(seqs(&ward_a), vec![1, 3, 4]);
    // Someone else's keys, and a cursor past everything, read nothing.
    assert!(s
        .changes_for(&keys(&["area:E05009370", "officer:pc-2"]), 0, 100)
        .await
        .unwrap()
        .is_empty());
    assert!(s
        .changes_for(&keys(&["area:E05013655"]), 4, 100)
        .await
        .unwrap()
        .is_empty());
    // Several keys: each change once, in commit order, cut at the limit, resumable from the cursor.
    let both = keys(&["area:E05013655", "area:E05013660", "officer:pc-1"]);
    assert_eq!(
        seqs(&s.changes_for(&both, 0, 100).await.unwrap()),
        vec![1, 3, 4]
    );
    assert_eq!(seqs(&s.changes_for(&both, 0, 2).await.unwrap()), vec![1, 3]);
    assert_eq!(seqs(&s.changes_for(&both, 3, 2).await.unwrap()), vec![4]);
    // The feed agrees with the full scan on what each change holds.
    let all = s.changes_after(0, 100).await.unwrap();
    let full: Vec<_> = all
        .iter()
        .filter(|c| [1, 3, 4].contains(&c.server_seq))
        .cloned()
        .collect();
    assert_eq!(s.changes_for(&both, 0, 100).await.unwrap(), full);
}

async fn the_access_log_is_searchable_and_append_only(b: Backend) {
    use beatbook_hq::dashboard::audit::AccessEntry;
    use beatbook_hq::storage::AccessQuery;
    let s = &*b.storage;
    let tablet = DeviceId::new();
    let (r1, r2) = (RecordId::new(), RecordId::new());
    let t0 = now();
    let entry = |at, officer: &str, device, action: &str, ids: Vec<RecordId>| AccessEntry {
        at,
        officer_id: OfficerId::new(officer),
        device_id: device,
        action: action.into(),
        record_ids: ids,
        detail: format!("{action} by {officer}"),
        purpose: format!("Investigation CAD {officer}: {action}"),
    };
    let pulled = entry(t0, "PC4127", Some(tablet), "pull", vec![r1, r2]);
    let viewed = entry(t0 + Duration::minutes(5), "DC7740", None, "view", vec![r2]);
    s.log_access(&pulled).await.unwrap();
    s.log_access(&viewed).await.unwrap();

    let find = |q: AccessQuery| async move {
        s.access_log(&AccessQuery { limit: 100, ..q })
            .await
            .unwrap()
    };
    assert_eq!(
        find(AccessQuery::default()).await,
        vec![viewed.clone(), pulled.clone()],
        "newest first"
    );
    assert_eq!(
        find(AccessQuery {
            officer_id: Some(OfficerId::new("PC4127")),
            ..Default::default()
        })
        .await,
        vec![pulled.clone()]
    );
    assert_eq!(
        find(AccessQuery {
            device_id: Some(tablet),
            ..Default::default()
        })
        .await,
        vec![pulled.clone()]
    );
    assert_eq!(
        find(AccessQuery {
            record_id: Some(r1),
            ..Default::default()
        })
        .await,
        vec![pulled.clone()]
    );
    assert_eq!(
        find(AccessQuery {
            record_id: Some(r2),
            ..Default::default()
        })
        .await
        .len(),
        2
    );
    assert_eq!(
        find(AccessQuery {
            record_id: Some(RecordId::new()),
            ..Default::default()
        })
        .await,
        vec![]
    );
    assert_eq!(
        find(AccessQuery {
            from: Some(t0 + Duration::minutes(1)),
            ..Default::default()
        })
        .await,
        vec![viewed.clone()]
    );
    assert_eq!(
        find(AccessQuery {
            to: Some(t0),
            ..Default::default()
        })
        .await,
        vec![pulled.clone()]
    );
    assert_eq!(
        s.access_log(&AccessQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap(),
        vec![viewed]
    );

    for sql in [
        "UPDATE access_log SET detail = 'nothing to see'",
        "DELETE FROM access_log",
    ] {
        let err = b.raw.exec(sql).await.unwrap_err();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL only: several HQ processes on one database.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_processes_hand_out_server_seqs_in_commit_order() {
    on_postgres(two_processes_pushing_concurrently).await
}

async fn two_processes_pushing_concurrently(b: Backend) {
    const DEVICES: usize = 4;
    const BATCHES: usize = 20;
    const PER_BATCH: usize = 5;
    // A second HQ process on the same schema.
    let hq: [Arc<dyn Storage>; 2] = [b.storage.clone(), b.raw.open().await];
    let mut ids = Vec::new();
    for i in 0..DEVICES {
        ids.push(enrol(&*hq[i % 2], &format!("tablet-{i}")).await);
    }

    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // A reader pulling with a cursor throughout, as devices do.
    let reader = {
        let s = hq[1].clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut cursor = 0u64;
            let mut seen: BTreeMap<RecordId, (u64, String)> = BTreeMap::new();
            let mut pulls = 0u32;
            loop {
                // Read `done` before pulling: a pull that starts after the pushes end sees them all.
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let page = s.changes_after(cursor, 7).await.unwrap();
                pulls += 1;
                for c in &page {
                    assert!(c.server_seq > cursor, "the feed went backwards");
                    cursor = c.server_seq;
                    seen.insert(c.record_id, (c.server_seq, c.state_json.clone()));
                }
                if page.is_empty() {
                    if finished {
                        break;
                    }
                    tokio::task::yield_now().await;
                }
            }
            (seen, cursor, pulls)
        })
    };

    let mut pushers = Vec::new();
    for (i, id) in ids.iter().copied().enumerate() {
        let hq = hq.clone();
        pushers.push(tokio::spawn(async move {
            let officer = "pc-1";
            let mut d = Device::new(id, officer);
            let mut mine: Vec<RecordId> = Vec::new();
            for batch in 0..BATCHES {
                let mut ops = Vec::new();
                for k in 0..PER_BATCH {
                    // Mostly new records, and edits of this device's earlier ones.
                    if k % 2 == 1 && !mine.is_empty() {
                        let r = mine[(batch * 7 + k) % mine.len()];
                        ops.push(d.edit(r, &format!("device {i} batch {batch} op {k}: edited")));
                    } else {
                        let op = d.create(&format!("device {i} batch {batch} op {k}"));
                        mine.push(op.record_id);
                        ops.push(op);
                    }
                }
                // Alternate between the two HQ processes.
                let s = &*hq[(i + batch) % 2];
                let p = push(s, id, officer, &ops).await;
                assert!(
                    p.response
                        .results
                        .iter()
                        .all(|r| matches!(r.outcome, OpOutcome::Applied { .. })),
                    "{:?}",
                    p.response
                );
            }
            (d.seq, mine.len() as u64)
        }));
    }
    let (mut total, mut created) = (0u64, 0u64);
    for p in pushers {
        let (ops, records) = p.await.unwrap();
        total += ops;
        created += records;
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (seen, cursor, pulls) = reader.await.unwrap();

    let head = hq[0].head().await.unwrap();
    assert_eq!(head, total);
    assert_eq!(hq[1].head().await.unwrap(), head);
    assert_eq!(cursor, head);
    assert!(pulls > 1, "the reader should have pulled during the pushes");

    // Every server sequence 1..=head was handed out exactly once.
    let mut seqs = Vec::new();
    for id in &ids {
        let log = hq[0].op_log(*id).await.unwrap();
        assert!(verify_chain(&log).ok);
        for entry in &log {
            match serde_json::from_str::<OpOutcome>(&entry.outcome_json).unwrap() {
                OpOutcome::Applied { server_seq } => seqs.push(server_seq),
                other => panic!("op {} was not applied: {other:?}", entry.device_seq),
            }
        }
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=head).collect::<Vec<_>>());

    // The reader, though it pulled while pushes were committing, saw every record's final state:
    // no row was skipped behind its cursor.
    let finals: BTreeMap<RecordId, (u64, String)> = hq[0]
        .changes_after(0, u32::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.record_id, (c.server_seq, c.state_json)))
        .collect();
    assert_eq!(finals.len() as u64, created);
    assert_eq!(seen, finals);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_processes_starting_together_migrate_once() {
    on_postgres(processes_starting_together_migrate_once).await
}

async fn processes_starting_together_migrate_once(db: Db) {
    use beatbook_hq::storage::prelude::*;
    let url = db.url();
    // Two HQ processes starting at once on an empty schema (one through `open_storage`).
    let key = support::key();
    let (a, b) = tokio::join!(
        PostgresStorage::connect(&url),
        beatbook_hq::open_storage(&url, &key)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(b.backend(), "postgres");
    assert_eq!(a.head().await.unwrap(), 0);
    // Every migration applied, each once.
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
        })
        .count();
    assert!(shipped >= 6, "{shipped} migrations found");
    db.exec(&format!(
        "DO $$ BEGIN
           IF (SELECT count(*) FROM schema_migrations) <> {shipped}
              OR (SELECT count(DISTINCT version) FROM schema_migrations) <> {shipped} THEN
             RAISE EXCEPTION 'migrations applied % times', (SELECT count(*) FROM schema_migrations);
           END IF;
         END $$"
    ))
    .await
    .unwrap();
    // A database migrated by a newer HQ is refused rather than misread.
    db.exec("INSERT INTO schema_migrations (version) VALUES (99)")
        .await
        .unwrap();
    match PostgresStorage::connect(&url).await {
        Err(StorageError::NewerSchema { found: 99, .. }) => {}
        Err(other) => panic!("expected NewerSchema, got {other}"),
        Ok(_) => panic!("expected NewerSchema, got a storage"),
    }
}
