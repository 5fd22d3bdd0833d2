//! `beatbook hq admin seed-demo`, as the run script uses it: the real binary on a fresh SQLite
//! database loads the twelve weeks of demo activity once; run again, it adds nothing and says so.

use std::process::Command;

fn hq(db: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_beatbook"))
        .args(["hq", "--db", db, "admin"])
        .args(args)
        .output()
        .expect("run beatbook");
    assert!(
        out.status.success(),
        "beatbook hq admin {args:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn demo_tablets(db: &str) -> usize {
    hq(db, &["devices"])
        .lines()
        .filter(|l| l.contains("Demo tablet of "))
        .count()
}

#[test]
fn seed_demo_loads_the_story_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("hq.db").display());
    let seed = ["seed-demo", "--password", "demo-password-2026"];
    let first = hq(&db, &seed);
    assert!(
        first.contains("Loaded twelve weeks of demo activity"),
        "{first}"
    );
    let tablets = demo_tablets(&db);
    assert!(tablets >= 12, "{tablets} demo tablets");
    let again = hq(&db, &seed);
    assert!(again.contains("already loaded: nothing added"), "{again}");
    assert_eq!(demo_tablets(&db), tablets);
    let chains = hq(&db, &["verify-chains"]);
    assert!(!chains.contains("BROKEN"), "{chains}");

    let bare = format!("sqlite:{}", dir.path().join("bare.db").display());
    let only = hq(
        &bare,
        &[
            "seed-demo",
            "--password",
            "demo-password-2026",
            "--no-activity",
        ],
    );
    assert_eq!(only.trim(), "Loaded the demo areas, teams and officers.");
    assert_eq!(demo_tablets(&bare), 0);
}
