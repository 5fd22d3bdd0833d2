//! The enrolment code a tablet is given, as text (typed) or a QR code (scanned as the same text).
//!
//! Two forms, told apart by their length once dashes, spaces and case are set aside:
//!
//! - **12 characters** (`K7QM-9XHF-M3TR`): the one-time code alone. For an HQ without TLS of its
//!   own (on this machine, or behind a reverse proxy with a public certificate, which the
//!   tablet checks against the usual public authorities).
//! - **39 characters** (`K7QM-9XHF-M3TR-` then 26 characters of pin and 1 check character, in
//!   groups of four): the code, then the **pin** of HQ's certificate authority, then a check
//!   character. For an HQ that serves TLS with a certificate from its own authority
//!   (`beatbook hq tls-certs`): the tablet trusts only that authority, from enrolment on.
//!
//! The pin is the first 128 bits of the SHA-256 of the authority's certificate (DER), written in
//! base 31: finding another certificate with the same pin is a second pre-image of 128 bits,
//! out of reach, and the code stays short enough to type. Every character comes from
//! [`ALPHABET`], which leaves out `0`, `1`, `I`, `L` and `O` (they look alike); case, spaces and
//! dashes do not matter. The check character (a weighted sum modulo 31 over the 38 before it)
//! catches any one mistyped character and any two neighbours swapped, so a typing mistake is
//! told as such, before the tablet connects, rather than as a certificate that does not match.

/// The characters of a code: no `0`, `1`, `I`, `L`, `O`.
pub const ALPHABET: &[u8; 31] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters of the one-time code.
pub const CODE_CHARS: usize = 12;
/// Characters of the pin (128 bits in base 31).
pub const PIN_CHARS: usize = 26;
/// Characters of a code with a pin: code, pin, check character.
pub const PINNED_CHARS: usize = CODE_CHARS + PIN_CHARS + 1;
/// Bytes of the certificate's SHA-256 the pin holds.
pub const PIN_BYTES: usize = 16;

/// Why a text is not an enrolment code, in words for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnrolmentCodeError {
    #[error("An enrolment code has {CODE_CHARS} characters, or {PINNED_CHARS} when HQ serves its own certificate; this one has {found}. Check it against the code HQ gave, or scan its QR code.")]
    WrongLength { found: usize },
    #[error("An enrolment code never has the character '{found}' (codes leave out 0, 1, I, L and O, which look alike). Check it against the code HQ gave, or scan its QR code.")]
    NotInAlphabet { found: char },
    #[error("This enrolment code has a typing mistake in it (its last character does not match the others). Check it against the code HQ gave, or scan its QR code.")]
    Mistyped,
    #[error("HQ's certificate fingerprint is not a SHA-256 in hexadecimal ({PIN_BYTES} bytes at least).")]
    NotAFingerprint,
}

/// What pins HQ's certificate authority: the first [`PIN_BYTES`] bytes of the SHA-256 of its
/// certificate (DER). Not a secret: anyone may see it; it only has to match.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CaPin([u8; PIN_BYTES]);

impl std::fmt::Debug for CaPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CaPin({})", self.to_hex())
    }
}

/// Kept as its hexadecimal text (in the tablet's encrypted store).
impl serde::Serialize for CaPin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for CaPin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        CaPin::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

impl CaPin {
    /// The pin of the certificate whose SHA-256 (or its first [`PIN_BYTES`] bytes or more) is
    /// given in hexadecimal, as `beatbook hq tls-certs` prints it and the tablet stores it.
    pub fn from_hex(hex: &str) -> Result<CaPin, EnrolmentCodeError> {
        let hex: String = hex.chars().filter(|c| !matches!(c, ':' | ' ')).collect();
        if hex.len() < PIN_BYTES * 2 || hex.len() % 2 != 0 || !hex.is_ascii() {
            return Err(EnrolmentCodeError::NotAFingerprint);
        }
        let mut bytes = [0u8; PIN_BYTES];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16)
                .map_err(|_| EnrolmentCodeError::NotAFingerprint)?;
        }
        // The rest must be hexadecimal too (a typo in a stored fingerprint is not ignored).
        if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(EnrolmentCodeError::NotAFingerprint);
        }
        Ok(CaPin(bytes))
    }

    /// The pin of a certificate whose SHA-256 is `digest`.
    pub fn of_sha256(digest: &[u8; 32]) -> CaPin {
        let mut bytes = [0u8; PIN_BYTES];
        bytes.copy_from_slice(&digest[..PIN_BYTES]);
        CaPin(bytes)
    }

    /// Lowercase hexadecimal ([`PIN_BYTES`] × 2 characters): how the tablet stores it.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether the certificate whose SHA-256 is `digest` is the pinned one.
    pub fn matches(&self, digest: &[u8; 32]) -> bool {
        digest[..PIN_BYTES] == self.0
    }

    fn to_chars(self) -> String {
        let mut n = u128::from_be_bytes(self.0);
        let mut out = [0u8; PIN_CHARS];
        for slot in out.iter_mut().rev() {
            *slot = ALPHABET[(n % 31) as usize];
            n /= 31;
        }
        out.iter().map(|&b| b as char).collect()
    }

    fn from_digits(digits: &[u8]) -> Option<CaPin> {
        let mut n: u128 = 0;
        for &d in digits {
            n = n.checked_mul(31)?.checked_add(u128::from(d))?;
        }
        Some(CaPin(n.to_be_bytes()))
    }
}

/// An enrolment code as the tablet reads it: the one-time code HQ checks, and the pin of HQ's
/// certificate authority when the code carries one.
#[derive(Clone, PartialEq, Eq)]
pub struct EnrolmentCode {
    /// The one-time code, [`CODE_CHARS`] characters, upper case, no dashes: what HQ is sent.
    pub code: String,
    pub pin: Option<CaPin>,
}

impl std::fmt::Debug for EnrolmentCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolmentCode")
            .field("code", &"[secret]")
            .field("pin", &self.pin)
            .finish()
    }
}

impl EnrolmentCode {
    /// Read a code as typed or scanned: case, spaces and dashes do not matter.
    pub fn parse(text: &str) -> Result<EnrolmentCode, EnrolmentCodeError> {
        let chars: Vec<char> = text
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '–' | '.'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if chars.len() != CODE_CHARS && chars.len() != PINNED_CHARS {
            return Err(EnrolmentCodeError::WrongLength { found: chars.len() });
        }
        let digits = chars
            .iter()
            .map(|&c| digit(c).ok_or(EnrolmentCodeError::NotInAlphabet { found: c }))
            .collect::<Result<Vec<u8>, _>>()?;
        let code: String = chars[..CODE_CHARS].iter().collect();
        if digits.len() == CODE_CHARS {
            return Ok(EnrolmentCode { code, pin: None });
        }
        if check_digit(&digits[..PINNED_CHARS - 1]) != digits[PINNED_CHARS - 1] {
            return Err(EnrolmentCodeError::Mistyped);
        }
        // 26 base-31 digits hold a little more than 128 bits: a value beyond is no pin HQ made.
        let pin = CaPin::from_digits(&digits[CODE_CHARS..PINNED_CHARS - 1])
            .ok_or(EnrolmentCodeError::Mistyped)?;
        Ok(EnrolmentCode {
            code,
            pin: Some(pin),
        })
    }

    /// The text to show (and draw as a QR code): groups of four joined by dashes.
    pub fn text(&self) -> String {
        let mut chars = self.code.clone();
        if let Some(pin) = self.pin {
            chars.push_str(&pin.to_chars());
            let digits: Vec<u8> = chars.chars().filter_map(digit).collect();
            chars.push(ALPHABET[usize::from(check_digit(&digits))] as char);
        }
        chars
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }
}

/// The text HQ shows for its one-time `code` (as `beatbook_hq` makes it, grouped or not) and,
/// when HQ serves TLS with its own authority, that authority's SHA-256 fingerprint (hex).
pub fn text_for(code: &str, ca_fingerprint: Option<&str>) -> Result<String, EnrolmentCodeError> {
    let parsed = EnrolmentCode::parse(code)?;
    let pin = ca_fingerprint.map(CaPin::from_hex).transpose()?;
    Ok(EnrolmentCode {
        code: parsed.code,
        pin,
    }
    .text())
}

fn digit(c: char) -> Option<u8> {
    ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .and_then(|p| u8::try_from(p).ok())
}

/// Weights 1 to 30 (never 0 modulo 31, a prime), neighbours always different: any one wrong
/// character and any two neighbours swapped change the sum.
fn check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, &d)| (i as u32 % 30 + 1) * u32::from(d))
        .sum();
    (sum % 31) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FINGERPRINT: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn a_code_without_a_pin_reads_as_it_always_did() {
        let c = EnrolmentCode::parse("k7qm 9xhf-m3tr").unwrap();
        assert_eq!(c.code, "K7QM9XHFM3TR");
        assert_eq!(c.pin, None);
        assert_eq!(c.text(), "K7QM-9XHF-M3TR");
    }

    #[test]
    fn a_code_with_a_pin_is_39_characters_in_groups_of_four_and_reads_back() {
        let text = text_for("K7QM-9XHF-M3TR", Some(FINGERPRINT)).unwrap();
        assert_eq!(text.len(), 39 + 9, "{text}");
        assert!(text.starts_with("K7QM-9XHF-M3TR-"), "{text}");
        let c = EnrolmentCode::parse(&text.to_lowercase().replace('-', " ")).unwrap();
        assert_eq!(c.code, "K7QM9XHFM3TR");
        let pin = c.pin.unwrap();
        assert_eq!(pin.to_hex(), FINGERPRINT[..32]);
        assert_eq!(CaPin::from_hex(&pin.to_hex()).unwrap(), pin);
        let json = serde_json::to_string(&pin).unwrap();
        assert_eq!(serde_json::from_str::<CaPin>(&json).unwrap(), pin);
        assert!(!text.contains(['0', '1', 'I', 'L', 'O']), "{text}");
    }

    #[test]
    fn a_pin_matches_its_certificate_only() {
        let mut digest = [7u8; 32];
        let pin = CaPin::of_sha256(&digest);
        assert!(pin.matches(&digest));
        digest[3] ^= 1;
        assert!(!pin.matches(&digest));
        let mut tail = [7u8; 32];
        tail[31] = 0;
        // Only the first 128 bits are pinned.
        assert!(pin.matches(&tail));
    }

    #[test]
    fn mistakes_are_told_in_words() {
        let e = EnrolmentCode::parse("K7QM-9XHF").unwrap_err();
        assert_eq!(e, EnrolmentCodeError::WrongLength { found: 8 });
        assert!(e.to_string().contains("12 characters, or 39"), "{e}");
        let e = EnrolmentCode::parse("K7QM-9XHF-M3T0").unwrap_err();
        assert_eq!(e, EnrolmentCodeError::NotInAlphabet { found: '0' });
        assert!(e.to_string().contains("leave out 0, 1, I, L and O"), "{e}");
        assert!(CaPin::from_hex("not hex").is_err());
        assert!(CaPin::from_hex(&FINGERPRINT.replace('a', "g")).is_err());
        assert!(text_for("K7QM-9XHF-M3TR", Some("abcd")).is_err());
    }

    #[test]
    fn a_pin_too_large_for_128_bits_is_a_mistake_not_a_panic() {
        let mut text: String = "K7QM9XHFM3TR".into();
        text.push_str(&"9".repeat(PIN_CHARS));
        let digits: Vec<u8> = text.chars().filter_map(digit).collect();
        text.push(ALPHABET[usize::from(check_digit(&digits))] as char);
        assert_eq!(
            EnrolmentCode::parse(&text).unwrap_err(),
            EnrolmentCodeError::Mistyped
        );
    }

    fn alphabet_char() -> impl Strategy<Value = char> {
        (0..ALPHABET.len()).prop_map(|i| ALPHABET[i] as char)
    }

    proptest! {
        #[test]
        fn any_pin_round_trips(bytes in proptest::array::uniform32(any::<u8>()),
                               code in proptest::collection::vec(alphabet_char(), CODE_CHARS)) {
            let code: String = code.into_iter().collect();
            let pin = CaPin::of_sha256(&bytes);
            let text = EnrolmentCode { code: code.clone(), pin: Some(pin) }.text();
            let back = EnrolmentCode::parse(&text).unwrap();
            prop_assert_eq!(back.code, code);
            prop_assert_eq!(back.pin, Some(pin));
        }

        #[test]
        fn one_wrong_character_or_two_swapped_is_caught(
            bytes in proptest::array::uniform32(any::<u8>()),
            at in 0..PINNED_CHARS,
            by in 1..31u8,
            swap in any::<bool>(),
        ) {
            let pin = CaPin::of_sha256(&bytes);
            let text = EnrolmentCode { code: "K7QM9XHFM3TR".into(), pin: Some(pin) }.text();
            let mut chars: Vec<char> = text.chars().filter(|c| *c != '-').collect();
            if swap {
                let at = at.min(PINNED_CHARS - 2);
                prop_assume!(chars[at] != chars[at + 1]);
                chars.swap(at, at + 1);
            } else {
                let d = digit(chars[at]).unwrap();
                chars[at] = ALPHABET[usize::from((d + by) % 31)] as char;
            }
            let typed: String = chars.into_iter().collect();
            let read = EnrolmentCode::parse(&typed);
            // The check character covers the one-time code too: caught before HQ is asked.
            prop_assert!(read.is_err(), "{} read as {:?}", typed, read);
        }
    }
}
