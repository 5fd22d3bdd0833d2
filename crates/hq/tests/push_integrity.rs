//! What HQ accepts from a tablet, told to SQLite and PostgreSQL over the real `/api/v1`
//! endpoints: a record's author is fixed at its first push, a change stamped before the record
//! was made is refused, only its author or a supervisor of its team may delete it, HQ works out
//! a located record's areas itself and refuses unknown or missing areas, fields the kind does not
//! have and absurd nesting are refused, and the op's clock must be after 2020 and at most a few
//! minutes (a setting) ahead of HQ's. Every answer carries HQ's time.

use beatbook_domain::concern::{Concern, NewConcern};
use beatbook_domain::patrol::PatrolLog;
use beatbook_domain::protocol::HQ_TIME_HEADER;
use beatbook_domain::record::review_after;
use beatbook_domain::{AreaId, FieldWrite, Hlc, Json, OpAction, Record, RecordId, RecordKind};
use chrono::Utc;
use serde_json::{json, Value};
use support::http::{now_ms, Device, Hq};
use support::{story, Db, FromDb};

mod support;

impl FromDb for Hq {
    async fn from_db(db: Db) -> Self {
        Hq::demo(db).await
    }
}

/// A concern at Camden Town station (Camden Town ward and the town centre), naming `areas`.
fn concern(description: &str, areas: &[&str]) -> Concern {
    let new: NewConcern = serde_json::from_value(json!({
        "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
        "description": description,
        "location": {"lat": 51.539, "lon": -0.1426, "place": "Camden Town station"},
    }))
    .unwrap();
    new.into_concern(Utc::now(), areas.iter().map(|a| AreaId::new(*a)).collect())
        .1
}

const HOUR: u64 = 3_600_000;

impl Device {
    /// Push one op; HQ's answer for it (`outcome`, and `code` and `reason` when refused).
    async fn push_one(
        &mut self,
        hq: &Hq,
        id: RecordId,
        kind: RecordKind,
        hlc: Hlc,
        action: OpAction,
    ) -> Value {
        let op = self.next_op(id, kind, hlc, action);
        // Written as text, not through a `Value`: a deeply nested value is sent as it is.
        #[derive(serde::Serialize)]
        struct Push<'a> {
            ops: [&'a beatbook_domain::Op; 1],
        }
        let body = serde_json::to_string(&Push { ops: [&op] }).unwrap();
        let req = axum::http::Request::post("/api/v1/sync/push")
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body))
            .unwrap();
        let a = hq.send(req).await;
        assert_eq!(a.status, 200, "{}", a.text);
        a.body["results"][0].clone()
    }

    /// Push a record made at `wall_ms`; HQ's answer.
    async fn put<R: Record>(&mut self, hq: &Hq, id: RecordId, record: &R, wall_ms: u64) -> Value {
        let fields = record.writes_from(None).unwrap();
        self.push_one(
            hq,
            id,
            R::KIND,
            Hlc::new(wall_ms, 0),
            OpAction::Put { fields },
        )
        .await
    }

    /// Push plain field writes on a record; HQ's answer.
    async fn set(&mut self, hq: &Hq, id: RecordId, kind: RecordKind, fields: Value) -> Value {
        let fields = fields
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), FieldWrite::Set(v.into())))
            .collect();
        self.push_one(
            hq,
            id,
            kind,
            Hlc::new(now_ms(), 0),
            OpAction::Put { fields },
        )
        .await
    }
}

/// The record's state as HQ holds it.
async fn held(hq: &Hq, id: RecordId) -> beatbook_domain::merge::RecordState {
    let change = hq.state.storage.record(id).await.unwrap().unwrap();
    serde_json::from_str(&change.state_json).unwrap()
}

fn refused(answer: &Value, code: &str) -> String {
    assert_eq!(answer["outcome"], "rejected", "{answer}");
    assert_eq!(answer["code"], code, "{answer}");
    answer["reason"].as_str().unwrap().to_owned()
}

story!(a_records_author_is_fixed_and_nothing_is_stamped_before_it_was_made);
async fn a_records_author_is_fixed_and_nothing_is_stamped_before_it_was_made(hq: Hq) {
    let mut khan = Device::enrol(&hq, "PC4127").await; // Camden TCT
    let mut other = Device::enrol(&hq, "PC2290").await; // Camden Town SNT: sees the record
    let id = RecordId::new();
    let made = now_ms() - HOUR;
    let a = khan
        .put(
            &hq,
            id,
            &concern("Street drinking by the station", &[]),
            made,
        )
        .await;
    assert_eq!(a["outcome"], "applied", "{a}");

    // Another officer's change stamped before the record was made would become its creation,
    // and make them its author: refused, in words.
    let before = other
        .push_one(
            &hq,
            id,
            RecordKind::Concern,
            Hlc::new(made - 60_000, 0),
            OpAction::Put {
                fields: [("priority".to_owned(), FieldWrite::set("high"))].into(),
            },
        )
        .await;
    let reason = refused(&before, "before_creation");
    assert!(reason.contains("before the record was made"), "{reason}");
    let state = held(&hq, id).await;
    assert_eq!(state.created_by.as_str(), "PC4127");
    assert_ne!(state.fields["priority"].value.get(), "\"high\"");

    // A later change by the other officer is applied, and the author stays.
    let after = other
        .set(&hq, id, RecordKind::Concern, json!({"priority": "high"}))
        .await;
    assert_eq!(after["outcome"], "applied", "{after}");
    let state = held(&hq, id).await;
    assert_eq!(state.created_by.as_str(), "PC4127");
    assert_eq!(state.fields["priority"].value.get(), "\"high\"");
}

story!(only_the_author_or_a_supervisor_of_its_team_deletes_a_record);
async fn only_the_author_or_a_supervisor_of_its_team_deletes_a_record(hq: Hq) {
    let mut khan = Device::enrol(&hq, "PC4127").await;
    let mut other = Device::enrol(&hq, "PC2290").await;
    let mut sergeant = Device::enrol(&hq, "PS1102").await; // supervises the Camden teams
    let first = khan.create(&hq, &concern("Bins set alight", &[])).await;
    let second = khan
        .create(&hq, &concern("Graffiti on the bridge", &[]))
        .await;
    let third = khan.create(&hq, &concern("Broken street light", &[])).await;

    // Another officer of a team that covers it may change it, not delete it.
    let delete = |id| (id, RecordKind::Concern, OpAction::Delete);
    let (id, kind, action) = delete(first);
    let a = other
        .push_one(&hq, id, kind, Hlc::new(now_ms(), 0), action)
        .await;
    let reason = refused(&a, "delete_forbidden");
    assert!(reason.contains("PC4127"), "{reason}");
    assert!(!held(&hq, first).await.is_deleted());

    // The supervisor of its team may; so may its author.
    let (id, kind, action) = delete(second);
    let a = sergeant
        .push_one(&hq, id, kind, Hlc::new(now_ms(), 0), action)
        .await;
    assert_eq!(a["outcome"], "applied", "{a}");
    assert!(held(&hq, second).await.is_deleted());
    let (id, kind, action) = delete(third);
    let a = khan
        .push_one(&hq, id, kind, Hlc::new(now_ms(), 0), action)
        .await;
    assert_eq!(a["outcome"], "applied", "{a}");
    assert!(held(&hq, third).await.is_deleted());
}

story!(hq_works_out_a_located_records_areas_and_refuses_unknown_ones);
async fn hq_works_out_a_located_records_areas_and_refuses_unknown_ones(hq: Hq) {
    let mut khan = Device::enrol(&hq, "PC4127").await; // Camden
    let dalston = Device::enrol(&hq, "PC3318").await; // Dalston SNT

    // A concern located in Dalston but tagged with Camden's areas goes where it is: Dalston.
    let mut in_dalston = concern("Dealing by the market", &["E05013655", "tc-camden-town"]);
    in_dalston.location = beatbook_domain::area::Location {
        lat: 51.5478,
        lon: -0.0725,
        place: Some("Ridley Road Market".into()),
    };
    let id = khan.create(&hq, &in_dalston).await;
    let areas: Vec<AreaId> = held(&hq, id).await.fields["areas"].value.parse().unwrap();
    assert!(areas.contains(&AreaId::new("tc-dalston")), "{areas:?}");
    assert!(
        !areas.iter().any(|a| a.as_str() == "tc-camden-town"),
        "{areas:?}"
    );
    let pulled = dalston.pull(&hq).await;
    assert!(pulled.iter().any(|r| r["id"] == id.to_string()));

    // Moving it by its areas alone changes nothing: its location decides.
    let a = khan
        .set(
            &hq,
            id,
            RecordKind::Concern,
            json!({"areas": ["E05013655"]}),
        )
        .await;
    assert_eq!(a["outcome"], "applied", "{a}");
    let again: Vec<AreaId> = held(&hq, id).await.fields["areas"].value.parse().unwrap();
    assert_eq!(again, areas);

    // Empty areas from a tablet on a located concern are filled in from its location.
    let id = khan.create(&hq, &concern("Street drinking", &[])).await;
    let areas: Vec<AreaId> = held(&hq, id).await.fields["areas"].value.parse().unwrap();
    assert!(areas.contains(&AreaId::new("tc-camden-town")), "{areas:?}");

    // A location outside every area is refused.
    let mut nowhere = concern("Somewhere in Kent", &["tc-camden-town"]);
    nowhere.location.lat = 51.2;
    nowhere.location.lon = 0.5;
    let a = khan.put(&hq, RecordId::new(), &nowhere, now_ms()).await;
    refused(&a, "outside_areas");

    // Without a location, the area a record names must be one HQ knows, and there must be one.
    let patrol = |area: &str| PatrolLog {
        area_id: AreaId::new(area),
        hotspot: Some("Camden High Street".into()),
        started_at: Utc::now(),
        ended_at: None,
        notes: String::new(),
        retention_review: review_after(Utc::now().date_naive(), 24),
    };
    let a = khan
        .put(&hq, RecordId::new(), &patrol("atlantis"), now_ms())
        .await;
    let reason = refused(&a, "unknown_area");
    assert!(reason.contains("atlantis"), "{reason}");
    let a = khan
        .put(&hq, RecordId::new(), &patrol("tc-camden-town"), now_ms())
        .await;
    assert_eq!(a["outcome"], "applied", "{a}");
}

story!(fields_a_kind_does_not_have_and_absurd_nesting_are_refused);
async fn fields_a_kind_does_not_have_and_absurd_nesting_are_refused(hq: Hq) {
    let mut khan = Device::enrol(&hq, "PC4127").await;
    let c = concern("Street drinking", &[]);
    let mut fields = c.writes_from(None).unwrap();
    fields.insert("shoe_size".into(), FieldWrite::set(44));
    let a = khan
        .push_one(
            &hq,
            RecordId::new(),
            RecordKind::Concern,
            Hlc::new(now_ms(), 0),
            OpAction::Put { fields },
        )
        .await;
    let reason = refused(&a, "unknown_field");
    assert!(reason.contains("shoe_size"), "{reason}");

    // On a record HQ holds, too.
    let id = khan.create(&hq, &c).await;
    let a = khan
        .set(&hq, id, RecordKind::Concern, json!({"colour": "red"}))
        .await;
    refused(&a, "unknown_field");
    assert!(!held(&hq, id).await.fields.contains_key("colour"));

    // A value nested 100,000 levels deep is refused, in a field or an appended entry.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let a = khan
        .push_one(
            &hq,
            id,
            RecordKind::Concern,
            Hlc::new(now_ms(), 0),
            OpAction::Put {
                fields: [(
                    "people".to_owned(),
                    FieldWrite::Set(Json::from_text(&deep).unwrap()),
                )]
                .into(),
            },
        )
        .await;
    let reason = refused(&a, "too_deep");
    assert!(reason.contains("100000 levels"), "{reason}");
    let a = khan
        .push_one(
            &hq,
            id,
            RecordKind::Concern,
            Hlc::new(now_ms(), 0),
            OpAction::Append {
                entry: Json::from_text(&deep).unwrap(),
            },
        )
        .await;
    refused(&a, "too_deep");
    assert!(held(&hq, id).await.log.is_empty());
}

story!(an_op_stamped_far_ahead_or_before_2020_is_refused);
async fn an_op_stamped_far_ahead_or_before_2020_is_refused(hq: Hq) {
    let mut khan = Device::enrol(&hq, "PC4127").await;
    let c = concern("Street drinking", &[]);

    // 23 hours ahead: refused, in words.
    let a = khan
        .put(&hq, RecordId::new(), &c, now_ms() + 23 * HOUR)
        .await;
    let reason = refused(&a, "clock_ahead");
    assert!(reason.contains("23 hours ahead"), "{reason}");
    // Six minutes ahead is past the default bound of five.
    let a = khan
        .put(&hq, RecordId::new(), &c, now_ms() + 6 * 60_000)
        .await;
    refused(&a, "clock_ahead");
    // A stamp of 0 (1970), or any before 2020.
    let a = khan.put(&hq, RecordId::new(), &c, 0).await;
    let reason = refused(&a, "clock_behind");
    assert!(reason.contains("1 Jan 1970"), "{reason}");
    let a = khan.put(&hq, RecordId::new(), &c, 1_577_836_799_999).await;
    refused(&a, "clock_behind");
    // A minute ahead is within the bound.
    let a = khan.put(&hq, RecordId::new(), &c, now_ms() + 60_000).await;
    assert_eq!(a["outcome"], "applied", "{a}");

    // The bound is the force's setting: at 30 minutes, six ahead is accepted.
    let lenient = hq.with_settings(|s| s.max_clock_ahead_minutes = 30);
    let a = khan
        .put(&lenient, RecordId::new(), &c, now_ms() + 6 * 60_000)
        .await;
    assert_eq!(a["outcome"], "applied", "{a}");
}

story!(every_answer_carries_hqs_time);
async fn every_answer_carries_hqs_time(hq: Hq) {
    let khan = Device::enrol(&hq, "PC4127").await;
    let before = now_ms();
    let answers = [
        hq.post("/api/v1/sync/push", &khan.token, json!({"ops": []}))
            .await,
        hq.get("/api/v1/sync/pull?after=0", &khan.token).await,
        hq.get("/api/v1/sync/disposals?after=0", &khan.token).await,
        // A refusal too: the tablet learns HQ's time whatever the answer.
        hq.get("/api/v1/sync/pull?after=0", "not-a-token").await,
    ];
    let after = now_ms();
    for a in answers {
        let at: u64 = a
            .headers
            .get(HQ_TIME_HEADER)
            .unwrap_or_else(|| panic!("no {HQ_TIME_HEADER} on {}: {}", a.status, a.text))
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            (before..=after).contains(&at),
            "{before} <= {at} <= {after}"
        );
    }
}
