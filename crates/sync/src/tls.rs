//! The tablet's TLS: which HQ addresses it talks to at all, which certificates it trusts, and a
//! refused certificate in words.
//!
//! - Plain `http://` only to this machine (`localhost`, `127.0.0.0/8`, `::1`): anywhere else the
//!   officer's password, the device secret and the tokens would cross the network in clear, so
//!   the address is refused before any connection is made.
//! - A tablet enrolled with a code that carries a pin (see
//!   [`beatbook_domain::enrolment_code`]) trusts one authority only: HQ's chain must hold a
//!   certificate whose SHA-256 matches the pin, and HQ's own certificate must verify to it (as
//!   the only trust anchor, with webpki) for HQ's host name. The public authorities count for
//!   nothing then: a certificate for HQ's name from any other authority is refused.
//! - Without a pin (an HQ behind a reverse proxy with a public certificate), the public
//!   authorities (webpki roots), as any browser.
//! - A refused certificate is not a passing fault: it is not retried as one, and its words say
//!   what happened and what to do.

use crate::SyncError;
use beatbook_domain::enrolment_code::CaPin;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Refuse an HQ address the tablet must not use: not http(s), or plain `http://` to anything
/// but this machine. Checked before any connection is made.
pub fn check_hq_url(hq_url: &str) -> Result<(), SyncError> {
    let shown = hq_url.trim();
    let url = reqwest::Url::parse(shown).map_err(|_| {
        SyncError::InsecureAddress(format!(
            "The address \"{shown}\" is not a web address: HQ's address looks like https://hq.example.police.uk"
        ))
    })?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if url.host_str().is_some_and(is_loopback) => Ok(()),
        "http" => Err(SyncError::InsecureAddress(format!(
            "The address {shown} is plain http://, which would send passwords, this device's secret and its \
             records across the network unprotected, so the tablet will not use it. Use HQ's \
             https:// address (plain http:// only reaches HQ on this same machine)"
        ))),
        _ => Err(SyncError::InsecureAddress(format!(
            "The address \"{shown}\" is not a web address: HQ's address starts with https://"
        ))),
    }
}

/// `localhost`, `127.0.0.0/8` or `::1` (a host as a URL gives it: IPv6 in brackets).
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The TLS set-up of a tablet that pinned HQ's authority: that authority is the only trust
/// anchor.
pub(crate) fn pinned_config(pin: CaPin) -> Result<rustls::ClientConfig, SyncError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| SyncError::Protocol(format!("TLS set-up: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedAuthority { pin, provider }))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Trusts HQ's certificate only when it verifies to the pinned authority's, which HQ's chain
/// must carry.
#[derive(Debug)]
pub(crate) struct PinnedAuthority {
    pin: CaPin,
    provider: Arc<CryptoProvider>,
}

/// HQ's chain holds no certificate that matches the pin.
#[derive(Debug)]
struct NotThePinnedAuthority;

impl std::fmt::Display for NotThePinnedAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no certificate in HQ's chain matches the pinned authority")
    }
}

impl std::error::Error for NotThePinnedAuthority {}

impl ServerCertVerifier for PinnedAuthority {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // HQ's own certificate counts too: a self-signed one pinned directly.
        let pinned = std::iter::once(end_entity)
            .chain(intermediates)
            .find(|c| self.pin.matches(&Sha256::digest(&c[..]).into()))
            .ok_or_else(|| {
                rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(
                    NotThePinnedAuthority,
                ))))
            })?;
        let mut roots = RootCertStore::empty();
        roots.add(pinned.clone().into_owned())?;
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
            .build()
            .map_err(|e| rustls::Error::General(format!("the pinned authority: {e}")))?
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The words for a request that failed because HQ's certificate was refused, if it did.
pub(crate) fn certificate_refusal(e: &(dyn std::error::Error + 'static)) -> Option<SyncError> {
    let cert = certificate_error(e)?;
    let pinned_mismatch = matches!(&cert, CertificateError::Other(o)
        if o.0.downcast_ref::<NotThePinnedAuthority>().is_some());
    let unknown = matches!(cert, CertificateError::UnknownIssuer);
    let words = if pinned_mismatch {
        "HQ's certificate is not the one this tablet was enrolled with, so nothing was sent. \
         A network that intercepts connections (a hotel or public Wi-Fi sign-in page) does this: \
         try another network. If it goes on, tell HQ: the tablet may need enrolling again with \
         a new code"
            .to_owned()
    } else if unknown {
        "HQ's certificate is not from an authority this tablet trusts, so nothing was sent. If \
         HQ serves its own certificate, enrol with the full code from HQ (39 characters, or its \
         QR code): it tells the tablet which certificate to trust"
            .to_owned()
    } else {
        format!(
            "HQ's certificate is not valid ({}), so nothing was sent. Tell HQ",
            certificate_words(&cert)
        )
    };
    Some(SyncError::Certificate(words))
}

/// What is wrong with a certificate, in words.
fn certificate_words(e: &CertificateError) -> &'static str {
    match e {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => "it has expired",
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "it is not valid yet: check the tablet's date"
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "it is for another address than the one this tablet uses"
        }
        CertificateError::Revoked => "it has been revoked",
        CertificateError::UnknownIssuer => "it is not from the authority this tablet trusts",
        _ => "it does not verify",
    }
}

/// The certificate error somewhere in a request error's chain. An `io::Error`'s `source()` skips
/// the error it wraps (and the connector wraps one `io::Error` in another), so the wrapped error
/// is followed instead.
fn certificate_error(e: &(dyn std::error::Error + 'static)) -> Option<CertificateError> {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(rustls::Error::InvalidCertificate(cert)) = c.downcast_ref::<rustls::Error>() {
            return Some(cert.clone());
        }
        cause = match c
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => c.source(),
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_except_to_this_machine() {
        for ok in [
            "http://localhost:8080",
            "http://127.0.0.1:8080/",
            "http://127.3.2.1",
            "http://[::1]:8080",
            "https://hq.example",
            "https://10.1.2.3:8443",
        ] {
            assert!(check_hq_url(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://10.1.2.3:8080",
            "http://hq.example",
            "http://localhost.hq.example",
            "http://[::2]:80",
            "ftp://hq.example",
            "hq.example",
        ] {
            let e = check_hq_url(refused).unwrap_err();
            assert!(
                matches!(e, SyncError::InsecureAddress(_)),
                "{refused}: {e:?}"
            );
            assert!(!e.is_transient());
        }
        let words = check_hq_url("http://hq.example").unwrap_err().to_string();
        assert!(words.contains("https://"), "{words}");
        assert!(words.contains("passwords"), "{words}");
    }

    struct Ca {
        cert: rcgen::Certificate,
        key: rcgen::KeyPair,
    }

    fn ca(name: &str) -> Ca {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Ca { cert, key }
    }

    fn issue(ca: &Ca, names: &[&str]) -> CertificateDer<'static> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let params = rcgen::CertificateParams::new(names).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &ca.cert, &ca.key).unwrap();
        cert.der().clone()
    }

    fn pin_of(ca: &Ca) -> CaPin {
        CaPin::of_sha256(&Sha256::digest(ca.cert.der()).into())
    }

    fn verify(
        pin: CaPin,
        leaf: &CertificateDer<'_>,
        chain: &[CertificateDer<'_>],
        host: &str,
    ) -> Result<(), rustls::Error> {
        let verifier = PinnedAuthority {
            pin,
            provider: Arc::new(rustls::crypto::ring::default_provider()),
        };
        verifier
            .verify_server_cert(
                leaf,
                chain,
                &ServerName::try_from(host.to_owned()).unwrap(),
                &[],
                UnixTime::now(),
            )
            .map(|_| ())
    }

    #[test]
    fn a_chain_to_the_pinned_authority_verifies_for_its_names() {
        let hq_ca = ca("HQ CA");
        let leaf = issue(&hq_ca, &["localhost", "127.0.0.1"]);
        let chain = [hq_ca.cert.der().clone()];
        verify(pin_of(&hq_ca), &leaf, &chain, "localhost").unwrap();
        verify(pin_of(&hq_ca), &leaf, &chain, "127.0.0.1").unwrap();
        // The pinned authority's certificate, but for another name: refused.
        let e = verify(pin_of(&hq_ca), &leaf, &chain, "hq.example").unwrap_err();
        assert!(
            matches!(e, rustls::Error::InvalidCertificate(ref c) if certificate_words(c).contains("another address")),
            "{e:?}"
        );
    }

    #[test]
    fn another_authority_is_refused_even_with_a_valid_chain() {
        let hq_ca = ca("HQ CA");
        let other = ca("Someone else's CA");
        let leaf = issue(&other, &["localhost"]);
        let e = verify(
            pin_of(&hq_ca),
            &leaf,
            &[other.cert.der().clone()],
            "localhost",
        )
        .unwrap_err();
        let words = certificate_refusal(&e).unwrap().to_string();
        assert!(
            words.contains("not the one this tablet was enrolled with"),
            "{words}"
        );
        // The pinned authority's certificate sent along, but HQ's own signed by another: refused.
        let e = verify(
            pin_of(&hq_ca),
            &leaf,
            &[hq_ca.cert.der().clone(), other.cert.der().clone()],
            "localhost",
        )
        .unwrap_err();
        assert!(matches!(e, rustls::Error::InvalidCertificate(_)), "{e:?}");
    }

    #[test]
    fn a_refused_certificate_is_found_inside_an_io_error_and_is_not_transient() {
        // As the connector gives it: an io::Error inside an io::Error.
        let e = std::io::Error::other(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        ));
        let err = certificate_refusal(&e).unwrap();
        assert!(matches!(err, SyncError::Certificate(_)), "{err:?}");
        assert!(!err.is_transient());
        assert!(err.to_string().contains("full code from HQ"), "{err}");
        let plain = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(certificate_refusal(&plain).is_none());
    }
}
