//! A certificate authority of HQ's own, and certificates it signs for HQ's addresses: what
//! `beatbook hq tls-certs` writes for a force without a PKI of its own (and for the demo), and
//! what the tests make at run time. A tablet pins the authority by its fingerprint, which the
//! enrolment code carries.

use sha2::{Digest, Sha256};

/// A certificate authority: its certificate (PEM and DER) and its signing key.
pub struct LocalCa {
    cert: rcgen::Certificate,
    key: rcgen::KeyPair,
}

/// A server certificate issued by a [`LocalCa`]: the chain HQ sends (its own certificate, then
/// the authority's, so a tablet that pinned the authority finds it) and the private key.
pub struct IssuedCert {
    /// The server certificate followed by the authority's, PEM.
    pub chain_pem: String,
    /// The server's private key, PKCS#8 PEM.
    pub key_pem: String,
}

impl std::fmt::Debug for IssuedCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCert")
            .field("chain_pem", &self.chain_pem)
            .field("key_pem", &"[secret]")
            .finish()
    }
}

impl LocalCa {
    /// A new authority named `name` (e.g. "Metropolitan Police Beatbook HQ CA").
    pub fn new(name: &str) -> Result<LocalCa, rcgen::Error> {
        LocalCa::with_key(name, rcgen::KeyPair::generate()?)
    }

    /// The authority named `name` whose key is `key_pem` (from [`LocalCa::key_pem`]), to sign
    /// with again: certificates it issues verify to the authority first made with that name and
    /// key, whose certificate tablets pinned (its own certificate here is made anew, so send the
    /// original in chains, not [`LocalCa::cert_pem`]).
    pub fn from_key(name: &str, key_pem: &str) -> Result<LocalCa, rcgen::Error> {
        LocalCa::with_key(name, rcgen::KeyPair::from_pem(key_pem)?)
    }

    fn with_key(name: &str, key: rcgen::KeyPair) -> Result<LocalCa, rcgen::Error> {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let (y, mo, d) = ymd(-1);
        params.not_before = rcgen::date_time_ymd(y, mo, d);
        let (y, mo, d) = ymd(3650);
        params.not_after = rcgen::date_time_ymd(y, mo, d);
        let cert = params.self_signed(&key)?;
        Ok(LocalCa { cert, key })
    }

    /// The authority's certificate, PEM (what a reverse proxy or a browser is told to trust).
    pub fn cert_pem(&self) -> String {
        self.cert.pem()
    }

    /// The authority's certificate, DER.
    pub fn cert_der(&self) -> Vec<u8> {
        self.cert.der().to_vec()
    }

    /// The authority's private key, PKCS#8 PEM: what renewing HQ's certificate under the same
    /// pin needs (`beatbook hq tls-certs --renew`). Keep it away from HQ.
    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// SHA-256 of the authority's certificate (DER), lowercase hex: what a tablet pins.
    pub fn fingerprint_hex(&self) -> String {
        hex::encode(Sha256::digest(self.cert.der()))
    }

    /// A server certificate for `names` (DNS names, or IP addresses such as `127.0.0.1`), valid
    /// for `days` days from yesterday.
    pub fn issue(&self, names: &[&str], days: i64) -> Result<IssuedCert, rcgen::Error> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = rcgen::CertificateParams::new(names.clone())?;
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            names
                .first()
                .cloned()
                .unwrap_or_else(|| "Beatbook HQ".into()),
        );
        params.is_ca = rcgen::IsCa::ExplicitNoCa;
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let (y, mo, d) = ymd(-1);
        params.not_before = rcgen::date_time_ymd(y, mo, d);
        let (y, mo, d) = ymd(days);
        params.not_after = rcgen::date_time_ymd(y, mo, d);
        let key = rcgen::KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.cert, &self.key)?;
        Ok(IssuedCert {
            chain_pem: format!("{}{}", cert.pem(), self.cert.pem()),
            key_pem: key.serialize_pem(),
        })
    }
}

/// SHA-256 of a certificate's DER, lowercase hex.
pub fn fingerprint_hex(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// The day `offset` days from today (UTC), as year, month and day.
fn ymd(offset: i64) -> (i32, u8, u8) {
    use chrono::Datelike;
    let d = (chrono::Utc::now() + chrono::Duration::days(offset)).date_naive();
    (d.year(), d.month() as u8, d.day() as u8)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_local_ca_issues_a_chain_that_ends_in_itself() {
        let ca = super::LocalCa::new("Test CA").unwrap();
        let issued = ca.issue(&["localhost", "127.0.0.1"], 30).unwrap();
        assert_eq!(issued.chain_pem.matches("BEGIN CERTIFICATE").count(), 2);
        assert!(issued.chain_pem.ends_with(&ca.cert_pem()));
        assert!(issued.key_pem.contains("PRIVATE KEY"));
        assert!(!format!("{issued:?}").contains("PRIVATE KEY"));
        assert_eq!(ca.fingerprint_hex(), super::fingerprint_hex(&ca.cert_der()));
        assert_eq!(ca.fingerprint_hex().len(), 64);
    }
}
