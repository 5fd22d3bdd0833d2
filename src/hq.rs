//! `beatbook hq ...`: run the HQ server, and administer it against its database.

use anyhow::{bail, Context, Result};
use beatbook_domain::people::{Officer, Role};
use beatbook_domain::{DeviceId, OfficerId, TeamId};
use beatbook_hq::{admin, HqSettings, HqState};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
pub struct HqArgs {
    /// A TOML settings file (see the README); BEATBOOK_* variables and flags override it.
    #[arg(long, global = true, env = "BEATBOOK_CONFIG")]
    config: Option<PathBuf>,
    /// `sqlite:PATH` (default sqlite:beatbook-hq.db) or `postgres://...`.
    #[arg(long, global = true)]
    db: Option<String>,
    #[command(subcommand)]
    command: HqCommand,
}

#[derive(Subcommand)]
enum HqCommand {
    /// Serve the HQ API.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free one).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Serve plain HTTP on an address other machines can reach. Don't: officers' passwords,
        /// device secrets and session tokens would cross the network in clear. Give HQ a
        /// certificate ([tls] in the settings, see `tls-certs`) or put it behind a reverse proxy
        /// that serves HTTPS on this machine.
        #[arg(long)]
        insecure_http: bool,
    },
    /// Make a certificate authority of HQ's own and a certificate it signs for HQ's names: writes
    /// ca.pem, ca-key.pem, hq-chain.pem and hq-key.pem (the keys readable by you only) into DIR,
    /// and prints the settings' [tls] lines and the fingerprint enrolled tablets pin. Never
    /// overwrites the authority; --renew makes HQ a new certificate from it.
    TlsCerts {
        /// Where to write the files (made if missing).
        #[arg(long)]
        dir: PathBuf,
        /// A name tablets reach HQ by: a DNS name or an IP address; repeatable.
        /// Default: localhost and 127.0.0.1.
        #[arg(long = "name", value_name = "HOST")]
        names: Vec<String>,
        /// How long HQ's certificate is valid, in days (the authority, ten years).
        #[arg(long, default_value_t = 825)]
        days: i64,
        /// A new certificate for HQ from the authority already in DIR (ca.pem and ca-key.pem):
        /// enrolled tablets keep trusting HQ.
        #[arg(long)]
        renew: bool,
    },
    /// Administration, straight against HQ's database.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Load the demo wards, town centres, teams and officers (all with the same password), and
    /// twelve weeks of their work up to now, sent from their tablets. Run again, it adds nothing.
    SeedDemo {
        #[arg(long, env = "BEATBOOK_DEMO_PASSWORD")]
        password: String,
        /// Only the areas, teams and officers, without the twelve weeks of activity.
        #[arg(long)]
        no_activity: bool,
    },
    /// Add or update an officer; or, with only --disable or --enable, change whether they may sign
    /// in.
    Officer {
        #[arg(long)]
        collar: String,
        /// The officer's name (needed unless only --disable or --enable is given).
        #[arg(long)]
        name: Option<String>,
        /// officer, supervisor, intelligence_unit, analyst, admin, records_manager
        #[arg(long, default_value = "officer")]
        role: String,
        /// A team id; repeatable.
        #[arg(long = "team")]
        teams: Vec<String>,
        /// The officer's password (or BEATBOOK_OFFICER_PASSWORD); leave out to keep the current one.
        #[arg(long, env = "BEATBOOK_OFFICER_PASSWORD")]
        password: Option<String>,
        /// Disable the officer (a leaver): signing in is refused and every session of theirs
        /// ends now.
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        /// Enable a disabled officer again.
        #[arg(long)]
        enable: bool,
    },
    /// A one-time device enrolment code.
    EnrolmentCode {
        /// How long it works: 1 to 168 hours.
        #[arg(long, default_value_t = 24)]
        hours: i64,
    },
    /// Enrolled devices.
    Devices,
    /// Revoke a device: it is refused from now on and wipes itself at its next contact.
    RevokeDevice { device: DeviceId },
    /// The records lifecycle: the review queue, decisions, the sweep (see the README's
    /// "Retention and disposal").
    Retention(RetentionArgs),
    /// Import a police.uk street-level crime file (CSV, as forces publish them monthly): each
    /// crime is counted in the areas its point falls in, per month and crime type; the months the
    /// file holds replace those months' counts. Bad rows are reported by line, the rest imported.
    ImportCrime {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Import survey results (CSV: area,quarter,community,respondents,confident). Bad rows are
    /// reported by line, the rest imported.
    ImportSurvey {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Bring HQ's database up to date (every command does on opening it; this does only that).
    /// On PostgreSQL, run it with the owner's URL when HQ runs as an app role.
    Migrate,
    /// Encrypt a plain (pre-encryption) embedded database in place, with HQ's key (db_key_file,
    /// BEATBOOK_HQ_KEY_FILE or BEATBOOK_HQ_KEY; with none, a new key file `<db>.key`). Stop HQ
    /// first. Backups made before stay plain: replace them.
    EncryptDb,
    /// Give a PostgreSQL role what HQ needs to run as it, and no more: it may add to the op,
    /// access and admin logs but never change or delete them. Run with `--db` the owner's URL;
    /// later upgrades keep the role's grants up to date (see the README's "PostgreSQL: TLS and
    /// the app role").
    GrantAppRole {
        /// The role HQ runs as (it must exist: `CREATE ROLE beatbook_app LOGIN PASSWORD ...`).
        role: String,
    },
    /// Verify every device's op-log hash chain.
    VerifyChains {
        #[arg(long)]
        json: bool,
    },
    /// Who read what: the access log, newest first, narrowed by any of the options.
    AccessLog {
        /// An officer id (e.g. PC4127).
        #[arg(long)]
        officer: Option<String>,
        #[arg(long)]
        device: Option<DeviceId>,
        #[arg(long)]
        record: Option<beatbook_domain::RecordId>,
        /// From this time (RFC 3339, e.g. 2026-11-23T00:00:00Z).
        #[arg(long)]
        from: Option<chrono::DateTime<chrono::Utc>>,
        /// Up to this time (RFC 3339).
        #[arg(long)]
        to: Option<chrono::DateTime<chrono::Utc>>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct RetentionArgs {
    /// The records manager acting, by collar number (every command but `sweep`).
    #[arg(long = "as", global = true, value_name = "COLLAR")]
    acting: Option<String>,
    /// Answer in JSON, for scripts.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: RetentionCommand,
}

/// Records named by id (as `queue` lists them), with the decision's reason.
#[derive(Args)]
struct Chosen {
    /// Why: every decision needs a reason, kept in the decisions log.
    #[arg(long)]
    reason: String,
    /// The records' ids.
    #[arg(required = true, value_name = "ID")]
    ids: Vec<beatbook_domain::RecordId>,
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Records due for review: overdue, or within a window; oldest review date first.
    Queue {
        /// Due within this many days (0, the default: overdue or due today).
        #[arg(long)]
        within_days: Option<u32>,
        /// A kind: concern, intel_report, intel_source, meeting, priority, patrol_log, engagement.
        #[arg(long)]
        kind: Option<beatbook_domain::RecordKind>,
        /// A team id: records in its areas.
        #[arg(long)]
        team: Option<String>,
        /// An area id.
        #[arg(long)]
        area: Option<String>,
        /// Created on or after this day (2026-12-06).
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Created on or before this day.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Keep records, and review them again on a date (no later than the kind's maximum).
    Retain {
        /// The next review date (2030-12-06).
        #[arg(long)]
        until: chrono::NaiveDate,
        #[command(flatten)]
        chosen: Chosen,
    },
    /// Dispose of records: erased at HQ now, and from every tablet at its next sync.
    Dispose {
        #[command(flatten)]
        chosen: Chosen,
    },
    /// Put records on hold (legal hold, complaint, litigation): never disposed of until released.
    Hold {
        #[command(flatten)]
        chosen: Chosen,
    },
    /// Lift a hold.
    Release {
        #[command(flatten)]
        chosen: Chosen,
    },
    /// Run the force's sweep now (as the server does on its schedule): dispose of the kinds the
    /// settings say `dispose` past review, finish any erasure left, apply the logs' retention.
    Sweep,
    /// The decisions log, newest first.
    Decisions {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// The records manager `--as` names.
async fn records_manager(
    storage: &dyn beatbook_hq::Storage,
    acting: Option<&str>,
) -> Result<OfficerId> {
    let Some(collar) = acting else {
        bail!("say who is acting: --as COLLAR (a records manager's collar number)");
    };
    let Some(row) = storage.officer_by_collar(collar).await? else {
        bail!("there is no officer with collar number {collar}");
    };
    beatbook_hq::retention::require_records_manager(&row.officer)?;
    Ok(row.officer.id)
}

fn decision_line(d: &beatbook_hq::retention::DecisionView) -> String {
    format!(
        "{}  {}: {} {} by {}: {}",
        beatbook_hq::retention::day_words(d.at.date_naive()),
        d.seq,
        if d.count == 1 {
            "1 record".to_owned()
        } else {
            format!("{} records", d.count)
        },
        d.decision_words,
        d.by_name,
        d.reason
    )
}

async fn retention_command(state: &HqState, args: RetentionArgs) -> Result<()> {
    use beatbook_domain::retention::Decision;
    use beatbook_hq::retention::{self, day_words, DecisionRequest, QueueQuery};
    let storage = state.storage.as_ref();
    let json = args.json;
    let decide = |decision: Decision, chosen: Chosen| DecisionRequest {
        records: Some(chosen.ids),
        filter: None,
        decision,
        reason: chosen.reason,
    };
    let request = match args.command {
        RetentionCommand::Sweep => {
            let report = retention::sweep(state, chrono::Utc::now()).await?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!("{}", report.describe());
            }
            return Ok(());
        }
        RetentionCommand::Queue {
            within_days,
            kind,
            team,
            area,
            from,
            to,
            limit,
        } => {
            let by = records_manager(storage, args.acting.as_deref()).await?;
            let q = QueueQuery {
                within_days,
                kind,
                team: team.map(TeamId::new),
                area: area.map(beatbook_domain::AreaId::new),
                from,
                to,
                limit: Some(limit),
            };
            let page = retention::queue(state, &by, &q).await?;
            if json {
                println!("{}", serde_json::to_string(&page)?);
                return Ok(());
            }
            let shown = page.items.len();
            println!(
                "{} due for review{}.",
                match page.total {
                    1 => "1 record".to_owned(),
                    n => format!("{n} records"),
                },
                if (shown as u64) < page.total {
                    format!(" (the first {shown} shown)")
                } else {
                    String::new()
                }
            );
            for i in &page.items {
                let hold = i
                    .hold
                    .as_ref()
                    .map_or(String::new(), |h| format!("  ON HOLD: {h}"));
                let areas = if i.areas.is_empty() {
                    String::new()
                } else {
                    format!("  {}", i.areas.join(", "))
                };
                println!(
                    "{}  {}: {}  review {}{areas}{hold}  id {}",
                    i.reference,
                    i.kind_label,
                    i.title,
                    day_words(i.review_on),
                    i.id
                );
                if let Some(last) = &i.last {
                    println!("    last decision: {}", decision_line(last));
                }
            }
            return Ok(());
        }
        RetentionCommand::Decisions { limit } => {
            records_manager(storage, args.acting.as_deref()).await?;
            let list = retention::decisions(state, Some(limit)).await?;
            if json {
                println!("{}", serde_json::to_string(&list)?);
            } else if list.is_empty() {
                println!("No decisions yet.");
            } else {
                for d in &list {
                    println!("{}", decision_line(d));
                }
            }
            return Ok(());
        }
        RetentionCommand::Retain { until, chosen } => decide(Decision::Retain { until }, chosen),
        RetentionCommand::Dispose { chosen } => decide(Decision::Dispose, chosen),
        RetentionCommand::Hold { chosen } => decide(Decision::Hold, chosen),
        RetentionCommand::Release { chosen } => decide(Decision::Release, chosen),
    };
    let by = records_manager(storage, args.acting.as_deref()).await?;
    let view = retention::decide(state, &by, &request).await?;
    if json {
        println!("{}", serde_json::to_string(&view)?);
    } else {
        println!(
            "{} {}: {}.",
            match view.count {
                1 => "1 record".to_owned(),
                n => format!("{n} records"),
            },
            view.decision_words,
            view.reason
        );
    }
    Ok(())
}

/// Which file an import command reads.
enum ImportKind {
    Crime,
    Survey,
}

/// Import a crime or survey file and say what came of it, in words: rows imported, then each
/// row refused by its line.
async fn import_command(
    state: &HqState,
    kind: ImportKind,
    file: &std::path::Path,
    json: bool,
) -> Result<()> {
    let text = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = String::from_utf8(text)
        .map_err(|_| anyhow::anyhow!("{} is not text: save it as CSV (UTF-8)", file.display()))?;
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let report = match kind {
        ImportKind::Crime => {
            beatbook_hq::outcomes::import_crime(state, "command line", &name, &text).await
        }
        ImportKind::Survey => {
            beatbook_hq::outcomes::import_survey(state, "command line", &name, &text).await
        }
    }
    .with_context(|| format!("{} was not imported", file.display()))?;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        for line in report.describe() {
            println!("{line}");
        }
    }
    Ok(())
}

fn settings(args: &HqArgs) -> Result<HqSettings> {
    let mut s = HqSettings::load(args.config.as_deref()).map_err(anyhow::Error::msg)?;
    if let Some(db) = &args.db {
        s.db = db.clone();
    }
    Ok(s)
}

/// `admin encrypt-db`: the one command that opens the database without going through the storage.
fn encrypt_db(settings: &HqSettings) -> Result<()> {
    use beatbook_hq::storage::sqlite;
    let Some(path) = settings.db.strip_prefix("sqlite:") else {
        bail!("encrypt-db is for the embedded SQLite database; PostgreSQL's encryption at rest is the database server's (see the README)");
    };
    let path = std::path::Path::new(path);
    match sqlite::file_kind(path) {
        sqlite::FileKind::Missing => bail!("there is no database at {}", path.display()),
        sqlite::FileKind::Encrypted => {
            println!("{} is already encrypted.", path.display());
            return Ok(());
        }
        sqlite::FileKind::Plain => {}
    }
    let key = match beatbook_hq::keys::HqKey::from_settings_or_env(settings, |n| {
        std::env::var(n).ok()
    })
    .map_err(anyhow::Error::msg)?
    {
        Some(key) => key,
        None => {
            let file = beatbook_hq::keys::default_key_file(settings);
            let key = beatbook_hq::keys::HqKey::random();
            key.write_new_file(&file).map_err(anyhow::Error::msg)?;
            eprintln!(
                "warning: the new key is in {}. Keep a copy somewhere other than beside the database, and point db_key_file (or BEATBOOK_HQ_KEY_FILE) at it",
                file.display()
            );
            key
        }
    };
    sqlite::encrypt_plain(path, &key)
        .with_context(|| format!("{} was not encrypted", path.display()))?;
    println!(
        "Encrypted {}. Copies made before (backups) are still plain: replace them, then destroy them.",
        path.display()
    );
    Ok(())
}

pub fn run(args: HqArgs) -> Result<ExitCode> {
    let mut settings = settings(&args)?;
    if let HqCommand::TlsCerts {
        dir,
        names,
        days,
        renew,
    } = &args.command
    {
        return tls_certs(&settings, dir, names, *days, *renew);
    }
    if let HqCommand::Admin {
        command: AdminCommand::EncryptDb,
    } = &args.command
    {
        encrypt_db(&settings)?;
        return Ok(ExitCode::SUCCESS);
    }
    // HQ's key for data at rest: never from a flag (see `beatbook_hq::keys`).
    let loaded = beatbook_hq::keys::HqKey::load(&settings, |n| std::env::var(n).ok())
        .map_err(anyhow::Error::msg)?;
    if let Some(warning) = &loaded.warning {
        eprintln!("warning: {warning}");
    }
    let key = loaded.key;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let storage = beatbook_hq::open_storage(&settings.db, &key)
            .await
            .with_context(|| {
                format!(
                    "cannot open HQ's database {}",
                    beatbook_hq::settings::redact_db_url(&settings.db)
                )
            })?;
        match args.command {
            HqCommand::Serve {
                listen,
                insecure_http,
            } => {
                tracing_subscriber::fmt()
                    .with_env_filter(
                        tracing_subscriber::EnvFilter::try_from_default_env()
                            .unwrap_or_else(|_| "info".into()),
                    )
                    .init();
                if let Some(l) = listen {
                    settings.listen = l;
                }
                settings.tls.insecure_http = insecure_http;
                // Refused before the port opens: plain HTTP off loopback, or unusable [tls] files.
                let transport =
                    beatbook_hq::serve::Transport::prepare(&settings.tls, settings.listen)
                        .map_err(anyhow::Error::msg)?;
                if insecure_http && !settings.listen.ip().is_loopback() {
                    eprintln!(
                        "warning: serving plain HTTP on {} (--insecure-http): passwords, device \
                         secrets and tokens cross the network in clear",
                        settings.listen
                    );
                }
                let listener = tokio::net::TcpListener::bind(settings.listen)
                    .await
                    .with_context(|| format!("cannot listen on {}", settings.listen))?;
                // Printed for scripts and tests that start HQ on port 0.
                println!(
                    "HQ listening on {}://{} ({} storage)",
                    transport.scheme(),
                    listener.local_addr()?,
                    storage.backend()
                );
                let state = HqState::new(storage, Arc::new(settings)).with_key(key);
                beatbook_hq::serve::serve_with(listener, state, transport).await?;
            }
            HqCommand::Admin { command } => admin_command(storage, settings, key, command).await?,
            HqCommand::TlsCerts { .. } => unreachable!("tls-certs needs no database"),
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `beatbook hq tls-certs`: write the files, then say what to paste and what tablets pin.
fn tls_certs(
    settings: &HqSettings,
    dir: &std::path::Path,
    names: &[String],
    days: i64,
    renew: bool,
) -> Result<ExitCode> {
    let names = if names.is_empty() {
        vec!["localhost".to_owned(), "127.0.0.1".to_owned()]
    } else {
        names.to_vec()
    };
    let files = if renew {
        beatbook_hq::tls_certs::renew(dir, &names, days)
    } else {
        let ca_name = format!("{} Beatbook HQ authority", settings.force_name);
        beatbook_hq::tls_certs::write(dir, &ca_name, &names, days)
    }
    .map_err(anyhow::Error::msg)?;
    println!(
        "Wrote {} (HQ's certificate for {}, valid {days} days) and {} (its private key: keep it \
         secret).",
        files.cert_file.display(),
        names.join(", "),
        files.key_file.display(),
    );
    if renew {
        println!(
            "Restart HQ to serve it. Enrolled tablets keep trusting HQ: the authority is the same."
        );
    } else {
        println!(
            "The authority: {} (its certificate) and {} (its key: only renewing HQ's certificate \
             needs it, with --renew; keep it offline, not on HQ).",
            files.ca_file.display(),
            files.ca_key_file.display()
        );
        println!(
            "Put these lines in HQ's settings file:\n\n{}",
            files.settings_lines()
        );
    }
    println!(
        "Tablets enrolled with HQ pin this authority (the enrolment code carries it):\n  {}",
        files.fingerprint_grouped()
    );
    Ok(ExitCode::SUCCESS)
}

/// Log an administration done at the command line in the admin log (nobody signed in: HQ).
async fn cli_log(
    storage: &dyn beatbook_hq::Storage,
    action: &'static str,
    detail: String,
) -> Result<()> {
    beatbook_hq::admin_log::record_in(
        storage,
        beatbook_hq::admin_log::AdminEvent::new(None, action, format!("{detail} (command line)")),
    )
    .await?;
    Ok(())
}

async fn admin_command(
    db: Arc<dyn beatbook_hq::Storage>,
    settings: HqSettings,
    key: beatbook_hq::keys::HqKey,
    command: AdminCommand,
) -> Result<()> {
    let storage = db.as_ref();
    let state =
        |settings: HqSettings| HqState::new(db.clone(), Arc::new(settings)).with_key(key.clone());
    match command {
        AdminCommand::SeedDemo {
            password,
            no_activity,
        } => {
            admin::seed_demo(storage, &password).await?;
            println!("Loaded the demo areas, teams and officers.");
            if !no_activity {
                let state = state(settings);
                let seeded = beatbook_hq::demo::seed_story(&state, &password).await?;
                println!("{}", seeded.describe());
            }
        }
        AdminCommand::Officer {
            collar,
            name,
            role,
            teams,
            password,
            disable,
            enable,
        } => {
            let Some(name) = name else {
                if !(disable || enable) {
                    bail!("--name is needed to add or change an officer (or give only --disable or --enable)");
                }
                let id = storage
                    .officer_by_collar(collar.trim())
                    .await?
                    .map(|r| r.officer.id)
                    .ok_or_else(|| {
                        anyhow::anyhow!("there is no officer with collar number {collar}")
                    })?;
                let row = admin::set_officer_disabled(storage, None, &id, disable).await?;
                println!(
                    "{} {}.",
                    admin::officer_words(&row.officer),
                    if disable {
                        "is disabled: signing in is refused and every session of theirs has ended"
                    } else {
                        "may sign in"
                    }
                );
                return Ok(());
            };
            let role: Role = serde_json::from_value(serde_json::Value::String(role.clone()))
                .map_err(|_| anyhow::anyhow!("--role {role:?}: use officer, supervisor, intelligence_unit, analyst, admin or records_manager"))?;
            let officer = Officer {
                id: OfficerId::new(collar.clone()),
                collar_number: collar,
                name,
                role,
                teams: teams.into_iter().map(TeamId::new).collect(),
            };
            let before = storage.officer(&officer.id).await?.map(|r| r.officer);
            admin::put_officer(storage, &officer, password.as_deref()).await?;
            let teams = storage.teams().await?;
            for (action, detail) in
                admin::officer_events(before.as_ref(), &officer, password.is_some(), &teams)
            {
                cli_log(storage, action, detail).await?;
            }
            println!("Saved officer {}.", officer.id);
            if disable || enable {
                admin::set_officer_disabled(storage, None, &officer.id, disable).await?;
                println!(
                    "{} {}.",
                    officer.id,
                    if disable {
                        "is disabled"
                    } else {
                        "may sign in"
                    }
                );
            }
        }
        AdminCommand::EnrolmentCode { hours } => {
            let code = admin::enrolment_code(storage, hours).await?;
            let code = admin::enrolment_code_text(&code, &settings.tls)?;
            if let Ok(Some(fingerprint)) = settings.tls.ca_fingerprint() {
                eprintln!(
                    "The code carries the pin of HQ's certificate authority (SHA-256 {fingerprint}): \
                     a tablet enrolled with it trusts that authority only."
                );
            }
            cli_log(
                storage,
                "enrolment_code_issued",
                format!("Issued an enrolment code that works for {hours} hour(s)."),
            )
            .await?;
            println!("{code}");
        }
        AdminCommand::Devices => {
            for d in storage.devices().await? {
                let state = if d.revoked_at.is_some() {
                    "REVOKED"
                } else {
                    "active"
                };
                let seen = d
                    .last_seen_at
                    .map_or("never".to_owned(), |t| t.to_rfc3339());
                println!(
                    "{}  {state:<7}  {:<30}  app {}  last sync {seen}",
                    d.id, d.name, d.app_version
                );
            }
        }
        AdminCommand::RevokeDevice { device } => {
            admin::revoke_device(storage, device).await?;
            let name = storage
                .device(device)
                .await?
                .map_or_else(|| device.to_string(), |d| d.name);
            cli_log(
                storage,
                "device_revoked",
                format!("Revoked the tablet “{name}”: it is refused and wipes itself at its next contact."),
            )
            .await?;
            println!("Revoked {device}: it will be refused and wiped at its next contact.");
        }
        AdminCommand::AccessLog {
            officer,
            device,
            record,
            from,
            to,
            limit,
            json,
        } => {
            let query = beatbook_hq::storage::AccessQuery {
                officer_id: officer.map(beatbook_domain::OfficerId::new),
                device_id: device,
                record_id: record,
                from,
                to,
                limit: limit.clamp(1, 10_000),
            };
            let entries = storage.access_log(&query).await?;
            cli_log(
                storage,
                "export_audit",
                format!(
                    "Exported {} access-log entr{}.",
                    entries.len(),
                    if entries.len() == 1 { "y" } else { "ies" }
                ),
            )
            .await?;
            if json {
                println!("{}", serde_json::to_string(&entries)?);
            } else {
                for e in &entries {
                    let device = e.device_id.map_or("HQ".to_owned(), |d| d.to_string());
                    println!(
                        "{}  {:<8}  {:<6}  {device}  {} record(s)  {}",
                        e.at.to_rfc3339(),
                        e.officer_id,
                        e.action,
                        e.record_ids.len(),
                        e.detail
                    );
                }
            }
        }
        AdminCommand::Retention(args) => {
            let state = state(settings);
            retention_command(&state, args).await?;
        }
        AdminCommand::ImportCrime { file, json } => {
            let state = state(settings);
            import_command(&state, ImportKind::Crime, &file, json).await?;
        }
        AdminCommand::ImportSurvey { file, json } => {
            let state = state(settings);
            import_command(&state, ImportKind::Survey, &file, json).await?;
        }
        AdminCommand::Migrate => println!("HQ's database is up to date."),
        AdminCommand::EncryptDb => bail!("encrypt-db runs before the database is opened"),
        AdminCommand::GrantAppRole { role } => {
            if storage.backend() != "postgres" {
                bail!("grant-app-role is for PostgreSQL: the embedded database has no roles");
            }
            beatbook_hq::storage::postgres::PostgresStorage::connect(&settings.db)
                .await?
                .grant_app_role(&role)
                .await?;
            println!(
                "{role} may now run HQ: it adds to the op, access and admin logs but cannot change or delete them. Serve HQ with a URL that signs in as {role}."
            );
        }
        AdminCommand::VerifyChains { json } => {
            let chains = beatbook_hq::chains::verify_every_chain(storage).await?;
            if json {
                println!("{}", serde_json::to_string(&chains)?);
            } else {
                for c in &chains {
                    println!("{}: {}", c.chain, c.words);
                }
            }
            let broken: Vec<&str> = chains
                .iter()
                .filter(|c| !c.report.ok)
                .map(|c| c.chain.as_str())
                .collect();
            if !broken.is_empty() {
                bail!("broken chain(s): {}", broken.join("; "));
            }
        }
    }
    Ok(())
}
