//! Peak hours, in London time.

use crate::patrol::MAX_PATROL_HOURS;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};

/// Whether UK summer time (BST, UTC+1) is in force at `at`: from 01:00 UTC on the last Sunday of
/// March to 01:00 UTC on the last Sunday of October.
pub fn uk_summer_time(at: DateTime<Utc>) -> bool {
    fn last_sunday(year: i32, month: u32) -> Option<DateTime<Utc>> {
        let last = NaiveDate::from_ymd_opt(year, month + 1, 1)?.pred_opt()?;
        let back = i64::from(last.weekday().num_days_from_sunday());
        Some(
            (last - Duration::days(back))
                .and_time(NaiveTime::from_hms_opt(1, 0, 0)?)
                .and_utc(),
        )
    }
    let year = at.year();
    match (last_sunday(year, 3), last_sunday(year, 10)) {
        (Some(starts), Some(ends)) => at >= starts && at < ends,
        _ => false,
    }
}

/// Hours of `[start, end)` that fall in the peak window: the 8 hours from 18:00 London time
/// (18:00 UTC in winter, 17:00 UTC in summer) to 02:00.
pub fn peak_hours(start: DateTime<Utc>, end: DateTime<Utc>) -> f64 {
    let end = end.min(start + Duration::hours(MAX_PATROL_HOURS));
    if end <= start {
        return 0.0;
    }
    let mut total = Duration::zero();
    // Each evening's window starts at 18:00 on the day before `start` up to the day of `end`.
    let mut day = start.date_naive() - Duration::days(1);
    while day <= end.date_naive() {
        let six_pm_utc = day
            .and_time(NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default())
            .and_utc();
        let from = if uk_summer_time(six_pm_utc) {
            six_pm_utc - Duration::hours(1)
        } else {
            six_pm_utc
        };
        let to = from + Duration::hours(8);
        let (a, b) = (start.max(from), end.min(to));
        if b > a {
            total += b - a;
        }
        day += Duration::days(1);
    }
    total.num_seconds() as f64 / 3600.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn peak_hours_count_only_the_evening_window() {
        assert_eq!(
            peak_hours(t("2026-11-20T17:00:00Z"), t("2026-11-20T20:00:00Z")),
            2.0
        );
        assert_eq!(
            peak_hours(t("2026-11-20T10:00:00Z"), t("2026-11-20T12:00:00Z")),
            0.0
        );
        // Across midnight, up to 02:00.
        assert_eq!(
            peak_hours(t("2026-11-20T23:00:00Z"), t("2026-11-21T03:00:00Z")),
            3.0
        );
        assert_eq!(
            peak_hours(t("2026-11-21T01:00:00Z"), t("2026-11-21T01:30:00Z")),
            0.5
        );
        // Summer: the window is 18:00 to 02:00 British Summer Time, 17:00 to 01:00 UTC.
        assert_eq!(
            peak_hours(t("2026-07-01T16:00:00Z"), t("2026-07-01T18:00:00Z")),
            1.0
        );
        assert_eq!(
            peak_hours(t("2026-07-02T00:30:00Z"), t("2026-07-02T01:30:00Z")),
            0.5
        );
    }

    #[test]
    fn uk_summer_time_starts_and_ends_on_the_last_sundays_of_march_and_october() {
        // 2026: 29 March and 25 October, at 01:00 UTC.
        assert!(!uk_summer_time(t("2026-03-29T00:59:00Z")));
        assert!(uk_summer_time(t("2026-03-29T01:00:00Z")));
        assert!(uk_summer_time(t("2026-10-25T00:59:00Z")));
        assert!(!uk_summer_time(t("2026-10-25T01:00:00Z")));
        assert!(!uk_summer_time(t("2026-12-01T12:00:00Z")));
    }
}
