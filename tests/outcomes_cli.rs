//! `beatbook hq admin import-crime FILE` and `import-survey FILE`: the real binary on a fresh
//! SQLite database, as a force loads its monthly police.uk files from a script. The report is in
//! words (rows imported, each bad row by its line) or, with `--json`, for scripts; a file that is
//! not a crime file is refused and the command fails. (Imports themselves are proven over HTTP on
//! both backends in crates/hq/tests/outcomes.rs.)

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

#[test]
fn a_force_imports_its_crime_and_survey_files_from_the_command_line() {
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
    let crime = dir.path().join("2026-10-metropolitan-street.csv");
    std::fs::write(
        &crime,
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n\
         ,2026-10,Metropolitan Police Service,Metropolitan Police Service,-0.142600,51.539000,On or near Parkway,E01000001,Camden 001A,Anti-social behaviour,,\n\
         a1,2026-10,Metropolitan Police Service,Metropolitan Police Service,-0.142600,51.539000,\"On or near Camden High Street, NW1\",E01000001,Camden 001A,Burglary,Under investigation,\n\
         a2,2026-10,Metropolitan Police Service,Metropolitan Police Service,,,No Location,,,Drugs,Under investigation,\n\
         a3,2026-10,Metropolitan Police Service,Metropolitan Police Service,-0.127700,51.507400,On or near Trafalgar Square,E01004736,Westminster 018A,Robbery,,\n",
    )
    .unwrap();
    let said = ok(&db, &["import-crime", crime.to_str().unwrap()]);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(
        lines,
        [
            "4 rows read: 2 imported, 1 refused, 1 outside every area (not counted in any).",
            "Recorded crime replaced for Oct 2026.",
            "Line 4: no longitude: the crime has no location; no latitude: the crime has no location.",
        ],
        "{said}"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(
        &db,
        &["import-crime", "--json", crime.to_str().unwrap()],
    ))
    .unwrap();
    assert_eq!(json["imported"], 2);
    assert_eq!(json["errors"][0]["line"], 4);

    let survey = dir.path().join("survey-2026-q3.csv");
    std::fs::write(
        &survey,
        "area,quarter,community,respondents,confident\n\
         tc-camden-town,2026-Q3,business,40,29\n\
         nowhere,2026-Q3,public,10,5\n",
    )
    .unwrap();
    let said = ok(&db, &["import-survey", survey.to_str().unwrap()]);
    assert_eq!(
        said.lines().collect::<Vec<_>>(),
        [
            "2 rows read: 1 imported, 1 refused.",
            "Survey results for Jul to Sept 2026.",
            "Line 3: there is no area \"nowhere\" at HQ.",
        ],
        "{said}"
    );

    // Not a police.uk file: refused, and the command fails.
    let out = hq(&db, &["import-crime", survey.to_str().unwrap()]);
    assert!(!out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("was not imported") && e.contains("not a police.uk street-level crime file"),
        "{e}"
    );
    let out = hq(&db, &["import-crime", "/no/such/file.csv"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /no/such/file.csv"));
}
