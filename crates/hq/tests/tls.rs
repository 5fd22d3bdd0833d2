//! HQ's transport, served for real on 127.0.0.1: HTTPS with a certificate authority made at run
//! time (the client trusts that authority only), HSTS on every answer, plain HTTP refused off
//! loopback unless told otherwise, and connections that trickle or stall closed.

#[allow(unused_macros, unused_imports)]
mod support;

use beatbook_hq::certs::LocalCa;
use beatbook_hq::serve::{check_transport, Transport};
use beatbook_hq::settings::TlsSettings;
use beatbook_hq::{HqSettings, HqState};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use support::Db;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// HQ's certificate for localhost and 127.0.0.1 from a new authority, written where `[tls]`
/// finds it; the authority is returned for the client to trust.
fn tls_files(dir: &Path) -> (LocalCa, TlsSettings) {
    let ca = LocalCa::new("Test Beatbook HQ authority").unwrap();
    let issued = ca.issue(&["localhost", "127.0.0.1"], 30).unwrap();
    let cert_file = dir.join("hq-chain.pem");
    let key_file = dir.join("hq-key.pem");
    std::fs::write(&cert_file, &issued.chain_pem).unwrap();
    std::fs::write(&key_file, &issued.key_pem).unwrap();
    let tls = TlsSettings {
        cert_file: Some(cert_file),
        key_file: Some(key_file),
        ..TlsSettings::default()
    };
    (ca, tls)
}

/// HQ served on `listener` with these settings, on a fresh SQLite store in `dir`.
async fn serve(dir: &Path, listener: TcpListener, settings: HqSettings) -> std::io::Result<()> {
    let storage = Db::Sqlite(dir.join("hq.db")).open().await;
    beatbook_hq::serve(listener, HqState::new(storage, Arc::new(settings))).await
}

/// HQ served on a free port of 127.0.0.1, in the background.
async fn start(dir: &Path, settings: HqSettings) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let dir = dir.to_owned();
    tokio::spawn(async move { serve(&dir, listener, settings).await.unwrap() });
    addr
}

/// A client that trusts `ca` and nothing else.
fn client_trusting(ca: &LocalCa) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca.cert_pem().as_bytes()).unwrap())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_serves_https_with_hsts_on_every_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, tls) = tls_files(dir.path());
    let addr = start(
        dir.path(),
        HqSettings {
            tls,
            ..HqSettings::default()
        },
    )
    .await;
    let client = client_trusting(&ca);

    for name in ["127.0.0.1", "localhost"] {
        let health = client
            .get(format!("https://{name}:{}/api/v1/health", addr.port()))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        assert_eq!(
            health.headers()["strict-transport-security"],
            "max-age=31536000"
        );
    }
    // Refusals and unknown paths too.
    for path in ["/api/v1/sync/pull", "/api/v1/no-such-thing"] {
        let answer = client
            .get(format!("https://127.0.0.1:{}{path}", addr.port()))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_client_error(), "{path}");
        assert_eq!(
            answer.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}"
        );
    }

    // The certificate really is checked: a client trusting another authority is refused, and
    // so is plain HTTP on HQ's TLS port.
    let other = LocalCa::new("Another authority").unwrap();
    let refused = client_trusting(&other)
        .get(format!("https://127.0.0.1:{}/api/v1/health", addr.port()))
        .send()
        .await;
    assert!(refused.is_err(), "{refused:?}");
    let plain = reqwest::get(format!("http://127.0.0.1:{}/api/v1/health", addr.port())).await;
    assert!(
        plain.is_err() || !plain.unwrap().status().is_success(),
        "plain HTTP answered on HQ's TLS port"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_is_served_on_loopback_without_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start(dir.path(), HqSettings::default()).await;
    let health = reqwest::get(format!("http://{addr}/api/v1/health"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(health.headers().get("strict-transport-security").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_off_loopback_is_refused_in_words_unless_told_insecure_http() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("0.0.0.0:0").await.unwrap();
    let refused = serve(dir.path(), listener, HqSettings::default())
        .await
        .unwrap_err()
        .to_string();
    for words in [
        "in clear",
        "passwords",
        "[tls]",
        "reverse proxy",
        "--insecure-http",
    ] {
        assert!(refused.contains(words), "{words}: {refused}");
    }

    // The same address with TLS, or told --insecure-http, is served.
    let any: SocketAddr = "0.0.0.0:8443".parse().unwrap();
    let (_, tls) = tls_files(dir.path());
    assert!(Transport::prepare(&tls, any).is_ok());
    assert!(check_transport(any, false, true).is_ok());
    assert!(check_transport("[::]:80".parse().unwrap(), false, false).is_err());
    assert!(check_transport("192.0.2.7:80".parse().unwrap(), false, false).is_err());
    assert!(check_transport("[::1]:80".parse().unwrap(), false, false).is_ok());

    let listener = TcpListener::bind("0.0.0.0:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut settings = HqSettings::default();
    settings.tls.insecure_http = true;
    let served_dir = dir.path().to_owned();
    tokio::spawn(async move { serve(&served_dir, listener, settings).await.unwrap() });
    let health = reqwest::get(format!("http://127.0.0.1:{port}/api/v1/health"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn unusable_tls_files_are_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let (_, tls) = tls_files(dir.path());
    let here: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let words = |tls: TlsSettings| Transport::prepare(&tls, here).unwrap_err();

    let e = words(TlsSettings {
        key_file: None,
        ..tls.clone()
    });
    assert!(e.contains("needs both cert_file"), "{e}");
    let e = words(TlsSettings {
        cert_file: Some(dir.path().join("missing.pem")),
        ..tls.clone()
    });
    assert!(e.contains("missing.pem"), "{e}");
    // A key that is not the certificate's.
    let stranger = LocalCa::new("Stranger")
        .unwrap()
        .issue(&["localhost"], 30)
        .unwrap();
    let other_key = dir.path().join("other-key.pem");
    std::fs::write(&other_key, stranger.key_pem).unwrap();
    let e = words(TlsSettings {
        key_file: Some(other_key),
        ..tls.clone()
    });
    assert!(e.contains("not a certificate and its private key"), "{e}");
    // An authority to pin that the chain does not carry: every tablet would refuse HQ.
    let elsewhere = dir.path().join("other-ca.pem");
    std::fs::write(&elsewhere, LocalCa::new("Elsewhere").unwrap().cert_pem()).unwrap();
    let e = words(TlsSettings {
        ca_file: Some(elsewhere),
        ..tls.clone()
    });
    assert!(e.contains("not in cert_file's chain"), "{e}");
}

/// Read until the server closes the connection; `None` if it is still open after `patience`
/// (a bound so a broken server fails the test rather than hanging it, not a timing claim).
async fn closed_by_server(
    conn: &mut (impl AsyncReadExt + Unpin),
    patience: std::time::Duration,
) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    let read_all = async {
        loop {
            match conn.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(patience, read_all).await.ok()?;
    Some(seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_trickles_its_headers_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = HqSettings::default();
    settings.connections.header_seconds = 1;
    let addr = start(dir.path(), settings).await;

    let conn = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = conn.into_split();
    writer
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: hq\r\n")
        .await
        .unwrap();
    // One byte of a header every 100 ms, for far longer than the limit, unless HQ hangs up.
    let trickle = tokio::spawn(async move {
        for _ in 0..600 {
            if writer.write_all(b"X").await.is_err() {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        false
    });
    let closed = closed_by_server(&mut reader, std::time::Duration::from_secs(60)).await;
    let answer = closed.expect("HQ kept a trickling connection open");
    // Closed without ever answering the request (hyper may say 408 first; never a 200).
    let text = String::from_utf8_lossy(&answer);
    assert!(!text.contains("200 OK"), "{text}");
    trickle.abort();

    // A well-behaved client on another connection is served as ever.
    let health = reqwest::get(format!("http://{addr}/api/v1/health"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_tls_handshake_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, tls) = tls_files(dir.path());
    let mut settings = HqSettings {
        tls,
        ..HqSettings::default()
    };
    settings.connections.handshake_seconds = 1;
    let addr = start(dir.path(), settings).await;

    // Connected, then not a byte of a ClientHello.
    let mut conn = TcpStream::connect(addr).await.unwrap();
    assert!(
        closed_by_server(&mut conn, std::time::Duration::from_secs(60))
            .await
            .is_some(),
        "HQ kept a connection with a stalled handshake open"
    );
    // Half a ClientHello: the start of a TLS record, then nothing.
    let mut conn = TcpStream::connect(addr).await.unwrap();
    conn.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .await
        .unwrap();
    assert!(
        closed_by_server(&mut conn, std::time::Duration::from_secs(60))
            .await
            .is_some(),
        "HQ kept a connection with a half handshake open"
    );

    let health = client_trusting(&ca)
        .get(format!("https://127.0.0.1:{}/api/v1/health", addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[test]
fn tls_and_connection_limits_come_from_the_settings_file_or_environment() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("hq.toml");
    std::fs::write(
        &f,
        "[tls]\ncert_file = \"/etc/hq/chain.pem\"\nkey_file = \"/etc/hq/key.pem\"\n\
         hsts_max_age_seconds = 600\n[connections]\nheader_seconds = 5\n",
    )
    .unwrap();
    let s = HqSettings::load(Some(&f)).unwrap();
    assert_eq!(
        s.tls.cert_file.as_deref(),
        Some(Path::new("/etc/hq/chain.pem"))
    );
    assert_eq!(s.tls.hsts_max_age_seconds, 600);
    assert_eq!(
        (
            s.connections.header_seconds,
            s.connections.handshake_seconds
        ),
        (5, 10)
    );
    // --insecure-http is a flag only: a settings file cannot switch it on.
    std::fs::write(&f, "[tls]\ninsecure_http = true\n").unwrap();
    let e = HqSettings::load(Some(&f)).unwrap_err();
    assert!(e.contains("insecure_http"), "{e}");
    std::fs::write(&f, "[connections]\nheader_seconds = 0\n").unwrap();
    let e = HqSettings::load(Some(&f)).unwrap_err();
    assert!(e.contains("header_seconds is 0"), "{e}");

    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    let mut c = beatbook_hq::settings::ConnectionSettings::default();
    c.overlay_env(env(&[("BEATBOOK_CONNECTIONS_HANDSHAKE_SECONDS", "3")]))
        .unwrap();
    assert_eq!(c.handshake_seconds, 3);
    let e = c
        .overlay_env(env(&[("BEATBOOK_CONNECTIONS_HEADER_SECONDS", "soon")]))
        .unwrap_err();
    assert!(e.contains("BEATBOOK_CONNECTIONS_HEADER_SECONDS"), "{e}");
    let mut t = TlsSettings::default();
    t.overlay_env(env(&[
        ("BEATBOOK_TLS_CERT_FILE", "/run/chain.pem"),
        ("BEATBOOK_TLS_KEY_FILE", "/run/key.pem"),
    ]))
    .unwrap();
    assert_eq!(t.key_file.as_deref(), Some(Path::new("/run/key.pem")));
}

/// `tls-certs --renew`: HQ's new certificate verifies to the authority tablets already pinned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_certificate_is_trusted_under_the_same_pin() {
    let dir = tempfile::tempdir().unwrap();
    let tls_dir = dir.path().join("tls");
    let names = vec!["127.0.0.1".to_owned()];
    let first = beatbook_hq::tls_certs::write(&tls_dir, "Test authority", &names, 30).unwrap();
    let pinned = std::fs::read(&first.ca_file).unwrap();
    let renewed = beatbook_hq::tls_certs::renew(&tls_dir, &names, 60).unwrap();
    assert_eq!(renewed.fingerprint, first.fingerprint);

    let settings = HqSettings {
        tls: TlsSettings {
            cert_file: Some(renewed.cert_file),
            key_file: Some(renewed.key_file),
            ..TlsSettings::default()
        },
        ..HqSettings::default()
    };
    assert_eq!(
        settings.tls.ca_fingerprint().unwrap(),
        Some(first.fingerprint)
    );
    let addr = start(dir.path(), settings).await;
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pinned).unwrap())
        .build()
        .unwrap();
    let health = client
        .get(format!("https://127.0.0.1:{}/api/v1/health", addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}
