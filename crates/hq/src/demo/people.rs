//! Who the demo story is about: the demo officers, and the officers it adds so that every team
//! has people (two of the demo teams have none), and how each team is doing. Each team's
//! profile is what makes its row of the board read as a story: Camden's town centre team is on
//! top of things, Kentish Town is a PC short and falling behind, Hackney Central has no targets
//! set yet.

use beatbook_domain::framework::Measure;
use beatbook_domain::people::{Officer, Role};
use beatbook_domain::reference::demo_officers;
use beatbook_domain::{OfficerId, TeamId};

/// The officers the story adds to the demo officers.
pub fn story_officers() -> Vec<Officer> {
    let officer = |collar: &str, name: &str, role, teams: &[&str]| Officer {
        id: OfficerId::new(collar),
        collar_number: collar.to_owned(),
        name: name.to_owned(),
        role,
        teams: teams.iter().map(|t| TeamId::new(*t)).collect(),
    };
    vec![
        officer("PC2871", "PC Daniel Price", Role::Officer, &["camden-tct"]),
        officer(
            "PCSO6120",
            "PCSO Chloe Bennett",
            Role::Officer,
            &["camden-tct"],
        ),
        officer(
            "PCSO6204",
            "PCSO Megan Hughes",
            Role::Officer,
            &["camden-town-snt"],
        ),
        officer(
            "PC3945",
            "PC Rhys Morgan",
            Role::Officer,
            &["kentish-town-snt"],
        ),
        officer(
            "PCSO6311",
            "PCSO Fatima Begum",
            Role::Officer,
            &["kentish-town-snt"],
        ),
        officer(
            "PC4460",
            "PC Jordan Clarke",
            Role::Officer,
            &["hackney-tct"],
        ),
        officer(
            "PCSO6407",
            "PCSO Kwame Mensah",
            Role::Officer,
            &["dalston-snt"],
        ),
        officer(
            "PC3672",
            "PC Sophie Turner",
            Role::Officer,
            &["hackney-central-snt"],
        ),
        officer(
            "PCSO6518",
            "PCSO Imran Hussain",
            Role::Officer,
            &["hackney-central-snt"],
        ),
        officer(
            "PS2214",
            "PS Mark Ellison",
            Role::Supervisor,
            &["hackney-tct", "dalston-snt", "hackney-central-snt"],
        ),
    ]
}

/// Every officer who works on a tablet in the story: the demo officers and the story's, each
/// with a team (HQ staff have none).
pub fn tablet_officers() -> Vec<Officer> {
    demo_officers()
        .into_iter()
        .chain(story_officers())
        .filter(|o| !o.teams.is_empty())
        .collect()
}

/// How a team does over the twelve weeks.
#[derive(Clone, Debug)]
pub struct Profile {
    pub team: &'static str,
    /// Concerns its officers log.
    pub concerns: usize,
    /// The share of them answered within 72 hours (the rest later, or not yet).
    pub answered_in_time: f64,
    /// The share of them resolved or closed by now.
    pub closed: f64,
    /// Hours of hotspot patrol at peak times (18:00 to 02:00), a week.
    pub peak_hours_a_week: f64,
    pub engagements: usize,
    pub intel: usize,
    /// Its standing priorities (agreed before the twelve weeks) reviewed in them.
    pub reviews_priorities: bool,
    /// Its own targets (patrol hours a week, engagements and intelligence a month; the shares
    /// at 90% answered, 100% reviewed, 60% closed), or none set.
    pub targets: Option<(f64, f64, f64)>,
}

pub fn profiles() -> Vec<Profile> {
    let p = |team,
             concerns,
             answered_in_time,
             closed,
             peak_hours_a_week,
             engagements,
             intel,
             reviews_priorities,
             targets| Profile {
        team,
        concerns,
        answered_in_time,
        closed,
        peak_hours_a_week,
        engagements,
        intel,
        reviews_priorities,
        targets,
    };
    vec![
        p(
            "camden-tct",
            60,
            0.97,
            0.72,
            25.5,
            20,
            30,
            true,
            Some((24.0, 4.0, 8.0)),
        ),
        p(
            "camden-town-snt",
            40,
            0.93,
            0.50,
            6.6,
            19,
            14,
            true,
            Some((6.0, 6.0, 4.0)),
        ),
        p(
            "kentish-town-snt",
            36,
            0.58,
            0.35,
            4.0,
            16,
            9,
            false,
            Some((6.0, 6.0, 4.0)),
        ),
        p(
            "hackney-tct",
            66,
            0.95,
            0.66,
            19.0,
            14,
            26,
            true,
            Some((20.0, 4.0, 8.0)),
        ),
        p(
            "dalston-snt",
            44,
            0.96,
            0.68,
            8.6,
            24,
            8,
            true,
            Some((8.0, 6.0, 4.0)),
        ),
        p(
            "hackney-central-snt",
            34,
            0.84,
            0.52,
            5.6,
            15,
            12,
            true,
            None,
        ),
    ]
}

/// A team's own targets as `(measure, target)`.
pub fn targets((patrol, engagements, intel): (f64, f64, f64)) -> Vec<(Measure, f64)> {
    vec![
        (Measure::PatrolHoursPeak, patrol),
        (Measure::ConcernsAnswered72h, 90.0),
        (Measure::PrioritiesReviewed, 100.0),
        (Measure::EngagementsPerMonth, engagements),
        (Measure::IntelPerMonth, intel),
        (Measure::ConcernsClosed, 60.0),
    ]
}
