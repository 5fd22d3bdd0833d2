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
