import { describe, expect, it } from 'vitest';
import { areaLabel, areaName, date, dateTime, number, plural, reference, sortAreas, time, todayInLondon, words } from './format';

describe('dates and times are written in British English, in UK time', () => {
  it('writes an instant as day, short month, year and 24-hour time', () => {
    expect(dateTime('2026-12-06T21:44:05.703419768Z')).toBe('6 Dec 2026, 21:44');
    expect(dateTime(new Date('2026-01-09T08:05:00Z'))).toBe('9 Jan 2026, 08:05');
  });

  it('keeps UK summer time', () => {
    expect(dateTime('2026-07-01T23:30:00Z')).toBe('2 Jul 2026, 00:30');
    expect(time('2026-07-01T17:00:00Z')).toBe('18:00');
    expect(date('2026-07-01T23:30:00Z')).toBe('2 Jul 2026');
  });

  it('writes a calendar date as that day, whatever the time zone', () => {
    expect(date('2027-03-06')).toBe('6 Mar 2027');
    expect(date('2026-12-31')).toBe('31 Dec 2026');
  });

  it('never shows an unreadable value as it came', () => {
    expect(dateTime('not a time')).toBe('unknown time');
    expect(date('')).toBe('unknown date');
  });

  it("knows today's date in London", () => {
    expect(todayInLondon(new Date('2026-07-01T23:30:00Z'))).toBe('2026-07-02');
    expect(todayInLondon(new Date('2026-12-06T23:30:00Z'))).toBe('2026-12-06');
  });
});

describe('counts and words', () => {
  it('says one and many properly', () => {
    expect(plural(1, 'change')).toBe('1 change');
    expect(plural(0, 'change')).toBe('0 changes');
    expect(plural(2, 'person', 'people')).toBe('2 people');
    expect(plural(12345, 'record')).toBe('12,345 records');
    expect(number(1000000)).toBe('1,000,000');
  });

  it('turns codes into words', () => {
    expect(words('in_progress')).toBe('In progress');
    expect(words('official_sensitive')).toBe('Official sensitive');
  });
});

describe('areas', () => {
  const areas = [
    { id: 'E05013655', name: 'Camden Town', kind: 'ward' as const },
    { id: 'tc-dalston', name: 'Dalston', kind: 'town_centre' as const },
    { id: 'tc-camden-town', name: 'Camden Town', kind: 'town_centre' as const },
    { id: 'E05013654', name: 'Belsize', kind: 'ward' as const },
  ];

  it('say whether they are a ward or a town centre', () => {
    expect(areaLabel(areas[0]!)).toBe('Camden Town (ward)');
    expect(areaLabel(areas[2]!)).toBe('Camden Town (town centre)');
    expect(areaName('tc-dalston', areas)).toBe('Dalston (town centre)');
    expect(areaName('E09999999', areas)).toBe('an area not on this device');
  });

  it("are sorted with the officer's own first, then by name", () => {
    expect(sortAreas(areas, ['tc-camden-town']).map((a) => a.id)).toEqual([
      'tc-camden-town',
      'E05013654',
      'E05013655',
      'tc-dalston',
    ]);
    expect(sortAreas(areas).map((a) => a.id)).toEqual(['E05013654', 'tc-camden-town', 'E05013655', 'tc-dalston']);
  });
});

describe('record references', () => {
  it('are the same as the Rust ones: the last 40 bits in Crockford base32', () => {
    expect(reference('019af0c2-5b1e-7c3a-9d4e-0123456789ab')).toBe('4D2P-F2DB');
    expect(reference('019af0c2-5b1e-7c3a-9d4e-000000000000')).toBe('0000-0000');
    expect(reference('019af0c2-5b1e-7c3a-9d4e-00ffffffffff')).toBe('ZZZZ-ZZZZ');
  });
  it('are empty for something that is not an id', () => {
    expect(reference('not an id')).toBe('');
  });
});
