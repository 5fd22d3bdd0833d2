//! The period a board covers.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

/// The period a board covers: `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Days a board covers when not told.
const DEFAULT_DAYS: i64 = 28;

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

impl Period {
    /// The whole days from `first` to `last`, both included (UTC): by default the 28 days up
    /// to `today`. `None` when it would end before it starts.
    pub fn days(
        first: Option<NaiveDate>,
        last: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Option<Period> {
        let to = last.unwrap_or(today) + Duration::days(1);
        let from = first.unwrap_or(to - Duration::days(DEFAULT_DAYS));
        (from < to).then(|| Period {
            from: midnight(from),
            to: midnight(to),
        })
    }

    /// The `weeks` weeks up to the end of `today`, a week at a time, oldest first.
    pub fn weeks_to(today: NaiveDate, weeks: i64) -> impl Iterator<Item = Period> {
        let end = midnight(today + Duration::days(1));
        (0..weeks).rev().map(move |w| Period {
            from: end - Duration::weeks(w + 1),
            to: end - Duration::weeks(w),
        })
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.from && t < self.to
    }

    /// Its length in weeks (at least a day's worth).
    pub fn weeks(&self) -> f64 {
        ((self.to - self.from).num_seconds() as f64 / (7.0 * 86_400.0)).max(1.0 / 7.0)
    }

    /// Its length in months of 30.4375 days (at least a day's worth).
    pub fn months(&self) -> f64 {
        ((self.to - self.from).num_seconds() as f64 / (30.4375 * 86_400.0)).max(1.0 / 30.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_period_is_whole_days_by_default_the_last_28() {
        let p = Period::days(None, None, d("2026-11-30")).unwrap();
        assert_eq!(p.from, midnight(d("2026-11-03")));
        assert_eq!(p.to, midnight(d("2026-12-01")));
        assert_eq!(p.weeks(), 4.0);
        let one = Period::days(
            Some(d("2026-11-30")),
            Some(d("2026-11-30")),
            d("2027-01-01"),
        );
        assert_eq!(one.unwrap().weeks(), 1.0 / 7.0);
        assert_eq!(
            Period::days(
                Some(d("2026-12-01")),
                Some(d("2026-11-30")),
                d("2027-01-01")
            ),
            None
        );
    }

    #[test]
    fn weeks_end_with_today() {
        let weeks: Vec<Period> = Period::weeks_to(d("2026-11-30"), 3).collect();
        assert_eq!(weeks.len(), 3);
        assert_eq!(weeks[2].to, midnight(d("2026-12-01")));
        assert_eq!(weeks[2].from, midnight(d("2026-11-24")));
        assert_eq!(weeks[0].from, midnight(d("2026-11-10")));
        assert_eq!(weeks[0].to, weeks[1].from);
    }
}
