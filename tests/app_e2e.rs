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
        let logs = work.path().join("logs");
        for log in std::fs::read_dir(&logs).into_iter().flatten().flatten() {
            eprintln!(
                "--- {}:\n{}",
                log.path().display(),
                app::tail(&log.path(), 30)
            );
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
            let app = App::launch(&work).await;

            app.by_role("heading", "Home").await;
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
