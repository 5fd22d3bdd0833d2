//! The headless device, driven as a user would: the real `beatbook` binary on a real encrypted
//! store in a temporary directory.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const PIN: &str = "135790";

fn beatbook(dir: &Path, args: &[&str]) -> Output {
    beatbook_with_pin(dir, PIN, args)
}

fn beatbook_with_pin(dir: &Path, pin: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_beatbook"))
        .arg("device")
        .arg("--data")
        .arg(dir)
        .args(args)
        .env("BEATBOOK_PIN", pin)
        .output()
        .expect("run beatbook")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "beatbook failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn init(dir: &Path) {
    ok(beatbook(
        dir,
        &["init", "--officer", "PC4127", "--insecure-fast-kdf"],
    ));
}

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/concerns.ndjson")
}

#[test]
fn the_demo_fixture_imports_whole_and_is_listed_routed_and_searchable() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    let report: Value = serde_json::from_str(&ok(beatbook(
        dir,
        &["import", fixture().to_str().unwrap(), "--json"],
    )))
    .unwrap();
    assert_eq!(report["imported"], 100, "{report}");
    assert_eq!(report["failed"].as_array().unwrap().len(), 0, "{report}");

    let rows: Value =
        serde_json::from_str(&ok(beatbook(dir, &["list", "--json", "--limit", "1000"]))).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 100);
    assert!(
        rows.iter()
            .all(|r| !r["areas"].as_array().unwrap().is_empty()),
        "every demo concern falls in an area"
    );
    assert!(rows.iter().all(|r| r["pending_ops"] == 1));
    let in_tc = rows
        .iter()
        .filter(|r| {
            r["areas"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a.as_str().unwrap().starts_with("tc-"))
        })
        .count();
    assert!(
        in_tc >= 50,
        "most demo concerns are in town centres, got {in_tc}"
    );

    // Filters narrow, and a second import of the same file adds nothing with an id twice.
    let vawg: Value = serde_json::from_str(&ok(beatbook(
        dir,
        &[
            "list",
            "--json",
            "--area",
            "tc-dalston",
            "--kind",
            "concern",
        ],
    )))
    .unwrap();
    let n_dalston = vawg.as_array().unwrap().len();
    assert!(n_dalston > 0 && n_dalston < 100);
    let again: Value = serde_json::from_str(&ok(beatbook(
        dir,
        &["import", fixture().to_str().unwrap(), "--json"],
    )))
    .unwrap();
    assert_eq!(
        again["skipped"], 10,
        "the ten lines with ids are skipped: {again}"
    );

    let status: Value = serde_json::from_str(&ok(beatbook(dir, &["status", "--json"]))).unwrap();
    assert_eq!(status["pending_ops"], 190);
    assert_eq!(status["database"]["journal_mode"], "wal");
    assert_eq!(status["database"]["cipher_hmac"], "HMAC_SHA256");
    assert_eq!(status["database"]["cipher_page_size"], "16384");
}

#[test]
fn a_concern_added_offline_is_found_by_search_with_its_areas() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    let saved: Value = serde_json::from_str(&ok(beatbook(
        dir,
        &[
            "concern",
            "add",
            "--json",
            "--category",
            "vawg:behavioural:feeling_followed",
            "--description",
            "Two women followed from the Tube to Pratt Street by a man in a grey hoodie",
            "--lat",
            "51.5392",
            "--lon",
            "-0.1426",
            "--place",
            "Camden Town station",
            "--person",
            "victim",
            "--person",
            "suspect:Unknown male",
            "--priority",
            "high",
        ],
    )))
    .unwrap();
    assert_eq!(
        saved["record"]["areas"],
        serde_json::json!(["E05013655", "tc-camden-town"])
    );
    assert_eq!(saved["record"]["people"][1]["name"], "Unknown male");

    let hits: Value =
        serde_json::from_str(&ok(beatbook(dir, &["search", "grey hoodie", "--json"]))).unwrap();
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert_eq!(hits[0]["id"], saved["id"]);
    let none: Value =
        serde_json::from_str(&ok(beatbook(dir, &["search", "burglary", "--json"]))).unwrap();
    assert!(none.as_array().unwrap().is_empty());
    let human = ok(beatbook(dir, &["list"]));
    assert!(
        human.contains("VAWG behavioural: feeling followed") && human.contains("[1 waiting]"),
        "{human}"
    );
}

#[test]
fn bad_input_is_a_clear_error_and_saves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    let out = beatbook(
        dir,
        &[
            "concern",
            "add",
            "--category",
            "asb:nuisance:noise",
            "--description",
            " ",
            "--lat",
            "99",
            "--lon",
            "0",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("description: A description is required") && err.contains("location.lat"),
        "{err}"
    );
    let out = beatbook(
        dir,
        &[
            "concern",
            "add",
            "--category",
            "asb:noise",
            "--description",
            "x",
            "--lat",
            "51.5",
            "--lon",
            "0",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("use asb:TYPE:HEADING"));
    let status: Value = serde_json::from_str(&ok(beatbook(dir, &["status", "--json"]))).unwrap();
    assert_eq!(status["records"], 0);
    assert_eq!(status["pending_ops"], 0);

    // A file with a bad line: reported by number, the rest imported, exit code 2.
    let file = dir.join("mixed.ndjson");
    let good = r#"{"category":{"kind":"asb","type":"nuisance","heading":"noise"},"description":"Party noise","location":{"lat":51.548,"lon":-0.0755,"place":null}}"#;
    std::fs::write(&file, format!("{good}\n{{\"category\": 1}}\n{good}\n")).unwrap();
    let out = beatbook(dir, &["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2:"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Imported 2 concern(s)"));
}

#[test]
fn a_wrong_pin_says_how_many_tries_are_left() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    let out = beatbook_with_pin(dir, "999999", &["list"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("wrong PIN: 4 attempt(s) left"), "{err}");
    ok(beatbook(dir, &["list"]));

    let out = beatbook(dir, &["wipe"]);
    assert!(!out.status.success(), "wipe needs --yes");
    ok(beatbook(dir, &["wipe", "--yes"]));
    let out = beatbook(dir, &["list"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Beatbook store"));
}

/// The JSON a command printed.
fn json_of(out: Output) -> Value {
    serde_json::from_str(&ok(out)).unwrap()
}

/// A command that must fail with exit code 1; its stderr.
fn refused(out: Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected a refusal:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).unwrap()
}

/// Records and waiting changes on the device: (records, pending ops).
fn counts(dir: &Path) -> (u64, u64) {
    let status = json_of(beatbook(dir, &["status", "--json"]));
    (
        status["records"].as_u64().unwrap(),
        status["pending_ops"].as_u64().unwrap(),
    )
}

#[test]
fn a_ward_panel_makes_its_priorities_which_take_updates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    let saved = json_of(beatbook(
        dir,
        &[
            "meeting",
            "add",
            "--json",
            "--type",
            "ward_panel",
            "--area",
            "E05013655",
            "--held-on",
            "2026-06-01",
            "--venue",
            "Camden Town Library",
            "--attendance",
            "resident=12",
            "--attendance",
            "councillor=2",
            "--total-attendance",
            "16",
            "--issue",
            "Street drinking by the station",
            "--vote",
            "Street drinking=9",
            "--vote",
            "Cycle theft=4",
            "--agreed",
            "Street drinking",
            "--agreed",
            "Cycle theft",
            "--review-date",
            "2026-09-01",
            "--retention-review",
            "2028-06-01",
        ],
    ));
    let priorities = saved["priority_ids"].as_array().unwrap();
    assert_eq!(priorities.len(), 2, "{saved}");
    let meeting = json_of(beatbook(
        dir,
        &["show", saved["meeting_id"].as_str().unwrap(), "--json"],
    ));
    assert_eq!(meeting["kind"], "meeting");
    assert_eq!(meeting["body"]["attendance"][1]["role"], "councillor");
    assert_eq!(meeting["body"]["votes"][0]["votes"], 9);
    let rows = json_of(beatbook(dir, &["list", "--json", "--kind", "priority"]));
    assert_eq!(rows.as_array().unwrap().len(), 2);

    let priority = priorities[0].as_str().unwrap();
    let detail = json_of(beatbook(
        dir,
        &[
            "priority",
            "update",
            priority,
            "--json",
            "--you-said",
            "Drinking by the station",
            "--we-did",
            "Weekly patrols",
            "--on",
            "2026-07-01",
        ],
    ));
    assert_eq!(detail["log"].as_array().unwrap().len(), 1, "{detail}");
    assert_eq!(detail["history"][1]["what"], "Added an update");
    assert_eq!(counts(dir), (3, 4));

    // The same meeting from a file with a mistyped key: refused by name, nothing saved.
    let file = dir.join("meeting.json");
    std::fs::write(
        &file,
        r#"{"meeting_type": "ward_panel", "area_id": "E05013655", "held_on": "2026-06-01",
            "total_attendance": 14, "review_date": "2026-09-01", "retention_review": "2028-06-01",
            "agreed_priorites": ["Street drinking"]}"#,
    )
    .unwrap();
    let err = refused(beatbook(
        dir,
        &["meeting", "add", "--file", file.to_str().unwrap()],
    ));
    assert!(
        err.contains("the meeting was not saved:") && err.contains("agreed_priorites: unknown key"),
        "{err}"
    );
    // A meeting the domain refuses, field by field: no attendance, reviewed before it was held.
    let err = refused(beatbook(
        dir,
        &[
            "meeting",
            "add",
            "--type",
            "ward_panel",
            "--area",
            "E05013655",
            "--held-on",
            "2026-06-01",
            "--review-date",
            "2026-05-01",
            "--retention-review",
            "2028-06-01",
            "--agreed",
            "Noise",
        ],
    ));
    assert!(
        err.contains("the record was not saved:")
            && err.contains("attendance: ")
            && err.contains("review_date: "),
        "{err}"
    );
    let err = refused(beatbook(
        dir,
        &[
            "priority",
            "update",
            priority,
            "--you-said",
            " ",
            "--we-did",
            "Patrols",
        ],
    ));
    assert!(err.contains("you_said: "), "{err}");
    assert_eq!(counts(dir), (3, 4), "nothing saved from a bad form");
}

#[test]
fn residents_votes_propose_the_priorities_and_a_meeting_sent_twice_is_saved_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    let id = "01936f3e-6a2b-7c3d-8e4f-5a6b7c8d9e0f";
    let add = [
        "meeting",
        "add",
        "--json",
        "--id",
        id,
        "--area",
        "E05013655",
        "--type",
        "ward_panel",
        "--held-on",
        "2026-06-01",
        "--total-attendance",
        "30",
        "--issue",
        "Noise from late venues",
        "--issue",
        "Cycle theft",
        "--vote",
        "Noise from late venues=6",
        "--vote",
        "Cycle theft=11",
        "--vote",
        "Street drinking=8",
        "--vote",
        "Litter=2",
        "--agree-proposed",
    ];
    let saved = json_of(beatbook(dir, &add));
    assert_eq!(saved["meeting_id"], id);
    let meeting = json_of(beatbook(dir, &["show", id, "--json"]));
    // An issue voted for was raised; the three with most votes are the agreed priorities.
    assert_eq!(
        meeting["body"]["issues_raised"],
        serde_json::json!([
            "Noise from late venues",
            "Cycle theft",
            "Street drinking",
            "Litter"
        ])
    );
    assert_eq!(
        meeting["body"]["agreed_priorities"],
        serde_json::json!(["Cycle theft", "Street drinking", "Noise from late venues"])
    );
    assert_eq!(counts(dir), (4, 4));
    // The same meeting sent again: the same answer, nothing new saved.
    let again = json_of(beatbook(dir, &add));
    assert_eq!(again, saved);
    assert_eq!(counts(dir), (4, 4));
}

#[test]
fn patrols_and_engagements_are_logged_edited_and_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    let patrol = json_of(beatbook(
        dir,
        &[
            "patrol",
            "add",
            "--json",
            "--area",
            "tc-camden-town",
            "--hotspot",
            "Camden High St by the station",
            "--started-at",
            "2026-11-20T20:00:00Z",
            "--retention-review",
            "2028-11-20",
        ],
    ));
    let patrol_id = patrol["id"].as_str().unwrap();
    assert!(patrol["body"]["ended_at"].is_null());
    // A patrol of neither a hotspot nor an area would count for no team: refused, in words.
    let err = refused(beatbook(
        dir,
        &[
            "patrol",
            "add",
            "--hotspot",
            "",
            "--started-at",
            "2026-11-20T20:00:00Z",
        ],
    ));
    assert!(
        err.contains(
            "area_id: a patrol needs the hotspot or area patrolled: choose one from the list"
        ),
        "{err}"
    );
    assert_eq!(patrol["areas"][0]["id"], "tc-camden-town");
    let out = ok(beatbook(
        dir,
        &["edit", patrol_id, "--set", "ended_at=2026-11-20T21:35:00Z"],
    ));
    assert!(out.starts_with("Saved changes to"), "{out}");
    let rows = json_of(beatbook(dir, &["list", "--json", "--kind", "patrol_log"]));
    assert_eq!(rows[0]["status"], "ended");
    let out = ok(beatbook(
        dir,
        &["edit", patrol_id, "--set", "ended_at=2026-11-20T21:35:00Z"],
    ));
    assert!(out.starts_with("Nothing changed"), "{out}");

    let engagement = json_of(beatbook(
        dir,
        &[
            "engagement",
            "add",
            "--json",
            "--type",
            "street_briefing",
            "--area",
            "tc-camden-town",
            "--held-at",
            "2026-11-21T18:00:00Z",
            "--attendees",
            "12",
            "--lat",
            "51.5392",
            "--lon",
            "-0.1426",
            "--place",
            "Camden Town station",
            "--notes",
            "Leaflets on bag theft",
        ],
    ));
    let engagement_id = engagement["id"].as_str().unwrap();
    assert_eq!(
        engagement["body"]["retention_review"], "2028-11-21",
        "left out, the retention review is the domain's: two years after the engagement"
    );
    assert_eq!(
        engagement["body"]["location"]["place"],
        "Camden Town station"
    );
    let edit = dir.join("edit.json");
    std::fs::write(
        &edit,
        r#"{"notes": "Leaflets on bag theft and phone snatching", "attendees": 15}"#,
    )
    .unwrap();
    let edited = json_of(beatbook(
        dir,
        &[
            "edit",
            engagement_id,
            "--json",
            "--file",
            edit.to_str().unwrap(),
        ],
    ));
    assert_eq!(edited["body"]["attendees"], 15);
    assert_eq!(edited["history"][1]["what"], "Changed attendees, notes");
    assert_eq!(counts(dir), (2, 4));

    // Bad edits are refused field by field and change nothing.
    let err = refused(beatbook(
        dir,
        &[
            "edit",
            engagement_id,
            "--set",
            "colour=red",
            "--set",
            "attendees=many",
        ],
    ));
    assert!(
        err.contains("colour: no such field on this record"),
        "{err}"
    );
    std::fs::write(&edit, r#"{"attendees": "many"}"#).unwrap();
    let err = refused(beatbook(
        dir,
        &["edit", engagement_id, "--file", edit.to_str().unwrap()],
    ));
    assert!(
        err.contains("engagement was not saved") && err.contains("invalid type"),
        "{err}"
    );
    let err = refused(beatbook(
        dir,
        &[
            "edit",
            engagement_id,
            "--set",
            "retention_review=2020-01-01",
        ],
    ));
    assert!(err.contains("retention_review: "), "{err}");
    assert_eq!(counts(dir), (2, 4));
    let shown = json_of(beatbook(dir, &["show", engagement_id, "--json"]));
    assert_eq!(shown["body"]["attendees"], 15);

    let out = ok(beatbook(dir, &["delete", engagement_id]));
    assert!(out.starts_with("Deleted"), "{out}");
    let rows = json_of(beatbook(dir, &["list", "--json", "--kind", "engagement"]));
    assert!(rows.as_array().unwrap().is_empty());
    assert_eq!(
        counts(dir),
        (1, 5),
        "the deletion waits for HQ like any change"
    );
    let err = refused(beatbook(
        dir,
        &["delete", "0190a0e0-0000-7000-8000-000000000000"],
    ));
    assert!(err.contains("no record"), "{err}");
}

#[test]
fn intelligence_goes_in_with_its_source_held_apart_and_cannot_be_edited() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    let saved = json_of(beatbook(
        dir,
        &[
            "intel", "submit", "--json", "--grade", "2BC", "--conditions",
            "Not outside the partnership", "--security", "official_sensitive", "--content",
            "Who: two men. What: dealing. When: evenings. Where: the passage. Why: unknown. How: bikes.",
            "--lat", "51.5392", "--lon", "-0.1426", "--source-type", "member_of_public",
            "--source-name", "A resident", "--source-notes", "Lives opposite",
        ],
    ));
    assert!(saved["source_id"].is_string(), "{saved}");
    let rows = json_of(beatbook(dir, &["list", "--json"]));
    let areas: Vec<&str> = rows[0]["areas"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        areas.contains(&"E05013655") && areas.contains(&"tc-camden-town"),
        "the report's areas are worked out from its location, as a concern's: {areas:?}"
    );
    assert_eq!(
        rows.as_array().unwrap().len(),
        1,
        "source details are not listed"
    );
    assert_eq!(rows[0]["kind"], "intel_report");
    let report = saved["report_id"].as_str().unwrap();
    let detail = json_of(beatbook(dir, &["show", report, "--json"]));
    assert_eq!(detail["editable"], false);
    assert_eq!(
        detail["body"]["grade"]["handling"]["conditions"],
        "Not outside the partnership"
    );
    assert_eq!(detail["body"]["source_id"], saved["source_id"]);
    let (records, pending) = counts(dir);

    let err = refused(beatbook(dir, &["edit", report, "--set", "content=Changed"]));
    assert!(err.contains("cannot be changed on the device"), "{err}");
    let err = refused(beatbook(
        dir,
        &[
            "intel",
            "submit",
            "--grade",
            "1AP",
            "--security",
            "official",
            "--content",
            " ",
        ],
    ));
    assert!(
        err.contains("the record was not saved:") && err.contains("content: "),
        "{err}"
    );
    let err = refused(beatbook(
        dir,
        &[
            "intel",
            "submit",
            "--grade",
            "2B",
            "--security",
            "official",
            "--content",
            "x",
        ],
    ));
    assert!(err.contains("--grade \"2B\""), "{err}");
    let file = dir.join("intel.json");
    std::fs::write(
        &file,
        r#"{"grade": {"source": "1", "intelligence": "A", "handling": {"code": "P"}},
            "security": "official", "content": "A van at night", "source": {"source_type": "member_of_public", "phone": "07700 900000"}}"#,
    )
    .unwrap();
    let err = refused(beatbook(
        dir,
        &["intel", "submit", "--file", file.to_str().unwrap()],
    ));
    assert!(err.contains("source.phone: unknown key"), "{err}");
    let err = refused(beatbook(
        dir,
        &[
            "intel",
            "submit",
            "--grade",
            "1AP",
            "--security",
            "secret",
            "--content",
            "A van at night",
        ],
    ));
    assert!(
        err.contains("security: a tablet holds Official and Official-Sensitive material only"),
        "{err}"
    );
    assert_eq!(
        counts(dir),
        (records, pending),
        "nothing saved from a bad form"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_enrolment_leaves_nothing_and_end_of_shift_says_what_is_left() {
    let hq = support::start_hq(beatbook_hq::HqSettings::default()).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tablet");
    let enrol = |code: &str| {
        Command::new(env!("CARGO_BIN_EXE_beatbook"))
            .args(["device", "--data"])
            .arg(&dir)
            .args([
                "enrol",
                "--hq",
                &hq.url(),
                "--code",
                code,
                "--collar",
                "PC4127",
            ])
            .arg("--insecure-fast-kdf")
            .env("BEATBOOK_PIN", PIN)
            .env("BEATBOOK_PASSWORD", support::DEMO_PASSWORD)
            .output()
            .expect("run beatbook")
    };
    let err = refused(enrol("ABCD-EFGH-JKMN"));
    assert!(err.contains("HQ refused"), "{err}");
    assert!(
        !dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none(),
        "nothing left behind"
    );
    let out = ok(enrol(&hq.enrolment_code().await));
    assert!(out.contains("signed in as"), "{out}");
    let err = refused(enrol(&hq.enrolment_code().await));
    assert!(err.contains("already enrolled"), "{err}");

    ok(beatbook(
        &dir,
        &[
            "concern",
            "add",
            "--category",
            "asb:nuisance:street_drinking",
            "--description",
            "Street drinkers outside the station",
            "--lat",
            "51.5392",
            "--lon",
            "-0.1426",
        ],
    ));
    let end = json_of(beatbook(&dir, &["end-of-shift", "--json"]));
    assert_eq!(end["complete"], true, "{end}");
    assert_eq!(
        (&end["acked"], &end["pending"]),
        (&serde_json::json!(1), &serde_json::json!(0))
    );
    assert!(end["error_code"].is_null());

    drop(hq);
    ok(beatbook(
        &dir,
        &[
            "concern",
            "add",
            "--category",
            "asb:nuisance:street_drinking",
            "--description",
            "Still there at midnight",
            "--lat",
            "51.5392",
            "--lon",
            "-0.1426",
        ],
    ));
    let out = beatbook(&dir, &["end-of-shift"]);
    assert_eq!(out.status.code(), Some(2), "something is left: exit code 2");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1 change(s) still waiting")
            && text.contains("The sync stopped (hq_unreachable)")
            && text.contains("Not complete"),
        "{text}"
    );
}

/// Enrol the headless device in `dir` with `hq` as PC4127 (Camden Town Centre Team).
async fn enrolled(hq: &support::Hq, dir: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_beatbook"))
        .args(["device", "--data"])
        .arg(dir)
        .args(["enrol", "--hq", &hq.url(), "--code"])
        .arg(hq.enrolment_code().await)
        .args(["--collar", "PC4127", "--insecure-fast-kdf"])
        .env("BEATBOOK_PIN", PIN)
        .env("BEATBOOK_PASSWORD", support::DEMO_PASSWORD)
        .output()
        .expect("run beatbook");
    ok(out);
}

#[tokio::test(flavor = "multi_thread")]
async fn intelligence_with_a_location_reaches_hq_with_its_areas_and_may_go_to_the_officers_team() {
    let hq = support::start_hq(beatbook_hq::HqSettings::default()).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tablet");
    enrolled(&hq, &dir).await;
    let saved = json_of(beatbook(
        &dir,
        &[
            "intel",
            "submit",
            "--json",
            "--grade",
            "2BC",
            "--conditions",
            "Police only, not to partners",
            "--security",
            "official_sensitive",
            "--content",
            "What: bikes used to sell drugs. When: after 10pm.",
            "--lat",
            "51.5392",
            "--lon",
            "-0.1426",
            "--place",
            "Camden Town station",
        ],
    ));
    let raw = saved["report_id"].as_str().unwrap().to_owned();
    let end = json_of(beatbook(&dir, &["end-of-shift", "--json"]));
    assert_eq!(end["complete"], true, "{end}");

    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{}/api/v1/hq/login", hq.url()))
        .json(&serde_json::json!({"collar_number": "DC7740", "password": support::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().expect("signed in").to_owned();
    let queue: Value = http
        .get(format!("{}/api/v1/hq/intel/queue", hq.url()))
        .bearer_auth(&token)
        .header("beatbook-purpose", "code=investigation&reference=CAD+1234")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let summary = &queue[0]["summary"];
    assert_eq!(summary["id"], raw.as_str(), "{queue}");
    assert_eq!(
        summary["areas"],
        serde_json::json!(["E05013655", "tc-camden-town"]),
        "the report reaches HQ with the areas of its location"
    );
    // Handling code C: the officer's own team covers the report's areas, so it may receive it.
    let shared = http
        .post(format!("{}/api/v1/hq/intel/{raw}/disseminate", hq.url()))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "content": "Bikes are used to sell drugs by Camden Town station after 10pm",
            "grade": {"source": "2", "intelligence": "B", "handling": {"code": "C", "conditions": "Police only, not to partners"}},
            "teams": ["camden-tct"],
            // The reviewer's checklist, every check confirmed.
            "confirmed": ["source_not_identifiable", "no_contact_details", "no_detail_only_the_source_knows", "location_coarsened", "handling_code_checked"],
        }))
        .send()
        .await
        .unwrap();
    let status = shared.status();
    assert!(
        status.is_success(),
        "{status}: {}",
        shared.text().await.unwrap()
    );
}

#[test]
fn a_concern_takes_dated_updates_without_retyping_and_its_location_and_people_are_edited() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    init(dir);
    let saved = json_of(beatbook(
        dir,
        &[
            "concern",
            "add",
            "--json",
            "--category",
            "asb:nuisance:street_drinking",
            "--description",
            "Drinkers by the station",
            "--lat",
            "51.5392",
            "--lon",
            "-0.1426",
        ],
    ));
    let id = saved["id"].as_str().unwrap();
    let shown = json_of(beatbook(
        dir,
        &[
            "concern",
            "update",
            id,
            "--json",
            "--note",
            "Spoke to the off-licence",
            "--at",
            "2026-12-06T21:44:00Z",
        ],
    ));
    assert_eq!(shown["log"][0]["entry"]["note"], "Spoke to the off-licence");
    assert_eq!(shown["log"][0]["entry"]["at"], "2026-12-06T21:44:00Z");
    assert_eq!(shown["body"]["description"], "Drinkers by the station");
    assert_eq!(shown["history"][1]["what"], "Added an update");
    let err = refused(beatbook(dir, &["concern", "update", id, "--note", " "]));
    assert!(err.contains("note: The update is required"), "{err}");

    // Moved to Kentish Town, with a witness: the areas follow the new location.
    let edit = dir.join("edit.json");
    std::fs::write(
        &edit,
        r#"{"location": {"lat": 51.5502, "lon": -0.1405, "place": "Kentish Town station"},
            "people": [{"role": "witness", "name": null, "description": "Shopkeeper", "statements": []}]}"#,
    )
    .unwrap();
    let edited = json_of(beatbook(
        dir,
        &["edit", id, "--json", "--file", edit.to_str().unwrap()],
    ));
    assert_eq!(edited["body"]["location"]["place"], "Kentish Town station");
    assert_eq!(edited["body"]["people"][0]["description"], "Shopkeeper");
    assert_eq!(
        edited["body"]["areas"],
        serde_json::json!(["E05013663", "tc-kentish-town"]),
        "{edited}"
    );
    assert_eq!(
        edited["log"][0]["entry"]["note"],
        "Spoke to the off-licence"
    );
}

/// HQ's dashboard API as a staff member (the demo password): `(method path, body)` → JSON, which
/// must succeed.
async fn as_staff(hq: &support::Hq, collar: &str, path: &str, body: Option<Value>) -> Value {
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{}/api/v1/hq/login", hq.url()))
        .json(&serde_json::json!({"collar_number": collar, "password": support::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().expect("a staff token").to_owned();
    let url = format!("{}/api/v1/hq/{path}", hq.url());
    let req = match body {
        Some(body) => client.post(url).json(&body),
        None => client.get(url),
    };
    let resp = req.bearer_auth(token).send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(status.is_success(), "{path}: {status}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// The team's improvement actions on the headless device: the sergeant opens one at HQ; after a
/// sync the device lists it in words; an update added on the device waits for the next sync, then
/// HQ's record has it; the action itself cannot be edited or deleted on the device.
#[tokio::test(flavor = "multi_thread")]
async fn the_teams_actions_are_listed_in_words_and_an_update_reaches_hq() {
    let hq = support::start_hq(beatbook_hq::HqSettings::default()).await;
    let today = chrono::Utc::now().date_naive();
    let due = today + chrono::Days::new(42);
    let what = "Two extra evening patrols a week on Camden High Street";
    let opened = as_staff(
        &hq,
        "PS1102",
        "actions",
        Some(serde_json::json!({
            "team_id": "camden-tct", "measure": "patrol_hours_peak", "what": what,
            "owner": "PC4127", "due_on": due.to_string(),
            "review_on": (today + chrono::Days::new(14)).to_string(),
        })),
    )
    .await;
    let id = opened["id"].as_str().unwrap().to_owned();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tablet");
    enrolled(&hq, &dir).await;
    ok(beatbook(&dir, &["sync"]));

    let listed = ok(beatbook(&dir, &["actions"]));
    for words in [
        "1 open improvement action",
        "Hotspot patrol hours per week at peak times: Open",
        what,
        "Team: Camden Town Centre Team. Owner: PC Amira Khan. Opened by PS Helen Doyle",
        &format!("Due {}", due.format("%-d %b %Y")),
        "No updates yet.",
        &format!("Id: {id}"),
    ] {
        assert!(listed.contains(words), "{words:?} in:\n{listed}");
    }

    let note = "One extra patrol this week: two officers on a course";
    let out = ok(beatbook(
        &dir,
        &["action-update", &id, "--note", note, "--off-track"],
    ));
    assert!(out.contains("now off track. Waiting to go to HQ."), "{out}");
    let listed = ok(beatbook(&dir, &["actions"]));
    assert!(
        listed.contains("Hotspot patrol hours per week at peak times: Off track")
            && listed.contains(&format!("PC Amira Khan (off track): {note}"))
            && listed.contains("Waiting to go to HQ."),
        "{listed}"
    );

    // Refused, and nothing saved: an empty note (by the field), both on and off track, an edit
    // or a deletion of the action itself.
    let err = refused(beatbook(&dir, &["action-update", &id, "--note", " "]));
    assert!(err.contains("note:"), "{err}");
    let out = beatbook(
        &dir,
        &[
            "action-update",
            &id,
            "--note",
            "x",
            "--on-track",
            "--off-track",
        ],
    );
    assert!(!out.status.success(), "on and off track at once");
    let err = refused(beatbook(
        &dir,
        &["edit", &id, "--set", "what=Fewer patrols"],
    ));
    assert!(
        err.contains("improvement action cannot be changed or deleted on the device"),
        "{err}"
    );
    let err = refused(beatbook(&dir, &["delete", &id]));
    assert!(err.contains("progress update"), "{err}");
    let cards = json_of(beatbook(&dir, &["actions", "--json"]));
    assert_eq!(cards[0]["pending_ops"], 1, "only the update waits: {cards}");

    ok(beatbook(&dir, &["sync"]));
    let at_hq = as_staff(&hq, "PS1102", &format!("actions/{id}"), None).await;
    assert_eq!(at_hq["status"], "off_track", "{at_hq}");
    assert_eq!(at_hq["what"], what, "the action as HQ opened it");
    let update = &at_hq["updates"][0];
    assert_eq!(
        (&update["note"], &update["progress"]),
        (&Value::from(note), &Value::from("off_track")),
        "{at_hq}"
    );
    let listed = ok(beatbook(&dir, &["actions"]));
    assert!(!listed.contains("Waiting to go to HQ."), "{listed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_officers_reads_reach_hqs_access_log_with_the_shift_as_purpose() {
    let hq = support::start_hq(beatbook_hq::HqSettings::default()).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tablet");
    enrolled(&hq, &dir).await;
    let saved = ok(beatbook(
        &dir,
        &[
            "concern",
            "add",
            "--json",
            "--category",
            "asb:nuisance:street_drinking",
            "--description",
            "Street drinkers by the canal lock",
            "--lat",
            "51.5392",
            "--lon",
            "-0.1426",
        ],
    ));
    let id = serde_json::from_str::<Value>(&saved).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Saving is not a read; the briefing's own list (open concerns of the team's areas) is not
    // logged either.
    ok(beatbook(
        &dir,
        &["list", "--kind", "concern", "--status", "open"],
    ));
    let status = json_of(beatbook(&dir, &["status", "--json"]));
    assert_eq!(status["pending_reads"], 0, "{status}");
    let device_id = status["device_id"].as_str().unwrap().to_owned();
    // Opening it, and a search, are.
    let shown = ok(beatbook(&dir, &["show", &id]));
    assert!(shown.contains("canal lock"), "{shown}");
    let found = json_of(beatbook(&dir, &["search", "canal", "--json"]));
    assert_eq!(found.as_array().unwrap().len(), 1);
    let status = json_of(beatbook(&dir, &["status", "--json"]));
    assert_eq!(status["pending_reads"], 2, "{status}");

    let report = json_of(beatbook(&dir, &["sync", "--json"]));
    assert_eq!(report["reads_sent"], 2, "{report}");
    let status = json_of(beatbook(&dir, &["status", "--json"]));
    assert_eq!(
        status["pending_reads"], 0,
        "acknowledged reads leave the tablet"
    );

    let log = hq
        .storage
        .access_log(&beatbook_hq::storage::AccessQuery {
            device_id: Some(device_id.parse().unwrap()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let reads: Vec<_> = log
        .iter()
        .filter(|e| e.action == "view" || e.action == "search")
        .collect();
    assert_eq!(reads.len(), 2, "{log:?}");
    let (search, view) = (reads[0], reads[1]);
    assert_eq!(view.action, "view");
    assert_eq!(view.officer_id.as_str(), "PC4127");
    assert_eq!(view.record_ids[0].to_string(), id);
    assert_eq!(
        view.purpose,
        "On duty: Camden Town Centre Team, Camden Town, Kentish Town"
    );
    assert_eq!(search.action, "search");
    assert!(search.detail.contains("canal"), "{}", search.detail);
    // Synced again: nothing is logged twice.
    let report = json_of(beatbook(&dir, &["sync", "--json"]));
    assert_eq!(report["reads_sent"], 0, "{report}");
    let again = hq
        .storage
        .access_log(&beatbook_hq::storage::AccessQuery {
            device_id: Some(device_id.parse().unwrap()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        again
            .iter()
            .filter(|e| e.action == "view" || e.action == "search")
            .count(),
        2
    );
}
