//! The demo story as steps: who did what to which record, and when, over the twelve weeks (84
//! days, today included) before `now`. Made from a seeded random generator, so a seed tells the
//! same story every time; only the dates move with `now`. Nothing happens after `now`.

use super::people::{profiles, tablet_officers, Profile};
use super::places::{places_in, Place};
use super::text::{self, Setting};
use beatbook_domain::area::{Area, AreaKind};
use beatbook_domain::concern::{Concern, ConcernStatus, CrimeReferral, CONCERN_RETENTION_MONTHS};
use beatbook_domain::framework::{peak_hours, uk_summer_time};
use beatbook_domain::intel::{
    Grade, HandlingCode, HandlingConditions, IntelAssessment, IntelReport, ReviewState,
    SecurityMarking, SourceEvaluation, INTEL_RETENTION_MONTHS,
};
use beatbook_domain::meeting::{
    AttendanceCount, AttendeeRole, MeetingType, NewMeeting, Priority, PriorityStatus, PriorityVote,
    ResponseAction, SaraPlan, YouSaidWeDid,
};
use beatbook_domain::op::FieldWrite;
use beatbook_domain::patrol::{
    Engagement, EngagementType, PatrolLog, ENGAGEMENT_RETENTION_MONTHS, PATROL_RETENTION_MONTHS,
};
use beatbook_domain::people::{Officer, PersonInvolved, Role, Team, TeamKind};
use beatbook_domain::record::{review_after, Record};
use beatbook_domain::{Json, OfficerId, OpAction, RecordId, RecordKind};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::collections::BTreeMap;

/// Days the story covers, today included.
pub const DAYS: i64 = 84;

/// One thing an officer did on their tablet.
#[derive(Clone, Debug)]
pub struct Step {
    pub at: DateTime<Utc>,
    pub officer: OfficerId,
    pub record: RecordId,
    pub kind: RecordKind,
    /// Makes the record (its first op).
    pub creates: bool,
    pub action: OpAction,
}

/// How much of each kind the story holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub concerns: usize,
    pub replies: usize,
    pub closed: usize,
    pub meetings: usize,
    pub priorities: usize,
    pub patrols: usize,
    pub engagements: usize,
    pub intel: usize,
}

pub struct Story {
    /// Oldest first.
    pub steps: Vec<Step>,
    pub counts: Counts,
}

/// The story told by `seed`, ending at `now`.
pub fn story(seed: u64, now: DateTime<Utc>, teams: &[Team], areas: &[Area]) -> Story {
    let mut w = Writer {
        rng: StdRng::seed_from_u64(seed),
        now,
        first_day: now.date_naive() - Duration::days(DAYS - 1),
        areas,
        steps: Vec::new(),
        counts: Counts::default(),
    };
    let officers = tablet_officers();
    for profile in profiles() {
        let Some(team) = teams.iter().find(|t| t.id.as_str() == profile.team) else {
            continue;
        };
        let crew = Crew::of(team, &officers);
        // A team changed at HQ to have no officers or no demo places has no story.
        if crew.officers.is_empty() || crew.places.is_empty() {
            continue;
        }
        w.concerns(&crew, &profile);
        w.patrols(&crew, &profile);
        w.engagements(&crew, &profile);
        w.intel(&crew, &profile);
        w.meetings(&crew, &profile);
    }
    let Writer {
        mut steps, counts, ..
    } = w;
    steps.sort_by_key(|s| s.at);
    Story { steps, counts }
}

/// A team and the people and places it works with.
struct Crew<'a> {
    team: &'a Team,
    /// Constables and PCSOs.
    officers: Vec<OfficerId>,
    /// Everyone who answers for the team: its officers and its sergeant.
    everyone: Vec<OfficerId>,
    places: Vec<Place>,
}

impl<'a> Crew<'a> {
    fn of(team: &'a Team, officers: &[Officer]) -> Crew<'a> {
        let members: Vec<&Officer> = officers
            .iter()
            .filter(|o| o.teams.contains(&team.id))
            .collect();
        Crew {
            team,
            officers: members
                .iter()
                .filter(|o| o.role == Role::Officer)
                .map(|o| o.id.clone())
                .collect(),
            everyone: members.iter().map(|o| o.id.clone()).collect(),
            places: places_in(&team.areas),
        }
    }

    fn town_centre(&self) -> bool {
        self.team.kind == TeamKind::Tct
    }
}

struct Writer<'a> {
    rng: StdRng,
    now: DateTime<Utc>,
    first_day: NaiveDate,
    areas: &'a [Area],
    steps: Vec<Step>,
    counts: Counts,
}

impl Writer<'_> {
    fn pick<'t, T>(&mut self, from: &'t [T]) -> &'t T {
        from.choose(&mut self.rng).expect("a list to pick from")
    }

    fn day(&self, n: i64) -> NaiveDate {
        self.first_day + Duration::days(n)
    }

    /// `hour:minute` London time on `day`, in UTC.
    fn london(&self, day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
        let t = day
            .and_time(NaiveTime::from_hms_opt(hour % 24, minute, 0).unwrap_or_default())
            .and_utc()
            + Duration::days(i64::from(hour / 24));
        if uk_summer_time(t) {
            t - Duration::hours(1)
        } else {
            t
        }
    }

    /// A time on a random day of the story between `from` and `to` o'clock, before now.
    fn some_time(&mut self, from: u32, to: u32) -> DateTime<Utc> {
        loop {
            let n = self.rng.gen_range(0..DAYS);
            let day = self.day(n);
            let (hour, minute) = (self.rng.gen_range(from..to), self.rng.gen_range(0..60));
            let at = self.london(day, hour, minute);
            if at < self.now - Duration::minutes(10) {
                return at;
            }
        }
    }

    /// A UUIDv7 for a record made at `at`, so records sort by when they were made.
    fn id(&mut self, at: DateTime<Utc>) -> RecordId {
        let bytes: [u8; 10] = self.rng.gen();
        let ms = u64::try_from(at.timestamp_millis()).unwrap_or_default();
        RecordId(uuid::Builder::from_unix_timestamp_millis(ms, &bytes).into_uuid())
    }

    fn step(
        &mut self,
        at: DateTime<Utc>,
        by: &OfficerId,
        record: RecordId,
        kind: RecordKind,
        creates: bool,
        action: OpAction,
    ) {
        self.steps.push(Step {
            at,
            officer: by.clone(),
            record,
            kind,
            creates,
            action,
        });
    }

    fn create<R: Record>(&mut self, at: DateTime<Utc>, by: &OfficerId, record: &R) -> RecordId {
        let id = self.id(at);
        let fields = record
            .writes_from(None)
            .expect("a demo record serialises to an object");
        self.step(at, by, id, R::KIND, true, OpAction::Put { fields });
        id
    }

    fn set(
        &mut self,
        at: DateTime<Utc>,
        by: &OfficerId,
        id: RecordId,
        kind: RecordKind,
        field: &str,
        value: serde_json::Value,
    ) {
        let fields = BTreeMap::from([(field.to_owned(), FieldWrite::set(value))]);
        self.step(at, by, id, kind, false, OpAction::Put { fields });
    }

    fn append(
        &mut self,
        at: DateTime<Utc>,
        by: &OfficerId,
        id: RecordId,
        kind: RecordKind,
        entry: serde_json::Value,
    ) {
        let entry = Json::from(entry);
        self.step(at, by, id, kind, false, OpAction::Append { entry });
    }

    fn concerns(&mut self, crew: &Crew, profile: &Profile) {
        let setting = if crew.town_centre() {
            Setting::TownCentre
        } else {
            Setting::Neighbourhood
        };
        let texts: Vec<text::ConcernText> = text::concerns()
            .into_iter()
            .filter(|c| c.setting == setting || c.setting == Setting::Anywhere)
            .collect();
        let n = profile.concerns;
        let mut in_time: Vec<bool> = (0..n)
            .map(|i| (i as f64) < (n as f64 * profile.answered_in_time).round())
            .collect();
        in_time.shuffle(&mut self.rng);
        let mut answered = Vec::new();
        for quick in in_time {
            let t = &texts[self.rng.gen_range(0..texts.len())];
            let place = *self.pick(&crew.places);
            let reported_at = self.some_time(8, 22);
            let by = self.pick(&crew.officers).clone();
            let consent = self.rng.gen_bool(0.6);
            let concern = Concern {
                category: t.category.clone(),
                description: text::at(t.description, place.name),
                location: place.location(),
                areas: place.areas(self.areas),
                people: t
                    .person
                    .iter()
                    .map(|(role, description)| PersonInvolved {
                        role: *role,
                        name: None,
                        description: Some((*description).to_owned()),
                        statements: vec![],
                    })
                    .collect(),
                consent_to_contact: consent,
                contact: consent.then(|| format!("07700 900{:03}", self.rng.gen_range(0..1000))),
                priority: t.priority,
                status: ConcernStatus::Open,
                crime_referral: t.crime.map(|category| CrimeReferral {
                    category,
                    reference: Some(format!(
                        "CAD {}/{}",
                        self.rng.gen_range(1000..9999),
                        reported_at.format("%d%b")
                    )),
                }),
                reported_at,
                retention_review: review_after(reported_at.date_naive(), CONCERN_RETENTION_MONTHS),
                photos: vec![],
            };
            let id = self.create(reported_at, &by, &concern);
            self.counts.concerns += 1;
            let hours = if quick {
                self.rng.gen_range(1..60)
            } else {
                self.rng.gen_range(80..240)
            };
            let answer_at =
                reported_at + Duration::hours(hours) + Duration::minutes(self.rng.gen_range(0..60));
            if answer_at < self.now {
                // Usually the officer who took it; sometimes a colleague or the sergeant.
                let who = if self.rng.gen_bool(0.75) {
                    by.clone()
                } else {
                    self.pick(&crew.everyone).clone()
                };
                let reply = *self.pick(text::REPLIES);
                let note = text::at(reply, place.name);
                self.append(
                    answer_at,
                    &who,
                    id,
                    RecordKind::Concern,
                    json!({ "note": note }),
                );
                self.set(
                    answer_at + Duration::minutes(1),
                    &who,
                    id,
                    RecordKind::Concern,
                    "status",
                    json!("in_progress"),
                );
                self.counts.replies += 1;
                answered.push((id, answer_at, who));
            }
        }
        answered.shuffle(&mut self.rng);
        let to_close = ((n as f64) * profile.closed).round() as usize;
        let mut closed = 0;
        for (id, answer_at, who) in answered {
            let room = (self.now - answer_at).num_hours().min(14 * 24);
            if closed == to_close || room < 24 {
                continue;
            }
            let at = answer_at + Duration::hours(self.rng.gen_range(20..room));
            let note = self.pick(text::RESOLUTIONS).to_string();
            let status = if self.rng.gen_bool(0.7) {
                "resolved"
            } else {
                "closed"
            };
            self.append(at, &who, id, RecordKind::Concern, json!({ "note": note }));
            self.set(
                at + Duration::minutes(1),
                &who,
                id,
                RecordKind::Concern,
                "status",
                json!(status),
            );
            closed += 1;
        }
        self.counts.closed += closed;
    }

    fn patrols(&mut self, crew: &Crew, profile: &Profile) {
        // Evening hotspot patrols, adding up to the team's hours at peak times.
        let mut done = 0.0;
        for d in 0..DAYS {
            let due = profile.peak_hours_a_week * (d + 1) as f64 / 7.0;
            while done < due - 0.25 {
                let latest = if crew.town_centre() { 23 } else { 21 };
                let (hour, minute) = (
                    self.rng.gen_range(18..latest),
                    15 * self.rng.gen_range(0..4),
                );
                let start = self.london(self.day(d), hour, minute);
                let quarters = self
                    .rng
                    .gen_range(4..=10)
                    .min(((due - done) * 4.0).ceil() as i64 + 2);
                let end = start + Duration::minutes(15 * quarters);
                if end > self.now {
                    break;
                }
                done += peak_hours(start, end);
                let place = *self.pick(&crew.places);
                let by = self.pick(&crew.officers).clone();
                let patrol = PatrolLog {
                    area_id: beatbook_domain::AreaId::new(place.area),
                    hotspot: Some(place.name.to_owned()),
                    started_at: start,
                    ended_at: Some(end),
                    notes: self.pick(text::PATROL_NOTES).to_string(),
                    retention_review: review_after(start.date_naive(), PATROL_RETENTION_MONTHS),
                };
                self.create(end, &by, &patrol);
                self.counts.patrols += 1;
            }
        }
        // Afternoon patrols of an area, two a week: outside peak times.
        for _ in 0..24 {
            let start = self.some_time(13, 16);
            let end = start + Duration::minutes(15 * self.rng.gen_range(4..7));
            if end > self.now {
                continue;
            }
            let area = self.pick(&crew.team.areas).clone();
            let by = self.pick(&crew.officers).clone();
            let patrol = PatrolLog {
                area_id: area,
                hotspot: None,
                started_at: start,
                ended_at: Some(end),
                notes: self.pick(text::AREA_PATROL_NOTES).to_string(),
                retention_review: review_after(start.date_naive(), PATROL_RETENTION_MONTHS),
            };
            self.create(end, &by, &patrol);
            self.counts.patrols += 1;
        }
    }

    fn engagements(&mut self, crew: &Crew, profile: &Profile) {
        for _ in 0..profile.engagements {
            let at = self.some_time(10, 19);
            let place = *self.pick(&crew.places);
            let (kind, notes) = *self.pick(text::ENGAGEMENTS);
            let by = self.pick(&crew.officers).clone();
            let engagement = Engagement {
                engagement_type: match kind {
                    "surgery" => EngagementType::Surgery,
                    "event" => EngagementType::Event,
                    _ => EngagementType::StreetBriefing,
                },
                area_id: beatbook_domain::AreaId::new(place.area),
                held_at: at,
                location: Some(place.location()),
                attendees: self.rng.gen_range(6..40),
                notes: text::at(notes, place.name),
                retention_review: review_after(at.date_naive(), ENGAGEMENT_RETENTION_MONTHS),
            };
            self.create(at + Duration::hours(1), &by, &engagement);
            self.counts.engagements += 1;
        }
    }

    fn intel(&mut self, crew: &Crew, profile: &Profile) {
        for _ in 0..profile.intel {
            let at = self.some_time(9, 23);
            let place = *self.pick(&crew.places);
            let (content, checks) = *self.pick(text::INTEL);
            let by = self.pick(&crew.officers).clone();
            let source = match self.rng.gen_range(0..10) {
                0..=1 => SourceEvaluation::Reliable,
                2..=7 => SourceEvaluation::Untested,
                _ => SourceEvaluation::NotReliable,
            };
            let intelligence = *self.pick(&[
                IntelAssessment::B,
                IntelAssessment::C,
                IntelAssessment::C,
                IntelAssessment::D,
            ]);
            let handling = if self.rng.gen_bool(0.15) {
                HandlingCode::C {
                    conditions: HandlingConditions::new(
                        "Not to be shared outside the borough's intelligence unit without the author's agreement.",
                    )
                    .expect("conditions are written"),
                }
            } else {
                HandlingCode::P
            };
            let report = IntelReport {
                grade: Grade {
                    source,
                    intelligence,
                    handling,
                },
                security: if self.rng.gen_bool(0.3) {
                    SecurityMarking::OfficialSensitive
                } else {
                    SecurityMarking::Official
                },
                content: text::at(content, place.name),
                checks_made: checks.to_owned(),
                threat_to_life: false,
                location: Some(place.location()),
                areas: place.areas(self.areas),
                source_id: None,
                review_state: ReviewState::Submitted,
                disseminated_to: vec![],
                legacy_grade: None,
                submitted_at: at,
                retention_review: review_after(at.date_naive(), INTEL_RETENTION_MONTHS),
            };
            self.create(at, &by, &report);
            self.counts.intel += 1;
        }
    }

    /// Standing priorities entered on the first day, a panel for each of the team's areas (a
    /// team that is behind holds one, late), and the reviews and updates that follow.
    fn meetings(&mut self, crew: &Crew, profile: &Profile) {
        let mut standing = Vec::new();
        if !crew.town_centre() {
            for area in &crew.team.areas {
                let (title, description) = text::standing_priority(area.as_str());
                let months = if profile.reviews_priorities { 5 } else { 7 };
                let agreed_on = self.first_day - Duration::days(30 * months);
                let priority = Priority {
                    area_id: area.clone(),
                    title: title.to_owned(),
                    description: description.to_owned(),
                    meeting_id: None,
                    agreed_on,
                    last_reviewed_on: None,
                    status: PriorityStatus::Active,
                    sara: SaraPlan {
                        scanning: format!(
                            "Raised repeatedly by residents; {}",
                            title.to_lowercase()
                        ),
                        ..SaraPlan::default()
                    },
                    retention_review: review_after(agreed_on, 24),
                };
                let at = self.london(self.first_day, 9, 30);
                let by = self.pick(&crew.officers).clone();
                let id = self.create(at, &by, &priority);
                self.counts.priorities += 1;
                standing.push((area.clone(), id, title));
            }
        }
        let panels: Vec<(usize, i64)> = if crew.town_centre() {
            // One business forum for the team's town centres.
            vec![(0, 30 + self.rng.gen_range(0..14))]
        } else if profile.reviews_priorities {
            (0..crew.team.areas.len())
                .map(|i| (i, 10 + 24 * i as i64 + self.rng.gen_range(0..7)))
                .collect()
        } else {
            vec![(crew.team.areas.len() - 1, 74)]
        };
        for (i, day) in panels {
            let area = crew.team.areas[i].clone();
            let held_on = self.day(day.min(DAYS - 4));
            let panel = text::panel(area.as_str());
            let ward = self
                .areas
                .iter()
                .any(|a| a.id == area && a.kind == AreaKind::Ward);
            let meeting = NewMeeting {
                id: None,
                meeting_type: if ward {
                    MeetingType::WardPanel
                } else {
                    MeetingType::CommunityMeeting
                },
                area_id: area.clone(),
                held_on,
                venue: Some(panel.venue.to_owned()),
                attendance: vec![
                    AttendanceCount {
                        role: AttendeeRole::Resident,
                        count: if ward {
                            self.rng.gen_range(9..30)
                        } else {
                            self.rng.gen_range(0..4)
                        },
                    },
                    AttendanceCount {
                        role: AttendeeRole::Councillor,
                        count: self.rng.gen_range(1..4),
                    },
                    AttendanceCount {
                        role: AttendeeRole::Business,
                        count: if ward {
                            self.rng.gen_range(0..3)
                        } else {
                            self.rng.gen_range(8..20)
                        },
                    },
                    AttendanceCount {
                        role: AttendeeRole::Partner,
                        count: self.rng.gen_range(1..4),
                    },
                    AttendanceCount {
                        role: AttendeeRole::Police,
                        count: 2,
                    },
                ],
                total_attendance: None,
                issues_raised: panel.issues.iter().map(|s| (*s).to_owned()).collect(),
                votes: panel
                    .priorities
                    .iter()
                    .map(|(title, votes)| PriorityVote {
                        title: (*title).to_owned(),
                        votes: *votes,
                    })
                    .collect(),
                agreed_priorities: panel
                    .priorities
                    .iter()
                    .map(|(t, _)| (*t).to_owned())
                    .collect(),
                review_date: None,
                notes: panel.notes.to_owned(),
                retention_review: None,
            }
            .into_meeting();
            let at = self.london(held_on, 21, 30);
            let by = self.pick(&crew.officers).clone();
            let meeting_id = self.create(at, &by, &meeting);
            self.counts.meetings += 1;
            for (n, (title, votes)) in panel.priorities.iter().enumerate() {
                let priority = Priority {
                    area_id: area.clone(),
                    title: (*title).to_owned(),
                    description: format!(
                        "Agreed at the meeting on {} with {votes} votes.",
                        held_on.format("%-d %B %Y")
                    ),
                    meeting_id: Some(meeting_id),
                    agreed_on: held_on,
                    last_reviewed_on: None,
                    status: PriorityStatus::Active,
                    sara: SaraPlan {
                        scanning: format!("Raised at the meeting: {}.", title.to_lowercase()),
                        analysis: String::new(),
                        responses: vec![ResponseAction {
                            action: "Evening patrols at the hotspot, twice a week".into(),
                            owner: crew.team.name.clone(),
                            due_on: held_on + Duration::days(28),
                            done: false,
                        }],
                        assessment: String::new(),
                    },
                    retention_review: meeting.retention_review,
                };
                let id = self.create(at + Duration::minutes(n as i64 + 1), &by, &priority);
                self.counts.priorities += 1;
                let update_on = held_on + Duration::days(self.rng.gen_range(18..30));
                let update_at = self.london(update_on, 16, 0);
                if update_at < self.now {
                    let entry = YouSaidWeDid {
                        you_said: format!("{title} needs sorting out."),
                        we_did: self.pick(text::WE_DID).to_string(),
                        on: update_on,
                    };
                    self.append(update_at, &by, id, RecordKind::Priority, json!(entry));
                }
            }
            // The panel reviews the area's standing priority.
            if profile.reviews_priorities {
                if let Some((_, id, title)) = standing.iter().find(|(a, _, _)| *a == area) {
                    let (id, title) = (*id, *title);
                    self.set(
                        at + Duration::minutes(10),
                        &by,
                        id,
                        RecordKind::Priority,
                        "last_reviewed_on",
                        json!(held_on),
                    );
                    let entry = YouSaidWeDid {
                        you_said: format!("{title} is still a problem."),
                        we_did: self.pick(text::WE_DID).to_string(),
                        on: held_on,
                    };
                    self.append(
                        at + Duration::minutes(11),
                        &by,
                        id,
                        RecordKind::Priority,
                        json!(entry),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_domain::reference::{demo_areas, demo_teams};

    fn told(now: DateTime<Utc>) -> Story {
        story(7, now, &demo_teams(), &demo_areas())
    }

    #[test]
    fn a_seed_tells_the_same_story_and_nothing_happens_after_now() {
        let now = DateTime::parse_from_rfc3339("2026-12-07T10:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (a, b) = (told(now), told(now));
        assert_eq!(a.counts, b.counts);
        let text = |s: &Story| {
            s.steps
                .iter()
                .map(|s| format!("{} {} {} {:?}", s.at, s.officer, s.record, s.action))
                .collect::<Vec<_>>()
        };
        assert_eq!(text(&a), text(&b));
        let first = now - Duration::days(DAYS);
        assert!(a.steps.iter().all(|s| s.at <= now && s.at > first));
        assert!(a.steps.windows(2).all(|w| w[0].at <= w[1].at));
        // A change to a record comes after the record is made.
        let mut made = std::collections::HashSet::new();
        for s in &a.steps {
            assert!(s.creates || made.contains(&s.record), "{s:?}");
            made.insert(s.record);
        }
    }

    #[test]
    fn the_story_reads_as_plain_words() {
        let now = Utc::now();
        let s = told(now);
        let c = &s.counts;
        assert!(
            c.concerns > 200 && c.meetings >= 8 && c.priorities > c.meetings * 3,
            "{c:?}"
        );
        for step in &s.steps {
            let text = format!("{:?}", step.action);
            for bad in ["{place}", "lorem", "TODO"] {
                assert!(!text.contains(bad), "{text}");
            }
        }
    }
}
