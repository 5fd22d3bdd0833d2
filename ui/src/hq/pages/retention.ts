/**
 * The retention page's arithmetic: the due windows it offers and the latest date a retain decision
 * may give, to show beside the date picker before HQ is asked.
 *
 * HQ decides (`beatbook_domain::retention::check_decision`) and its refusal names the latest date;
 * the months here only let the page say it first. They are `retention::max_retain_months`.
 */
import type { RecordKind } from '$lib/bindings/RecordKind';

/** The furthest a retain decision may put the next review, in months (`max_retain_months`). */
const RETAIN_MONTHS: Record<RecordKind, number> = {
  intel_report: 120,
  intel_source: 120,
  concern: 72,
  meeting: 72,
  priority: 72,
  patrol_log: 36,
  engagement: 36,
};

/** The due windows the queue offers: days after today (0: review date today or before). */
export const DUE_WINDOWS: { days: number; label: string }[] = [
  { days: 0, label: 'Overdue' },
  { days: 30, label: 'Within 30 days' },
  { days: 90, label: 'Within 90 days' },
];

/** `day` (`YYYY-MM-DD`) plus `months`, the day clamped to the month's last (as chrono's
 * `checked_add_months`): 31 Aug plus 6 months is 28 (or 29) Feb. */
export function addMonths(day: string, months: number): string {
  const [y = 0, m = 1, d = 1] = day.split('-').map(Number);
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(year, 4)}-${pad(month)}-${pad(Math.min(d, last))}`;
}

/**
 * The latest date records of these kinds may all be retained until, decided on `today`: the
 * earliest of their kinds' latest dates. Null when there is no kind to go by.
 */
export function latestRetainUntil(kinds: Iterable<RecordKind>, today: string): string | null {
  let latest: string | null = null;
  for (const k of kinds) {
    const until = addMonths(today, RETAIN_MONTHS[k]);
    if (latest === null || until < latest) latest = until;
  }
  return latest;
}

/** The day after `day` (`YYYY-MM-DD`): the earliest a record may be retained until. */
export function dayAfter(day: string): string {
  const t = new Date(`${day}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + 1);
  return t.toISOString().slice(0, 10);
}
