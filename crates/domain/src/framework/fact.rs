//! What each record contributes to the framework, and to each measure.

use super::london::peak_hours;
use super::measure::Measure;
use super::period::Period;
use crate::concern::{Concern, ConcernStatus};
use crate::intel::IntelReport;
use crate::meeting::{review_overdue_on, Meeting, Priority, PriorityStatus};
use crate::patrol::{Engagement, PatrolLog};
use crate::record::Record;
use crate::{AreaId, OfficerId, RecordId};
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// What a record contributes to the framework, read once from the record.
#[derive(Clone, Debug)]
pub enum Fact {
    Concern {
        reported_at: DateTime<Utc>,
        answered_at: Option<DateTime<Utc>>,
        closed: bool,
    },
    Priority {
        active: bool,
        last_reviewed: NaiveDate,
        title: String,
    },
    Patrol {
        hotspot: bool,
        started_at: DateTime<Utc>,
        ended_at: Option<DateTime<Utc>>,
    },
    Engagement {
        at: DateTime<Utc>,
    },
    Intel {
        submitted_at: DateTime<Utc>,
        made_at_hq: bool,
    },
    /// Meetings count only as records shared on the overlaps page.
    Meeting,
}

/// A record for the framework: its id, areas and what it contributes.
#[derive(Clone, Debug)]
pub struct Item {
    pub id: RecordId,
    pub areas: Vec<AreaId>,
    /// When the record happened (see [`Record::occurred_at`]).
    pub at: Option<DateTime<Utc>>,
    /// The officer who made it: each record counts for its author on the per-officer breakdown.
    pub by: Option<OfficerId>,
    pub fact: Fact,
}

impl Item {
    /// `record`'s item. `areas`: its areas as HQ's access facts hold them.
    pub fn of<R: Measured>(id: RecordId, areas: &[AreaId], record: R, seen: &Seen) -> Item {
        Item {
            id,
            areas: areas.to_vec(),
            at: Some(record.occurred_at()),
            by: None,
            fact: record.into_fact(seen),
        }
    }

    /// The item, made by `officer`.
    pub fn made_by(self, officer: OfficerId) -> Item {
        Item {
            by: Some(officer),
            ..self
        }
    }
}

/// What HQ knows of a record beyond its fields.
#[derive(Clone, Copy, Debug, Default)]
pub struct Seen {
    /// When HQ first saw it answered (kept by HQ from the push that answered it).
    pub answered_at: Option<DateTime<Utc>>,
    /// When its first update was appended.
    pub first_update_at: Option<DateTime<Utc>>,
    /// When its status was last set.
    pub status_set_at: Option<DateTime<Utc>>,
    /// Made at HQ (a sanitised copy of an officer's report), not on a device.
    pub made_at_hq: bool,
}

/// A record kind the framework reads.
pub trait Measured: Record {
    /// What the record contributes.
    fn into_fact(self, seen: &Seen) -> Fact;
}

impl Measured for Concern {
    fn into_fact(self, seen: &Seen) -> Fact {
        // Answered: the first update appended, or the status first moved on from open. HQ keeps
        // the earliest it saw; for concerns synced before it did, the state holds the first
        // update and the latest status change.
        let moved_on = (self.status != ConcernStatus::Open)
            .then_some(seen.status_set_at)
            .flatten();
        let answered_at = [seen.answered_at, seen.first_update_at, moved_on]
            .into_iter()
            .flatten()
            .min();
        Fact::Concern {
            reported_at: self.reported_at,
            answered_at,
            closed: matches!(self.status, ConcernStatus::Resolved | ConcernStatus::Closed),
        }
    }
}

impl Measured for Priority {
    fn into_fact(self, _: &Seen) -> Fact {
        Fact::Priority {
            active: self.status == PriorityStatus::Active,
            last_reviewed: self.last_reviewed_on.unwrap_or(self.agreed_on),
            title: self.title,
        }
    }
}

impl Measured for PatrolLog {
    fn into_fact(self, _: &Seen) -> Fact {
        Fact::Patrol {
            hotspot: self.placed(),
            started_at: self.started_at,
            ended_at: self.ended_at,
        }
    }
}

impl Measured for Engagement {
    fn into_fact(self, _: &Seen) -> Fact {
        Fact::Engagement { at: self.held_at }
    }
}

impl Measured for IntelReport {
    fn into_fact(self, seen: &Seen) -> Fact {
        Fact::Intel {
            submitted_at: self.submitted_at,
            made_at_hq: seen.made_at_hq,
        }
    }
}

impl Measured for Meeting {
    fn into_fact(self, _: &Seen) -> Fact {
        Fact::Meeting
    }
}

/// Whether an item counts towards a measure in the period, and if it does, whether it met it
/// (for shares: 1 or 0) or how much it adds (for rates).
pub fn contribution(m: Measure, fact: &Fact, p: &Period) -> Option<f64> {
    match (m, fact) {
        (
            Measure::ConcernsAnswered72h,
            Fact::Concern {
                reported_at,
                answered_at,
                ..
            },
        ) if p.contains(*reported_at) => {
            // Only concerns answered, or whose 72 hours have run out, count: one logged a minute
            // ago is neither answered in time nor missed yet.
            let due = *reported_at + Duration::hours(72);
            match answered_at.filter(|a| *a <= p.as_of) {
                Some(a) => Some(f64::from(u8::from(a <= due))),
                None if p.as_of >= due => Some(0.0),
                None => None,
            }
        }
        (
            Measure::ConcernsClosed,
            Fact::Concern {
                reported_at,
                closed,
                ..
            },
        ) if p.contains(*reported_at) => Some(f64::from(u8::from(*closed))),
        (
            Measure::PrioritiesReviewed,
            Fact::Priority {
                active: true,
                last_reviewed,
                ..
            },
        ) => Some(f64::from(u8::from(!review_overdue_on(
            *last_reviewed,
            p.to.date_naive(),
        )))),
        (
            Measure::PatrolHoursPeak,
            Fact::Patrol {
                hotspot: true,
                started_at,
                ended_at: Some(end),
            },
        ) => {
            let h = peak_hours((*started_at).max(p.from), (*end).min(p.to));
            (h > 0.0).then_some(h)
        }
        (Measure::EngagementsPerMonth, Fact::Engagement { at }) if p.contains(*at) => Some(1.0),
        (
            Measure::IntelPerMonth,
            Fact::Intel {
                submitted_at,
                made_at_hq: false,
            },
        ) if p.contains(*submitted_at) => Some(1.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn november() -> Period {
        Period {
            from: t("2026-11-01T00:00:00Z"),
            to: t("2026-11-29T00:00:00Z"),
            as_of: t("2026-12-07T12:00:00Z"),
        }
    }

    fn concern(status: &str) -> Concern {
        serde_json::from_value(json!({
            "category": {"kind": "asb", "type": "nuisance", "heading": "noise"},
            "description": "", "location": {"lat": 51.539, "lon": -0.1426, "place": null},
            "areas": ["E05013655"], "people": [], "consent_to_contact": false, "contact": null,
            "priority": "medium", "status": status, "crime_referral": null,
            "reported_at": "2026-11-10T12:00:00Z", "retention_review": "2028-11-10",
        }))
        .unwrap()
    }

    fn answered(fact: &Fact) -> Option<DateTime<Utc>> {
        match fact {
            Fact::Concern { answered_at, .. } => *answered_at,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_concern_is_answered_by_its_first_update_or_a_status_moved_on_whichever_came_first() {
        let seen = Seen {
            first_update_at: Some(t("2026-11-12T12:00:00Z")),
            status_set_at: Some(t("2026-11-11T12:00:00Z")),
            ..Seen::default()
        };
        // Still open: the status set (to open) answers nothing.
        assert_eq!(
            answered(&concern("open").into_fact(&seen)),
            Some(t("2026-11-12T12:00:00Z"))
        );
        let fact = concern("in_progress").into_fact(&seen);
        assert_eq!(answered(&fact), Some(t("2026-11-11T12:00:00Z")));
        assert_eq!(
            contribution(Measure::ConcernsAnswered72h, &fact, &november()),
            Some(1.0)
        );
        assert_eq!(
            contribution(Measure::ConcernsClosed, &fact, &november()),
            Some(0.0)
        );
        // HQ's first sight of an answer counts when the state no longer shows it.
        let seen = Seen {
            answered_at: Some(t("2026-11-10T13:00:00Z")),
            status_set_at: Some(t("2026-11-20T12:00:00Z")),
            ..Seen::default()
        };
        let fact = concern("closed").into_fact(&seen);
        assert_eq!(answered(&fact), Some(t("2026-11-10T13:00:00Z")));
        assert_eq!(
            contribution(Measure::ConcernsClosed, &fact, &november()),
            Some(1.0)
        );
        // Late: answered after 72 hours.
        let late = concern("open").into_fact(&Seen {
            first_update_at: Some(t("2026-11-13T12:00:01Z")),
            ..Seen::default()
        });
        assert_eq!(
            contribution(Measure::ConcernsAnswered72h, &late, &november()),
            Some(0.0)
        );
        // Outside the period it does not count.
        let october = Period {
            from: t("2026-10-01T00:00:00Z"),
            to: t("2026-11-01T00:00:00Z"),
            ..november()
        };
        assert_eq!(
            contribution(Measure::ConcernsAnswered72h, &late, &october),
            None
        );
    }

    #[test]
    fn a_concern_counts_for_72_hours_answered_only_once_answered_or_its_72_hours_have_run_out() {
        // The board of the 28 days to today, looked at a minute after a concern was logged
        // just before the period's end.
        let now = t("2026-11-28T23:59:00Z");
        let p = Period {
            as_of: now,
            ..november()
        };
        let logged = |at: &str, answered: Option<&str>| Fact::Concern {
            reported_at: t(at),
            answered_at: answered.map(t),
            closed: false,
        };
        let answered = |f: &Fact| contribution(Measure::ConcernsAnswered72h, f, &p);
        let just_now = logged("2026-11-28T23:58:00Z", None);
        assert_eq!(
            answered(&just_now),
            None,
            "not missed: its 72 hours are still running"
        );
        assert_eq!(
            contribution(Measure::ConcernsClosed, &just_now, &p),
            Some(0.0),
            "it still counts as reported, not closed"
        );
        assert_eq!(
            answered(&logged(
                "2026-11-28T23:58:00Z",
                Some("2026-11-28T23:58:30Z")
            )),
            Some(1.0),
            "answered already: met"
        );
        // Logged 72 hours before now and still unanswered: missed.
        assert_eq!(answered(&logged("2026-11-25T23:59:00Z", None)), Some(0.0));
        assert_eq!(answered(&logged("2026-11-26T00:00:00Z", None)), None);
        // The same concern, seen once its 72 hours have run out: missed.
        let later = Period {
            as_of: t("2026-12-01T23:58:00Z"),
            ..p
        };
        assert_eq!(
            contribution(Measure::ConcernsAnswered72h, &just_now, &later),
            Some(0.0)
        );
        // On a tally: the team's share is of the concerns that count.
        let item = |fact| Item {
            id: RecordId::new(),
            areas: vec![AreaId::new("tc")],
            at: None,
            by: None,
            fact,
        };
        let unit = super::super::Unit {
            id: "tct".into(),
            name: "TCT".into(),
            kind: crate::people::TeamKind::Tct,
            areas: vec![AreaId::new("tc")],
        };
        let items = [
            item(just_now),
            item(logged("2026-11-20T10:00:00Z", Some("2026-11-20T11:00:00Z"))),
        ];
        let row = super::super::tally(&items, &[unit], &p)[0][1];
        assert_eq!(row.records(), 1);
        assert_eq!(row.value(Measure::ConcernsAnswered72h, &p), Some(100.0));
    }

    #[test]
    fn an_active_priority_is_reviewed_when_its_last_review_is_within_three_months_of_the_period_end(
    ) {
        let priority = |last: &str, status: &str| -> Priority {
            serde_json::from_value(json!({
                "area_id": "E05013655", "title": "Street drinking", "description": "",
                "meeting_id": null, "agreed_on": "2026-06-01", "last_reviewed_on": last,
                "status": status, "scanning": "", "analysis": "", "responses": [],
                "assessment": "", "retention_review": "2028-06-01",
            }))
            .unwrap()
        };
        let p = november();
        let reviewed = |last, status| {
            contribution(
                Measure::PrioritiesReviewed,
                &priority(last, status).into_fact(&Seen::default()),
                &p,
            )
        };
        // The period ends at midnight on 29 November: reviews from 29 August are in time.
        assert_eq!(reviewed("2026-08-29", "active"), Some(1.0));
        assert_eq!(reviewed("2026-08-28", "active"), Some(0.0));
        assert_eq!(reviewed("2026-08-28", "achieved"), None);
        let never: Priority = priority("2026-06-01", "active");
        let never = Priority {
            last_reviewed_on: None,
            ..never
        };
        assert!(matches!(
            never.into_fact(&Seen::default()),
            Fact::Priority { last_reviewed, .. } if last_reviewed == "2026-06-01".parse::<NaiveDate>().unwrap()
        ));
    }

    #[test]
    fn hotspot_patrols_add_their_peak_hours_in_the_period_and_reports_made_at_hq_do_not_count() {
        let patrol_in = |area: &str, hotspot: Option<&str>, start: &str, end: Option<&str>| {
            PatrolLog {
                area_id: AreaId::new(area),
                hotspot: hotspot.map(Into::into),
                started_at: t(start),
                ended_at: end.map(t),
                notes: String::new(),
                retention_review: "2028-11-01".parse().unwrap(),
            }
            .into_fact(&Seen::default())
        };
        let patrol = |hotspot: Option<&str>, start: &str, end: Option<&str>| -> Fact {
            patrol_in("tc-camden-town", hotspot, start, end)
        };
        let p = november();
        let hours = |f: &Fact| contribution(Measure::PatrolHoursPeak, f, &p);
        let evening = patrol(
            Some("By the station"),
            "2026-11-20T17:00:00Z",
            Some("2026-11-20T20:00:00Z"),
        );
        assert_eq!(hours(&evening), Some(2.0));
        // A patrol of an area chosen from the list counts as a hotspot's does; one with neither
        // (refused on the device since) does not.
        assert_eq!(
            hours(&patrol(
                None,
                "2026-11-20T17:00:00Z",
                Some("2026-11-20T20:00:00Z")
            )),
            Some(2.0)
        );
        assert_eq!(
            hours(&patrol_in(
                "",
                None,
                "2026-11-20T17:00:00Z",
                Some("2026-11-20T20:00:00Z")
            )),
            None
        );
        assert_eq!(
            hours(&patrol(
                Some("By the station"),
                "2026-11-20T17:00:00Z",
                None
            )),
            None
        );
        // Clipped to the period: the hour after midnight counts, the hour before it does not.
        assert_eq!(
            hours(&patrol(
                Some("By the station"),
                "2026-10-31T23:00:00Z",
                Some("2026-11-01T01:00:00Z")
            )),
            Some(1.0)
        );
        let engagement = Fact::Engagement {
            at: t("2026-11-20T10:00:00Z"),
        };
        assert_eq!(
            contribution(Measure::EngagementsPerMonth, &engagement, &p),
            Some(1.0)
        );
        let intel = |made_at_hq| Fact::Intel {
            submitted_at: t("2026-11-20T10:00:00Z"),
            made_at_hq,
        };
        assert_eq!(
            contribution(Measure::IntelPerMonth, &intel(false), &p),
            Some(1.0)
        );
        assert_eq!(contribution(Measure::IntelPerMonth, &intel(true), &p), None);
    }
}
