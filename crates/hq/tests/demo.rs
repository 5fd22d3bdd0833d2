//! The demo story `seed-demo` loads, on SQLite and PostgreSQL: every team's areas have concerns,
//! answered in time and late; meetings agree priorities; every team patrols, engages and submits
//! intelligence; the board for the twelve weeks shows green, amber and red, and one team has no
//! targets; loading it again adds nothing.

use beatbook_domain::framework::{Fact, Rag};
use beatbook_hq::admin;
use beatbook_hq::dashboard::framework::BoardQuery;
use beatbook_hq::demo::{self, Seeded};
use beatbook_hq::{performance, HqSettings, HqState};
use chrono::{Duration, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;
use support::{story, Db};

mod support;

const PASSWORD: &str = "demo-password-1";

async fn the_demo_tells_a_story(db: Db) {
    let storage = db.open().await;
    admin::seed_demo(storage.as_ref(), PASSWORD).await.unwrap();
    let state = HqState::new(storage.clone(), Arc::new(HqSettings::default()));
    let seeded = demo::seed_story(&state, PASSWORD).await.unwrap();
    let Seeded::Loaded {
        counts,
        tablets,
        ops,
    } = &seeded
    else {
        panic!("{seeded:?}")
    };
    assert!(
        seeded
            .describe()
            .starts_with("Loaded twelve weeks of demo activity"),
        "{}",
        seeded.describe()
    );
    assert!(
        *tablets >= 12 && *ops < 5_000,
        "{tablets} tablets, {ops} ops"
    );
    assert!(
        counts.concerns > 200 && counts.replies > counts.concerns / 2,
        "{counts:?}"
    );

    // Every op came through the sync path: every tablet's hash chain holds.
    let chains = admin::verify_chains(storage.as_ref()).await.unwrap();
    assert!(chains.iter().all(|(_, c)| c.ok), "{chains:?}");
    let loaded = storage.counts().await.unwrap();
    // The tablets' ops, and HQ's: the improvement actions it opened, updated and closed.
    let hq_ops = storage
        .op_log(beatbook_hq::intel_review::HQ_REVIEW_DEVICE)
        .await
        .unwrap();
    assert_eq!(loaded.ops, *ops as u64 + hq_ops.len() as u64);

    // Improvement actions on failing cells: two open (one with updates on and off track), one
    // closed.
    let actions = beatbook_hq::actions::all(&state).await.unwrap();
    let open: Vec<_> = actions
        .iter()
        .filter(|a| a.action.closure.is_none())
        .collect();
    assert_eq!((open.len(), actions.len()), (2, 3), "{actions:#?}");
    assert!(actions
        .iter()
        .all(|a| matches!(a.action.rag, Rag::Red | Rag::Amber)));
    use beatbook_domain::improvement::Progress;
    assert!(open.iter().any(|a| {
        let said: BTreeSet<_> = a
            .updates
            .iter()
            .filter_map(|u| u.progress)
            .map(|p| p == Progress::OnTrack)
            .collect();
        said.len() == 2
    }));

    let facts = performance::facts(&state).await.unwrap();
    let now = Utc::now();
    let teams = storage.teams().await.unwrap();
    for team in &teams {
        let mine: Vec<&Fact> = facts
            .items()
            .filter(|i| i.areas.iter().any(|a| team.areas.contains(a)))
            .map(|i| &i.fact)
            .collect();
        let concerns: Vec<_> = mine
            .iter()
            .filter_map(|f| match f {
                Fact::Concern {
                    reported_at,
                    answered_at,
                    closed,
                } => Some((*reported_at, *answered_at, *closed)),
                _ => None,
            })
            .collect();
        assert!(
            concerns.len() >= 20,
            "{}: {} concerns",
            team.name,
            concerns.len()
        );
        assert!(
            concerns
                .iter()
                .all(|(at, _, _)| *at <= now && now - *at <= Duration::days(84)),
            "{}: a concern outside the twelve weeks",
            team.name
        );
        let in_time = |(r, a, _): &&(_, Option<chrono::DateTime<Utc>>, bool)| {
            a.is_some_and(|a| a - *r <= Duration::hours(72))
        };
        assert!(
            concerns.iter().any(|c| in_time(&c)),
            "{}: none answered in time",
            team.name
        );
        assert!(
            concerns
                .iter()
                .any(|(r, a, _)| a.is_some_and(|a| a - *r > Duration::hours(72))),
            "{}: none answered late",
            team.name
        );
        assert!(
            concerns.iter().any(|(_, _, closed)| *closed),
            "{}: none closed",
            team.name
        );
        let has = |f: fn(&Fact) -> bool| mine.iter().any(|x| f(x));
        assert!(
            has(|f| matches!(f, Fact::Patrol { hotspot: true, .. })),
            "{}",
            team.name
        );
        assert!(
            has(|f| matches!(f, Fact::Engagement { .. })),
            "{}",
            team.name
        );
        assert!(has(|f| matches!(f, Fact::Intel { .. })), "{}", team.name);
        assert!(
            has(|f| matches!(f, Fact::Meeting)),
            "{}: no meeting",
            team.name
        );
        assert!(
            has(|f| matches!(f, Fact::Priority { active: true, .. })),
            "{}",
            team.name
        );
    }

    // The board over the twelve weeks says something: green, amber and red.
    let today = now.date_naive();
    // As an analyst reads it: every team.
    let analyst = storage
        .officer_by_collar("AN0815")
        .await
        .unwrap()
        .expect("the demo's analyst")
        .officer;
    let board = performance::board(
        &state,
        &analyst,
        &BoardQuery {
            period: None,
            from: Some(today - Duration::days(83)),
            to: Some(today),
            by: None,
        },
    )
    .await
    .unwrap();
    let rags: BTreeSet<&str> = board
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().map(|c| c.rag.as_str()))
        .collect();
    for rag in [Rag::Green, Rag::Amber, Rag::Red] {
        assert!(
            rags.contains(rag.as_str()),
            "no {rag:?} on the board: {board:#?}"
        );
    }

    // Targets for every team but one.
    let targets = storage.targets().await.unwrap();
    let without: Vec<&str> = teams
        .iter()
        .filter(|t| !targets.iter().any(|r| r.scope == format!("team:{}", t.id)))
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(without, vec!["hackney-central-snt"]);

    // Again: nothing added, and it says so.
    admin::seed_demo(storage.as_ref(), PASSWORD).await.unwrap();
    let again = demo::seed_story(&state, PASSWORD).await.unwrap();
    assert_eq!(again, Seeded::AlreadyLoaded);
    assert!(again.describe().contains("already loaded"));
    let after = storage.counts().await.unwrap();
    assert_eq!(
        (after.records, after.ops, after.devices),
        (loaded.records, loaded.ops, loaded.devices)
    );
    assert_eq!(storage.targets().await.unwrap().len(), targets.len());
}
story!(the_demo_tells_a_story);

/// HQ holds the demo gazetteer: every demo area has its streets and landmarks, which reach the
/// tablets with the areas.
async fn the_demo_areas_carry_a_gazetteer(db: Db) {
    let storage = db.open().await;
    admin::seed_demo(storage.as_ref(), PASSWORD).await.unwrap();
    let areas = storage.areas().await.unwrap();
    for area in &areas {
        let listed = demo::places::places_in(std::slice::from_ref(&area.id));
        assert!(!listed.is_empty(), "{} has no demo places", area.name);
        for place in listed {
            assert!(
                area.places
                    .iter()
                    .any(|p| p.name == place.name && p.lat == place.lat && p.lon == place.lon),
                "{} is not in {}'s gazetteer",
                place.name,
                area.name
            );
        }
    }
    let found = beatbook_domain::gazetteer::search(&areas, "camden lock", 6);
    assert_eq!(found[0].0.name, "Camden Lock Market");
}
story!(the_demo_areas_carry_a_gazetteer);
