//! The access log's and the admin log's hash chains, on SQLite and PostgreSQL: every kind of
//! administration and security event reaches the admin log in words; the access log's chain
//! stays whole when the log's own retention clears old entries' records and detail; an attacker
//! who drops the append-only triggers and changes, removes or cuts off an entry is named by
//! verify-chains (the API and the CLI's function), in words; appends from two HQ processes at
//! once do not fork either chain; migration 0010 chains the rows an access log already holds.

use axum::http::{Method, StatusCode};
use beatbook_domain::{OfficerId, RecordId};
use beatbook_hq::chains::{self, verify_access_log, verify_admin_log, ChainView};
use beatbook_hq::dashboard::audit::AccessEntry;
use beatbook_hq::Storage;
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use std::sync::Arc;
use support::http::{Device, Hq, PASSWORD};
use support::{story, Db, FromDb};

mod support;

/// HQ with the demo data, and its database for tampering behind its back.
struct Setup {
    hq: Hq,
    db: Db,
}

impl FromDb for Setup {
    async fn from_db(db: Db) -> Self {
        Setup {
            hq: Hq::demo(db.clone()).await,
            db,
        }
    }
}

impl Setup {
    fn storage(&self) -> &dyn Storage {
        self.hq.state.storage.as_ref()
    }

    async fn verify(&self) -> Vec<ChainView> {
        chains::verify_every_chain(self.storage()).await.unwrap()
    }

    async fn chain(&self, name: &str) -> ChainView {
        self.verify()
            .await
            .into_iter()
            .find(|c| c.chain == name)
            .unwrap_or_else(|| panic!("no chain {name}"))
    }

    /// Drop the append-only triggers, as an attacker with the database would.
    async fn drop_triggers(&self) {
        let sql = match self.db {
            Db::Sqlite(_) => {
                "DROP TRIGGER access_log_no_update; DROP TRIGGER access_log_no_delete;
                 DROP TRIGGER admin_log_no_update; DROP TRIGGER admin_log_no_delete;"
            }
            Db::Postgres { .. } => {
                "DROP TRIGGER access_log_no_update ON access_log;
                 DROP TRIGGER admin_log_no_update ON admin_log;"
            }
        };
        self.db.exec(sql).await.unwrap();
    }
}

fn entry(i: u32, at: chrono::DateTime<Utc>) -> AccessEntry {
    AccessEntry {
        at,
        officer_id: OfficerId::new("PS2201"),
        device_id: None,
        action: "view".into(),
        record_ids: vec![RecordId::new()],
        detail: format!("record view {i}"),
        purpose: format!("Investigation: CAD {i}"),
    }
}

story!(access_log_chain_survives_retention_and_names_tampering);
async fn access_log_chain_survives_retention_and_names_tampering(s: Setup) {
    let storage = s.storage();
    let now = Utc::now();
    for i in 1..=5 {
        let at = if i <= 3 {
            now - Duration::days(400)
        } else {
            now
        };
        storage.log_access(&entry(i, at)).await.unwrap();
    }
    let access = s.chain("Access log").await;
    assert!(access.report.ok, "{}", access.words);
    assert_eq!(access.report.ops, 5);
    assert_eq!(access.words, "5 entries, intact.");

    // The log itself refuses a change.
    assert!(s
        .db
        .exec("UPDATE access_log SET purpose = 'Audit' WHERE seq = 2")
        .await
        .is_err());

    // The log's own retention clears the old entries' records and detail: the chain stays whole.
    storage
        .forget_old_log_text(now - Duration::days(3650), now - Duration::days(300))
        .await
        .unwrap();
    let kept = s.hq.access_log_for("PS2201").await;
    assert_eq!(kept.iter().filter(|e| e.detail.is_empty()).count(), 3);
    let check = verify_access_log(storage).await.unwrap();
    assert_eq!((check.entries, check.cleared, check.broken), (5, 3, None));
    assert_eq!(
        s.chain("Access log").await.words,
        "5 entries (3 entries with records and detail cleared by the log's retention), intact."
    );

    // An attacker drops the triggers and rewrites an entry's detail: named, with why.
    s.drop_triggers().await;
    s.db.exec("UPDATE access_log SET detail = 'nothing to see' WHERE seq = 4")
        .await
        .unwrap();
    let broken = s.chain("Access log").await;
    assert_eq!(
        (broken.report.ok, broken.report.broken_at),
        (false, Some(4))
    );
    assert!(
        broken
            .words
            .starts_with("BROKEN: the records or detail of entry 4 (")
            && broken.words.ends_with("were changed after it was written."),
        "{}",
        broken.words
    );
    s.db.exec("UPDATE access_log SET detail = 'record view 4' WHERE seq = 4")
        .await
        .unwrap();
    assert!(s.chain("Access log").await.report.ok);

    // Its purpose changed: the entry no longer matches its hash.
    s.db.exec("UPDATE access_log SET purpose = 'Audit' WHERE seq = 5")
        .await
        .unwrap();
    let broken = s.chain("Access log").await;
    assert_eq!(broken.report.broken_at, Some(5));
    assert!(
        broken.words.starts_with("BROKEN: entry 5 (")
            && broken.words.ends_with("was changed after it was written."),
        "{}",
        broken.words
    );
    s.db.exec("UPDATE access_log SET purpose = 'Investigation: CAD 5' WHERE seq = 5")
        .await
        .unwrap();

    // An entry taken out.
    s.db.exec("DELETE FROM access_log WHERE seq = 2")
        .await
        .unwrap();
    let broken = s.chain("Access log").await;
    assert_eq!(broken.report.broken_at, Some(2));
    assert_eq!(
        broken.words,
        "BROKEN: entry 2 is missing: it was taken out."
    );

    // The API says the same to an administrator, and the other chains stay whole.
    let admin = s.hq.sign_in("AD0001").await;
    let v =
        s.hq.post("/api/v1/hq/admin/verify-chains", &admin, json!({}))
            .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    let rows = v.body.as_array().unwrap();
    let access = rows.iter().find(|c| c["chain"] == "Access log").unwrap();
    assert_eq!(access["ok"], false);
    assert_eq!(
        access["words"],
        "BROKEN: entry 2 is missing: it was taken out."
    );
    for c in rows.iter().filter(|c| c["chain"] != "Access log") {
        assert_eq!(c["ok"], true, "{c}");
    }
}

story!(admin_log_is_append_only_and_names_tampering);
async fn admin_log_is_append_only_and_names_tampering(s: Setup) {
    let storage = s.storage();
    let admin = OfficerId::new("AD0001");
    for detail in ["One.", "Two.", "Three.", "Four."] {
        beatbook_hq::admin_log::record(
            &s.hq.state,
            beatbook_hq::admin_log::AdminEvent::new(Some(&admin), "officer_saved", detail),
        )
        .await
        .unwrap();
    }
    let check = verify_admin_log(storage).await.unwrap();
    assert_eq!((check.entries, check.broken), (4, None));
    assert_eq!(s.chain("Admin log").await.words, "4 entries, intact.");

    for sql in [
        "UPDATE admin_log SET detail = 'Nothing.' WHERE seq = 2",
        "DELETE FROM admin_log WHERE seq = 4",
    ] {
        let e = s.db.exec(sql).await.unwrap_err();
        assert!(e.contains("the admin log is append-only"), "{sql}: {e}");
    }

    s.drop_triggers().await;
    s.db.exec("UPDATE admin_log SET officer_id = 'AD0002' WHERE seq = 2")
        .await
        .unwrap();
    let broken = s.chain("Admin log").await;
    assert_eq!(broken.report.broken_at, Some(2));
    assert!(
        broken.words.starts_with("BROKEN: entry 2 (")
            && broken.words.ends_with("was changed after it was written."),
        "{}",
        broken.words
    );
    s.db.exec("UPDATE admin_log SET officer_id = 'AD0001' WHERE seq = 2")
        .await
        .unwrap();
    assert!(s.chain("Admin log").await.report.ok);

    // The newest entry cut off the end: the head says HQ wrote more.
    s.db.exec("DELETE FROM admin_log WHERE seq = 4")
        .await
        .unwrap();
    let broken = s.chain("Admin log").await;
    assert_eq!(broken.report.broken_at, Some(4));
    assert_eq!(
        broken.words,
        "BROKEN: it ends after 3 entries but HQ wrote more: the newest were taken out."
    );
}

story!(appends_from_two_hq_processes_do_not_fork_the_chains);
async fn appends_from_two_hq_processes_do_not_fork_the_chains(s: Setup) {
    let other: Arc<dyn Storage> = s.db.open().await;
    let one = s.hq.state.storage.clone();
    let mut tasks = Vec::new();
    for (n, storage) in [one, other].into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            for i in 0..25u32 {
                storage
                    .log_access(&entry(i + 100 * n as u32, Utc::now()))
                    .await
                    .unwrap();
                storage
                    .append_admin_log(Utc::now(), None, "test", &format!("Process {n}, {i}."))
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let access = verify_access_log(s.storage()).await.unwrap();
    assert_eq!((access.entries, access.broken), (50, None));
    let admin = verify_admin_log(s.storage()).await.unwrap();
    // The demo's own seeding logs nothing: only these 50.
    assert_eq!((admin.entries, admin.broken), (50, None));
}

/// The admin log's entries as the audit search answers them: (action, who, detail).
async fn admin_entries(hq: &Hq, token: &str, query: &str) -> Vec<(String, String, String)> {
    let a = hq
        .get(&format!("/api/v1/hq/admin/audit?{query}"), token)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.body["admin"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["officer_name"].as_str().unwrap().to_owned(),
                e["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn find<'a>(
    log: &'a [(String, String, String)],
    action: &str,
) -> Vec<&'a (String, String, String)> {
    log.iter().filter(|e| e.0 == action).collect()
}

story!(every_administration_and_security_event_reaches_the_admin_log_in_words);
async fn every_administration_and_security_event_reaches_the_admin_log_in_words(s: Setup) {
    let hq = &s.hq;
    // Sign-ins: a wrong password, an unknown collar number, an officer refused at the dashboard,
    // an administrator signed in.
    for (collar, password) in [("AD0001", "not-the-password"), ("ZZ9999", PASSWORD)] {
        let a = hq
            .call(
                Method::POST,
                "/api/v1/hq/login",
                None,
                Some(json!({"collar_number": collar, "password": password})),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
    }
    let a = hq
        .call(
            Method::POST,
            "/api/v1/hq/login",
            None,
            Some(json!({"collar_number": "PC4127", "password": PASSWORD})),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    let admin = hq.sign_in("AD0001").await;

    // Directory: an area, a team, an officer added, then their role, teams and password changed.
    let square = r#"{"type":"Polygon","coordinates":[[[-0.15,51.53],[-0.14,51.53],[-0.14,51.54],[-0.15,51.54],[-0.15,51.53]]]}"#;
    let area = hq
        .post(
            "/api/v1/hq/admin/areas",
            &admin,
            json!({"name": "Primrose Hill", "kind": "ward", "borough": "Camden", "geojson": square}),
        )
        .await;
    assert_eq!(area.status, StatusCode::OK, "{}", area.text);
    let team = hq
        .post(
            "/api/v1/hq/admin/teams",
            &admin,
            json!({"name": "Primrose Hill SNT", "kind": "snt", "areas": [area.body["id"]]}),
        )
        .await;
    assert_eq!(team.status, StatusCode::OK, "{}", team.text);
    let added = hq
        .post(
            "/api/v1/hq/admin/officers/new",
            &admin,
            json!({"officer": {"id": "", "collar_number": "PC6001", "name": "PC Jo Bright", "role": "officer", "teams": []}, "password": PASSWORD}),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    let mut jo: Value = added.body.clone();
    jo["role"] = json!("supervisor");
    jo["teams"] = json!([team.body["id"]]);
    let saved = hq
        .post(
            "/api/v1/hq/admin/officers",
            &admin,
            json!({"officer": jo, "password": "another-password-2"}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);

    // Devices: a code issued, a tablet enrolled and signed in, then revoked.
    let code = hq
        .post(
            "/api/v1/hq/admin/enrolment-codes",
            &admin,
            json!({"hours": 4}),
        )
        .await;
    assert_eq!(code.status, StatusCode::OK, "{}", code.text);
    let mut tablet = Device::enrol(hq, "PC4127").await;
    let record = tablet
        .create(hq, &support::device::concern("Bins set alight"))
        .await;
    let r = hq
        .post(
            &format!("/api/v1/hq/admin/devices/{}/revoke", tablet.id),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);

    // A retention decision, and the exports.
    let rm = hq.sign_in("RM0001").await;
    let d = hq
        .post(
            "/api/v1/hq/retention/decisions",
            &rm,
            json!({"records": [record], "decision": {"decision": "hold"}, "reason": "Litigation hold"}),
        )
        .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    let su = hq.sign_in("SU0001").await;
    let csv = hq.get("/api/v1/hq/framework.csv", &su).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    let pdf = hq.get("/api/v1/hq/committee/report.pdf", &su).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text);

    // A setting: a framework target.
    let t = hq
        .post(
            "/api/v1/hq/framework/targets",
            &admin,
            json!({"scope": "team:camden-tct", "measure": "crime_change_yoy", "target": -25}),
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);

    let log = admin_entries(hq, &admin, "").await;
    let one = |action: &str| -> (String, String) {
        let found = find(&log, action);
        assert_eq!(found.len(), 1, "{action}: {log:#?}");
        (found[0].1.clone(), found[0].2.clone())
    };
    let failed = find(&log, "sign_in_failed");
    assert_eq!(failed.len(), 2, "{log:#?}");
    assert!(failed.iter().any(
        |e| e.1 == "HQ" && e.2 == "Failed sign-in at the HQ dashboard: unknown collar number."
    ));
    assert!(failed.iter().any(|e| e.1 == "Admin User (AD0001)"
        && e.2 == "Failed sign-in at the HQ dashboard: wrong password."));
    assert_eq!(
        one("sign_in_refused").1,
        "Refused at the HQ dashboard: the role does not use it."
    );
    let signed_in: Vec<_> = find(&log, "sign_in").iter().map(|e| e.2.clone()).collect();
    assert!(signed_in.contains(&"Signed in at the HQ dashboard.".to_owned()));
    assert!(signed_in.contains(&"Signed in on the tablet “Tablet of PC4127”.".to_owned()));
    assert_eq!(
        one("area_added"),
        (
            "Admin User (AD0001)".into(),
            "Added the area Primrose Hill (Camden).".into()
        )
    );
    assert_eq!(
        one("team_added").1,
        "Added the team Primrose Hill SNT, covering Primrose Hill."
    );
    assert_eq!(
        one("officer_added").1,
        "Added PC Jo Bright (PC6001) as officer; teams: none."
    );
    assert_eq!(
        one("role_changed").1,
        "Changed PC Jo Bright (PC6001)'s role from officer to supervisor."
    );
    assert_eq!(
        one("teams_changed").1,
        "Changed PC Jo Bright (PC6001)'s teams from none to Primrose Hill SNT."
    );
    // Only the password set with the new officer and the one set later: two.
    assert_eq!(find(&log, "password_changed").len(), 2, "{log:#?}");
    assert!(find(&log, "enrolment_code_issued")
        .iter()
        .any(|e| e.2 == "Issued an enrolment code that works for 4 hours."));
    assert_eq!(
        one("device_enrolled").1,
        "Enrolled the tablet “Tablet of PC4127” (app 0.1.0) with a one-time code."
    );
    assert_eq!(
        one("device_revoked").1,
        "Revoked the tablet “Tablet of PC4127”: it is refused and wipes itself at its next contact."
    );
    let (who, what) = one("retention_decision");
    assert_eq!(who, "Grace Whitfield (RM0001)");
    assert!(
        what.starts_with("Retention decision 1: 1 record ")
            && what.ends_with("Reason: Litigation hold"),
        "{what}"
    );
    let (who, target) = one("target_set");
    assert_eq!(who, "Admin User (AD0001)");
    assert!(
        target.starts_with("Set the performance framework's target for ")
            && target.ends_with(" to -25 for Camden Town Centre Team."),
        "{target}"
    );
    assert!(one("export_board_pack")
        .1
        .starts_with("Exported the board pack as a spreadsheet ("));
    assert!(one("export_committee_report")
        .1
        .starts_with("Exported the committee report for "));

    // Searchable by person and by words; every entry reads as words, not ids or JSON.
    let by_rm = admin_entries(hq, &admin, "officer=RM0001").await;
    assert!(by_rm.iter().all(|e| e.1 == "Grace Whitfield (RM0001)") && by_rm.len() == 2);
    let revoked = admin_entries(hq, &admin, "text=REVOKED").await;
    assert_eq!(revoked.len(), 1, "{revoked:#?}");
    for (_, _, detail) in &log {
        assert!(
            !detail.contains('{') && !detail.contains(&tablet.id.to_string()),
            "{detail}"
        );
    }
    let future = admin_entries(hq, &admin, "from=2100-01-01T00:00:00Z").await;
    assert!(future.is_empty());

    // Every chain verifies; the admin log holds what was written.
    for c in s.verify().await {
        assert!(c.report.ok, "{}: {}", c.chain, c.words);
    }
    let admin_chain = s.chain("Admin log").await;
    assert_eq!(admin_chain.report.ops, log.len() as u64);
}

story!(the_audit_search_shows_each_reads_purpose);
async fn the_audit_search_shows_each_reads_purpose(s: Setup) {
    s.storage().log_access(&entry(1, Utc::now())).await.unwrap();
    let admin = s.hq.sign_in("AD0001").await;
    let a =
        s.hq.get("/api/v1/hq/admin/audit?officer=PS2201", &admin)
            .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["access"][0]["purpose"], "Investigation: CAD 1");
}

/// Migrations 0001 to 0009, as a database HQ migrated before the chains has them.
const SQLITE_BEFORE: [&str; 9] = [
    include_str!("../migrations/sqlite/0001_init.sql"),
    include_str!("../migrations/sqlite/0002_change_feed.sql"),
    include_str!("../migrations/sqlite/0003_access_log.sql"),
    include_str!("../migrations/sqlite/0004_dashboard.sql"),
    include_str!("../migrations/sqlite/0005_framework.sql"),
    include_str!("../migrations/sqlite/0006_sign_in_throttle.sql"),
    include_str!("../migrations/sqlite/0007_lifecycle.sql"),
    include_str!("../migrations/sqlite/0008_outcomes.sql"),
    include_str!("../migrations/sqlite/0009_purposes.sql"),
];
const POSTGRES_BEFORE: [&str; 9] = [
    include_str!("../migrations/postgres/0001_init.sql"),
    include_str!("../migrations/postgres/0002_change_feed.sql"),
    include_str!("../migrations/postgres/0003_access_log.sql"),
    include_str!("../migrations/postgres/0004_dashboard.sql"),
    include_str!("../migrations/postgres/0005_framework.sql"),
    include_str!("../migrations/postgres/0006_sign_in_throttle.sql"),
    include_str!("../migrations/postgres/0007_lifecycle.sql"),
    include_str!("../migrations/postgres/0008_outcomes.sql"),
    include_str!("../migrations/postgres/0009_purposes.sql"),
];

story!(migration_0010_chains_the_rows_an_access_log_already_holds);
async fn migration_0010_chains_the_rows_an_access_log_already_holds(db: Db) {
    // A database as HQ left it at migration 0009 (empty tables: the steps of 0007 have nothing
    // to do), with three access-log rows, one of them already cleared by the log's retention.
    let rows = match &db {
        Db::Sqlite(path) => {
            let c = support::sqlite_conn(path);
            for sql in SQLITE_BEFORE {
                c.execute_batch(sql).unwrap();
            }
            c.pragma_update(None, "user_version", 9).unwrap();
            format!(
                "INSERT INTO access_log (at, officer_id, device_id, action, record_ids, detail, purpose) VALUES
                 ('2025-01-02T10:00:00.000Z', 'PS2201', NULL, 'view', '[]', '', ''),
                 ('2026-11-30T09:15:00.123Z', 'PC4127', '{d}', 'pull', '[\"{r}\"]', 'sync pull after 0', ''),
                 ('2026-12-01T14:05:00.000Z', 'AN0815', NULL, 'search', '[]', 'HQ record list q=bins', 'Performance review')",
                d = beatbook_domain::DeviceId::new(),
                r = RecordId::new()
            )
        }
        Db::Postgres { schema } => {
            let client = support::pg_client(&support::pg_url()).await;
            client
                .batch_execute(&format!(
                    "CREATE SCHEMA \"{schema}\"; SET search_path TO \"{schema}\";
                     CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());"
                ))
                .await
                .unwrap();
            for (i, sql) in POSTGRES_BEFORE.iter().enumerate() {
                client.batch_execute(sql).await.unwrap();
                client
                    .execute(
                        "INSERT INTO schema_migrations (version) VALUES ($1)",
                        &[&(i as i64 + 1)],
                    )
                    .await
                    .unwrap();
            }
            format!(
                "INSERT INTO access_log (at, officer_id, device_id, action, record_ids, detail, purpose) VALUES
                 ('2025-01-02T10:00:00Z', 'PS2201', NULL, 'view', '{{}}', '', ''),
                 ('2026-11-30T09:15:00.123Z', 'PC4127', '{d}', 'pull', '{{{r}}}', 'sync pull after 0', ''),
                 ('2026-12-01T14:05:00Z', 'AN0815', NULL, 'search', '{{}}', 'HQ record list q=bins', 'Performance review')",
                d = beatbook_domain::DeviceId::new(),
                r = RecordId::new()
            )
        }
    };
    db.exec(&rows).await.unwrap();

    // HQ opens it: migration 0010 chains the three rows, oldest first.
    let storage = db.open().await;
    let check = verify_access_log(storage.as_ref()).await.unwrap();
    assert_eq!((check.entries, check.broken), (3, None));
    let chain = storage.access_chain(0, 10).await.unwrap();
    assert_eq!(
        chain.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(chain[1].entry.officer_id.as_str(), "PC4127");
    assert_eq!(chain[1].prev_hash, chain[0].hash);
    assert_eq!(chain[2].entry.purpose, "Performance review");

    // The next entry follows on; the log stays append-only; the admin log starts empty.
    storage.log_access(&entry(4, Utc::now())).await.unwrap();
    let check = verify_access_log(storage.as_ref()).await.unwrap();
    assert_eq!((check.entries, check.broken), (4, None));
    assert!(db
        .exec("UPDATE access_log SET purpose = 'Audit' WHERE seq = 3")
        .await
        .is_err());
    assert_eq!(verify_admin_log(storage.as_ref()).await.unwrap().entries, 0);

    // Changing a re-chained row behind HQ's back is named like any other.
    let drop = match &db {
        Db::Sqlite(_) => "DROP TRIGGER access_log_no_update",
        Db::Postgres { .. } => "DROP TRIGGER access_log_no_update ON access_log",
    };
    db.exec(drop).await.unwrap();
    db.exec("UPDATE access_log SET officer_id = 'AD0001' WHERE seq = 2")
        .await
        .unwrap();
    let check = verify_access_log(storage.as_ref()).await.unwrap();
    assert_eq!(check.broken.map(|b| b.0), Some(2));
}
