//! HQ's key for data at rest: the embedded SQLite store (SQLCipher) and the photo files. It comes
//! from a file (`db_key_file`) or an environment variable (`BEATBOOK_HQ_KEY`), never from the
//! command line, where any user of the machine could read it.
//!
//! CONTRACT STUB (issue 17): the at-rest helper implements `load`; the photos helper uses
//! `derive`.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// 32 bytes of key. `Debug` never shows them.
#[derive(Clone)]
pub struct HqKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for HqKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HqKey([secret])")
    }
}

impl HqKey {
    pub fn from_bytes(bytes: [u8; 32]) -> HqKey {
        HqKey(Zeroizing::new(bytes))
    }

    /// A random key: for tests, and for a new store's first key.
    pub fn random() -> HqKey {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        HqKey::from_bytes(bytes)
    }

    /// A key for one use (`"sqlite"`, `"photos"`), derived so that one use's key says nothing
    /// about another's.
    pub fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        let mut h = Sha256::new();
        h.update(b"beatbook-hq-key\0");
        h.update(purpose.as_bytes());
        h.update(b"\0");
        h.update(self.0.as_ref());
        Zeroizing::new(h.finalize().into())
    }
}
