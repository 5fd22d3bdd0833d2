//! The audit search as a person reads it: the op log and the access log joined with officers'
//! names, devices' names and records' titles, so the page shows who, on what, and which record,
//! never an id. The join is here, not in the handler, so the CLI and the dashboard agree.

use super::AdminError;
use crate::chains::AdminLogEntry;
use crate::dashboard::audit::{
    AccessEntry, Audit, AuditAdmin, AuditQuery, AuditRead, AuditWrite, OpLogEntry,
};
use crate::records;
use crate::storage::{AccessQuery, AdminLogQuery, OpLogQuery, Storage};
use crate::throttle::{FAILED_ACTION, UNKNOWN_OFFICER};
use beatbook_domain::protocol::OpOutcome;
use beatbook_domain::{DeviceId, OfficerId, RecordId, RecordKind};
use std::collections::HashMap;

/// A kind of record in words, as the dashboard names it.
pub fn kind_words(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Concern => "Concern",
        RecordKind::IntelReport => "Intelligence report",
        RecordKind::IntelSource => "Source details",
        RecordKind::Meeting => "Meeting",
        RecordKind::Priority => "Priority",
        RecordKind::PatrolLog => "Patrol log",
        RecordKind::Engagement => "Engagement",
        RecordKind::Action => "Improvement action",
    }
}

/// What HQ did with an op, in words, from the outcome as the op log keeps it (JSON).
pub fn outcome_words(outcome_json: &str) -> String {
    match serde_json::from_str::<OpOutcome>(outcome_json) {
        Ok(OpOutcome::Applied { .. }) => "Saved".into(),
        Ok(OpOutcome::Duplicate) => "Already received".into(),
        Ok(OpOutcome::Rejected { reason, .. }) => format!("Refused: {reason}"),
        Err(_) => "Not recorded".into(),
    }
}

/// An access-log action in words.
pub fn action_words(action: &str) -> String {
    match action {
        "pull" => "Sent to a device".into(),
        "view" => "Opened".into(),
        "search" => "Searched".into(),
        "export" => "Exported".into(),
        "subject_access" => "Subject access search".into(),
        crate::dashboard::refusals::REFUSED => "Refused".into(),
        a if a == FAILED_ACTION => "Failed sign-in".into(),
        other => {
            let s = other.replace('_', " ");
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}

/// What the access log's detail says, in words: it was written for the log (a photo's hash, a
/// sync cursor, times in RFC 3339), so it is read out here for a person.
pub fn detail_words(detail: &str) -> String {
    if detail.starts_with("photo ") {
        return "A photo".into();
    }
    if detail.starts_with("sync pull after ") {
        return "At the device's sync".into();
    }
    if detail.starts_with("framework drill-down ") {
        return "The records behind a figure on the performance framework".into();
    }
    if detail.starts_with("HQ record list ") {
        return "The records list".into();
    }
    if let Some(refused) = crate::dashboard::refusals::words(detail) {
        return refused;
    }
    detail
        .split(' ')
        .map(|w| {
            let core = w.trim_end_matches([';', ',', '.', ')']);
            match chrono::DateTime::parse_from_rfc3339(core) {
                Ok(t) => format!(
                    "{} UTC{}",
                    t.with_timezone(&chrono::Utc).format("%-d %b %Y, %H:%M"),
                    &w[core.len()..]
                ),
                Err(_) => w.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Names looked up once per search: officers, devices, and each record at most once.
struct Names<'a> {
    storage: &'a dyn Storage,
    officers: records::OfficerNames,
    devices: HashMap<DeviceId, String>,
    records: HashMap<RecordId, (String, Option<RecordKind>)>,
}

impl<'a> Names<'a> {
    async fn load(storage: &'a dyn Storage) -> Result<Names<'a>, AdminError> {
        Ok(Names {
            storage,
            officers: records::OfficerNames::load(storage).await?,
            devices: storage
                .devices()
                .await?
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect(),
            records: HashMap::new(),
        })
    }

    fn officer(&self, id: &OfficerId) -> String {
        if id.as_str() == UNKNOWN_OFFICER {
            return "Unknown collar number".into();
        }
        self.officers.get(id)
    }

    fn device(&self, id: Option<DeviceId>) -> String {
        match id {
            None => "HQ dashboard".into(),
            Some(d) => self
                .devices
                .get(&d)
                .cloned()
                .unwrap_or_else(|| "A device HQ no longer holds".into()),
        }
    }

    /// A record's name, and its kind when HQ holds it. Intelligence is named by kind and
    /// reference only: its title is the raw report, which may identify a source.
    async fn record(&mut self, id: RecordId) -> Result<(String, Option<RecordKind>), AdminError> {
        if let Some(r) = self.records.get(&id) {
            return Ok(r.clone());
        }
        let loaded = self.storage.record(id).await?.and_then(records::load);
        let named = match loaded {
            Some(r) => {
                let kind = r.summary.kind;
                let name = match kind {
                    RecordKind::IntelReport | RecordKind::IntelSource => {
                        format!("{} {}", kind_words(kind), id.reference())
                    }
                    _ => r.summary.title,
                };
                (name, Some(kind))
            }
            None => (format!("Record {} (not held at HQ)", id.reference()), None),
        };
        self.records.insert(id, named.clone());
        Ok(named)
    }

    async fn write(&mut self, o: OpLogEntry) -> Result<AuditWrite, AdminError> {
        let (record, kind) = self.record(o.record_id).await?;
        // The kind as logged, when HQ does not hold the record.
        let kind = kind
            .or_else(|| o.kind.parse::<RecordKind>().ok())
            .map_or("Record", kind_words)
            .to_owned();
        Ok(AuditWrite {
            received_at: o.received_at,
            author_name: self.officer(&o.author),
            author: o.author,
            device_name: self.device(Some(o.device_id)),
            device_id: o.device_id,
            device_seq: o.device_seq,
            record_id: o.record_id,
            record,
            kind,
            outcome: match &o.text_gone {
                Some(gone) => format!("{}; {gone}", outcome_words(&o.outcome_json)),
                None => outcome_words(&o.outcome_json),
            },
        })
    }

    async fn read(&mut self, a: AccessEntry) -> Result<AuditRead, AdminError> {
        let mut names = Vec::with_capacity(a.record_ids.len());
        for id in &a.record_ids {
            names.push(self.record(*id).await?.0);
        }
        Ok(AuditRead {
            at: a.at,
            officer_name: self.officer(&a.officer_id),
            officer_id: a.officer_id,
            device_name: self.device(a.device_id),
            device_id: a.device_id,
            what: action_words(&a.action),
            action: a.action,
            record_ids: a.record_ids,
            records: names,
            detail: detail_words(&a.detail),
            purpose: a.purpose,
        })
    }

    fn admin(&self, e: AdminLogEntry) -> AuditAdmin {
        AuditAdmin {
            at: e.at,
            officer_name: match &e.officer_id {
                Some(o) => self.officer(o),
                None => "HQ".into(),
            },
            officer_id: e.officer_id,
            what: admin_action_words(&e.action),
            action: e.action,
            detail: e.detail,
        }
    }
}

/// An admin-log event in words.
pub fn admin_action_words(action: &str) -> String {
    match action {
        "sign_in" => "Signed in".into(),
        "sign_in_refused" => "Sign-in refused".into(),
        "export_board_pack" => "Exported the board pack".into(),
        "export_committee_report" => "Exported the committee report".into(),
        "export_audit" => "Exported the audit trail".into(),
        other => action_words(other),
    }
}

/// The op log (writes) and the access log (reads) by person, record, device and date, newest
/// first, at most `limit` of each (200 when absent, 1 to 5,000), with names and titles.
pub async fn audit(storage: &dyn Storage, q: &AuditQuery) -> Result<Audit, AdminError> {
    let limit = q.limit.unwrap_or(200).clamp(1, 5_000);
    let ops = storage
        .search_op_log(&OpLogQuery {
            device_id: q.device,
            record_id: q.record,
            author: q.officer.clone(),
            from: q.from,
            to: q.to,
            limit,
        })
        .await?;
    let access = storage
        .access_log(&AccessQuery {
            officer_id: q.officer.clone(),
            device_id: q.device,
            record_id: q.record,
            from: q.from,
            to: q.to,
            limit,
        })
        .await?;
    // The admin log has no device or record: a search by either leaves it out.
    let admin = if q.device.is_some() || q.record.is_some() {
        Vec::new()
    } else {
        storage
            .admin_log(&AdminLogQuery {
                officer_id: q.officer.clone(),
                action: None,
                text: q.text.clone().filter(|t| !t.trim().is_empty()),
                from: q.from,
                to: q.to,
                limit,
            })
            .await?
    };
    let mut names = Names::load(storage).await?;
    let mut out = Audit {
        ops: Vec::with_capacity(ops.len()),
        access: Vec::with_capacity(access.len()),
        admin: Vec::with_capacity(admin.len()),
    };
    for e in admin {
        out.admin.push(names.admin(e));
    }
    for o in ops {
        out.ops.push(names.write(o).await?);
    }
    for a in access {
        out.access.push(names.read(a).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_and_actions_read_as_words() {
        assert_eq!(
            outcome_words(r#"{"outcome":"applied","server_seq":4}"#),
            "Saved"
        );
        assert_eq!(
            outcome_words(r#"{"outcome":"duplicate"}"#),
            "Already received"
        );
        assert_eq!(
            outcome_words(r#"{"outcome":"rejected","code":"forbidden","reason":"not your team"}"#),
            "Refused: not your team"
        );
        assert_eq!(action_words("pull"), "Sent to a device");
        assert_eq!(action_words(FAILED_ACTION), "Failed sign-in");
        assert_eq!(action_words("something_new"), "Something new");
        assert_eq!(
            detail_words("dashboard: wrong password; paused until 2026-12-06T21:44:05.703Z; more"),
            "dashboard: wrong password; paused until 6 Dec 2026, 21:44 UTC; more"
        );
        assert_eq!(detail_words("photo 9f86d081884c7d65"), "A photo");
    }
}
