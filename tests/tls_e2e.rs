//! The tablet over TLS, end to end: `beatbook hq serve` with `[tls]` (a certificate authority
//! made here, at run time, with `beatbook_hq::certs::LocalCa`), and devices through the real
//! sync engine and the real `beatbook device` binary.
//!
//! - The enrolment code HQ prints carries the pin of its authority; a tablet enrolled with it
//!   signs in and syncs over TLS, and keeps the pin in its encrypted store.
//! - A tablet refuses HQ when its certificate comes from another authority: at enrolment, and
//!   after it (HQ restarted with another authority's certificate), in words, not as a passing
//!   fault, and nothing is sent.
//! - Without a pin a certificate from HQ's own authority is not trusted either (the public
//!   authorities only).
//! - Plain `http://` to another machine is refused before any connection.

mod support;

use beatbook_hq::certs::LocalCa;
use beatbook_sync::SyncError;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use support::{device_at, DEMO_PASSWORD, PIN};

fn beatbook() -> Command {
    Command::new(env!("CARGO_BIN_EXE_beatbook"))
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

/// HQ's files: its database and a settings file whose `[tls]` names a certificate from `ca`.
struct HqFiles {
    dir: tempfile::TempDir,
}

impl HqFiles {
    fn new() -> HqFiles {
        let files = HqFiles {
            dir: tempfile::tempdir().unwrap(),
        };
        ok(files
            .hq()
            .args(["admin", "seed-demo", "--no-activity"])
            .env("BEATBOOK_DEMO_PASSWORD", DEMO_PASSWORD)
            .output()
            .unwrap());
        files
    }

    fn db(&self) -> String {
        format!("sqlite:{}", self.dir.path().join("hq.db").display())
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("hq.toml")
    }

    /// `beatbook hq` on this database and settings file.
    fn hq(&self) -> Command {
        let mut c = beatbook();
        c.args(["hq", "--db", &self.db()]);
        if self.config().exists() {
            c.arg("--config").arg(self.config());
        }
        c
    }

    /// Serve TLS with a certificate for localhost and 127.0.0.1 from `ca`.
    fn use_ca(&self, ca: &LocalCa, tag: &str) {
        let issued = ca.issue(&["localhost", "127.0.0.1"], 30).unwrap();
        let chain = self.dir.path().join(format!("{tag}-chain.pem"));
        let key = self.dir.path().join(format!("{tag}-key.pem"));
        std::fs::write(&chain, issued.chain_pem).unwrap();
        std::fs::write(&key, issued.key_pem).unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        std::fs::write(
            self.config(),
            format!(
                "[tls]\ncert_file = {:?}\nkey_file = {:?}\n",
                chain.display().to_string(),
                key.display().to_string()
            ),
        )
        .unwrap();
    }

    /// A new enrolment code, as HQ prints it.
    fn code(&self) -> String {
        ok(self
            .hq()
            .args(["admin", "enrolment-code", "--hours", "1"])
            .output()
            .unwrap())
        .trim()
        .to_owned()
    }

    /// `beatbook hq serve` on `port` (0: any), until dropped.
    fn serve(&self, port: u16) -> HqProcess {
        let mut child = self
            .hq()
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start HQ");
        // The line that says where HQ listens (warnings may come first).
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let url = loop {
            line.clear();
            assert!(
                out.read_line(&mut line).unwrap() > 0,
                "HQ did not say where it listens"
            );
            if let Some(url) = line
                .split_whitespace()
                .find(|w| w.starts_with("https://") || w.starts_with("http://"))
            {
                break url.trim_end_matches(['.', ',', ')']).to_owned();
            }
        };
        assert!(
            url.starts_with("https://"),
            "HQ is not serving TLS: {line:?}"
        );
        HqProcess { child, url }
    }
}

struct HqProcess {
    child: Child,
    url: String,
}

impl HqProcess {
    fn port(&self) -> u16 {
        self.url
            .rsplit(':')
            .next()
            .unwrap()
            .trim_end_matches('/')
            .parse()
            .unwrap()
    }
}

impl Drop for HqProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pending(device: &support::Device) -> u64 {
    device.store.lock().unwrap().pending_count().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tablet_enrols_signs_in_and_syncs_over_tls_with_the_pinned_authority() {
    let files = HqFiles::new();
    let ca = LocalCa::new("Test HQ CA").unwrap();
    files.use_ca(&ca, "hq");
    let code = files.code();
    assert_eq!(
        code.chars().filter(char::is_ascii_alphanumeric).count(),
        39,
        "HQ serving TLS prints a code with its authority's pin: {code}"
    );
    let hq = files.serve(0);

    let device = device_at(&hq.url, &code, "PC4127").await;
    let meta = device.store.lock().unwrap().sync_meta().unwrap();
    let pin = meta.hq_ca_pin.expect("the pin is kept in the store");
    assert_eq!(pin.to_hex(), ca.fingerprint_hex()[..32]);

    device.add_concern("Street drinking by the station", 51.5392, -0.1426);
    let report = device.sync().await.unwrap();
    assert_eq!((report.pushed, report.acked), (1, 1), "{report:?}");
    assert_eq!(pending(&device), 0);

    // The headless device does the same through `beatbook device`, with its own code.
    let dir = tempfile::tempdir().unwrap();
    let device_cli = |args: &[&str]| {
        beatbook()
            .arg("device")
            .arg("--data")
            .arg(dir.path())
            .args(args)
            .env("BEATBOOK_PIN", PIN)
            .env("BEATBOOK_PASSWORD", DEMO_PASSWORD)
            .output()
            .unwrap()
    };
    let code = files.code();
    let said = ok(device_cli(&[
        "enrol",
        "--hq",
        &hq.url,
        "--code",
        &code.to_lowercase(),
        "--collar",
        "PC2290",
        "--insecure-fast-kdf",
    ]));
    assert!(said.contains("signed in"), "{said}");
    let said = ok(device_cli(&["sync"]));
    assert!(said.contains("received"), "{said}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tablet_refuses_hq_with_a_certificate_from_another_authority() {
    let files = HqFiles::new();
    let ca = LocalCa::new("Test HQ CA").unwrap();
    let other = LocalCa::new("Someone else's CA").unwrap();
    files.use_ca(&ca, "hq");
    let right = files.code();

    // Enrolment itself checks: a code pinning HQ's authority, HQ presenting another's.
    files.use_ca(&other, "other");
    let hq = files.serve(0);
    let store_dir = tempfile::tempdir().unwrap();
    let store = beatbook_store::Store::init(
        store_dir.path(),
        PIN,
        beatbook_store::InitSettings {
            officer: beatbook_domain::OfficerId::new(beatbook_store::UNENROLLED),
            kdf: beatbook_store::KdfSettings::INSECURE_FAST,
            areas: vec![],
        },
    )
    .unwrap();
    let engine = beatbook_sync::SyncEngine::new(std::sync::Arc::new(std::sync::Mutex::new(store)));
    let e = engine
        .enrol(&hq.url, &right, "tablet")
        .await
        .expect_err("another authority's certificate must be refused");
    assert!(matches!(e, SyncError::Certificate(_)), "{e:?}");
    assert!(!e.is_transient(), "not a passing fault: {e:?}");
    assert!(
        e.to_string()
            .contains("HQ's certificate is not the one this tablet was enrolled with"),
        "{e}"
    );
    assert!(!engine.status().await.unwrap().enrolled);
    let port = hq.port();
    drop(hq);

    // Enrolled with the pin, then HQ (or someone in the middle) presents another authority's
    // certificate for the same address: the tablet refuses, sends nothing, and says why.
    files.use_ca(&ca, "hq");
    let hq = files.serve(port);
    let device = device_at(&hq.url, &right, "PC4127").await;
    drop(hq);
    files.use_ca(&other, "other");
    let _impostor = files.serve(port);
    device.add_concern("Broken street light", 51.5392, -0.1426);
    let e = device.sync().await.expect_err("refused");
    assert!(matches!(e, SyncError::Certificate(_)), "{e:?}");
    assert!(!e.is_transient(), "{e:?}");
    assert!(
        e.to_string()
            .contains("HQ's certificate is not the one this tablet was enrolled with"),
        "{e}"
    );
    assert_eq!(pending(&device), 1, "nothing was sent");
    let status = device.engine.status().await.unwrap();
    assert!(
        status
            .last_error
            .as_deref()
            .is_some_and(|w| w.contains("not the one this tablet was enrolled with")),
        "{status:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_pin_hqs_own_authority_is_not_trusted() {
    let files = HqFiles::new();
    let ca = LocalCa::new("Test HQ CA").unwrap();
    files.use_ca(&ca, "hq");
    let full = files.code();
    // The one-time code alone, as for an HQ behind a proxy with a public certificate.
    let bare: String = full
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    let hq = files.serve(0);
    let store_dir = tempfile::tempdir().unwrap();
    let store = beatbook_store::Store::init(
        store_dir.path(),
        PIN,
        beatbook_store::InitSettings {
            officer: beatbook_domain::OfficerId::new(beatbook_store::UNENROLLED),
            kdf: beatbook_store::KdfSettings::INSECURE_FAST,
            areas: vec![],
        },
    )
    .unwrap();
    let engine = beatbook_sync::SyncEngine::new(std::sync::Arc::new(std::sync::Mutex::new(store)));
    let e = engine.enrol(&hq.url, &bare, "tablet").await.unwrap_err();
    assert!(matches!(e, SyncError::Certificate(_)), "{e:?}");
    assert!(e.to_string().contains("full code from HQ"), "{e}");
    // The full code still works: the refusal used nothing up.
    engine.enrol(&hq.url, &full, "tablet").await.unwrap();
}

#[test]
fn plain_http_to_another_machine_is_refused_before_any_connection() {
    let files = HqFiles::new();
    let code = files.code();
    for hq in ["http://10.1.2.3:8080", "http://hq.example"] {
        let dir = tempfile::tempdir().unwrap();
        let out = beatbook()
            .arg("device")
            .arg("--data")
            .arg(dir.path())
            .args([
                "enrol",
                "--hq",
                hq,
                "--code",
                &code,
                "--collar",
                "PC4127",
                "--insecure-fast-kdf",
            ])
            .env("BEATBOOK_PIN", PIN)
            .env("BEATBOOK_PASSWORD", DEMO_PASSWORD)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{hq} was accepted");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("plain http://"), "{hq}: {said}");
        assert!(said.contains("https://"), "{hq}: {said}");
        assert!(
            !beatbook_store::Store::exists(dir.path()),
            "nothing is set up for a refused address"
        );
    }
}
