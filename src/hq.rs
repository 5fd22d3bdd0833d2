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
    /// Add or update an officer.
    Officer {
        #[arg(long)]
        collar: String,
        #[arg(long)]
        name: String,
        /// officer, supervisor, intelligence_unit, analyst, admin
        #[arg(long, default_value = "officer")]
        role: String,
        /// A team id; repeatable.
        #[arg(long = "team")]
        teams: Vec<String>,
        /// The officer's password (or BEATBOOK_OFFICER_PASSWORD); leave out to keep the current one.
        #[arg(long, env = "BEATBOOK_OFFICER_PASSWORD")]
        password: Option<String>,
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

fn settings(args: &HqArgs) -> Result<HqSettings> {
    let mut s = HqSettings::load(args.config.as_deref()).map_err(anyhow::Error::msg)?;
    if let Some(db) = &args.db {
        s.db = db.clone();
    }
    Ok(s)
}

pub fn run(args: HqArgs) -> Result<ExitCode> {
    let mut settings = settings(&args)?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let storage = beatbook_hq::open_storage(&settings.db)
            .await
            .with_context(|| {
                format!(
                    "cannot open HQ's database {}",
                    beatbook_hq::settings::redact_db_url(&settings.db)
                )
            })?;
        match args.command {
            HqCommand::Serve { listen } => {
                tracing_subscriber::fmt()
                    .with_env_filter(
                        tracing_subscriber::EnvFilter::try_from_default_env()
                            .unwrap_or_else(|_| "info".into()),
                    )
                    .init();
                if let Some(l) = listen {
                    settings.listen = l;
                }
                let listener = tokio::net::TcpListener::bind(settings.listen)
                    .await
                    .with_context(|| format!("cannot listen on {}", settings.listen))?;
                // Printed for scripts and tests that start HQ on port 0.
                println!(
                    "HQ listening on http://{} ({} storage)",
                    listener.local_addr()?,
                    storage.backend()
                );
                let state = HqState::new(storage, Arc::new(settings));
                beatbook_hq::serve(listener, state).await?;
            }
            HqCommand::Admin { command } => admin_command(storage, settings, command).await?,
        }
        Ok(ExitCode::SUCCESS)
    })
}

async fn admin_command(
    db: Arc<dyn beatbook_hq::Storage>,
    settings: HqSettings,
    command: AdminCommand,
) -> Result<()> {
    let storage = db.as_ref();
    match command {
        AdminCommand::SeedDemo {
            password,
            no_activity,
        } => {
            admin::seed_demo(storage, &password).await?;
            println!("Loaded the demo areas, teams and officers.");
            if !no_activity {
                let state = HqState::new(db.clone(), Arc::new(settings));
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
        } => {
            let role: Role = serde_json::from_value(serde_json::Value::String(role.clone()))
                .map_err(|_| anyhow::anyhow!("--role {role:?}: use officer, supervisor, intelligence_unit, analyst or admin"))?;
            let officer = Officer {
                id: OfficerId::new(collar.clone()),
                collar_number: collar,
                name,
                role,
                teams: teams.into_iter().map(TeamId::new).collect(),
            };
            admin::put_officer(storage, &officer, password.as_deref()).await?;
            println!("Saved officer {}.", officer.id);
        }
        AdminCommand::EnrolmentCode { hours } => {
            let code = admin::enrolment_code(storage, hours).await?;
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
        AdminCommand::VerifyChains { json } => {
            let reports = admin::verify_chains(storage).await?;
            let decisions = admin::verify_decision_log(storage).await?;
            let broken = reports.iter().filter(|(_, r)| !r.ok).count();
            if json {
                let mut rows: Vec<_> = reports
                    .iter()
                    .map(|(d, r)| serde_json::json!({"device": d, "report": r}))
                    .collect();
                rows.push(serde_json::json!({"log": "retention_decisions", "report": decisions}));
                println!("{}", serde_json::to_string(&rows)?);
            } else {
                for (d, r) in &reports {
                    match r.broken_at {
                        None => println!("{d}: {} op(s), chain intact", r.ops),
                        Some(at) => println!("{d}: {} op(s), chain BROKEN at op {at}", r.ops),
                    }
                }
                match decisions.broken_at {
                    None => println!(
                        "retention decisions: {} decision(s), chain intact",
                        decisions.ops
                    ),
                    Some(at) => println!(
                        "retention decisions: {} decision(s), chain BROKEN at decision {at}",
                        decisions.ops
                    ),
                }
            }
            if broken > 0 {
                bail!("{broken} device chain(s) broken");
            }
            if !decisions.ok {
                bail!("the retention decisions log's chain is broken");
            }
        }
    }
    Ok(())
}
