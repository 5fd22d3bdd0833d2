//! Outcomes beside activity at HQ, driven over HTTP (the real router, in process) against SQLite
//! always and PostgreSQL (see `support`): a police.uk crime file with good and bad rows (bad rows
//! reported by line, the rest imported in one transaction; a month imported again replaces its
//! counts), a survey file, costs and value for money, outcome targets and their colours, the
//! crime and confidence trends year on year, partnership notes and their field errors, and the
//! roles refused.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use beatbook_domain::outcomes::{Month, Quarter};
use beatbook_domain::patrol::{Engagement, EngagementType, PatrolLog};
use beatbook_domain::record::review_after;
use beatbook_domain::AreaId;
use beatbook_hq::outcomes::{CrimeCount, CrimeImport, ImportLog};
use chrono::{Duration, NaiveTime, Utc};
use serde_json::{json, Value};
use support::http::{Answer, Device, Hq};
use support::{story, Db, FromDb};

mod support;

story!(a_crime_file_imports_its_good_rows_reports_the_bad_by_line_and_replaces_its_months);
story!(a_survey_file_imports_and_confidence_is_shown_quarter_by_quarter);
story!(costs_are_entered_by_month_and_give_value_for_money);
story!(outcome_targets_colour_the_figures_and_crime_is_compared_year_on_year);
story!(partnership_notes_are_kept_for_a_team_or_area_and_quarter);
story!(roles_without_the_action_are_refused);

// ---------------------------------------------------------------------------------------------
// Harness

impl FromDb for Hq {
    /// HQ on the story's database, with the demo areas, teams and officers.
    async fn from_db(db: Db) -> Self {
        Hq::demo(db).await
    }
}

impl Hq {
    /// POST a CSV file as the body.
    async fn csv(&self, path: &str, token: &str, text: &str) -> Answer {
        let req = Request::post(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(text.to_owned()))
            .unwrap();
        self.send(req).await
    }

    /// Import a crime file as the analyst; the report.
    async fn import_crime(&self, token: &str, text: &str) -> Value {
        let a = self
            .csv("/api/v1/hq/outcomes/crime?file=street.csv", token, text)
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        a.body
    }

    async fn ok(&self, path: &str, token: &str) -> Value {
        let a = self.get(path, token).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.text);
        a.body
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/// In the Camden Town town centre and the Camden Town ward (camden-tct, camden-town-snt).
const CAMDEN: (f64, f64) = (-0.1426, 51.539);
/// In the Dalston town centre and the Dalston ward (hackney-tct, dalston-snt).
const DALSTON: (f64, f64) = (-0.075, 51.548);
/// Trafalgar Square: in none of the demo areas.
const ELSEWHERE: (f64, f64) = (-0.1277, 51.5074);

const HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context";

/// One police.uk row: anti-social behaviour has no crime id, as police.uk publishes it.
fn row(month: &str, (lon, lat): (f64, f64), crime_type: &str) -> String {
    let id = if crime_type == "Anti-social behaviour" {
        String::new()
    } else {
        format!("{:016x}", rand::random::<u64>())
    };
    format!(
        "{id},{month},Metropolitan Police Service,Metropolitan Police Service,{lon:.6},{lat:.6},\"On or near Camden High Street, NW1\",E01000001,Camden 001A,{crime_type},Under investigation,"
    )
}

/// A police.uk file of these rows.
fn file(rows: &[String]) -> String {
    let mut out = HEADER.to_owned();
    for r in rows {
        out.push('\n');
        out.push_str(r);
    }
    out.push('\n');
    out
}

/// `n` rows of one crime type at one place in one month.
fn rows(n: usize, month: &str, at: (f64, f64), crime_type: &str) -> Vec<String> {
    (0..n).map(|_| row(month, at, crime_type)).collect()
}

/// The month in a trend's answer.
fn month_of<'a>(trend: &'a Value, month: &str) -> &'a Value {
    trend["months"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == month)
        .unwrap_or_else(|| panic!("no {month} in {trend}"))
}

/// A team's figure for an outcome in `GET /outcomes`.
fn figure<'a>(board: &'a Value, team: &str, measure: &str) -> &'a Value {
    board["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == team)
        .unwrap_or_else(|| panic!("no team {team}"))["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["measure"] == measure)
        .unwrap_or_else(|| panic!("no {measure} for {team}"))
}

fn last_quarter() -> Quarter {
    Quarter::of_day(Utc::now().date_naive()).previous()
}

// ---------------------------------------------------------------------------------------------
// Stories

async fn a_crime_file_imports_its_good_rows_reports_the_bad_by_line_and_replaces_its_months(
    hq: Hq,
) {
    let analyst = hq.sign_in("AN0815").await;
    let text = file(&[
        row("2025-10", CAMDEN, "Anti-social behaviour"), // line 2
        row("2025-10", CAMDEN, "Burglary"),
        row("2025-11", DALSTON, "Shoplifting"),
        // Police.uk could not place it.
        ",2025-11,Metropolitan Police Service,Metropolitan Police Service,,,No Location,,,Drugs,Under investigation,".into(), // line 5
        row("2025-13", CAMDEN, "Robbery"),
        row("2025-11", ELSEWHERE, "Anti-social behaviour"),
        row("2025-11", CAMDEN, ""), // line 8
    ]);
    let report = hq.import_crime(&analyst, &text).await;
    assert_eq!(report["rows"], 7, "{report}");
    assert_eq!(report["imported"], 3);
    assert_eq!(report["outside_areas"], 1);
    assert_eq!(report["months"], json!(["2025-10", "2025-11"]));
    let lines: Vec<u64> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [5, 6, 8], "{report}");
    let messages: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].contains("no longitude"), "{messages:?}");
    assert!(messages[1].contains("is not a month"), "{messages:?}");
    assert!(messages[2].contains("no crime type"), "{messages:?}");

    // Counted in every area the point falls in: the town centre and the ward alike.
    let town_centre = hq
        .ok("/api/v1/hq/outcomes/crime?area=tc-camden-town", &analyst)
        .await;
    assert_eq!(town_centre["name"], "Camden Town");
    assert_eq!(town_centre["months"].as_array().unwrap().len(), 24);
    assert_eq!(
        town_centre["months"][23]["month"], "2025-11",
        "the trend ends with the latest month imported"
    );
    assert_eq!(month_of(&town_centre, "2025-10")["count"], 2);
    assert_eq!(
        month_of(&town_centre, "2025-11")["count"],
        0,
        "a month imported with none here is a nought"
    );
    assert_eq!(
        month_of(&town_centre, "2025-09")["count"],
        Value::Null,
        "a month not imported has no figure"
    );
    let types: Vec<(&str, u64)> = town_centre["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["crime_type"].as_str().unwrap(),
                t["last_12_months"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(types, [("Anti-social behaviour", 1), ("Burglary", 1)]);
    let ward = hq
        .ok("/api/v1/hq/outcomes/crime?team=camden-town-snt", &analyst)
        .await;
    assert_eq!(month_of(&ward, "2025-10")["count"], 2);
    let dalston = hq
        .ok("/api/v1/hq/outcomes/crime?team=hackney-tct", &analyst)
        .await;
    assert_eq!(month_of(&dalston, "2025-11")["count"], 1);

    // October again: its counts are replaced; November is left as it was.
    let again = hq
        .import_crime(&analyst, &file(&[row("2025-10", CAMDEN, "Robbery")]))
        .await;
    assert_eq!(again["months"], json!(["2025-10"]));
    assert_eq!(again["errors"], json!([]));
    let town_centre = hq
        .ok("/api/v1/hq/outcomes/crime?area=tc-camden-town", &analyst)
        .await;
    assert_eq!(month_of(&town_centre, "2025-10")["count"], 1);
    assert_eq!(town_centre["types"][0]["crime_type"], "Robbery");
    assert_eq!(town_centre["types"].as_array().unwrap().len(), 1);
    let dalston = hq
        .ok("/api/v1/hq/outcomes/crime?team=hackney-tct", &analyst)
        .await;
    assert_eq!(month_of(&dalston, "2025-11")["count"], 1);

    // One transaction: an import that fails part way leaves every count as it was.
    let nov: Month = "2025-11".parse().unwrap();
    let twice = CrimeCount {
        area_id: AreaId::new("tc-dalston"),
        month: nov,
        crime_type: "Burglary".into(),
        count: 3,
    };
    let broken = CrimeImport {
        log: ImportLog {
            file_name: "broken.csv".into(),
            at: Utc::now(),
            by: "AN0815".into(),
            rows: 2,
            imported: 2,
            outside_areas: 0,
            refused: 0,
        },
        months: vec![nov],
        counts: vec![twice.clone(), twice],
    };
    assert!(hq.state.storage.import_crime(&broken).await.is_err());
    let dalston = hq
        .ok("/api/v1/hq/outcomes/crime?team=hackney-tct", &analyst)
        .await;
    assert_eq!(month_of(&dalston, "2025-11")["count"], 1);

    // Not a police.uk file at all: refused, in words.
    let a = hq
        .csv(
            "/api/v1/hq/outcomes/crime",
            &analyst,
            "area,quarter,community\nx,2025-Q1,public\n",
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(a.body["code"], "bad_request");
    assert!(
        a.body["message"]
            .as_str()
            .unwrap()
            .contains("not a police.uk street-level crime file"),
        "{}",
        a.text
    );
    let a = hq.csv("/api/v1/hq/outcomes/crime", &analyst, "").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    // Neither a team nor an area; an unknown one.
    let a = hq.get("/api/v1/hq/outcomes/crime", &analyst).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    let a = hq
        .get("/api/v1/hq/outcomes/crime?team=nowhere", &analyst)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
}

async fn a_survey_file_imports_and_confidence_is_shown_quarter_by_quarter(hq: Hq) {
    let admin = hq.sign_in("AD0001").await;
    let q = last_quarter();
    let before = q.previous();
    let text = format!(
        "area,quarter,community,respondents,confident\n\
         tc-camden-town,{q},public,100,80\n\
         tc-camden-town,{q},business,50,30\n\
         E05013655,{q},public,100,70\n\
         nowhere,{q},public,10,5\n\
         tc-camden-town,{before},public,10,11\n\
         tc-camden-town,{before},public,40,26\n"
    );
    let a = hq
        .csv("/api/v1/hq/outcomes/survey?file=survey.csv", &admin, &text)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let report = a.body;
    assert_eq!(
        (
            report["rows"].as_u64(),
            report["imported"].as_u64(),
            report["outside_areas"].as_u64()
        ),
        (Some(6), Some(4), Some(0)),
        "{report}"
    );
    assert_eq!(
        report["quarters"],
        json!([before.to_string(), q.to_string()])
    );
    assert_eq!(report["errors"][0]["line"], 5);
    assert_eq!(
        report["errors"][0]["message"],
        "there is no area \"nowhere\" at HQ"
    );
    assert_eq!(report["errors"][1]["line"], 6);
    assert!(report["errors"][1]["message"]
        .as_str()
        .unwrap()
        .contains("more said they were confident (11) than answered (10)"));

    let trend = hq
        .ok("/api/v1/hq/outcomes/confidence?team=camden-tct", &admin)
        .await;
    let quarters = trend["quarters"].as_array().unwrap();
    assert_eq!(quarters.len(), 8);
    let latest = &quarters[7];
    assert_eq!(latest["quarter"], q.to_string());
    assert_eq!(latest["quarter_words"], q.words());
    assert_eq!(latest["public"]["percent"], 80.0);
    assert_eq!(latest["business"]["percent"], 60.0);
    assert_eq!(quarters[6]["public"]["percent"], 65.0);
    assert_eq!(quarters[6]["business"], Value::Null);
    // The ward's team reads the ward.
    let ward = hq
        .ok("/api/v1/hq/outcomes/confidence?area=E05013655", &admin)
        .await;
    assert_eq!(ward["quarters"][7]["public"]["percent"], 70.0);

    // A result imported again replaces the one before.
    let a = hq
        .csv(
            "/api/v1/hq/outcomes/survey",
            &admin,
            &format!(
                "area,quarter,community,respondents,confident\ntc-camden-town,{q},public,100,90\n"
            ),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let board = hq
        .ok(&format!("/api/v1/hq/outcomes?quarter={q}"), &admin)
        .await;
    assert_eq!(board["quarter"], q.to_string());
    let public = figure(&board, "camden-tct", "confidence_public");
    assert_eq!(public["value"], 90.0);
    assert_eq!(public["previous"], 65.0);
    assert_eq!(public["target"], 75.0);
    assert_eq!(public["rag"], "green");
    assert_eq!(public["quarter_on_quarter"], "up");
    let business = figure(&board, "camden-tct", "confidence_business");
    assert_eq!(
        (business["value"].as_f64(), business["rag"].as_str()),
        (Some(60.0), Some("red"))
    );
    // Hackney had no survey: no figure, no colour.
    let none = figure(&board, "hackney-tct", "confidence_public");
    assert_eq!(
        (none["value"].clone(), none["rag"].as_str()),
        (Value::Null, Some("none"))
    );

    // Not a survey file.
    let a = hq
        .csv("/api/v1/hq/outcomes/survey", &admin, &file(&[]))
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
}

async fn costs_are_entered_by_month_and_give_value_for_money(hq: Hq) {
    let admin = hq.sign_in("AD0001").await;
    let q = last_quarter();
    let [m1, m2, m3] = q.months();
    for m in [m1, m2, m3] {
        let a = hq
            .post(
                "/api/v1/hq/outcomes/costs",
                &admin,
                json!({"team_id": "camden-tct", "month": m.to_string(), "cost_pounds": 30000.0}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert_eq!(a.body["team_name"], "Camden Town Centre Team");
        assert_eq!(a.body["month_words"], m.words());
    }
    // Two months of three: no cost for the quarter yet.
    for m in [m1, m2] {
        let a = hq
            .post(
                "/api/v1/hq/outcomes/costs",
                &admin,
                json!({"team_id": "dalston-snt", "month": m.to_string(), "cost_pounds": 20000.5}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    }
    // Replaced, not added.
    let a = hq
        .post(
            "/api/v1/hq/outcomes/costs",
            &admin,
            json!({"team_id": "camden-tct", "month": m1.to_string(), "cost_pounds": 45000}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);

    // The team's work in the quarter: a three-hour hotspot patrol and an engagement.
    let mut tablet = Device::enrol(&hq, "PC4127").await;
    let start =
        q.first_day().and_time(NaiveTime::MIN).and_utc() + Duration::days(10) + Duration::hours(19);
    let review = review_after(q.first_day(), 24);
    tablet
        .create(
            &hq,
            &PatrolLog {
                area_id: AreaId::new("tc-camden-town"),
                hotspot: Some("Camden High Street".into()),
                started_at: start,
                ended_at: Some(start + Duration::hours(3)),
                notes: "Quiet evening".into(),
                retention_review: review,
            },
        )
        .await;
    tablet
        .create(
            &hq,
            &Engagement {
                engagement_type: EngagementType::StreetBriefing,
                area_id: AreaId::new("tc-camden-town"),
                held_at: start + Duration::days(1),
                location: None,
                attendees: 12,
                notes: "Traders' briefing".into(),
                retention_review: review,
            },
        )
        .await;

    let costs = hq
        .ok(&format!("/api/v1/hq/outcomes/costs?quarter={q}"), &admin)
        .await;
    assert_eq!(
        costs["months"],
        json!([m1.to_string(), m2.to_string(), m3.to_string()])
    );
    let team = |id: &str| {
        costs["teams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["team_id"] == id)
            .unwrap()
            .clone()
    };
    let camden = team("camden-tct");
    assert_eq!(camden["months"], json!([45000.0, 30000.0, 30000.0]));
    assert_eq!(camden["cost_pounds"], 105000.0);
    assert_eq!(camden["patrol_hours"], 3.0);
    assert_eq!(camden["engagements"], 1);
    assert_eq!(camden["concerns_answered"], 0);
    assert_eq!(camden["per_patrol_hour"], 35000.0);
    assert_eq!(camden["per_engagement"], 105000.0);
    assert_eq!(camden["per_concern_answered"], Value::Null, "none answered");
    let dalston = team("dalston-snt");
    assert_eq!(dalston["months"], json!([20000.5, 20000.5, null]));
    assert_eq!(dalston["cost_pounds"], Value::Null);

    // On the outcomes board, against a target once one is set.
    let board = hq
        .ok(&format!("/api/v1/hq/outcomes?quarter={q}"), &admin)
        .await;
    let per_hour = figure(&board, "camden-tct", "cost_per_patrol_hour");
    assert_eq!(per_hour["value"], 35000.0);
    assert_eq!(
        (per_hour["target"].clone(), per_hour["rag"].as_str()),
        (Value::Null, Some("none"))
    );
    let a = hq
        .post(
            "/api/v1/hq/framework/targets",
            &admin,
            json!({"scope": "kind:tct", "measure": "cost_per_patrol_hour", "target": 32000}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let board = hq
        .ok(&format!("/api/v1/hq/outcomes?quarter={q}"), &admin)
        .await;
    let per_hour = figure(&board, "camden-tct", "cost_per_patrol_hour");
    assert_eq!(
        (per_hour["target"].as_f64(), per_hour["rag"].as_str()),
        (Some(32000.0), Some("amber")),
        "within 10% above a cost target: amber"
    );

    // Field errors, each by its field.
    let a = hq
        .post(
            "/api/v1/hq/outcomes/costs",
            &admin,
            json!({"team_id": "nowhere", "month": "2026-13", "cost_pounds": -5}),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    let fields: Vec<&str> = a.body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["team_id", "month", "cost_pounds"], "{}", a.text);
    let a = hq
        .get("/api/v1/hq/outcomes/costs?quarter=2026-Q5", &admin)
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert!(a.body["message"]
        .as_str()
        .unwrap()
        .contains("is not a quarter"));
}

async fn outcome_targets_colour_the_figures_and_crime_is_compared_year_on_year(hq: Hq) {
    let analyst = hq.sign_in("AN0815").await;
    let admin = hq.sign_in("AD0001").await;
    // Camden: 10 crimes in Jan to Mar 2024, 8 a year later (down 20%). Dalston: 4, then 5 (up 25%).
    let mut all = Vec::new();
    for (month, camden, dalston) in [
        ("2024-01", 4, 1),
        ("2024-02", 3, 2),
        ("2024-03", 3, 1),
        ("2025-01", 3, 2),
        ("2025-02", 3, 2),
        ("2025-03", 2, 1),
    ] {
        all.extend(rows(camden, month, CAMDEN, "Theft from the person"));
        all.extend(rows(dalston, month, DALSTON, "Robbery"));
    }
    let report = hq.import_crime(&analyst, &file(&all)).await;
    assert_eq!(report["imported"], 27);

    let board = hq.ok("/api/v1/hq/outcomes?quarter=2025-Q1", &analyst).await;
    assert_eq!(board["quarter_words"], "Jan to Mar 2025");
    assert_eq!(board["measures"].as_array().unwrap().len(), 6);
    let camden = figure(&board, "camden-tct", "crime_change_yoy");
    assert_eq!(camden["value"], -20.0);
    assert_eq!(
        camden["target"], -5.0,
        "the default: down 5% on a year before"
    );
    assert_eq!(camden["rag"], "green");
    assert_eq!(
        camden["previous"],
        Value::Null,
        "no figures for the quarter before"
    );
    assert_eq!(camden["quarter_on_quarter"], "not_comparable");
    let hackney = figure(&board, "hackney-tct", "crime_change_yoy");
    assert_eq!(
        (hackney["value"].as_f64(), hackney["rag"].as_str()),
        (Some(25.0), Some("red"))
    );
    // The committee report reads the same figures.
    let team = hq
        .state
        .storage
        .teams()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.id.as_str() == "camden-tct")
        .unwrap();
    let figures =
        beatbook_hq::outcomes::team_outcomes(&hq.state, &team, "2025-Q1".parse().unwrap())
            .await
            .unwrap();
    let on_board = board["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "camden-tct")
        .unwrap();
    assert_eq!(serde_json::to_value(&figures).unwrap(), on_board["figures"]);

    // A team's own target, then its kind's.
    let a = hq
        .post(
            "/api/v1/hq/framework/targets",
            &admin,
            json!({"scope": "team:camden-tct", "measure": "crime_change_yoy", "target": -25}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let a = hq
        .post(
            "/api/v1/hq/framework/targets",
            &admin,
            json!({"scope": "kind:tct", "measure": "crime_change_yoy", "target": 30}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let board = hq.ok("/api/v1/hq/outcomes?quarter=2025-Q1", &analyst).await;
    let camden = figure(&board, "camden-tct", "crime_change_yoy");
    assert_eq!(
        (camden["target"].as_f64(), camden["rag"].as_str()),
        (Some(-25.0), Some("amber")),
        "down 20% against a target of 25%: within five points"
    );
    let hackney = figure(&board, "hackney-tct", "crime_change_yoy");
    assert_eq!(
        (hackney["target"].as_f64(), hackney["rag"].as_str()),
        (Some(30.0), Some("green"))
    );
    // Refused: below an outcome's lowest, an unknown measure.
    for (measure, target) in [
        ("confidence_public", -5.0),
        ("crime_change_yoy", -101.0),
        ("crime_rate", 5.0),
    ] {
        let a = hq
            .post(
                "/api/v1/hq/framework/targets",
                &admin,
                json!({"scope": "kind:snt", "measure": measure, "target": target}),
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{measure}: {}", a.text);
    }

    // The trend, month by month, year on year.
    let trend = hq
        .ok("/api/v1/hq/outcomes/crime?team=camden-tct", &analyst)
        .await;
    assert_eq!(trend["by"], "team");
    assert_eq!(trend["months"][23]["month"], "2025-03");
    assert_eq!(trend["months"][23]["month_words"], "Mar 2025");
    let jan = month_of(&trend, "2025-01");
    assert_eq!(
        (jan["count"].as_u64(), jan["year_before"].as_u64()),
        (Some(3), Some(4))
    );
    assert_eq!(jan["change"], -25.0);
    let mar = month_of(&trend, "2025-03");
    assert_eq!(mar["change"], -33.3);
    assert_eq!(month_of(&trend, "2024-01")["year_before"], Value::Null);
    assert_eq!(month_of(&trend, "2024-06")["count"], Value::Null);
    assert_eq!(trend["types"][0]["crime_type"], "Theft from the person");
    assert_eq!(trend["types"][0]["last_12_months"], 8);
    assert_eq!(trend["types"][0]["previous_12_months"], 10);
    assert_eq!(trend["types"][0]["change"], -20.0);
}

async fn partnership_notes_are_kept_for_a_team_or_area_and_quarter(hq: Hq) {
    let sergeant = hq.sign_in("PS1102").await;
    let analyst = hq.sign_in("AN0815").await;
    let a = hq
        .post(
            "/api/v1/hq/partnership-notes",
            &sergeant,
            json!({"meeting": "cdrp", "met_on": "2025-11-18", "team_id": "camden-tct",
                   "text": "Partners agreed a joint operation on the canal towpath."}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["team_name"], "Camden Town Centre Team");
    assert_eq!(a.body["quarter"], "2025-Q4", "the meeting's quarter");
    let a = hq
        .post(
            "/api/v1/hq/partnership-notes",
            &analyst,
            json!({"meeting": "engagement_group", "area_id": "E05009370", "quarter": "2025-Q4",
                   "text": "Traders asked for more visible patrols in the evening."}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["area_name"], "Dalston");
    assert_eq!(a.body["team_name"], Value::Null);

    // Field errors: no text and neither team nor area; an unknown team; a meeting yet to meet.
    let fields = |a: &Answer| -> Vec<(String, String)> {
        a.body["fields"]
            .as_array()
            .unwrap_or(&Vec::new())
            .iter()
            .map(|f| {
                (
                    f["field"].as_str().unwrap().to_owned(),
                    f["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let a = hq
        .post(
            "/api/v1/hq/partnership-notes",
            &sergeant,
            json!({"meeting": "cdrp", "text": "  "}),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(
        fields(&a),
        [
            ("text".into(), "required".into()),
            ("team_id".into(), "required".into()),
            ("area_id".into(), "required".into())
        ]
    );
    let tomorrow = Utc::now().date_naive() + Duration::days(1);
    let a = hq
        .post(
            "/api/v1/hq/partnership-notes",
            &sergeant,
            json!({"meeting": "other", "team_id": "nowhere", "met_on": tomorrow, "text": "Noted."}),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(
        fields(&a),
        [
            ("team_id".into(), "unknown".into()),
            ("met_on".into(), "future".into())
        ]
    );

    // The committee member reads them, oldest meeting first; none in another quarter.
    let committee = hq.sign_in("CM0001").await;
    let notes = hq
        .ok("/api/v1/hq/partnership-notes?quarter=2025-Q4", &committee)
        .await;
    let notes = notes.as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["meeting"], "cdrp");
    assert_eq!(notes[0]["met_on"], "2025-11-18");
    assert_eq!(notes[1]["area_id"], "E05009370");
    assert!(
        !serde_json::to_string(notes).unwrap().contains("PS1102"),
        "the author is not named"
    );
    let other = hq
        .ok("/api/v1/hq/partnership-notes?quarter=2025-Q3", &committee)
        .await;
    assert_eq!(other, json!([]));
    let from_fn = beatbook_hq::outcomes::notes(&hq.state, "2025-Q4".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(from_fn.len(), 2);
}

async fn roles_without_the_action_are_refused(hq: Hq) {
    let committee = hq.sign_in("CM0001").await;
    let sergeant = hq.sign_in("PS1102").await;
    let records = hq.sign_in("RM0001").await;
    let intel = hq.sign_in("DC7740").await;
    let crime = file(&[row("2025-10", CAMDEN, "Burglary")]);
    let survey =
        "area,quarter,community,respondents,confident\ntc-camden-town,2025-Q3,public,10,5\n";
    let cost = json!({"team_id": "camden-tct", "month": "2025-10", "cost_pounds": 1000});
    let note = json!({"meeting": "cdrp", "team_id": "camden-tct", "text": "Noted."});
    let refused = [
        hq.csv("/api/v1/hq/outcomes/crime", &committee, &crime)
            .await,
        hq.csv("/api/v1/hq/outcomes/crime", &sergeant, &crime).await,
        hq.csv("/api/v1/hq/outcomes/survey", &sergeant, survey)
            .await,
        hq.post("/api/v1/hq/outcomes/costs", &sergeant, cost.clone())
            .await,
        hq.post("/api/v1/hq/outcomes/costs", &committee, cost).await,
        hq.get("/api/v1/hq/outcomes/costs", &sergeant).await,
        hq.get("/api/v1/hq/outcomes", &committee).await,
        hq.get("/api/v1/hq/outcomes", &records).await,
        hq.get("/api/v1/hq/outcomes/crime?team=camden-tct", &committee)
            .await,
        hq.get("/api/v1/hq/outcomes/confidence?team=camden-tct", &intel)
            .await,
        hq.post("/api/v1/hq/partnership-notes", &committee, note.clone())
            .await,
        hq.post("/api/v1/hq/partnership-notes", &intel, note.clone())
            .await,
        hq.get("/api/v1/hq/partnership-notes", &records).await,
    ];
    for (i, a) in refused.iter().enumerate() {
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{i}: {}", a.text);
        assert_eq!(a.body["code"], "forbidden", "{i}");
    }
    // Nothing was written by the refusals.
    assert!(hq.state.storage.crime_months().await.unwrap().is_empty());
    let analyst = hq.sign_in("AN0815").await;
    let costs = hq
        .ok("/api/v1/hq/outcomes/costs?quarter=2025-Q4", &analyst)
        .await;
    assert!(costs["teams"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["months"] == json!([null, null, null])));
    // The roles that may: a supervisor reads the outcomes and writes notes.
    hq.ok("/api/v1/hq/outcomes", &sergeant).await;
    let a = hq
        .post("/api/v1/hq/partnership-notes", &sergeant, note)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    // Not signed in.
    let a = hq.get("/api/v1/hq/outcomes", "not-a-token").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
}
