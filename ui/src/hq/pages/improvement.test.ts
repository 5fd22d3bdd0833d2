import { describe, expect, it } from 'vitest';
import type { OutcomeFigure } from '../actions-api';
import { cellActionWords, importWords, lastMonth, lateWords, money, monthWords, outcomeChange, outcomeFigure, outcomeTarget, quarterOf, quarterPlus, quarterWords, recentQuarters } from './improvement';

describe('improvement actions and outcomes in words', () => {
  it("writes an action's mark and what is late", () => {
    const a = { id: 'x', status: 'off_track' as const, due_on: '2026-12-07', review_on: '2026-11-30', overdue: true, review_overdue: true };
    expect(cellActionWords(a)).toBe('Action off track, due 7 Dec 2026');
    expect(lateWords(a)).toEqual(['Past its due date', 'Review overdue']);
    expect(lateWords({ overdue: false, review_overdue: false })).toEqual([]);
  });

  it('writes months and quarters as HQ does, and counts quarters across years', () => {
    expect(monthWords('2026-09')).toBe('Sept 2026');
    expect(monthWords('2026-13')).toBe('an unknown month');
    expect(quarterWords('2026-Q4')).toBe('Oct to Dec 2026');
    expect(quarterWords('2026-Q3')).toBe('Jul to Sept 2026');
    expect(quarterOf('2026-12-07')).toBe('2026-Q4');
    expect(quarterOf('2027-01-01')).toBe('2027-Q1');
    expect(quarterPlus('2026-Q1', -1)).toBe('2025-Q4');
    expect(quarterPlus('2026-Q4', 1)).toBe('2027-Q1');
    expect(recentQuarters('2026-02-10', 3)).toEqual(['2026-Q1', '2025-Q4', '2025-Q3']);
    expect(lastMonth('2026-01-15')).toBe('2025-12');
    expect(lastMonth('2026-12-07')).toBe('2026-11');
  });

  it('writes outcome figures, targets and changes with their units, and whether a change is better', () => {
    expect(money(1234.5)).toBe('£1,234.50');
    expect(outcomeFigure('crime_change_yoy', -5)).toBe('5% down');
    expect(outcomeFigure('crime_change_yoy', 3.25)).toBe('3.3% up');
    expect(outcomeFigure('crime_change_yoy', 0)).toBe('No change');
    expect(outcomeFigure('confidence_business', 70)).toBe('70%');
    expect(outcomeFigure('cost_per_engagement', null)).toBe('No data');
    expect(outcomeTarget('confidence_public', 75)).toBe('Target at least 75%');
    expect(outcomeTarget('cost_per_patrol_hour', 40)).toBe('Target at most £40.00');
    expect(outcomeTarget('crime_change_yoy', -5)).toBe('Target 5% down or better');
    expect(outcomeTarget('crime_change_yoy', null)).toBe('No target set');
    const cost = { measure: 'cost_per_patrol_hour' } as OutcomeFigure;
    expect(outcomeChange(cost, 'up', 40, 'A year before')).toBe('A year before: £40.00 (now worse)');
    const conf = { measure: 'confidence_public' } as OutcomeFigure;
    expect(outcomeChange(conf, 'up', 60, 'Quarter before')).toBe('Quarter before: 60% (now better)');
    expect(outcomeChange(conf, 'same', 60, 'Quarter before')).toBe('Quarter before: 60% (no change)');
    expect(outcomeChange(conf, 'not_comparable', null, 'A year before')).toBe('A year before: no figure');
    const crime = { measure: 'crime_change_yoy' } as OutcomeFigure;
    expect(outcomeChange(crime, 'down', -2, 'Quarter before')).toBe('Quarter before: 2% down (now better)');
  });

  it('says what an import did', () => {
    expect(importWords({ rows: 1, imported: 1, outside_areas: 0, months: [], quarters: [], errors: [] })).toBe('1 row read, 1 imported.');
    expect(importWords({ rows: 1200, imported: 1100, outside_areas: 90, months: ['2026-10', '2026-11'], quarters: [], errors: [] })).toBe(
      '1,200 rows read, 1,100 imported, 90 outside every area. Months replaced: Oct 2026, Nov 2026.',
    );
    expect(importWords({ rows: 8, imported: 8, outside_areas: 0, months: [], quarters: ['2026-Q2', '2026-Q3'], errors: [] })).toBe(
      '8 rows read, 8 imported. Quarters: Apr to Jun 2026, Jul to Sept 2026.',
    );
  });
});
