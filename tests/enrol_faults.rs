//! Enrolment and sync from outside, through the fault-injecting proxy: the headless device
//! (`beatbook device`, a real process) against HQ served on 127.0.0.1.
//!
//! - HQ's answer to `POST /api/v1/enrol` is lost on the way: the device tries again by itself,
//!   with the same device id and code, gets the same answer, signs in and syncs the record it
//!   logged before it was enrolled. Nothing asks for a wipe.
//! - `beatbook device sync` tries again by itself when its requests are dropped, and says how
//!   many tries it made.
//! - A failed enrolment says what happened and what to do, never that changes wait.
//!
//! The proxy's faults are chosen per connection from a seed; each test picks, at run time, a
//! seed that gives the first connections the fault it needs and the rest none.

mod support;

use beatbook_faultproxy::{Fault, FaultProxy, FaultSettings};
use beatbook_hq::HqSettings;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use support::{start_hq, DEMO_PASSWORD, PIN};

fn beatbook(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_beatbook"))
        .arg("device")
        .arg("--data")
        .arg(dir)
        .args(args)
        .env("BEATBOOK_PIN", PIN)
        .env("BEATBOOK_PASSWORD", DEMO_PASSWORD)
        .output()
        .expect("run beatbook")
}

/// `beatbook device ...` off the async workers (HQ is served on them).
async fn run(dir: &Path, args: &[&str]) -> Output {
    let dir = dir.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        beatbook(&dir, &args)
    })
    .await
    .unwrap()
}

fn ok(out: &Output) -> (String, String) {
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        out.status.success(),
        "beatbook failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    (stdout, stderr)
}

/// Settings under which the proxy's next `faulty` connections (indexes keep counting from
/// `proxy`'s count) get a fault `is` accepts, and the ten after them none.
fn seed_where(
    proxy: &FaultProxy,
    base: impl Fn(u64) -> FaultSettings,
    faulty: u64,
    is: impl Fn(&Fault) -> bool,
) -> FaultSettings {
    let start = proxy.stats().connections;
    (0..1_000_000u64)
        .map(&base)
        .find(|s| {
            (start..start + faulty).all(|i| is(&s.fault_for(i)))
                && (start + faulty..start + faulty + 10).all(|i| s.fault_for(i) == Fault::Clean)
        })
        .expect("a seed with the faults wanted")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_enrol_answer_is_tried_again_and_the_device_signs_in_and_syncs() {
    let hq = start_hq(HqSettings::default()).await;
    let proxy = FaultProxy::start(hq.addr, FaultSettings::none(0))
        .await
        .unwrap();
    let url = format!("http://{}", proxy.addr());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A record logged before the device is enrolled.
    ok(&run(dir, &["init", "--officer", "PC4127", "--insecure-fast-kdf"]).await);
    ok(&run(
        dir,
        &[
            "concern",
            "add",
            "--category",
            "asb:nuisance:street_drinking",
            "--description",
            "Street drinking outside the station before the tablet was enrolled",
            "--lat",
            "51.5392",
            "--lon",
            "-0.1426",
        ],
    )
    .await);

    // The next connection's answer (the enrolment's) is cut off on the way back.
    proxy.set_faults(seed_where(
        &proxy,
        |seed| FaultSettings {
            cut_response: 0.5,
            ..FaultSettings::none(seed)
        },
        1,
        |f| matches!(f, Fault::CutResponse { .. }),
    ));
    let code = hq.enrolment_code().await;
    let out = run(
        dir,
        &[
            "enrol",
            "--hq",
            &url,
            "--code",
            &code,
            "--name",
            "Tablet 14",
        ],
    )
    .await;
    let (stdout, stderr) = ok(&out);
    assert!(stdout.contains("Enrolled with"), "{stdout}");
    assert!(
        stderr.contains("trying again"),
        "the retry is said: {stderr}"
    );
    assert!(!stderr.to_lowercase().contains("wipe"), "{stderr}");
    let stats = proxy.stats();
    assert!(stats.cut_response >= 1, "the answer was lost: {stats:?}");
    proxy.set_faults(FaultSettings::none(0));

    // HQ enrolled the device once, and the device holds the secret HQ keeps the hash of.
    let devices = hq.storage.devices().await.unwrap();
    let ours: Vec<_> = devices.iter().filter(|d| d.name == "Tablet 14").collect();
    assert_eq!(ours.len(), 1, "{devices:?}");

    let (stdout, _) = ok(&run(dir, &["login", "--collar", "PC4127"]).await);
    assert!(stdout.contains("Signed in"), "{stdout}");
    let (stdout, _) = ok(&run(dir, &["sync", "--json"]).await);
    let report: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(report["pending"], 0, "{report}");
    assert_eq!(
        report["acked"], 1,
        "the record logged before enrolment is on HQ: {report}"
    );
    assert_eq!(report["tries"], 1, "{report}");
    // Signed in: HQ dropped the sealed secret.
    assert!(hq
        .storage
        .pending_enrolment(ours[0].id)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_sync_tries_again_by_itself_and_says_how_many_tries() {
    let hq = start_hq(HqSettings::default()).await;
    let proxy = FaultProxy::start(hq.addr, FaultSettings::none(0))
        .await
        .unwrap();
    let url = format!("http://{}", proxy.addr());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let code = hq.enrolment_code().await;
    ok(&run(
        dir,
        &[
            "enrol",
            "--hq",
            &url,
            "--code",
            &code,
            "--collar",
            "PC4127",
            "--insecure-fast-kdf",
        ],
    )
    .await);
    ok(&run(
        dir,
        &[
            "concern",
            "add",
            "--category",
            "asb:nuisance:street_drinking",
            "--description",
            "Street drinking by the canal lock",
            "--lat",
            "51.5410",
            "--lon",
            "-0.1445",
        ],
    )
    .await);
    // The next two connections are dropped as soon as they are made.
    proxy.set_faults(seed_where(
        &proxy,
        |seed| FaultSettings {
            drop_connection: 0.5,
            ..FaultSettings::none(seed)
        },
        2,
        |f| *f == Fault::DropConnection,
    ));
    let (stdout, stderr) = ok(&run(dir, &["sync"]).await);
    // Two tries lost, then the third went through.
    assert!(stdout.contains("(after 3 tries)"), "{stdout}\n{stderr}");
    assert!(stdout.contains("0 still waiting"), "{stdout}");
    assert!(stderr.contains("try 2 of 5"), "{stderr}");
    assert!(proxy.stats().dropped >= 2, "{:?}", proxy.stats());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_enrolment_says_what_to_do_and_not_that_changes_wait() {
    let hq = start_hq(HqSettings::default()).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(&run(dir, &["init", "--officer", "PC4127", "--insecure-fast-kdf"]).await);
    // A code HQ never gave.
    let out = run(
        dir,
        &["enrol", "--hq", &hq.url(), "--code", "AAAA-BBBB-CCCC"],
    )
    .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("HQ refused to enrol this tablet"),
        "{stderr}"
    );
    assert!(stderr.contains("ask HQ for a new one"), "{stderr}");
    assert!(
        !stderr.contains("trying again"),
        "a refusal is not retried: {stderr}"
    );
    // Nobody listening: said as a set-up failure, after a few tries.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let code = hq.enrolment_code().await;
    let out = run(dir, &["enrol", "--hq", &dead, "--code", &code]).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not enrolled with HQ yet"), "{stderr}");
    assert!(stderr.contains("same code"), "{stderr}");
    assert!(!stderr.contains("wait on this device"), "{stderr}");
}
