//! How long the performance framework page takes on a force-sized HQ:
//! `cargo bench -p beatbook-hq --bench framework`.
//!
//! Loads `BENCH_RECORDS` concerns (default 1,000,000) spread over 700 areas and 350 teams, with
//! 5,000 officers, through the real storage push (one device per officer batch), then times the
//! board (`GET /api/v1/hq/framework`'s work) on SQLite and, when `BEATBOOK_TEST_POSTGRES` (or the
//! default local URL) answers, on PostgreSQL: the first board after HQ starts (every record read
//! into the framework's facts), a board with nothing new, and a board after new concerns arrive.

use beatbook_domain::access::Viewer;
use beatbook_domain::area::{Area, AreaKind};
use beatbook_domain::concern::NewConcern;
use beatbook_domain::people::{Officer, Role, Team, TeamKind};
use beatbook_domain::{AreaId, DeviceId, Hlc, OfficerId, Op, OpAction, Record, RecordId, TeamId};
use beatbook_hq::dashboard::framework::{BoardQuery, Period};
use beatbook_hq::performance;
use beatbook_hq::push::{plan, PushContext};
use beatbook_hq::storage::{DeviceRow, Storage};
use beatbook_hq::{HqSettings, HqState};
use chrono::{Duration, Utc};
use std::sync::Arc;
use std::time::Instant;

const AREAS: usize = 700;
const OFFICERS: usize = 5_000;
const BATCH: usize = 5_000;

async fn load(storage: Arc<dyn Storage>, records: usize) {
    for i in 0..AREAS {
        let kind = if i % 22 == 0 {
            AreaKind::TownCentre
        } else {
            AreaKind::Ward
        };
        storage
            .put_area(&Area {
                id: AreaId::new(format!("a{i}")),
                name: format!("Area {i}"),
                kind,
                borough: "Bench".into(),
                ons_code: None,
                town_centre_class: None,
                boundary: vec![[0.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
                boundary_approximate: true,
                places: Vec::new(),
            })
            .await
            .unwrap();
    }
    for t in 0..AREAS / 2 {
        storage
            .put_team(&Team {
                id: TeamId::new(format!("t{t}")),
                name: format!("Team {t}"),
                kind: if t % 11 == 0 {
                    TeamKind::Tct
                } else {
                    TeamKind::Snt
                },
                areas: vec![
                    AreaId::new(format!("a{}", 2 * t)),
                    AreaId::new(format!("a{}", 2 * t + 1)),
                ],
            })
            .await
            .unwrap();
    }
    for o in 0..OFFICERS {
        let officer = Officer {
            id: OfficerId::new(format!("PC{o}")),
            collar_number: format!("PC{o}"),
            name: format!("Officer {o}"),
            role: Role::Officer,
            teams: vec![TeamId::new(format!("t{}", o % (AREAS / 2)))],
        };
        storage.put_officer(&officer, None).await.unwrap();
    }
    let batches = records.div_ceil(BATCH);
    for b in 0..batches {
        push_concerns(storage.as_ref(), b, BATCH.min(records - b * BATCH)).await;
    }
}

/// Push `n` concerns from a new device of officer `b % OFFICERS`, as batch `b` of the load.
async fn push_concerns(storage: &dyn Storage, b: usize, n: usize) {
    let template: NewConcern = serde_json::from_value(serde_json::json!({
        "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
        "description": "Street drinking outside the station most evenings",
        "location": {"lat": 51.539, "lon": -0.1426, "place": "High Street"},
    }))
    .unwrap();
    let now = Utc::now();
    let officer = OfficerId::new(format!("PC{}", b % OFFICERS));
    let device = DeviceId::new();
    let code = format!("bench-{b}");
    storage
        .add_enrolment_code(&code, now + Duration::hours(1))
        .await
        .unwrap();
    let row = DeviceRow {
        id: device,
        name: format!("bench {b}"),
        secret_hash: "x".into(),
        app_version: "bench".into(),
        enrolled_at: now,
        revoked_at: None,
        last_seen_at: None,
        next_seq: 1,
    };
    assert!(storage.enrol_device(&code, &row, now).await.unwrap());
    let ops: Vec<Op> = (0..n)
        .map(|i| {
            let k = b * BATCH + i;
            let mut c = template.clone();
            c.reported_at = Some(now - Duration::hours((k % (24 * 60)) as i64));
            let (_, concern) = c.into_concern(now, vec![AreaId::new(format!("a{}", k % AREAS))]);
            Op {
                device_id: device,
                device_seq: i as u64 + 1,
                record_id: RecordId::new(),
                kind: beatbook_domain::RecordKind::Concern,
                author: officer.clone(),
                hlc: Hlc::new(u64::try_from(now.timestamp_millis()).unwrap(), i as u32),
                action: OpAction::Put {
                    fields: concern.writes_from(None).unwrap(),
                },
            }
        })
        .collect();
    let ctx = PushContext {
        device,
        viewer: Viewer {
            officer: officer.clone(),
            role: Role::Officer,
            teams: Default::default(),
            areas: Default::default(),
        },
        now,
        rules: beatbook_hq::push::PushRules::default(),
    };
    let shared = Arc::new(ops.clone());
    storage
        .push(device, &ops, Box::new(move |l| plan(&ctx, &shared, l)))
        .await
        .unwrap();
}

/// Who looks at the board: an analyst (force-wide figures, no officers' breakdown).
fn analyst() -> Officer {
    Officer {
        id: OfficerId::new("AN0815"),
        collar_number: "AN0815".into(),
        name: "Analyst".into(),
        role: Role::Analyst,
        teams: vec![],
    }
}

async fn measure(name: &str, storage: Arc<dyn Storage>, records: usize) {
    let t = Instant::now();
    load(storage.clone(), records).await;
    eprintln!("{name}: loaded {records} records in {:.1?}", t.elapsed());
    let state = HqState::new(storage.clone(), Arc::new(HqSettings::default()));
    let q = BoardQuery::default();
    let t = Instant::now();
    let board = performance::board(&state, &analyst(), &q).await.unwrap();
    println!(
        "{name}: framework board over {records} records, {} teams, first after HQ starts (reads every record): {:.2?}",
        board.rows.len(),
        t.elapsed()
    );
    let mut warm = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        performance::board(&state, &analyst(), &q).await.unwrap();
        warm.push(t.elapsed());
    }
    warm.sort();
    println!(
        "{name}: framework board, nothing new: median {:.2?} (min {:.2?}, max {:.2?}, 5 runs)",
        warm[2], warm[0], warm[4]
    );
    // Of which: bringing the facts up to date, and computing the board from them.
    let t = Instant::now();
    let facts = performance::facts(&state).await.unwrap();
    let caught_up = t.elapsed();
    let (teams, areas, targets) = (
        storage.teams().await.unwrap(),
        storage.areas().await.unwrap(),
        storage.targets().await.unwrap(),
    );
    let t = Instant::now();
    let now = Utc::now();
    performance::compute(
        facts.items(),
        &teams,
        &areas,
        &targets,
        Period {
            from: now - Duration::days(28),
            to: now,
            as_of: now,
        },
        false,
    );
    println!(
        "{name}: of which catching up with nothing new {:.2?}, computing over {} records' facts {:.2?}",
        caught_up,
        facts.items.len(),
        t.elapsed()
    );
    // Holding the facts would make the next catch-up copy them (as a request still computing does).
    drop(facts);
    let mut after = Vec::new();
    for b in 0..3 {
        push_concerns(storage.as_ref(), records.div_ceil(BATCH) + b, 1_000).await;
        let t = Instant::now();
        performance::board(&state, &analyst(), &q).await.unwrap();
        after.push(t.elapsed());
    }
    println!(
        "{name}: framework board after 1,000 new concerns: {:.2?}, {:.2?}, {:.2?}",
        after[0], after[1], after[2]
    );
    measure_records(name, &state).await;
}

/// The records page (`GET /api/v1/hq/records`, called as its handler, access log and all) for a
/// supervisor: pages of 50 as the dashboard asks, the median of 5 runs each.
async fn measure_records(name: &str, state: &HqState) {
    use axum::extract::State;
    use beatbook_hq::dashboard::auth::Staff;
    use beatbook_hq::dashboard::records::{list, ListQuery};
    use beatbook_hq::extract::Query;
    let staff = || Staff {
        officer: Officer {
            id: OfficerId::new("PS1"),
            collar_number: "PS1".into(),
            name: "Bench supervisor".into(),
            role: Role::Supervisor,
            teams: vec![],
        },
        token_hash: String::new(),
    };
    // The dashboard's purpose, as the page sends it with every read.
    let purpose = || {
        Ok(beatbook_hq::dashboard::purpose::Purposed(
            beatbook_domain::purpose::Purpose {
                code: "performance_review".into(),
                reference: None,
                note: String::new(),
            },
        ))
    };
    let page = |q: &str| -> ListQuery {
        let mut query = serde_json::json!({"limit": 50});
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap();
            query[k] = v.parse::<u64>().map_or_else(|_| v.into(), Into::into);
        }
        serde_json::from_value(query).unwrap()
    };
    let first = list(State(state.clone()), staff(), purpose(), Query(page("")))
        .await
        .unwrap();
    let second = format!("before={}", first.0.next_before.unwrap());
    for (what, q) in [
        ("first page, no filter", ""),
        ("second page (load more)", second.as_str()),
        ("one area", "area=a5"),
        ("one team (two areas)", "team=t3"),
        ("concerns of one area", "kind=concern&area=a5"),
        ("words that match", "q=street%20drinking"),
        ("words in one area", "area=a5&q=station"),
        ("words that match nothing", "q=needle"),
    ] {
        let q = q.replace("%20", " ");
        let mut runs = Vec::new();
        let mut last = None;
        for _ in 0..5 {
            let t = Instant::now();
            let l = list(State(state.clone()), staff(), purpose(), Query(page(&q)))
                .await
                .unwrap();
            runs.push(t.elapsed());
            last = Some(l.0);
        }
        runs.sort();
        let l = last.unwrap();
        println!(
            "{name}: records list, {what}: median {:.2?} (min {:.2?}, max {:.2?}): {} records, {} read{}",
            runs[2],
            runs[0],
            runs[4],
            l.records.len(),
            l.scanned,
            if l.scan_stopped { ", stopped at the scan limit" } else { "" }
        );
    }
}

fn main() {
    let records: usize = std::env::var("BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = Arc::new(
            beatbook_hq::storage::sqlite::SqliteStorage::open(&dir.path().join("hq.db")).unwrap(),
        );
        measure("sqlite", sqlite, records).await;
        let url = std::env::var("BEATBOOK_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        if tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .is_ok()
        {
            let schema = format!("bench_{:08x}", rand::random::<u32>());
            let pg = Arc::new(
                beatbook_hq::storage::postgres::PostgresStorage::connect(&format!(
                    "{url}?schema={schema}"
                ))
                .await
                .unwrap(),
            );
            measure("postgres", pg, records).await;
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            client
                .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                .await
                .unwrap();
        } else {
            eprintln!("postgres: not reachable at {url}, skipped");
        }
    });
}
