//! The period a board covers, and the one it is compared with.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// The period a board covers: `[from, to)`, with the figures as they stood at `as_of` (a concern
/// whose 72 hours had not run out by then is neither answered in time nor missed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub as_of: DateTime<Utc>,
}

/// A period by name, as the board offers them: the last 28 days, or a calendar month or quarter
/// (the current one up to today).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "../../hq/bindings/")]
pub enum Preset {
    #[serde(rename = "last_28_days")]
    Last28Days,
    ThisMonth,
    LastMonth,
    ThisQuarter,
    LastQuarter,
}

/// Days a board covers when not told.
const DEFAULT_DAYS: i64 = 28;

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// The years a period's days may fall in, as months and quarters (see `crate::outcomes::Month`).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// A day a period may start or end on: one in [`YEARS`], refused in words otherwise (a date far
/// in the future is a mistake, and would overflow the arithmetic on it).
pub fn check_day(day: NaiveDate) -> Result<NaiveDate, String> {
    if YEARS.contains(&day.year()) {
        Ok(day)
    } else {
        Err(format!(
            "the year {} is out of range: give a date from the year {} to {}",
            day.year(),
            YEARS.start(),
            YEARS.end()
        ))
    }
}

/// The first day of the month `months` months after the month of `day` (negative: before).
fn month_start(day: NaiveDate, months: i32) -> Option<NaiveDate> {
    let index = day.year() * 12 + day.month0() as i32 + months;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
}

impl Period {
    /// The whole days from `first` to `last`, both included (UTC): by default the 28 days up
    /// to today. `None` when it would end before it starts.
    pub fn days(
        first: Option<NaiveDate>,
        last: Option<NaiveDate>,
        now: DateTime<Utc>,
    ) -> Option<Period> {
        // Checked: a day at the end of the calendar has no day after it (see [`check_day`]).
        let to = last
            .unwrap_or(now.date_naive())
            .checked_add_signed(Duration::days(1))?;
        let from = match first {
            Some(first) => first,
            None => to.checked_sub_signed(Duration::days(DEFAULT_DAYS))?,
        };
        (from < to).then(|| Period {
            from: midnight(from),
            to: midnight(to),
            as_of: now,
        })
    }

    /// A named period as of `now`: a current month or quarter runs from its first day to today.
    pub fn preset(preset: Preset, now: DateTime<Utc>) -> Option<Period> {
        let today = now.date_naive();
        let quarter = |n: i32| month_start(today, -(today.month0() as i32 % 3) + 3 * n);
        let (first, last) = match preset {
            Preset::Last28Days => return Period::days(None, None, now),
            Preset::ThisMonth => (month_start(today, 0)?, today),
            Preset::LastMonth => (month_start(today, -1)?, month_start(today, 0)?.pred_opt()?),
            Preset::ThisQuarter => (quarter(0)?, today),
            Preset::LastQuarter => (quarter(-1)?, quarter(0)?.pred_opt()?),
        };
        Period::days(Some(first), Some(last), now)
    }

    /// The period of the same length just before this one, to compare with.
    pub fn previous(&self) -> Period {
        Period {
            from: self.from - (self.to - self.from),
            to: self.from,
            as_of: self.as_of,
        }
    }

    /// The first day it covers.
    pub fn first_day(&self) -> NaiveDate {
        self.from.date_naive()
    }

    /// The last day it covers (its end is midnight after that day).
    pub fn last_day(&self) -> NaiveDate {
        (self.to - Duration::nanoseconds(1)).date_naive()
    }

    /// The `weeks` weeks up to the end of today, a week at a time, oldest first.
    pub fn weeks_to(now: DateTime<Utc>, weeks: i64) -> impl Iterator<Item = Period> {
        let end = midnight(now.date_naive() + Duration::days(1));
        (0..weeks).rev().map(move |w| Period {
            from: end - Duration::weeks(w + 1),
            to: end - Duration::weeks(w),
            as_of: now,
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

    fn noon(s: &str) -> DateTime<Utc> {
        d(s).and_hms_opt(12, 0, 0).unwrap().and_utc()
    }

    #[test]
    fn days_at_the_ends_of_the_calendar_are_refused_in_words_and_never_overflow() {
        let now = noon("2026-11-30");
        assert!(check_day(d("2026-11-30")).is_ok());
        let e = check_day(NaiveDate::MAX).unwrap_err();
        assert!(e.contains("out of range"), "{e}");
        assert!(check_day(NaiveDate::MIN).is_err());
        assert_eq!(Period::days(None, Some(NaiveDate::MAX), now), None);
        assert_eq!(Period::days(None, Some(NaiveDate::MIN), now), None);
    }

    #[test]
    fn a_period_is_whole_days_by_default_the_last_28() {
        let p = Period::days(None, None, noon("2026-11-30")).unwrap();
        assert_eq!(p.from, midnight(d("2026-11-03")));
        assert_eq!(p.to, midnight(d("2026-12-01")));
        assert_eq!(
            (p.first_day(), p.last_day()),
            (d("2026-11-03"), d("2026-11-30"))
        );
        assert_eq!(p.weeks(), 4.0);
        let one = Period::days(
            Some(d("2026-11-30")),
            Some(d("2026-11-30")),
            noon("2027-01-01"),
        );
        assert_eq!(one.unwrap().weeks(), 1.0 / 7.0);
        assert_eq!(
            Period::days(
                Some(d("2026-12-01")),
                Some(d("2026-11-30")),
                noon("2027-01-01")
            ),
            None
        );
    }

    #[test]
    fn months_and_quarters_are_calendar_ones_the_current_one_up_to_today() {
        let now = noon("2026-12-07");
        let days = |p: Preset| {
            let p = Period::preset(p, now).unwrap();
            (p.first_day(), p.last_day())
        };
        assert_eq!(days(Preset::ThisMonth), (d("2026-12-01"), d("2026-12-07")));
        assert_eq!(days(Preset::LastMonth), (d("2026-11-01"), d("2026-11-30")));
        assert_eq!(
            days(Preset::ThisQuarter),
            (d("2026-10-01"), d("2026-12-07"))
        );
        assert_eq!(
            days(Preset::LastQuarter),
            (d("2026-07-01"), d("2026-09-30"))
        );
        assert_eq!(days(Preset::Last28Days), (d("2026-11-10"), d("2026-12-07")));
        // Across a year's end.
        let january = noon("2027-01-15");
        let p = Period::preset(Preset::LastMonth, january).unwrap();
        assert_eq!(
            (p.first_day(), p.last_day()),
            (d("2026-12-01"), d("2026-12-31"))
        );
        let p = Period::preset(Preset::LastQuarter, january).unwrap();
        assert_eq!(
            (p.first_day(), p.last_day()),
            (d("2026-10-01"), d("2026-12-31"))
        );
        assert_eq!(
            serde_json::to_value(Preset::Last28Days).unwrap(),
            "last_28_days"
        );
    }

    #[test]
    fn the_previous_period_is_as_long_and_ends_where_this_one_starts() {
        let p = Period::preset(Preset::LastMonth, noon("2026-12-07")).unwrap();
        let before = p.previous();
        assert_eq!(before.to, p.from);
        assert_eq!(before.to - before.from, p.to - p.from);
        assert_eq!(
            (before.first_day(), before.last_day()),
            (d("2026-10-02"), d("2026-10-31"))
        );
        assert_eq!(before.as_of, p.as_of);
    }

    #[test]
    fn weeks_end_with_today() {
        let weeks: Vec<Period> = Period::weeks_to(noon("2026-11-30"), 3).collect();
        assert_eq!(weeks.len(), 3);
        assert_eq!(weeks[2].to, midnight(d("2026-12-01")));
        assert_eq!(weeks[2].from, midnight(d("2026-11-24")));
        assert_eq!(weeks[0].from, midnight(d("2026-11-10")));
        assert_eq!(weeks[0].to, weeks[1].from);
    }
}
