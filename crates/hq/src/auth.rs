//! Passwords, device secrets, tokens and enrolment codes.
//!
//! Officers' passwords are hashed with Argon2id at OWASP's recommended cost ([`PASSWORD_COST`]);
//! a hash made at a lower cost is replaced at the officer's next sign-in ([`needs_rehash`]).
//! Device secrets, tokens and enrolment codes are random and long, so HQ stores only their
//! SHA-256: a stolen database holds nothing usable.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Argon2id's cost for officers' passwords: memory in KiB, passes, lanes. OWASP's password
/// storage cheat sheet recommends at least m=19456 (19 MiB), t=2, p=1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordCost {
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
}

/// The cost HQ hashes new passwords at.
pub const PASSWORD_COST: PasswordCost = PasswordCost {
    memory_kib: 19_456,
    passes: 2,
    lanes: 1,
};

fn argon2(cost: PasswordCost) -> Result<Argon2<'static>, String> {
    let params = Params::new(cost.memory_kib, cost.passes, cost.lanes, None)
        .map_err(|e| format!("bad Argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash_password(password: &str) -> Result<String, String> {
    if password.chars().count() < 10 {
        return Err("a password needs at least 10 characters".into());
    }
    hash_password_at(password, PASSWORD_COST)
}

/// Hash at a given cost (tests make old, cheaper hashes with it).
pub fn hash_password_at(password: &str, cost: PasswordCost) -> Result<String, String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2(cost)?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("could not hash the password: {e}"))
}

/// Whether `password` is the one `phc` was made from (whatever cost the hash records).
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Whether a stored hash is weaker than HQ's [`PASSWORD_COST`] (or not Argon2id v1.3), so the
/// password should be hashed again when the officer next signs in with it.
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return true;
    };
    if hash.algorithm != Algorithm::Argon2id.ident() || hash.version != Some(Version::V0x13.into())
    {
        return true;
    }
    match Params::try_from(&hash) {
        Ok(p) => {
            p.m_cost() < PASSWORD_COST.memory_kib
                || p.t_cost() < PASSWORD_COST.passes
                || p.p_cost() < PASSWORD_COST.lanes
        }
        Err(_) => true,
    }
}

/// A random secret (256 bits, URL-safe base64).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A one-time enrolment code an officer can type: 12 characters from an alphabet without
/// look-alikes, shown in groups of four (`K7QM-9XHF-M3TR`). 60 bits, single use, short-lived.
pub fn new_enrolment_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let chars: Vec<char> = (0..12)
        .map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Codes are compared without dashes, spaces or case, as people type them.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse battery!", &h));
        assert!(!verify_password("x", "not a phc string"));
        assert!(hash_password("short").is_err());
    }

    #[test]
    fn hashes_below_the_recommended_cost_are_marked_for_rehashing() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(!needs_rehash(&h));
        let cheap = PasswordCost {
            memory_kib: 4096,
            passes: 1,
            lanes: 1,
        };
        let old = hash_password_at("correct horse battery", cheap).unwrap();
        assert!(verify_password("correct horse battery", &old));
        assert!(needs_rehash(&old));
        assert!(needs_rehash("not a phc string"));
    }

    #[test]
    fn enrolment_codes_read_the_same_however_they_are_typed() {
        let code = new_enrolment_code();
        assert_eq!(code.len(), 14);
        assert_eq!(
            normalise_code(&code.to_lowercase().replace('-', " ")),
            normalise_code(&code)
        );
        assert_ne!(new_enrolment_code(), code);
    }
}
