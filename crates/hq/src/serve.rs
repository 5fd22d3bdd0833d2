//! Serving HQ on a listener: HTTPS with rustls when `[tls]` names a certificate and key, plain
//! HTTP otherwise, which HQ does only on a loopback address (or behind a reverse proxy on the same
//! machine) unless told `--insecure-http`.
//!
//! Invariants:
//! - Off loopback, HQ never serves plain HTTP by default: passwords, device secrets and tokens
//!   would cross the network in clear ([`check_transport`]).
//! - Every answer over TLS carries `Strict-Transport-Security`.
//! - A connection holds a task only while it makes progress: a TLS handshake that stalls, or
//!   request headers that trickle (or an idle keep-alive connection that sends nothing), are
//!   closed after `[connections]`'s limits. The time a request may take once its headers are in
//!   is the request time limit's business, not this module's.
//! - Handlers see the peer's address as `ConnectInfo<SocketAddr>` (dashboard sign-in throttles by
//!   it), and every connection has TCP_NODELAY.

use crate::settings::{ConnectionSettings, TlsSettings};
use crate::HqState;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Request};
use axum::response::Response;
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How HQ speaks on its listener: TLS with the force's certificate, or plain HTTP.
#[derive(Clone)]
pub struct Transport {
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("scheme", &self.scheme())
            .finish()
    }
}

impl Transport {
    /// The transport `[tls]` asks for on `listen`, refused in words when it would be plain HTTP
    /// off loopback without `insecure_http`, or when the certificate files are unusable.
    pub fn prepare(tls: &TlsSettings, listen: SocketAddr) -> Result<Transport, String> {
        let config = server_config(tls)?;
        check_transport(listen, config.is_some(), tls.insecure_http)?;
        Ok(Transport {
            tls: config.map(|c| tokio_rustls::TlsAcceptor::from(Arc::new(c))),
        })
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }
}

/// Refuse plain HTTP on an address other machines can reach, unless told `--insecure-http`.
pub fn check_transport(listen: SocketAddr, tls: bool, insecure_http: bool) -> Result<(), String> {
    if tls || insecure_http || listen.ip().is_loopback() {
        return Ok(());
    }
    Err(format!(
        "HQ will not serve plain HTTP on {listen}: other machines can reach that address, and \
         officers' passwords, device secrets and session tokens would cross the network in clear. \
         Give HQ a certificate in the settings' [tls] section (`beatbook hq tls-certs` makes one), \
         or listen on 127.0.0.1 behind a reverse proxy on this machine that serves HTTPS. Only on \
         a network you trust completely, start it with --insecure-http."
    ))
}

/// rustls's server configuration from `[tls]`'s files, or `None` without TLS.
fn server_config(tls: &TlsSettings) -> Result<Option<rustls::ServerConfig>, String> {
    let (cert_file, key_file) =
        match (&tls.cert_file, &tls.key_file) {
            (None, None) => return Ok(None),
            (Some(c), Some(k)) => (c, k),
            _ => return Err(
                "[tls] needs both cert_file (HQ's certificate chain) and key_file (its private \
                 key), or neither for plain HTTP"
                    .into(),
            ),
        };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_file)
        .and_then(|certs| certs.collect())
        .map_err(|e| {
            format!(
                "[tls] cert_file {}: cannot read a PEM certificate chain ({e})",
                cert_file.display()
            )
        })?;
    if chain.is_empty() {
        return Err(format!(
            "[tls] cert_file {} holds no PEM certificate",
            cert_file.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key_file).map_err(|e| {
        format!(
            "[tls] key_file {}: cannot read a PEM private key ({e})",
            key_file.display()
        )
    })?;
    warn_if_key_readable_by_others(key_file);
    // The authority tablets pin must be in the chain HQ sends: a tablet checks the chain holds it.
    if let Some(pin) = tls.ca_fingerprint()? {
        if !chain
            .iter()
            .any(|c| crate::certs::fingerprint_hex(c.as_ref()) == pin)
        {
            return Err(format!(
                "[tls] the authority in ca_file is not in cert_file's chain: tablets that pin it \
                 would refuse HQ. Append the authority's certificate to {}",
                cert_file.display()
            ));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("[tls] {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            format!(
                "[tls] {} and {} are not a certificate and its private key: {e}",
                cert_file.display(),
                key_file.display()
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(config))
}

#[cfg(unix)]
fn warn_if_key_readable_by_others(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                "HQ's TLS private key can be read by other users of this machine: chmod 600 it"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_key_readable_by_others(_path: &std::path::Path) {}

/// Serve until the process ends, as `[tls]` says (see [`Transport::prepare`]).
pub async fn serve(listener: TcpListener, state: HqState) -> std::io::Result<()> {
    let transport = Transport::prepare(&state.settings.tls, listener.local_addr()?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    serve_with(listener, state, transport).await
}

/// Serve until the process ends on a transport already prepared.
pub async fn serve_with(
    listener: TcpListener,
    state: HqState,
    transport: Transport,
) -> std::io::Result<()> {
    state.facts.warm(state.storage.clone());
    // Finish any erasure a cut left, then sweep on the force's schedule (safe with several HQ
    // processes: storage claims the work in transactions).
    let sweep = crate::retention::spawn_schedule(state.clone());
    let connections = state.settings.connections.clone();
    let mut app = crate::router(state.clone());
    if transport.tls.is_some() {
        let hsts = HeaderValue::from_str(&format!(
            "max-age={}",
            state.settings.tls.hsts_max_age_seconds
        ))
        .expect("a number is a header value");
        app = app.layer(axum::middleware::map_response(move |mut res: Response| {
            let hsts = hsts.clone();
            async move {
                res.headers_mut()
                    .insert(header::STRICT_TRANSPORT_SECURITY, hsts);
                res
            }
        }));
    }
    let served = accept_loop(listener, app, transport, connections).await;
    sweep.abort();
    served
}

async fn accept_loop(
    listener: TcpListener,
    app: axum::Router,
    transport: Transport,
    limits: ConnectionSettings,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(limits.header_seconds));
    let handshake = Duration::from_secs(limits.handshake_seconds);
    // The connections belong to this loop: when serving stops (the task is aborted, or the
    // future dropped), every open connection ends with it, kept-alive ones included.
    let mut open = tokio::task::JoinSet::new();
    loop {
        while open.try_join_next().is_some() {}
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                if !is_connection_error(&e) {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::error!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                continue;
            }
        };
        // Without TCP_NODELAY, the last small segment of an answer can wait for the device's
        // delayed acknowledgement (Nagle's algorithm): a stall of about 40 ms, seen on pull pages.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "could not set TCP_NODELAY on a connection");
        }
        let app = app.clone();
        let http = http.clone();
        let tls = transport.tls.clone();
        open.spawn(async move {
            match tls {
                None => serve_connection(&http, tcp, peer, app).await,
                Some(acceptor) => match tokio::time::timeout(handshake, acceptor.accept(tcp)).await
                {
                    Ok(Ok(stream)) => serve_connection(&http, stream, peer, app).await,
                    Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!(%peer, "TLS handshake too slow: connection closed"),
                },
            }
        });
    }
}

/// One connection's requests, each told the peer's address.
async fn serve_connection<I>(
    http: &hyper::server::conn::http1::Builder,
    io: I,
    peer: SocketAddr,
    app: axum::Router,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = app.map_request(move |mut req: Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        req
    });
    let service = hyper_util::service::TowerToHyperService::new(service);
    if let Err(e) = http.serve_connection(TokioIo::new(io), service).await {
        // Header timeouts, resets and half-sent requests: the client's trouble, not HQ's.
        tracing::debug!(%peer, error = %e, "connection ended");
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}
