/**
 * Improvement actions and outcomes in words: an action's status and closing, months and quarters
 * (`Nov 2026`, `Oct to Dec 2026`), money (`£42.50`), the outcome measures with their units and
 * red/amber/green, and how a figure moved. Dates are written by `$lib/format`.
 */
import { date, number, plural } from '$lib/format';
import type { ActionStatus, ActionView, CellAction, Closure, ImportReport, OutcomeFigure, OutcomeMeasure, Progress } from '../actions-api';
import type { Change, Rag } from '../api';
import { figure } from './board';

export const STATUS_WORDS: Record<ActionStatus, string> = {
  open: 'Open',
  on_track: 'On track',
  off_track: 'Off track',
  done: 'Done',
};

export const PROGRESS_WORDS: Record<Progress, string> = {
  on_track: 'On track',
  off_track: 'Off track',
};

/** A board cell's mark: `Action on track, due 7 Dec 2026`. */
export function cellActionWords(a: CellAction): string {
  return `Action ${STATUS_WORDS[a.status].toLowerCase()}, due ${date(a.due_on)}`;
}

/** What is late about an open action, in words (empty when nothing is). */
export function lateWords(a: Pick<CellAction, 'overdue' | 'review_overdue'>): string[] {
  const out: string[] = [];
  if (a.overdue) out.push('Past its due date');
  if (a.review_overdue) out.push('Review overdue');
  return out;
}

/** How an action was closed: `Back on target: Oct 2026 22 hours a week, Nov 2026 ...` or the reason. */
export function closureWords(c: Closure, unit: string): string {
  const e = c.evidence;
  if (e.kind === 'reason') return `Closed for a reason: ${e.reason}`;
  const months = e.periods.map((p) => `${periodMonth(p.first_day, p.last_day)} ${figure(p.value, unit)}`).join('; ');
  return `Back on target for ${plural(e.periods.length, 'month')}${months ? ` (${months})` : ''}`;
}

/** A period that is one calendar month as `Nov 2026`, any other as its days. */
function periodMonth(first: string, last: string): string {
  if (first.slice(0, 7) === last.slice(0, 7) && first.endsWith('-01')) return monthWords(first.slice(0, 7));
  return `${date(first)} to ${date(last)}`;
}

/** The action's cell when it was opened: `12.5 hours a week against a target of 20 hours a week`. */
export function openedFigure(a: Pick<ActionView, 'value' | 'target'>, unit: string): string {
  return `${figure(a.value, unit)} against a target of ${figure(a.target, unit)}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sept', 'Oct', 'Nov', 'Dec'];

/** `2026-11` → `Nov 2026` (as HQ writes months). Anything else: "an unknown month". */
export function monthWords(month: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const i = m ? Number(m[2]) - 1 : -1;
  return m && i >= 0 && i < 12 ? `${MONTHS[i]} ${m[1]}` : 'an unknown month';
}

/** `2026-Q4` → `Oct to Dec 2026`. */
export function quarterWords(quarter: string): string {
  const m = /^(\d{4})-Q([1-4])$/.exec(quarter);
  if (!m) return 'an unknown quarter';
  const q = Number(m[2]);
  return `${MONTHS[(q - 1) * 3]} to ${MONTHS[(q - 1) * 3 + 2]} ${m[1]}`;
}

/** The quarter a day (`YYYY-MM-DD`) falls in: `2026-Q4`. */
export function quarterOf(day: string): string {
  return `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
}

/** `quarters` after `quarter` (negative: before). */
export function quarterPlus(quarter: string, quarters: number): string {
  const m = /^(\d{4})-Q([1-4])$/.exec(quarter);
  if (!m) return quarter;
  const index = Number(m[1]) * 4 + Number(m[2]) - 1 + quarters;
  return `${Math.floor(index / 4)}-Q${(((index % 4) + 4) % 4) + 1}`;
}

/** The quarters a page offers: the current one and the seven before, newest first. */
export function recentQuarters(today: string, count = 8): string[] {
  const now = quarterOf(today);
  return Array.from({ length: count }, (_, i) => quarterPlus(now, -i));
}

/** The month before `today`'s (`YYYY-MM`): the latest whole month. */
export function lastMonth(today: string): string {
  const y = Number(today.slice(0, 4));
  const m = Number(today.slice(5, 7));
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** `£1,234.50` */
export function money(pounds: number): string {
  return `£${pounds.toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export interface OutcomeInfo {
  label: string;
  /** Lower is better (crime, costs). */
  lowerIsBetter: boolean;
  kind: 'change' | 'percent' | 'money';
}

export const OUTCOMES: Record<OutcomeMeasure, OutcomeInfo> = {
  crime_change_yoy: { label: 'Recorded crime on a year before', lowerIsBetter: true, kind: 'change' },
  confidence_public: { label: 'Public confidence', lowerIsBetter: false, kind: 'percent' },
  confidence_business: { label: 'Business confidence', lowerIsBetter: false, kind: 'percent' },
  cost_per_patrol_hour: { label: 'Cost per hour of hotspot patrol', lowerIsBetter: true, kind: 'money' },
  cost_per_engagement: { label: 'Cost per engagement', lowerIsBetter: true, kind: 'money' },
  cost_per_concern_answered: { label: 'Cost per concern answered', lowerIsBetter: true, kind: 'money' },
};

export const OUTCOME_ORDER: OutcomeMeasure[] = [
  'crime_change_yoy',
  'confidence_public',
  'confidence_business',
  'cost_per_patrol_hour',
  'cost_per_engagement',
  'cost_per_concern_answered',
];

const round1 = (n: number) => number(Math.round(n * 10) / 10);

/** An outcome's figure: `5% down`, `72%`, `£42.50`; none: `No data`. */
export function outcomeFigure(measure: OutcomeMeasure, value: number | null): string {
  if (value === null) return 'No data';
  switch (OUTCOMES[measure].kind) {
    case 'change':
      if (value === 0) return 'No change';
      return `${round1(Math.abs(value))}% ${value < 0 ? 'down' : 'up'}`;
    case 'percent':
      return `${round1(value)}%`;
    case 'money':
      return money(value);
  }
}

/** An outcome's target in words: `Target 5% down`, `Target at least 75%`, `Target at most £40.00`. */
export function outcomeTarget(measure: OutcomeMeasure, target: number | null): string {
  if (target === null) return 'No target set';
  const info = OUTCOMES[measure];
  if (info.kind === 'change') return `Target ${outcomeFigure(measure, target)} or better`;
  return `Target ${info.lowerIsBetter ? 'at most' : 'at least'} ${outcomeFigure(measure, target)}`;
}

/** Red/amber/green for an outcome (lower may be better, so not "below target"). */
export function outcomeRag(rag: Rag, target: number | null): string {
  switch (rag) {
    case 'red':
      return 'Off target';
    case 'amber':
      return 'Near target';
    case 'green':
      return 'On target';
    default:
      // With no target, "No target set" has said it.
      return target === null ? '' : 'No data';
  }
}

/** An outcome beside an earlier period (`Quarter before`, `A year before`), and whether it is
 * better now: `Quarter before: 70% (now worse)`. */
export function outcomeChange(f: OutcomeFigure, change: Change, was: number | null, period: string): string {
  const info = OUTCOMES[f.measure];
  switch (change) {
    case 'same':
      return `${period}: ${outcomeFigure(f.measure, was)} (no change)`;
    case 'up':
    case 'down': {
      const better = (change === 'down') === info.lowerIsBetter;
      return `${period}: ${outcomeFigure(f.measure, was)} (now ${better ? 'better' : 'worse'})`;
    }
    default:
      return `${period}: ${was === null ? 'no figure' : outcomeFigure(f.measure, was)}`;
  }
}

/** What an import did, in a sentence. */
export function importWords(r: ImportReport): string {
  const parts = [`${plural(r.rows, 'row')} read`, `${number(r.imported)} imported`];
  if (r.outside_areas > 0) parts.push(`${number(r.outside_areas)} outside every area`);
  const months = r.months.length ? ` Months replaced: ${r.months.map(monthWords).join(', ')}.` : '';
  const quarters = r.quarters.length ? ` Quarters: ${r.quarters.map(quarterWords).join(', ')}.` : '';
  return `${parts.join(', ')}.${months}${quarters}`;
}

/** A chosen file's text (UTF-8). */
export function fileText(file: Blob): Promise<string> {
  if (typeof file.text === 'function') return file.text();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result ?? ''));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsText(file);
  });
}
