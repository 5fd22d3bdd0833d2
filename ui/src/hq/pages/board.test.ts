import { describe, expect, it } from 'vitest';
import { boardPeriod, changeWords, figure, periodWords } from './board';
import type { Board } from '../api';

describe('the board in words', () => {
  it('writes periods as days in en-GB', () => {
    expect(periodWords('2026-11-01', '2026-11-30')).toBe('1 Nov 2026 to 30 Nov 2026');
    expect(periodWords('2026-11-30', '2026-11-30')).toBe('30 Nov 2026');
    const board = { first_day: '2026-11-01', last_day: '2026-11-30', previous_first_day: '2026-10-02', previous_last_day: '2026-10-31' } as Board;
    expect(boardPeriod(board)).toEqual({ period: '1 Nov 2026 to 30 Nov 2026', previous: '2 Oct 2026 to 31 Oct 2026' });
  });

  it('writes figures with their units and the change on the previous period in words', () => {
    expect(figure(45.5, '%')).toBe('45.5%');
    expect(figure(12, 'hours a week')).toBe('12 hours a week');
    expect(figure(null, '%')).toBe('No data');
    expect(changeWords({ change: 'up', value: 50, previous: 40 }, '%')).toBe('Up from 40%');
    expect(changeWords({ change: 'down', value: 2, previous: 6.5 }, 'events a month')).toBe('Down from 6.5 events a month');
    expect(changeWords({ change: 'same', value: 1, previous: 1 }, '%')).toBe('No change');
    expect(changeWords({ change: 'not_comparable', value: 1, previous: null }, '%')).toBe('Nothing to compare with');
    expect(changeWords({ change: 'not_comparable', value: null, previous: 50 }, '%')).toBe('No figure now; was 50%');
  });
});
