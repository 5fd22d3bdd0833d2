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
fn a_new_tablet_starts_at_enrolment() {
    run("shell", |work| {
        Box::pin(async move {
            let launched = std::time::Instant::now();
            let app = App::launch(&work).await;

            app.by_role("heading", names::ENROL_HEADING).await;
            // Includes starting WebKitWebDriver and the session: an upper bound on cold start.
            eprintln!(
                "shell: launch to an interactive enrolment screen in {} ms",
                launched.elapsed().as_millis()
            );
            assert!(app.page_text().await.contains("Beatbook"));
            app.by_role("textbox", names::HQ_ADDRESS).await;
            app.by_role("button", names::ENROL).await;
            assert!(app.data_dir.is_dir(), "the app created its data directory");
            app.screenshot("enrol").await.unwrap();

            app.close().await;
        })
    });
}

/// The accessible names the capture flow is driven by (ui/README.md, "Accessible names the
/// end-to-end tests use"). Kept in one place so a renamed control is one edit here.
mod names {
    // Enrolment (first run).
    pub const ENROL_HEADING: &str = "Enrol this tablet";
    pub const HQ_ADDRESS: &str = "HQ address";
    pub const ENROLMENT_CODE: &str = "Enrolment code";
    pub const COLLAR_NUMBER: &str = "Collar number";
    pub const PASSWORD: &str = "Password";
    pub const NEW_PIN: &str = "New PIN";
    pub const REPEAT_PIN: &str = "Repeat new PIN";
    pub const ENROL: &str = "Enrol this device";
    // Unlock (every later start).
    pub const UNLOCK_HEADING: &str = "Unlock Beatbook";
    pub const PIN: &str = "PIN";
    pub const UNLOCK: &str = "Unlock";
    pub const TRIES_LEFT: &str = "tries left";
    // Home.
    pub const HOME: &str = "Home";
    pub const OFFICER_NAME: &str = "[data-testid=officer-name]";
    // Settings → About.
    pub const SETTINGS: &str = "Settings";
    pub const APP_VERSION: &str = "[data-testid=app-version]";
    pub const DATA_DIR: &str = "[data-testid=data-dir]";
    pub const LOG_A_CONCERN: &str = "Log a concern";
    pub const SYNC_NOW: &str = "Sync now";
    // Log a concern.
    pub const CATEGORY: &str = "Category";
    pub const DESCRIPTION: &str = "Description";
    pub const PLACE: &str = "Place";
    pub const LATITUDE: &str = "Latitude";
    pub const LONGITUDE: &str = "Longitude";
    pub const CONCERN_AREAS: &str = "[data-testid=concern-areas]";
    pub const SAVE: &str = "Save concern";
    pub const SAVED: &str = "[data-testid=concern-saved]";
    // Records and sync.
    pub const RECORDS: &str = "Records";
    pub const OPEN_RECORD: &str = "Open record: ";
    pub const WAITING: &str = "Waiting for sync";
    pub const ON_HQ: &str = "On HQ";
    pub const SYNC_BADGE: &str = "[data-testid=sync-badge]";
    // Map and end of shift.
    pub const MAP: &str = "Map";
    pub const END_OF_SHIFT: &str = "End of shift";
    pub const SYNC_EVERYTHING: &str = "Sync everything now";
    pub const END_OF_SHIFT_RESULT: &str = "[data-testid=end-of-shift-result]";
    pub const EVERY_RECORD_ON_HQ: &str = "Every record is on HQ";
}

const COLLAR: &str = "PC4127";
const OFFICER_PIN: &str = "135790";
/// In the Camden Town ward and town centre of the demo areas.
const CAMDEN_TOWN: (&str, &str) = ("51.5392", "-0.1426");

/// The enrolment screen filled in for PC4127 with `code`, up to the shift's home page.
async fn enrol(app: &App, hq: &app::Hq, code: &str) {
    use names::*;
    app.by_role("heading", ENROL_HEADING).await;
    app.fill(HQ_ADDRESS, &hq.url()).await;
    app.fill(ENROLMENT_CODE, code).await;
    app.fill(COLLAR_NUMBER, COLLAR).await;
    app.fill(PASSWORD, app::DEMO_PASSWORD).await;
    app.fill(NEW_PIN, OFFICER_PIN).await;
    app.fill(REPEAT_PIN, OFFICER_PIN).await;
    app.click("button", ENROL).await;
    app.by_role("heading", HOME).await;
}

/// Waits for the sync badge to say everything is on HQ.
async fn all_uploaded(app: &App) {
    app.eventually("the sync badge to say all uploaded", || async {
        let badge = app.css(names::SYNC_BADGE).await;
        (badge.attr("data-state").await.ok()?.as_deref() == Some("all_uploaded")).then_some(())
    })
    .await;
}

/// On the Camden Town Safer Neighbourhoods Team, whose ward overlaps PC4127's town centre.
const TEAMMATE: &str = "PC2290";

/// An officer's shift, on the real app with a real HQ: enrol, unlock after a restart, log a concern
/// while HQ is unreachable, see it waiting, bring HQ back, sync, and find the concern on HQ
/// through a teammate's (headless) device: a concern in the overlap of a ward and a town centre
/// belongs to both teams.
#[test]
fn an_offline_concern_reaches_hq_once_it_is_back() {
    run("capture flow", |work| {
        Box::pin(async move {
            use app::{HeadlessDevice, Hq};
            use names::*;

            let mut hq = Hq::prepare(&work.join("hq"));
            hq.start();
            let code = hq.enrolment_code();

            // First run: enrol with HQ and sign in.
            let mut app = App::launch(&work).await;
            app.note(format!("HQ at {} ({})", hq.url(), hq.db));
            enrol(&app, &hq, &code).await;

            // Shift home; what app_info says about the app is in Settings → About.
            app.css_text(OFFICER_NAME, COLLAR).await;
            app.click("link", SETTINGS).await;
            app.css_text(APP_VERSION, env!("CARGO_PKG_VERSION")).await;
            let data_dir = app.data_dir.to_str().unwrap().to_owned();
            app.css_text(DATA_DIR, &data_dir).await;
            app.click("link", HOME).await;
            app.by_role("heading", HOME).await;
            // Enrolment's first sync brings the briefing; let it finish for the picture.
            all_uploaded(&app).await;
            app.scroll_to_top().await;
            app.screenshot("shift-home").await.unwrap();
            app.close().await;

            // HQ goes away; the app restarts and the PIN unlocks it, offline.
            hq.stop();
            let mut app = App::launch(&work).await;
            app.note(format!("HQ at {} ({}), stopped", hq.url(), hq.db));
            app.by_role("heading", UNLOCK_HEADING).await;
            // A wrong PIN is counted by the real store, and the officer is told what is left.
            app.fill(PIN, "000000").await;
            app.click("button", UNLOCK).await;
            app.role_containing("alert", TRIES_LEFT).await;
            app.fill(PIN, OFFICER_PIN).await;
            app.screenshot("unlock").await.unwrap();
            app.click("button", UNLOCK).await;
            app.by_role("heading", HOME).await;
            app.css_text(OFFICER_NAME, COLLAR).await;

            // Log a concern with HQ unreachable.
            // Each test has its own HQ, so a fixed text is unique there (and screenshots stay stable).
            let description =
                "Street drinking by the war memorial most evenings; residents feel intimidated"
                    .to_owned();
            app.note(format!("concern: {description:?}"));
            app.click("link", LOG_A_CONCERN).await;
            app.select_value(CATEGORY, "asb:nuisance:street_drinking")
                .await;
            app.fill(DESCRIPTION, &description).await;
            app.fill(PLACE, "By the war memorial, Camden High Street")
                .await;
            app.fill(LATITUDE, CAMDEN_TOWN.0).await;
            app.fill(LONGITUDE, CAMDEN_TOWN.1).await;
            // The ward and town centre are worked out on the device.
            app.css_text(CONCERN_AREAS, "Camden Town").await;
            app.screenshot("log-concern").await.unwrap();
            app.click("button", SAVE).await;
            app.css_text(SAVED, "saved").await;

            // It is listed as waiting for HQ, and the badge says so.
            app.click("link", RECORDS).await;
            let entry = app
                .role_named_containing("button", OPEN_RECORD, &description)
                .await;
            let entry_text = entry.text().await.unwrap();
            assert!(
                entry_text.contains(WAITING),
                "the new concern is shown as waiting for HQ: {entry_text:?}"
            );
            // A save wakes the background sync, which tries HQ and fails: the badge passes
            // through "syncing" and settles on waiting / HQ cannot be reached.
            app.eventually("the sync badge to show the concern waiting", || async {
                let badge = app.css(SYNC_BADGE).await;
                let state = badge.attr("data-state").await.ok()??;
                (state == "waiting" || state == "hq_unreachable").then_some(())
            })
            .await;
            app.screenshot("records-waiting").await.unwrap();

            // HQ comes back; sync from home.
            hq.start();
            app.click("link", HOME).await;
            app.click("button", SYNC_NOW).await;
            all_uploaded(&app).await;
            app.click("link", RECORDS).await;
            // The list refreshes as the sync lands: look the entry up afresh each time.
            app.eventually("the concern to show as on HQ", || async {
                let entry = app
                    .find_named_containing("button", OPEN_RECORD, &description)
                    .await?;
                entry.text().await.ok()?.contains(ON_HQ).then_some(())
            })
            .await;
            app.screenshot("records-synced").await.unwrap();

            // The map shows the areas and the concern; end of shift says everything is on HQ.
            app.click("link", MAP).await;
            app.by_role("heading", MAP).await;
            app.screenshot("map").await.unwrap();
            app.click("link", END_OF_SHIFT).await;
            app.click("button", SYNC_EVERYTHING).await;
            app.css_text(END_OF_SHIFT_RESULT, EVERY_RECORD_ON_HQ).await;
            app.screenshot("end-of-shift").await.unwrap();
            app.close().await;

            // HQ has it, and shares it: the teammate's device pulls it.
            let teammate = HeadlessDevice::enrolled(&work.join("teammate"), &hq, TEAMMATE);
            let rows = teammate.sync_and_list();
            let found = rows
                .iter()
                .find(|r| r["body"]["description"] == description.as_str())
                .unwrap_or_else(|| {
                    panic!(
                        "the concern logged in the app did not reach {TEAMMATE} through HQ, whose device holds: {:#?}",
                        rows.iter().map(|r| &r["title"]).collect::<Vec<_>>()
                    )
                });
            assert!(
                found["areas"].as_array().is_some_and(|a| a
                    .iter()
                    .any(|x| x.as_str().is_some_and(|s| s.contains("camden")))),
                "HQ has the areas the app worked out: {found}"
            );
            let chains = hq.admin(&["verify-chains", "--json"]);
            assert!(
                chains.contains("\"ok\":true") && !chains.contains("\"ok\":false"),
                "HQ's op log is intact: {chains}"
            );
        })
    });
}

/// The improvement action the supervisor opens in [`an_action_opened_at_hq_is_briefed_and_an_offline_update_reaches_it`].
const ACTION_WHAT: &str =
    "Two extra evening patrols a week on Camden High Street, Thursday to Saturday";
const ACTION_UPDATE: &str =
    "One extra patrol this week: two officers on a course. Back to two from Monday";

/// Improvement actions on the real app with a real HQ: the team's sergeant opens one at HQ on a
/// red cell of the board; it is in the officer's briefing after enrolment's first sync; with HQ
/// unreachable the officer adds an update (off track) on the action's page, where it waits; once
/// HQ is back and the tablet syncs, the briefing shows it and HQ's record of the action has the
/// update, by the officer.
#[test]
fn an_action_opened_at_hq_is_briefed_and_an_offline_update_reaches_it() {
    run("improvement action", |work| {
        Box::pin(async move {
            use names::*;

            let mut hq = app::Hq::prepare(&work.join("hq"));
            hq.start();
            // PS Helen Doyle supervises the Camden Town Centre Team. With no activity seeded its
            // peak patrol hours are red: she opens an action on them, owned by PC4127.
            let sergeant = hq.staff("PS1102").await;
            let today = chrono::Utc::now().date_naive();
            let opened = sergeant
                .post(
                    "actions",
                    &serde_json::json!({
                        "team_id": "camden-tct",
                        "measure": "patrol_hours_peak",
                        "what": ACTION_WHAT,
                        "owner": COLLAR,
                        "due_on": (today + chrono::Days::new(42)).to_string(),
                        "review_on": (today + chrono::Days::new(14)).to_string(),
                    }),
                )
                .await;
            let id = opened["id"].as_str().expect("the action's id").to_owned();
            let measure = opened["measure_label"].as_str().unwrap().to_owned();

            // Enrolment's first sync brings it to the tablet: it is in the briefing.
            let code = hq.enrolment_code();
            let mut app = App::launch(&work).await;
            app.note(format!("HQ at {} ({}); action {id}", hq.url(), hq.db));
            enrol(&app, &hq, &code).await;
            all_uploaded(&app).await;
            let card = app
                .role_named_containing("link", "Open action: ", &measure)
                .await;
            let text = card.text().await.unwrap();
            for words in [
                ACTION_WHAT,
                "Open",
                "Owner PC Amira Khan",
                "No updates yet.",
            ] {
                assert!(
                    text.contains(words),
                    "the briefing's card says {words:?}: {text:?}"
                );
            }
            let problems = app.audit(&[]).await;
            assert!(
                problems.is_empty(),
                "the briefing is fit for an officer: {problems:?}"
            );

            // HQ goes away; the officer adds an update on the action's page.
            hq.stop();
            card.click().await.unwrap();
            app.by_role("heading", "Improvement action").await;
            app.css_text("[data-testid=action-what]", ACTION_WHAT).await;
            app.fill("Update", ACTION_UPDATE).await;
            app.check("Off track", true).await;
            app.click("button", "Add update").await;
            app.css_text("[data-testid=action-update-saved]", "next sync")
                .await;
            app.css_text("[data-testid=action-status]", "Off track")
                .await;
            app.css_text("[data-testid=action-sync-state]", WAITING)
                .await;
            app.role_containing("listitem", ACTION_UPDATE).await;
            app.eventually("the sync badge to show the update waiting", || async {
                let state = app.css(SYNC_BADGE).await.attr("data-state").await.ok()??;
                (state == "waiting" || state == "hq_unreachable").then_some(())
            })
            .await;
            app.scroll_to_top().await;
            app.screenshot("app-action").await.unwrap();
            let problems = app.audit(&[]).await;
            assert!(
                problems.is_empty(),
                "the action's page is fit for an officer: {problems:?}"
            );

            // HQ comes back; a sync from home sends the update.
            hq.start();
            app.click("link", HOME).await;
            app.click("button", SYNC_NOW).await;
            all_uploaded(&app).await;
            // The briefing's card now says where the action stands and its latest update.
            app.eventually("the briefing's card to show the update", || async {
                let card = app
                    .find_named_containing("link", "Open action: ", &measure)
                    .await?;
                let text = card.text().await.ok()?;
                (text.contains("Off track") && text.contains(ACTION_UPDATE)).then_some(())
            })
            .await;
            app.scroll_to_top().await;
            app.screenshot("app-action-briefing").await.unwrap();
            app.goto(&format!("#/actions/{id}")).await;
            app.css_text("[data-testid=action-sync-state]", ON_HQ).await;
            app.close().await;

            // HQ's record of the action has the update, by the officer, and says off track.
            let at_hq = sergeant.get(&format!("actions/{id}")).await;
            let updates = at_hq["updates"].as_array().cloned().unwrap_or_default();
            let update = updates
                .iter()
                .find(|u| u["note"] == ACTION_UPDATE)
                .unwrap_or_else(|| panic!("the tablet's update is not on HQ: {at_hq:#}"));
            assert_eq!(update["progress"], "off_track", "{update}");
            assert!(
                update["author_name"]
                    .as_str()
                    .is_some_and(|n| n.contains("Amira Khan")),
                "by the officer: {update}"
            );
            assert_eq!(at_hq["status"], "off_track", "{at_hq:#}");
            let chains = hq.admin(&["verify-chains", "--json"]);
            assert!(
                chains.contains("\"ok\":true") && !chains.contains("\"ok\":false"),
                "HQ's op log is intact: {chains}"
            );
        })
    });
}

/// The two ways an officer holds a 10" tablet.
const SIZES: [(u32, u32); 2] = [(1280, 800), (800, 1280)];

/// Text that may look technical on this page: Settings → About is where technical detail lives.
fn technical_allowed(route: &str) -> &'static [&'static str] {
    if route.starts_with("#/settings") {
        &[r"About[\s\S]*"]
    } else {
        &[]
    }
}

/// Every page of the real app, in landscape and in portrait, under the shell's rules: the header,
/// sync badge and menu never scroll away, nothing on screen looks like JSON, an id, an ISO date or
/// an error code, and no control is under 44 px. The app runs under `LANG=C.UTF-8` in New York's
/// time zone, and still writes dates the British way, in UK time.
#[test]
fn every_page_fits_the_tablet_in_both_orientations_in_any_locale() {
    run("walk", |work| {
        Box::pin(async move {
            use app::{HeadlessDevice, Hq};
            use std::path::Path;

            let mut hq = Hq::prepare(&work.join("hq"));
            hq.start();
            // A teammate's concern, with people and areas, for the record page.
            let teammate = HeadlessDevice::enrolled(&work.join("teammate"), &hq, TEAMMATE);
            teammate.run(&[
                "concern",
                "add",
                "--category",
                "vawg:behavioural:feeling_followed",
                "--description",
                "Two women followed from the Tube to Pratt Street by a man in a grey hoodie",
                "--lat",
                CAMDEN_TOWN.0,
                "--lon",
                CAMDEN_TOWN.1,
                "--place",
                "Camden Town station",
                "--person",
                "victim",
                "--person",
                "suspect:Unknown male",
            ]);
            teammate.run(&["sync"]);
            let code = hq.enrolment_code();
            let app = App::launch_with(
                &work,
                &[
                    ("LANG", Path::new("C.UTF-8")),
                    ("LC_ALL", Path::new("C.UTF-8")),
                    ("TZ", Path::new("America/New_York")),
                ],
            )
            .await;
            enrol(&app, &hq, &code).await;
            all_uploaded(&app).await;

            // The pages: every route the app links to from its menu and home page, and a record.
            let routes: Vec<String> = serde_json::from_value(
                app.client()
                    .execute(
                        "return [...new Set([...document.querySelectorAll('a[href^=\"#/\"]')]\
                         .map((a) => a.getAttribute('href')))];",
                        vec![],
                    )
                    .await
                    .unwrap(),
            )
            .unwrap();
            assert!(routes.len() >= 8, "the menu links every page: {routes:?}");

            let mut problems = Vec::new();
            for (width, height) in SIZES {
                app.resize(width, height).await;
                let mut seen = Vec::new();
                for route in &routes {
                    app.goto(route).await;
                    app.css("main h1").await;
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                    seen.push(route.clone());
                    for p in app.audit(technical_allowed(route)).await {
                        problems.push(format!("{width}x{height} {route}: {p}"));
                    }
                }
                // A record as an officer opens it, from the list.
                app.goto("#/records").await;
                app.role_named_containing("button", names::OPEN_RECORD, "")
                    .await
                    .click()
                    .await
                    .unwrap();
                app.css("main h2").await;
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                for p in app.audit(&[]).await {
                    problems.push(format!("{width}x{height} a record: {p}"));
                }
                let text = app.page_text().await;
                let months = [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec",
                ];
                if !months.iter().any(|m| text.contains(&format!(" {m} 20"))) {
                    problems.push(format!(
                        "{width}x{height} a record: no date written the British way under \
                         LANG=C.UTF-8 (\"6 Dec 2026, 21:44\") in: {text}"
                    ));
                }
                app.screenshot(&format!("walk-record-{width}x{height}"))
                    .await
                    .unwrap();
                app.goto("#/").await;
                app.screenshot(&format!("walk-home-{width}x{height}"))
                    .await
                    .unwrap();
                eprintln!("walk: {width}x{height}: {} pages", seen.len() + 1);
            }
            assert!(
                problems.is_empty(),
                "pages not fit for an officer on a tablet:\n{}",
                problems.join("\n")
            );
            app.close().await;
        })
    });
}

/// Counts, in the page as it is, the elements matching `selector`.
async fn count(app: &App, selector: &str) -> usize {
    let n = app
        .client()
        .execute(
            "return document.querySelectorAll(arguments[0]).length;",
            vec![serde_json::json!(selector)],
        )
        .await
        .unwrap();
    n.as_u64().unwrap_or(0) as usize
}

/// An impatient finger on every save: two taps before the app can answer the first make one
/// concern, one intelligence report, one meeting, one engagement and one update, never two. The
/// concern is placed by typing a street from HQ's gazetteer, which reached the tablet at sign-in.
#[test]
fn a_second_tap_on_save_saves_nothing_more() {
    run("double tap", |work| {
        Box::pin(async move {
            use names::*;

            let mut hq = app::Hq::prepare(&work.join("hq"));
            hq.start();
            let code = hq.enrolment_code();
            let app = App::launch(&work).await;
            enrol(&app, &hq, &code).await;
            all_uploaded(&app).await;

            // A concern.
            let concern = "Double-tapped: a shopping trolley dumped in the canal by the lock";
            app.goto("#/log-concern").await;
            app.select_value(CATEGORY, "asb:nuisance:street_drinking")
                .await;
            app.fill(DESCRIPTION, concern).await;
            // The place from HQ's gazetteer, synced to the tablet: typing it sets the location.
            app.fill(PLACE, "camden high").await;
            app.role_containing("button", "Camden High Street")
                .await
                .click()
                .await
                .unwrap();
            app.css_text(CONCERN_AREAS, "Camden Town").await;
            app.double_tap(SAVE).await;
            app.css_text(SAVED, "saved").await;

            // An intelligence report.
            let who = "Double-tap Dan, about 30, red cap";
            app.goto("#/intelligence").await;
            app.click("button", "No threat to life").await;
            app.check("1 Reliable", true).await;
            app.check("A Known directly", true).await;
            app.check("P: lawful sharing permitted", true).await;
            app.fill("Who", who).await;
            app.fill("What", "Selling cannabis from a bike by the canal steps")
                .await;
            app.fill(LATITUDE, CAMDEN_TOWN.0).await;
            app.fill(LONGITUDE, CAMDEN_TOWN.1).await;
            app.double_tap("Submit report").await;
            app.css("[data-testid=intel-saved]").await;

            // An engagement.
            app.goto("#/patrol").await;
            app.select("Engagement type", "Surgery").await;
            app.fill("People attending", "137").await;
            app.fill("Engagement notes", "Double-tapped surgery at the library")
                .await;
            app.double_tap("Save engagement").await;
            app.css("[data-testid=patrol-saved]").await;

            // A meeting.
            app.goto("#/meetings").await;
            app.click("button", "Saved meetings").await;
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            let meetings_before = count(&app, "[aria-label^='Edit the meeting of']").await;
            app.click("button", "Record a meeting").await;
            app.fill("Head count", "23").await;
            app.fill("Issue 1", "Double-tapped: bikes ridden on the pavement")
                .await;
            app.fill("Votes for issue 1", "12").await;
            app.fill("Priorities agreed", "Pavement cycling on Parkway")
                .await;
            app.double_tap("Save meeting").await;
            app.css("[data-testid=meeting-saved]").await;

            // Counted once each.
            app.goto("#/records").await;
            app.css("main h1").await;
            app.eventually("the records list to show the new concern", || async {
                (app.records_mentioning(concern).await > 0).then_some(())
            })
            .await;
            assert_eq!(app.records_mentioning(concern).await, 1, "one concern");
            assert_eq!(
                app.records_mentioning("Double-tap Dan").await,
                1,
                "one report"
            );
            assert_eq!(
                app.records_mentioning("137 attending").await,
                1,
                "one engagement"
            );
            app.goto("#/meetings").await;
            app.click("button", "Saved meetings").await;
            app.eventually("the new meeting in the list", || async {
                let n = count(&app, "[aria-label^='Edit the meeting of']").await;
                (n > meetings_before).then_some(n)
            })
            .await;
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            assert_eq!(
                count(&app, "[aria-label^='Edit the meeting of']").await,
                meetings_before + 1,
                "one meeting"
            );

            // An update on the concern.
            app.goto("#/records").await;
            app.role_named_containing("button", OPEN_RECORD, concern)
                .await
                .click()
                .await
                .unwrap();
            app.click("link", "Add an update, change the location or people")
                .await;
            app.fill("Update", "Canal and River Trust told; trolley removed")
                .await;
            app.double_tap("Add update").await;
            app.eventually("the update in the list", || async {
                (count(&app, "[aria-label=Updates] li").await > 0).then_some(())
            })
            .await;
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            assert_eq!(
                count(&app, "[aria-label=Updates] li").await,
                1,
                "one update"
            );
            app.close().await;
        })
    });
}

/// The officer's reads are logged (DPA 2018 s.62): on the real app with a real HQ, opening a
/// record is kept in the tablet's encrypted read log and, at the next sync, reaches HQ's access
/// log with the device, the officer and the shift in words as the purpose.
#[test]
fn a_record_opened_in_the_app_reaches_hqs_access_log_with_the_shift_as_purpose() {
    run("reads logged", |work| {
        Box::pin(async move {
            use app::Hq;
            use names::*;

            let mut hq = Hq::prepare(&work.join("hq"));
            hq.start();
            let code = hq.enrolment_code();
            let mut app = App::launch(&work).await;
            app.note(format!("HQ at {} ({})", hq.url(), hq.db));
            enrol(&app, &hq, &code).await;
            all_uploaded(&app).await;

            let description = "Cyclists on the pavement by the canal lock every morning".to_owned();
            app.click("link", LOG_A_CONCERN).await;
            app.select_value(CATEGORY, "asb:nuisance:street_drinking")
                .await;
            app.fill(DESCRIPTION, &description).await;
            app.fill(LATITUDE, CAMDEN_TOWN.0).await;
            app.fill(LONGITUDE, CAMDEN_TOWN.1).await;
            app.css_text(CONCERN_AREAS, "Camden Town").await;
            app.click("button", SAVE).await;
            app.css_text(SAVED, "saved").await;

            // The officer opens it from the records list.
            app.click("link", RECORDS).await;
            app.role_named_containing("button", OPEN_RECORD, &description)
                .await
                .click()
                .await
                .unwrap();
            app.text_appears(&description).await;
            app.css("[data-testid=record-reference]").await;

            // The next sync takes the read to HQ.
            app.click("link", HOME).await;
            app.click("button", SYNC_NOW).await;
            all_uploaded(&app).await;
            app.close().await;

            // HQ's administrator sees it in the access log: opened, on this officer's tablet.
            let admin = hq.staff("AD0001").await;
            let audit = admin.get("admin/audit?officer=PC4127&limit=200").await;
            let reads: Vec<&serde_json::Value> = audit["access"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["action"] == "view" && !e["device_id"].is_null())
                .collect();
            assert_eq!(reads.len(), 1, "one record opened on the tablet: {audit:#}");
            let read = reads[0];
            assert_eq!(read["detail"], "Opened on the tablet", "{read}");
            assert_ne!(read["device_name"], "HQ dashboard", "{read}");
            let record_id = read["record_ids"][0].as_str().unwrap().to_owned();
            // The record it names is the concern logged in the app.
            let record = admin.get(&format!("admin/audit?record={record_id}")).await;
            assert!(
                record["ops"].as_array().is_some_and(|ops| !ops.is_empty()),
                "the record opened is the one the tablet pushed: {record:#}"
            );

            // With the shift as the purpose.
            hq.stop();
            let storage = beatbook_hq::open_storage(&hq.db, &hq.key()).await.unwrap();
            let log = storage
                .access_log(&beatbook_hq::storage::AccessQuery {
                    officer_id: Some(beatbook_domain::OfficerId::new(COLLAR)),
                    limit: 200,
                    ..Default::default()
                })
                .await
                .unwrap();
            let view = log
                .iter()
                .find(|e| e.action == "view" && e.device_id.is_some())
                .expect("the tablet's read in HQ's access log");
            assert_eq!(
                view.purpose,
                "On duty: Camden Town Centre Team, Camden Town, Kentish Town"
            );
            assert_eq!(view.record_ids[0].to_string(), record_id);
        })
    });
}
