//! The headless device, driven as a user would: the real `beatbook` binary on a real encrypted
//! store in a temporary directory.

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
