//! `beatbook bench`: measured figures for BENCHMARKS.md. Timings here, never in tests.

use anyhow::Result;
use beatbook_domain::area::Location;
use beatbook_domain::concern::{ConcernPriority, ConcernStatus, NewConcern};
use beatbook_domain::people::{Basis, PersonInvolved, PersonRole, Statement};
use beatbook_domain::views::ListFilter;
use beatbook_domain::OfficerId;
use beatbook_store::{InitSettings, KdfSettings, Store};
use clap::{Args, Subcommand};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: BenchCommand,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Concern writes through the encrypted store (validate, route, record + outbox + search
    /// index in one durable transaction), one at a time as an officer saves them.
    StoreWrite {
        /// How many concerns to write.
        #[arg(long, default_value_t = 2000)]
        n: usize,
        /// Where to put the store (a fresh temporary directory by default). Put it on the
        /// storage you want to measure: fsync cost is most of a write.
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Sync over loopback: push N concerns from a device, pull them into a fresh device, and
    /// time a sync with nothing to do while HQ holds many other records.
    Sync {
        #[arg(long, default_value_t = 10_000)]
        records: usize,
        /// Other officers' records to put on HQ first (not visible to the bench devices).
        #[arg(long, default_value_t = 0)]
        hq_records: usize,
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
        /// Keep HQ's database and the devices' stores afterwards (their directory is printed on
        /// stderr), to look at what was written.
        #[arg(long)]
        keep: bool,
    },
    /// Disposal at HQ: fill HQ with records, then a records manager disposes of some of them in
    /// one decision (checked, logged, erased, compacted), as `POST /api/v1/hq/retention/decisions`
    /// does.
    Dispose {
        /// Records on HQ.
        #[arg(long, default_value_t = 1_000_000)]
        hq_records: usize,
        /// How many of them to dispose of.
        #[arg(long, default_value_t = 100_000)]
        dispose: usize,
        /// HQ's database: SQLite in a temporary directory by default, or a PostgreSQL URL (give
        /// it a fresh `?schema=NAME`; the bench does not drop it).
        #[arg(long)]
        db: Option<String>,
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// A tablet's first sync after HQ disposed of many of the records it holds (the disposals
    /// come first in that sync), against its sync with nothing to do.
    TabletDisposals {
        /// Records the tablet holds.
        #[arg(long, default_value_t = 12_000)]
        records: usize,
        /// How many of them HQ disposes of.
        #[arg(long, default_value_t = 10_000)]
        disposals: usize,
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

/// A concern of about 1 KB as JSON, varied so the search index sees real text.
pub fn demo_concern(i: usize) -> NewConcern {
    const PLACES: [(&str, f64, f64); 4] = [
        ("Camden High Street by the station", 51.5392, -0.1426),
        ("Kentish Town Road, north end", 51.5500, -0.1410),
        ("Kingsland High Street", 51.5480, -0.0755),
        ("Mare Street near the Town Hall", 51.5455, -0.0560),
    ];
    let (place, lat, lon) = PLACES[i % PLACES.len()];
    let jitter = (i % 97) as f64 * 0.00001;
    let description = format!(
        "Report {i}: residents say a group of six to eight young people gather most evenings from \
         about 9pm, drinking and playing loud music from a car parked on the corner. Bottles are \
         left on the pavement and two residents say they no longer walk this way after dark. The \
         shop owner says the group moves on when asked but returns within the hour. CCTV on the \
         corner is believed not to work. Residents would like more visible patrols late on Friday \
         and Saturday and asked whether the council can fix the light by the bus stop."
    );
    NewConcern {
        id: None,
        category: beatbook_domain::concern::ConcernCategory::Asb(
            beatbook_domain::concern::AsbCategory::Nuisance(
                beatbook_domain::concern::AsbNuisance::StreetDrinking,
            ),
        ),
        description,
        location: Location {
            lat: lat + jitter,
            lon: lon - jitter,
            place: Some(place.to_owned()),
        },
        people: vec![PersonInvolved {
            role: PersonRole::Witness,
            name: Some("Resident of the flats above the shop".to_owned()),
            description: None,
            statements: vec![Statement {
                text: "They are there every Friday and Saturday night.".to_owned(),
                basis: Basis::Fact,
            }],
        }],
        consent_to_contact: true,
        contact: Some("07700 900123".to_owned()),
        priority: ConcernPriority::Medium,
        status: ConcernStatus::Open,
        crime_referral: None,
        reported_at: None,
        retention_review: None,
    }
}

struct Stats {
    p50: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
    mean: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at =
        |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1];
    let total: Duration = samples.iter().sum();
    Stats {
        p50: at(0.50),
        p90: at(0.90),
        p99: at(0.99),
        max: *samples.last().unwrap_or(&Duration::ZERO),
        mean: total / u32::try_from(samples.len().max(1)).unwrap_or(u32::MAX),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn run(args: BenchArgs) -> Result<ExitCode> {
    match args.command {
        BenchCommand::StoreWrite { n, dir, json } => store_write(n.max(1), dir, json),
        BenchCommand::Sync {
            records,
            hq_records,
            dir,
            json,
            keep,
        } => {
            tokio::runtime::Runtime::new()?
                .block_on(sync::run(records, hq_records, dir, json, keep))?;
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::Dispose {
            hq_records,
            dispose,
            db,
            dir,
            json,
        } => {
            tokio::runtime::Runtime::new()?
                .block_on(lifecycle::dispose(hq_records, dispose, db, dir, json))?;
            Ok(ExitCode::SUCCESS)
        }
        BenchCommand::TabletDisposals {
            records,
            disposals,
            dir,
            json,
        } => {
            tokio::runtime::Runtime::new()?
                .block_on(lifecycle::tablet(records, disposals, dir, json))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn store_write(n: usize, dir: Option<std::path::PathBuf>, json: bool) -> Result<ExitCode> {
    let tmp = tempfile::tempdir_in(dir.unwrap_or_else(std::env::temp_dir))?;
    let pin = "246810";
    let settings = InitSettings {
        officer: OfficerId::new("PC4127"),
        kdf: KdfSettings::DEVICE,
        areas: beatbook_domain::reference::demo_areas(),
    };
    drop(Store::init(tmp.path(), pin, settings)?);
    let t = Instant::now();
    let mut store = Store::open(tmp.path(), pin)?;
    let unlock = t.elapsed();

    let record_bytes = serde_json::to_vec(&demo_concern(0))?.len();
    let mut samples = Vec::with_capacity(n);
    let all = Instant::now();
    for i in 0..n {
        let c = demo_concern(i);
        let t = Instant::now();
        store.add_concern(c)?;
        samples.push(t.elapsed());
    }
    let wall = all.elapsed();

    let t = Instant::now();
    let hits = store
        .search(
            "bus stop light",
            &ListFilter {
                limit: Some(50),
                ..Default::default()
            },
        )?
        .len();
    let search = t.elapsed();
    let s = stats(samples);
    let db = store.db_settings()?;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "bench": "store-write", "n": n, "record_json_bytes": record_bytes,
                "p50_ms": ms(s.p50), "p90_ms": ms(s.p90), "p99_ms": ms(s.p99), "max_ms": ms(s.max), "mean_ms": ms(s.mean),
                "writes_per_s": n as f64 / wall.as_secs_f64(),
                "unlock_ms": ms(unlock), "search_ms": ms(search), "search_hits": hits,
                "journal_mode": db.journal_mode, "synchronous": db.synchronous, "sqlcipher": db.cipher_version,
            })
        );
    } else {
        println!("store-write: {n} concerns of ~{record_bytes} B JSON, SQLCipher {} ({}, synchronous={})", db.cipher_version, db.journal_mode, db.synchronous);
        println!("  write latency  p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms  mean {:.2} ms", ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max), ms(s.mean));
        println!(
            "  throughput     {:.0} writes/s ({:.2} s wall)",
            n as f64 / wall.as_secs_f64(),
            wall.as_secs_f64()
        );
        println!("  unlock (Argon2id 64 MiB, t=3) {:.0} ms", ms(unlock));
        println!(
            "  search over {n} records: {:.2} ms, {hits} hit(s) (limit 50)",
            ms(search)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// CPU time this process has used so far (user and system, all threads), in milliseconds, from
/// `/proc/self/stat` (10 ms resolution); `None` where there is no such file.
fn process_cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (in parentheses, which may hold spaces): utime and
    // stime are the 12th and 13th of them, in clock ticks of 10 ms.
    let mut rest = stat.get(stat.rfind(')')? + 2..)?.split(' ');
    let utime: f64 = rest.nth(11)?.parse().ok()?;
    let stime: f64 = rest.next()?.parse().ok()?;
    Some((utime + stime) * 10.0)
}

/// `beatbook bench sync`: push from one device to HQ, pull into a fresh device, and a sync with
/// nothing to do, on loopback, with HQ in this process on its SQLite store.
pub mod sync {
    use super::{demo_concern, ms, process_cpu_ms, stats};
    use anyhow::{Context, Result};
    use beatbook_domain::OfficerId;
    use beatbook_hq::{HqSettings, HqState};
    use beatbook_store::{InitSettings, KdfSettings, Store, UNENROLLED};
    use beatbook_sync::SyncEngine;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    pub(crate) const PASSWORD: &str = "bench-password-1";

    pub(crate) async fn device(
        url: &str,
        code: &str,
        dir: &std::path::Path,
        collar: &str,
    ) -> Result<(Arc<Mutex<Store>>, SyncEngine)> {
        let store = Store::init(
            dir,
            "246810",
            InitSettings {
                officer: OfficerId::new(UNENROLLED),
                kdf: KdfSettings::INSECURE_FAST,
                areas: vec![],
            },
        )?;
        let store = Arc::new(Mutex::new(store));
        let engine = SyncEngine::new(store.clone());
        engine.enrol(url, code, "bench").await?;
        engine.login(collar, PASSWORD).await?;
        Ok((store, engine))
    }

    /// Fill HQ with `n` records from a separate device, in large batches straight to storage;
    /// their ids.
    pub(crate) async fn fill(
        storage: &dyn beatbook_hq::Storage,
        n: usize,
    ) -> Result<Vec<beatbook_domain::RecordId>> {
        use beatbook_domain::Record;
        use beatbook_hq::push::{plan, PushContext};
        let officer = storage
            .officer(&OfficerId::new("PC3318"))
            .await?
            .context("demo officer")?
            .officer;
        let device = beatbook_domain::DeviceId::new();
        let row = beatbook_hq::storage::DeviceRow {
            id: device,
            name: "bench filler".into(),
            secret_hash: String::new(),
            app_version: String::new(),
            enrolled_at: chrono::Utc::now(),
            revoked_at: None,
            last_seen_at: None,
            next_seq: 1,
        };
        let code = beatbook_hq::admin::enrolment_code(storage, 1).await?;
        let hash = beatbook_hq::auth::sha256_hex(&beatbook_hq::auth::normalise_code(&code));
        storage
            .enrol_device(&hash, &row, chrono::Utc::now())
            .await?;
        let viewer = beatbook_domain::access::Viewer {
            officer: officer.id.clone(),
            role: officer.role,
            teams: officer.teams.iter().cloned().collect(),
            areas: Default::default(),
        };
        let mut clock = beatbook_domain::HlcClock::default();
        let mut seq = 0u64;
        let areas = beatbook_domain::reference::demo_areas();
        let batch = 5_000;
        let mut ids = Vec::with_capacity(n);
        for start in (0..n).step_by(batch) {
            let ops: Vec<_> = (start..(start + batch).min(n))
                .map(|i| {
                    seq += 1;
                    // Dalston: not visible to the bench devices, as most of a force's data is not.
                    let mut c = demo_concern(i);
                    c.location.lat = 51.5480;
                    c.location.lon = -0.0755;
                    let pt = c.location.point();
                    let (_, concern) = c.into_concern(
                        chrono::Utc::now(),
                        beatbook_domain::area::areas_containing(pt, &areas),
                    );
                    let record_id = beatbook_domain::RecordId::new();
                    ids.push(record_id);
                    beatbook_domain::Op {
                        device_id: device,
                        device_seq: seq,
                        record_id,
                        kind: beatbook_domain::RecordKind::Concern,
                        author: officer.id.clone(),
                        hlc: clock.tick(
                            u64::try_from(chrono::Utc::now().timestamp_millis())
                                .unwrap_or_default(),
                        ),
                        action: beatbook_domain::OpAction::Put {
                            fields: concern.writes_from(None).unwrap_or_default(),
                        },
                    }
                })
                .collect();
            let ctx = PushContext {
                device,
                viewer: viewer.clone(),
                now: chrono::Utc::now(),
                rules: beatbook_hq::push::PushRules::default(),
            };
            let ops = Arc::new(ops);
            let planner_ops = ops.clone();
            storage
                .push(
                    device,
                    &ops,
                    Box::new(move |loaded| plan(&ctx, &planner_ops, loaded)),
                )
                .await?;
        }
        Ok(ids)
    }

    pub async fn run(
        records: usize,
        hq_records: usize,
        dir: Option<std::path::PathBuf>,
        json: bool,
        keep: bool,
    ) -> Result<()> {
        if std::env::var_os("RUST_LOG").is_some() {
            // Phase timings of HQ and the sync engine (e.g. RUST_LOG=beatbook_hq=debug,beatbook_sync=debug).
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .with_writer(std::io::stderr)
                .try_init();
        }
        let tmp = tempfile::tempdir_in(dir.unwrap_or_else(std::env::temp_dir))?;
        let storage = beatbook_hq::open_storage(
            &format!("sqlite:{}", tmp.path().join("hq.db").display()),
            &beatbook_hq::keys::HqKey::random(),
        )
        .await?;
        beatbook_hq::admin::seed_demo(storage.as_ref(), PASSWORD).await?;
        let t = Instant::now();
        fill(storage.as_ref(), hq_records).await?;
        let fill_s = t.elapsed().as_secs_f64();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let state = HqState::new(storage.clone(), Arc::new(HqSettings::default()));
        // HQ reads every record's dashboard facts when it starts (in the background; seconds at
        // a million records). Time an HQ that has done so, not one still starting up.
        let t = Instant::now();
        state
            .facts
            .current(storage.as_ref())
            .await
            .map_err(|e| anyhow::anyhow!("reading HQ's dashboard facts: {e:?}"))?;
        let warm_s = t.elapsed().as_secs_f64();
        tokio::spawn(async move {
            let _ = beatbook_hq::serve(listener, state).await;
        });

        let a_dir = tmp.path().join("a");
        let code = beatbook_hq::admin::enrolment_code(storage.as_ref(), 1).await?;
        let (a_store, a) = device(&url, &code, &a_dir, "PC4127").await?;
        {
            let mut s = a_store.lock().map_err(|_| anyhow::anyhow!("lock"))?;
            let lines: String = (0..records)
                .map(|i| serde_json::to_string(&demo_concern(i)).unwrap_or_default() + "\n")
                .collect();
            s.import_concerns(lines.as_bytes())?;
        }
        // Wire size, on realistic text: the 100 distinct demo concerns as one push batch, the way
        // the client sends it (JSON, zstd level 3). The bench's own concerns repeat one text and
        // would flatter compression.
        let sample = {
            let wire_dir = tmp.path().join("wire");
            let mut s = Store::init(
                &wire_dir,
                "246810",
                InitSettings {
                    officer: OfficerId::new("PC4127"),
                    kdf: KdfSettings::INSECURE_FAST,
                    areas: beatbook_domain::reference::demo_areas(),
                },
            )?;
            s.import_concerns(include_str!("../tests/fixtures/concerns.ndjson").as_bytes())?;
            s.pending_ops(1_000)?
        };
        let json_bytes = serde_json::to_vec(&beatbook_domain::protocol::PushRequest {
            ops: sample.clone(),
        })?;
        let zstd_bytes = zstd::encode_all(&json_bytes[..], 3)?;

        let cpu = process_cpu_ms();
        let push = a.sync_once(&|_| {}).await?;
        let push_sync_cpu = process_cpu_ms().zip(cpu).map(|(b, a)| b - a);
        let b_dir = tmp.path().join("b");
        let code = beatbook_hq::admin::enrolment_code(storage.as_ref(), 1).await?;
        // The same officer's replacement tablet: every record pushed is theirs to hold.
        let (b_store, b) = device(&url, &code, &b_dir, "PC4127").await?;
        let cpu = process_cpu_ms();
        let pull = b.sync_once(&|_| {}).await?;
        let pull_sync_cpu = process_cpu_ms().zip(cpu).map(|(b, a)| b - a);
        let held = b_store
            .lock()
            .map_err(|_| anyhow::anyhow!("lock"))?
            .count()?;

        let mut noop = Vec::new();
        for _ in 0..50 {
            let t = Instant::now();
            b.sync_once(&|_| {}).await?;
            noop.push(t.elapsed());
        }
        let noop = stats(noop);
        let hq_total = storage.counts().await?.records;
        let per_op_json = json_bytes.len() as f64 / sample.len().max(1) as f64;
        let per_op_zstd = zstd_bytes.len() as f64 / sample.len().max(1) as f64;
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "bench": "sync", "records": records, "hq_records": hq_total, "hq_fill_s": fill_s, "hq_warm_s": warm_s,
                    "push_ms": push.push_ms, "pushed": push.pushed, "echo_pull_ms": push.pull_ms,
                    "fresh_pull_ms": pull.pull_ms, "fresh_index_ms": pull.index_ms, "pulled": pull.pulled, "held_after_pull": held,
                    "noop_p50_ms": ms(noop.p50), "noop_p99_ms": ms(noop.p99),
                    "push_sync_cpu_ms": push_sync_cpu, "pull_sync_cpu_ms": pull_sync_cpu,
                    "push_bytes_per_op_json": per_op_json, "push_bytes_per_op_zstd": per_op_zstd,
                })
            );
        } else {
            println!("sync bench: HQ on SQLite in-process over loopback; {hq_total} records on HQ (filled in {fill_s:.1} s, its dashboard facts read in {warm_s:.1} s before timing)");
            println!(
                "  push {} concerns from one device: {} ms (then pulling them back: {} ms)",
                push.pushed, push.push_ms, push.pull_ms
            );
            println!(
                "  pull {} records into a fresh device: {} ms (then adding them to its search index: {} ms)",
                pull.pulled, pull.pull_ms, pull.index_ms
            );
            println!(
                "  sync with nothing to do: p50 {:.2} ms, p99 {:.2} ms (50 runs)",
                ms(noop.p50),
                ms(noop.p99)
            );
            println!("  wire: {per_op_json:.0} B/op as JSON, {per_op_zstd:.0} B/op with zstd");
            if let (Some(push), Some(pull)) = (push_sync_cpu, pull_sync_cpu) {
                println!("  CPU (both sides, all threads): pushing device's sync {push:.0} ms, fresh device's sync {pull:.0} ms");
            }
        }
        if keep {
            eprintln!("kept {}", tmp.keep().display());
        }
        Ok(())
    }
}

/// The records lifecycle: disposal at HQ at force scale, and a tablet's sync after many disposals.
pub mod lifecycle {
    use super::sync::{device, fill, PASSWORD};
    use super::{demo_concern, ms, stats};
    use anyhow::Result;
    use beatbook_domain::retention::Decision;
    use beatbook_domain::OfficerId;
    use beatbook_hq::retention::{decide, DecisionRequest};
    use beatbook_hq::{HqSettings, HqState};
    use std::sync::Arc;
    use std::time::Instant;

    fn dispose_request(ids: Vec<beatbook_domain::RecordId>) -> DecisionRequest {
        DecisionRequest {
            records: Some(ids),
            filter: None,
            decision: Decision::Dispose,
            reason: "Benchmark: reviewed, no further policing purpose".into(),
        }
    }

    pub async fn dispose(
        hq_records: usize,
        n: usize,
        db: Option<String>,
        dir: Option<std::path::PathBuf>,
        json: bool,
    ) -> Result<()> {
        let tmp = tempfile::tempdir_in(dir.unwrap_or_else(std::env::temp_dir))?;
        let db = db.unwrap_or_else(|| format!("sqlite:{}", tmp.path().join("hq.db").display()));
        let storage = beatbook_hq::open_storage(&db, &beatbook_hq::keys::HqKey::random()).await?;
        beatbook_hq::admin::seed_demo(storage.as_ref(), PASSWORD).await?;
        let t = Instant::now();
        let ids = fill(storage.as_ref(), hq_records).await?;
        let fill_s = t.elapsed().as_secs_f64();
        let state = HqState::new(
            storage.clone(),
            Arc::new(HqSettings {
                photos_dir: Some(tmp.path().join("photos")),
                ..HqSettings::default()
            }),
        );
        let chosen: Vec<_> = ids.into_iter().take(n).collect();
        let t = Instant::now();
        let view = decide(&state, &OfficerId::new("RM0001"), &dispose_request(chosen))
            .await
            .map_err(|e| anyhow::anyhow!("disposal refused: {e:?}"))?;
        let took = t.elapsed();
        let left = storage.counts().await?.records;
        let disposed_feed = storage.disposals_after(0, u32::MAX).await?.len();
        let chains = beatbook_hq::admin::verify_chains(storage.as_ref()).await?;
        let chains_ok = chains.iter().all(|(_, r)| r.ok);
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "bench": "dispose", "backend": storage.backend(), "hq_records": hq_records,
                    "disposed": view.count, "dispose_s": took.as_secs_f64(), "fill_s": fill_s,
                    "records_left": left, "disposals_feed": disposed_feed, "chains_ok": chains_ok,
                })
            );
        } else {
            println!(
                "dispose bench: HQ on {} with {hq_records} records (filled in {fill_s:.1} s)",
                storage.backend()
            );
            println!(
                "  dispose of {} in one decision (checked, logged, erased, compacted): {:.1} s, {:.0} records/s",
                view.count,
                took.as_secs_f64(),
                view.count as f64 / took.as_secs_f64()
            );
            println!("  afterwards: {left} records on HQ, {disposed_feed} in the disposals feed, chains verify: {chains_ok}");
        }
        Ok(())
    }

    pub async fn tablet(
        records: usize,
        disposals: usize,
        dir: Option<std::path::PathBuf>,
        json: bool,
    ) -> Result<()> {
        let tmp = tempfile::tempdir_in(dir.unwrap_or_else(std::env::temp_dir))?;
        let storage = beatbook_hq::open_storage(
            &format!("sqlite:{}", tmp.path().join("hq.db").display()),
            &beatbook_hq::keys::HqKey::random(),
        )
        .await?;
        beatbook_hq::admin::seed_demo(storage.as_ref(), PASSWORD).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let state = HqState::new(
            storage.clone(),
            Arc::new(HqSettings {
                photos_dir: Some(tmp.path().join("photos")),
                ..HqSettings::default()
            }),
        );
        let server_state = state.clone();
        tokio::spawn(async move {
            let _ = beatbook_hq::serve(listener, server_state).await;
        });
        let code = beatbook_hq::admin::enrolment_code(storage.as_ref(), 1).await?;
        let (a_store, a) = device(&url, &code, &tmp.path().join("a"), "PC4127").await?;
        {
            let mut s = a_store.lock().map_err(|_| anyhow::anyhow!("lock"))?;
            let lines: String = (0..records)
                .map(|i| serde_json::to_string(&demo_concern(i)).unwrap_or_default() + "\n")
                .collect();
            s.import_concerns(lines.as_bytes())?;
        }
        a.sync_once(&|_| {}).await?;
        let code = beatbook_hq::admin::enrolment_code(storage.as_ref(), 1).await?;
        let (b_store, b) = device(&url, &code, &tmp.path().join("b"), "PC4127").await?;
        b.sync_once(&|_| {}).await?;
        let held_before = b_store
            .lock()
            .map_err(|_| anyhow::anyhow!("lock"))?
            .count()?;
        let mut noop = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            b.sync_once(&|_| {}).await?;
            noop.push(t.elapsed());
        }
        let noop = stats(noop);
        let ids: Vec<_> = storage
            .changes_after(0, u32::MAX)
            .await?
            .into_iter()
            .map(|c| c.record_id)
            .take(disposals)
            .collect();
        decide(&state, &OfficerId::new("RM0001"), &dispose_request(ids))
            .await
            .map_err(|e| anyhow::anyhow!("disposal refused: {e:?}"))?;
        let t = Instant::now();
        let report = b.sync_once(&|_| {}).await?;
        let first = t.elapsed();
        let held_after = b_store
            .lock()
            .map_err(|_| anyhow::anyhow!("lock"))?
            .count()?;
        let t = Instant::now();
        b.sync_once(&|_| {}).await?;
        let after = t.elapsed();
        anyhow::ensure!(
            report.disposed as usize == disposals,
            "the tablet removed {} records, not {disposals}",
            report.disposed
        );
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "bench": "tablet-disposals", "held_before": held_before, "disposed": report.disposed,
                    "held_after": held_after, "first_sync_ms": ms(first), "next_sync_ms": ms(after),
                    "noop_p50_ms": ms(noop.p50),
                })
            );
        } else {
            println!("tablet disposals bench: a tablet holding {held_before} records, HQ disposes of {disposals}");
            println!(
                "  its next sync (disposals first: records, search entries, outbox; index optimised, WAL truncated): {:.0} ms, {} removed, {held_after} left",
                ms(first),
                report.disposed
            );
            println!(
                "  sync with nothing to do: {:.1} ms before (p50 of 10), {:.1} ms after",
                ms(noop.p50),
                ms(after)
            );
        }
        Ok(())
    }
}
