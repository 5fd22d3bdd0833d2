//! The TypeScript types in `ui/src/lib/bindings` are generated from these Rust types and
//! committed. This test fails when they are stale; regenerate with
//! `BEATBOOK_UPDATE_BINDINGS=1 cargo test -p beatbook-domain --test bindings`.

use beatbook_domain::{
    area, concern, improvement, intel, meeting, merge, op, patrol, people, photo, record, sanitise,
    tablet, validation, views,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ts_rs::TS;

fn export_all(dir: &Path) {
    macro_rules! export {
        ($($t:ty),* $(,)?) => { $( <$t>::export_all_to(dir).expect(stringify!($t)); )* };
    }
    export!(
        area::Area,
        area::Location,
        area::Place,
        concern::Concern,
        concern::NewConcern,
        concern::ConcernUpdate,
        improvement::ImprovementAction,
        improvement::ActionUpdate,
        improvement::ActionStatus,
        improvement::Progress,
        improvement::Evidence,
        improvement::Closure,
        improvement::PeriodFigure,
        improvement::NewAction,
        improvement::CloseRequest,
        intel::IntelReport,
        intel::IntelSource,
        intel::TabletMarking,
        sanitise::SanitiseCheck,
        meeting::Meeting,
        meeting::Priority,
        meeting::YouSaidWeDid,
        patrol::PatrolLog,
        patrol::Engagement,
        people::Officer,
        people::Team,
        people::Role,
        record::RecordKind,
        validation::ValidationErrors,
        views::RecordSummary,
        photo::PhotoView,
        views::ListFilter,
        views::ImportReport,
        op::Op,
        merge::RecordState,
        tablet::SessionStatus,
        tablet::EnrolInput,
        tablet::AreaRef,
        tablet::SyncView,
        tablet::SyncOutcome,
        tablet::RecordDetail,
        tablet::RecordInput,
        tablet::RecordUpdate,
        tablet::IntelSubmission,
        tablet::IntelSubmitted,
        tablet::MeetingSaved,
        tablet::Briefing,
        tablet::ActionCard,
        tablet::DeviceSettings,
        tablet::ErrorCode,
        tablet::CommandError,
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

#[test]
fn typescript_bindings_are_up_to_date() {
    let committed_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings");
    let fresh_dir = tempfile::tempdir().unwrap();
    export_all(fresh_dir.path());
    let fresh = read_dir(fresh_dir.path());
    assert!(fresh.len() > 40, "only {} types exported", fresh.len());

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

    let committed = read_dir(&committed_dir);
    let stale: Vec<&String> = fresh
        .iter()
        .filter(|(name, text)| committed.get(*name) != Some(text))
        .map(|(name, _)| name)
        .chain(committed.keys().filter(|name| !fresh.contains_key(*name)))
        .collect();
    assert!(
        stale.is_empty(),
        "TypeScript bindings are stale: {stale:?}. Run \
         `BEATBOOK_UPDATE_BINDINGS=1 cargo test -p beatbook-domain --test bindings` and commit."
    );
}
