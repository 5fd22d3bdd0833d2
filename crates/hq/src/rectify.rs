//! Rectification and restriction by a force's data protection officer (DPA 2018 s.46, s.47):
//! the record as the officer sees it ([`view`]), a correction ([`rectify`]), a restriction
//! ([`restrict`]) and its lifting ([`lift`]). The rules are `beatbook_domain::rectify`; here
//! they are applied to the record as HQ holds it and written as ops of HQ's own device through
//! the shared writer ([`crate::intel_review::write`]), so every tablet that holds the record
//! merges the correction (and lets a restricted record go) at its next pull. Each is logged in
//! the access log with the note and a SHA-256 of the value it replaced or removed; the op is the
//! record's history entry.
//!
//! Sources and raw intelligence are the intelligence unit's: refused to the data protection
//! officer in words (`access::data_protection_view`).

use crate::auth::sha256_hex;
use crate::dashboard::audit::AccessEntry;
use crate::error::ApiError;
use crate::intel_review::{write, Change};
use crate::records::{self, HistoryItem, OfficerNames};
use crate::storage::AccessQuery;
use crate::HqState;
use beatbook_domain::access::{data_protection_view, DataProtectionView};
use beatbook_domain::merge::{RecordState, RESTRICTED_FIELD};
use beatbook_domain::op::FieldWrite;
use beatbook_domain::people::Officer;
use beatbook_domain::rectify::{self as rules, Rectification};
use beatbook_domain::views::RecordSummary;
use beatbook_domain::{OpAction, RecordId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The access log's actions for these, as the audit page and [`DpRecord::log`] read them.
pub const RECTIFY: &str = "rectify";
pub const RESTRICT: &str = "restrict";
pub const LIFT: &str = "lift_restriction";

/// A plain field as the data protection officer reads and corrects it.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct DpField {
    /// The field's name in the record (`contact`), what a correction names.
    pub name: String,
    /// In words (`Contact`).
    pub label: String,
    /// Its value in words (`07700 900123`; a list as `Witness: John Smith; Victim`).
    pub shown: String,
    /// Its value as the record holds it, for the correction form.
    #[ts(type = "unknown")]
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
    /// Whether the data protection officer corrects it here (not areas, review or retention,
    /// which the system keeps).
    pub correctable: bool,
}

/// An earlier version of a text, replaced by a later one.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct DpVersion {
    pub at: DateTime<Utc>,
    pub text: String,
}

/// A narrative text with its earlier versions.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct DpText {
    pub name: String,
    pub label: String,
    /// The text shown now (the newest live version).
    pub current: String,
    /// Edited at the same time on two tablets: more than one current version.
    pub conflict: bool,
    /// Earlier versions still kept, newest first.
    pub superseded: Vec<DpVersion>,
    /// How many earlier versions have been removed.
    pub removed: u32,
}

/// A record's restriction in words.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct DpRestriction {
    pub reason: String,
    /// Who restricted it, e.g. `Fiona Mensah (DP0001)`.
    pub by_name: String,
    pub at: DateTime<Utc>,
}

/// A rectification or restriction, from the access log.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct DpLogItem {
    pub at: DateTime<Utc>,
    pub by_name: String,
    /// `Corrected`, `Restricted`, `Restriction lifted`.
    pub what: String,
    /// What changed and the note, in words.
    pub detail: String,
}

/// A record as the data protection officer reads it.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct DpRecord {
    #[schema(value_type = Object)]
    pub summary: RecordSummary,
    /// Its kind in words (`Concern`).
    pub kind: String,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub fields: Vec<DpField>,
    pub texts: Vec<DpText>,
    /// `null` when not restricted.
    pub restriction: Option<DpRestriction>,
    /// Its rectifications and restrictions, newest first.
    pub log: Vec<DpLogItem>,
    /// Its changes as HQ received them, oldest first.
    pub history: Vec<HistoryItem>,
}

/// `POST …/rectify`: see [`Rectification`].
#[derive(Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct RectifyRequest {
    pub field: String,
    /// The corrected value (text for a text; the value for a plain field). Left out to remove
    /// earlier versions only.
    #[serde(default)]
    #[ts(optional, type = "unknown")]
    #[schema(value_type = Option<Object>)]
    pub value: Option<serde_json::Value>,
    /// Remove the text's earlier versions (with a correction, the text it replaces too).
    #[serde(default)]
    #[ts(optional, as = "Option<bool>")]
    pub remove_superseded: bool,
    pub note: String,
}

/// `POST …/restrict` (`reason`) and `POST …/lift` (`note`).
#[derive(Deserialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct RestrictRequest {
    #[serde(default)]
    #[ts(optional, as = "Option<String>")]
    pub reason: String,
    #[serde(default)]
    #[ts(optional, as = "Option<String>")]
    pub note: String,
}

/// How a record's history names an op of these, or `None` for any other write.
pub fn history_words(fields: &BTreeMap<String, FieldWrite>) -> Option<String> {
    if let Some(FieldWrite::Set(v)) = fields.get(RESTRICTED_FIELD) {
        return Some(if v.get() == "null" {
            "Restriction lifted (data protection)".to_owned()
        } else {
            "Restricted (data protection)".to_owned()
        });
    }
    let erased: Vec<String> = fields
        .iter()
        .filter(|(_, w)| matches!(w, FieldWrite::Erase { .. }))
        .map(|(f, _)| f.replace('_', " "))
        .collect();
    (!erased.is_empty()).then(|| {
        format!(
            "Removed earlier versions of {} (data protection)",
            erased.join(", ")
        )
    })
}

fn label(name: &str) -> String {
    let s = name.replace('_', " ");
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A value in words: text as it is, lists and objects spelled out, never JSON.
fn words(v: &serde_json::Value) -> String {
    use serde_json::Value as V;
    match v {
        V::Null => "—".into(),
        V::Bool(true) => "Yes".into(),
        V::Bool(false) => "No".into(),
        V::Number(n) => n.to_string(),
        V::String(s) => s.replace('_', " "),
        V::Array(items) if items.is_empty() => "None".into(),
        V::Array(items) => items.iter().map(words).collect::<Vec<_>>().join("; "),
        V::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
            .map(|(k, v)| format!("{}: {}", label(k), words(v)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn ms_time(ms: u64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(i64::try_from(ms).unwrap_or(i64::MAX)).unwrap_or_default()
}

/// The record as the data protection officer may have it: missing (or deleted) is not found;
/// a source or raw intelligence is refused in words.
async fn load(state: &HqState, id: RecordId) -> Result<records::Loaded, ApiError> {
    let not_found = || ApiError::NotFound("there is no such record".into());
    let change = state.storage.record(id).await?.ok_or_else(not_found)?;
    if data_protection_view(&change.facts) == DataProtectionView::WithheldForReview {
        return Err(ApiError::Forbidden(
            "this record is an intelligence source or intelligence not yet shared: the \
             intelligence unit reviews it, and it is not shown to the data protection officer"
                .into(),
        ));
    }
    records::load(change).ok_or_else(not_found)
}

/// The record for the data protection officer, restriction and earlier versions included;
/// logged as a view with the purpose.
pub async fn view(
    state: &HqState,
    by: &Officer,
    id: RecordId,
    purpose: String,
) -> Result<DpRecord, ApiError> {
    let r = load(state, id).await?;
    records::log_disclosure_for(
        state,
        &by.id,
        "view",
        vec![id],
        "data protection record view".into(),
        purpose,
    )
    .await?;
    describe(state, r).await
}

async fn describe(state: &HqState, r: records::Loaded) -> Result<DpRecord, ApiError> {
    let names = OfficerNames::load(state.storage.as_ref()).await?;
    let s: &RecordState = &r.state;
    let fields = s
        .fields
        .iter()
        .filter(|(name, _)| name.as_str() != RESTRICTED_FIELD && !s.texts.contains_key(*name))
        .map(|(name, v)| {
            let value = v.value.to_value();
            DpField {
                label: label(name),
                shown: words(&value),
                correctable: rules::applies_to(s.kind)
                    && !rules::NOT_RECTIFIED.contains(&name.as_str()),
                name: name.clone(),
                value,
            }
        })
        .collect();
    let texts = s
        .texts
        .iter()
        .map(|(name, versions)| {
            let live = s.live_versions(name);
            let mut superseded: Vec<DpVersion> = versions
                .values()
                .filter(|v| !v.erased && !live.iter().any(|l| l.stamp == v.stamp))
                .map(|v| DpVersion {
                    at: ms_time(v.stamp.hlc.wall_ms),
                    text: v.value.clone(),
                })
                .collect();
            superseded.sort_by_key(|v| std::cmp::Reverse(v.at));
            DpText {
                label: label(name),
                current: live.first().map(|v| v.value.clone()).unwrap_or_default(),
                conflict: live.len() > 1,
                superseded,
                removed: u32::try_from(versions.values().filter(|v| v.erased).count())
                    .unwrap_or(u32::MAX),
                name: name.clone(),
            }
        })
        .collect();
    let restriction = rules::restriction_of(s).map(|x| DpRestriction {
        by_name: names.get(&x.by),
        reason: x.reason,
        at: x.at,
    });
    let log = state
        .storage
        .access_log(&AccessQuery {
            record_id: Some(s.id),
            limit: 500,
            ..AccessQuery::default()
        })
        .await?
        .into_iter()
        .filter_map(|e| {
            let what = match e.action.as_str() {
                RECTIFY => "Corrected",
                RESTRICT => "Restricted",
                LIFT => "Restriction lifted",
                _ => return None,
            };
            Some(DpLogItem {
                at: e.at,
                by_name: names.get(&e.officer_id),
                what: what.into(),
                // The hash of the old value is for the audit trail, not for a person to read.
                detail: e
                    .detail
                    .split(HASH_MARK)
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            })
        })
        .collect();
    let history = records::history(
        s,
        state.storage.record_ops(s.id, records::HISTORY).await?,
        &names,
    );
    Ok(DpRecord {
        kind: crate::admin::kind_words(s.kind).into(),
        created_by_name: names.get(&r.created_by),
        created_at: ms_time(s.created.hlc.wall_ms),
        updated_at: ms_time(s.updated.hlc.wall_ms),
        fields,
        texts,
        restriction,
        log,
        history,
        summary: r.summary,
    })
}

/// Where the access log's detail of a rectification gives the old value's hash.
const HASH_MARK: &str = " | old value SHA-256 ";

async fn log(
    state: &HqState,
    by: &Officer,
    action: &str,
    id: RecordId,
    detail: String,
    purpose: String,
) -> Result<(), ApiError> {
    state
        .storage
        .log_access(&AccessEntry {
            at: Utc::now(),
            officer_id: by.id.clone(),
            device_id: None,
            action: action.to_owned(),
            record_ids: vec![id],
            detail: detail.clone(),
            purpose,
        })
        .await?;
    // Rectification and restriction are data protection decisions: the admin log has them too.
    let (kind, what) = match action {
        "rectify" => ("record_rectified", "Rectified"),
        "restrict" => ("record_restricted", "Restricted"),
        _ => ("restriction_lifted", "Lifted the restriction on"),
    };
    crate::admin_log::record(
        state,
        crate::admin_log::AdminEvent::new(
            Some(&by.id),
            kind,
            format!(
                "{what} a record ({}) for data protection: {}",
                by.name,
                detail.split(HASH_MARK).next().unwrap_or_default()
            ),
        ),
    )
    .await?;
    Ok(())
}

/// Correct a field or remove a text's earlier versions, with a note; the record as it is then.
pub async fn rectify(
    state: &HqState,
    by: &Officer,
    id: RecordId,
    req: RectifyRequest,
    purpose: String,
) -> Result<DpRecord, ApiError> {
    let r = load(state, id).await?;
    let req = Rectification {
        field: req.field,
        value: req.value,
        remove_superseded: req.remove_superseded,
        note: req.note,
    };
    let (actions, old) = rules::plan(&r.state, &req).map_err(ApiError::Invalid)?;
    let changes = actions
        .into_iter()
        .map(|action| Change {
            record_id: id,
            kind: r.state.kind,
            action,
            guard: None,
        })
        .collect();
    write(state, &by.id, changes).await?;
    let field = req.field.replace('_', " ");
    let what = match (&req.value, req.remove_superseded) {
        (Some(_), true) => format!("{field} corrected and its earlier versions removed"),
        (Some(_), false) => format!("{field} corrected"),
        (None, _) => format!("earlier versions of {field} removed"),
    };
    let hashes: Vec<String> = old.iter().map(|v| sha256_hex(v)).collect();
    log(
        state,
        by,
        RECTIFY,
        id,
        format!(
            "{what}. Note: {}{HASH_MARK}{}",
            req.note.trim(),
            hashes.join(", ")
        ),
        purpose,
    )
    .await?;
    describe(state, load(state, id).await?).await
}

/// Restrict a record, with the reason: it leaves every list, figure and tablet until lifted.
pub async fn restrict(
    state: &HqState,
    by: &Officer,
    id: RecordId,
    reason: &str,
    purpose: String,
) -> Result<DpRecord, ApiError> {
    let r = load(state, id).await?;
    let action =
        rules::restrict(&r.state, reason, &by.id, Utc::now()).map_err(ApiError::Invalid)?;
    write(state, &by.id, vec![one(&r, action)]).await?;
    log(
        state,
        by,
        RESTRICT,
        id,
        format!("Restricted. Reason: {}", reason.trim()),
        purpose,
    )
    .await?;
    describe(state, load(state, id).await?).await
}

/// Lift a record's restriction, with a note: it returns to lists, figures and tablets.
pub async fn lift(
    state: &HqState,
    by: &Officer,
    id: RecordId,
    note: &str,
    purpose: String,
) -> Result<DpRecord, ApiError> {
    let r = load(state, id).await?;
    let action = rules::lift(&r.state, note).map_err(ApiError::Invalid)?;
    write(state, &by.id, vec![one(&r, action)]).await?;
    log(
        state,
        by,
        LIFT,
        id,
        format!("Restriction lifted. Note: {}", note.trim()),
        purpose,
    )
    .await?;
    describe(state, load(state, id).await?).await
}

fn one(r: &records::Loaded, action: OpAction) -> Change {
    Change {
        record_id: r.state.id,
        kind: r.state.kind,
        action,
        guard: None,
    }
}
