//! Identifier newtypes. Record ids are UUIDv7, made on the device, so they sort by creation time
//! and never need a round trip to HQ.

use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
        #[serde(transparent)]
        #[ts(type = "string")]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered (UUIDv7) identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A record (concern, intelligence report, meeting, ...).
    RecordId
);
/// Crockford's base32 alphabet: no I, L, O or U, so a reference read aloud over a radio or
/// copied from a screen is not misread.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl RecordId {
    /// The reference an officer reads, says and writes down, e.g. `7F3K-92QD`: the id's last 40
    /// (random) bits in Crockford base32. It names a record for people; the id stays the key.
    pub fn reference(&self) -> String {
        let bytes = self.0.as_bytes();
        let bits = bytes[11..16]
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let mut out = String::with_capacity(9);
        for i in 0..8 {
            if i == 4 {
                out.push('-');
            }
            let digit = (bits >> (35 - 5 * i)) & 0x1f;
            out.push(char::from(CROCKFORD[digit as usize]));
        }
        out
    }
}

uuid_id!(
    /// An enrolled device (tablet or headless device).
    DeviceId
);

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
        #[serde(transparent)]
        #[ts(type = "string")]
        pub struct $name(pub String);

        impl $name {
            pub fn new(s: impl Into<String>) -> Self {
                Self(s.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

string_id!(
    /// An officer, by the identifier HQ gives them (their collar number until enrolment).
    OfficerId
);
string_id!(
    /// A team, e.g. `camden-town-tct`.
    TeamId
);
string_id!(
    /// An area: a ward by its ONS code (`E05013655`) or a town centre by slug (`tc-camden-town`).
    AreaId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_is_the_ids_last_forty_bits_in_crockford_base32() {
        let id: RecordId = "019af0c2-5b1e-7c3a-9d4e-0123456789ab".parse().unwrap();
        // 0x456789ab preceded by 0x23: 0x23456789ab.
        assert_eq!(id.reference(), "4D2P-F2DB");
        let zero: RecordId = "019af0c2-5b1e-7c3a-9d4e-000000000000".parse().unwrap();
        assert_eq!(zero.reference(), "0000-0000");
        let ones: RecordId = "019af0c2-5b1e-7c3a-9d4e-00ffffffffff".parse().unwrap();
        assert_eq!(ones.reference(), "ZZZZ-ZZZZ");
    }

    #[test]
    fn references_never_use_letters_that_read_as_digits() {
        for _ in 0..1000 {
            let r = RecordId::new().reference();
            assert_eq!(r.len(), 9);
            assert!(!r.contains(['I', 'L', 'O', 'U']), "{r}");
        }
    }
}
