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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::AccessQuery;
    use crate::testing::{concern, hq, intel, officer, source, Device};

    #[tokio::test]
    async fn a_search_finds_every_record_naming_the_person_and_is_logged() {
        let hq = hq().await;
        let mut tablet = Device::enrol(&hq.state, "PC4127").await;
        let named = tablet
            .create(
                &hq.state,
                &concern(
                    "Shouting at passers-by",
                    "tc-camden-town",
                    Some("Jo Bloggs"),
                ),
            )
            .await;
        tablet
            .create(&hq.state, &concern("Bins alight", "tc-camden-town", None))
            .await;
        let report = tablet
            .create(
                &hq.state,
                &intel("Dealing from the car park", "tc-camden-town"),
            )
            .await;
        let src = tablet.create(&hq.state, &source(report, "Jo Bloggs")).await;
        let admin = officer(&hq.state, "AD0001").await;
        let e = search(&hq.state, &admin, " jo ").await.err();
        assert!(matches!(e, Some(ApiError::BadRequest(_))), "{e:?}");
        let found = search(&hq.state, &admin, " jo bloggs ").await.unwrap();
        assert_eq!(found.name, "jo bloggs");
        let mut ids: Vec<_> = found.records.iter().map(|r| r.id).collect();
        ids.sort();
        let mut expect = vec![named, src];
        expect.sort();
        assert_eq!(ids, expect);
        let log = hq
            .state
            .storage
            .access_log(&AccessQuery {
                officer_id: Some(admin.id.clone()),
                limit: 1,
                ..AccessQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(log[0].action, "subject_access");
        assert_eq!(log[0].record_ids.len(), 2);
    }
}
