//! `beatbook hq admin retention ...`: the real binary on a fresh SQLite database. Only a records
//! manager (`--as`) may review, every decision needs a reason, a record HQ does not hold is
//! refused in words, and the sweep and the decisions log answer in words or, with `--json`, for
//! scripts. (The decisions themselves are proven over HTTP in crates/hq/tests/retention.rs.)

use std::process::{Command, Output};

fn hq(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_beatbook"))
        .args(["hq", "--db", db, "admin"])
        .args(args)
        .output()
        .expect("run beatbook")
}

fn ok(db: &str, args: &[&str]) -> String {
    let out = hq(db, args);
    assert!(
        out.status.success(),
        "beatbook hq admin {args:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn refused(db: &str, args: &[&str]) -> String {
    let out = hq(db, args);
    assert!(
        !out.status.success(),
        "beatbook hq admin {args:?} succeeded"
    );
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn a_records_manager_reviews_retention_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("hq.db").display());
    ok(
        &db,
        &[
            "seed-demo",
            "--password",
            "demo-password-2026",
            "--no-activity",
        ],
    );
    ok(
        &db,
        &[
            "officer",
            "--collar",
            "RM0101",
            "--name",
            "Jo Reid",
            "--role",
            "records_manager",
            "--password",
            "demo-password-2026",
        ],
    );

    let queue = ok(&db, &["retention", "queue", "--as", "RM0101"]);
    assert_eq!(queue.trim(), "0 records due for review.");
    let json: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &["retention", "queue", "--as", "RM0101", "--json"],
    ))
    .unwrap();
    assert_eq!(json["total"], 0);

    // Another role, nobody, and no reason: refused in words.
    let e = refused(&db, &["retention", "queue", "--as", "PS1102"]);
    assert!(e.contains("not a records manager"), "{e}");
    let e = refused(&db, &["retention", "queue"]);
    assert!(e.contains("--as COLLAR"), "{e}");
    let id = "0190a5e4-0000-7000-8000-000000000001";
    let e = refused(
        &db,
        &[
            "retention",
            "dispose",
            "--as",
            "RM0101",
            "--reason",
            "ok",
            id,
        ],
    );
    assert!(e.contains("at least 5 characters"), "{e}");
    let e = refused(
        &db,
        &[
            "retention",
            "dispose",
            "--as",
            "RM0101",
            "--reason",
            "No longer needed",
            id,
        ],
    );
    assert!(e.contains("HQ holds no record"), "{e}");

    let sweep = ok(&db, &["retention", "sweep"]);
    assert!(
        sweep.starts_with("Disposed of 0 records past review"),
        "{sweep}"
    );
    let decisions = ok(&db, &["retention", "decisions", "--as", "RM0101"]);
    assert_eq!(decisions.trim(), "No decisions yet.");
}
