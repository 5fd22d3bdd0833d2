//! `beatbook hq tls-certs`: a certificate authority of HQ's own and a certificate it signs for
//! HQ's names, written as the files `[tls]` names, for a force without a PKI of its own (and for
//! the demo). Tablets pin the authority at enrolment, so the authority is never overwritten: a new
//! one would lock every enrolled tablet out. HQ's certificate is renewed under the same authority
//! with its key ([`renew`]), which belongs offline, not on HQ.

use crate::certs::LocalCa;
use std::path::{Path, PathBuf};

/// The authority's certificate (what tablets pin, and what a browser or proxy is told to trust).
pub const CA_FILE: &str = "ca.pem";
/// HQ's certificate, then the authority's: `[tls] cert_file`.
pub const CHAIN_FILE: &str = "hq-chain.pem";
/// HQ's private key, mode 0600: `[tls] key_file`.
pub const KEY_FILE: &str = "hq-key.pem";
/// The authority's private key, mode 0600: only renewing HQ's certificate needs it.
pub const CA_KEY_FILE: &str = "ca-key.pem";

/// What [`write`] made.
#[derive(Debug)]
pub struct TlsFiles {
    pub ca_file: PathBuf,
    pub ca_key_file: PathBuf,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    /// SHA-256 of the authority's certificate, lowercase hex: what tablets pin.
    pub fingerprint: String,
}

impl TlsFiles {
    /// The lines to paste into HQ's settings file.
    pub fn settings_lines(&self) -> String {
        format!(
            "[tls]\ncert_file = {}\nkey_file = {}\n",
            toml_string(&self.cert_file),
            toml_string(&self.key_file)
        )
    }

    /// The fingerprint in groups of four, as a person reads it aloud.
    pub fn fingerprint_grouped(&self) -> String {
        self.fingerprint
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn toml_string(path: &Path) -> String {
    toml::Value::String(path.display().to_string()).to_string()
}

/// Make an authority named `ca_name` and a certificate for `names` (DNS names or IP addresses)
/// valid for `days` days, and write them into `dir` (made if missing). Refuses, in words, if any
/// of the files is already there.
pub fn write(dir: &Path, ca_name: &str, names: &[String], days: i64) -> Result<TlsFiles, String> {
    check_request(names, days)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("cannot find {}: {e}", dir.display()))?;
    let files = TlsFiles::in_dir(&dir);
    for path in [
        &files.ca_file,
        &files.ca_key_file,
        &files.cert_file,
        &files.key_file,
    ] {
        if path.exists() {
            return Err(format!(
                "{} is already there: tablets enrolled with its authority would refuse a new one. \
                 Renew HQ's certificate with --renew, or move the files away first if no tablet \
                 uses them",
                path.display()
            ));
        }
    }
    let ca = LocalCa::new(ca_name).map_err(|e| format!("cannot make an authority: {e}"))?;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let issued = ca
        .issue(&names, days)
        .map_err(|e| format!("cannot make HQ's certificate for {names:?}: {e}"))?;
    write_new(&files.ca_key_file, &ca.key_pem(), true)?;
    write_new(&files.key_file, &issued.key_pem, true)?;
    write_new(&files.cert_file, &issued.chain_pem, false)?;
    write_new(&files.ca_file, &ca.cert_pem(), false)?;
    Ok(TlsFiles {
        fingerprint: ca.fingerprint_hex(),
        ..files
    })
}

/// A new certificate for HQ (`names`, `days`) from the authority in `dir` (`ca.pem` and
/// `ca-key.pem`), replacing `hq-chain.pem` and `hq-key.pem`: tablets keep their pin.
pub fn renew(dir: &Path, names: &[String], days: i64) -> Result<TlsFiles, String> {
    check_request(names, days)?;
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("cannot find {}: {e}", dir.display()))?;
    let files = TlsFiles::in_dir(&dir);
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|e| {
            format!(
                "cannot read {} ({e}): renewing needs the authority's certificate and key \
                 that `tls-certs` wrote there",
                path.display()
            )
        })
    };
    let ca_pem = read(&files.ca_file)?;
    let ca_key_pem = read(&files.ca_key_file)?;
    let ca_der = {
        use rustls::pki_types::pem::PemObject;
        rustls::pki_types::CertificateDer::from_pem_slice(ca_pem.as_bytes())
            .map_err(|e| format!("{} holds no certificate: {e}", files.ca_file.display()))?
    };
    let name = common_name(ca_der.as_ref())
        .ok_or_else(|| format!("{} has no common name", files.ca_file.display()))?;
    let ca = LocalCa::from_key(&name, &ca_key_pem)
        .map_err(|e| format!("{} is not a private key: {e}", files.ca_key_file.display()))?;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let issued = ca
        .issue(&names, days)
        .map_err(|e| format!("cannot make HQ's certificate for {names:?}: {e}"))?;
    // The chain ends in the authority tablets pinned, as first written.
    let own = issued
        .chain_pem
        .strip_suffix(&ca.cert_pem())
        .ok_or("the issued chain does not end in its authority")?;
    let chain = format!("{own}{ca_pem}");
    replace(&files.key_file, &issued.key_pem, true)?;
    replace(&files.cert_file, &chain, false)?;
    Ok(TlsFiles {
        fingerprint: crate::certs::fingerprint_hex(ca_der.as_ref()),
        ..files
    })
}

impl TlsFiles {
    fn in_dir(dir: &Path) -> TlsFiles {
        TlsFiles {
            ca_file: dir.join(CA_FILE),
            ca_key_file: dir.join(CA_KEY_FILE),
            cert_file: dir.join(CHAIN_FILE),
            key_file: dir.join(KEY_FILE),
            fingerprint: String::new(),
        }
    }
}

fn check_request(names: &[String], days: i64) -> Result<(), String> {
    if names.is_empty() {
        return Err("give at least one name tablets reach HQ by (--name)".into());
    }
    if !(1..=3650).contains(&days) {
        return Err(format!("--days is {days}: it must be 1 to 3650"));
    }
    Ok(())
}

/// Replace a file whole: written beside it, then renamed over it.
fn replace(path: &Path, text: &str, secret: bool) -> Result<(), String> {
    let new = path.with_extension("pem.new");
    let _ = std::fs::remove_file(&new);
    write_new(&new, text, secret)?;
    std::fs::rename(&new, path).map_err(|e| format!("cannot replace {}: {e}", path.display()))
}

/// The first common name (OID 2.5.4.3) in a certificate's DER: the issuer's, which for an
/// authority's own certificate is its name.
fn common_name(der: &[u8]) -> Option<String> {
    const CN: [u8; 5] = [0x06, 0x03, 0x55, 0x04, 0x03];
    let at = der.windows(CN.len()).position(|w| w == CN)? + CN.len();
    let (_tag, rest) = der.get(at..)?.split_first()?;
    let (len, rest) = match rest.split_first()? {
        (&n, rest) if n < 0x80 => (usize::from(n), rest),
        (0x81, rest) => (usize::from(*rest.first()?), rest.get(1..)?),
        (0x82, rest) => (
            usize::from(*rest.first()?) << 8 | usize::from(*rest.get(1)?),
            rest.get(2..)?,
        ),
        _ => return None,
    };
    String::from_utf8(rest.get(..len)?.to_vec()).ok()
}

/// Write a file that must not exist yet; `secret` ones readable by their owner only.
fn write_new(path: &Path, text: &str, secret: bool) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn writes_an_authority_a_chain_and_a_private_key_once() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let files = super::write(dir.path(), "Test CA", &names, 30).unwrap();
        let chain = std::fs::read_to_string(&files.cert_file).unwrap();
        let ca = std::fs::read_to_string(&files.ca_file).unwrap();
        assert!(chain.ends_with(&ca));
        assert!(std::fs::read_to_string(&files.key_file)
            .unwrap()
            .contains("PRIVATE KEY"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&files.key_file)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // The settings lines are what `[tls]` reads, and pin the authority written.
        let settings: crate::HqSettings = toml::from_str(&files.settings_lines()).unwrap();
        assert_eq!(settings.tls.cert_file.as_ref(), Some(&files.cert_file));
        assert_eq!(
            settings.tls.ca_fingerprint().unwrap(),
            Some(files.fingerprint.clone())
        );
        assert_eq!(files.fingerprint_grouped().len(), 64 + 15);

        // Never over an authority tablets may have pinned.
        let again = super::write(dir.path(), "Test CA", &names, 30).unwrap_err();
        assert!(again.contains("already there"), "{again}");
        assert_eq!(std::fs::read_to_string(&files.ca_file).unwrap(), ca);

        // Renewed: a new certificate and key, the same authority at the end of the chain.
        let old_key = std::fs::read_to_string(&files.key_file).unwrap();
        let renewed = super::renew(dir.path(), &names, 60).unwrap();
        assert_eq!(renewed.fingerprint, files.fingerprint);
        let new_chain = std::fs::read_to_string(&renewed.cert_file).unwrap();
        assert_ne!(new_chain, chain);
        assert!(new_chain.ends_with(&ca));
        assert_ne!(std::fs::read_to_string(&renewed.key_file).unwrap(), old_key);
        assert_eq!(std::fs::read_to_string(&files.ca_file).unwrap(), ca);
    }

    #[test]
    fn an_authoritys_name_is_read_back_from_its_certificate() {
        let ca = crate::certs::LocalCa::new("Metropolitan Police Service Beatbook HQ authority")
            .unwrap();
        assert_eq!(
            super::common_name(&ca.cert_der()).as_deref(),
            Some("Metropolitan Police Service Beatbook HQ authority")
        );
    }
}
