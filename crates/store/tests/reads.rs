//! The officer's reads on the tablet: logged in the encrypted store, append-only, kept until HQ
//! has them.

use beatbook_domain::concern::NewConcern;
use beatbook_domain::device_reads::{ReadAction, Shift};
use beatbook_domain::reference::{demo_areas, demo_officers, demo_teams};
use beatbook_domain::tablet::OfficerProfile;
use beatbook_domain::views::ListFilter;
use beatbook_domain::{OfficerId, RecordKind};
use beatbook_store::{InitSettings, KdfSettings, Store, StoreError};
use serde_json::json;
use std::path::Path;

const PIN: &str = "482913";

fn signed_in_store(dir: &Path) -> Store {
    let mut store = Store::init(
        dir,
        PIN,
        InitSettings {
            officer: OfficerId::new("PC4127"),
            kdf: KdfSettings::INSECURE_FAST,
            areas: demo_areas(),
        },
    )
    .unwrap();
    let officer = demo_officers()
        .into_iter()
        .find(|o| o.id.as_str() == "PC4127")
        .unwrap();
    let teams = demo_teams()
        .into_iter()
        .filter(|t| officer.teams.contains(&t.id))
        .collect();
    store
        .set_profile(&OfficerProfile { officer, teams })
        .unwrap();
    store
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

const CAMDEN_TOWN: (f64, f64) = (51.5392, -0.1426);
const DALSTON: (f64, f64) = (51.5463, -0.0754);

fn shift() -> Shift {
    Shift {
        teams: vec!["Camden Town Centre Team".into()],
        areas: vec!["Camden Town".into(), "Kentish Town".into()],
    }
}

#[test]
fn opening_a_record_and_searching_are_logged_with_the_shift() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = signed_in_store(dir.path());
    let id = store
        .add_concern(concern(
            "Street light out by the canal",
            CAMDEN_TOWN.0,
            CAMDEN_TOWN.1,
        ))
        .unwrap();
    assert_eq!(
        store.pending_read_count().unwrap(),
        0,
        "saving is not a read"
    );
    // Reading for the app's own purposes (after a save, for a title) is not logged ...
    store.record_detail(id).unwrap();
    assert_eq!(store.pending_read_count().unwrap(), 0);
    // ... the officer opening it is.
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    assert_eq!(store.open_record(id).unwrap().id, id);
    let found = store
        .search_logged("canal", &ListFilter::default())
        .unwrap();
    assert_eq!(found.len(), 1);
    let reads = store.pending_reads(10).unwrap();
    assert_eq!(reads.len(), 2);
    assert_eq!(reads[0].action, ReadAction::View);
    assert_eq!(reads[0].record_ids, vec![id]);
    assert_eq!(reads[0].shift, shift());
    assert_eq!(
        reads[0].shift.words(),
        "On duty: Camden Town Centre Team, Camden Town, Kentish Town"
    );
    assert!(reads[0].at >= before && reads[0].at <= chrono::Utc::now());
    assert_eq!(reads[1].action, ReadAction::Search);
    assert_eq!(reads[1].detail, "canal");
    assert_eq!(reads[1].record_ids, vec![id]);
    assert!(reads[1].seq > reads[0].seq);
    // A record that is not there logs nothing.
    assert!(matches!(
        store.open_record(beatbook_domain::RecordId::new()),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.pending_read_count().unwrap(), 2);
}

#[test]
fn a_list_is_logged_only_for_what_goes_beyond_the_briefing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = signed_in_store(dir.path());
    let here = store
        .add_concern(concern("Here", CAMDEN_TOWN.0, CAMDEN_TOWN.1))
        .unwrap();
    // The open concerns of the shift's own areas: what the briefing shows.
    let briefing = ListFilter {
        kind: Some(RecordKind::Concern),
        ..ListFilter::default()
    };
    assert_eq!(store.list_logged(&briefing).unwrap().len(), 1);
    assert_eq!(store.pending_read_count().unwrap(), 0);
    // A concern in Dalston is beyond it: the list names that one only.
    let elsewhere = store
        .add_concern(concern("Elsewhere", DALSTON.0, DALSTON.1))
        .unwrap();
    let rows = store.list_logged(&briefing).unwrap();
    assert_eq!(rows.len(), 2);
    let reads = store.pending_reads(10).unwrap();
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].action, ReadAction::List);
    assert_eq!(reads[0].record_ids, vec![elsewhere]);
    assert_eq!(reads[0].detail, "concern");
    assert!(!reads[0].record_ids.contains(&here));
}

#[test]
fn the_read_log_is_append_only_survives_relocking_and_leaves_once_hq_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = signed_in_store(dir.path());
    let id = store
        .add_concern(concern("Street light out", CAMDEN_TOWN.0, CAMDEN_TOWN.1))
        .unwrap();
    let other = store
        .add_concern(concern(
            "Graffiti on the bridge",
            CAMDEN_TOWN.0,
            CAMDEN_TOWN.1,
        ))
        .unwrap();
    store.open_record(id).unwrap();
    store
        .search_logged("light", &ListFilter::default())
        .unwrap();
    store.open_record(other).unwrap();
    // Reloaded while it is open (as the app does when a sync lands): the same look.
    store.open_record(other).unwrap();
    let reads = store.pending_reads(10).unwrap();
    assert_eq!(reads.len(), 3);
    assert_eq!(reads[2].record_ids, vec![other]);

    // Nothing changes or removes an entry HQ does not have.
    for sql in [
        "UPDATE read_log SET detail = 'nothing to see'",
        "UPDATE read_log SET record_ids = '[]' WHERE action = 'view'",
        "UPDATE read_log SET acked = 1, detail = 'x'",
        "DELETE FROM read_log",
    ] {
        let err = store.debug_execute(sql).unwrap_err().to_string();
        assert!(
            err.contains("append-only") || err.contains("until HQ has it"),
            "{sql}: {err}"
        );
    }

    // Locked and unlocked again: still there, unchanged (in the encrypted store).
    drop(store);
    let raw = std::fs::read(dir.path().join(beatbook_store::DB_FILE)).unwrap();
    assert!(
        !raw.windows(5).any(|w| w == b"light"),
        "the log is encrypted"
    );
    let mut store = Store::open(dir.path(), PIN).unwrap();
    assert_eq!(store.pending_reads(10).unwrap(), reads);

    // HQ acknowledged the first two: they go; the third stays.
    assert_eq!(
        store
            .reads_acknowledged(&[reads[0].seq, reads[1].seq])
            .unwrap(),
        2
    );
    assert_eq!(store.pending_reads(10).unwrap(), vec![reads[2].clone()]);
    // Acknowledged again (a retried answer): nothing more goes.
    assert_eq!(store.reads_acknowledged(&[reads[0].seq]).unwrap(), 0);
    // A read number is never used twice, even after the log was emptied.
    store.reads_acknowledged(&[reads[2].seq]).unwrap();
    assert_eq!(store.pending_read_count().unwrap(), 0);
    // Locked and unlocked again: opening the record is a new look.
    drop(store);
    let store = Store::open(dir.path(), PIN).unwrap();
    store.open_record(id).unwrap();
    let next = store.pending_reads(10).unwrap();
    assert_eq!(next.len(), 1);
    assert!(
        next[0].seq > reads[2].seq,
        "{} after {}",
        next[0].seq,
        reads[2].seq
    );
}

#[test]
fn before_sign_in_a_read_is_logged_with_no_team() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::init(
        dir.path(),
        PIN,
        InitSettings {
            officer: OfficerId::new("UNENROLLED"),
            kdf: KdfSettings::INSECURE_FAST,
            areas: demo_areas(),
        },
    )
    .unwrap();
    let id = store
        .add_concern(concern("Street light out", CAMDEN_TOWN.0, CAMDEN_TOWN.1))
        .unwrap();
    store.open_record(id).unwrap();
    let reads = store.pending_reads(10).unwrap();
    assert_eq!(reads[0].shift, Shift::default());
}
