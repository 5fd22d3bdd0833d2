//! The HQ dashboard's TypeScript types in `ui/src/hq/bindings` are generated from the Rust types
//! of its API and committed. This test fails when they are stale; regenerate with
//! `BEATBOOK_UPDATE_BINDINGS=1 cargo test -p beatbook-hq --test bindings`.
//!
//! The dashboard's types import the domain's (`RecordSummary`, `Officer`, ...) from
//! `ui/src/lib/bindings` rather than holding copies. ts-rs writes import paths relative to
//! `TS_RS_EXPORT_DIR`, where the domain's types live, and the dashboard's types are declared with
//! `#[ts(export_to = "../../hq/bindings/")]`: so the export directory here is a `lib/bindings`
//! next to a `hq/bindings`, as in `ui/src`.

use beatbook_hq::dashboard::data_protection;
use beatbook_hq::dashboard::{
    actions, admin, audit, auth, framework, outcomes, overlaps, records, retention, review,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Export every dashboard type, and the domain types they use, under `root` laid out as `ui/src`.
fn export_all(root: &Path) {
    let lib = root.join("lib/bindings");
    std::fs::create_dir_all(&lib).unwrap();
    // Read by ts-rs when it writes imports; this test binary exports nothing else meanwhile.
    std::env::set_var("TS_RS_EXPORT_DIR", &lib);
    macro_rules! export {
        ($($t:ty),* $(,)?) => { $( <$t>::export_all_to(&lib).expect(stringify!($t)); )* };
    }
    export!(
        beatbook_domain::committee::CommitteeReport,
        beatbook_domain::outcomes::OutcomeFigure,
        beatbook_domain::outcomes::OutcomeMeasure,
        beatbook_domain::outcomes::RowError,
        beatbook_domain::outcomes::NewPartnershipNote,
        beatbook_domain::outcomes::Community,
        beatbook_domain::purpose::Purpose,
        beatbook_domain::purpose::PurposeKind,
        auth::StaffLogin,
        auth::StaffSession,
        auth::Me,
        records::ListQuery,
        records::RecordList,
        records::RecordDetail,
        admin::PutOfficer,
        admin::DisabledOfficer,
        admin::SetDisabled,
        admin::OfficerAccess,
        admin::NewArea,
        admin::NewTeam,
        admin::NewCode,
        admin::EnrolmentCode,
        admin::DeviceView,
        audit::Audit,
        admin::ChainView,
        audit::AuditAdmin,
        framework::BoardQuery,
        framework::Board,
        framework::CellDetail,
        framework::Trend,
        framework::OfficerBreakdown,
        framework::Targets,
        overlaps::Overlap,
        data_protection::DpRecord,
        data_protection::DpField,
        data_protection::DpText,
        data_protection::DpVersion,
        data_protection::DpRestriction,
        data_protection::DpLogItem,
        data_protection::RectifyRequest,
        data_protection::RestrictRequest,
        review::QueueItem,
        review::ReportDetail,
        review::Regrade,
        review::Disseminate,
        review::Disseminated,
        retention::QueueQuery,
        retention::RetentionQueue,
        retention::DecisionRequest,
        retention::DecisionView,
        actions::ActionView,
        actions::ActionsQuery,
        actions::CellAction,
        outcomes::ImportReport,
        outcomes::OutcomesBoard,
        outcomes::QuarterQuery,
        outcomes::UnitQuery,
        outcomes::CrimeTrend,
        outcomes::ConfidenceTrend,
        outcomes::Costs,
        outcomes::NewCost,
        outcomes::CostEntry,
        beatbook_hq::error::ApiErrorCode,
        beatbook_hq::dashboard::purpose::Purposes,
        beatbook_domain::subject::SubjectQuery,
        beatbook_domain::subject::RedactionInput,
        beatbook_hq::subject_access::SubjectSearchParams,
        beatbook_hq::subject_access::SubjectResults,
        beatbook_hq::subject_access::NewSubjectRequest,
        beatbook_hq::subject_access::SubjectRequestSummary,
        beatbook_hq::subject_access::SubjectRequestView,
        beatbook_hq::subject_access::RedactionQueue,
        beatbook_hq::subject_access::RedactionRequest,
        beatbook_hq::subject_access::SubjectAccessPack,
    );
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, std::fs::read_to_string(e.path()).unwrap())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Names that differ between two directories: changed, missing or extra.
fn stale(fresh: &BTreeMap<String, String>, committed: &BTreeMap<String, String>) -> Vec<String> {
    fresh
        .iter()
        .filter(|(name, text)| committed.get(*name) != Some(text))
        .map(|(name, _)| name.clone())
        .chain(
            committed
                .keys()
                .filter(|name| !fresh.contains_key(*name))
                .cloned(),
        )
        .collect()
}

#[test]
fn typescript_bindings_are_up_to_date() {
    let ui_src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src");
    let committed_dir = ui_src.join("hq/bindings");
    let fresh_root = tempfile::tempdir().unwrap();
    export_all(fresh_root.path());
    let fresh = read_dir(&fresh_root.path().join("hq/bindings"));
    assert!(fresh.len() > 25, "only {} types exported", fresh.len());

    // The domain types the dashboard imports must be the committed ones (that test keeps them
    // fresh); a domain type missing there would leave an import that does not resolve.
    let domain = read_dir(&fresh_root.path().join("lib/bindings"));
    assert!(domain.contains_key("RecordSummary.ts") && domain.contains_key("Officer.ts"));
    let committed_domain = read_dir(&ui_src.join("lib/bindings"));
    let missing: Vec<&String> = domain
        .iter()
        .filter(|(name, text)| committed_domain.get(*name) != Some(text))
        .map(|(name, _)| name)
        .collect();
    assert!(
        missing.is_empty(),
        "the dashboard's types import these from ui/src/lib/bindings, where they are stale or \
         missing: {missing:?}. Export them in crates/domain/tests/bindings.rs and run \
         `BEATBOOK_UPDATE_BINDINGS=1 cargo test -p beatbook-domain --test bindings`; or, for a \
         dashboard type, add `#[ts(export_to = \"../../hq/bindings/\")]`."
    );

    if std::env::var_os("BEATBOOK_UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(&committed_dir).unwrap();
        for old in read_dir(&committed_dir).keys() {
            std::fs::remove_file(committed_dir.join(old)).unwrap();
        }
        for (name, text) in &fresh {
            std::fs::write(committed_dir.join(name), text).unwrap();
        }
        return;
    }

    let stale = stale(&fresh, &read_dir(&committed_dir));
    assert!(
        stale.is_empty(),
        "TypeScript bindings are stale: {stale:?}. Run \
         `BEATBOOK_UPDATE_BINDINGS=1 cargo test -p beatbook-hq --test bindings` and commit."
    );
}
