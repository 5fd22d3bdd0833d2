//! The committee's view at HQ, over HTTP (the real router, in process), on SQLite always and on
//! PostgreSQL (see `support`): the committee member reads the report and downloads its PDF,
//! which names nobody and holds no record's text; everything else is refused, and each refusal
//! is in the access log, where an administrator reads it in words.

use axum::http::{header, Method, StatusCode};
use beatbook_domain::committee::{last_complete_quarter, report_quarters};
use beatbook_domain::concern::{Concern, NewConcern};
use beatbook_domain::outcomes::Quarter;
use beatbook_domain::{AreaId, Hlc, OpAction, Record, RecordId};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde_json::{json, Value};
use support::http::{now_ms, Device, Hq, PASSWORD};
use support::{story, Db, FromDb};

mod support;

impl FromDb for Hq {
    async fn from_db(db: Db) -> Self {
        Hq::demo(db).await
    }
}

impl Device {
    async fn push(&mut self, hq: &Hq, record_id: RecordId, action: OpAction) {
        let counter = u32::try_from(self.seq + 1).unwrap();
        let op = self.next_op(
            record_id,
            Concern::KIND,
            Hlc::new(now_ms(), counter),
            action,
        );
        let a = hq
            .call(
                Method::POST,
                "/api/v1/sync/push",
                Some(&self.token),
                Some(json!({"ops": [op]})),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert_eq!(a.body["results"][0]["outcome"], "applied", "{}", a.text);
    }

    /// A concern reported at `at` in `area`, closed or not.
    async fn concern(
        &mut self,
        hq: &Hq,
        text: &str,
        area: &str,
        at: DateTime<Utc>,
        closed: bool,
    ) -> RecordId {
        let new: NewConcern = serde_json::from_value(json!({
            "category": {"kind": "asb", "type": "nuisance", "heading": "street_drinking"},
            "description": text,
            "location": {"lat": 51.539, "lon": -0.1426, "place": "Camden Town station"},
            "people": [{"role": "suspect", "name": "Dominic Fairweather"}],
        }))
        .unwrap();
        let mut c = new.into_concern(Utc::now(), vec![AreaId::new(area)]).1;
        c.reported_at = at;
        if closed {
            c.status = serde_json::from_value(json!("closed")).unwrap();
        }
        let id = RecordId::new();
        self.push(
            hq,
            id,
            OpAction::Put {
                fields: c.writes_from(None).unwrap(),
            },
        )
        .await;
        id
    }
}

fn noon(day: chrono::NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap())
        .and_utc()
}

fn team<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no team {id}"))
}

fn measure<'a>(team: &'a Value, id: &str) -> &'a Value {
    team["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["measure"] == id)
        .unwrap_or_else(|| panic!("no measure {id}"))
}

/// Everything in the directory that names a person: names and collar numbers.
async fn names(hq: &Hq) -> Vec<String> {
    let mut out = Vec::new();
    for o in hq.state.storage.officers().await.unwrap() {
        out.push(o.name.clone());
        out.push(o.collar_number.clone());
    }
    out
}

// ---------------------------------------------------------------------------------------------

story!(the_committee_member_reads_the_report_and_its_pdf_and_nothing_names_anyone);
async fn the_committee_member_reads_the_report_and_its_pdf_and_nothing_names_anyone(hq: Hq) {
    let today = Utc::now().date_naive();
    let quarter = last_complete_quarter(today);
    let before = quarter.previous();
    let mut tablet = Device::enrol(&hq, "PC4127").await; // Camden TCT
                                                         // The report's quarter: a concern left open. The quarter before: one closed.
    let open = tablet
        .concern(
            &hq,
            "Street drinking outside the station every evening",
            "tc-camden-town",
            noon(quarter.first_day() + Duration::days(20)),
            false,
        )
        .await;
    tablet
        .concern(
            &hq,
            "Cans left by the bins on the high street",
            "tc-camden-town",
            noon(before.first_day() + Duration::days(20)),
            true,
        )
        .await;

    let cm = hq.sign_in("CM0001").await;
    let a = hq.get("/api/v1/hq/committee/report", &cm).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let r = &a.body;
    assert_eq!(
        r["quarter"],
        quarter.to_string(),
        "the last complete quarter"
    );
    let quarters: Vec<String> = report_quarters(quarter)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(r["quarters"], json!(quarters));
    assert_eq!(r["force"], "Metropolitan Police Service");
    let teams = hq.state.storage.teams().await.unwrap();
    assert_eq!(r["teams"].as_array().unwrap().len(), teams.len());
    for t in r["teams"].as_array().unwrap() {
        assert_eq!(t["measures"].as_array().unwrap().len(), 6, "{}", t["name"]);
        for m in t["measures"].as_array().unwrap() {
            assert_eq!(m["quarters"].as_array().unwrap().len(), 4);
        }
    }
    let camden = team(r, "camden-tct");
    assert_eq!(camden["name"], "Camden Town Centre Team");
    let closed = measure(camden, "concerns_closed");
    assert_eq!(closed["quarters"][2]["value"], 100.0);
    assert_eq!(closed["quarters"][2]["rag"], "green");
    assert_eq!(closed["quarters"][3]["value"], 0.0);
    assert_eq!(closed["quarters"][3]["rag"], "red");
    assert_eq!(closed["quarter_on_quarter"], "down");
    assert_eq!(closed["year_on_year"], "not_comparable");
    let answered = measure(camden, "concerns_answered_72h");
    assert_eq!(answered["quarters"][3]["rag"], "red", "never answered");
    // Red with no action open: failures not yet addressed, and areas for improvement in words.
    let unaddressed: Vec<&str> = camden["unaddressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(unaddressed.contains(&"concerns_closed"), "{unaddressed:?}");
    assert!(unaddressed.contains(&"concerns_answered_72h"));
    assert!(camden["areas_for_improvement"]
        .as_array()
        .unwrap()
        .contains(&json!(
            "Concerns closed (%): below target this quarter (0% against a target of 60%)"
        )));
    // Another team with nothing: no figures, nothing red.
    let dalston = team(r, "dalston-snt");
    assert_eq!(
        measure(dalston, "concerns_closed")["quarters"][3]["rag"],
        "none"
    );
    // No records at all: a rate is then nought, red; a share has no figure.
    assert_eq!(
        dalston["unaddressed"],
        json!([
            "patrol_hours_peak",
            "engagements_per_month",
            "intel_per_month"
        ])
    );

    // No names, no record text.
    let everyone = names(&hq).await;
    for name in everyone.iter().chain(
        [
            "Dominic Fairweather".to_owned(),
            "Street drinking".to_owned(),
        ]
        .iter(),
    ) {
        assert!(!a.text.contains(name.as_str()), "{name} in the report");
    }
    assert!(!a.text.contains(&open.to_string()), "no record ids");

    // The PDF, page by page.
    let p = hq
        .get(
            &format!("/api/v1/hq/committee/report.pdf?quarter={quarter}"),
            &cm,
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert_eq!(p.headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(
        p.headers[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"committee-report-{quarter}.pdf\"").as_str()
    );
    let pages = beatbook_hq::pdf::text_of_pages(&p.bytes).unwrap();
    let n = pages.len();
    // A summary, a page (at least) per team, the notes.
    assert!(n >= teams.len() + 2, "{n} pages");
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(beatbook_hq::committee::TITLE),
            "page {}: {page}",
            i + 1
        );
        assert!(
            page.contains(&format!(
                "Metropolitan Police Service – {}",
                quarter.words()
            )),
            "page {}",
            i + 1
        );
        assert!(
            page.contains(&format!("Page {} of {n}", i + 1)),
            "page {}",
            i + 1
        );
    }
    assert!(pages[0].contains("Summary"));
    let camden_page = pages
        .iter()
        .skip(1)
        .find(|p| p.lines().any(|l| l == "Camden Town Centre Team"))
        .expect("Camden's section");
    for q in report_quarters(quarter) {
        assert!(camden_page.contains(&q.words()), "{}", q.words());
    }
    assert!(camden_page.contains("Concerns closed (%)"));
    assert!(camden_page.contains("0%\nBelow target"), "{camden_page}");
    assert!(camden_page.contains("100%\nOn target"));
    let all = pages.join("\n");
    assert!(all.contains("Failure not yet addressed: Concerns closed (%) is below target"));
    for name in everyone.iter().chain(
        [
            "Dominic Fairweather".to_owned(),
            "Street drinking".to_owned(),
        ]
        .iter(),
    ) {
        assert!(!all.contains(name.as_str()), "{name} in the PDF");
    }
    assert!(pages[n - 1].contains("Notes from partnership meetings"));

    // Another quarter by name; a bad one, or one to come, is refused in words.
    let last_year = quarter.year_before();
    let a = hq
        .get(
            &format!("/api/v1/hq/committee/report?quarter={last_year}"),
            &cm,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["quarter"], last_year.to_string());
    let a = hq
        .get("/api/v1/hq/committee/report?quarter=2026-Q5", &cm)
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.body["message"],
        "\"2026-Q5\" is not a quarter: write it as 2026-Q4"
    );
    let next = Quarter::of_day(today).plus(1);
    let a = hq
        .get(
            &format!("/api/v1/hq/committee/report.pdf?quarter={next}"),
            &cm,
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(
        a.body["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{} has not begun", next.words())),
        "{}",
        a.text
    );
    // Reading the report discloses no record: nothing in the access log.
    assert!(hq.access_log_for("CM0001").await.is_empty());
}

story!(the_committee_member_is_refused_records_names_and_drill_downs_and_each_refusal_is_logged);
async fn the_committee_member_is_refused_records_names_and_drill_downs_and_each_refusal_is_logged(
    hq: Hq,
) {
    let mut tablet = Device::enrol(&hq, "PC4127").await;
    let record = tablet
        .concern(
            &hq,
            "Street drinking outside the station",
            "tc-camden-town",
            Utc::now() - Duration::days(3),
            false,
        )
        .await;
    let cm = hq.sign_in("CM0001").await;
    let asked = [
        "/api/v1/hq/records".to_owned(),
        format!("/api/v1/hq/records/{record}"),
        "/api/v1/hq/subject-access?name=Fairweather".to_owned(),
        "/api/v1/hq/framework/cell?unit=camden-tct&measure=concerns_closed".to_owned(),
        "/api/v1/hq/framework/officers?team=camden-tct".to_owned(),
        "/api/v1/hq/actions".to_owned(),
        "/api/v1/hq/framework".to_owned(),
        "/api/v1/hq/intel/queue".to_owned(),
        "/api/v1/hq/admin/officers".to_owned(),
    ];
    for path in &asked {
        let a = hq.get(path, &cm).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{path}: {}", a.text);
        assert_eq!(a.body["code"], "forbidden");
        assert!(!a.text.contains("Street drinking"), "{path}");
    }
    // Each one is in the access log: who, when, what was asked.
    let log = hq.access_log_for("CM0001").await;
    assert_eq!(log.len(), asked.len(), "{log:?}");
    for (entry, path) in log.iter().rev().zip(&asked) {
        assert_eq!(entry.action, "refused");
        assert_eq!(entry.detail, format!("GET {path}"));
        assert!(entry.device_id.is_none());
        assert!(Utc::now() - entry.at < Duration::minutes(10));
    }
    let opened = log
        .iter()
        .find(|e| e.detail.starts_with("GET /api/v1/hq/records/"))
        .unwrap();
    assert_eq!(opened.record_ids, vec![record], "the record asked for");

    // Not signed in: refused before anyone is known, so nothing to log against a name.
    let a = hq.call(Method::GET, "/api/v1/hq/records", None, None).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);

    // An administrator finds the attempts in the audit search, in words.
    let admin = hq.sign_in("AD0001").await;
    let a = hq
        .get("/api/v1/hq/admin/audit?officer=CM0001", &admin)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let reads = a.body["access"].as_array().unwrap();
    assert_eq!(reads.len(), asked.len());
    assert!(
        reads.iter().all(|r| r["what"] == "Refused"
            && r["officer_name"] == "Cllr Ayesha Rahman (CM0001)"
            && r["detail"].as_str().unwrap().starts_with("Refused: ")),
        "{reads:#?}"
    );
    let details: Vec<&str> = reads
        .iter()
        .map(|r| r["detail"].as_str().unwrap())
        .collect();
    for want in [
        "Refused: open a record (GET /api/v1/hq/records/…)",
        "Refused: the subject access search (GET /api/v1/hq/subject-access)",
        "Refused: the records behind a figure on the performance framework (GET /api/v1/hq/framework/cell)",
        "Refused: a team's figures officer by officer (GET /api/v1/hq/framework/officers)",
        "Refused: the improvement actions, with their owners (GET /api/v1/hq/actions)",
        "Refused: the officers, by name (GET /api/v1/hq/admin/officers)",
    ] {
        assert!(details.contains(&want), "{want} in {details:?}");
    }
    // The admin's own refusal (a record is not theirs to open) is logged too.
    let a = hq
        .get(&format!("/api/v1/hq/records/{record}"), &admin)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let mine = hq.access_log_for("AD0001").await;
    assert_eq!(mine[0].action, "refused");
    assert_eq!(mine[0].record_ids, vec![record]);
    // An officer refused at sign-in, from a browser still holding the administrator's session:
    // not the administrator's refusal.
    let a = hq
        .call(
            Method::POST,
            "/api/v1/hq/login",
            Some(&admin),
            Some(json!({"collar_number": "PC4127", "password": PASSWORD})),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    assert_eq!(hq.access_log_for("AD0001").await.len(), mine.len());
}

story!(the_report_is_for_the_committee_and_the_staff_who_answer_to_it);
async fn the_report_is_for_the_committee_and_the_staff_who_answer_to_it(hq: Hq) {
    for collar in ["CM0001", "PS1102", "AN0815", "AD0001"] {
        let t = hq.sign_in(collar).await;
        let a = hq.get("/api/v1/hq/committee/report", &t).await;
        assert_eq!(a.status, StatusCode::OK, "{collar}: {}", a.text);
        let p = hq.get("/api/v1/hq/committee/report.pdf", &t).await;
        assert_eq!(p.status, StatusCode::OK, "{collar}");
        assert!(p.bytes.starts_with(b"%PDF-"));
    }
    for collar in ["DC7740", "RM0001"] {
        let t = hq.sign_in(collar).await;
        let a = hq.get("/api/v1/hq/committee/report", &t).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{collar}");
        assert!(
            a.body["message"]
                .as_str()
                .unwrap()
                .contains("committee member"),
            "{}",
            a.text
        );
        let log = hq.access_log_for(collar).await;
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].detail, "GET /api/v1/hq/committee/report");
    }
    let a = hq
        .call(Method::GET, "/api/v1/hq/committee/report", None, None)
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

story!(the_demos_report_shows_actions_with_progress_outcomes_and_notes_and_still_names_nobody);
async fn the_demos_report_shows_actions_with_progress_outcomes_and_notes_and_still_names_nobody(
    hq: Hq,
) {
    beatbook_hq::demo::seed_story(&hq.state, PASSWORD)
        .await
        .unwrap();
    // The demo's twelve weeks end today: its actions were opened this quarter.
    let quarter = Quarter::of_day(Utc::now().date_naive());
    let cm = hq.sign_in("CM0001").await;
    let a = hq
        .get(
            &format!("/api/v1/hq/committee/report?quarter={quarter}"),
            &cm,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let teams = a.body["teams"].as_array().unwrap();
    let actions: Vec<&Value> = teams
        .iter()
        .flat_map(|t| t["actions"].as_array().unwrap())
        .collect();
    // The demo opens its actions on the cells that were red when it tells them: at least one,
    // with progress.
    assert!(
        actions
            .iter()
            .any(|l| l["updates"].as_u64().unwrap() > 0 && !l["last_update_on"].is_null()),
        "one with progress: {actions:?}"
    );
    for l in &actions {
        let keys: Vec<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
        assert!(
            !keys.iter().any(|k| k.contains("owner") || k.contains("by")),
            "{keys:?}"
        );
    }
    assert!(
        teams
            .iter()
            .any(|t| !t["outcomes"].as_array().unwrap().is_empty()),
        "the demo's outcomes"
    );
    // The demo's partnership notes are for the last complete quarter: the report by default.
    let last = hq.get("/api/v1/hq/committee/report", &cm).await;
    assert_eq!(last.status, StatusCode::OK, "{}", last.text);
    let notes = last.body["notes"].as_array().unwrap();
    assert!(!notes.is_empty(), "the demo's partnership notes");
    let last_pdf = hq.get("/api/v1/hq/committee/report.pdf", &cm).await;
    let last_pages = beatbook_hq::pdf::text_of_pages(&last_pdf.bytes).unwrap();
    let note_pages = last_pages
        .iter()
        .skip_while(|p| !p.contains("Notes from partnership meetings, "))
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    let first_words: String = notes[0]["text"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        note_pages.contains(&first_words),
        "{first_words} in {note_pages}"
    );

    let p = hq
        .get(
            &format!("/api/v1/hq/committee/report.pdf?quarter={quarter}"),
            &cm,
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    if let Ok(path) = std::env::var("BEATBOOK_COMMITTEE_PDF") {
        // To look at it: `BEATBOOK_COMMITTEE_PDF=/tmp/report.pdf cargo test --test committee`.
        std::fs::write(path, &p.bytes).unwrap();
    }
    let pages = beatbook_hq::pdf::text_of_pages(&p.bytes).unwrap();
    let all = pages.join("\n");
    assert!(all.contains("Improvement action on "));
    assert!(all.contains("progress update"));
    assert!(all.contains("Outcomes against their targets"));
    let n = pages.len();
    for (i, page) in pages.iter().enumerate() {
        assert!(page.contains(&format!("Page {} of {n}", i + 1)));
    }
    // Nobody in the directory (the demo's story officers too) is named, in the JSON or the PDF.
    let last_all = last_pages.join("\n");
    for name in names(&hq).await {
        assert!(!a.text.contains(name.as_str()), "{name} in the report");
        assert!(!all.contains(name.as_str()), "{name} in the PDF");
        assert!(
            !last.text.contains(name.as_str()),
            "{name} in the last quarter's report"
        );
        assert!(!last_all.contains(name.as_str()), "{name} in its PDF");
    }
    if let Ok(path) = std::env::var("BEATBOOK_COMMITTEE_PDF") {
        std::fs::write(format!("{path}.last.pdf"), &last_pdf.bytes).unwrap();
    }
}
