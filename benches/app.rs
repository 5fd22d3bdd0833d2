//! The real tablet app's cold start and its memory after a simulated shift.
//!
//! `cargo bench --profile dev --bench app` after `(cd ui && npm run build) && cargo build -p
//! beatbook-app` (the debug app, as the end-to-end tests use; `--profile release` measures a
//! release app built with `cargo build --release -p beatbook-app`). Needs Xvfb, tauri-driver and
//! WebKitWebDriver (`bash scripts/deps.sh`). Prints its figures; asserts nothing about time.
//!
//! - Cold start: process start to the first screen drawn and answering input, as the app itself
//!   measures it (`app_ready`, written to `BEATBOOK_STARTUP_PROBE`), over several launches of an
//!   enrolled tablet (PIN pad) and of a new one (enrolment form).
//! - Memory: resident and proportional set size of the app and its WebKit processes after a
//!   simulated hour-long shift against a real HQ: a concern logged every few minutes, the records
//!   list, a search and the map after each, a sync every quarter of an hour, and end of shift.

#[path = "../tests/support/app.rs"]
mod app;

use app::{App, Hq, DEMO_PASSWORD};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const COLLAR: &str = "PC4127";
const PIN: &str = "135790";
const LAUNCHES: usize = 5;
/// Minutes of the simulated shift, and how often a concern is logged.
const SHIFT_MINUTES: u32 = 60;
const CONCERN_EVERY_MINUTES: u32 = 3;
/// `BEATBOOK_BENCH_REAL_TIME=1` paces the shift in real time (an hour, idle between actions, with
/// the app's own timers running); by default its actions run back to back.
const REAL_TIME_ENV: &str = "BEATBOOK_BENCH_REAL_TIME";

fn main() {
    if app::skipped() {
        eprintln!("app bench: skipped (BEATBOOK_SKIP_APP_E2E)");
        return;
    }
    let work = tempfile::Builder::new()
        .prefix("beatbook-app-bench-")
        .tempdir()
        .expect("a work directory");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(run(work.path()));
}

async fn run(work: &Path) {
    let mut hq = Hq::prepare(&work.join("hq"));
    hq.start();

    // A new tablet: the enrolment form is the first screen.
    let mut fresh = Vec::new();
    for n in 0..LAUNCHES {
        let dir = work.join(format!("fresh-{n}"));
        let (ms, app) = launch_timed(&dir).await;
        app.by_role("heading", "Enrol this tablet").await;
        app.close().await;
        fresh.push(ms);
    }

    // Enrol one tablet, then simulate the shift on it.
    let tablet = work.join("tablet");
    let (_, mut app) = launch_timed(&tablet).await;
    app.note(format!("HQ at {}", hq.url()));
    app.by_role("heading", "Enrol this tablet").await;
    app.fill("HQ address", &hq.url()).await;
    app.fill("Enrolment code", &hq.enrolment_code()).await;
    app.fill("Collar number", COLLAR).await;
    app.fill("Password", DEMO_PASSWORD).await;
    app.fill("New PIN", PIN).await;
    app.fill("Repeat new PIN", PIN).await;
    app.click("button", "Enrol this device").await;
    app.by_role("heading", "Home").await;
    let at_start = memory(&app::app_bin());

    let shift = Instant::now();
    let real_time = std::env::var_os(REAL_TIME_ENV).is_some_and(|v| v == "1");
    let mut logged = 0;
    for minute in (0..SHIFT_MINUTES).step_by(CONCERN_EVERY_MINUTES as usize) {
        if real_time {
            let due = shift + Duration::from_secs(u64::from(minute) * 60);
            tokio::time::sleep_until(due.into()).await;
        }
        app.click("link", "Home").await;
        app.click("link", "Log a concern").await;
        app.select_value("Category", "asb:nuisance:street_drinking")
            .await;
        let description = format!(
            "Minute {minute}: street drinking by the war memorial; residents feel intimidated walking past at night"
        );
        app.fill("Description", &description).await;
        app.fill("Place", "Camden High Street").await;
        app.fill("Latitude", "51.5392").await;
        app.fill("Longitude", "-0.1426").await;
        app.click("button", "Save concern").await;
        app.css_text("[data-testid=concern-saved]", "saved").await;
        logged += 1;
        app.click("link", "Records").await;
        app.role_named_containing("button", "Open record: ", &format!("Minute {minute}:"))
            .await;
        app.click("link", "Map").await;
        app.by_role("heading", "Map").await;
        if minute % 15 == 0 {
            app.click("link", "Home").await;
            app.click("button", "Sync now").await;
        }
    }
    if real_time {
        tokio::time::sleep_until(
            (shift + Duration::from_secs(u64::from(SHIFT_MINUTES) * 60)).into(),
        )
        .await;
    }
    app.click("link", "End of shift").await;
    app.click("button", "Sync everything now").await;
    app.css_text("[data-testid=end-of-shift-result]", "Every record is on HQ")
        .await;
    let after_shift = memory(&app::app_bin());
    let shift_s = shift.elapsed().as_secs_f64();
    app.close().await;

    // An enrolled tablet: the PIN pad is the first screen.
    let mut enrolled = Vec::new();
    for _ in 0..LAUNCHES {
        let (ms, app) = launch_timed(&tablet).await;
        app.by_role("heading", "Unlock Beatbook").await;
        app.close().await;
        enrolled.push(ms);
    }

    println!(
        "app bench ({} build of beatbook-app)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    println!(
        "  cold start to the enrolment form (new tablet), {LAUNCHES} launches: {}",
        spread(&fresh)
    );
    println!(
        "  cold start to the PIN pad (enrolled tablet), {LAUNCHES} launches: {}",
        spread(&enrolled)
    );
    println!(
        "  memory after enrolment: {at_start}\n  memory after the simulated {SHIFT_MINUTES}-minute shift ({logged} concerns logged, each followed by the records list and the map, 4 syncs and end of shift; driven in {shift_s:.0} s): {after_shift}"
    );
}

/// Launch the app with its data in `dir` and wait for the UI to say its first screen is ready.
async fn launch_timed(dir: &Path) -> (u64, App) {
    std::fs::create_dir_all(dir).expect("the launch directory");
    let probe = dir.join("startup-ms");
    let _ = std::fs::remove_file(&probe);
    let app = App::launch_with(dir, &[("BEATBOOK_STARTUP_PROBE", probe.as_path())]).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(ms) = std::fs::read_to_string(&probe)
            .ok()
            .and_then(|t| t.trim().parse().ok())
        {
            return (ms, app);
        }
        assert!(
            Instant::now() < deadline,
            "the app never reported its first screen ready ({})",
            probe.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn spread(ms: &[u64]) -> String {
    let mut v = ms.to_vec();
    v.sort_unstable();
    format!(
        "median {} ms, min {} ms, max {} ms",
        v[v.len() / 2],
        v[0],
        v[v.len() - 1]
    )
}

/// Resident (RSS) and proportional (PSS: shared pages split between processes) memory of the
/// running app and the WebKit processes it started.
fn memory(app_bin: &Path) -> String {
    let want = std::fs::canonicalize(app_bin).unwrap_or_else(|_| app_bin.to_path_buf());
    let procs: Vec<(u32, u32, PathBuf, String)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let exe = std::fs::read_link(e.path().join("exe")).ok()?;
            let status = std::fs::read_to_string(e.path().join("status")).ok()?;
            let ppid = field(&status, "PPid:")?;
            let name = status
                .lines()
                .next()?
                .trim_start_matches("Name:")
                .trim()
                .to_owned();
            Some((pid, ppid as u32, exe, name))
        })
        .collect();
    // A binary rebuilt while the app runs shows as "<path> (deleted)": still the app.
    let deleted = PathBuf::from(format!("{} (deleted)", want.display()));
    let Some(&(app_pid, ..)) = procs
        .iter()
        .find(|(_, _, exe, _)| exe == &want || exe == &deleted)
    else {
        return "app process not found".into();
    };
    let (mut rss, mut pss) = kb(app_pid);
    let (app_rss, app_pss) = (rss, pss);
    for (pid, ppid, _, name) in &procs {
        if *ppid == app_pid && name.starts_with("WebKit") {
            let (r, p) = kb(*pid);
            rss += r;
            pss += p;
        }
    }
    format!(
        "app process RSS {} MB (PSS {} MB); with its WebKit processes RSS {} MB (PSS {} MB)",
        app_rss / 1024,
        app_pss / 1024,
        rss / 1024,
        pss / 1024
    )
}

fn kb(pid: u32) -> (u64, u64) {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    (
        field(&rollup, "Rss:").unwrap_or(0),
        field(&rollup, "Pss:").unwrap_or(0),
    )
}

fn field(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with(key))?
        .trim_start_matches(key)
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
