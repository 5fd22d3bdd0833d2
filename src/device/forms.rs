//! Forms for the headless device, in the import format's style: a JSON object from a file (or
//! stdin) and flags that set its keys, read strictly. A key the record does not have is an error
//! (a typo must not silently drop data), every problem is reported field by field, and nothing is
//! saved from a form with a problem. Whether the record itself is valid is the store's decision,
//! the same as for the tablet.

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;
use std::io::Read;
use std::path::Path;

/// A form that could not be read into a record: what is wrong with it, key by key.
#[derive(Debug)]
pub struct FormError {
    what: String,
    problems: Vec<(String, String)>,
}

impl FormError {
    fn new(what: &str, problems: Vec<(String, String)>) -> Self {
        Self {
            what: what.to_owned(),
            problems,
        }
    }
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} was not saved:", self.what)?;
        for (field, problem) in &self.problems {
            write!(f, "\n  {field}: {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FormError {}

/// A form being filled in: the file's object, then each flag given.
#[derive(Debug, Default)]
pub struct Form {
    object: Map<String, Value>,
}

impl Form {
    /// The JSON object in `file` (`-` for stdin), or an empty form.
    pub fn from_file(file: Option<&Path>) -> Result<Self> {
        let Some(file) = file else {
            return Ok(Self::default());
        };
        let mut text = String::new();
        if file == Path::new("-") {
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read the form from stdin")?;
        } else {
            text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
        }
        match serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", file.display()))?
        {
            Value::Object(object) => Ok(Self { object }),
            _ => anyhow::bail!("{} must hold one JSON object", file.display()),
        }
    }

    /// Set `path` (`location.lat`) when a flag gave a value; a flag wins over the file.
    pub fn set(&mut self, path: &str, value: Option<impl Into<Value>>) -> &mut Self {
        if let Some(value) = value {
            set_path(&mut self.object, path, value.into());
        }
        self
    }

    /// Set `path` to the values of a repeatable flag, when it was given at least once.
    pub fn set_all(&mut self, path: &str, values: Vec<Value>) -> &mut Self {
        if !values.is_empty() {
            set_path(&mut self.object, path, Value::Array(values));
        }
        self
    }

    /// What `key` holds when neither the file nor a flag set it.
    pub fn or(&mut self, key: &str, value: impl Into<Value>) -> &mut Self {
        self.object
            .entry(key.to_owned())
            .or_insert_with(|| value.into());
        self
    }

    /// The form as a `T` (`what` names it in errors): every key must be one of `T`'s.
    pub fn read<T: DeserializeOwned + Serialize>(&self, what: &str) -> Result<T, FormError> {
        read_strict(what, Value::Object(self.object.clone()))
    }
}

/// `value` as a `T`, refusing keys `T` does not have, at any depth.
pub fn read_strict<T: DeserializeOwned + Serialize>(
    what: &str,
    value: Value,
) -> Result<T, FormError> {
    let parsed: T = serde_json::from_value(value.clone())
        .map_err(|e| FormError::new(what, vec![unreadable(&e)]))?;
    let known =
        serde_json::to_value(&parsed).map_err(|e| FormError::new(what, vec![unreadable(&e)]))?;
    let mut unknown = Vec::new();
    unknown_keys(&value, &known, "", &mut unknown);
    if unknown.is_empty() {
        Ok(parsed)
    } else {
        Err(FormError::new(
            what,
            unknown
                .into_iter()
                .map(|path| {
                    (
                        path,
                        "unknown key: remove it or check its spelling".to_owned(),
                    )
                })
                .collect(),
        ))
    }
}

/// Why a form could not be read as its record: a key left out, or a value of the wrong kind.
fn unreadable(e: &serde_json::Error) -> (String, String) {
    let text = e.to_string();
    match text
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
    {
        Some((field, _)) => (field.to_owned(), "missing: this key is required".to_owned()),
        None => ("record".to_owned(), text),
    }
}

/// Paths of keys in `given` that the record read from it (`known`) does not have.
fn unknown_keys(given: &Value, known: &Value, at: &str, out: &mut Vec<String>) {
    match (given, known) {
        (Value::Object(given), Value::Object(known)) => {
            for (key, value) in given {
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                match known.get(key) {
                    Some(inner) => unknown_keys(value, inner, &path, out),
                    None => out.push(path),
                }
            }
        }
        (Value::Array(given), Value::Array(known)) => {
            for (i, (value, inner)) in given.iter().zip(known).enumerate() {
                unknown_keys(value, inner, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn set_path(object: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            object.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let inner = object
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !inner.is_object() {
                *inner = Value::Object(Map::new());
            }
            if let Value::Object(inner) = inner {
                set_path(inner, rest, value);
            }
        }
    }
}

/// Changes to a saved record (`edit`): the file's keys and each `--set FIELD=VALUE`, applied to
/// the record's fields. A field the record does not have is an error; a value is text for a text
/// field and JSON otherwise (a number, true or false, null, a list or an object).
pub fn edit(what: &str, mut record: Value, file: Option<&Path>, sets: &[String]) -> Result<Value> {
    let changes = Form::from_file(file)?.object;
    let Value::Object(fields) = &mut record else {
        anyhow::bail!("the {what} cannot be edited here");
    };
    let mut problems = Vec::new();
    for (key, value) in changes {
        if fields.contains_key(&key) {
            fields.insert(key, value);
        } else {
            problems.push((key, "no such field on this record".to_owned()));
        }
    }
    for set in sets {
        let Some((path, text)) = set.split_once('=') else {
            problems.push((set.clone(), "use --set FIELD=VALUE".to_owned()));
            continue;
        };
        match field_mut(fields, path) {
            Some(field) => {
                *field = if field.is_string() {
                    Value::String(text.to_owned())
                } else {
                    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
                };
            }
            None => problems.push((path.to_owned(), "no such field on this record".to_owned())),
        }
    }
    if problems.is_empty() {
        Ok(record)
    } else {
        Err(FormError::new(what, problems).into())
    }
}

fn field_mut<'a>(fields: &'a mut Map<String, Value>, path: &str) -> Option<&'a mut Value> {
    match path.split_once('.') {
        None => fields.get_mut(path),
        Some((head, rest)) => match fields.get_mut(head)? {
            Value::Object(inner) => field_mut(inner, rest),
            _ => None,
        },
    }
}

/// `NAME=N` pairs of a repeatable flag (`--attendance resident=12`) as objects.
pub fn pairs(flag: &str, values: &[String], name: &str, number: &str) -> Result<Vec<Value>> {
    values
        .iter()
        .map(|v| {
            let (text, n) = v
                .rsplit_once('=')
                .with_context(|| format!("--{flag} {v:?}: use NAME=NUMBER"))?;
            let n: u32 = n
                .trim()
                .parse()
                .with_context(|| format!("--{flag} {v:?}: {n:?} is not a whole number"))?;
            Ok(serde_json::json!({ name: text.trim(), number: n }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_domain::meeting::{Meeting, YouSaidWeDid};
    use serde_json::json;

    #[test]
    fn unknown_keys_are_refused_at_any_depth_with_their_paths() {
        let value = json!({
            "meeting_type": "ward_panel", "area_id": "E05013655", "held_on": "2026-06-01",
            "venue": null, "attendance": [{"role": "resident", "count": 12, "colour": "red"}],
            "total_attendance": null, "issues_raised": [], "votes": [], "agreed_priorities": [],
            "review_date": "2026-09-01", "notes": "", "retention_review": "2028-06-01",
            "mood": "cheerful"
        });
        let err = read_strict::<Meeting>("meeting", value).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("the meeting was not saved:"), "{text}");
        assert!(
            text.contains("\n  attendance[0].colour: unknown key"),
            "{text}"
        );
        assert!(text.contains("\n  mood: unknown key"), "{text}");
    }

    #[test]
    fn a_value_of_the_wrong_type_says_so() {
        let err = read_strict::<YouSaidWeDid>(
            "update",
            json!({"you_said": "Noise", "we_did": "Patrols", "on": "soon"}),
        )
        .unwrap_err();
        assert!(err.to_string().contains("\n  record: "), "{err}");
        let err = read_strict::<YouSaidWeDid>("update", json!({"you_said": "Noise"})).unwrap_err();
        assert!(
            err.to_string()
                .contains("\n  we_did: missing: this key is required"),
            "{err}"
        );
    }

    #[test]
    fn flags_set_nested_keys_and_win_over_the_file() {
        let mut form = Form::default();
        form.set("location.lat", Some(51.5))
            .set("location.lon", Some(-0.14))
            .set("notes", None::<String>)
            .or("notes", "")
            .set_all("issues_raised", vec![json!("Noise")]);
        assert_eq!(
            Value::Object(form.object),
            json!({"location": {"lat": 51.5, "lon": -0.14}, "notes": "", "issues_raised": ["Noise"]})
        );
    }

    #[test]
    fn an_edit_changes_only_fields_the_record_has() {
        let record =
            json!({"notes": "", "attendees": 3, "ended_at": null, "location": {"lat": 1.0}});
        let sets = [
            "notes=12".to_owned(),
            "attendees=14".to_owned(),
            "ended_at=2026-11-20T21:35:00Z".to_owned(),
            "location.lat=51.5".to_owned(),
        ];
        let edited = edit("patrol", record.clone(), None, &sets).unwrap();
        assert_eq!(
            edited,
            json!({"notes": "12", "attendees": 14, "ended_at": "2026-11-20T21:35:00Z", "location": {"lat": 51.5}})
        );
        let err = edit(
            "patrol",
            record,
            None,
            &["colour=red".to_owned(), "oops".to_owned()],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("colour: no such field") && err.contains("oops: use --set"),
            "{err}"
        );
    }

    #[test]
    fn pairs_read_name_and_number() {
        assert_eq!(
            pairs(
                "vote",
                &["Street drinking = 9".to_owned()],
                "title",
                "votes"
            )
            .unwrap(),
            vec![json!({"title": "Street drinking", "votes": 9})]
        );
        assert!(pairs("vote", &["Street drinking".to_owned()], "title", "votes").is_err());
    }
}
