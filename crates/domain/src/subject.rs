//! Subject access (DPA 2018 s.45): how a person is found in records, and the intelligence unit's
//! decisions on what the data protection officer may disclose of source records and raw
//! intelligence.
//!
//! A person is looked for by any of: name, phone number, email, date of birth, description. A
//! record matches when any of them is found in any of its texts: every plain field (people's
//! names and descriptions, a source's contact details...), every version of every narrative text
//! (not only the current one) and every appended update ([`passages`]).
//!
//! - Names: case, accents and word order do not matter ("Smith, John" and "JOHN SMITH" find
//!   "John Smith", "Zoë" finds "Zoe"), and a middle name between them is allowed ("John Robert
//!   Smith"). Only whole name parts match: "Jo" does not find "John".
//! - Phone numbers: whatever their spacing or punctuation, and `+44` / `0044` read as `0`.
//! - Emails: whole addresses, case-insensitive.
//! - Dates of birth: written `12/03/1985`, `12.03.85`, `1985-03-12`, `12 March 1985`, `12th Mar
//!   1985`.
//! - Descriptions: every word of three letters or more (common words aside) in the same text.

use crate::merge::RecordState;
use crate::validation::ValidationErrors;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

/// The fewest digits a phone number is looked for with.
pub const MIN_PHONE_DIGITS: usize = 7;

/// What the data protection officer asks for: any of these, at least one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(default)]
#[ts(export_to = "../../hq/bindings/")]
pub struct SubjectQuery {
    #[ts(optional)]
    pub name: Option<String>,
    #[ts(optional)]
    pub phone: Option<String>,
    #[ts(optional)]
    pub email: Option<String>,
    /// `YYYY-MM-DD`.
    #[ts(optional)]
    #[schema(value_type = Option<String>, format = Date)]
    pub date_of_birth: Option<NaiveDate>,
    /// Words describing the person ("red jacket, walks with a stick").
    #[ts(optional)]
    pub description: Option<String>,
}

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl SubjectQuery {
    /// What was asked for, in words, for the access log and the pack.
    pub fn words(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = given(&self.name) {
            parts.push(format!("name “{n}”"));
        }
        if let Some(p) = given(&self.phone) {
            parts.push(format!("phone “{p}”"));
        }
        if let Some(e) = given(&self.email) {
            parts.push(format!("email “{e}”"));
        }
        if let Some(d) = self.date_of_birth {
            parts.push(format!("date of birth {}", d.format("%-d %b %Y")));
        }
        if let Some(d) = given(&self.description) {
            parts.push(format!("description “{d}”"));
        }
        parts.join(", ")
    }

    /// Check it and make the search, or say what is wrong field by field.
    pub fn search(&self) -> Result<SubjectSearch, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let mut s = SubjectSearch::default();
        if let Some(n) = given(&self.name) {
            let parts: Vec<String> = tokens(n).into_iter().map(|t| t.word).collect();
            if parts.is_empty() || parts.iter().all(|p| p.chars().count() < 2) {
                errs.add(
                    "name",
                    "too_short",
                    "give at least one whole part of the name (two letters or more)",
                );
            } else if parts.len() > 6 {
                errs.add("name", "too_long", "give at most six parts of the name");
            } else {
                s.name = parts;
            }
        }
        if let Some(p) = given(&self.phone) {
            let digits = phone_digits(p);
            if p.chars().any(|c| c.is_alphabetic()) || digits.len() < MIN_PHONE_DIGITS {
                errs.add(
                    "phone",
                    "not_a_phone",
                    format!("give the whole phone number (at least {MIN_PHONE_DIGITS} digits)"),
                );
            } else {
                s.phone = Some(digits);
            }
        }
        if let Some(e) = given(&self.email) {
            let e = e.to_lowercase();
            match e.split_once('@') {
                Some((user, domain))
                    if !user.is_empty() && domain.contains('.') && !e.contains(' ') =>
                {
                    s.email = Some(e)
                }
                _ => errs.add(
                    "email",
                    "not_an_email",
                    "give the whole email address, like name@example.org",
                ),
            }
        }
        s.date_of_birth = self.date_of_birth;
        if let Some(d) = given(&self.description) {
            let words: Vec<String> = tokens(d)
                .into_iter()
                .map(|t| t.word)
                .filter(|w| w.chars().count() >= 3 && !STOP_WORDS.contains(&w.as_str()))
                .collect();
            if words.is_empty() {
                errs.add(
                    "description",
                    "too_short",
                    "describe the person in a few words of three letters or more",
                );
            } else {
                s.description = words;
            }
        }
        if errs.is_empty() && s.is_empty() {
            errs.add(
                "",
                "required",
                "give a name, phone number, email, date of birth or description to look for",
            );
        }
        errs.into_result().map(|()| s)
    }
}

/// Words too common to describe anyone.
const STOP_WORDS: &[&str] = &[
    "and", "the", "with", "for", "was", "has", "had", "his", "her", "who", "that", "this", "from",
    "are", "not", "but", "they", "them", "their", "she", "him", "wearing", "about", "very",
];

/// Words that may stand between a first name and a surname without being a middle name.
const NOT_A_NAME: &[&str] = &[
    "and", "or", "with", "the", "to", "of", "at", "by", "for", "from", "in", "on", "is", "was",
];

/// A checked [`SubjectQuery`], ready to match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubjectSearch {
    /// Name parts, folded (lower case, no accents).
    pub name: Vec<String>,
    /// Digits, `+44` read as `0`.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub description: Vec<String>,
}

/// Which part of the query found a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "../../hq/bindings/")]
pub enum MatchedBy {
    Name,
    Phone,
    Email,
    DateOfBirth,
    Description,
}

impl MatchedBy {
    pub fn words(self) -> &'static str {
        match self {
            MatchedBy::Name => "Name",
            MatchedBy::Phone => "Phone number",
            MatchedBy::Email => "Email",
            MatchedBy::DateOfBirth => "Date of birth",
            MatchedBy::Description => "Description",
        }
    }
}

/// One text of a record, and where in the record it is, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passage {
    /// "Description", "Description (earlier version, 3 Dec 2026, 14:05)", "Update of 4 Dec
    /// 2026, 09:12: text", "People 1: name".
    pub place: String,
    pub text: String,
}

/// A text that matched, with the part of it around the match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct Hit {
    #[schema(value_type = String)]
    pub by: MatchedBy,
    /// `by` in words: "Name", "Phone number"...
    pub by_words: String,
    pub place: String,
    /// The text around the match (the whole text when short).
    pub excerpt: String,
}

impl SubjectSearch {
    pub fn is_empty(&self) -> bool {
        self.name.is_empty()
            && self.phone.is_none()
            && self.email.is_none()
            && self.date_of_birth.is_none()
            && self.description.is_empty()
    }

    /// Every text of `passages` the search finds, at most one hit per kind of match and place.
    pub fn find(&self, passages: &[Passage]) -> Vec<Hit> {
        let mut hits = Vec::new();
        for p in passages {
            let toks = tokens(&p.text);
            let mut hit = |by: MatchedBy, span: (usize, usize)| {
                hits.push(Hit {
                    by,
                    by_words: by.words().to_owned(),
                    place: p.place.clone(),
                    excerpt: excerpt(&p.text, span),
                });
            };
            if let Some(span) = self.name_in(&toks) {
                hit(MatchedBy::Name, span);
            }
            if let Some(span) = self.phone.as_deref().and_then(|d| phone_in(&p.text, d)) {
                hit(MatchedBy::Phone, span);
            }
            if let Some(span) = self.email.as_deref().and_then(|e| email_in(&p.text, e)) {
                hit(MatchedBy::Email, span);
            }
            if let Some(span) = self.date_of_birth.and_then(|d| date_in(&toks, d)) {
                hit(MatchedBy::DateOfBirth, span);
            }
            if let Some(span) = self.description_in(&toks) {
                hit(MatchedBy::Description, span);
            }
        }
        hits
    }

    /// The name's parts as consecutive words in any order, or with one middle name between the
    /// first and last of them.
    fn name_in(&self, toks: &[Token]) -> Option<(usize, usize)> {
        let n = self.name.len();
        if n == 0 {
            return None;
        }
        let mut want = self.name.clone();
        want.sort();
        for start in 0..toks.len() {
            for len in [n, n + 1] {
                if len == n + 1 && n < 2 {
                    continue;
                }
                let Some(window) = toks.get(start..start + len) else {
                    continue;
                };
                let mut words: Vec<String> = window.iter().map(|t| t.word.clone()).collect();
                if len == n + 1 {
                    // The extra word is a middle name: not first, not last, not a small word.
                    let middle = (1..len - 1).find(|&i| {
                        let mut rest = words.clone();
                        rest.remove(i);
                        rest.sort();
                        rest == want
                    });
                    let Some(i) = middle else { continue };
                    if NOT_A_NAME.contains(&words[i].as_str()) || words[i].chars().count() < 2 {
                        continue;
                    }
                    words.remove(i);
                }
                words.sort();
                if words == want {
                    return Some((window[0].start, window[len - 1].end));
                }
            }
        }
        None
    }

    fn description_in(&self, toks: &[Token]) -> Option<(usize, usize)> {
        if self.description.is_empty() {
            return None;
        }
        let mut first: Option<&Token> = None;
        for w in &self.description {
            let t = toks.iter().find(|t| &t.word == w)?;
            if first.is_none_or(|f| t.start < f.start) {
                first = Some(t);
            }
        }
        first.map(|t| (t.start, t.end))
    }
}

/// Every text a record holds, each with where it is: plain fields (walked into lists and
/// objects), every version of each narrative text, and every appended update.
pub fn passages(state: &RecordState) -> Vec<Passage> {
    let mut out = Vec::new();
    for (name, v) in &state.fields {
        if state.texts.contains_key(name) || SKIP_FIELDS.contains(&name.as_str()) {
            continue;
        }
        walk(&label(name), &v.value.to_value(), &mut out);
    }
    for (name, versions) in &state.texts {
        let live = state.live_versions(name);
        let current = live.first().map(|v| v.stamp);
        for v in versions.values() {
            let place = if Some(v.stamp) == current {
                label(name)
            } else {
                format!(
                    "{} (earlier version, {})",
                    label(name),
                    when(v.stamp.hlc.wall_ms)
                )
            };
            out.push(Passage {
                place,
                text: v.value.clone(),
            });
        }
    }
    for (key, entry) in &state.log {
        let wall_ms = key
            .split('.')
            .next()
            .and_then(|w| w.parse().ok())
            .unwrap_or_default();
        walk(
            &format!("Update of {}", when(wall_ms)),
            &entry.entry.to_value(),
            &mut out,
        );
    }
    out
}

/// Fields holding ids, codes and references rather than anything about a person.
const SKIP_FIELDS: &[&str] = &[
    "areas",
    "area_id",
    "report_id",
    "source_id",
    "photos",
    "review_state",
    "disseminated_to",
    "grade",
    "legacy_grade",
    "security",
    "retention_review",
];

fn label(key: &str) -> String {
    let mut s = key.replace('_', " ");
    if let Some(first) = s.get(0..1) {
        let up = first.to_uppercase();
        s.replace_range(0..1, &up);
    }
    s
}

fn when(wall_ms: u64) -> String {
    DateTime::<Utc>::from_timestamp_millis(i64::try_from(wall_ms).unwrap_or_default())
        .map_or_else(String::new, |d| d.format("%-d %b %Y, %H:%M").to_string())
}

fn walk(place: &str, v: &Value, out: &mut Vec<Passage>) {
    match v {
        Value::String(s) if !s.trim().is_empty() => out.push(Passage {
            place: place.to_owned(),
            text: plain_words(s),
        }),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(&format!("{place} {}", i + 1), item, out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                if SKIP_FIELDS.contains(&k.as_str()) || k == "id" || k == "sha256" {
                    continue;
                }
                walk(&format!("{place}: {}", k.replace('_', " ")), item, out);
            }
        }
        _ => {}
    }
}

/// A plain field's value as a person reads it: a time or date in words (`7 Dec 2026, 21:44`), a
/// code (`street_drinking`) as words. Narrative text is never a plain field.
fn plain_words(s: &str) -> String {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return t.with_timezone(&Utc).format("%-d %b %Y, %H:%M").to_string();
    }
    if let Ok(d) = s.parse::<NaiveDate>() {
        return d.format("%-d %b %Y").to_string();
    }
    let code = s.contains('_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if code {
        return s.replace('_', " ");
    }
    s.to_owned()
}

/// A word of a text, folded (lower case, accents taken off, apostrophes dropped), with where it
/// is in the original (byte offsets).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Token {
    word: String,
    start: usize,
    end: usize,
}

/// A letter without its accent, lower case. Latin letters; others are kept as they are.
fn fold(c: char, out: &mut String) {
    let s = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å'
        | 'Ā' | 'Ă' | 'Ą' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' | 'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => "c",
        'ď' | 'đ' | 'Ď' | 'Đ' | 'ð' | 'Ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ'
        | 'Ė' | 'Ę' | 'Ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' | 'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "g",
        'ĥ' | 'ħ' | 'Ĥ' | 'Ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī'
        | 'Ĭ' | 'Į' | 'İ' => "i",
        'ĵ' | 'Ĵ' => "j",
        'ķ' | 'Ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' | 'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'Ñ' | 'Ń' | 'Ņ' | 'Ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø'
        | 'Ō' | 'Ŏ' | 'Ő' => "o",
        'œ' | 'Œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' | 'Ŕ' | 'Ŗ' | 'Ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'Ś' | 'Ŝ' | 'Ş' | 'Š' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'Ţ' | 'Ť' | 'Ŧ' => "t",
        'þ' | 'Þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ũ'
        | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' => "u",
        'ŵ' | 'Ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' | 'Ý' | 'Ÿ' | 'Ŷ' => "y",
        'ź' | 'ż' | 'ž' | 'Ź' | 'Ż' | 'Ž' => "z",
        // Combining accents (a text written decomposed): dropped.
        '\u{300}'..='\u{36f}' => "",
        _ => {
            out.extend(c.to_lowercase());
            return;
        }
    };
    out.push_str(s);
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut cur: Option<Token> = None;
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        if c.is_alphanumeric() || ('\u{300}'..='\u{36f}').contains(&c) {
            let t = cur.get_or_insert_with(|| Token {
                word: String::new(),
                start: i,
                end,
            });
            fold(c, &mut t.word);
            t.end = end;
        } else if matches!(c, '\'' | '’' | '‘' | '`') && cur.is_some() {
            // O'Brien and O’Brien are OBrien.
        } else if let Some(t) = cur.take() {
            out.push(t);
        }
    }
    out.extend(cur);
    out.retain(|t| !t.word.is_empty());
    out
}

/// A phone number's digits, `+44` / `0044` / `44…` (12 digits) read as a leading `0`.
fn phone_digits(s: &str) -> String {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    normal_phone(&digits)
}

fn normal_phone(digits: &str) -> String {
    if let Some(rest) = digits.strip_prefix("0044") {
        format!("0{rest}")
    } else if digits.len() == 12 && digits.starts_with("44") {
        format!("0{}", &digits[2..])
    } else {
        digits.to_owned()
    }
}

/// A run of digit groups, separated by spaces, dashes, dots, brackets or a slash, possibly
/// after a `+`: any consecutive groups of it that make the number.
fn phone_in(text: &str, want: &str) -> Option<(usize, usize)> {
    let mut groups: Vec<(String, usize, usize)> = Vec::new();
    let check = |groups: &[(String, usize, usize)]| -> Option<(usize, usize)> {
        for a in 0..groups.len() {
            let mut digits = String::new();
            for b in a..groups.len() {
                digits.push_str(&groups[b].0);
                if digits.len() > want.len() + 4 {
                    break;
                }
                if normal_phone(&digits) == want {
                    return Some((groups[a].1, groups[b].2));
                }
            }
        }
        None
    };
    let mut cur: Option<(String, usize, usize)> = None;
    for (i, c) in text.char_indices() {
        if c.is_ascii_digit() {
            let g = cur.get_or_insert_with(|| (String::new(), i, i));
            g.0.push(c);
            g.2 = i + 1;
            continue;
        }
        if let Some(g) = cur.take() {
            groups.push(g);
        }
        if !matches!(c, ' ' | '-' | '.' | '(' | ')' | '+' | '/' | '\u{a0}') {
            if let Some(span) = check(&groups) {
                return Some(span);
            }
            groups.clear();
        }
    }
    groups.extend(cur);
    check(&groups)
}

fn email_in(text: &str, want: &str) -> Option<(usize, usize)> {
    let mut start = None;
    let is_part = |c: char| {
        !(c.is_whitespace()
            || matches!(
                c,
                ',' | ';' | '<' | '>' | '(' | ')' | '"' | '\'' | '[' | ']'
            ))
    };
    let mut spans = Vec::new();
    for (i, c) in text.char_indices() {
        match (is_part(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    spans.extend(start.map(|s| (s, text.len())));
    spans.into_iter().find_map(|(s, e)| {
        let word = text[s..e].trim_end_matches(['.', ':', '!', '?']);
        (word.to_lowercase() == want).then_some((s, s + word.len()))
    })
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month_of(word: &str) -> Option<u32> {
    if let Ok(n) = word.parse::<u32>() {
        return (1..=12).contains(&n).then_some(n);
    }
    MONTHS
        .iter()
        .position(|m| {
            word.len() >= 3
                && m.starts_with(word)
                && (word.len() == 3 || *m == word || word == "sept")
        })
        .map(|i| i as u32 + 1)
}

fn day_of(word: &str) -> Option<u32> {
    let digits = word
        .strip_suffix("st")
        .or_else(|| word.strip_suffix("nd"))
        .or_else(|| word.strip_suffix("rd"))
        .or_else(|| word.strip_suffix("th"))
        .unwrap_or(word);
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

fn year_is(word: &str, year: i32) -> bool {
    match (word.len(), word.parse::<i32>()) {
        (4, Ok(y)) => y == year,
        (2, Ok(y)) => y == year.rem_euclid(100),
        _ => false,
    }
}

fn date_in(toks: &[Token], d: NaiveDate) -> Option<(usize, usize)> {
    toks.windows(3).find_map(|w| {
        let (a, b, c) = (&w[0].word, &w[1].word, &w[2].word);
        let day_first =
            day_of(a) == Some(d.day()) && month_of(b) == Some(d.month()) && year_is(c, d.year());
        let year_first = a.len() == 4
            && year_is(a, d.year())
            && b.parse::<u32>().ok() == Some(d.month())
            && c.parse::<u32>().ok() == Some(d.day());
        (day_first || year_first).then_some((w[0].start, w[2].end))
    })
}

/// The text around a match: the whole text up to 300 characters, else the match with up to 120
/// characters either side, cut at spaces and marked with "…".
fn excerpt(text: &str, (start, end): (usize, usize)) -> String {
    const WHOLE: usize = 300;
    const SIDE: usize = 120;
    if text.chars().count() <= WHOLE {
        return text.trim().to_owned();
    }
    let mut from = start;
    let mut n = 0;
    for (i, _) in text[..start].char_indices().rev() {
        n += 1;
        from = i;
        if n >= SIDE {
            break;
        }
    }
    let mut to = end;
    for (n, (i, c)) in text[end..].char_indices().enumerate() {
        to = end + i + c.len_utf8();
        if n + 1 >= SIDE {
            break;
        }
    }
    let mut s = text[from..to].trim().to_owned();
    if from > 0 {
        if let Some(sp) = s.find(' ').filter(|&sp| sp < start - from) {
            s = s[sp + 1..].to_owned();
        }
        s = format!("…{s}");
    }
    if to < text.len() {
        let keep = s.len() - (to - end).min(s.len());
        if let Some(sp) = s.rfind(' ').filter(|&sp| sp > keep) {
            s.truncate(sp);
        }
        s.push('…');
    }
    s
}

// -------------------------------------------------------------------------------------------
// The intelligence unit's decisions

/// What the intelligence unit decides for a source record or raw intelligence a subject access
/// search found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "../../hq/bindings/")]
pub enum RedactionDecision {
    /// Disclosed as it is: nothing in it identifies a source or prejudices an investigation.
    Disclose,
    /// Disclosed as the intelligence unit rewrote it (the text to disclose).
    DiscloseRedacted,
    /// Not disclosed, under an exemption.
    Withhold,
}

impl RedactionDecision {
    pub fn words(self) -> &'static str {
        match self {
            RedactionDecision::Disclose => "Disclose",
            RedactionDecision::DiscloseRedacted => "Disclose redacted",
            RedactionDecision::Withhold => "Withhold",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RedactionDecision::Disclose => "disclose",
            RedactionDecision::DiscloseRedacted => "disclose_redacted",
            RedactionDecision::Withhold => "withhold",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Disclose, Self::DiscloseRedacted, Self::Withhold]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

/// The exemptions a withheld record may be withheld under (DPA 2018 s.45(4)).
pub const EXEMPTIONS: &[&str] = &[
    "DPA s.45(4)(a): to avoid obstructing an official or legal inquiry, investigation or procedure",
    "DPA s.45(4)(b): prejudice to the prevention or detection of crime",
    "DPA s.45(4)(c): to protect public security",
    "DPA s.45(4)(d): to protect national security",
    "DPA s.45(4)(e): to protect the rights and freedoms of others",
];

/// A decision as the intelligence unit gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct RedactionInput {
    #[schema(value_type = String)]
    pub decision: RedactionDecision,
    /// The text to disclose, for `disclose_redacted`.
    #[serde(default)]
    #[ts(optional)]
    pub text: Option<String>,
    /// One of [`EXEMPTIONS`], for `withhold`.
    #[serde(default)]
    #[ts(optional)]
    pub exemption: Option<String>,
    /// Why: required.
    #[serde(default)]
    pub reason: String,
}

impl RedactionInput {
    /// Check it against the record's own text: a redacted text must differ from it.
    pub fn validate(&self, original: &[String]) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::new();
        errs.require_text("reason", &self.reason, "A reason");
        errs.max_len("reason", &self.reason, 2_000);
        match self.decision {
            RedactionDecision::Disclose => {}
            RedactionDecision::DiscloseRedacted => {
                let text = self.text.as_deref().unwrap_or_default();
                errs.require_text("text", text, "The text to disclose");
                errs.max_len("text", text, 20_000);
                if !text.trim().is_empty() && original.iter().any(|o| o.trim() == text.trim()) {
                    errs.add(
                        "text",
                        "not_redacted",
                        "the text to disclose is the record's own text: redact it, or choose disclose",
                    );
                }
            }
            RedactionDecision::Withhold => {
                let ex = self.exemption.as_deref().unwrap_or_default();
                if !EXEMPTIONS.contains(&ex) {
                    errs.add(
                        "exemption",
                        "required",
                        "choose the exemption it is withheld under",
                    );
                }
            }
        }
        errs.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hlc::Hlc;
    use crate::op::{FieldWrite, Op, OpAction};
    use crate::{DeviceId, OfficerId, RecordId, RecordKind};
    use serde_json::json;

    fn name(n: &str) -> SubjectSearch {
        SubjectQuery {
            name: Some(n.into()),
            ..SubjectQuery::default()
        }
        .search()
        .unwrap()
    }

    fn text(t: &str) -> Vec<Passage> {
        vec![Passage {
            place: "Description".into(),
            text: t.into(),
        }]
    }

    fn finds(s: &SubjectSearch, t: &str) -> bool {
        !s.find(&text(t)).is_empty()
    }

    #[test]
    fn a_name_is_found_whatever_its_case_accents_and_order() {
        for q in [
            "John Smith",
            "john smith",
            "SMITH JOHN",
            "Smith, John",
            "  smith ,john ",
        ] {
            let s = name(q);
            assert!(finds(&s, "Spoke to John Smith outside"), "{q}");
            assert!(finds(&s, "SMITH, John (suspect)"), "{q}");
            assert!(finds(&s, "John Robert Smith was there"), "{q}: middle name");
            assert!(!finds(&s, "John and Smith argued"), "{q}: two people");
            assert!(!finds(&s, "John Smithson"), "{q}: another name");
            assert!(!finds(&s, "Jane Smith"), "{q}");
        }
        assert!(finds(&name("Zoe Bronte"), "Zoë Brontë called"));
        assert!(finds(&name("Zoë Brontë"), "zoe bronte called"));
        assert!(finds(&name("Łukasz Wójcik"), "lukasz wojcik"));
        assert!(finds(&name("O'Brien"), "Siobhan O’Brien"));
        assert!(finds(&name("Smith-Jones"), "Ann Smith Jones"));
    }

    #[test]
    fn fragments_shorter_than_a_name_part_find_nothing() {
        assert!(!finds(&name("Jo"), "John Smith"));
        assert!(finds(&name("Jo"), "Jo Bloggs"));
        assert!(!finds(&name("Smit"), "John Smith"));
        assert!(!finds(&name("ohn"), "John Smith"));
        let e = SubjectQuery {
            name: Some("J".into()),
            ..SubjectQuery::default()
        }
        .search()
        .unwrap_err();
        assert_eq!(e.errors[0].field, "name");
        assert!(SubjectQuery::default().search().is_err(), "nothing asked");
    }

    #[test]
    fn a_phone_number_is_found_whatever_its_spacing() {
        let s = SubjectQuery {
            phone: Some("07700 900123".into()),
            ..SubjectQuery::default()
        }
        .search()
        .unwrap();
        for t in [
            "call 07700900123",
            "call 07700 900 123 after six",
            "mobile: 07700-900-123.",
            "tel (07700) 900123",
            "+44 7700 900123",
            "+44 (0)7700 900123",
            "0044 7700 900123",
            "seen at 10 30, number 07700 900123",
        ] {
            assert!(finds(&s, t), "{t}");
        }
        for t in [
            "07700 900124",
            "07700 9001234",
            "17700 900123",
            "reference 7700900123",
        ] {
            assert!(!finds(&s, t), "{t}");
        }
        let e = SubjectQuery {
            phone: Some("0770".into()),
            ..SubjectQuery::default()
        }
        .search()
        .unwrap_err();
        assert_eq!(e.errors[0].field, "phone");
    }

    #[test]
    fn an_email_is_found_whole_and_in_any_case() {
        let s = SubjectQuery {
            email: Some("J.Smith@Example.org".into()),
            ..SubjectQuery::default()
        }
        .search()
        .unwrap();
        assert!(finds(&s, "emailed j.smith@example.org."));
        assert!(finds(&s, "<J.SMITH@EXAMPLE.ORG>"));
        assert!(!finds(&s, "aj.smith@example.org"));
        assert!(!finds(&s, "j.smith@example.org.uk"));
        assert!(SubjectQuery {
            email: Some("smith".into()),
            ..SubjectQuery::default()
        }
        .search()
        .is_err());
    }

    #[test]
    fn a_date_of_birth_is_found_as_people_write_it() {
        let s = SubjectQuery {
            date_of_birth: NaiveDate::from_ymd_opt(1985, 3, 12),
            ..SubjectQuery::default()
        }
        .search()
        .unwrap();
        for t in [
            "DOB 12/03/1985",
            "born 12.03.85",
            "dob 1985-03-12",
            "born 12 March 1985",
            "born 12th Mar 1985",
        ] {
            assert!(finds(&s, t), "{t}");
        }
        for t in ["12/04/1985", "03/12/1985", "12 March 1986", "1985"] {
            assert!(!finds(&s, t), "{t}");
        }
    }

    #[test]
    fn a_description_needs_every_word() {
        let s = SubjectQuery {
            description: Some("red jacket, with a limp".into()),
            ..SubjectQuery::default()
        }
        .search()
        .unwrap();
        assert_eq!(s.description, vec!["red", "jacket", "limp"]);
        assert!(finds(&s, "Man in a RED jacket walking with a limp"));
        assert!(!finds(&s, "Man in a red jacket"));
        assert!(!finds(&s, "Man in a red jackets with a limp"));
    }

    #[test]
    fn a_long_text_gives_the_part_around_the_match() {
        let long = format!("{} John Smith {}", "word ".repeat(100), "more ".repeat(100));
        let hits = name("John Smith").find(&text(&long));
        let e = &hits[0].excerpt;
        assert!(e.contains("John Smith"), "{e}");
        assert!(e.starts_with('…') && e.ends_with('…'), "{e}");
        assert!(e.chars().count() < 260, "{e}");
    }

    fn op(seq: u64, wall: u64, action: OpAction) -> Op {
        Op {
            device_id: DeviceId(uuid::Uuid::nil()),
            device_seq: seq,
            record_id: RecordId(uuid::Uuid::nil()),
            kind: RecordKind::Concern,
            author: OfficerId::new("PC1"),
            hlc: Hlc::new(wall, 0),
            action,
        }
    }

    #[test]
    fn every_text_version_and_appended_update_is_searched() {
        let mut state = RecordState::from_op(&op(
            1,
            1_765_000_000_000,
            OpAction::Put {
                fields: [
                    (
                        "description".to_owned(),
                        FieldWrite::Text {
                            value: "Complaint from Mary Jones about noise".into(),
                            bases: vec![],
                        },
                    ),
                    (
                        "reported_at".to_owned(),
                        FieldWrite::Set((&json!("2025-12-06T05:46:40Z")).into()),
                    ),
                    (
                        "heading".to_owned(),
                        FieldWrite::Set((&json!("street_drinking")).into()),
                    ),
                    (
                        "people".to_owned(),
                        FieldWrite::Set(
                            (&json!([{"role": "witness", "name": "Kwame Mensah"}])).into(),
                        ),
                    ),
                ]
                .into(),
            },
        ));
        let first = state.live_versions("description")[0].stamp;
        state.apply(&op(
            2,
            1_765_000_100_000,
            OpAction::Put {
                fields: [(
                    "description".to_owned(),
                    FieldWrite::Text {
                        value: "Complaint about noise".into(),
                        bases: vec![first],
                    },
                )]
                .into(),
            },
        ));
        state.apply(&op(
            3,
            1_765_000_200_000,
            OpAction::Append {
                entry: (&json!({"text": "Visited Tomás Ortega at home"})).into(),
            },
        ));
        let p = passages(&state);
        let mary = name("mary jones").find(&p);
        assert_eq!(mary.len(), 1, "{p:?}");
        assert!(
            mary[0].place.starts_with("Description (earlier version"),
            "{}",
            mary[0].place
        );
        assert!(
            p.iter()
                .any(|x| x.place == "Reported at" && x.text == "6 Dec 2025, 05:46"),
            "times in words: {p:?}"
        );
        assert!(
            p.iter().any(|x| x.text == "street drinking"),
            "codes in words"
        );
        let kwame = name("Mensah Kwame").find(&p);
        assert_eq!(kwame[0].place, "People 1: name");
        let tomas = name("tomas ortega").find(&p);
        assert!(
            tomas[0].place.starts_with("Update of "),
            "{}",
            tomas[0].place
        );
        assert!(name("noise").find(&p).len() == 2, "both versions");
    }

    #[test]
    fn a_decision_needs_its_reason_text_or_exemption() {
        let original = vec!["Source Jo Bloggs says".to_owned()];
        let d = |decision, text: Option<&str>, exemption: Option<&str>, reason: &str| {
            RedactionInput {
                decision,
                text: text.map(str::to_owned),
                exemption: exemption.map(str::to_owned),
                reason: reason.into(),
            }
            .validate(&original)
        };
        assert!(d(RedactionDecision::Disclose, None, None, "nothing sensitive").is_ok());
        let e = d(RedactionDecision::Disclose, None, None, " ").unwrap_err();
        assert_eq!(e.errors[0].field, "reason");
        let e = d(RedactionDecision::DiscloseRedacted, None, None, "r").unwrap_err();
        assert_eq!(e.errors[0].field, "text");
        let e = d(
            RedactionDecision::DiscloseRedacted,
            Some("Source Jo Bloggs says"),
            None,
            "r",
        )
        .unwrap_err();
        assert_eq!(e.errors[0].code, "not_redacted");
        assert!(d(
            RedactionDecision::DiscloseRedacted,
            Some("[redacted] says"),
            None,
            "r"
        )
        .is_ok());
        let e = d(RedactionDecision::Withhold, None, Some("because"), "r").unwrap_err();
        assert_eq!(e.errors[0].field, "exemption");
        assert!(d(RedactionDecision::Withhold, None, Some(EXEMPTIONS[1]), "r").is_ok());
    }
}
