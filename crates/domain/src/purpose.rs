//! Why someone looks at personal data (DPA 2018 s.62: the justification of every consultation and
//! disclosure). Staff at HQ give a purpose once per task; the dashboard holds it for a set time and
//! sends it with every read of personal data, and the access log keeps it with each entry.
//!
//! The purposes are a short list a force configures ([`PurposeKind`], `[access] purposes` in HQ's
//! settings; [`default_purposes`] otherwise), plus free text. On the wire a purpose is one HTTP
//! header, [`HEADER`], holding a form-encoded `code=...&reference=...&note=...` (the browser's
//! `URLSearchParams`), so names and notes in any language pass through a header.

use serde::{Deserialize, Serialize};

/// The request header that carries the purpose of a read.
pub const HEADER: &str = "beatbook-purpose";
/// Longest reference (a crime or incident number, a request's reference).
pub const MAX_REFERENCE: usize = 60;
/// Longest free text.
pub const MAX_NOTE: usize = 300;

/// One purpose a force allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[ts(export_to = "../../hq/bindings/")]
pub struct PurposeKind {
    /// What the request carries: lower case letters, digits and `_`.
    pub code: String,
    /// What a person reads and picks, e.g. `Investigation`.
    pub label: String,
    /// A reference (crime, incident or request number) must be given with it.
    #[serde(default)]
    pub needs_reference: bool,
    /// It may show an analyst names and contact details, which are otherwise masked for them.
    #[serde(default)]
    pub unmasks: bool,
}

/// The purposes a force has unless it configures its own.
pub fn default_purposes() -> Vec<PurposeKind> {
    let kind = |code: &str, label: &str, needs_reference: bool, unmasks: bool| PurposeKind {
        code: code.into(),
        label: label.into(),
        needs_reference,
        unmasks,
    };
    vec![
        kind("investigation", "Investigation", true, true),
        kind("safeguarding", "Safeguarding a person at risk", true, true),
        kind("subject_access", "Subject access request", true, true),
        kind("performance_review", "Performance review", false, false),
        kind("supervision", "Supervision of my team", false, false),
        kind("audit", "Audit or complaint", true, false),
    ]
}

/// Check a force's list: at least one, codes well-formed and unique, labels given.
pub fn check_purposes(kinds: &[PurposeKind]) -> Result<(), String> {
    if kinds.is_empty() {
        return Err("access: give at least one purpose".into());
    }
    let mut seen = std::collections::BTreeSet::new();
    for k in kinds {
        if k.code.is_empty()
            || k.code.len() > 40
            || !k
                .code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(format!(
                "access: purpose code {:?} must be lower case letters, digits and _",
                k.code
            ));
        }
        if k.label.trim().is_empty() {
            return Err(format!("access: purpose {:?} needs a label", k.code));
        }
        if !seen.insert(k.code.as_str()) {
            return Err(format!("access: purpose {:?} is listed twice", k.code));
        }
    }
    Ok(())
}

/// A purpose as given with a read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Purpose {
    pub code: String,
    /// The reference, when given (required when the kind needs one).
    pub reference: Option<String>,
    /// Free text, possibly empty.
    pub note: String,
}

/// Why a purpose was not accepted, in words for the person.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PurposeError {
    #[error("give the purpose of this look at personal data (for example an investigation and its reference)")]
    Missing,
    #[error("the purpose could not be read: {0}")]
    Malformed(String),
    #[error("{0:?} is not one of this force's purposes")]
    Unknown(String),
    #[error("give the reference for {0} (a crime, incident or request number)")]
    ReferenceNeeded(String),
    #[error("the reference is too long (at most {MAX_REFERENCE} characters)")]
    ReferenceTooLong,
    #[error("the note is too long (at most {MAX_NOTE} characters)")]
    NoteTooLong,
}

impl Purpose {
    /// Read the header's value and check it against the force's purposes.
    pub fn parse(header: Option<&str>, kinds: &[PurposeKind]) -> Result<Purpose, PurposeError> {
        let raw = header.map(str::trim).filter(|h| !h.is_empty());
        let raw = raw.ok_or(PurposeError::Missing)?;
        let mut code = None;
        let mut reference = None;
        let mut note = String::new();
        for pair in raw.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = form_decode(v).map_err(PurposeError::Malformed)?;
            match form_decode(k).map_err(PurposeError::Malformed)?.as_str() {
                "code" => code = Some(v.trim().to_owned()),
                "reference" => reference = Some(v.trim().to_owned()).filter(|r| !r.is_empty()),
                "note" => note = v.trim().to_owned(),
                other => {
                    return Err(PurposeError::Malformed(format!("unknown part {other:?}")));
                }
            }
        }
        let code = code
            .filter(|c| !c.is_empty())
            .ok_or(PurposeError::Missing)?;
        let kind = kinds
            .iter()
            .find(|k| k.code == code)
            .ok_or_else(|| PurposeError::Unknown(code.clone()))?;
        if kind.needs_reference && reference.is_none() {
            return Err(PurposeError::ReferenceNeeded(kind.label.to_lowercase()));
        }
        if reference
            .as_deref()
            .is_some_and(|r| r.chars().count() > MAX_REFERENCE)
        {
            return Err(PurposeError::ReferenceTooLong);
        }
        if note.chars().count() > MAX_NOTE {
            return Err(PurposeError::NoteTooLong);
        }
        Ok(Purpose {
            code,
            reference,
            note,
        })
    }

    /// The header's value for this purpose (what the dashboard's `URLSearchParams` sends).
    pub fn to_header(&self) -> String {
        let mut out = format!("code={}", form_encode(&self.code));
        if let Some(r) = &self.reference {
            out.push_str("&reference=");
            out.push_str(&form_encode(r));
        }
        if !self.note.is_empty() {
            out.push_str("&note=");
            out.push_str(&form_encode(&self.note));
        }
        out
    }

    /// Whether this purpose may show an analyst names and contact details.
    pub fn unmasks(&self, kinds: &[PurposeKind]) -> bool {
        kinds.iter().any(|k| k.code == self.code && k.unmasks)
    }

    /// The purpose in words, as the access log keeps it and an auditor reads it:
    /// `Investigation CAD 1234/06DEC: assault outside the Electric Ballroom`.
    pub fn describe(&self, kinds: &[PurposeKind]) -> String {
        let label = kinds
            .iter()
            .find(|k| k.code == self.code)
            .map_or(self.code.as_str(), |k| k.label.as_str());
        let mut out = label.to_owned();
        if let Some(r) = &self.reference {
            out.push(' ');
            out.push_str(r);
        }
        if !self.note.is_empty() {
            out.push_str(": ");
            out.push_str(&self.note);
        }
        out
    }
}

fn form_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| "a % not followed by two hex digits".to_owned())?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "not UTF-8".to_owned())
}

fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_purpose_round_trips_through_its_header_with_any_text() {
        let kinds = default_purposes();
        check_purposes(&kinds).unwrap();
        let p = Purpose {
            code: "investigation".into(),
            reference: Some("CAD 1234/06DEC".into()),
            note: "Zoë's complaint & follow-up = 100%".into(),
        };
        assert_eq!(Purpose::parse(Some(&p.to_header()), &kinds), Ok(p.clone()));
        assert!(p.unmasks(&kinds));
        assert_eq!(
            p.describe(&kinds),
            "Investigation CAD 1234/06DEC: Zoë's complaint & follow-up = 100%"
        );
        // What a browser's URLSearchParams sends.
        let browser = "code=performance_review&note=Z%C3%B6e+monthly";
        let q = Purpose::parse(Some(browser), &kinds).unwrap();
        assert_eq!(q.note, "Zöe monthly");
        assert!(!q.unmasks(&kinds));
    }

    #[test]
    fn a_missing_unknown_or_incomplete_purpose_is_refused_in_words() {
        let kinds = default_purposes();
        assert_eq!(Purpose::parse(None, &kinds), Err(PurposeError::Missing));
        assert_eq!(
            Purpose::parse(Some("  "), &kinds),
            Err(PurposeError::Missing)
        );
        assert_eq!(
            Purpose::parse(Some("code=curiosity"), &kinds),
            Err(PurposeError::Unknown("curiosity".into()))
        );
        let e = Purpose::parse(Some("code=investigation"), &kinds).unwrap_err();
        assert_eq!(e, PurposeError::ReferenceNeeded("investigation".into()));
        assert!(e.to_string().contains("reference"));
        assert!(matches!(
            Purpose::parse(Some("code=audit&reference=%ZZ"), &kinds),
            Err(PurposeError::Malformed(_))
        ));
        let long = "x".repeat(MAX_NOTE + 1);
        assert_eq!(
            Purpose::parse(Some(&format!("code=audit&reference=r&note={long}")), &kinds),
            Err(PurposeError::NoteTooLong)
        );
    }

    #[test]
    fn a_force_list_must_be_well_formed() {
        assert!(check_purposes(&[]).is_err());
        let mut kinds = default_purposes();
        kinds.push(kinds[0].clone());
        assert!(check_purposes(&kinds).unwrap_err().contains("twice"));
        let bad = vec![PurposeKind {
            code: "Bad Code".into(),
            label: "x".into(),
            needs_reference: false,
            unmasks: false,
        }];
        assert!(check_purposes(&bad).is_err());
    }
}
