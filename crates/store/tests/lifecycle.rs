//! The records lifecycle on the tablet: a record HQ disposed of leaves no word or photo byte in
//! any table of the store (the search index's own tables and the outbox included), even when the
//! removal is cut off half way; op texts and source details go once HQ has them; and the tablet
//! keeps only the records it needs.

use beatbook_domain::concern::{Concern, ConcernStatus, NewConcern};
use beatbook_domain::intel::{IntelSource, SourceType};
use beatbook_domain::protocol::{OpOutcome, OpResult, TabletPolicy};
use beatbook_domain::reference::demo_areas;
use beatbook_domain::tablet::ChangeState;
use beatbook_domain::views::ListFilter;
use beatbook_domain::{OfficerId, RecordId};
use beatbook_store::{InitSettings, KdfSettings, Pulled, Store, StoreError};
use chrono::{Duration, Utc};
use serde_json::json;
use std::path::Path;

const PIN: &str = "482913";

fn new_store(dir: &Path, officer: &str) -> Store {
    Store::init(
        dir,
        PIN,
        InitSettings {
            officer: OfficerId::new(officer),
            kdf: KdfSettings::INSECURE_FAST,
            areas: demo_areas(),
        },
    )
    .unwrap()
}

fn concern(description: &str) -> NewConcern {
    serde_json::from_value(json!({
        "category": {"kind": "asb", "type": "nuisance", "heading": "noise"},
        "description": description,
        "location": {"lat": 51.5392, "lon": -0.1426, "place": "Pratt Street passage"},
        "reported_at": "2026-11-20T22:15:00Z",
    }))
    .unwrap()
}

/// A JPEG (with no metadata, so stored as it is) carrying `marker`.
fn photo(marker: &[u8]) -> Vec<u8> {
    let mut scan = marker.to_vec();
    scan.extend((0..4_000).map(|i| (i % 251) as u8));
    beatbook_store::photo_metadata::bare_jpeg(&scan)
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// HQ applied every op waiting on `store`.
fn ack_all(store: &mut Store) {
    let results: Vec<OpResult> = store
        .pending_ops_json(0, 1_000)
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(i, (seq, _))| OpResult {
            device_seq: seq,
            outcome: OpOutcome::Applied {
                server_seq: i as u64 + 1,
            },
        })
        .collect();
    let next = results.last().map_or(1, |r| r.device_seq + 1);
    store.apply_push_results(&results, next).unwrap();
}

/// The raw files of a store, as bytes (the database and its WAL).
fn raw_files(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for name in ["beatbook.db", "beatbook.db-wal"] {
        if let Ok(b) = std::fs::read(dir.join(name)) {
            all.extend(b);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The search index keeps words in lower case, and may share a word's first letters with the
/// word before it on a page: the rest of a distinctive word is what is looked for.
const WORD: &str = "Quorblezant";
const WORD_TAIL: &[u8] = b"orblezant";
const PHOTO_MARKER: &[u8] = b"PHOTO-MARKER-7f3a9c";

#[test]
fn a_disposed_record_leaves_nothing_in_any_table_of_either_tablet() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = new_store(a_dir.path(), "PC4127");
    let mut b = new_store(b_dir.path(), "PC5531");
    let picture = photo(PHOTO_MARKER);
    let sha = sha256(&picture);
    let id = a
        .add_concern_with_photos(
            concern(&format!("Shouting outside the {WORD} arcade every night")),
            vec![picture.clone()],
        )
        .unwrap();
    let kept = a.add_concern(concern("Bins left on the pavement")).unwrap();
    ack_all(&mut a);
    a.mark_photo_on_hq(&sha).unwrap();
    // A's later change is still waiting when HQ disposes of the record.
    let mut c = a.get::<Concern>(id).unwrap().record;
    c.description = format!("{WORD} arcade: shouting again on Friday");
    a.update_concern(id, c).unwrap();
    // B pulled it, indexed it and fetched the photo.
    let pulled: Vec<Pulled> = vec![a.state(id).unwrap().into(), a.state(kept).unwrap().into()];
    b.apply_pull(&pulled, &[], 2, "fp").unwrap();
    b.index_pending(100).unwrap();
    b.keep_photo_from_hq(id, &sha, picture.clone()).unwrap();
    for store in [&a, &b] {
        // The check can see what it looks for: before, the word is in the search index's own
        // tables and the photo in its table.
        let hits = store.debug_find(WORD_TAIL).unwrap();
        assert!(
            hits.iter().any(|h| h.starts_with("records_fts_")),
            "{hits:?}"
        );
        assert!(hits.iter().any(|h| h.starts_with("records.")), "{hits:?}");
        assert!(!store.debug_find(PHOTO_MARKER).unwrap().is_empty());
    }
    assert!(a
        .debug_find(WORD_TAIL)
        .unwrap()
        .contains(&"outbox_ops.op".to_owned()));

    for (store, dir) in [(&mut a, a_dir.path()), (&mut b, b_dir.path())] {
        assert_eq!(store.apply_disposals(&[id], 7).unwrap(), 1);
        assert!(store.finish_erasure().unwrap());
        // The WAL was emptied.
        let wal = std::fs::metadata(dir.join("beatbook.db-wal")).map_or(0, |m| m.len());
        assert_eq!(wal, 0);
        assert_eq!(store.sync_meta().unwrap().disposal_cursor, 7);
        let tables = store.debug_tables().unwrap();
        for shadow in [
            "records_fts_data",
            "records_fts_idx",
            "outbox",
            "outbox_ops",
            "photos",
        ] {
            assert!(tables.contains(&shadow.to_owned()), "{tables:?}");
        }
        for needle in [WORD_TAIL, WORD.as_bytes(), PHOTO_MARKER, sha.as_bytes()] {
            assert_eq!(
                store.debug_find(needle).unwrap(),
                Vec::<String>::new(),
                "{} is still in the store",
                String::from_utf8_lossy(needle)
            );
            assert!(!contains(&raw_files(dir), needle));
        }
        assert!(matches!(store.state(id), Err(StoreError::NotFound(_))));
        assert!(store.photo(&sha).unwrap().is_none());
        assert!(store
            .search("shouting", &ListFilter::default())
            .unwrap()
            .is_empty());
        // The other record is untouched.
        assert_eq!(store.list(&ListFilter::default()).unwrap().len(), 1);
        assert_eq!(
            store.search("bins", &ListFilter::default()).unwrap()[0].id,
            kept
        );
    }

    // A's change that was waiting keeps its place in A's sequence (HQ refuses a gap), carrying
    // nothing of the record; once HQ has answered it, it is gone and nothing is left refused.
    let waiting = a.pending_ops(10).unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].record_id, id);
    assert!(
        matches!(&waiting[0].action, beatbook_domain::OpAction::Put { fields } if fields.is_empty())
    );
    let applied = a
        .apply_push_results(
            &[OpResult {
                device_seq: waiting[0].device_seq,
                outcome: OpOutcome::Rejected {
                    code: "disposed".into(),
                    reason: "this record was disposed of at HQ".into(),
                },
            }],
            waiting[0].device_seq + 1,
        )
        .unwrap();
    assert_eq!((applied.disposed, applied.rejected), (1, 0));
    assert_eq!(a.pending_count().unwrap(), 0);
    assert!(a.rejected_ops().unwrap().is_empty());
    assert!(a.debug_find(id.to_string().as_bytes()).unwrap().is_empty());
}

#[test]
fn a_removal_cut_off_before_the_index_is_optimised_is_finished_when_the_store_opens() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path(), "PC4127");
    let id = store
        .add_concern(concern(&format!("Fly-tipping behind {WORD} Court")))
        .unwrap();
    store.add_concern(concern("Broken fence")).unwrap();
    ack_all(&mut store);
    store.finish_erasure().unwrap();
    // The transaction commits; the device dies before the optimise.
    assert_eq!(store.apply_disposals(&[id], 3).unwrap(), 1);
    assert!(store.erasure_pending().unwrap());
    let left = store.debug_find(WORD_TAIL).unwrap();
    assert!(
        left.iter().all(|h| h.starts_with("records_fts_")) && !left.is_empty(),
        "until the optimise, only the index's own tables still hold the word: {left:?}"
    );
    drop(store);

    let store = Store::open(dir.path(), PIN).unwrap();
    assert!(!store.erasure_pending().unwrap());
    assert!(store.debug_find(WORD_TAIL).unwrap().is_empty());
    assert_eq!(store.sync_meta().unwrap().disposal_cursor, 3);
    assert_eq!(
        store.search("fence", &ListFilter::default()).unwrap().len(),
        1
    );
}

#[test]
fn an_acknowledged_ops_text_is_deleted_and_its_history_kept_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path(), "PC4127");
    let id = store
        .add_concern(concern(&format!("Loud music at {WORD} House")))
        .unwrap();
    let mut c = store.get::<Concern>(id).unwrap().record;
    c.status = ConcernStatus::InProgress;
    store.update_concern(id, c).unwrap();
    assert!(store
        .debug_find(WORD_TAIL)
        .unwrap()
        .contains(&"outbox_ops.op".to_owned()));
    ack_all(&mut store);
    let hits = store.debug_find(WORD_TAIL).unwrap();
    assert!(!hits.iter().any(|h| h.starts_with("outbox")), "{hits:?}");
    // The record itself stays, with its history in words.
    let detail = store.record_detail(id).unwrap();
    let history: Vec<(&str, ChangeState)> = detail
        .history
        .iter()
        .map(|h| (h.what.as_str(), h.state))
        .collect();
    assert_eq!(
        history,
        vec![
            ("Created", ChangeState::OnHq),
            ("Changed status", ChangeState::OnHq)
        ]
    );
    assert_eq!(detail.history[0].by, OfficerId::new("PC4127"));
    // A change refused by HQ keeps its text (the officer sees what was refused).
    let mut c = store.get::<Concern>(id).unwrap().record;
    c.description = "Loud music again".into();
    store.update_concern(id, c).unwrap();
    let (seq, _) = store.pending_ops_json(0, 10).unwrap()[0].clone();
    store
        .apply_push_results(
            &[OpResult {
                device_seq: seq,
                outcome: OpOutcome::Rejected {
                    code: "invalid".into(),
                    reason: "no".into(),
                },
            }],
            seq + 1,
        )
        .unwrap();
    assert!(store
        .debug_find(b"Loud music again")
        .unwrap()
        .contains(&"outbox_ops.op".to_owned()));
}

#[test]
fn an_intelligence_source_leaves_the_tablet_once_hq_has_its_ops() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path(), "PC4127");
    let source = store
        .create(&IntelSource {
            report_id: RecordId::new(),
            source_type: SourceType::MemberOfPublic,
            name: Some(format!("Mrs {WORD}")),
            contact: Some("07700 900777".into()),
            relationship: None,
            notes: String::new(),
            recorded_at: "2026-11-20T20:00:00Z".parse().unwrap(),
            retention_review: "2032-11-20".parse().unwrap(),
        })
        .unwrap();
    assert!(!store.debug_find(WORD_TAIL).unwrap().is_empty());
    ack_all(&mut store);
    assert!(matches!(store.state(source), Err(StoreError::NotFound(_))));
    store.finish_erasure().unwrap();
    assert_eq!(store.debug_find(WORD_TAIL).unwrap(), Vec::<String>::new());
    assert_eq!(store.debug_find(b"900777").unwrap(), Vec::<String>::new());
}

/// A record `a` holds, as HQ would send it, last changed `days_ago`.
fn aged(a: &Store, id: RecordId, days_ago: i64) -> Pulled {
    let mut state = a.state(id).unwrap();
    let at = (Utc::now() - Duration::days(days_ago)).timestamp_millis() as u64;
    state.created.hlc.wall_ms = state.created.hlc.wall_ms.min(at);
    state.updated.hlc.wall_ms = at;
    state.into()
}

fn set_status(store: &mut Store, id: RecordId, status: ConcernStatus) {
    let mut c = store.get::<Concern>(id).unwrap().record;
    c.status = status;
    store.update_concern(id, c).unwrap();
}

#[test]
fn a_tablet_drops_old_closed_records_but_not_open_work_or_changes_waiting() {
    let (hq_dir, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // Another device's records, as HQ holds them.
    let mut hq = new_store(hq_dir.path(), "PC0001");
    let closed = hq
        .add_concern(concern(&format!("Graffiti on {WORD} bridge")))
        .unwrap();
    set_status(&mut hq, closed, ConcernStatus::Resolved);
    let open = hq
        .add_concern(concern("Begging by the cash machine"))
        .unwrap();
    let old_closed = hq.add_concern(concern("Abandoned bike")).unwrap();
    set_status(&mut hq, old_closed, ConcernStatus::Closed);
    let old_open = hq.add_concern(concern("Street drinking")).unwrap();

    let old_closed_state = aged(&hq, old_closed, 40);
    let mut tablet = new_store(dir.path(), "PC4127");
    tablet
        .set_tablet_policy(&TabletPolicy {
            keep_closed_days: 30,
            ..TabletPolicy::default()
        })
        .unwrap();
    // The officer's own record, closed, with its change still waiting for HQ.
    let mine = tablet.add_concern(concern("Noise from the pub")).unwrap();
    set_status(&mut tablet, mine, ConcernStatus::Resolved);

    // A closed record untouched for longer than the window is not stored at all; an old open
    // one is.
    let applied = tablet
        .apply_pull(
            &[
                hq.state(closed).unwrap().into(),
                hq.state(open).unwrap().into(),
                old_closed_state.clone(),
                aged(&hq, old_open, 400),
            ],
            &[],
            4,
            "fp",
        )
        .unwrap();
    assert_eq!((applied.dropped, applied.purged), (1, 0));
    assert!(tablet.state(old_closed).is_err());
    assert!(tablet.state(old_open).is_ok());
    tablet.index_pending(100).unwrap();

    // Within the window nothing goes; past it the closed record does, the open ones and the
    // officer's closed record with a change waiting stay.
    assert_eq!(tablet.thin(Utc::now() + Duration::days(20)).unwrap(), 0);
    assert_eq!(tablet.thin(Utc::now() + Duration::days(31)).unwrap(), 1);
    assert!(matches!(tablet.state(closed), Err(StoreError::NotFound(_))));
    for id in [open, old_open, mine] {
        assert!(tablet.state(id).is_ok());
    }
    assert_eq!(tablet.dropped_count().unwrap(), 2);
    tablet.finish_erasure().unwrap();
    assert_eq!(tablet.debug_find(WORD_TAIL).unwrap(), Vec::<String>::new());
    // Once HQ has the officer's change, their closed record may go too.
    ack_all(&mut tablet);
    assert_eq!(tablet.thin(Utc::now() + Duration::days(31)).unwrap(), 1);
    assert!(tablet.state(mine).is_err());

    // The same versions pulled again (an access reset starts the pull over) stay away.
    let again = tablet
        .apply_pull(
            &[hq.state(closed).unwrap().into(), old_closed_state],
            &[],
            6,
            "fp",
        )
        .unwrap();
    assert_eq!(again.dropped, 0);
    assert!(tablet.state(closed).is_err() && tablet.state(old_closed).is_err());

    // A newer version comes back.
    std::thread::sleep(std::time::Duration::from_millis(5));
    set_status(&mut hq, closed, ConcernStatus::Open);
    tablet
        .apply_pull(&[hq.state(closed).unwrap().into()], &[], 7, "fp")
        .unwrap();
    assert_eq!(
        tablet.get::<Concern>(closed).unwrap().record.status,
        ConcernStatus::Open
    );
    assert_eq!(tablet.dropped_count().unwrap(), 2);
}

#[test]
fn the_store_runs_with_secure_delete() {
    let dir = tempfile::tempdir().unwrap();
    drop(new_store(dir.path(), "PC4127"));
    let store = Store::open(dir.path(), PIN).unwrap();
    assert_eq!(store.db_settings().unwrap().secure_delete, "1");
}
