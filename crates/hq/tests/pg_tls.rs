//! TLS to PostgreSQL, chosen in the URL as libpq's clients choose it (`sslmode`,
//! `sslrootcert`). The test server has `ssl=on` with Debian's self-signed "snakeoil" certificate;
//! to see `verify-full` succeed without changing the server, a small proxy here answers the
//! client's SSLRequest, speaks TLS with a certificate from a test authority made at run time,
//! and forwards the plain stream to the server. Skipped like the other PostgreSQL tests
//! (`BEATBOOK_SKIP_POSTGRES=1`).

// Only the PostgreSQL helpers of the harness: no stories here.
#[allow(unused_macros, unused_imports)]
mod support;

use beatbook_hq::certs::LocalCa;
use beatbook_hq::storage::postgres::PostgresStorage;
use beatbook_hq::storage::prelude::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use support::{pg_client, pg_url, postgres_available};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// PostgreSQL's SSLRequest: length 8, then the code 1234.5679.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// The test server's `host:port` (from its URL).
fn server_addr() -> String {
    let url = pg_url();
    let after = url.split_once('@').map_or(url.as_str(), |(_, h)| h);
    let host_port = after.split('/').next().unwrap();
    if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    }
}

/// A TLS-terminating proxy in front of the test server, serving `names` from `ca`.
async fn tls_proxy(ca: &LocalCa, names: &[&str]) -> SocketAddr {
    let issued = ca.issue(names, 1).unwrap();
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(issued.chain_pem.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_slice(issued.key_pem.as_bytes()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = server_addr();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let mut first = [0u8; 8];
                if client.read_exact(&mut first).await.is_err() || first != SSL_REQUEST {
                    return;
                }
                if client.write_all(b"S").await.is_err() {
                    return;
                }
                let Ok(mut tls) = acceptor.accept(client).await else {
                    return;
                };
                let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
            });
        }
    });
    addr
}

/// A URL to the test database through `addr` (host `host`), in a fresh schema, with `params`.
fn url_via(host: &str, addr: SocketAddr, schema: &str, params: &str) -> String {
    let url = pg_url();
    let (scheme_user, rest) = url.split_once('@').unwrap();
    let db = rest.split_once('/').map_or("test", |(_, d)| d);
    let db = db.split('?').next().unwrap();
    format!(
        "{scheme_user}@{host}:{}/{db}?schema={schema}&{params}",
        addr.port()
    )
}

fn server_url(schema: &str, params: &str) -> String {
    let addr: SocketAddr = server_addr()
        .parse()
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 5432)));
    url_via(&addr.ip().to_string(), addr, schema, params)
}

/// Whether the server sees a connection of application `app` over TLS.
async fn over_tls(app: &str) -> bool {
    pg_client(&pg_url())
        .await
        .query_one(
            "SELECT coalesce(bool_and(s.ssl), false) FROM pg_stat_activity a
             JOIN pg_stat_ssl s USING (pid) WHERE a.application_name = $1",
            &[&app],
        )
        .await
        .unwrap()
        .get(0)
}

fn pem_file(dir: &Path, name: &str, pem: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, pem).unwrap();
    path.display().to_string()
}

async fn connect(url: &str) -> Result<PostgresStorage, String> {
    PostgresStorage::connect(url).await.map_err(|e| {
        let mut shown = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            shown.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        shown
    })
}

async fn story(schema: String) {
    let dir = tempfile::tempdir().unwrap();
    let ca = LocalCa::new("Beatbook test database CA").unwrap();
    let ca_file = pem_file(dir.path(), "ca.pem", &ca.cert_pem());

    // `require`: encrypted (the server's certificate is not checked, as libpq).
    let s = connect(&server_url(
        &schema,
        "sslmode=require&application_name=hq_require",
    ))
    .await
    .unwrap();
    assert_eq!(s.head().await.unwrap(), 0);
    assert!(over_tls("hq_require").await);
    // `disable`: plain, and said so by the server.
    let s = connect(&server_url(
        &schema,
        "sslmode=disable&application_name=hq_plain",
    ))
    .await
    .unwrap();
    assert_eq!(s.head().await.unwrap(), 0);
    assert!(!over_tls("hq_plain").await);
    // The default is `prefer`: TLS when the server offers it, as this one does.
    let s = connect(&server_url(&schema, "application_name=hq_prefer"))
        .await
        .unwrap();
    assert_eq!(s.head().await.unwrap(), 0);
    assert!(over_tls("hq_prefer").await);

    // `verify-full` refuses the server's self-signed certificate: it is not from the authority
    // HQ was told to trust...
    let e = connect(&server_url(
        &schema,
        &format!("sslmode=verify-full&sslrootcert={ca_file}"),
    ))
    .await
    .err()
    .unwrap();
    assert!(e.to_lowercase().contains("certificate"), "{e}");
    // ...and, trusted as its own authority, it does not name 127.0.0.1.
    let snakeoil = Path::new("/etc/ssl/certs/ssl-cert-snakeoil.pem");
    if snakeoil.exists() {
        let e = connect(&server_url(
            &schema,
            &format!("sslmode=verify-full&sslrootcert={}", snakeoil.display()),
        ))
        .await
        .err()
        .unwrap();
        assert!(e.to_lowercase().contains("certificate"), "{e}");
    }

    // Through the proxy, with a certificate from the authority for 127.0.0.1 and localhost:
    // `verify-full` connects, by address and by name.
    let proxy = tls_proxy(&ca, &["localhost", "127.0.0.1"]).await;
    for host in ["127.0.0.1", "localhost"] {
        let url = url_via(
            host,
            proxy,
            &schema,
            &format!("sslmode=verify-full&sslrootcert={ca_file}"),
        );
        let s = connect(&url).await.unwrap();
        assert_eq!(s.head().await.unwrap(), 0);
    }
    // A certificate from the authority for another name: `verify-ca` takes it (the chain is
    // all it checks), `verify-full` does not.
    let elsewhere = tls_proxy(&ca, &["db.elsewhere.example"]).await;
    let s = connect(&url_via(
        "127.0.0.1",
        elsewhere,
        &schema,
        &format!("sslmode=verify-ca&sslrootcert={ca_file}"),
    ))
    .await
    .unwrap();
    assert_eq!(s.head().await.unwrap(), 0);
    let e = connect(&url_via(
        "127.0.0.1",
        elsewhere,
        &schema,
        &format!("sslmode=verify-full&sslrootcert={ca_file}"),
    ))
    .await
    .err()
    .unwrap();
    assert!(e.to_lowercase().contains("certificate"), "{e}");
    // `require` with `sslrootcert` checks the chain, as libpq does: another authority is refused.
    let other = LocalCa::new("Someone else's CA").unwrap();
    let other_file = pem_file(dir.path(), "other.pem", &other.cert_pem());
    let e = connect(&url_via(
        "127.0.0.1",
        proxy,
        &schema,
        &format!("sslmode=require&sslrootcert={other_file}"),
    ))
    .await
    .err()
    .unwrap();
    assert!(e.to_lowercase().contains("certificate"), "{e}");

    // Mistakes in the URL are refused in words, before any connection.
    let e = connect(&server_url(&schema, "sslmode=verify-full"))
        .await
        .err()
        .unwrap();
    assert!(e.contains("need sslrootcert"), "{e}");
    let e = connect(&server_url(&schema, "sslmode=allow"))
        .await
        .err()
        .unwrap();
    assert!(
        e.contains("use disable, prefer, require, verify-ca or verify-full"),
        "{e}"
    );
    let e = connect(&server_url(
        &schema,
        &format!(
            "sslmode=verify-ca&sslrootcert={}",
            dir.path().join("missing.pem").display()
        ),
    ))
    .await
    .err()
    .unwrap();
    assert!(e.contains("missing.pem"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_tls_is_chosen_in_the_url_and_verified_as_libpq_does() {
    if !postgres_available().await {
        return;
    }
    let schema = format!("t_{:016x}", rand::random::<u64>());
    let outcome = tokio::spawn(story(schema.clone())).await;
    pg_client(&pg_url())
        .await
        .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .await
        .unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
