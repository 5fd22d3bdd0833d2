//! Records as HQ staff read them: a page of the list, newest first and filtered, and one record
//! with its history. What each role may see is `domain::access::hq_may_see`; every list and view
//! is written to the access log (before it is answered) with the ids of the records disclosed.

use crate::dashboard::audit::AccessEntry;
use crate::error::ApiError;
use crate::storage::{Change, RecordOp, RecordPage, RecordQuery, Storage, StorageError};
use crate::HqState;
use beatbook_domain::access::{hq_may_see, hq_may_see_kind, mask_personal, masks_personal, Viewer};
use beatbook_domain::merge::RecordState;
use beatbook_domain::people::{Officer, Role};
use beatbook_domain::protocol::OpOutcome;
use beatbook_domain::views::RecordSummary;
use beatbook_domain::{concern, intel, meeting, patrol};
use beatbook_domain::{
    AreaId, FieldWrite, OfficerId, Op, OpAction, Record, RecordId, RecordKind, TeamId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Officers as people read them, `Sam Patel (PC2290)`, looked up once for a page of rows.
pub struct OfficerNames(HashMap<OfficerId, String>);

impl OfficerNames {
    pub async fn load(storage: &dyn Storage) -> Result<Self, StorageError> {
        Ok(OfficerNames(
            storage
                .officers()
                .await?
                .into_iter()
                .map(|o| (o.id, format!("{} ({})", o.name, o.collar_number)))
                .collect(),
        ))
    }

    /// The officer's name and collar number; the id (a collar number) with a note when HQ no
    /// longer lists them.
    pub fn get(&self, id: &OfficerId) -> String {
        self.0
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("{id} (no longer on HQ's list of officers)"))
    }
}

/// Storage pages read at a time when scanning records.
const PAGE: u32 = 5_000;

/// A record as HQ pages handle it: the merged state, read as its kind.
pub struct Loaded {
    pub change: Change,
    pub state: RecordState,
    pub summary: RecordSummary,
    pub search_text: String,
    pub created_by: OfficerId,
}

fn summarise<R: Record>(state: &RecordState) -> Option<(RecordSummary, String)> {
    let r = R::from_state(state).ok()?;
    let body = serde_json::to_value(&r).ok()?;
    Some((
        RecordSummary {
            id: state.id,
            kind: state.kind,
            title: r.title(),
            status: r.status(),
            occurred_at: r.occurred_at(),
            areas: r.areas(),
            conflicts: state.conflicts(),
            pending_ops: 0,
            body,
        },
        r.search_text(),
    ))
}

impl Loaded {
    /// Mask people's names and contact details (`access::mask_personal`), for a reader who may
    /// not see them: the summary's body and title, and the text a search looks in, which becomes
    /// the masked record's (a search for a name finds nothing the reader may not read).
    pub fn mask(&mut self) {
        mask_personal(
            self.summary.kind,
            &mut self.summary.body,
            &mut self.summary.title,
        );
        let mut words = Vec::new();
        strings(&self.summary.body, &mut words);
        self.search_text = words.join(" ");
    }
}

fn strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// How a person at HQ reads records for one request: the purpose they gave, in words for the
/// access log, and whether names and contact details are masked for them
/// (`access::masks_personal`: analysts, unless the purpose unmasks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Look {
    pub purpose: String,
    pub masked: bool,
}

impl Look {
    pub fn new(
        state: &HqState,
        by: &Officer,
        purposed: &crate::dashboard::purpose::Purposed,
    ) -> Look {
        Look {
            purpose: purposed.words(state),
            masked: masks_personal(by.role, purposed.unmasks(state)),
        }
    }

    /// Mask the record if this look masks.
    pub fn apply(&self, r: &mut Loaded) {
        if self.masked {
            r.mask();
        }
    }

    /// The access log's detail for what was read, saying when it was read masked.
    pub fn detail(&self, what: impl Into<String>) -> String {
        let what = what.into();
        if self.masked {
            format!("{what} (names and contact details masked)")
        } else {
            what
        }
    }

    /// Write the read to the access log with this look's purpose.
    pub async fn log(
        &self,
        state: &HqState,
        by: &OfficerId,
        action: &str,
        record_ids: Vec<RecordId>,
        what: impl Into<String>,
    ) -> Result<(), ApiError> {
        log_disclosure_for(
            state,
            by,
            action,
            record_ids,
            self.detail(what),
            self.purpose.clone(),
        )
        .await
    }
}

/// Read a stored change as a record of its kind. `None` for a deleted or unreadable record.
pub fn load(change: Change) -> Option<Loaded> {
    let state: RecordState = serde_json::from_str(&change.state_json).ok()?;
    if state.is_deleted() {
        return None;
    }
    let (summary, search_text) = match state.kind {
        RecordKind::Concern => summarise::<concern::Concern>(&state),
        RecordKind::IntelReport => summarise::<intel::IntelReport>(&state),
        RecordKind::IntelSource => summarise::<intel::IntelSource>(&state),
        RecordKind::Meeting => summarise::<meeting::Meeting>(&state),
        RecordKind::Priority => summarise::<meeting::Priority>(&state),
        RecordKind::PatrolLog => summarise::<patrol::PatrolLog>(&state),
        RecordKind::Engagement => summarise::<patrol::Engagement>(&state),
        RecordKind::Action => summarise::<beatbook_domain::improvement::ImprovementAction>(&state),
    }?;
    Some(Loaded {
        created_by: state.created_by.clone(),
        change,
        state,
        summary,
        search_text,
    })
}

/// Every current record of `kinds` (all if empty), read as its kind.
pub async fn scan(state: &HqState, kinds: &[RecordKind]) -> Result<Vec<Loaded>, ApiError> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = state
            .storage
            .records(&RecordQuery {
                kinds: kinds.to_vec(),
                after,
                limit: PAGE,
            })
            .await?;
        let n = page.len();
        after = page.last().map_or(after, |c| c.server_seq);
        out.extend(page.into_iter().filter_map(load));
        if n < PAGE as usize {
            return Ok(out);
        }
    }
}

/// Write one disclosure at HQ (no device) to the access log, with no purpose. Called before the
/// records are sent. Reads of personal data use [`log_disclosure_for`] with their purpose.
pub async fn log_disclosure(
    state: &HqState,
    by: &OfficerId,
    action: &str,
    record_ids: Vec<RecordId>,
    detail: String,
) -> Result<(), ApiError> {
    log_disclosure_for(state, by, action, record_ids, detail, String::new()).await
}

/// Write one disclosure at HQ (no device) to the access log with its purpose in words
/// (`Purpose::describe`). Called before the records are sent.
pub async fn log_disclosure_for(
    state: &HqState,
    by: &OfficerId,
    action: &str,
    record_ids: Vec<RecordId>,
    detail: String,
    purpose: String,
) -> Result<(), ApiError> {
    state
        .storage
        .log_access(&AccessEntry {
            at: Utc::now(),
            officer_id: by.clone(),
            device_id: None,
            action: action.to_owned(),
            record_ids,
            detail,
            purpose,
        })
        .await?;
    Ok(())
}

#[derive(Debug, Default, Deserialize, ts_rs::TS, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
#[ts(export_to = "../../hq/bindings/")]
pub struct ListQuery {
    #[ts(optional)]
    #[param(value_type = Option<String>, pattern = "^(concern|intel_report|intel_source|meeting|priority|patrol_log|engagement|action)$")]
    pub kind: Option<RecordKind>,
    #[ts(optional)]
    #[param(value_type = Option<String>)]
    pub area: Option<AreaId>,
    #[ts(optional)]
    #[param(value_type = Option<String>)]
    pub team: Option<TeamId>,
    #[ts(optional)]
    pub status: Option<String>,
    #[ts(optional)]
    pub since: Option<DateTime<Utc>>,
    #[ts(optional)]
    pub until: Option<DateTime<Utc>>,
    /// Words that must all appear in the record's text (case-insensitive).
    #[ts(optional)]
    pub q: Option<String>,
    #[ts(optional)]
    #[param(minimum = 1, maximum = 1000)]
    #[serde(default, deserialize_with = "crate::extract::ranged::<_, 1, 1000>")]
    pub limit: Option<u32>,
    /// Only records older than this: the `next_before` of the page before ("load more").
    #[ts(optional, type = "number")]
    #[serde(default, deserialize_with = "crate::extract::opt_cursor")]
    pub before: Option<u64>,
}

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct RecordList {
    /// Newest first: the most recently created or changed first (HQ's server sequence).
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<RecordSummary>,
    /// More may match: ask again with `before` set to `next_before`.
    pub more: bool,
    /// Where the next page starts, when `more`.
    #[ts(type = "number | null")]
    pub next_before: Option<u64>,
    /// How many records were read to answer.
    pub scanned: u32,
    /// The search reached the most records one answer reads ([`SCAN_LIMIT`]) before the page was
    /// full: older records were not searched yet, and `next_before` goes on from there.
    pub scan_stopped: bool,
}

/// The most records one list reads. Kind and area (or team) are read through indexes, newest
/// first, and cost only the page; words, status and dates are checked record by record, so a
/// search for something rare stops here and says so, rather than reading all of HQ.
pub const SCAN_LIMIT: u32 = 10_000;

/// Records read from storage at a time when listing: the first read is the page itself (with one
/// more to tell whether there is more), later ones grow while the filters keep rejecting.
const FIRST_READ: u32 = 50;
const MAX_READ: u32 = 2_000;

/// The filters of a list that are checked record by record.
struct Filter<'a> {
    q: &'a ListQuery,
    team_areas: Option<Vec<AreaId>>,
    words: Vec<String>,
}

impl Filter<'_> {
    fn matches(&self, r: &Loaded) -> bool {
        let q = self.q;
        q.area.as_ref().is_none_or(|a| r.summary.areas.contains(a))
            && self
                .team_areas
                .as_ref()
                .is_none_or(|ta| r.summary.areas.iter().any(|a| ta.contains(a)))
            && q.status
                .as_ref()
                .is_none_or(|s| r.summary.status.as_ref() == Some(s))
            && q.since.is_none_or(|s| r.summary.occurred_at >= s)
            && q.until.is_none_or(|u| r.summary.occurred_at < u)
            && (self.words.is_empty() || {
                let text = format!("{} {}", r.summary.title, r.search_text).to_lowercase();
                self.words.iter().all(|w| text.contains(w))
            })
    }

    /// The narrowest index the filters give: the area, else the team's areas.
    fn page(&self) -> RecordPage {
        RecordPage {
            kinds: self.q.kind.into_iter().collect(),
            areas: match (&self.q.area, &self.team_areas) {
                (Some(a), _) => vec![a.clone()],
                (None, Some(ta)) => ta.clone(),
                (None, None) => Vec::new(),
            },
            before: self.q.before,
            limit: 0,
        }
    }

    /// Nothing to read: a team without areas, or a kind this role never sees.
    fn finds_nothing(&self, role: Role) -> bool {
        self.team_areas.as_ref().is_some_and(Vec::is_empty)
            || self.q.kind.is_some_and(|k| !hq_may_see_kind(role, k))
    }
}

/// The areas of the team a list is narrowed to, if it is.
async fn team_areas(
    state: &HqState,
    team: Option<&TeamId>,
) -> Result<Option<Vec<AreaId>>, ApiError> {
    let Some(t) = team else {
        return Ok(None);
    };
    Ok(Some(
        state
            .storage
            .teams()
            .await?
            .into_iter()
            .find(|k| &k.id == t)
            .ok_or_else(|| ApiError::NotFound(format!("no team {t}")))?
            .areas,
    ))
}

/// A page of the records `by` may see that match `q`, newest first, read as `look` says; logged
/// as a search with its purpose.
pub async fn list(
    state: &HqState,
    by: &Officer,
    q: &ListQuery,
    look: &Look,
) -> Result<RecordList, ApiError> {
    let limit = q.limit.unwrap_or(200).clamp(1, 1_000);
    let filter = Filter {
        q,
        team_areas: team_areas(state, q.team.as_ref()).await?,
        words: q
            .q
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_lowercase)
            .collect(),
    };
    let list = if filter.finds_nothing(by.role) {
        RecordList {
            records: Vec::new(),
            more: false,
            next_before: None,
            scanned: 0,
            scan_stopped: false,
        }
    } else {
        let viewer = crate::device_sessions::viewer_for(state, by).await?;
        read_list(state, &viewer, &filter, limit, look).await?
    };
    look.log(
        state,
        &by.id,
        "search",
        list.records.iter().map(|r| r.id).collect(),
        asked(state, q).await?,
    )
    .await?;
    Ok(list)
}

/// What a list asked for, in words, for the access log: the audit page shows it as it is.
async fn asked(state: &HqState, q: &ListQuery) -> Result<String, ApiError> {
    let day = |t: DateTime<Utc>| t.format("%-d %b %Y, %H:%M UTC").to_string();
    let mut parts = Vec::new();
    if let Some(k) = q.kind {
        parts.push(format!("kind {}", crate::admin::kind_words(k)));
    }
    if let Some(t) = &q.team {
        let teams = state.storage.teams().await?;
        let name = teams
            .iter()
            .find(|x| &x.id == t)
            .map_or("unknown", |x| &x.name);
        parts.push(format!("team {name}"));
    }
    if let Some(a) = &q.area {
        let areas = state.storage.areas().await?;
        let name = areas
            .iter()
            .find(|x| &x.id == a)
            .map_or("unknown", |x| &x.name);
        parts.push(format!("area {name}"));
    }
    if let Some(s) = &q.status {
        parts.push(format!("status {}", s.replace('_', " ")));
    }
    if let Some(t) = q.since {
        parts.push(format!("from {}", day(t)));
    }
    if let Some(t) = q.until {
        parts.push(format!("until {}", day(t)));
    }
    if let Some(w) = q.q.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        parts.push(format!("words “{w}”"));
    }
    if q.before.is_some() {
        parts.push("older records (load more)".to_owned());
    }
    Ok(if parts.is_empty() {
        "The records list".to_owned()
    } else {
        format!("The records list: {}", parts.join(", "))
    })
}

/// Read until the page is full, the records run out (a short read), or the scan limit.
async fn read_list(
    state: &HqState,
    viewer: &Viewer,
    filter: &Filter<'_>,
    limit: u32,
    look: &Look,
) -> Result<RecordList, ApiError> {
    let page = filter.page();
    let mut found: Vec<RecordSummary> = Vec::new();
    let (mut more, mut scan_stopped, mut scanned) = (false, false, 0u32);
    let (mut cursor, mut last_match) = (filter.q.before, None);
    let mut read = (limit + 1).clamp(FIRST_READ, MAX_READ);
    let mut end = false;
    'pages: while !end {
        let want = read.min(SCAN_LIMIT - scanned + 1);
        let changes = state
            .storage
            .records_before(&RecordPage {
                before: cursor,
                limit: want,
                ..page.clone()
            })
            .await?;
        end = changes.len() < want as usize;
        for change in changes {
            if scanned == SCAN_LIMIT {
                (more, scan_stopped) = (true, true);
                break 'pages;
            }
            scanned += 1;
            cursor = Some(change.server_seq);
            if !hq_may_see(viewer, &change.facts) {
                continue;
            }
            let Some(r) = load(change)
                .map(|mut r| {
                    look.apply(&mut r);
                    r
                })
                .filter(|r| filter.matches(r))
            else {
                continue;
            };
            if found.len() == limit as usize {
                more = true;
                break 'pages;
            }
            last_match = Some(r.change.server_seq);
            found.push(r.summary);
        }
        read = (read * 4).min(MAX_READ);
    }
    let next_before = match (more, scan_stopped) {
        (false, _) => None,
        // Everything read after the last match missed, so the stop is where to go on from.
        (true, true) => cursor,
        (true, false) => last_match,
    };
    Ok(RecordList {
        records: found,
        more,
        next_before,
        scanned,
        scan_stopped,
    })
}

/// One change to a record, as HQ received it.
#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct HistoryItem {
    /// When it was made (the device's clock).
    pub at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub by: OfficerId,
    /// Who, e.g. `Sam Patel (PC2290)`.
    pub by_name: String,
    /// "Created", "Changed description, status", "Added an update", "Deleted", or
    /// "Refused: ..." when HQ refused it.
    pub what: String,
}

/// The most changes a record's history shows (the latest).
pub(crate) const HISTORY: u32 = 200;

#[derive(Serialize, ts_rs::TS, utoipa::ToSchema)]
#[ts(export_to = "../../hq/bindings/")]
pub struct RecordDetail {
    #[schema(value_type = Object)]
    pub summary: RecordSummary,
    #[schema(value_type = String)]
    pub created_by: OfficerId,
    /// Who created it, e.g. `Sam Patel (PC2290)`.
    pub created_by_name: String,
    #[ts(type = "number")]
    pub server_seq: u64,
    /// When it was created and last changed (device clocks).
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Its latest changes as HQ received them, oldest first; retries HQ already had are left out.
    pub history: Vec<HistoryItem>,
}

fn ms_time(ms: u64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(i64::try_from(ms).unwrap_or(i64::MAX)).unwrap_or_default()
}

/// A record's history from the op log, for the roles that may see the record.
pub(crate) fn history(
    state: &RecordState,
    ops: Vec<RecordOp>,
    names: &OfficerNames,
) -> Vec<HistoryItem> {
    ops.into_iter()
        .filter_map(|o| {
            let op: Op = serde_json::from_str(&o.op_json).ok()?;
            let outcome: OpOutcome = serde_json::from_str(&o.outcome_json).ok()?;
            let what = match (&outcome, &op.action) {
                (OpOutcome::Duplicate, _) => return None,
                (OpOutcome::Rejected { reason, .. }, _) => format!("Refused: {reason}"),
                (_, OpAction::Put { .. }) if op.stamp() == state.created => "Created".to_owned(),
                // Rectification and restriction by the data protection officer, in words.
                (_, OpAction::Put { fields })
                    if crate::rectify::history_words(fields).is_some() =>
                {
                    crate::rectify::history_words(fields).unwrap_or_default()
                }
                (_, OpAction::Put { fields }) => {
                    let note = crate::intel_review::REVIEW_NOTE;
                    let names: Vec<String> = fields
                        .keys()
                        .filter(|f| f.as_str() != note)
                        .map(|f| f.replace('_', " "))
                        .collect();
                    // The intelligence review's own words: checks confirmed, handling reasons.
                    match fields.get(note) {
                        Some(FieldWrite::Set(words)) => format!(
                            "Changed {}: {}",
                            names.join(", "),
                            words.as_string().unwrap_or_default()
                        ),
                        _ => format!("Changed {}", names.join(", ")),
                    }
                }
                (_, OpAction::Append { .. }) => "Added an update".to_owned(),
                (_, OpAction::Delete) => "Deleted".to_owned(),
            };
            Some(HistoryItem {
                at: ms_time(op.hlc.wall_ms),
                received_at: o.received_at,
                by_name: names.get(&op.author),
                by: op.author,
                what,
            })
        })
        .collect()
}

/// Record `id` with its history, if `by`'s role may see it (if not, it is answered as missing,
/// so its existence is not disclosed), read as `look` says; logged as a view with its purpose.
pub async fn detail(
    state: &HqState,
    by: &Officer,
    id: RecordId,
    look: &Look,
) -> Result<RecordDetail, ApiError> {
    let not_found = || ApiError::NotFound(format!("no record {id}"));
    let change = state.storage.record(id).await?.ok_or_else(not_found)?;
    if !hq_may_see(
        &crate::device_sessions::viewer_for(state, by).await?,
        &change.facts,
    ) {
        return Err(not_found());
    }
    let mut r = load(change).ok_or_else(not_found)?;
    look.apply(&mut r);
    let names = OfficerNames::load(state.storage.as_ref()).await?;
    let history = history(
        &r.state,
        state.storage.record_ops(id, HISTORY).await?,
        &names,
    );
    look.log(state, &by.id, "view", vec![id], "HQ record view")
        .await?;
    Ok(RecordDetail {
        server_seq: r.change.server_seq,
        created_by_name: names.get(&r.created_by),
        created_by: r.created_by,
        created_at: ms_time(r.state.created.hlc.wall_ms),
        updated_at: ms_time(r.state.updated.hlc.wall_ms),
        history,
        summary: r.summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::AccessQuery;
    use crate::testing::{concern, hq, intel, look, officer, Device};

    async fn last_logged(state: &HqState, by: &Officer) -> AccessEntry {
        state
            .storage
            .access_log(&AccessQuery {
                officer_id: Some(by.id.clone()),
                limit: 1,
                ..AccessQuery::default()
            })
            .await
            .unwrap()
            .remove(0)
    }

    #[tokio::test]
    async fn a_list_holds_what_the_role_may_see_newest_first_a_page_at_a_time_and_is_logged() {
        let hq = hq().await;
        let mut tablet = Device::enrol(&hq.state, "PC4127").await;
        let older = tablet
            .create(&hq.state, &concern("Bins alight", "tc-camden-town", None))
            .await;
        let newer = tablet
            .create(&hq.state, &concern("Street drinking", "E05013655", None))
            .await;
        let raw = tablet
            .create(
                &hq.state,
                &intel("Dealing from the car park", "tc-camden-town"),
            )
            .await;
        let (supervisor, unit) = (
            officer(&hq.state, "PS1102").await,
            officer(&hq.state, "DC7740").await,
        );

        let all = list(&hq.state, &supervisor, &ListQuery::default(), &look())
            .await
            .unwrap();
        let ids: Vec<_> = all.records.iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            [newer, older],
            "raw intelligence is not for supervisors"
        );
        assert_eq!(last_logged(&hq.state, &supervisor).await.record_ids, ids);
        let ids: Vec<_> = list(&hq.state, &unit, &ListQuery::default(), &look())
            .await
            .unwrap()
            .records
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, [raw, newer, older]);

        let first = list(
            &hq.state,
            &supervisor,
            &ListQuery {
                limit: Some(1),
                ..ListQuery::default()
            },
            &look(),
        )
        .await
        .unwrap();
        assert!(first.more);
        let second = list(
            &hq.state,
            &supervisor,
            &ListQuery {
                limit: Some(1),
                before: first.next_before,
                ..ListQuery::default()
            },
            &look(),
        )
        .await
        .unwrap();
        assert_eq!(second.records[0].id, older);

        let words = ListQuery {
            q: Some("ALIGHT bins".into()),
            ..ListQuery::default()
        };
        let found = list(&hq.state, &supervisor, &words, &look()).await.unwrap();
        assert_eq!(
            found.records.iter().map(|r| r.id).collect::<Vec<_>>(),
            [older]
        );
        let e = list(
            &hq.state,
            &supervisor,
            &ListQuery {
                team: Some(TeamId::new("no-such-team")),
                ..ListQuery::default()
            },
            &look(),
        )
        .await
        .err();
        assert!(matches!(e, Some(ApiError::NotFound(_))), "{e:?}");
    }

    #[tokio::test]
    async fn a_record_the_role_may_not_see_is_answered_as_missing() {
        let hq = hq().await;
        let mut tablet = Device::enrol(&hq.state, "PC4127").await;
        let raw = tablet
            .create(
                &hq.state,
                &intel("Dealing from the car park", "tc-camden-town"),
            )
            .await;
        let supervisor = officer(&hq.state, "PS1102").await;
        let e = detail(&hq.state, &supervisor, raw, &look()).await.err();
        assert!(matches!(e, Some(ApiError::NotFound(_))), "{e:?}");
        let unit = officer(&hq.state, "DC7740").await;
        let d = detail(&hq.state, &unit, raw, &look()).await.unwrap();
        assert_eq!(d.created_by.as_str(), "PC4127");
        assert_eq!(d.history.len(), 1);
        assert_eq!(d.history[0].what, "Created");
        let logged = last_logged(&hq.state, &unit).await;
        assert_eq!(
            (logged.action.as_str(), logged.record_ids),
            ("view", vec![raw])
        );
    }
}
