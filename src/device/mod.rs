//! `beatbook device --data DIR ...`: the headless device. Its session (sign-in, the sync gate,
//! end of shift) and its records go through `beatbook-device`, as the tablet's do.

mod actions;
mod forms;
mod records;

use anyhow::{bail, Context, Result};
use beatbook_device::Session;
use beatbook_domain::area::Location;
use beatbook_domain::concern::{ConcernCategory, ConcernPriority, NewConcern};
use beatbook_domain::people::{PersonInvolved, PersonRole};
use beatbook_domain::tablet::{EnrolInput, SyncOutcome};
use beatbook_domain::views::{ListFilter, RecordSummary};
use beatbook_domain::{AreaId, OfficerId, RecordId, RecordKind};
use beatbook_store::{InitSettings, KdfSettings, Store};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use zeroize::Zeroizing;

use records::{
    EditArgs, EngagementCommand, IntelCommand, MeetingCommand, PatrolCommand, PriorityCommand,
};

#[derive(Args)]
pub struct DeviceArgs {
    /// The device's data directory.
    #[arg(long, env = "BEATBOOK_DATA", value_name = "DIR")]
    data: PathBuf,
    #[command(subcommand)]
    command: DeviceCommand,
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// Set up a new encrypted store. The PIN comes from BEATBOOK_PIN or a prompt.
    Init {
        /// The officer using this device (collar number), until HQ enrolment names them.
        #[arg(long, default_value = "UNENROLLED")]
        officer: String,
        /// Use cheap key derivation: for tests and demos only, never a real device.
        #[arg(long, hide = true)]
        insecure_fast_kdf: bool,
    },
    /// Community concerns.
    Concern {
        #[command(subcommand)]
        command: ConcernCommand,
    },
    /// Ward panels and community meetings, with the priorities they agree.
    Meeting {
        #[command(subcommand)]
        command: MeetingCommand,
    },
    /// Hotspot patrols.
    Patrol {
        #[command(subcommand)]
        command: PatrolCommand,
    },
    /// Community engagement: street briefings, surgeries, events.
    Engagement {
        #[command(subcommand)]
        command: EngagementCommand,
    },
    /// Intelligence reports, graded 3x5x2.
    Intel {
        #[command(subcommand)]
        command: IntelCommand,
    },
    /// Priorities: "You said, we did" updates.
    Priority {
        #[command(subcommand)]
        command: PriorityCommand,
    },
    /// The open improvement actions of your team, in words: what is being done about a failure
    /// the performance framework shows, where each stands, its dates and latest update.
    Actions(actions::ActionsArgs),
    /// Add a progress update to an improvement action (offline; it goes to HQ at the next
    /// sync). The action itself is opened and closed at HQ.
    ActionUpdate(actions::ActionUpdateArgs),
    /// Change a record's fields (the kinds a device may edit), from --set or a JSON file.
    Edit(EditArgs),
    /// Delete a record: a deletion synced to HQ like any change.
    Delete { id: RecordId },
    /// One record in full: its fields, areas, sync state and history.
    Show {
        id: RecordId,
        #[arg(long)]
        json: bool,
    },
    /// Import concerns from an NDJSON file (one JSON object a line; see the README).
    Import {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// List records, newest first.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        json: bool,
    },
    /// Full-text search over this device's records.
    Search {
        text: String,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        json: bool,
    },
    /// What this device holds and what is waiting for HQ.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Enrol this device with HQ using a one-time code from HQ. With --collar, as a tablet does
    /// on first run: set up the store (PIN from BEATBOOK_PIN or a prompt), enrol and sign in
    /// (password from BEATBOOK_PASSWORD or a prompt), leaving nothing behind if a step fails.
    Enrol {
        /// HQ's address, e.g. https://hq.example.police.uk:8443 (plain http:// only to this
        /// machine: localhost, 127.0.0.1 or ::1).
        #[arg(long)]
        hq: String,
        /// The code HQ gave: 12 characters, or 39 when HQ serves its own certificate (the rest
        /// pins HQ's certificate authority: the device trusts it alone from then on).
        #[arg(long)]
        code: String,
        /// A name for the device in HQ's list.
        #[arg(long, default_value = "headless device")]
        name: String,
        /// Set up a new store and sign in as this officer, all in one step.
        #[arg(long)]
        collar: Option<String>,
        /// Use cheap key derivation: for tests and demos only, never a real device.
        #[arg(long, hide = true)]
        insecure_fast_kdf: bool,
    },
    /// Sign in to HQ (online, once). The password comes from BEATBOOK_PASSWORD or a prompt.
    Login {
        #[arg(long)]
        collar: String,
    },
    /// Push what is waiting and pull what is new.
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// The tablet's end of shift: sync until nothing is waiting, then say what is left and why.
    /// Exit code 2 when something is not on HQ yet.
    EndOfShift {
        #[arg(long)]
        json: bool,
    },
    /// Change the PIN (old from BEATBOOK_PIN or a prompt, new from BEATBOOK_NEW_PIN or a prompt).
    ChangePin,
    /// Destroy this device's store. Nothing in it can be read afterwards.
    Wipe {
        /// Confirm: records not yet on HQ are lost.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum ConcernCommand {
    /// Log a concern. Its ward and town centre are worked out from the location.
    Add(ConcernAddArgs),
    /// Add a dated update to a concern (updates are never edited; the concern is not retyped).
    Update(records::ConcernUpdateArgs),
}

#[derive(Args)]
struct ConcernAddArgs {
    /// `asb:TYPE:HEADING` (asb:nuisance:street_drinking), `vawg:TYPE:HEADING`
    /// (vawg:environmental:badly_lit) or `other:LABEL`.
    #[arg(long)]
    category: String,
    #[arg(long)]
    description: String,
    #[arg(long, allow_hyphen_values = true)]
    lat: f64,
    #[arg(long, allow_hyphen_values = true)]
    lon: f64,
    /// The place as a person would say it ("outside Camden Town station").
    #[arg(long)]
    place: Option<String>,
    #[arg(long, value_enum, default_value = "medium")]
    priority: PriorityArg,
    /// A person involved, `ROLE` or `ROLE:NAME` (victim, witness, suspect, other). Repeatable.
    #[arg(long = "person")]
    people: Vec<String>,
    /// The person raising it agrees to be contacted (then --contact is required).
    #[arg(long)]
    consent: bool,
    #[arg(long)]
    contact: Option<String>,
    /// When it was reported (RFC 3339); defaults to now.
    #[arg(long)]
    reported_at: Option<DateTime<Utc>>,
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PriorityArg {
    Low,
    Medium,
    High,
}

#[derive(Args)]
struct FilterArgs {
    /// concern, intel_report, meeting, priority, patrol_log, engagement
    #[arg(long)]
    kind: Option<RecordKind>,
    /// An area id: a ward's ONS code (E05013655) or a town centre (tc-camden-town).
    #[arg(long)]
    area: Option<String>,
    #[arg(long)]
    status: Option<String>,
    /// On or after this date (YYYY-MM-DD) or time (RFC 3339).
    #[arg(long, value_parser = parse_time)]
    since: Option<DateTime<Utc>>,
    /// Before this date or time.
    #[arg(long, value_parser = parse_time)]
    until: Option<DateTime<Utc>>,
    #[arg(long, default_value_t = 200)]
    limit: u32,
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        .map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD) or an RFC 3339 time"))
}

impl FilterArgs {
    fn to_filter(&self) -> ListFilter {
        ListFilter {
            kind: self.kind,
            area: self.area.as_deref().map(AreaId::new),
            status: self.status.clone(),
            since: self.since,
            until: self.until,
            limit: Some(self.limit),
        }
    }
}

type Pin = Zeroizing<String>;

fn read_pin(var: &str, prompt: &str) -> Result<Pin> {
    if let Ok(pin) = std::env::var(var) {
        return Ok(Zeroizing::new(pin));
    }
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .with_context(|| format!("could not read a PIN: set {var} or run in a terminal"))
}

/// A new PIN: from `var`, or asked for twice so a typo cannot lock the officer out.
fn read_new_pin(var: &str) -> Result<Pin> {
    if let Ok(pin) = std::env::var(var) {
        return Ok(Zeroizing::new(pin));
    }
    let a = read_pin(var, "New PIN (at least 6 digits): ")?;
    let b = read_pin(var, "Repeat the new PIN: ")?;
    if a != b {
        bail!("the two PINs differ: nothing was changed");
    }
    Ok(a)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// The store, open in a session as on the tablet.
fn session(dir: &Path) -> Result<Arc<Session>> {
    Ok(Session::new(open(dir)?))
}

fn open(dir: &Path) -> Result<Store> {
    let pin = read_pin("BEATBOOK_PIN", "PIN: ")?;
    Ok(Store::open(dir, &pin)?)
}

pub fn run(args: DeviceArgs) -> Result<ExitCode> {
    let dir = args.data.as_path();
    match args.command {
        DeviceCommand::Init {
            officer,
            insecure_fast_kdf,
        } => {
            let pin = read_new_pin("BEATBOOK_PIN")?;
            let kdf = if insecure_fast_kdf {
                KdfSettings::INSECURE_FAST
            } else {
                KdfSettings::DEVICE
            };
            let store = Store::init(
                dir,
                &pin,
                InitSettings {
                    officer: OfficerId::new(officer),
                    kdf,
                    areas: beatbook_domain::reference::demo_areas(),
                },
            )?;
            println!(
                "Set up an encrypted store in {} (device {}).",
                dir.display(),
                store.device_id()
            );
        }
        DeviceCommand::Concern {
            command: ConcernCommand::Add(a),
        } => {
            let mut store = open(dir)?;
            let json = a.json;
            let new = concern_from_args(a)?;
            let id = store.add_concern(new)?;
            let saved = store.get::<beatbook_domain::concern::Concern>(id)?;
            if json {
                println!("{}", serde_json::to_string(&saved)?);
            } else {
                let areas: Vec<&str> = saved.record.areas.iter().map(AreaId::as_str).collect();
                println!(
                    "Saved concern {id} (areas: {}). Waiting to go to HQ.",
                    areas.join(", ")
                );
            }
        }
        DeviceCommand::Concern {
            command: ConcernCommand::Update(a),
        } => records::concern_update(&mut open(dir)?, a)?,
        DeviceCommand::Meeting {
            command: MeetingCommand::Add(a),
        } => records::meeting(&mut open(dir)?, a)?,
        DeviceCommand::Patrol {
            command: PatrolCommand::Add(a),
        } => records::patrol(&mut open(dir)?, a)?,
        DeviceCommand::Engagement {
            command: EngagementCommand::Add(a),
        } => records::engagement(&mut open(dir)?, a)?,
        DeviceCommand::Intel {
            command: IntelCommand::Submit(a),
        } => records::intel(&mut open(dir)?, a)?,
        DeviceCommand::Priority {
            command: PriorityCommand::Update(a),
        } => records::priority_update(&mut open(dir)?, a)?,
        DeviceCommand::Actions(a) => actions::list(&open(dir)?, a)?,
        DeviceCommand::ActionUpdate(a) => actions::update(&mut open(dir)?, a)?,
        DeviceCommand::Edit(a) => records::edit(&mut open(dir)?, a)?,
        DeviceCommand::Delete { id } => records::delete(&mut open(dir)?, id)?,
        DeviceCommand::Show { id, json } => {
            let detail = runtime()?.block_on(session(dir)?.open_record(id))?;
            records::show(&detail, json)?;
        }
        DeviceCommand::Import { file, json } => {
            let f = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let mut store = open(dir)?;
            let report = store.import_concerns(std::io::BufReader::new(f))?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!(
                    "Imported {} concern(s) from {}; {} already on this device; {} line(s) not imported.",
                    report.imported,
                    file.display(),
                    report.skipped,
                    report.failed.len()
                );
                for f in &report.failed {
                    eprintln!("line {}: {}", f.line, f.message);
                }
            }
            if !report.failed.is_empty() {
                return Ok(ExitCode::from(2));
            }
        }
        DeviceCommand::List { filter, json } => {
            let rows = runtime()?.block_on(session(dir)?.list(filter.to_filter()))?;
            print_rows(&rows, json)?;
        }
        DeviceCommand::Search { text, filter, json } => {
            let rows = runtime()?.block_on(session(dir)?.search(text, filter.to_filter()))?;
            print_rows(&rows, json)?;
        }
        DeviceCommand::Enrol {
            hq,
            code,
            name,
            collar: Some(collar),
            insecure_fast_kdf,
        } => {
            let input = EnrolInput {
                hq_url: hq.clone(),
                code,
                collar_number: collar,
                password: read_pin("BEATBOOK_PASSWORD", "Password: ")?
                    .as_str()
                    .to_owned(),
                pin: read_new_pin("BEATBOOK_PIN")?.as_str().to_owned(),
                device_name: Some(name),
            };
            let kdf = if insecure_fast_kdf {
                KdfSettings::INSECURE_FAST
            } else {
                KdfSettings::DEVICE
            };
            let rt = runtime()?;
            let session = rt.block_on(Session::enrol(dir, kdf, input))?;
            let profile = rt.block_on(session.profile())?;
            println!(
                "Set up an encrypted store in {}, enrolled with {hq} and signed in as {} ({}).",
                dir.display(),
                profile.officer.name,
                profile.officer.id
            );
        }
        DeviceCommand::Enrol {
            hq,
            code,
            name,
            collar: None,
            ..
        } => {
            let session = session(dir)?;
            let retry = beatbook_device::retry::Retry::COMMAND;
            // A lost answer is tried again with the same device id, which HQ answers as before.
            let tried = runtime()?.block_on(beatbook_device::retry::transient(
                retry,
                || session.engine().enrol(&hq, &code, &name),
                |next, e, wait| {
                    eprintln!(
                        "Enrolment failed ({}); trying again in {:.1} s (try {next} of {}).",
                        beatbook_device::retry::reason(e),
                        wait.as_secs_f64(),
                        retry.tries
                    );
                },
            ));
            if let Err(e) = tried.result {
                bail!(
                    "{}",
                    beatbook_device::DeviceError::set_up(beatbook_device::SetUpStep::Enrol, e)
                        .message()
                );
            }
            println!("Enrolled with {hq}. Sign in with `beatbook device login --collar ...`.");
        }
        DeviceCommand::Login { collar } => {
            let password = read_pin("BEATBOOK_PASSWORD", "Password: ")?;
            let session = session(dir)?;
            let officer = runtime()?
                .block_on(session.engine().login(&collar, &password))
                .map_err(|e| {
                    anyhow::anyhow!(
                        "{}",
                        beatbook_device::DeviceError::set_up(beatbook_device::SetUpStep::SignIn, e)
                            .message()
                    )
                })?;
            println!("Signed in as {} ({}).", officer.name, officer.id);
        }
        DeviceCommand::EndOfShift { json } => {
            let session = session(dir)?;
            let outcome = runtime()?.block_on(session.end_of_shift(&|_| {}))?;
            if json {
                println!("{}", serde_json::to_string(&outcome)?);
            } else {
                print_outcome(&outcome);
            }
            if !outcome.complete {
                return Ok(ExitCode::from(2));
            }
        }
        DeviceCommand::Sync { json } => {
            let session = session(dir)?;
            let retry = beatbook_device::retry::Retry::COMMAND;
            // A dropped request, a restarting HQ or a server error is tried again here, a few
            // times with growing waits; what needs a person (sign in, revoked) is not.
            let tried = runtime()?.block_on(beatbook_device::retry::transient(
                retry,
                || session.sync(&|_| {}),
                |next, e, wait| {
                    eprintln!(
                        "Sync failed ({}); trying again in {:.1} s (try {next} of {}).",
                        beatbook_device::retry::reason(e),
                        wait.as_secs_f64(),
                        retry.tries
                    );
                },
            ));
            let tries = tried.tries;
            let report = match tried.result {
                Ok(r) => r,
                Err(e) if e.is_transient() => bail!(
                    "{} Gave up after {tries} tries; run `beatbook device sync` again later.",
                    beatbook_device::DeviceError::from(e).message()
                ),
                Err(e) => return Err(e.into()),
            };
            if json {
                let mut value = serde_json::to_value(&report)?;
                value["tries"] = serde_json::json!(tries);
                println!("{value}");
            } else {
                let after = if tries == 1 {
                    String::new()
                } else {
                    format!(" (after {tries} tries)")
                };
                println!(
                    "Sent {} change(s) ({} accepted, {} refused); received {} record(s); {} still waiting{after}.",
                    report.pushed, report.acked, report.rejected, report.pulled, report.pending
                );
                if let Some(line) = lifecycle_words(report.disposed, report.dropped) {
                    println!("{line}");
                }
            }
            if report.rejected > 0 {
                eprintln!("Some changes were refused by HQ: see `beatbook device status`.");
            }
        }
        DeviceCommand::Status { json } => {
            let store = open(dir)?;
            let meta = store.sync_meta()?;
            let status = serde_json::json!({
                "device_id": store.device_id(),
                "officer": store.officer(),
                "pending_ops": store.pending_count()?,
                // The officer's reads waiting to go to HQ's access log.
                "pending_reads": store.pending_read_count()?,
                "rejected_ops": store.rejected_ops()?,
                "records": store.count()?,
                "areas": store.areas().len(),
                "database": store.db_settings()?,
                "hq": meta.hq_url,
                // Whether HQ's certificate authority was pinned at enrolment (the code carried it).
                "hq_ca_pinned": meta.hq_ca_pin.is_some(),
                "enrolled": meta.device_secret.is_some(),
                "signed_in": meta.refresh_token.is_some(),
                "last_sync": meta.last_success,
                "last_error": meta.last_error,
                "cursor": meta.pull_cursor,
                "disposal_cursor": meta.disposal_cursor,
                // Closed records this tablet dropped (HQ still holds them).
                "dropped_records": store.dropped_count()?,
            });
            if json {
                println!("{status}");
            } else {
                println!(
                    "Device {} ({}): {} record(s), {} change(s) waiting for HQ.",
                    status["device_id"].as_str().unwrap_or_default(),
                    status["officer"].as_str().unwrap_or_default(),
                    status["records"],
                    status["pending_ops"]
                );
            }
        }
        DeviceCommand::ChangePin => {
            let old = read_pin("BEATBOOK_PIN", "Current PIN: ")?;
            let new = read_new_pin("BEATBOOK_NEW_PIN")?;
            Store::change_pin(dir, &old, &new)?;
            println!("PIN changed.");
        }
        DeviceCommand::Wipe { yes } => {
            if !yes {
                bail!("wiping destroys every record on this device, including any not yet on HQ: add --yes to confirm");
            }
            Store::wipe(dir)?;
            println!("Wiped the store in {}.", dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What a sync removed from this tablet, in words; nothing when it removed nothing.
fn lifecycle_words(disposed: u64, dropped: u64) -> Option<String> {
    let records = |n: u64| match n {
        1 => "1 record".to_owned(),
        n => format!("{n} records"),
    };
    let mut parts = Vec::new();
    if disposed > 0 {
        parts.push(format!("removed {} that HQ disposed of", records(disposed)));
    }
    if dropped > 0 {
        parts.push(format!(
            "dropped {} closed and untouched for longer than HQ keeps them on tablets (HQ still holds {})",
            records(dropped),
            if dropped == 1 { "it" } else { "them" }
        ));
    }
    if parts.is_empty() {
        return None;
    }
    let mut line = parts.join("; ");
    line[..1].make_ascii_uppercase();
    line.push('.');
    Some(line)
}

/// An end-of-shift outcome as plain facts (the tablet's UI puts them into sentences).
fn print_outcome(o: &SyncOutcome) {
    println!(
        "Sent {} change(s) ({} accepted); received {} record(s); {} change(s) still waiting; {} refused; {} photo(s) waiting.",
        o.pushed,
        o.acked,
        o.pulled,
        o.pending,
        o.refused.len(),
        o.pending_photos
    );
    if let (Some(code), Some(message)) = (&o.error_code, &o.error_message) {
        println!("The sync stopped ({code}): {message}");
    }
    if let Some(error) = &o.photo_error {
        println!("A photo did not upload: {error}");
    }
    for r in &o.refused {
        println!("Refused by HQ: {} ({}): {}", r.title, r.record_id, r.reason);
    }
    println!(
        "{}",
        if o.complete {
            "Complete: every change made on this device is on HQ."
        } else {
            "Not complete: what is listed above stays on this device."
        }
    );
}

fn concern_from_args(a: ConcernAddArgs) -> Result<NewConcern> {
    let category = parse_category(&a.category)?;
    let people = a
        .people
        .iter()
        .map(|p| {
            let (role, name) = p
                .split_once(':')
                .map_or((p.as_str(), None), |(r, n)| (r, Some(n.to_owned())));
            let role: PersonRole = serde_json::from_value(serde_json::Value::String(
                role.to_owned(),
            ))
            .map_err(|_| {
                anyhow::anyhow!(
                    "--person {p:?}: the role must be victim, witness, suspect or other"
                )
            })?;
            Ok(PersonInvolved {
                role,
                name,
                description: None,
                statements: vec![],
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(NewConcern {
        id: None,
        category,
        description: a.description,
        location: Location {
            lat: a.lat,
            lon: a.lon,
            place: a.place,
        },
        people,
        consent_to_contact: a.consent,
        contact: a.contact,
        priority: match a.priority {
            PriorityArg::Low => ConcernPriority::Low,
            PriorityArg::Medium => ConcernPriority::Medium,
            PriorityArg::High => ConcernPriority::High,
        },
        status: beatbook_domain::concern::ConcernStatus::Open,
        crime_referral: None,
        reported_at: a.reported_at,
        retention_review: None,
    })
}

/// `asb:nuisance:noise`, `vawg:behavioural:feeling_followed`, `other:Parking`.
fn parse_category(s: &str) -> Result<ConcernCategory> {
    let parts: Vec<&str> = s.splitn(3, ':').collect();
    let value = match parts.as_slice() {
        ["other", label] => serde_json::json!({"kind": "other", "label": label}),
        [kind @ ("asb" | "vawg"), ty, heading] => {
            serde_json::json!({"kind": kind, "type": ty, "heading": heading})
        }
        _ => bail!("--category {s:?}: use asb:TYPE:HEADING, vawg:TYPE:HEADING or other:LABEL"),
    };
    serde_json::from_value(value)
        .map_err(|e| anyhow::anyhow!("--category {s:?} is not a known category: {e}"))
}

fn print_rows(rows: &[RecordSummary], json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(rows)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("No records.");
    }
    for r in rows {
        let areas: Vec<&str> = r.areas.iter().map(AreaId::as_str).collect();
        let flags = match (r.pending_ops, r.conflicts.is_empty()) {
            (0, true) => String::new(),
            (n, true) => format!("  [{n} waiting]"),
            (n, false) => format!("  [{n} waiting, CONFLICT in {}]", r.conflicts.join(", ")),
        };
        println!(
            "{}  {}  {:<12} {:<11} {}  ({}){flags}",
            r.occurred_at.format("%Y-%m-%d %H:%M"),
            r.id,
            r.kind.as_str(),
            r.status.as_deref().unwrap_or("-"),
            r.title,
            areas.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_sync_removed_is_said_in_words() {
        assert_eq!(lifecycle_words(0, 0), None);
        assert_eq!(
            lifecycle_words(1, 0).as_deref(),
            Some("Removed 1 record that HQ disposed of.")
        );
        assert_eq!(
            lifecycle_words(3, 2).as_deref(),
            Some(
                "Removed 3 records that HQ disposed of; dropped 2 records closed and untouched \
                 for longer than HQ keeps them on tablets (HQ still holds them)."
            )
        );
        assert_eq!(
            lifecycle_words(0, 1).as_deref(),
            Some(
                "Dropped 1 record closed and untouched for longer than HQ keeps them on tablets \
                 (HQ still holds it)."
            )
        );
    }

    #[test]
    fn categories_parse_from_the_short_form() {
        assert!(matches!(
            parse_category("asb:nuisance:noise").unwrap(),
            ConcernCategory::Asb(_)
        ));
        assert!(matches!(
            parse_category("vawg:environmental:badly_lit").unwrap(),
            ConcernCategory::Vawg(_)
        ));
        assert_eq!(
            parse_category("other:Pavement parking").unwrap(),
            ConcernCategory::Other {
                label: "Pavement parking".into()
            }
        );
        assert!(parse_category("asb:personal:noise").is_err());
        assert!(parse_category("noise").is_err());
    }

    #[test]
    fn dates_and_times_both_filter() {
        assert_eq!(
            parse_time("2026-11-01").unwrap().to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        assert!(parse_time("yesterday").is_err());
    }
}
