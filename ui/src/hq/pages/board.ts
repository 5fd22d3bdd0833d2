/**
 * The performance board in words: periods, figures with their units, red/amber/green and the
 * change on the previous period. Dates are written by `$lib/format`.
 */
import { date, number } from '$lib/format';
import type { Board, Cell, Preset } from '../api';

/** The periods the board offers by name, then dates chosen in the From and To boxes. */
export const PERIODS: { value: Preset | 'custom'; label: string }[] = [
  { value: 'last_28_days', label: 'Last 28 days' },
  { value: 'this_month', label: 'This month' },
  { value: 'last_month', label: 'Last month' },
  { value: 'this_quarter', label: 'This quarter' },
  { value: 'last_quarter', label: 'Last quarter' },
  { value: 'custom', label: 'Dates chosen' },
];

/** `1 Nov 2026 to 30 Nov 2026` (calendar days, as the board gives them). */
export function periodWords(first: string, last: string): string {
  return first === last ? date(first) : `${date(first)} to ${date(last)}`;
}

/** The board's own period and the one it is compared with, in words. */
export function boardPeriod(board: Board): { period: string; previous: string } {
  return {
    period: periodWords(board.first_day, board.last_day),
    previous: periodWords(board.previous_first_day, board.previous_last_day),
  };
}

/** A figure with its unit: `45.5%`, `12 hours a week`, `3.5 events a month`; no figure: `No data`. */
export function figure(value: number | null, unit: string): string {
  if (value === null) return 'No data';
  return unit === '%' ? `${number(value)}%` : `${number(value)} ${unit}`;
}

/** How a figure moved since the previous period: `Up from 40%`, `Down from 6 events a month`. */
export function changeWords(cell: Pick<Cell, 'change' | 'value' | 'previous'>, unit: string): string {
  switch (cell.change) {
    case 'up':
      return `Up from ${figure(cell.previous, unit)}`;
    case 'down':
      return `Down from ${figure(cell.previous, unit)}`;
    case 'same':
      return 'No change';
    default:
      return cell.previous === null ? 'Nothing to compare with' : `No figure now; was ${figure(cell.previous, unit)}`;
  }
}

/** The arrow beside the words (decorative; the words say it). */
export function changeArrow(cell: Pick<Cell, 'change'>): string {
  return { up: '▲', down: '▼', same: '=', not_comparable: '' }[cell.change];
}
