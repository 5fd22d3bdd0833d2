//! End-to-end tests of the real tablet app: the debug `beatbook-app` binary (with ui/dist built
//! in) under Xvfb, driven through tauri-driver and WebKitWebDriver with fantoccini, each test with
//! a fresh data directory (BEATBOOK_DATA_DIR) and, where it syncs, a real HQ process.
//!
//! Needs: `bash scripts/deps.sh` (Xvfb, webkit2gtk-driver, tauri-driver) and the app built first:
//! `(cd ui && npm run build) && cargo build -p beatbook-app`; scripts/test.sh does all of it.
//! `BEATBOOK_SKIP_APP_E2E=1` skips these tests; `BEATBOOK_UPDATE_SCREENSHOTS=1` also writes the
//! screenshots into docs/screenshots (they always go to target/tmp/screenshots).
//!
//! The app's stdout is swallowed under tauri-driver: everything is asserted through the DOM.

#[path = "support/app.rs"]
mod app;

use app::App;
use std::future::Future;
use std::time::Duration;

/// The whole of one test, processes included, may take this long.
const TEST_BUDGET: Duration = Duration::from_secs(240);

/// Runs one app test: serialised with the others, on a runtime of its own, inside a time budget.
/// The guards inside stop every process however the test ends.
fn run(
    name: &str,
    test: impl FnOnce(std::path::PathBuf) -> std::pin::Pin<Box<dyn Future<Output = ()>>>,
) {
    if app::skipped() {
        eprintln!("{name}: skipped (BEATBOOK_SKIP_APP_E2E)");
        return;
    }
    let _one_at_a_time = app::serial();
    let mut work = tempfile::Builder::new()
        .prefix("beatbook-app-e2e-")
        .tempdir()
        .unwrap();
    // Kept when the test fails, so its logs, data and HQ database can be looked at.
    work.disable_cleanup(true);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let outcome = rt.block_on(async {
        tokio::time::timeout(TEST_BUDGET, test(work.path().to_path_buf())).await
    });
    if outcome.is_err() {
        // The guards went with the future, before they could report: print every log here.
        for log in app::walk(work.path()) {
            if log.extension().is_some_and(|e| e == "log") {
                eprintln!("--- {}:\n{}", log.display(), app::tail(&log, 30));
            }
        }
        panic!(
            "{name}: did not finish within {TEST_BUDGET:?}; logs and data kept in {}",
            work.path().display()
        );
    }
    work.disable_cleanup(false);
    eprintln!("{name}: passed in {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn the_app_starts_and_shows_its_name_version_and_data_dir() {
    run("shell", |work| {
        Box::pin(async move {
            let launched = std::time::Instant::now();
            let app = App::launch(&work).await;

            app.by_role("heading", "Home").await;
            // Includes starting WebKitWebDriver and the session: an upper bound on cold start.
            eprintln!(
                "shell: launch to an interactive Home in {} ms",
                launched.elapsed().as_millis()
            );
            let version = app.css("[data-testid=app-version]").await;
            let data_dir = app.css("[data-testid=data-dir]").await;
            let version = version.text().await.unwrap();
            let data_dir = data_dir.text().await.unwrap();
            assert_eq!(
                version,
                env!("CARGO_PKG_VERSION"),
                "the version app_info reports"
            );
            assert_eq!(
                data_dir,
                app.data_dir.to_str().unwrap(),
                "the app uses the data directory it was given (BEATBOOK_DATA_DIR)"
            );
            assert!(app.page_text().await.contains("Beatbook"));
            assert!(app.data_dir.is_dir(), "the app created its data directory");
            app.screenshot("home").await.unwrap();

            app.close().await;
        })
    });
}

/// The accessible names the capture flow is driven by (see ui/README.md). Kept in one place so a
/// renamed control is one edit here.
mod names {
    // Enrolment (first run).
    pub const ENROL_HEADING: &str = "Enrol this tablet";
    pub const HQ_ADDRESS: &str = "HQ address";
    pub const ENROLMENT_CODE: &str = "Enrolment code";
    pub const COLLAR_NUMBER: &str = "Collar number";
    pub const PASSWORD: &str = "Password";
    pub const NEW_PIN: &str = "PIN";
    pub const CONFIRM_PIN: &str = "Confirm PIN";
    pub const ENROL: &str = "Enrol";
    // Unlock (every later start).
    pub const UNLOCK_HEADING: &str = "Unlock";
    pub const PIN: &str = "PIN";
    pub const UNLOCK: &str = "Unlock";
    // Log a concern.
    pub const LOG_CONCERN: &str = "Log concern";
    pub const DESCRIPTION: &str = "Description";
    pub const PLACE: &str = "Place";
    pub const SAVE: &str = "Save concern";
    // Records and sync.
    pub const RECORDS: &str = "Records";
    pub const WAITING: &str = "Waiting";
    pub const SYNC_NOW: &str = "Sync now";
    pub const ALL_UPLOADED: &str = "All uploaded";
}

const COLLAR: &str = "PC4127";
const OFFICER_PIN: &str = "135790";

/// Issue 4's story, on the real app with a real HQ: enrol, unlock after a restart, log a concern
/// while HQ is unreachable, see it waiting, bring HQ back, sync, and find the concern on HQ
/// through a second (headless) device of the same officer.
#[test]
#[ignore = "waiting for the app's capture flow"]
fn an_offline_concern_reaches_hq_once_it_is_back() {
    run("capture flow", |work| {
        Box::pin(async move {
            use app::{HeadlessDevice, Hq, DEMO_PASSWORD};
            use names::*;

            let mut hq = Hq::prepare(&work.join("hq"));
            hq.start();
            let code = hq.enrolment_code();

            // First run: enrol with HQ and sign in.
            let mut app = App::launch(&work).await;
            app.note(format!("HQ at {} ({})", hq.url(), hq.db));
            app.by_role("heading", ENROL_HEADING).await;
            app.fill(HQ_ADDRESS, &hq.url()).await;
            app.fill(ENROLMENT_CODE, &code).await;
            app.fill(COLLAR_NUMBER, COLLAR).await;
            app.fill(PASSWORD, DEMO_PASSWORD).await;
            app.fill(NEW_PIN, OFFICER_PIN).await;
            app.fill(CONFIRM_PIN, OFFICER_PIN).await;
            app.screenshot("enrol").await.unwrap();
            app.click("button", ENROL).await;
            app.text_appears(COLLAR).await;
            app.screenshot("shift-home").await.unwrap();
            app.close().await;

            // A restart: the PIN unlocks the store, offline from here on.
            hq.stop();
            let mut app = App::launch(&work).await;
            app.note(format!("HQ at {} ({}), stopped", hq.url(), hq.db));
            app.by_role("heading", UNLOCK_HEADING).await;
            app.fill(PIN, OFFICER_PIN).await;
            app.screenshot("unlock").await.unwrap();
            app.click("button", UNLOCK).await;
            app.text_appears(COLLAR).await;

            // Log a concern with HQ unreachable.
            let description = format!(
                "E2E {} street drinking by the war memorial",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_millis()
            );
            app.note(format!("concern: {description:?}"));
            app.click("link", LOG_CONCERN).await;
            app.fill(DESCRIPTION, &description).await;
            app.fill(PLACE, "Camden Town station").await;
            app.screenshot("log-concern").await.unwrap();
            app.click("button", SAVE).await;

            // It is listed as waiting for HQ.
            app.click("link", RECORDS).await;
            let row = app.role_containing("listitem", &description).await;
            let row_text = row.text().await.unwrap();
            assert!(
                row_text.contains(WAITING),
                "the new concern is shown as waiting for HQ: {row_text:?}"
            );
            app.screenshot("records-waiting").await.unwrap();

            // HQ comes back; sync.
            hq.start();
            app.click("button", SYNC_NOW).await;
            app.text_appears(ALL_UPLOADED).await;
            app.screenshot("synced").await.unwrap();
            app.close().await;

            // HQ has it: another device of the same officer pulls it.
            let teammate = HeadlessDevice::enrolled(&work.join("teammate"), &hq, COLLAR);
            let rows = teammate.sync_and_list();
            assert!(
                rows.iter()
                    .any(|r| r["body"]["description"] == description.as_str()),
                "the concern logged in the app is on HQ; another device of {COLLAR} holds: {:#?}",
                rows.iter().map(|r| &r["title"]).collect::<Vec<_>>()
            );
            let chains = hq.admin(&["verify-chains", "--json"]);
            assert!(
                chains.contains("\"ok\":true"),
                "HQ's op log is intact: {chains}"
            );
        })
    });
}
