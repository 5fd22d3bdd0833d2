//! [`Json`]: a JSON value kept as its text.
//!
//! Ops and record states carry field values from the device that wrote them, through HQ's merge,
//! storage and pull, to every other device, and almost nothing on the way needs to look inside
//! them. Keeping each value as the text it arrived as (checked once, when it is read) means a
//! value is one allocation rather than a tree of them, and is written out again by copying it.
//! Code that needs the value reads it as its type with [`Json::parse`].

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// A JSON value as text. Equality and order are those of the text: every replica of a value
/// holds the same text (the op's, as its device wrote it), so they agree.
#[derive(Clone)]
pub struct Json(Box<RawValue>);

impl Json {
    /// The JSON text of `value`.
    pub fn to<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(Json)
    }

    /// A value from its JSON text, checked to be exactly one JSON value.
    pub fn from_text(text: &str) -> Result<Self, serde_json::Error> {
        RawValue::from_string(text.to_owned()).map(Json)
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// The value read as `T`.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }

    /// The value as a `serde_json::Value` tree (for code that inspects arbitrary values).
    pub fn to_value(&self) -> serde_json::Value {
        // The text was checked when this value was made, so it always parses.
        self.parse().unwrap_or(serde_json::Value::Null)
    }

    /// The string, when the value is a JSON string.
    pub fn as_string(&self) -> Option<String> {
        if self.get().starts_with('"') {
            self.parse().ok()
        } else {
            None
        }
    }
}

impl From<serde_json::Value> for Json {
    fn from(value: serde_json::Value) -> Self {
        Self::from(&value)
    }
}

impl From<&serde_json::Value> for Json {
    fn from(value: &serde_json::Value) -> Self {
        // A `Value` always serialises (its map keys are strings).
        Json::to(value).unwrap_or_else(|_| Json::null())
    }
}

impl Json {
    pub fn null() -> Self {
        Json::from_text("null").unwrap_or_else(|_| unreachable!("null is JSON"))
    }
}

/// Append `s` to `out` as a JSON string, exactly as `serde_json` writes it, but faster on the
/// long texts records hold (descriptions, statements): eight bytes at a time are checked for
/// anything that needs escaping, and runs without any are copied whole.
pub fn push_string(out: &mut String, s: &str) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    /// Whether any byte of `w` is a control character, `"` or `\`.
    fn needs_escape(w: u64) -> bool {
        let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
        // Bytes of 0x80 and up (UTF-8) have the high bit set and are never flagged here.
        let control = w.wrapping_sub(0x20 * ONES) & !w & HIGH != 0;
        control || has_zero(w ^ (u64::from(b'"') * ONES)) || has_zero(w ^ (u64::from(b'\\') * ONES))
    }
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push('"');
    let mut run = 0; // start of the bytes not yet copied
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            if !needs_escape(u64::from_le_bytes(word)) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => {
                i += 1;
                continue;
            }
        };
        // Everything before `i` is ASCII or whole UTF-8 sequences: escapes are ASCII bytes,
        // which never occur inside a multi-byte sequence.
        out.push_str(&s[run..i]);
        if escaped.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escaped);
        }
        i += 1;
        run = i;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

impl PartialEq for Json {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for Json {}

impl PartialOrd for Json {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Json {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.get().cmp(other.get())
    }
}

impl std::fmt::Debug for Json {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.get())
    }
}

impl std::fmt::Display for Json {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.get())
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(Json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_the_text_it_was_given_and_reads_it_as_a_type() {
        let v: Json = serde_json::from_str(r#"{"lat": 51.5, "lon": -0.1}"#).unwrap();
        assert_eq!(v.get(), r#"{"lat": 51.5, "lon": -0.1}"#);
        assert_eq!(v.to_value(), json!({"lat": 51.5, "lon": -0.1}));
        let out = serde_json::to_string(&json!({"a": v})).unwrap_or_default();
        assert_eq!(
            out, r#"{"a":{"lat":51.5,"lon":-0.1}}"#,
            "inside a Value it is re-read"
        );
        #[derive(Serialize)]
        struct Holder<'a> {
            a: &'a Json,
        }
        let out = serde_json::to_string(&Holder { a: &v }).unwrap();
        assert_eq!(
            out, r#"{"a":{"lat": 51.5, "lon": -0.1}}"#,
            "written out as it came"
        );
    }

    #[test]
    fn strings_are_written_exactly_as_serde_json_writes_them() {
        let mut samples: Vec<String> = vec![
            String::new(),
            "plain".into(),
            "exactly8".into(),
            "a \"quoted\" word and a back\\slash, long enough to cross words".into(),
            "line\nbreak\ttab\rreturn\u{8}\u{c}\u{0}\u{1f}\u{7f}".into(),
            "Café au lait, naïve façade, 東京, emoji 🚓 then \"quote\"".into(),
        ];
        // Every control character, at every offset within a word.
        for c in (0u8..0x20).chain([b'"', b'\\', b'a', 0x7f]) {
            for at in 0..10 {
                let mut s = "x".repeat(at);
                s.push(char::from(c));
                s.push_str("tail of the text");
                samples.push(s);
            }
        }
        for s in samples {
            let mut out = String::new();
            push_string(&mut out, &s);
            assert_eq!(out, serde_json::to_string(&s).unwrap(), "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_string_is_written_as_serde_json_writes_it(s in "\\PC*|[\\x00-\\x7f]{0,40}") {
            let mut out = String::new();
            push_string(&mut out, &s);
            proptest::prop_assert_eq!(out, serde_json::to_string(&s).unwrap());
        }
    }

    #[test]
    fn refuses_text_that_is_not_one_json_value() {
        assert!(Json::from_text("{").is_err());
        assert!(Json::from_text("1 2").is_err());
        assert!(Json::from_text("nope").is_err());
        assert_eq!(Json::from_text(" 3 ").unwrap().parse::<u8>().unwrap(), 3);
    }

    #[test]
    fn made_from_values_and_compared_by_text() {
        let a = Json::from(json!("open"));
        assert_eq!(a.get(), "\"open\"");
        assert_eq!(a.as_string().as_deref(), Some("open"));
        assert_eq!(Json::from(json!(3)).as_string(), None);
        assert_eq!(a, Json::to("open").unwrap());
        assert!(Json::from(json!("q")) > a);
        assert_eq!(Json::null().to_value(), serde_json::Value::Null);
        let from_value: Json = serde_json::from_value(json!({"x": [1, 2]})).unwrap();
        assert_eq!(from_value.get(), r#"{"x":[1,2]}"#);
    }
}
