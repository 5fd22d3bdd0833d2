use beatbook_domain::concern::{Concern, ConcernStatus, NewConcern};
use beatbook_domain::meeting::{Priority, PriorityStatus, SaraPlan, YouSaidWeDid};
use beatbook_domain::op::{FieldWrite, OpAction};
use beatbook_domain::reference::demo_areas;
use beatbook_domain::views::ListFilter;
use beatbook_domain::{AreaId, OfficerId, RecordKind};
use beatbook_store::{InitSettings, KdfSettings, Store, StoreError, MAX_PIN_ATTEMPTS};
use serde_json::json;
use std::path::Path;

const PIN: &str = "482913";

fn settings() -> InitSettings {
    InitSettings {
        officer: OfficerId::new("PC4127"),
        kdf: KdfSettings::INSECURE_FAST,
        areas: demo_areas(),
    }
}

fn new_store(dir: &Path) -> Store {
    Store::init(dir, PIN, settings()).unwrap()
}

fn concern(description: &str, lat: f64, lon: f64) -> NewConcern {
    serde_json::from_value(json!({
        "category": {"kind": "vawg", "type": "environmental", "heading": "badly_lit"},
        "description": description,
        "location": {"lat": lat, "lon": lon, "place": "Pratt Street passage"},
        "reported_at": "2026-11-20T22:15:00Z",
    }))
    .unwrap()
}

const CAMDEN_TOWN_STATION: (f64, f64) = (51.5392, -0.1426);

#[test]
fn an_intelligence_report_with_a_location_has_the_areas_a_concern_there_has() {
    use beatbook_domain::intel::IntelReport;
    use beatbook_domain::tablet::IntelSubmission;
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let (lat, lon) = CAMDEN_TOWN_STATION;
    let concern_id = store
        .add_concern(concern("Dealing by the station", lat, lon))
        .unwrap();
    let submission: IntelSubmission = serde_json::from_value(json!({
        "grade": {"source": "2", "intelligence": "C", "handling": {"code": "C", "conditions": "Police only"}},
        "security": "official_sensitive",
        "content": "What: bikes used to sell drugs",
        "checks_made": "",
        "threat_to_life": false,
        "location": {"lat": lat, "lon": lon, "place": "Camden Town station"},
        "source": null,
    }))
    .unwrap();
    let saved = store.submit_intel(submission).unwrap();
    let report = store.get::<IntelReport>(saved.report_id).unwrap();
    assert_eq!(
        report.record.areas,
        store.get::<Concern>(concern_id).unwrap().record.areas
    );
    assert_eq!(
        report.record.areas,
        vec![AreaId::new("E05013655"), AreaId::new("tc-camden-town")]
    );
}

#[test]
fn a_saved_concern_is_routed_listed_and_queued_for_hq_in_one_write() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let (lat, lon) = CAMDEN_TOWN_STATION;
    let id = store
        .add_concern(concern(
            "Street light out, women avoid the passage",
            lat,
            lon,
        ))
        .unwrap();

    let got = store.get::<Concern>(id).unwrap();
    assert_eq!(
        got.record.areas,
        vec![AreaId::new("E05013655"), AreaId::new("tc-camden-town")]
    );
    assert_eq!(got.created_by, OfficerId::new("PC4127"));
    assert_eq!(got.pending_ops, 1);

    let ops = store.pending_ops(10).unwrap();
    assert_eq!(ops.len(), 1);
    assert_eq!(
        (ops[0].device_seq, ops[0].record_id, ops[0].kind),
        (1, id, RecordKind::Concern)
    );
    assert_eq!(ops[0].device_id, store.device_id());
    let OpAction::Put { fields } = &ops[0].action else {
        panic!("not a put: {:?}", ops[0].action)
    };
    assert!(matches!(&fields["description"], FieldWrite::Text { bases, .. } if bases.is_empty()));
    assert_eq!(store.pending_count().unwrap(), 1);
    let listed = store.list(&ListFilter::default()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].id, listed[0].pending_ops), (id, 1));
}

#[test]
fn an_invalid_record_writes_nothing_and_leaves_no_gap_in_the_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let err = store.add_concern(concern("   ", 95.0, 0.0)).unwrap_err();
    let StoreError::Invalid(errs) = err else {
        panic!("expected validation errors, got {err}")
    };
    assert!(
        errs.has("description") && errs.has("location.lat"),
        "{errs}"
    );
    assert_eq!(store.pending_count().unwrap(), 0);
    assert!(store.list(&ListFilter::default()).unwrap().is_empty());

    store
        .add_concern(concern("Lights out again", 51.54, -0.143))
        .unwrap();
    assert_eq!(store.pending_ops(10).unwrap()[0].device_seq, 1);
}

#[test]
fn records_and_the_sequence_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let mut store = new_store(dir.path());
        store.add_concern(concern("First", 51.54, -0.143)).unwrap()
    };
    let mut store = Store::open(dir.path(), PIN).unwrap();
    assert_eq!(
        store.get::<Concern>(id).unwrap().record.description,
        "First"
    );
    store.add_concern(concern("Second", 51.54, -0.143)).unwrap();
    let seqs: Vec<u64> = store
        .pending_ops(10)
        .unwrap()
        .iter()
        .map(|o| o.device_seq)
        .collect();
    assert_eq!(seqs, vec![1, 2]);
    let hlcs: Vec<_> = store
        .pending_ops(10)
        .unwrap()
        .iter()
        .map(|o| o.hlc)
        .collect();
    assert!(hlcs[0] < hlcs[1]);
}

#[test]
fn the_database_on_disk_holds_none_of_the_text_and_sqlite3_cannot_read_it() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "Zanzibar-Quokka witness saw the blue Corsa";
    {
        let mut store = new_store(dir.path());
        let mut c = concern(secret, 51.54, -0.143);
        c.consent_to_contact = true;
        c.contact = Some("Quokkaville 07700 900555".into());
        store.add_concern(c).unwrap();
        // The store is still open: the text may sit in the WAL, which is encrypted too.
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            for needle in [
                "Zanzibar",
                "Quokka",
                "07700",
                "Pratt Street",
                "SQLite format 3",
            ] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{needle:?} found in plaintext"
                );
            }
        }
    }
    let db = dir.path().join(beatbook_store::DB_FILE);
    let out = std::process::Command::new("sqlite3")
        .arg(&db)
        .arg("SELECT state FROM records;")
        .output()
        .expect("the sqlite3 command-line tool must be installed (make test installs it)");
    assert!(
        !out.status.success(),
        "sqlite3 read the database: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not a database"),
        "unexpected sqlite3 error: {stderr}"
    );

    // Neither can SQLCipher itself without the key.
    let conn = rusqlite::Connection::open(&db).unwrap();
    assert!(conn
        .query_row("SELECT count(*) FROM records", [], |r| r.get::<_, i64>(0))
        .is_err());
}

#[test]
fn a_wrong_pin_is_a_clear_error_and_too_many_wipe_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let id = new_store(dir.path())
        .add_concern(concern("Kept", 51.54, -0.143))
        .unwrap();

    let err = Store::open(dir.path(), "000000").unwrap_err();
    assert!(
        matches!(err, StoreError::WrongPin { attempts_left } if attempts_left == MAX_PIN_ATTEMPTS - 1),
        "{err}"
    );
    assert_eq!(err.code(), "wrong_pin");
    // The right PIN still works and resets the count.
    assert_eq!(
        Store::open(dir.path(), PIN)
            .unwrap()
            .get::<Concern>(id)
            .unwrap()
            .record
            .description,
        "Kept"
    );
    for n in 1..MAX_PIN_ATTEMPTS {
        let err = Store::open(dir.path(), "111111").unwrap_err();
        assert!(
            matches!(err, StoreError::WrongPin { attempts_left } if attempts_left == MAX_PIN_ATTEMPTS - n),
            "{err}"
        );
    }
    let err = Store::open(dir.path(), "111111").unwrap_err();
    assert!(
        matches!(err, StoreError::WipedAfterFailedPins { .. }),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "files left after wipe"
    );
    assert!(matches!(
        Store::open(dir.path(), PIN).unwrap_err(),
        StoreError::NotInitialised(_)
    ));
}

#[test]
fn a_wipe_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    store
        .add_concern(concern("To be wiped", 51.54, -0.143))
        .unwrap();
    store.wipe_and_close().unwrap();
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(!Store::exists(dir.path()));
}

#[test]
fn a_short_pin_is_refused_and_the_pin_can_be_changed() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::init(dir.path(), "1234", settings()).unwrap_err();
    assert_eq!(err.code(), "pin_too_short");
    assert!(!Store::exists(dir.path()));
    drop(new_store(dir.path()));
    assert_eq!(
        Store::init(dir.path(), PIN, settings()).unwrap_err().code(),
        "already_initialised"
    );
    Store::change_pin(dir.path(), PIN, "90210777").unwrap();
    assert_eq!(
        Store::open(dir.path(), PIN).unwrap_err().code(),
        "wrong_pin"
    );
    Store::open(dir.path(), "90210777").unwrap();
}

#[test]
fn a_trivial_pin_is_refused_in_words_when_chosen_but_not_when_typed() {
    let dir = tempfile::tempdir().unwrap();
    for pin in ["000000", "123456", "654321", "121212", "112233"] {
        let err = Store::init(dir.path(), pin, settings()).unwrap_err();
        assert_eq!(err.code(), "pin_too_easy", "{pin}");
        assert!(
            err.to_string()
                .starts_with("that PIN is too easy to guess: "),
            "{err}"
        );
        assert!(!Store::exists(dir.path()));
    }
    drop(new_store(dir.path()));
    let err = Store::change_pin(dir.path(), PIN, "999999").unwrap_err();
    assert_eq!(err.code(), "pin_too_easy");
    assert!(err.to_string().contains("every digit is the same"), "{err}");
    // The PIN is unchanged; a trivial PIN typed to unlock is only a wrong PIN.
    Store::open(dir.path(), PIN).unwrap();
    assert_eq!(
        Store::open(dir.path(), "123456").unwrap_err().code(),
        "wrong_pin"
    );
}

#[test]
fn full_text_search_finds_words_and_prefixes_and_respects_filters() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let camden = store
        .add_concern(concern(
            "Group drinking outside the station",
            51.5392,
            -0.1426,
        ))
        .unwrap();
    let dalston = store
        .add_concern(concern(
            "Drinking and shouting at the bus stop",
            51.5465,
            -0.0755,
        ))
        .unwrap();
    store
        .add_concern(concern("Fly-tipping behind the shops", 51.5465, -0.0755))
        .unwrap();

    let ids = |rows: Vec<beatbook_domain::views::RecordSummary>| {
        rows.into_iter().map(|r| r.id).collect::<Vec<_>>()
    };
    let mut both = ids(store.search("drink", &ListFilter::default()).unwrap());
    both.sort();
    let mut expect = vec![camden, dalston];
    expect.sort();
    assert_eq!(both, expect);
    let in_dalston = ListFilter {
        area: Some(AreaId::new("tc-dalston")),
        ..Default::default()
    };
    assert_eq!(
        ids(store.search("drinking", &in_dalston).unwrap()),
        vec![dalston]
    );
    assert!(store
        .search("burglary", &ListFilter::default())
        .unwrap()
        .is_empty());
    // Query syntax typed by a person is just text.
    assert!(store
        .search("\"drinking OR ) NEAR(", &ListFilter::default())
        .is_ok());

    // A changed description is found by its new words only.
    let mut c = store.get::<Concern>(camden).unwrap().record;
    c.description = "Rough sleeper needs outreach referral".into();
    assert!(store.update_concern(camden, c).unwrap());
    assert_eq!(
        ids(store.search("outreach", &ListFilter::default()).unwrap()),
        vec![camden]
    );
    assert_eq!(
        ids(store.search("drinking", &ListFilter::default()).unwrap()),
        vec![dalston]
    );

    // Deleted records are not found.
    store.delete(dalston).unwrap();
    assert!(store
        .search("drinking", &ListFilter::default())
        .unwrap()
        .is_empty());
}

#[test]
fn lists_filter_by_kind_area_status_and_date() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let mut old = concern("Old graffiti", 51.5465, -0.0755);
    old.reported_at = Some("2026-01-05T10:00:00Z".parse().unwrap());
    old.status = ConcernStatus::Closed;
    let old = store.add_concern(old).unwrap();
    let new = store
        .add_concern(concern("New graffiti", 51.5392, -0.1426))
        .unwrap();
    let p = store
        .create(&Priority {
            area_id: AreaId::new("E05013655"),
            title: "Graffiti on the canal bridge".into(),
            description: String::new(),
            meeting_id: None,
            agreed_on: "2026-10-01".parse().unwrap(),
            last_reviewed_on: None,
            status: PriorityStatus::Active,
            sara: SaraPlan::default(),
            retention_review: "2028-10-01".parse().unwrap(),
        })
        .unwrap();

    let ids = |f: ListFilter| {
        store
            .list(&f)
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(ListFilter::default()),
        vec![new, p, old],
        "newest first"
    );
    assert_eq!(
        ids(ListFilter {
            kind: Some(RecordKind::Priority),
            ..Default::default()
        }),
        vec![p]
    );
    assert_eq!(
        ids(ListFilter {
            area: Some(AreaId::new("E05013655")),
            ..Default::default()
        }),
        vec![new, p]
    );
    assert_eq!(
        ids(ListFilter {
            status: Some("closed".into()),
            ..Default::default()
        }),
        vec![old]
    );
    assert_eq!(
        ids(ListFilter {
            since: Some("2026-09-01T00:00:00Z".parse().unwrap()),
            kind: Some(RecordKind::Concern),
            ..Default::default()
        }),
        vec![new]
    );
    assert_eq!(
        ids(ListFilter {
            until: Some("2026-09-01T00:00:00Z".parse().unwrap()),
            ..Default::default()
        }),
        vec![old]
    );
    assert_eq!(
        ids(ListFilter {
            limit: Some(1),
            ..Default::default()
        }),
        vec![new]
    );
}

#[test]
fn an_update_sends_only_what_changed_and_the_wrong_kind_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let id = store
        .add_concern(concern("Lights out", 51.5392, -0.1426))
        .unwrap();
    let mut c = store.get::<Concern>(id).unwrap().record;
    assert!(
        !store.update_concern(id, c.clone()).unwrap(),
        "no change, no op"
    );
    c.status = ConcernStatus::InProgress;
    assert!(store.update_concern(id, c).unwrap());
    let ops = store.pending_ops(10).unwrap();
    assert_eq!(ops.len(), 2);
    let OpAction::Put { fields } = &ops[1].action else {
        panic!()
    };
    assert_eq!(fields.keys().collect::<Vec<_>>(), vec!["status"]);

    // Wrong kind is refused, not silently written.
    assert_eq!(
        store.get::<Priority>(id).unwrap_err().code(),
        "kind_mismatch"
    );
    let err = store
        .add_priority_update(
            id,
            &YouSaidWeDid {
                you_said: "a".into(),
                we_did: "b".into(),
                on: "2026-11-01".parse().unwrap(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "kind_mismatch");
}

#[test]
fn you_said_we_did_updates_are_kept_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let p = store
        .create(&Priority {
            area_id: AreaId::new("E05009370"),
            title: "Drug dealing in Gillett Square".into(),
            description: "Residents report dealing after 8pm".into(),
            meeting_id: None,
            agreed_on: "2026-09-01".parse().unwrap(),
            last_reviewed_on: None,
            status: PriorityStatus::Active,
            sara: SaraPlan::default(),
            retention_review: "2028-09-01".parse().unwrap(),
        })
        .unwrap();
    for (said, did) in [
        ("Dealing after 8pm", "Evening patrols twice a week"),
        ("Still dealing", "Dispersal order granted"),
    ] {
        store
            .add_priority_update(
                p,
                &YouSaidWeDid {
                    you_said: said.into(),
                    we_did: did.into(),
                    on: "2026-11-01".parse().unwrap(),
                },
            )
            .unwrap();
    }
    let log = store.get::<Priority>(p).unwrap().log;
    let did: Vec<_> = log
        .iter()
        .map(|e| e.entry.to_value()["we_did"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        did,
        vec!["Evening patrols twice a week", "Dispersal order granted"]
    );
    let bad = YouSaidWeDid {
        you_said: "".into(),
        we_did: "x".into(),
        on: "2026-11-01".parse().unwrap(),
    };
    assert_eq!(
        store.add_priority_update(p, &bad).unwrap_err().code(),
        "invalid"
    );
}

#[test]
fn import_reports_bad_lines_by_number_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let good = |d: &str| {
        json!({
            "category": {"kind": "asb", "type": "nuisance", "heading": "noise"},
            "description": d,
            "location": {"lat": 51.5465, "lon": -0.0755, "place": null},
        })
        .to_string()
    };
    let with_id = json!({
        "id": "01930000-0000-7000-8000-000000000001",
        "category": {"kind": "other", "label": "Parking"},
        "description": "Pavement parking",
        "location": {"lat": 51.5465, "lon": -0.0755, "place": null},
    })
    .to_string();
    let file = [
        good("Music until 3am"),
        "{not json".to_owned(),
        String::new(),
        json!({"category": {"kind": "asb", "type": "nuisance", "heading": "noise"}, "description": "", "location": {"lat": 51.5, "lon": -0.07, "place": null}}).to_string(),
        with_id.clone(),
        json!({"category": {"kind": "asb", "type": "personal", "heading": "noise"}, "description": "x", "location": {"lat": 51.5, "lon": -0.07}}).to_string(),
        good("Car alarms every night"),
    ]
    .join("\n");
    let report = store.import_concerns(file.as_bytes()).unwrap();
    assert_eq!(report.imported, 3, "{report:?}");
    let lines: Vec<u32> = report.failed.iter().map(|f| f.line).collect();
    assert_eq!(lines, vec![2, 4, 6], "{report:?}");
    assert_eq!(report.failed[1].field_errors[0].field, "description");
    assert_eq!(store.list(&ListFilter::default()).unwrap().len(), 3);

    // Importing the line with an id again is harmless.
    let again = store.import_concerns(with_id.as_bytes()).unwrap();
    assert_eq!((again.imported, again.skipped), (0, 1));

    // Not UTF-8 is a line error too.
    let report = store.import_concerns(&b"\xff\xfe\n"[..]).unwrap();
    assert_eq!(report.failed[0].line, 1);
    assert!(report.failed[0].message.contains("UTF-8"));
}

#[test]
fn the_store_runs_encrypted_in_wal_with_full_sync_at_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    drop(new_store(dir.path()));
    let store = Store::open(dir.path(), PIN).unwrap();
    let s = store.db_settings().unwrap();
    assert_eq!(s.journal_mode, "wal");
    assert_eq!(s.synchronous, "2", "synchronous must be FULL");
    assert_eq!(s.schema_version, beatbook_store::SCHEMA_VERSION);
    assert!(
        s.cipher_version.starts_with('4'),
        "SQLCipher 4 expected, got {:?}",
        s.cipher_version
    );
    drop(store);
    let key_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("key.json")).unwrap()).unwrap();
    assert_eq!(
        key_json["kdf"]["memory_kib"], 256,
        "the key file records the KDF cost it was made with"
    );
}

#[test]
fn a_database_from_a_newer_app_is_refused_not_damaged() {
    let dir = tempfile::tempdir().unwrap();
    drop(new_store(dir.path()));
    // Stand in for a newer app: bump the schema version through a keyed connection.
    {
        let store = Store::open(dir.path(), PIN).unwrap();
        store
            .debug_execute(&format!(
                "PRAGMA user_version = {}",
                beatbook_store::SCHEMA_VERSION + 1
            ))
            .unwrap();
    }
    let err = Store::open(dir.path(), PIN).unwrap_err();
    assert_eq!(err.code(), "newer_schema", "{err}");
}

#[test]
fn a_write_that_fails_part_way_leaves_no_record_no_op_and_no_gap() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    // Make the last step of a save (the area index, after the outbox insert) fail.
    store
        .debug_execute("CREATE TEMP TRIGGER fail_areas BEFORE INSERT ON record_areas BEGIN SELECT RAISE(ABORT, 'disk says no'); END;")
        .unwrap();
    let err = store
        .add_concern(concern("Lost?", 51.5392, -0.1426))
        .unwrap_err();
    assert_eq!(err.code(), "database", "{err}");
    assert_eq!(store.pending_count().unwrap(), 0);
    assert_eq!(store.count().unwrap(), 0);
    store.debug_execute("DROP TRIGGER fail_areas;").unwrap();
    store
        .add_concern(concern("Saved", 51.5392, -0.1426))
        .unwrap();
    assert_eq!(
        store.pending_ops(10).unwrap()[0].device_seq,
        1,
        "the failed write used no sequence number"
    );
}

#[test]
fn two_handles_on_one_store_never_reuse_a_sequence_number() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = new_store(dir.path());
    let mut b = Store::open(dir.path(), PIN).unwrap();
    a.add_concern(concern("From the app", 51.5392, -0.1426))
        .unwrap();
    b.add_concern(concern("From the CLI", 51.5392, -0.1426))
        .unwrap();
    a.add_concern(concern("From the app again", 51.5392, -0.1426))
        .unwrap();
    let ops = b.pending_ops(10).unwrap();
    let seqs: Vec<u64> = ops.iter().map(|o| o.device_seq).collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    assert!(
        ops.windows(2).all(|w| w[0].hlc < w[1].hlc),
        "clock order follows the sequence"
    );
}

#[test]
fn a_concurrent_text_edit_stays_flagged_until_a_person_resolves_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let id = store
        .add_concern(concern("Lights out on the passage", 51.5392, -0.1426))
        .unwrap();
    let original = store.state(id).unwrap();
    let base = store.pending_ops(1).unwrap()[0].stamp();

    // Another officer's device edits the description from the same version...
    let other = beatbook_domain::Op {
        device_id: beatbook_domain::DeviceId::new(),
        device_seq: 1,
        record_id: id,
        kind: RecordKind::Concern,
        author: OfficerId::new("PC2290"),
        hlc: beatbook_domain::Hlc::new(base.hlc.wall_ms + 5, 0),
        action: OpAction::Put {
            fields: [(
                "description".to_owned(),
                FieldWrite::Text {
                    value: "Lights out; also broken CCTV".into(),
                    bases: vec![base],
                },
            )]
            .into(),
        },
    };
    let mut theirs = original.clone();
    theirs.apply(&other);
    // ...while this officer edits it too.
    let mut mine = store.get::<Concern>(id).unwrap().record;
    mine.description = "Lights out on the passage since Monday".into();
    store.update_concern(id, mine).unwrap();
    store.merge_remote(&[theirs]).unwrap();

    let got = store.get::<Concern>(id).unwrap();
    assert_eq!(got.conflicts, vec!["description".to_owned()]);
    let listed = store.list(&ListFilter::default()).unwrap();
    assert_eq!(listed[0].conflicts, vec!["description".to_owned()]);
    let versions: Vec<String> = store
        .state(id)
        .unwrap()
        .live_versions("description")
        .iter()
        .map(|v| v.value.clone())
        .collect();
    assert_eq!(versions.len(), 2, "{versions:?}");

    // Saving another field does not settle the conflict behind the officer's back.
    let mut c = got.record.clone();
    c.status = ConcernStatus::InProgress;
    assert!(store.update_concern(id, c).unwrap());
    assert_eq!(
        store.get::<Concern>(id).unwrap().conflicts,
        vec!["description".to_owned()]
    );

    // A person merges the two.
    store
        .resolve_text(
            id,
            "description",
            "Lights out since Monday; CCTV broken too",
        )
        .unwrap();
    let got = store.get::<Concern>(id).unwrap();
    assert!(got.conflicts.is_empty());
    assert_eq!(
        got.record.description,
        "Lights out since Monday; CCTV broken too"
    );
    assert_eq!(got.record.status, ConcernStatus::InProgress);
    assert_eq!(
        store.search("cctv", &ListFilter::default()).unwrap().len(),
        1
    );
}

#[test]
fn changing_the_pin_re_encrypts_so_an_old_key_file_no_longer_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let id = new_store(dir.path())
        .add_concern(concern("Kept across PIN change", 51.54, -0.143))
        .unwrap();
    let old_key_file = std::fs::read(dir.path().join("key.json")).unwrap();
    Store::change_pin(dir.path(), PIN, "777888999").unwrap();
    assert_eq!(
        Store::open(dir.path(), "777888999")
            .unwrap()
            .get::<Concern>(id)
            .unwrap()
            .record
            .description,
        "Kept across PIN change"
    );

    // Someone kept a copy of the old key file and knows the old PIN: it unwraps the old key,
    // which no longer decrypts the database.
    std::fs::write(dir.path().join("key.json"), old_key_file).unwrap();
    let err = Store::open(dir.path(), PIN).unwrap_err();
    assert_eq!(err.code(), "corrupt", "{err}");
}

#[test]
fn a_store_half_made_by_a_crashed_init_can_be_set_up_again() {
    let dir = tempfile::tempdir().unwrap();
    drop(new_store(dir.path()));
    std::fs::remove_file(dir.path().join(beatbook_store::DB_FILE)).unwrap();
    assert_eq!(
        Store::open(dir.path(), PIN).unwrap_err().code(),
        "not_initialised"
    );
    new_store(dir.path())
        .add_concern(concern("Fresh", 51.54, -0.143))
        .unwrap();
}

fn intel_report(state: beatbook_domain::intel::ReviewState) -> beatbook_domain::intel::IntelReport {
    serde_json::from_value(json!({
        "grade": {"source": "2", "intelligence": "C", "handling": {"code": "P"}},
        "security": "official_sensitive",
        "content": "Male known as 'T' selling cannabis from a grey Golf on Ridley Road, evenings",
        "checks_made": "PNC check on the partial VRM",
        "threat_to_life": false,
        "location": {"lat": 51.5478, "lon": -0.0752, "place": "Ridley Road"},
        "areas": ["E05009370", "tc-dalston"],
        "source_id": null,
        "review_state": state,
        "legacy_grade": null,
        "submitted_at": "2026-11-20T20:00:00Z",
        "retention_review": "2032-11-20",
    }))
    .unwrap()
}

#[test]
fn a_new_intelligence_report_starts_in_review_and_cannot_be_edited_on_the_device() {
    use beatbook_domain::intel::{IntelReport, ReviewState};
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let err = store
        .create(&intel_report(ReviewState::Disseminated))
        .unwrap_err();
    let StoreError::Invalid(errs) = err else {
        panic!("{err}")
    };
    assert!(errs.has("review_state"), "{errs}");
    let id = store.create(&intel_report(ReviewState::Submitted)).unwrap();
    let mut r = store.get::<IntelReport>(id).unwrap().record;
    r.content.push_str(" (edited)");
    assert_eq!(store.update(id, &r).unwrap_err().code(), "not_editable");
}

#[test]
fn source_details_are_listed_only_when_asked_for() {
    use beatbook_domain::intel::{IntelSource, ReviewState, SourceType};
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let report = store.create(&intel_report(ReviewState::Submitted)).unwrap();
    store
        .create(&IntelSource {
            report_id: report,
            source_type: SourceType::MemberOfPublic,
            name: Some("Stallholder".into()),
            contact: Some("07700 900777".into()),
            relationship: None,
            notes: String::new(),
            recorded_at: "2026-11-20T20:00:00Z".parse().unwrap(),
            retention_review: "2032-11-20".parse().unwrap(),
        })
        .unwrap();
    let all = store.list(&ListFilter::default()).unwrap();
    assert_eq!(
        all.iter().map(|r| r.kind).collect::<Vec<_>>(),
        vec![RecordKind::IntelReport]
    );
    let sources = store
        .list(&ListFilter {
            kind: Some(RecordKind::IntelSource),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(sources.len(), 1);
}

#[test]
fn records_pulled_from_hq_are_searchable_at_once_though_indexed_later() {
    let a_dir = tempfile::tempdir().unwrap();
    let b_dir = tempfile::tempdir().unwrap();
    let mut a = new_store(a_dir.path());
    let mut b = new_store(b_dir.path());
    let id = a
        .add_concern(concern("Streetlight out by the Oval", 51.5392, -0.1426))
        .unwrap();
    let other = a
        .add_concern(concern("Graffiti on the bridge", 51.5392, -0.1426))
        .unwrap();

    // B pulls both: stored and listed at once, their text waiting for the index.
    b.apply_pull(
        &[a.state(id).unwrap().into(), a.state(other).unwrap().into()],
        &[],
        2,
        "fp",
    )
    .unwrap();
    assert_eq!(b.list(&ListFilter::default()).unwrap().len(), 2);
    assert_eq!(b.index_backlog().unwrap(), 2);
    // A search made before the index caught up still finds them.
    let found = b.search("oval", &ListFilter::default()).unwrap();
    assert_eq!(found.iter().map(|r| r.id).collect::<Vec<_>>(), vec![id]);
    assert_eq!(b.index_backlog().unwrap(), 0);

    // A later version replaces the text in the index; a purge takes it out even while waiting.
    let mut c = a.get::<Concern>(id).unwrap().record;
    c.description = "Streetlight fixed by the Plender steps".into();
    a.update_concern(id, c).unwrap();
    b.apply_pull(&[a.state(id).unwrap().into()], &[other], 3, "fp")
        .unwrap();
    assert_eq!(b.index_backlog().unwrap(), 1);
    assert!(b.search("oval", &ListFilter::default()).unwrap().is_empty());
    assert_eq!(
        b.search("plender", &ListFilter::default()).unwrap().len(),
        1
    );
    assert!(b
        .search("graffiti", &ListFilter::default())
        .unwrap()
        .is_empty());
    // Chunked catch-up reports what it did and stops at zero.
    b.apply_pull(&[a.state(other).unwrap().into()], &[], 4, "fp")
        .unwrap();
    assert_eq!(b.index_pending(10).unwrap(), 1);
    assert_eq!(b.index_pending(10).unwrap(), 0);
    assert_eq!(
        b.search("graffiti", &ListFilter::default()).unwrap().len(),
        1
    );
}

#[test]
fn what_hq_did_with_each_op_is_recorded_in_runs_and_refusals_are_kept() {
    use beatbook_domain::protocol::{OpOutcome, OpResult};
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    for i in 0..6 {
        store
            .add_concern(concern(&format!("Concern {i}"), 51.5392, -0.1426))
            .unwrap();
    }
    let r = |device_seq, outcome| OpResult {
        device_seq,
        outcome,
    };
    let refused = |code: &str| OpOutcome::Rejected {
        code: code.into(),
        reason: "because".into(),
    };
    let results = [
        r(1, OpOutcome::Applied { server_seq: 10 }),
        r(2, OpOutcome::Duplicate),
        r(3, refused("invalid")),
        r(4, OpOutcome::Applied { server_seq: 11 }),
        r(5, refused("gap")),
        r(6, refused("gap")),
    ];
    let waiting = |store: &Store| -> Vec<u64> {
        let ops = store.pending_ops_json(0, 10).unwrap();
        ops.into_iter().map(|(seq, _)| seq).collect()
    };
    let applied = store.apply_push_results(&results, 5).unwrap();
    assert_eq!((applied.acked, applied.rejected, applied.resent), (3, 1, 0));
    assert_eq!(
        waiting(&store),
        vec![5, 6],
        "ops past a gap wait to go again"
    );
    let refused_ops = store.rejected_ops().unwrap();
    assert_eq!(refused_ops.len(), 1);
    assert_eq!(refused_ops[0].device_seq, 3);
    assert_eq!(refused_ops[0].reason, "invalid: because");
    // HQ lost ops from 2 on (restored from a backup): every op from 2 goes again, so HQ's
    // numbering has no gap. Those it acknowledged lost their text on the device (it leaves once
    // HQ has it) and go without content; the one it refused goes with its text.
    let applied = store.apply_push_results(&[], 2).unwrap();
    assert_eq!(applied.resent, 3);
    assert_eq!(waiting(&store), vec![2, 3, 4, 5, 6]);
    let ops = store.pending_ops(10).unwrap();
    for op in &ops[..3] {
        let empty =
            matches!(&op.action, beatbook_domain::OpAction::Put { fields } if fields.is_empty());
        assert_eq!(empty, op.device_seq != 3, "{op:?}");
        assert_eq!(op.device_id, store.device_id());
    }
    // Whatever HQ answers to an op without content settles it; the refused one is refused again
    // and kept; nothing is left waiting.
    let results = [
        r(2, refused("invalid")),
        r(3, refused("invalid")),
        r(4, OpOutcome::Applied { server_seq: 12 }),
        r(5, OpOutcome::Applied { server_seq: 13 }),
        r(6, OpOutcome::Applied { server_seq: 14 }),
    ];
    let applied = store.apply_push_results(&results, 7).unwrap();
    assert_eq!(
        (applied.acked, applied.rejected, applied.disposed),
        (2, 1, 2)
    );
    assert!(waiting(&store).is_empty());
    assert_eq!(store.rejected_ops().unwrap().len(), 1);
}

fn ward_panel(id: Option<beatbook_domain::RecordId>) -> beatbook_domain::meeting::NewMeeting {
    serde_json::from_value(json!({
        "id": id, "meeting_type": "ward_panel", "area_id": "E05013655", "held_on": "2026-11-30",
        "venue": null, "attendance": [{"role": "resident", "count": 12}], "total_attendance": null,
        "issues_raised": ["Street drinking", "Noise"], "votes": [{"title": "Street drinking", "votes": 9}],
        "agreed_priorities": ["Street drinking", "Noise"], "review_date": null, "notes": "",
    }))
    .unwrap()
}

#[test]
fn a_meeting_sent_twice_under_its_forms_id_is_saved_once_with_its_priorities() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let id = beatbook_domain::RecordId::new();
    let first = store.add_meeting(ward_panel(Some(id))).unwrap();
    assert_eq!((first.meeting_id, first.priority_ids.len()), (id, 2));
    let (records, ops) = (
        store.count().unwrap(),
        store.pending_ops(100).unwrap().len(),
    );
    assert_eq!((records, ops), (3, 3));

    // The same save again (a double tap, a retry): the same answer, nothing written.
    let again = store.add_meeting(ward_panel(Some(id))).unwrap();
    assert_eq!(again.meeting_id, first.meeting_id);
    let mut a = again.priority_ids.clone();
    let mut b = first.priority_ids.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert_eq!(store.count().unwrap(), records);
    assert_eq!(store.pending_ops(100).unwrap().len(), ops);

    // Without an id, each save is a new meeting; an id taken by another kind is refused.
    store.add_meeting(ward_panel(None)).unwrap();
    assert_eq!(store.count().unwrap(), 6);
    let (lat, lon) = CAMDEN_TOWN_STATION;
    let concern_id = store
        .add_concern(concern("Street light out", lat, lon))
        .unwrap();
    assert!(matches!(
        store.add_meeting(ward_panel(Some(concern_id))),
        Err(StoreError::AlreadyExists(_))
    ));
}

/// Improvement actions: opened at HQ, pulled by the team's tablets, updated from the street.
mod actions {
    use super::*;
    use beatbook_domain::framework::{Measure, Rag};
    use beatbook_domain::improvement::{ActionStatus, ActionUpdate, ImprovementAction, Progress};
    use beatbook_domain::merge::RecordState;
    use beatbook_domain::people::{Officer, Role, Team, TeamKind};
    use beatbook_domain::tablet::OfficerProfile;
    use beatbook_domain::{DeviceId, Hlc, Op, Record, RecordId, TeamId};
    use chrono::NaiveDate;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const TODAY: &str = "2026-12-07";

    /// An action as HQ writes it: opened by the team's sergeant, owned by PC2290.
    fn action(team: &str, what: &str, due: &str, review: &str) -> ImprovementAction {
        let areas = if team == "camden-tct" {
            vec![
                AreaId::new("tc-camden-town"),
                AreaId::new("tc-kentish-town"),
            ]
        } else {
            vec![AreaId::new("E05013655")]
        };
        ImprovementAction {
            team_id: TeamId::new(team),
            areas,
            measure: Measure::PatrolHoursPeak,
            target: 12.0,
            value: Some(4.5),
            rag: Rag::Red,
            period_first_day: day("2026-11-01"),
            period_last_day: day("2026-11-30"),
            what: what.into(),
            owner: OfficerId::new("PC2290"),
            owner_name: "PC Tom Reid".into(),
            opened_by: OfficerId::new("PS1001"),
            opened_by_name: "PS Jane Moss".into(),
            opened_on: day("2026-12-01"),
            due_on: day(due),
            review_on: day(review),
            closure: None,
            retention_review: day("2029-12-01"),
        }
    }

    /// An op of HQ's own device, which writes actions and dashboard updates (stamped now: a
    /// closed record last changed long ago is not kept on a tablet).
    fn hq_op(id: RecordId, author: &str, seq: u64, action: OpAction) -> Op {
        static HQ_DEVICE: std::sync::OnceLock<DeviceId> = std::sync::OnceLock::new();
        let now = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap();
        Op {
            device_id: *HQ_DEVICE.get_or_init(DeviceId::new),
            device_seq: seq,
            record_id: id,
            kind: RecordKind::Action,
            author: OfficerId::new(author),
            hlc: Hlc::new(now + seq, 0),
            action,
        }
    }

    /// The state HQ sends for a new action.
    fn from_hq(a: &ImprovementAction) -> (RecordId, RecordState) {
        let id = RecordId::new();
        let fields = a.writes_from(None).unwrap();
        let op = hq_op(id, "PS1001", 1, OpAction::Put { fields });
        (id, RecordState::from_op(&op))
    }

    fn signed_in(store: &mut Store) {
        store
            .set_profile(&OfficerProfile {
                officer: Officer {
                    id: OfficerId::new("PC4127"),
                    collar_number: "PC4127".into(),
                    name: "PC Amira Khan".into(),
                    role: Role::Officer,
                    teams: vec![TeamId::new("camden-tct")],
                },
                teams: vec![Team {
                    id: TeamId::new("camden-tct"),
                    name: "Camden Town Centre Team".into(),
                    kind: TeamKind::Tct,
                    areas: vec![
                        AreaId::new("tc-camden-town"),
                        AreaId::new("tc-kentish-town"),
                    ],
                }],
            })
            .unwrap();
    }

    fn update(note: &str, progress: Option<Progress>, at: &str) -> ActionUpdate {
        ActionUpdate {
            note: note.into(),
            progress,
            at: at.parse().unwrap(),
        }
    }

    #[test]
    fn the_briefing_holds_the_teams_open_actions_in_words_overdue_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = new_store(dir.path());
        signed_in(&mut store);
        let (due_later, s1) = from_hq(&action(
            "camden-tct",
            "Two extra evening patrols a week on the High Street",
            "2027-01-31",
            "2026-12-20",
        ));
        let (overdue, s2) = from_hq(&action(
            "camden-tct",
            "Brief the late shift on the peak hours",
            "2026-12-05",
            "2026-12-03",
        ));
        let (other_team, s3) = from_hq(&action(
            "camden-snt",
            "Ward patrols by the estate",
            "2027-01-31",
            "2026-12-20",
        ));
        let mut closed = action("camden-tct", "Closed already", "2027-01-31", "2026-12-20");
        closed.closure = Some(beatbook_domain::improvement::Closure {
            evidence: beatbook_domain::improvement::Evidence::Reason {
                reason: "The team was reorganised".into(),
            },
            closed_on: day("2026-12-06"),
            closed_by: OfficerId::new("PS1001"),
            closed_by_name: "PS Jane Moss".into(),
        });
        let (closed_id, s4) = from_hq(&closed);
        store.merge_remote(&[s1, s2, s3, s4]).unwrap();
        assert_eq!(
            store.pending_count().unwrap(),
            0,
            "nothing of HQ's goes back"
        );

        let today = day(TODAY);
        let briefing = store.briefing(&[], today).unwrap();
        let ids: Vec<RecordId> = briefing.actions.iter().map(|a| a.id).collect();
        assert_eq!(
            ids,
            [overdue, due_later],
            "the team's open actions, overdue first; not {other_team} (another team) nor {closed_id} (closed)"
        );
        let card = &briefing.actions[0];
        assert_eq!(
            card.measure_label,
            Measure::PatrolHoursPeak.label(),
            "the measure in words"
        );
        assert_eq!(card.team_name, "Camden Town Centre Team");
        assert_eq!(card.owner_name, "PC Tom Reid");
        assert_eq!(card.opened_by_name, "PS Jane Moss");
        assert_eq!(
            (card.status, card.status_words.as_str()),
            (ActionStatus::Open, "Open")
        );
        assert_eq!((card.overdue, card.review_overdue), (true, true));
        assert_eq!(
            (card.due_on, card.review_on),
            (day("2026-12-05"), day("2026-12-03"))
        );
        assert!(card.latest_update.is_none() && card.updates.is_empty());
        let later = &briefing.actions[1];
        assert_eq!((later.overdue, later.review_overdue), (false, false));
        // The same list on its own, and a closed action opened by id.
        assert_eq!(store.team_actions(today).unwrap(), briefing.actions);
        let done = store.action_card(closed_id, today).unwrap();
        assert_eq!(
            (done.status, done.status_words.as_str(), done.overdue),
            (ActionStatus::Done, "Done", false)
        );
        assert_eq!(done.closed_on, Some(day("2026-12-06")));
    }

    #[test]
    fn an_update_is_added_offline_with_its_op_in_one_write_and_moves_the_status() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = new_store(dir.path());
        signed_in(&mut store);
        let (id, state) = from_hq(&action(
            "camden-tct",
            "Two extra evening patrols a week",
            "2027-01-31",
            "2026-12-20",
        ));
        store.merge_remote(&[state]).unwrap();
        // HQ's dashboard adds an update first (the owner's).
        let mut from_dashboard = store.state(id).unwrap();
        from_dashboard.apply(&hq_op(
            id,
            "PC2290",
            2,
            OpAction::Append {
                entry: beatbook_domain::Json::to(&update(
                    "Rota changed for December",
                    Some(Progress::OnTrack),
                    "2026-12-02T09:00:00Z",
                ))
                .unwrap(),
            },
        ));
        store.merge_remote(&[from_dashboard]).unwrap();
        let today = day(TODAY);
        assert_eq!(
            store.action_card(id, today).unwrap().status,
            ActionStatus::OnTrack
        );

        store
            .add_action_update(
                id,
                &update(
                    "Only one extra patrol this week: two officers on a course",
                    Some(Progress::OffTrack),
                    "2026-12-06T21:44:00Z",
                ),
            )
            .unwrap();

        // One op, waiting for HQ: an append to the action, by this officer.
        let ops = store.pending_ops(10).unwrap();
        assert_eq!(ops.len(), 1);
        assert_eq!((ops[0].record_id, ops[0].kind), (id, RecordKind::Action));
        assert_eq!(ops[0].author, OfficerId::new("PC4127"));
        let OpAction::Append { entry } = &ops[0].action else {
            panic!("an update is an append: {:?}", ops[0].action)
        };
        assert_eq!(
            entry.parse::<ActionUpdate>().unwrap().progress,
            Some(Progress::OffTrack)
        );

        let card = store.action_card(id, today).unwrap();
        assert_eq!(
            (card.status, card.status_words.as_str(), card.pending_ops),
            (ActionStatus::OffTrack, "Off track", 1)
        );
        let authors: Vec<&str> = card
            .updates
            .iter()
            .map(|u| u.author_name.as_str())
            .collect();
        assert_eq!(
            authors,
            ["PC Tom Reid", "PC Amira Khan"],
            "oldest first, by name"
        );
        let latest = card.latest_update.unwrap();
        assert_eq!(
            latest.note,
            "Only one extra patrol this week: two officers on a course"
        );
        // The action itself is as HQ wrote it; its history says what this device did.
        assert_eq!(
            store.get::<ImprovementAction>(id).unwrap().record.what,
            "Two extra evening patrols a week"
        );
        let detail = store.record_detail(id).unwrap();
        assert!(!detail.editable);
        assert_eq!(detail.history.last().unwrap().what, "Added an update");
        // The briefing's card agrees.
        assert_eq!(
            store.briefing(&[], today).unwrap().actions[0].status,
            ActionStatus::OffTrack
        );
    }

    #[test]
    fn an_empty_update_is_refused_by_the_field_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = new_store(dir.path());
        signed_in(&mut store);
        let (id, state) = from_hq(&action("camden-tct", "Patrols", "2027-01-31", "2026-12-20"));
        store.merge_remote(&[state]).unwrap();
        let e = store
            .add_action_update(
                id,
                &update("  ", Some(Progress::OnTrack), "2026-12-06T21:44:00Z"),
            )
            .unwrap_err();
        let StoreError::Invalid(errs) = &e else {
            panic!("{e}")
        };
        assert_eq!(errs.errors[0].field, "note");
        assert_eq!(store.pending_count().unwrap(), 0);
        assert!(store
            .action_card(id, day(TODAY))
            .unwrap()
            .updates
            .is_empty());

        // Not an action: refused, and nothing written.
        let concern_id = store
            .add_concern(concern("Lights out", 51.5392, -0.1426))
            .unwrap();
        let e = store
            .add_action_update(concern_id, &update("Fixed", None, "2026-12-06T21:44:00Z"))
            .unwrap_err();
        assert_eq!(e.code(), "kind_mismatch", "{e}");
        assert_eq!(store.pending_count().unwrap(), 1, "only the concern");
        let e = store
            .add_action_update(
                RecordId::new(),
                &update("Fixed", None, "2026-12-06T21:44:00Z"),
            )
            .unwrap_err();
        assert_eq!(e.code(), "not_found", "{e}");
    }

    #[test]
    fn an_action_cannot_be_edited_resolved_or_deleted_on_the_device() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = new_store(dir.path());
        signed_in(&mut store);
        let a = action("camden-tct", "Patrols", "2027-01-31", "2026-12-20");
        let (id, state) = from_hq(&a);
        store.merge_remote(&[state]).unwrap();

        let mut edited = a.clone();
        edited.what = "Fewer patrols".into();
        let e = store.update(id, &edited).unwrap_err();
        assert_eq!(e.code(), "not_editable");
        let words = e.to_string();
        assert!(
            words.contains("improvement action cannot be changed or deleted on the device")
                && words.contains("progress update"),
            "says what is refused and what to do instead: {words}"
        );
        assert_eq!(store.delete(id).unwrap_err().code(), "not_editable");
        assert_eq!(
            store
                .resolve_text(id, "what", "Fewer patrols")
                .unwrap_err()
                .code(),
            "not_editable"
        );
        assert_eq!(store.pending_count().unwrap(), 0, "nothing written");
        assert_eq!(
            store.get::<ImprovementAction>(id).unwrap().record,
            a,
            "the action is as HQ wrote it"
        );
    }
}
