//! What the unit tests of HQ's functions share: HQ on SQLite in a temp dir with the demo areas,
//! teams and officers, and devices that enrol, sign in and push through the same functions the
//! endpoints call, without HTTP.

use crate::device_sessions::{self, Authed};
use crate::storage::sqlite::SqliteStorage;
use crate::sync::{self, RawPushRequest};
use crate::{admin, enrolment, HqSettings, HqState};
use beatbook_domain::concern::{Concern, NewConcern};
use beatbook_domain::intel::{
    Grade, HandlingCode, IntelAssessment, IntelReport, IntelSource, ReviewState, SecurityMarking,
    SourceEvaluation, SourceType,
};
use beatbook_domain::people::Officer;
use beatbook_domain::protocol::{EnrolRequest, LoginRequest, OpOutcome, PushResponse};
use beatbook_domain::record::review_after;
use beatbook_domain::{AreaId, DeviceId, Hlc, OfficerId, Op, OpAction, Record, RecordId};
use chrono::Utc;
use serde_json::json;
use std::sync::Arc;

pub const PASSWORD: &str = "demo-password-1";

/// HQ on a fresh SQLite database, with the demo reference data; the directory goes with it.
pub struct TestHq {
    pub state: HqState,
    _dir: tempfile::TempDir,
}

pub async fn hq() -> TestHq {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hq.db");
    let storage = Arc::new(SqliteStorage::open(&db, &crate::keys::HqKey::random()).unwrap());
    admin::seed_demo(storage.as_ref(), PASSWORD).await.unwrap();
    let settings = HqSettings {
        db: format!("sqlite:{}", db.display()),
        photos_dir: Some(dir.path().join("photos")),
        ..HqSettings::default()
    };
    TestHq {
        state: HqState::new(storage, Arc::new(settings)),
        _dir: dir,
    }
}

/// The officer with this collar number, as HQ holds them.
pub async fn officer(state: &HqState, collar: &str) -> Officer {
    state
        .storage
        .officer_by_collar(collar)
        .await
        .unwrap()
        .unwrap()
        .officer
}

/// A device enrolled with HQ and signed in as one officer.
pub struct Device {
    pub id: DeviceId,
    pub secret: String,
    pub officer: OfficerId,
    pub access_token: String,
    pub refresh_token: String,
    seq: u64,
}

impl Device {
    pub async fn enrol(state: &HqState, collar: &str) -> Device {
        let code = admin::enrolment_code(state.storage.as_ref(), 1)
            .await
            .unwrap();
        let id = DeviceId::new();
        let enrolled = enrolment::enrol(
            state,
            EnrolRequest {
                code,
                device_id: id,
                device_name: format!("Tablet of {collar}"),
                app_version: "0.1.0".into(),
            },
        )
        .await
        .unwrap();
        let session = device_sessions::sign_in(
            state,
            LoginRequest {
                device_id: id,
                device_secret: enrolled.device_secret.clone(),
                collar_number: collar.into(),
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
        Device {
            id,
            secret: enrolled.device_secret,
            officer: OfficerId::new(collar),
            access_token: session.access_token,
            refresh_token: session.refresh_token,
            seq: 0,
        }
    }

    /// Who HQ takes this device's requests to come from.
    pub async fn authed(&self, state: &HqState) -> Authed {
        device_sessions::authenticate(state, &self.access_token)
            .await
            .unwrap()
    }

    /// Push ops as the device sends them.
    pub async fn push(&self, state: &HqState, ops: &[Op]) -> PushResponse {
        let req: RawPushRequest = serde_json::from_value(json!({ "ops": ops })).unwrap();
        sync::push(state, self.authed(state).await, req)
            .await
            .unwrap()
    }

    /// The next op of this device on record `id`.
    pub fn op(&mut self, id: RecordId, kind: beatbook_domain::RecordKind, action: OpAction) -> Op {
        self.seq += 1;
        Op {
            device_id: self.id,
            device_seq: self.seq,
            record_id: id,
            kind,
            author: self.officer.clone(),
            hlc: Hlc::new(u64::try_from(Utc::now().timestamp_millis()).unwrap(), 0),
            action,
        }
    }

    /// Push a new record, which HQ must apply; its id.
    pub async fn create<R: Record>(&mut self, state: &HqState, record: &R) -> RecordId {
        let id = RecordId::new();
        let op = self.op(
            id,
            R::KIND,
            OpAction::Put {
                fields: record.writes_from(None).unwrap(),
            },
        );
        let answer = self.push(state, &[op]).await;
        assert!(
            matches!(answer.results[0].outcome, OpOutcome::Applied { .. }),
            "{answer:?}"
        );
        id
    }
}

pub fn concern(description: &str, area: &str, person: Option<&str>) -> Concern {
    // HQ puts a concern in the areas of its location: it is placed at a demo place in `area`
    // (a ward's places are outside the town centres; a town centre's are in a ward too).
    let location = crate::demo::places::PLACES
        .iter()
        .find(|p| p.area == area)
        .map_or_else(
            || json!({"lat": 51.539, "lon": -0.1426, "place": "Camden Town station"}),
            |p| json!({"lat": p.lat, "lon": p.lon, "place": p.name}),
        );
    let mut v = json!({
        "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
        "description": description,
        "location": location,
    });
    if let Some(name) = person {
        v["people"] = json!([{"role": "suspect", "name": name}]);
    }
    let new: NewConcern = serde_json::from_value(v).unwrap();
    new.into_concern(Utc::now(), vec![AreaId::new(area)]).1
}

pub fn intel(content: &str, area: &str) -> IntelReport {
    let now = Utc::now();
    IntelReport {
        grade: Grade {
            source: SourceEvaluation::Untested,
            intelligence: IntelAssessment::C,
            handling: HandlingCode::P,
        },
        security: SecurityMarking::Official,
        content: content.into(),
        checks_made: "PNC checked".into(),
        threat_to_life: false,
        location: None,
        areas: vec![AreaId::new(area)],
        source_id: None,
        review_state: ReviewState::Submitted,
        disseminated_to: vec![],
        legacy_grade: None,
        submitted_at: now,
        retention_review: review_after(now.date_naive(), 72),
    }
}

pub fn source(report: RecordId, name: &str) -> IntelSource {
    let now = Utc::now();
    IntelSource {
        report_id: report,
        source_type: SourceType::MemberOfPublic,
        name: Some(name.into()),
        contact: Some("07700 900123".into()),
        relationship: None,
        notes: "Shop owner on Kingsland Road".into(),
        recorded_at: now,
        retention_review: review_after(now.date_naive(), 72),
    }
}

/// How a test reads records: with a purpose, unmasked (as an investigation would).
pub fn look() -> crate::records::Look {
    crate::records::Look {
        purpose: "Investigation CAD 1234".into(),
        masked: false,
    }
}
