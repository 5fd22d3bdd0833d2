//! Improvement actions at HQ, driven over HTTP (the real router, in process) against SQLite always
//! and PostgreSQL (see `support`): a supervisor opens one from a red cell and the board marks it
//! (and the red cells with none), bad input is refused field by field and other roles and teams
//! with `403`, progress comes from the dashboard and from a tablet's push (which may add to an
//! action, never create, change or delete one), and an action closes on the figures or for a
//! reason, never twice.

use axum::http::StatusCode;
use beatbook_domain::outcomes::Month;
use beatbook_domain::people::{Officer, Role};
use beatbook_domain::{Hlc, OfficerId, Op, OpAction, RecordId, RecordKind, TeamId};
use beatbook_hq::HqSettings;
use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use support::http::{now_ms, Answer, Device, Hq};
use support::{story, Db, FromDb};

mod support;

story!(a_supervisor_opens_an_action_from_a_red_cell_and_the_board_marks_it);
story!(bad_input_is_refused_field_by_field_and_only_the_teams_supervisors_write);
story!(progress_comes_from_the_dashboard_and_tablets_which_may_only_add_to_an_action);
story!(an_action_closes_on_the_figures_or_for_a_reason_and_only_once);

impl FromDb for Hq {
    /// HQ on the story's database, with the demo areas, teams and officers, and a second
    /// supervisor: PS Mark Ellison, for the Hackney teams.
    async fn from_db(db: Db) -> Self {
        let hackney = Officer {
            id: OfficerId::new("PS2214"),
            collar_number: "PS2214".into(),
            name: "PS Mark Ellison".into(),
            role: Role::Supervisor,
            teams: vec![TeamId::new("hackney-tct"), TeamId::new("dalston-snt")],
        };
        Hq::new(Hq::seed(&db, &[hackney]).await, HqSettings::default())
    }
}

impl Hq {
    /// Open an action, which HQ must accept: its view.
    async fn open(&self, token: &str, body: Value) -> Value {
        let a = self.post("/api/v1/hq/actions", token, body).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        a.body
    }

    /// The board's cell for a team and measure.
    async fn cell(&self, token: &str, team: &str, measure: &str) -> Value {
        let a = self.get("/api/v1/hq/framework", token).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        cell_of(&a.body, team, measure)
    }
}

fn cell_of(board: &Value, unit: &str, measure: &str) -> Value {
    board["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == unit)
        .unwrap_or_else(|| panic!("no row {unit}"))["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["measure"] == measure)
        .unwrap_or_else(|| panic!("no cell {measure}"))
        .clone()
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn in_days(days: i64) -> String {
    (today() + Duration::days(days)).to_string()
}

/// An action on Camden's town centre team's peak-time patrol hours (red on an empty HQ: no
/// patrols), owned by PC Amira Khan.
fn camden_patrols() -> Value {
    json!({
        "team_id": "camden-tct",
        "measure": "patrol_hours_peak",
        "what": "Two extra hotspot patrols on Friday and Saturday evenings around the station",
        "owner": "PC4127",
        "due_on": in_days(60),
        "review_on": in_days(30),
    })
}

fn field_codes(a: &Answer) -> Vec<(String, String)> {
    a.body["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields: {}", a.text))
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

impl Device {
    fn op(&mut self, record_id: RecordId, action: OpAction) -> Op {
        self.next_op(record_id, RecordKind::Action, Hlc::new(now_ms(), 0), action)
    }

    /// Push one op on an action: HQ's result for it (`{outcome: applied}`, or
    /// `{outcome: rejected, code, reason}`).
    async fn push(&mut self, hq: &Hq, record: RecordId, action: OpAction) -> Value {
        let op = self.op(record, action);
        let a = hq
            .post("/api/v1/sync/push", &self.token, json!({"ops": [op]}))
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        a.body["results"][0].clone()
    }
}

fn append(entry: Value) -> OpAction {
    OpAction::Append {
        entry: beatbook_domain::Json::from(&entry),
    }
}

fn rejected_code(outcome: &Value) -> String {
    assert_eq!(outcome["outcome"], "rejected", "{outcome}");
    outcome["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not rejected: {outcome}"))
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// Stories

async fn a_supervisor_opens_an_action_from_a_red_cell_and_the_board_marks_it(hq: Hq) {
    let sergeant = hq.sign_in("PS1102").await;
    let before = hq.cell(&sergeant, "camden-tct", "patrol_hours_peak").await;
    assert_eq!(before["rag"], "red", "{before}");
    assert_eq!(before["unaddressed"], true);
    assert_eq!(before["action"], Value::Null);

    let opened = hq.open(&sergeant, camden_patrols()).await;
    let id = opened["id"].as_str().unwrap().to_owned();
    assert_eq!(opened["status"], "open");
    assert_eq!(opened["team_name"], "Camden Town Centre Team");
    assert_eq!(
        opened["measure_label"],
        "Hotspot patrol hours per week at peak times"
    );
    assert_eq!(opened["owner"], "PC4127");
    assert_eq!(opened["owner_name"], "PC Amira Khan");
    assert_eq!(opened["opened_by_name"], "PS Helen Doyle");
    assert_eq!(opened["opened_on"], today().to_string());
    // The board's cell when it was opened: the last 28 days, no patrols, the TCT default target.
    assert_eq!(
        (opened["value"].as_f64(), opened["target"].as_f64()),
        (Some(0.0), Some(20.0))
    );
    assert_eq!(opened["rag"], "red");
    assert_eq!(opened["period_last_day"], today().to_string());
    assert_eq!(
        opened["areas"],
        json!(["tc-camden-town", "tc-kentish-town"])
    );
    assert_eq!(opened["periods_on_target"], 2);
    assert_eq!(
        (
            opened["overdue"].as_bool(),
            opened["review_overdue"].as_bool()
        ),
        (Some(false), Some(false))
    );
    assert_eq!(opened["updates"], json!([]));
    assert_eq!(opened["closure"], Value::Null);

    // The board marks the cell; another red cell of the team has no action.
    let marked = hq.cell(&sergeant, "camden-tct", "patrol_hours_peak").await;
    assert_eq!(marked["action"]["id"], id.as_str());
    assert_eq!(marked["action"]["status"], "open");
    assert_eq!(marked["action"]["due_on"], in_days(60));
    assert_eq!(marked["action"]["review_overdue"], false);
    assert_eq!(marked["unaddressed"], false);
    let other = hq
        .cell(&sergeant, "camden-tct", "engagements_per_month")
        .await;
    assert_eq!(
        (other["rag"].as_str(), other["unaddressed"].as_bool()),
        (Some("red"), Some(true))
    );
    assert_eq!(other["action"], Value::Null);
    // A cell with no figure is not a failure; area rows carry no marks.
    let none = hq.cell(&sergeant, "camden-tct", "concerns_closed").await;
    assert_eq!(
        (none["rag"].as_str(), none["unaddressed"].as_bool()),
        (Some("none"), Some(false))
    );
    let by_area = hq.get("/api/v1/hq/framework?by=area", &sergeant).await;
    let area = cell_of(&by_area.body, "tc-camden-town", "patrol_hours_peak");
    assert_eq!(
        (area["action"].clone(), area["unaddressed"].as_bool()),
        (Value::Null, Some(false))
    );

    // The board pack says it too: the action on its cell, and the red cells with none.
    let pack = hq.get("/api/v1/hq/framework.csv", &sergeant).await;
    assert_eq!(pack.status, StatusCode::OK, "{}", pack.text);
    let line = |measure: &str| {
        pack.text
            .lines()
            .find(|l| {
                l.starts_with(&format!(
                    "\"Camden Town Centre Team\",Town Centre Team,\"{measure}\","
                ))
            })
            .unwrap_or_else(|| panic!("no line for {measure}: {}", pack.text))
            .to_owned()
    };
    let due = chrono::NaiveDate::parse_from_str(&in_days(60), "%Y-%m-%d").unwrap();
    assert!(
        line("Hotspot patrol hours per week at peak times").contains(&format!(
            ",\"Open, due {}\",",
            due.format("%-d %b %Y").to_string().replace("Sep ", "Sept ")
        )),
        "{}",
        pack.text
    );
    assert!(line("Engagement events per month").contains(",\"None: failure not yet addressed\","));
    assert!(line("Concerns closed (%)").contains(",\"\","));

    // One open action per team and measure.
    let again = hq
        .post("/api/v1/hq/actions", &sergeant, camden_patrols())
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert!(again.body["message"]
        .as_str()
        .unwrap()
        .contains("already has an open action"));

    // Listed for the framework's roles, and each look is logged: it names the owner.
    let analyst = hq.sign_in("AN0815").await;
    let list = hq.get("/api/v1/hq/actions?state=open", &analyst).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert_eq!(list.body[0]["id"], id.as_str());
    let closed = hq.get("/api/v1/hq/actions?state=closed", &analyst).await;
    assert_eq!(closed.body, json!([]));
    let mine = hq
        .get("/api/v1/hq/actions?team=hackney-tct", &analyst)
        .await;
    assert_eq!(mine.body, json!([]));
    let bad = hq.get("/api/v1/hq/actions?state=shut", &analyst).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let one = hq.get(&format!("/api/v1/hq/actions/{id}"), &analyst).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    assert_eq!(one.body["what"], camden_patrols()["what"]);
    let logged = hq
        .state
        .storage
        .access_log(&beatbook_hq::storage::AccessQuery {
            officer_id: Some(OfficerId::new("AN0815")),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let id: RecordId = id.parse().unwrap();
    assert!(
        logged
            .iter()
            .any(|e| e.action == "search" && e.record_ids == vec![id]),
        "{logged:?}"
    );
    assert!(logged
        .iter()
        .any(|e| e.action == "view" && e.record_ids == vec![id]));

    // It reaches the team's tablets through the normal pull, and no other team's.
    let camden = Device::enrol(&hq, "PC4127").await;
    let pulled = camden.pull(&hq).await;
    let action = pulled
        .iter()
        .find(|r| r["id"] == id.to_string())
        .unwrap_or_else(|| panic!("not pulled: {pulled:?}"));
    assert_eq!(action["kind"], "action");
    let dalston = Device::enrol(&hq, "PC3318").await;
    assert!(!dalston
        .pull(&hq)
        .await
        .iter()
        .any(|r| r["id"] == id.to_string()));

    // Written by HQ's device, authored by the sergeant, on an unbroken chain.
    let log = hq
        .state
        .storage
        .op_log(beatbook_hq::intel_review::HQ_REVIEW_DEVICE)
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert!(
        log[0].op_json.contains("\"author\":\"PS1102\""),
        "{}",
        log[0].op_json
    );
    assert!(beatbook_hq::push::verify_chain(&log).ok);
}

async fn bad_input_is_refused_field_by_field_and_only_the_teams_supervisors_write(hq: Hq) {
    let sergeant = hq.sign_in("PS1102").await;
    let empty = hq.post("/api/v1/hq/actions", &sergeant, json!({})).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST, "{}", empty.text);
    assert_eq!(empty.body["code"], "bad_request");
    let fields: Vec<String> = field_codes(&empty).into_iter().map(|(f, _)| f).collect();
    for f in ["team_id", "measure", "what", "owner", "due_on", "review_on"] {
        assert!(fields.contains(&f.to_owned()), "{f}: {}", empty.text);
    }

    let with = |change: Value| {
        let mut body = camden_patrols();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (json!({"owner": null}), ("owner", "required")),
        (json!({"due_on": null}), ("due_on", "required")),
        (json!({"measure": null}), ("measure", "required")),
        (json!({"measure": "arrests"}), ("measure", "unknown")),
        (json!({"due_on": in_days(-1)}), ("due_on", "in_past")),
        (
            json!({"review_on": in_days(61)}),
            ("review_on", "after_due"),
        ),
        (json!({"owner": "PC3318"}), ("owner", "not_in_team")),
        (json!({"owner": "XX9999"}), ("owner", "unknown")),
        (json!({"team_id": "nowhere"}), ("team_id", "unknown")),
    ];
    for (change, (field, code)) in cases {
        let a = hq
            .post("/api/v1/hq/actions", &sergeant, with(change.clone()))
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{change}: {}", a.text);
        assert!(
            field_codes(&a).contains(&(field.to_owned(), code.to_owned())),
            "{change}: {}",
            a.text
        );
    }
    // The team's sergeant may own it themselves, and is named with their collar number or id.
    let own = hq.open(&sergeant, with(json!({"owner": "ps1102"}))).await;
    assert_eq!(own["owner_name"], "PS Helen Doyle");
    let id = own["id"].as_str().unwrap().to_owned();

    // Another team's supervisor: 403, to open, update or close.
    let hackney = hq.sign_in("PS2214").await;
    let a = hq
        .post(
            "/api/v1/hq/actions",
            &hackney,
            with(json!({"measure": "engagements_per_month"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    assert!(a.body["message"]
        .as_str()
        .unwrap()
        .contains("Camden Town Centre Team"));
    let a = hq
        .post(
            &format!("/api/v1/hq/actions/{id}/updates"),
            &hackney,
            json!({"note": "Looked at it", "progress": "on_track"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    let a = hq
        .post(
            &format!("/api/v1/hq/actions/{id}/close"),
            &hackney,
            json!({"kind": "reason", "reason": "Not my team's, but closing it anyway"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    // The Hackney sergeant opens for Hackney.
    let theirs = hq
        .open(
            &hackney,
            json!({
                "team_id": "hackney-tct",
                "measure": "intel_per_month",
                "what": "An intelligence briefing at every Friday parade",
                "owner": "PS2214",
                "due_on": in_days(30),
                "review_on": in_days(14),
            }),
        )
        .await;
    assert_eq!(theirs["team_name"], "Hackney Town Centre Team");

    // Analysts, administrators and committee members do not write actions.
    for collar in ["AN0815", "AD0001", "CM0001", "DC7740"] {
        let token = hq.sign_in(collar).await;
        let a = hq
            .post("/api/v1/hq/actions", &token, camden_patrols())
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{collar}: {}", a.text);
        let a = hq
            .post(
                &format!("/api/v1/hq/actions/{id}/updates"),
                &token,
                json!({"note": "A note"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{collar}: {}", a.text);
        let a = hq
            .post(
                &format!("/api/v1/hq/actions/{id}/close"),
                &token,
                json!({"kind": "reason", "reason": "Closing it for the team"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{collar}: {}", a.text);
    }
    // The committee member reads no action (it names owners); an administrator does.
    let committee = hq.sign_in("CM0001").await;
    let a = hq.get("/api/v1/hq/actions", &committee).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    let a = hq
        .get(&format!("/api/v1/hq/actions/{id}"), &committee)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    let admin = hq.sign_in("AD0001").await;
    let a = hq.get("/api/v1/hq/actions", &admin).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body.as_array().unwrap().len(), 2);
    // Open ones first, soonest due first.
    assert_eq!(a.body[0]["team_id"], "hackney-tct");

    let nothing = hq
        .get(
            &format!("/api/v1/hq/actions/{}", RecordId::new()),
            &sergeant,
        )
        .await;
    assert_eq!(nothing.status, StatusCode::NOT_FOUND, "{}", nothing.text);
    let unreadable = hq
        .post(
            "/api/v1/hq/actions",
            &sergeant,
            json!({"team": "camden-tct"}),
        )
        .await;
    assert_eq!(
        unreadable.status,
        StatusCode::BAD_REQUEST,
        "{}",
        unreadable.text
    );
}

async fn progress_comes_from_the_dashboard_and_tablets_which_may_only_add_to_an_action(hq: Hq) {
    let sergeant = hq.sign_in("PS1102").await;
    let opened = hq.open(&sergeant, camden_patrols()).await;
    let id: RecordId = opened["id"].as_str().unwrap().parse().unwrap();
    let updates = format!("/api/v1/hq/actions/{id}/updates");

    let a = hq
        .post(
            &updates,
            &sergeant,
            json!({"note": "First Friday patrol done", "progress": "on_track"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["status"], "on_track");
    assert_eq!(a.body["updates"][0]["note"], "First Friday patrol done");
    assert_eq!(
        a.body["updates"][0]["author_name"],
        "PS Helen Doyle (PS1102)"
    );
    let blank = hq.post(&updates, &sergeant, json!({"note": "  "})).await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST, "{}", blank.text);
    assert_eq!(
        field_codes(&blank),
        [("note".to_owned(), "required".to_owned())]
    );
    let board = hq.cell(&sergeant, "camden-tct", "patrol_hours_peak").await;
    assert_eq!(board["action"]["status"], "on_track");

    // A tablet of the team adds an update, as it would offline: applied.
    let mut tablet = Device::enrol(&hq, "PC4127").await;
    let later = (Utc::now() + Duration::seconds(1)).to_rfc3339();
    let outcome = tablet
        .push(
            &hq,
            id,
            append(json!({"note": "Saturday patrol cancelled: sent to Camden Market", "progress": "off_track", "at": later})),
        )
        .await;
    assert_eq!(outcome["outcome"], "applied", "{outcome}");
    let a = hq.get(&format!("/api/v1/hq/actions/{id}"), &sergeant).await;
    assert_eq!(a.body["status"], "off_track", "{}", a.text);
    let notes: Vec<(&str, &str)> = a.body["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["note"].as_str().unwrap(),
                u["author_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        notes,
        [
            ("First Friday patrol done", "PS Helen Doyle (PS1102)"),
            (
                "Saturday patrol cancelled: sent to Camden Market",
                "PC Amira Khan (PC4127)"
            ),
        ]
    );
    assert_eq!(
        hq.cell(&sergeant, "camden-tct", "patrol_hours_peak").await["action"]["status"],
        "off_track"
    );

    // Everything else from a device is refused, with a reason.
    let put = OpAction::Put {
        fields: [(
            "what".to_owned(),
            beatbook_domain::FieldWrite::Text {
                value: "Nothing at all".into(),
                bases: vec![],
            },
        )]
        .into(),
    };
    let edit = tablet.push(&hq, id, put.clone()).await;
    assert_eq!(rejected_code(&edit), "not_editable", "{edit}");
    assert!(edit["reason"].as_str().unwrap().contains("at HQ"), "{edit}");
    let delete = tablet.push(&hq, id, OpAction::Delete).await;
    assert_eq!(rejected_code(&delete), "not_editable", "{delete}");
    let fields = {
        let mut action = opened.clone();
        let obj = action.as_object_mut().unwrap();
        for k in [
            "id",
            "team_name",
            "measure_label",
            "status",
            "overdue",
            "review_overdue",
            "updates",
            "periods_on_target",
        ] {
            obj.remove(k);
        }
        let action: beatbook_domain::improvement::ImprovementAction =
            serde_json::from_value(action).unwrap();
        beatbook_domain::Record::writes_from(&action, None).unwrap()
    };
    let create = tablet
        .push(&hq, RecordId::new(), OpAction::Put { fields })
        .await;
    assert_eq!(rejected_code(&create), "not_editable", "{create}");
    assert!(create["reason"].as_str().unwrap().contains("opened at HQ"));
    let garbage = tablet.push(&hq, id, append(json!({"text": "hello"}))).await;
    assert_eq!(rejected_code(&garbage), "invalid", "{garbage}");
    assert!(garbage["reason"]
        .as_str()
        .unwrap()
        .contains("progress update"));
    let blank = tablet.push(&hq, id, append(json!({"note": ""}))).await;
    assert_eq!(rejected_code(&blank), "invalid", "{blank}");
    // An update dated well ahead would decide the status until then: refused.
    let ahead = (Utc::now() + Duration::days(3)).to_rfc3339();
    let future = tablet
        .push(
            &hq,
            id,
            append(json!({"note": "All done", "progress": "on_track", "at": ahead})),
        )
        .await;
    assert_eq!(rejected_code(&future), "clock_ahead", "{future}");
    // An officer of another team may not add to it.
    let mut dalston = Device::enrol(&hq, "PC3318").await;
    let outsider = dalston
        .push(
            &hq,
            id,
            append(json!({"note": "Seen it", "progress": "on_track"})),
        )
        .await;
    assert_eq!(rejected_code(&outsider), "forbidden", "{outsider}");

    let a = hq.get(&format!("/api/v1/hq/actions/{id}"), &sergeant).await;
    assert_eq!(a.body["updates"].as_array().unwrap().len(), 2);
    assert_eq!(a.body["what"], camden_patrols()["what"]);
}

async fn an_action_closes_on_the_figures_or_for_a_reason_and_only_once(hq: Hq) {
    let sergeant = hq.sign_in("PS1102").await;
    let opened = hq.open(&sergeant, camden_patrols()).await;
    let id = opened["id"].as_str().unwrap().to_owned();
    let close = format!("/api/v1/hq/actions/{id}/close");

    // No patrols at all: not on target in either of the last two months, each named.
    let a = hq
        .post(&close, &sergeant, json!({"kind": "back_on_target"}))
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(
        field_codes(&a),
        [("evidence".to_owned(), "not_on_target".to_owned())]
    );
    let message = a.body["fields"][0]["message"].as_str().unwrap();
    let this = Month::of(today());
    for back in [1, 2] {
        let month = this.plus(-back).words();
        assert!(
            message.contains(&format!("{month} (0 against a target of 20)")),
            "{month}: {message}"
        );
    }
    assert!(message.contains("2 months in a row"), "{message}");
    // A force that asks for three months says so, and looks at three.
    let strict = hq.with_settings(|s| s.framework.periods_on_target = 3);
    let a = strict
        .post(&close, &sergeant, json!({"kind": "back_on_target"}))
        .await;
    let message = a.body["fields"][0]["message"].as_str().unwrap();
    assert!(message.contains("3 months in a row"), "{message}");
    assert!(message.contains(&this.plus(-3).words()), "{message}");
    let seen = strict
        .get(&format!("/api/v1/hq/actions/{id}"), &sergeant)
        .await;
    assert_eq!(seen.body["periods_on_target"], 3);

    let short = hq
        .post(
            &close,
            &sergeant,
            json!({"kind": "reason", "reason": "done"}),
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST, "{}", short.text);
    assert_eq!(
        field_codes(&short),
        [("reason".to_owned(), "too_short".to_owned())]
    );

    let reason = "Peak-time patrols now come under the night-time economy plan";
    let a = hq
        .post(
            &close,
            &sergeant,
            json!({"kind": "reason", "reason": reason}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["status"], "done");
    assert_eq!(
        a.body["closure"]["evidence"],
        json!({"kind": "reason", "reason": reason})
    );
    assert_eq!(a.body["closure"]["closed_by_name"], "PS Helen Doyle");
    assert_eq!(a.body["closure"]["closed_on"], today().to_string());
    assert_eq!(a.body["overdue"], false);

    // Closed once only; no more updates.
    let again = hq
        .post(
            &close,
            &sergeant,
            json!({"kind": "reason", "reason": reason}),
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.text);
    assert_eq!(
        field_codes(&again),
        [("closure".to_owned(), "already_closed".to_owned())]
    );
    let late = hq
        .post(
            &format!("/api/v1/hq/actions/{id}/updates"),
            &sergeant,
            json!({"note": "One more patrol"}),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text);

    // The cell is a failure not yet addressed again, and a new action may be opened on it.
    let cell = hq.cell(&sergeant, "camden-tct", "patrol_hours_peak").await;
    assert_eq!(
        (cell["action"].clone(), cell["unaddressed"].as_bool()),
        (Value::Null, Some(true))
    );
    let closed = hq.get("/api/v1/hq/actions?state=closed", &sergeant).await;
    assert_eq!(closed.body[0]["id"], id.as_str());
    hq.open(&sergeant, camden_patrols()).await;
    let open = hq.get("/api/v1/hq/actions?state=open", &sergeant).await;
    assert_eq!(open.body.as_array().unwrap().len(), 1);
    assert_ne!(open.body[0]["id"], id.as_str());

    let log = hq
        .state
        .storage
        .op_log(beatbook_hq::intel_review::HQ_REVIEW_DEVICE)
        .await
        .unwrap();
    assert_eq!(log.len(), 3, "opened, closed, opened");
    assert!(beatbook_hq::push::verify_chain(&log).ok);
}
