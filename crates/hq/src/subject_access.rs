//! The subject access search: every record, of every kind (source details included), that names
//! or mentions a person, for a subject access request. Logged with the ids of what it found.

use crate::error::ApiError;
use crate::records::{log_disclosure, scan, Loaded};
use crate::HqState;
use beatbook_domain::people::Officer;
use beatbook_domain::views::RecordSummary;
use beatbook_domain::RecordKind;
use serde::Serialize;

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct SubjectAccess {
    pub name: String,
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<RecordSummary>,
}

/// Names of people a record holds: people involved, a source's name.
fn names_in(r: &Loaded) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(people) = r.summary.body.get("people").and_then(|p| p.as_array()) {
        names.extend(
            people
                .iter()
                .filter_map(|p| p.get("name").and_then(|n| n.as_str()))
                .map(str::to_owned),
        );
    }
    if r.state.kind == RecordKind::IntelSource {
        if let Some(n) = r.summary.body.get("name").and_then(|n| n.as_str()) {
            names.push(n.to_owned());
        }
    }
    names
}

/// Every record naming or mentioning `name` (at least three letters), newest first, for `by`.
pub async fn search(state: &HqState, by: &Officer, name: &str) -> Result<SubjectAccess, ApiError> {
    let name = name.trim();
    let lower = name.to_lowercase();
    if lower.chars().count() < 3 {
        return Err(ApiError::BadRequest(
            "give at least three letters of the person's name".into(),
        ));
    }
    let mut found: Vec<RecordSummary> = scan(state, &[])
        .await?
        .into_iter()
        .filter(|r| {
            names_in(r)
                .iter()
                .any(|n| n.to_lowercase().contains(&lower))
                || r.search_text.to_lowercase().contains(&lower)
                || r.summary.body.to_string().to_lowercase().contains(&lower)
        })
        .map(|r| r.summary)
        .collect();
    found.sort_by_key(|r| std::cmp::Reverse(r.occurred_at));
    log_disclosure(
        state,
        &by.id,
        "subject_access",
        found.iter().map(|r| r.id).collect(),
        format!("subject access search for {name:?}"),
    )
    .await?;
    Ok(SubjectAccess {
        name: name.to_owned(),
        records: found,
    })
}
