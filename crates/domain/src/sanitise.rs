//! Sanitisation before dissemination: what the intelligence unit's reviewer confirms, and what HQ
//! checks, before a sanitised report is shared with teams.
//!
//! - The text to be shared (and its checks-made note) is checked against **every field** of the
//!   report's source records ([`findings`]): the name, its parts and its initials ("Marsh",
//!   "J. Marsh", "JM", "J.M."); phone numbers whatever their spacing or form ("07700 900 123",
//!   "+44 7700-900123", part of one); email addresses whatever their spacing or disguise
//!   ("j.marsh @ example.com", "j dot marsh at example dot com") and their user name; an address or
//!   postcode; and any run of words copied from the relationship, contact or handler notes. Each
//!   finding is in words, naming the field it comes from.
//! - The reviewer confirms each check of [`SanitiseCheck::ALL`] (the checklist of the form).
//! - A change of handling code (or of its conditions) needs a reason.
//! - The location shared is coarsened ([`coarsen`]) to the centre of a grid square of
//!   [`GRID_METRES`], so a source's doorstep is not given away by the point.
//!
//! [`check_dissemination`] applies all of it and answers field by field (`content`, `checks`,
//! `handling_reason`); [`describe`] gives the words the access log and the report's history keep.

use crate::area::Location;
use crate::intel::{HandlingCode, IntelSource};
use crate::validation::ValidationErrors;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A check the reviewer confirms having made before sharing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SanitiseCheck {
    /// No name, nickname, initials or description of the source.
    SourceNotIdentifiable,
    /// No phone number, email, address or other contact detail of the source.
    NoContactDetails,
    /// Nothing only the source could know (what they saw from where, when they were there).
    NoDetailOnlyTheSourceKnows,
    /// The location is no more precise than the teams need (HQ coarsens the point).
    LocationCoarsened,
    /// The handling code and its conditions fit who receives it.
    HandlingCodeChecked,
}

impl SanitiseCheck {
    pub const ALL: [SanitiseCheck; 5] = [
        SanitiseCheck::SourceNotIdentifiable,
        SanitiseCheck::NoContactDetails,
        SanitiseCheck::NoDetailOnlyTheSourceKnows,
        SanitiseCheck::LocationCoarsened,
        SanitiseCheck::HandlingCodeChecked,
    ];

    /// The words of the checklist.
    pub fn label(self) -> &'static str {
        match self {
            SanitiseCheck::SourceNotIdentifiable => {
                "The source cannot be identified: no name, nickname, initials or description"
            }
            SanitiseCheck::NoContactDetails => {
                "No phone number, email, address or other contact detail of the source"
            }
            SanitiseCheck::NoDetailOnlyTheSourceKnows => {
                "Nothing only the source could know (where they stood, when they were there)"
            }
            SanitiseCheck::LocationCoarsened => {
                "The location is no more precise than the teams need"
            }
            SanitiseCheck::HandlingCodeChecked => {
                "The handling code and its conditions fit the teams receiving it"
            }
        }
    }
}

/// Something in the text to be shared that comes from a source record, in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Finding {
    /// The source's field it comes from, in words ("name", "handler notes").
    pub field: String,
    /// What was found, e.g. `“Marsh” is part of the source's name`.
    pub message: String,
}

/// The side of a grid square a shared location is coarsened to, in metres.
pub const GRID_METRES: f64 = 500.0;

const METRES_PER_DEGREE: f64 = 111_320.0;

/// The location as shared: the centre of the [`GRID_METRES`] grid square the point falls in, with
/// no place words (they may name a doorstep). Every point of a square gives the same answer.
pub fn coarsen(loc: &Location) -> Location {
    let step_lat = GRID_METRES / METRES_PER_DEGREE;
    let lat = ((loc.lat / step_lat).floor() + 0.5) * step_lat;
    let lat = lat.clamp(-89.9, 89.9);
    // Degrees of longitude shrink towards the poles: the row's own step, so a square stays
    // about GRID_METRES wide.
    let step_lon = GRID_METRES / (METRES_PER_DEGREE * lat.to_radians().cos().max(0.01));
    let lon = ((loc.lon / step_lon).floor() + 0.5) * step_lon;
    Location {
        lat,
        lon: lon.clamp(-180.0, 180.0),
        place: None,
    }
}

/// What is asked of a dissemination, as far as the checks read it.
pub struct Dissemination<'a> {
    /// Everything that will be shared in words: the sanitised content and its checks-made note.
    pub text: &'a str,
    /// The report's source records.
    pub sources: &'a [IntelSource],
    pub confirmed: &'a [SanitiseCheck],
    /// The handling code before and as shared.
    pub handling_before: &'a HandlingCode,
    pub handling_after: &'a HandlingCode,
    pub handling_reason: &'a str,
}

/// Every check of a dissemination, field by field: `content` for each finding, `checks` for the
/// checklist, `handling_reason` for a change of handling code without a reason.
pub fn check_dissemination(d: &Dissemination<'_>) -> Result<(), ValidationErrors> {
    let mut errs = ValidationErrors::new();
    for s in d.sources {
        for f in findings(d.text, s) {
            errs.add("content", "identifies_source", f.message);
        }
    }
    let missing: Vec<&str> = SanitiseCheck::ALL
        .iter()
        .filter(|c| !d.confirmed.contains(c))
        .map(|c| c.label())
        .collect();
    if !missing.is_empty() {
        errs.add(
            "checks",
            "not_confirmed",
            format!("Confirm each check before sharing: {}", missing.join("; ")),
        );
    }
    if check_handling(d.handling_before, d.handling_after, d.handling_reason).is_err() {
        errs.add(
            "handling_reason",
            "reason_required",
            format!(
                "Give the reason the handling code changes ({})",
                handling_change(d.handling_before, d.handling_after)
            ),
        );
    }
    errs.max_len("handling_reason", d.handling_reason, 1_000);
    errs.into_result()
}

/// A change of handling code (or of its conditions) needs a reason: `Err` with the change in
/// words when there is none.
pub fn check_handling(
    before: &HandlingCode,
    after: &HandlingCode,
    reason: &str,
) -> Result<(), String> {
    if before != after && reason.trim().is_empty() {
        Err(handling_change(before, after))
    } else {
        Ok(())
    }
}

fn handling_words(h: &HandlingCode) -> String {
    match h {
        HandlingCode::P => "P (lawful sharing permitted)".to_owned(),
        HandlingCode::C { conditions } => {
            format!("C (with conditions: {})", conditions.as_str())
        }
    }
}

/// "from P (lawful sharing permitted) to C (with conditions: …)".
pub fn handling_change(before: &HandlingCode, after: &HandlingCode) -> String {
    format!(
        "from {} to {}",
        handling_words(before),
        handling_words(after)
    )
}

/// The words the access log and the report's history keep for a dissemination: the checks
/// confirmed, the location as coarsened, and a change of handling code with its reason.
pub fn describe(
    confirmed: &[SanitiseCheck],
    before: &HandlingCode,
    after: &HandlingCode,
    reason: &str,
) -> String {
    let mut checks: Vec<SanitiseCheck> = confirmed.to_vec();
    checks.sort();
    checks.dedup();
    let mut out = format!(
        "Checks confirmed: {}. Location shared to within {GRID_METRES} m.",
        checks
            .iter()
            .map(|c| c.label())
            .collect::<Vec<_>>()
            .join("; ")
    );
    out.push_str(&handling_note(before, after, reason));
    out
}

/// " Handling code changed from P to C: <reason>." when it changed, else "".
pub fn handling_note(before: &HandlingCode, after: &HandlingCode, reason: &str) -> String {
    if before == after {
        String::new()
    } else {
        format!(
            " Handling code changed {}: {}.",
            handling_change(before, after),
            reason.trim().trim_end_matches('.')
        )
    }
}

/// What in `text` comes from source record `source`, field by field, in words.
pub fn findings(text: &str, source: &IntelSource) -> Vec<Finding> {
    let mut out = Vec::new();
    let fields: [(&str, Option<&str>, FieldKind); 4] = [
        ("name", source.name.as_deref(), FieldKind::Name),
        ("contact", source.contact.as_deref(), FieldKind::Contact),
        (
            "relationship",
            source.relationship.as_deref(),
            FieldKind::Words,
        ),
        (
            "handler notes",
            Some(source.notes.as_str()),
            FieldKind::Notes,
        ),
    ];
    let t = Text::new(text);
    for (label, value, kind) in fields {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        for message in field_findings(&t, label, value, kind) {
            let f = Finding {
                field: label.to_owned(),
                message,
            };
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldKind {
    Name,
    Contact,
    Words,
    Notes,
}

/// The text to be shared, read the ways the checks need.
struct Text {
    original: String,
    /// Folded words (lower case, no accents, no apostrophes).
    words: Vec<String>,
    /// The folded words joined by single spaces, with a space either side.
    joined: String,
    /// Phone-like numbers: (digits as written, digits normalised).
    numbers: Vec<(String, String)>,
    /// The text lower-cased, disguises of `@` and `.` undone, with no spaces.
    compact: String,
    /// Letters and digits only, lower case.
    alnum: String,
}

impl Text {
    fn new(text: &str) -> Self {
        let words = words(text);
        let joined = format!(" {} ", words.join(" "));
        Text {
            original: text.to_owned(),
            numbers: numbers(text, 6),
            compact: compact_email_text(text),
            alnum: fold(text)
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect(),
            words,
            joined,
        }
    }

    fn has_phrase(&self, words: &[String]) -> bool {
        !words.is_empty() && self.joined.contains(&format!(" {} ", words.join(" ")))
    }
}

fn field_findings(t: &Text, label: &str, value: &str, kind: FieldKind) -> Vec<String> {
    let mut out = Vec::new();
    let value_words = words(value);
    // Phone numbers and emails, in any field.
    for (written, digits) in numbers(value, 7) {
        for (seen, seen_digits) in &t.numbers {
            if digits.contains(seen_digits.as_str()) || seen_digits.contains(digits.as_str()) {
                out.push(if seen_digits == &digits {
                    format!("“{seen}” is the source's phone number ({written}, in their {label})")
                } else {
                    format!(
                        "“{seen}” is part of the source's phone number ({written}, in their {label})"
                    )
                });
            }
        }
    }
    for email in emails(value) {
        if t.compact.contains(&email) {
            out.push(format!(
                "the source's email address ({email}, in their {label}) is in the text"
            ));
        } else if let Some(user) = email.split('@').next() {
            let user: String = user.chars().filter(char::is_ascii_alphanumeric).collect();
            if user.len() >= 4
                && (t.words.contains(&user) || (user.len() >= 6 && t.alnum.contains(&user)))
            {
                out.push(format!(
                    "“{user}” is the user name of the source's email address (in their {label})"
                ));
            }
        }
    }
    for code in postcodes(value) {
        let seen: String = t.alnum.to_ascii_uppercase();
        if seen.contains(&code) {
            out.push(format!(
                "the postcode {code} (in the source's {label}) is in the text"
            ));
        }
    }
    match kind {
        FieldKind::Name => out.extend(name_findings(t, value)),
        FieldKind::Contact => {
            out.extend(phrase_findings(t, label, &value_words, 3));
        }
        FieldKind::Words => out.extend(phrase_findings(t, label, &value_words, 3)),
        FieldKind::Notes => out.extend(phrase_findings(t, label, &value_words, 4)),
    }
    out
}

/// Words that do not identify anyone on their own: a run of only these is not a finding.
const COMMON: &[&str] = &[
    "a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "from", "by", "for", "with", "is",
    "was", "are", "were", "be", "been", "he", "she", "they", "his", "her", "their", "it", "its",
    "that", "this", "has", "had", "have", "not", "no", "as", "who", "which", "there", "them",
    "him", "we", "our", "you", "i", "my", "me", "so", "but", "if", "then", "than", "out", "up",
    "street", "road", "flat", "house",
];

/// The whole value when it is there, else any run of `n` words of it the text repeats (a run of
/// common words alone does not count).
fn phrase_findings(t: &Text, label: &str, value_words: &[String], n: usize) -> Vec<String> {
    let distinctive = |ws: &[String]| ws.iter().any(|w| !COMMON.contains(&w.as_str()));
    if value_words.len() <= n {
        let whole = value_words.join(" ");
        return if distinctive(value_words) && whole.len() >= 4 && t.has_phrase(value_words) {
            vec![format!("“{whole}” is the source's {label}")]
        } else {
            Vec::new()
        };
    }
    let mut out: Vec<String> = Vec::new();
    for run in value_words.windows(n) {
        if distinctive(run) && t.has_phrase(run) {
            let words = run.join(" ");
            let message = format!("“{words}” is copied from the source's {label}");
            if !out.contains(&message) {
                out.push(message);
            }
        }
    }
    out
}

/// Titles and joining words a name may carry that identify nobody.
const NOT_NAME_PARTS: &[&str] = &[
    "mr", "mrs", "ms", "miss", "dr", "aka", "known", "as", "the", "and", "of", "de", "la", "le",
    "van", "von", "da", "di", "del", "bin", "al",
];

fn name_findings(t: &Text, name: &str) -> Vec<String> {
    let parts: Vec<String> = words(name)
        .into_iter()
        .filter(|p| p.chars().count() >= 2 && !NOT_NAME_PARTS.contains(&p.as_str()))
        .collect();
    let mut out = Vec::new();
    for p in &parts {
        if t.words.contains(p) {
            let shown = original_word(&t.original, p).unwrap_or_else(|| p.clone());
            out.push(format!("“{shown}” is part of the source's name"));
        }
    }
    // Initials: all of them ("JAM"), or first and last ("JM"), however written ("J.M.",
    // "J. M.", "JM"), as capitals.
    if parts.len() >= 2 {
        let initial = |p: &String| p.chars().next().map(|c| c.to_ascii_uppercase());
        let all: String = parts.iter().filter_map(initial).collect();
        let first_last: String = [parts.first(), parts.last()]
            .into_iter()
            .flatten()
            .filter_map(initial)
            .collect();
        for (seen, letters) in initial_groups(&t.original) {
            if letters.len() >= 2 && (letters == all || letters == first_last) {
                out.push(format!("“{seen}” are the source's initials"));
            }
        }
    }
    out
}

/// Runs of capital initials in the text as written: "JM", "J.M.", "J. M." (with the letters).
fn initial_groups(text: &str) -> Vec<(String, String)> {
    let mut groups = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut letters = String::new();
    let flush = |seen: &mut Vec<&str>, letters: &mut String, groups: &mut Vec<(String, String)>| {
        if !letters.is_empty() {
            groups.push((seen.join(" "), std::mem::take(letters)));
        }
        seen.clear();
    };
    for token in text.split_whitespace() {
        let core = token.trim_matches(|c: char| !c.is_alphanumeric() && c != '.');
        let bare = core.replace('.', "");
        let capitals = !bare.is_empty() && bare.chars().all(|c| c.is_ascii_uppercase());
        // A word of one capital ("J" or "J.") joins the run; a word of capitals stands alone.
        if capitals && bare.len() == 1 {
            seen.push(core);
            letters.push_str(&bare);
        } else {
            flush(&mut seen, &mut letters, &mut groups);
            if capitals && bare.len() <= 4 {
                groups.push((core.to_owned(), bare));
            }
        }
    }
    flush(&mut seen, &mut letters, &mut groups);
    groups
}

/// The word of `text` as written whose folded form is `folded`.
fn original_word(text: &str, folded: &str) -> Option<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .find(|w| fold(w).replace(['\'', '’'], "") == folded)
        .map(str::to_owned)
}

/// Lower case, with the accents of Latin letters taken off.
fn fold(s: &str) -> String {
    const FROM: &str = "àáâãäåāăąçćčďèéêëēĕėęěìíîïīįıñńňòóôõöøōőùúûüūůűųýÿžźżśšşřĺľłğ";
    const TO: &str = "aaaaaaaaacccdeeeeeeeeeiiiiiiinnnoooooooouuuuuuuuyyzzzsssrlllg";
    s.to_lowercase()
        .chars()
        .map(|c| match FROM.chars().position(|f| f == c) {
            Some(i) => TO.chars().nth(i).unwrap_or(c),
            None => c,
        })
        .collect()
}

/// The folded words of `s`: apostrophes dropped ("O'Brien" is "obrien"), split at anything else
/// that is not a letter or digit.
fn words(s: &str) -> Vec<String> {
    fold(s)
        .replace(['\'', '’'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Phone-like numbers of at least `min` digits, whatever their spacing: runs of digits joined
/// by spaces, dashes, dots, slashes or brackets, with a leading `+`. UK numbers in international
/// form (+44 / 0044) are given as dialled at home (0...). Each as (written, digits).
fn numbers(s: &str, min: usize) -> Vec<(String, String)> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !(chars[i].is_ascii_digit()
            || (chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        let mut j = i;
        while j < chars.len() {
            let c = chars[j];
            if c.is_ascii_digit() {
                end = j + 1;
            } else if !(c == '+' && j == start || " -./()\u{a0}".contains(c)) {
                break;
            }
            j += 1;
        }
        let written: String = chars[start..end].iter().collect();
        let mut digits: String = written.chars().filter(char::is_ascii_digit).collect();
        let international = written.starts_with('+') || digits.starts_with("00");
        let trimmed = digits.trim_start_matches("00").to_owned();
        if international && trimmed.starts_with("44") {
            digits = format!("0{}", &trimmed[2..]);
        }
        if digits.len() >= min {
            out.push((written.trim().to_owned(), digits));
        }
        i = end.max(i + 1);
    }
    out
}

/// Email addresses in `s`, lower case.
fn emails(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || ",;<>()[]\"'".contains(c))
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| {
            w.split_once('@')
                .is_some_and(|(u, d)| !u.is_empty() && d.contains('.'))
        })
        .collect()
}

/// The text lower-cased with the usual disguises of an email undone ("at", "(at)", "[dot]",
/// "dot") and every space taken out, so "j.marsh @ example . com" and "j dot marsh at example
/// dot com" read as "j.marsh@example.com".
fn compact_email_text(s: &str) -> String {
    let mut t = format!(" {} ", s.to_lowercase());
    for (from, to) in [
        ("(at)", "@"),
        ("[at]", "@"),
        ("{at}", "@"),
        ("(dot)", "."),
        ("[dot]", "."),
        ("{dot}", "."),
        (" at ", " @ "),
        (" dot ", " . "),
    ] {
        // Twice: "a at b at c" overlaps its own spaces.
        t = t.replace(from, to).replace(from, to);
    }
    t.chars().filter(|c| !c.is_whitespace()).collect()
}

/// UK postcodes in `s` ("E8 2AA", "n1c4ag"), upper case without spaces.
fn postcodes(s: &str) -> Vec<String> {
    let tokens: Vec<String> = s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    let mut out = Vec::new();
    let inward = |t: &str| {
        let b = t.as_bytes();
        b.len() == 3
            && b[0].is_ascii_digit()
            && b[1].is_ascii_alphabetic()
            && b[2].is_ascii_alphabetic()
    };
    let outward = |t: &str| {
        let b = t.as_bytes();
        (2..=4).contains(&b.len())
            && b[0].is_ascii_alphabetic()
            && b.iter().any(u8::is_ascii_digit)
            && b.iter().all(u8::is_ascii_alphanumeric)
    };
    for (i, t) in tokens.iter().enumerate() {
        if outward(t) && tokens.get(i + 1).is_some_and(|n| inward(n)) {
            out.push(format!("{t}{}", tokens[i + 1]));
        } else if (5..=7).contains(&t.len())
            && outward(&t[..t.len() - 3])
            && inward(&t[t.len() - 3..])
        {
            out.push(t.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intel::{HandlingConditions, SourceType};
    use crate::RecordId;
    use chrono::Utc;
    use proptest::prelude::*;

    fn source(name: &str, contact: &str, relationship: &str, notes: &str) -> IntelSource {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        IntelSource {
            report_id: RecordId::new(),
            source_type: SourceType::MemberOfPublic,
            name: opt(name),
            contact: opt(contact),
            relationship: opt(relationship),
            notes: notes.to_owned(),
            recorded_at: Utc::now(),
            retention_review: Utc::now().date_naive(),
        }
    }

    fn jordan() -> IntelSource {
        source(
            "Jordan Marsh",
            "07700 900123, jordan.marsh77@example.com, 14 Kingsland Road, E8 2AA",
            "works the night shift at the kebab shop opposite",
            "Met at the back entrance of the launderette every Tuesday after closing.",
        )
    }

    fn found(text: &str) -> Vec<String> {
        findings(text, &jordan())
            .into_iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect()
    }

    #[test]
    fn clean_text_has_no_findings() {
        assert_eq!(
            found("Crack cocaine is being sold from a blue car on a main road in Dalston in the evenings."),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_name_its_parts_and_initials_are_found() {
        for text in [
            "Jordan Marsh says crack is sold",
            "MARSH says crack is sold",
            "J. Marsh says crack is sold",
            "According to Jordan, crack is sold",
        ] {
            let f = found(text);
            assert!(
                f.iter()
                    .any(|m| m.starts_with("name:") && m.contains("part of the source's name")),
                "{text}: {f:?}"
            );
        }
        for text in [
            "JM says crack is sold",
            "J.M. says it",
            "J. M. says it",
            "per (JM)",
        ] {
            let f = found(text);
            assert!(
                f.iter().any(|m| m.contains("are the source's initials")),
                "{text}: {f:?}"
            );
        }
        // Accents and case do not hide a name part.
        let zoe = source("Zoë Ó Briain", "", "", "");
        assert!(!findings("zoe was there", &zoe).is_empty());
        // A capital word that is not the initials, and a word merely containing a part, are not.
        assert!(found("The CCTV in the NHS car park").is_empty());
        assert!(found("Jordanian national seen").is_empty());
    }

    #[test]
    fn phone_numbers_are_found_whatever_their_spacing() {
        for text in [
            "call 07700900123",
            "call 07700 900 123",
            "call 077-009-001-23",
            "call (07700) 900.123",
            "call +44 7700 900123",
            "call 0044 7700-900-123",
            "call 0 7 7 0 0 9 0 0 1 2 3",
        ] {
            let f = found(text);
            assert!(
                f.iter().any(|m| m.contains("is the source's phone number")),
                "{text}: {f:?}"
            );
        }
        let f = found("the number ends 900123");
        assert!(
            f.iter()
                .any(|m| m.contains("part of the source's phone number")),
            "{f:?}"
        );
        assert!(found("seen at 21:45 on 12 March").is_empty());
    }

    #[test]
    fn emails_are_found_whatever_their_spacing_or_disguise() {
        for text in [
            "mail Jordan.Marsh77@Example.com",
            "mail jordan.marsh77 @ example . com",
            "mail jordan dot marsh77 at example dot com",
            "mail jordan.marsh77(at)example(dot)com",
        ] {
            let f = found(text);
            assert!(
                f.iter().any(|m| m.contains("source's email address")),
                "{text}: {f:?}"
            );
        }
        let s = source("", "jmarsh77@example.com", "", "");
        let f = findings("user jmarsh77 on the forum", &s);
        assert!(f.iter().any(|m| m.message.contains("user name")), "{f:?}");
    }

    #[test]
    fn every_other_source_field_is_checked() {
        let f = found("Sold from 14 Kingsland Road");
        assert!(
            f.iter()
                .any(|m| m.starts_with("contact:") && m.contains("14 kingsland road")),
            "{f:?}"
        );
        let f = found("near postcode e82aa");
        assert!(f.iter().any(|m| m.contains("postcode E82AA")), "{f:?}");
        let f = found("someone who works the night shift at the kebab shop");
        assert!(f.iter().any(|m| m.starts_with("relationship:")), "{f:?}");
        let f = found("dealing at the back entrance of the launderette");
        assert!(f.iter().any(|m| m.starts_with("handler notes:")), "{f:?}");
        // Common words alone are not a finding, nor the street on its own.
        assert!(found("at the back of the car on Kingsland Road").is_empty());
    }

    #[test]
    fn the_checklist_and_a_handling_change_are_required() {
        let code_c = HandlingCode::C {
            conditions: HandlingConditions::new("Not outside the Met").unwrap(),
        };
        let sources = [jordan()];
        let mut d = Dissemination {
            text: "Crack is sold from a blue car",
            sources: &sources,
            confirmed: &SanitiseCheck::ALL,
            handling_before: &HandlingCode::P,
            handling_after: &HandlingCode::P,
            handling_reason: "",
        };
        assert!(check_dissemination(&d).is_ok());
        d.confirmed = &SanitiseCheck::ALL[..3];
        let e = check_dissemination(&d).unwrap_err();
        assert!(e.has("checks") && !e.has("content") && !e.has("handling_reason"));
        d.confirmed = &SanitiseCheck::ALL;
        d.handling_after = &code_c;
        let e = check_dissemination(&d).unwrap_err();
        assert!(e.has("handling_reason"), "{e:?}");
        d.handling_reason = "   ";
        assert!(check_dissemination(&d).is_err(), "blank is no reason");
        d.handling_reason = "The source is at risk if it is shared outside the Met";
        assert!(check_dissemination(&d).is_ok());
        d.text = "Jordan says crack is sold, ring 07700-900-123";
        let e = check_dissemination(&d).unwrap_err();
        assert!(e.has("content"));
        let words = describe(
            &SanitiseCheck::ALL,
            &HandlingCode::P,
            &code_c,
            "The source is at risk.",
        );
        assert!(
            words.contains("Checks confirmed: The source cannot be identified"),
            "{words}"
        );
        assert!(
            words.contains("Handling code changed from P (lawful sharing permitted) to C (with conditions: Not outside the Met): The source is at risk."),
            "{words}"
        );
        assert!(!describe(&SanitiseCheck::ALL, &code_c, &code_c, "").contains("Handling"));
    }

    #[test]
    fn a_doorstep_is_coarsened_to_its_grid_square() {
        let door = Location {
            lat: 51.546_123,
            lon: -0.075_456,
            place: Some("outside 14 Kingsland Road".into()),
        };
        let c = coarsen(&door);
        assert_eq!(c.place, None);
        assert_ne!((c.lat, c.lon), (door.lat, door.lon));
        assert_eq!(coarsen(&c), c, "a coarsened point stays put");
    }

    proptest! {
        /// Within half a square's diagonal of the point, and the same for every point of a square.
        #[test]
        fn coarsening_moves_a_point_less_than_half_a_square_and_hides_where_in_it(
            lat in 49.0f64..59.0, lon in -8.0f64..2.0, fy in -0.98f64..0.98, fx in -0.98f64..0.98,
        ) {
            let p = Location { lat, lon, place: None };
            let c = coarsen(&p);
            let dy = (c.lat - lat) * METRES_PER_DEGREE;
            let dx = (c.lon - lon) * METRES_PER_DEGREE * c.lat.to_radians().cos();
            prop_assert!((dx * dx + dy * dy).sqrt() <= GRID_METRES * 0.71 + 1.0);
            // Anywhere in the same square gives the same point.
            let step_lat = GRID_METRES / METRES_PER_DEGREE;
            let step_lon = GRID_METRES / (METRES_PER_DEGREE * c.lat.to_radians().cos());
            let q = coarsen(&Location { lat: c.lat + fy * step_lat / 2.0, lon: c.lon + fx * step_lon / 2.0, place: None });
            prop_assert_eq!(&q, &c);
            prop_assert_eq!(coarsen(&c), c);
        }

        /// However a number is spaced, it is found.
        #[test]
        fn a_phone_number_is_found_however_it_is_spaced(seps in proptest::collection::vec(prop_oneof![Just(""), Just(" "), Just("-"), Just("."), Just("  ")], 10)) {
            let digits = "07700900123";
            let mut text = String::from("ring ");
            for (i, d) in digits.chars().enumerate() {
                text.push(d);
                if i < 10 {
                    text.push_str(seps[i]);
                }
            }
            let f = findings(&text, &jordan());
            prop_assert!(f.iter().any(|m| m.message.contains("is the source's phone number")), "{}: {:?}", text, f);
        }
    }
}
