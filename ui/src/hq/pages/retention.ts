/**
 * The retention page's small rules of presentation: the due windows it offers, and the latest
 * date a retain decision may give for the records chosen. HQ works out each record's latest date
 * (`beatbook_domain::retention::latest_retain_until`, its kind's maximum) and checks every
 * decision again; the page only says it first.
 */

/** The due windows the queue offers: days after today (0: review date today or before). */
export const DUE_WINDOWS: { days: number; label: string }[] = [
  { days: 0, label: 'Overdue' },
  { days: 30, label: 'Within 30 days' },
  { days: 90, label: 'Within 90 days' },
];

/** The latest date every one of these records may be retained until: the earliest of their own
 * latest dates (`YYYY-MM-DD`). Null when there is no record to go by. */
export function latestRetainUntil(records: Iterable<{ latest_retain_until: string }>): string | null {
  let latest: string | null = null;
  for (const r of records) if (latest === null || r.latest_retain_until < latest) latest = r.latest_retain_until;
  return latest;
}

/** The day after `day` (`YYYY-MM-DD`): the earliest a record may be retained until. */
export function dayAfter(day: string): string {
  const t = new Date(`${day}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + 1);
  return t.toISOString().slice(0, 10);
}
