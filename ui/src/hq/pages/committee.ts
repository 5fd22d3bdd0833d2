/**
 * The committee report in words: quarters ("Oct to Dec 2026"), figures with their units, red,
 * amber and green, how a figure moved quarter on quarter and year on year, the outcomes (for
 * crime and cost, down is better), improvement actions and partnership meetings. HQ builds the
 * report; the page only says it.
 */
import type { ActionStatus } from '$lib/bindings/ActionStatus';
import type { TeamKind } from '$lib/bindings/TeamKind';
import { date, number, plural } from '$lib/format';
import type { Change } from '../api';
import type { ActionLine, MeasureHistory, OutcomeFigure, OutcomeMeasure, PartnershipMeeting } from '../committee-api';

/** As HQ writes them (`Month::words`): "Sept", not "Sep". */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sept', 'Oct', 'Nov', 'Dec'];

/** A quarter HQ names `2026-Q4`, read; null when it is not one. */
export function parseQuarter(q: string): { year: number; quarter: number } | null {
  const m = /^(\d{4})-Q([1-4])$/i.exec(q.trim());
  return m ? { year: Number(m[1]), quarter: Number(m[2]) } : null;
}

/** `2026-Q4` → "Oct to Dec 2026". */
export function quarterWords(q: string): string {
  const p = parseQuarter(q);
  if (!p) return 'an unknown quarter';
  const first = (p.quarter - 1) * 3;
  return `${MONTHS[first]} to ${MONTHS[first + 2]} ${p.year}`;
}

/** The quarter a day (`YYYY-MM-DD`) falls in, as HQ names it. */
export function quarterOf(day: string): string {
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7));
  return `${y}-Q${Math.floor((m - 1) / 3) + 1}`;
}

/** `quarters` later (negative: earlier). */
export function plusQuarters(q: string, quarters: number): string {
  const p = parseQuarter(q);
  if (!p) return q;
  const index = p.year * 4 + p.quarter - 1 + quarters;
  return `${Math.floor(index / 4)}-Q${(index % 4) + 1}`;
}

/**
 * The quarters the picker offers, newest first: the quarter `today` is in (so far) and the `count
 * - 1` before it; and `also` (a quarter shown that is older) at its place.
 */
export function pickerQuarters(today: string, count = 8, also?: string): string[] {
  const now = quarterOf(today);
  const out = Array.from({ length: count }, (_, i) => plusQuarters(now, -i));
  if (also && parseQuarter(also) && !out.includes(also)) out.push(also);
  return out.sort((a, b) => b.localeCompare(a));
}

/** A team's kind in words. */
export function teamKind(kind: TeamKind): string {
  return kind === 'tct' ? 'Town Centre Team' : 'Safer Neighbourhoods Team';
}

function round(n: number, places = 1): number {
  const f = 10 ** places;
  return Math.round(n * f) / f;
}

/** An activity figure with its unit: `45.5%`, `12 hours a week`; none: `No data`. */
export function figure(value: number | null, unit: string): string {
  if (value === null) return 'No data';
  const n = number(round(value));
  return unit === '%' ? `${n}%` : `${n} ${unit}`;
}

function moved(change: Change, now: number | null, before: number | null, write: (v: number | null) => string): string {
  switch (change) {
    case 'up':
      return `Up from ${write(before)}`;
    case 'down':
      return `Down from ${write(before)}`;
    case 'same':
      return 'No change';
    default:
      if (before === null) return 'Nothing to compare with';
      if (now === null) return `No figure now; was ${write(before)}`;
      return 'Not comparable';
  }
}

/** How an activity measure moved on the quarter before: "Up from 40%". */
export function quarterOnQuarter(m: MeasureHistory): string {
  const last = m.quarters[m.quarters.length - 1];
  const before = m.quarters[m.quarters.length - 2];
  return moved(m.quarter_on_quarter, last?.value ?? null, before?.value ?? null, (v) => figure(v, m.unit));
}

/** How an activity measure moved on the same quarter a year before: "Down from 52%". */
export function yearOnYear(m: MeasureHistory): string {
  const last = m.quarters[m.quarters.length - 1];
  return moved(m.year_on_year, last?.value ?? null, m.year_before, (v) => figure(v, m.unit));
}

/** The outcomes: their names (as HQ's `OutcomeMeasure::label`), how their figures are written, and which way is better. */
export const OUTCOMES: Record<OutcomeMeasure, { label: string; kind: 'change' | 'percent' | 'money'; lowerIsBetter: boolean }> = {
  crime_change_yoy: { label: 'Recorded crime, change on a year before (%)', kind: 'change', lowerIsBetter: true },
  confidence_public: { label: 'Public confident in the police (%)', kind: 'percent', lowerIsBetter: false },
  confidence_business: { label: 'Businesses confident in the police (%)', kind: 'percent', lowerIsBetter: false },
  cost_per_patrol_hour: { label: 'Cost per hour of hotspot patrol (£)', kind: 'money', lowerIsBetter: true },
  cost_per_engagement: { label: 'Cost per engagement event (£)', kind: 'money', lowerIsBetter: true },
  cost_per_concern_answered: { label: 'Cost per concern answered (£)', kind: 'money', lowerIsBetter: true },
};

export function outcomeLabel(m: OutcomeMeasure): string {
  return OUTCOMES[m]?.label ?? 'An outcome';
}

/** An outcome's figure: `−4.5%` (crime on a year before), `72%`, `£18.40`; none: `No data`. */
export function outcomeValue(m: OutcomeMeasure, value: number | null): string {
  if (value === null) return 'No data';
  switch (OUTCOMES[m]?.kind) {
    case 'change': {
      const n = round(value);
      return n > 0 ? `+${number(n)}%` : n < 0 ? `−${number(-n)}%` : '0%';
    }
    case 'money':
      return `£${value.toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    default:
      return `${number(round(value))}%`;
  }
}

/** An outcome's target in words: "At most −5%", "At least 75%", "No target set". */
export function outcomeTarget(m: OutcomeMeasure, target: number | null): string {
  if (target === null) return 'No target set';
  return `${OUTCOMES[m]?.lowerIsBetter ? 'At most' : 'At least'} ${outcomeValue(m, target)}`;
}

/** How an outcome moved, and whether that is better: "Down from £20.00: better". */
export function outcomeChange(m: OutcomeMeasure, change: Change, now: number | null, before: number | null): string {
  const words = moved(change, now, before, (v) => outcomeValue(m, v));
  if (change !== 'up' && change !== 'down') return words;
  const better = (change === 'down') === Boolean(OUTCOMES[m]?.lowerIsBetter);
  return `${words}: ${better ? 'better' : 'worse'}`;
}

export function outcomeQuarterOnQuarter(o: OutcomeFigure): string {
  return outcomeChange(o.measure, o.quarter_on_quarter, o.value, o.previous);
}

export function outcomeYearOnYear(o: OutcomeFigure): string {
  return outcomeChange(o.measure, o.year_on_year, o.value, o.year_before);
}

export const STATUS_LABELS: Record<ActionStatus, string> = {
  open: 'Open',
  on_track: 'On track',
  off_track: 'Off track',
  done: 'Done',
};

/** An action's dates in words: "Opened 3 Oct 2026, due 31 Dec 2026, review 15 Nov 2026". */
export function actionDates(a: ActionLine): string {
  return `Opened ${date(a.opened_on)}, due ${date(a.due_on)}, review ${date(a.review_on)}`;
}

/** An action's progress, counted not quoted: "2 progress updates, the latest on 2 Dec 2026". */
export function actionProgress(a: ActionLine): string {
  if (a.updates === 0) return 'No progress updates yet';
  const n = plural(a.updates, 'progress update');
  return a.last_update_on ? `${n}, the latest on ${date(a.last_update_on)}` : n;
}

export const MEETING_LABELS: Record<PartnershipMeeting, string> = {
  cdrp: 'Crime and disorder reduction partnership',
  engagement_group: 'Community and police engagement group',
  other: 'Another partnership meeting',
};
