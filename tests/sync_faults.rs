//! Sync under faults. HQ runs as a real process behind a seeded fault-injecting proxy that drops,
//! delays, cuts mid-body and duplicates requests; HQ is SIGKILLed and restarted mid-push; a device
//! process is SIGKILLed mid-sync. Three officers on overlapping teams make random concurrent
//! edits, including to the same records. After the faults heal:
//! - every op a device made is on HQ exactly once (the op log has each device's ops 1..=n, with
//!   an intact hash chain) and none was refused;
//! - every device holds exactly the records it may see;
//! - every replica of a record is identical to HQ's.
//!
//! The story runs against HQ on SQLite (one HQ process) and on PostgreSQL (two HQ processes on one
//! database, devices alternating between them, each HQ behind its own faulty proxy).
//!
//! `BEATBOOK_FAULT_SEEDS=N` runs seeds 1..=N (default 50); `BEATBOOK_FAULT_SEED=S` runs one.
//! PostgreSQL comes from `BEATBOOK_TEST_POSTGRES` (default the local `test` database);
//! `BEATBOOK_SKIP_POSTGRES=1` skips that half. A failure names its backend and seed.

mod support;

use beatbook_domain::access::{device_may_see, Viewer};
use beatbook_domain::concern::{Concern, ConcernPriority, ConcernStatus};
use beatbook_domain::merge::RecordState;
use beatbook_domain::views::ListFilter;
use beatbook_domain::{OfficerId, RecordId};
use beatbook_faultproxy::{FaultProxy, FaultSettings};
use beatbook_hq::push::verify_chain;
use beatbook_hq::Storage;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::{device_at, Device, DEMO_PASSWORD, PIN};

const OFFICERS: [&str; 3] = ["PC4127", "PC2290", "PS1102"];
/// Points around Camden Town: all in the Camden Town ward and/or town centre, so the three
/// officers' teams overlap and they edit each other's records.
const POINTS: [(f64, f64); 4] = [
    (51.5392, -0.1426),
    (51.5410, -0.1445),
    (51.5365, -0.1400),
    (51.5430, -0.1470),
];

fn beatbook() -> Command {
    Command::new(env!("CARGO_BIN_EXE_beatbook"))
}

/// HQ's key for data at rest, the same for the seeding done here and the HQ processes.
const KEY_BYTES: [u8; 32] = [0x3c; 32];

fn hq_key() -> beatbook_hq::keys::HqKey {
    beatbook_hq::keys::HqKey::from_bytes(KEY_BYTES)
}

fn hex_key() -> String {
    KEY_BYTES.iter().map(|b| format!("{b:02x}")).collect()
}

struct HqProcess {
    child: Child,
    addr: SocketAddr,
}

impl HqProcess {
    fn start(db: &str) -> HqProcess {
        let mut child = beatbook()
            .args(["hq", "--db", db, "serve", "--listen", "127.0.0.1:0"])
            .env("BEATBOOK_HQ_KEY", hex_key())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start HQ");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("HQ did not say where it listens: {line:?}"));
        HqProcess { child, addr }
    }

    fn kill(&mut self) {
        // SIGKILL: no chance to finish a transaction or flush anything.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for HqProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn seeds() -> Vec<u64> {
    if let Some(s) = std::env::var("BEATBOOK_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return vec![s];
    }
    let n = std::env::var("BEATBOOK_FAULT_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    (1..=n).collect()
}

#[derive(Clone, Copy, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

fn postgres_url() -> String {
    std::env::var("BEATBOOK_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

#[test]
fn sync_survives_faults_and_converges_on_sqlite() {
    run_seeds(Backend::Sqlite);
}

#[test]
fn sync_survives_faults_and_converges_on_postgres_with_two_hq_processes() {
    if std::env::var_os("BEATBOOK_SKIP_POSTGRES").is_some() {
        eprintln!("skipped: BEATBOOK_SKIP_POSTGRES is set");
        return;
    }
    run_seeds(Backend::Postgres);
}

fn run_seeds(backend: Backend) {
    let seeds = seeds();
    // Two seeds at a time: each has its own HQ process(es), proxies and devices.
    let results: Vec<(u64, Result<String, String>)> = std::thread::scope(|scope| {
        let chunks: Vec<Vec<u64>> = seeds
            .chunks(seeds.len().div_ceil(2).max(1))
            .map(<[u64]>::to_vec)
            .collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    let rt = tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(2)
                        .enable_all()
                        .build()
                        .unwrap();
                    chunk
                        .into_iter()
                        .map(|seed| (seed, rt.block_on(run_seed(backend, seed))))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut failed = Vec::new();
    for (seed, r) in &results {
        match r {
            Ok(summary) => println!("{backend:?} seed {seed}: ok ({summary})"),
            Err(e) => {
                println!("{backend:?} seed {seed}: FAILED: {e}");
                failed.push(*seed);
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{backend:?}: failing seeds {failed:?} (rerun one with BEATBOOK_FAULT_SEED=<seed>)"
    );
}

/// A PostgreSQL schema of one seed's own, dropped afterwards.
struct PgSchema {
    name: String,
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                &postgres_url(),
                "-q",
                "-c",
                &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

async fn run_seed(backend: Backend, seed: u64) -> Result<String, String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (db, _schema) = match backend {
        Backend::Sqlite => (
            format!("sqlite:{}", dir.path().join("hq.db").display()),
            None,
        ),
        Backend::Postgres => {
            let name = format!("fault_{}_{seed}", std::process::id());
            let sep = if postgres_url().contains('?') {
                '&'
            } else {
                '?'
            };
            (
                format!("{}{sep}schema={name}", postgres_url()),
                Some(PgSchema { name }),
            )
        }
    };
    let storage = beatbook_hq::open_storage(&db, &hq_key())
        .await
        .map_err(|e| format!("open HQ storage: {e}"))?;
    beatbook_hq::admin::seed_demo(storage.as_ref(), DEMO_PASSWORD)
        .await
        .map_err(|e| e.to_string())?;
    // SQLite: one HQ process. PostgreSQL: two, on the same database.
    let n_hq = match backend {
        Backend::Sqlite => 1,
        Backend::Postgres => 2,
    };
    let mut hqs: Vec<HqProcess> = (0..n_hq).map(|_| HqProcess::start(&db)).collect();
    let mut proxies = Vec::new();
    for hq in &hqs {
        proxies.push(
            FaultProxy::start(hq.addr, FaultSettings::none(seed))
                .await
                .map_err(|e| e.to_string())?,
        );
    }
    let urls: Vec<String> = proxies
        .iter()
        .map(|p| format!("http://{}", p.addr()))
        .collect();

    let mut devices = Vec::new();
    for collar in OFFICERS {
        let code = beatbook_hq::admin::enrolment_code(storage.as_ref(), 1)
            .await
            .map_err(|e| e.to_string())?;
        devices.push(device_at(&urls[0], &code, collar).await);
    }

    for p in &proxies {
        p.set_faults(FaultSettings {
            max_delay_ms: 100,
            ..FaultSettings::chaos(seed)
        });
    }
    let mut hq_kills = 0;
    let mut device_kills = 0;
    for _round in 0..10 {
        for d in &devices {
            for _ in 0..rng.gen_range(1..=3) {
                random_change(d, &mut rng);
            }
        }
        for d in &devices {
            // Devices alternate between HQ processes where there are several.
            let which = rng.gen_range(0..hqs.len());
            point_at(d, &urls[which]);
            match rng.gen_range(0..10) {
                // HQ killed mid-push, then restarted (on a new port; the proxy follows it).
                0 => {
                    let delay = Duration::from_millis(rng.gen_range(0..40));
                    let sync = d.sync();
                    let hq = &mut hqs[which];
                    let kill = async {
                        tokio::time::sleep(delay).await;
                        hq.kill();
                    };
                    let (_, ()) = tokio::join!(sync, kill);
                    *hq = HqProcess::start(&db);
                    proxies[which].set_upstream(hq.addr);
                    hq_kills += 1;
                }
                // The device's process killed mid-sync.
                1 => {
                    kill_device_sync(&d.path(), Duration::from_millis(rng.gen_range(0..150)));
                    device_kills += 1;
                }
                // An ordinary sync; under faults it may fail, and that is fine.
                2..=7 => {
                    let _ = d.sync().await;
                }
                _ => {}
            }
        }
    }

    // Heal, then sync until everything is on HQ and every device has pulled everything.
    for p in &proxies {
        p.set_faults(FaultSettings::none(seed));
    }
    for d in &devices {
        for attempt in 0..5 {
            match d.sync().await {
                Ok(r) if r.pending == 0 => break,
                Ok(_) => {}
                Err(e) if attempt == 4 => {
                    return Err(format!("device never finished syncing: {e}"))
                }
                Err(_) => {}
            }
        }
    }
    for d in &devices {
        d.sync().await.map_err(|e| format!("final sync: {e}"))?;
    }
    let stats: Vec<_> = proxies.iter().map(FaultProxy::stats).collect();
    check(storage.as_ref(), &devices)
        .await
        .map_err(|e| format!("{e}; faults {stats:?}"))?;
    Ok(format!(
        "{} ops, {hq_kills} HQ kill(s), {device_kills} device kill(s), {} dropped, {} cut, {} duplicated",
        storage.counts().await.map_err(|e| e.to_string())?.ops,
        stats.iter().map(|s| s.dropped).sum::<u64>(),
        stats.iter().map(|s| s.cut_request + s.cut_response).sum::<u64>(),
        stats.iter().map(|s| s.duplicated).sum::<u64>(),
    ))
}

/// Send a device's next sync to another HQ process.
fn point_at(d: &Device, url: &str) {
    let mut store = d.store.lock().unwrap();
    let mut meta = store.sync_meta().unwrap();
    meta.hq_url = Some(url.to_owned());
    store.set_sync_meta(&meta).unwrap();
}

/// A new concern, or an edit of a record this device holds (possibly one another officer made).
fn random_change(d: &Device, rng: &mut StdRng) {
    let mut store = d.store.lock().unwrap();
    let held = store.list(&ListFilter::default()).unwrap();
    if held.is_empty() || rng.gen_bool(0.4) {
        let (lat, lon) = POINTS[rng.gen_range(0..POINTS.len())];
        let c = serde_json::from_value(serde_json::json!({
            "category": {"kind": "asb", "type": "nuisance", "heading": "noise"},
            "description": format!("Noise report {}", rng.gen::<u32>()),
            "location": {"lat": lat, "lon": lon, "place": null},
        }))
        .unwrap();
        store.add_concern(c).unwrap();
        return;
    }
    let id = held[rng.gen_range(0..held.len())].id;
    let mut c: Concern = store.get::<Concern>(id).unwrap().record;
    match rng.gen_range(0..3) {
        0 => c.description = format!("{} / update {}", c.description, rng.gen::<u16>()),
        1 => {
            c.status = [
                ConcernStatus::Open,
                ConcernStatus::InProgress,
                ConcernStatus::Resolved,
            ][rng.gen_range(0..3)]
        }
        _ => {
            c.priority = [
                ConcernPriority::Low,
                ConcernPriority::Medium,
                ConcernPriority::High,
            ][rng.gen_range(0..3)]
        }
    }
    store.update_concern(id, c).unwrap();
}

/// Run `beatbook device sync` on the same store in a child process and SIGKILL it after `after`.
fn kill_device_sync(dir: &PathBuf, after: Duration) {
    let mut child = beatbook()
        .args(["device", "--data"])
        .arg(dir)
        .arg("sync")
        .env("BEATBOOK_PIN", PIN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start device sync");
    std::thread::sleep(after);
    let _ = child.kill();
    let _ = child.wait();
}

async fn check(storage: &dyn Storage, devices: &[Device]) -> Result<(), String> {
    let head = storage.head().await.map_err(|e| e.to_string())?;
    let changes = storage
        .changes_after(0, u32::try_from(head + 1).unwrap_or(u32::MAX))
        .await
        .map_err(|e| e.to_string())?;
    let hq_states: BTreeMap<RecordId, (RecordState, beatbook_domain::access::AccessFacts)> =
        changes
            .into_iter()
            .map(|c| {
                (
                    c.record_id,
                    (serde_json::from_str(&c.state_json).unwrap(), c.facts),
                )
            })
            .collect();
    let teams = storage.teams().await.map_err(|e| e.to_string())?;

    for d in devices {
        // What the device holds, read first so no lock is held across an await.
        let (device_id, officer_id, made, pending, rejected, held) = {
            let store = d.store.lock().unwrap();
            let held: BTreeMap<RecordId, RecordState> = store
                .list(&ListFilter {
                    limit: Some(u32::MAX),
                    ..Default::default()
                })
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|r| store.state(r.id).map(|s| (r.id, s)))
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
            (
                store.device_id(),
                store.officer().clone(),
                store.op_count().map_err(|e| e.to_string())?,
                store.pending_count().map_err(|e| e.to_string())?,
                store.rejected_ops().map_err(|e| e.to_string())?,
                held,
            )
        };
        // Every op on HQ exactly once: the log holds 1..=n for this device, chained, none refused.
        if pending != 0 {
            return Err(format!(
                "device {device_id} still has {pending} ops waiting"
            ));
        }
        if !rejected.is_empty() {
            return Err(format!("device {device_id} had ops refused: {rejected:?}"));
        }
        let log = storage.op_log(device_id).await.map_err(|e| e.to_string())?;
        let seqs: Vec<u64> = log.iter().map(|l| l.device_seq).collect();
        if seqs != (1..=made).collect::<Vec<_>>() {
            return Err(format!(
                "device {device_id} made {made} ops; HQ's log holds {seqs:?}"
            ));
        }
        let chain = verify_chain(&log);
        if !chain.ok {
            return Err(format!(
                "device {device_id}: hash chain broken at {:?}",
                chain.broken_at
            ));
        }

        // Exactly the records this officer may see, each identical to HQ's.
        let officer = storage
            .officer(&officer_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("officer missing")?
            .officer;
        let mine: BTreeSet<_> = officer.teams.iter().cloned().collect();
        let viewer = Viewer {
            officer: OfficerId::new(officer.id.as_str()),
            role: officer.role,
            areas: teams
                .iter()
                .filter(|t| mine.contains(&t.id))
                .flat_map(|t| t.areas.iter().cloned())
                .collect(),
            teams: mine,
        };
        let expected: BTreeSet<RecordId> = hq_states
            .iter()
            .filter(|(_, (_, f))| device_may_see(&viewer, f))
            .map(|(id, _)| *id)
            .collect();
        let held_ids: BTreeSet<RecordId> = held.keys().copied().collect();
        if held_ids != expected {
            return Err(format!(
                "device {device_id} holds {} records, may see {}: extra {:?}, missing {:?}",
                held_ids.len(),
                expected.len(),
                held_ids.difference(&expected).collect::<Vec<_>>(),
                expected.difference(&held_ids).collect::<Vec<_>>()
            ));
        }
        for (id, local) in &held {
            if local != &hq_states[id].0 {
                return Err(format!(
                    "record {id} differs between device {device_id} and HQ"
                ));
            }
        }
    }
    Ok(())
}
