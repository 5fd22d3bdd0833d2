import { describe, expect, it } from 'vitest';
import { PAGES, actionFromHash, hrefFor, hrefForAction, hrefForRecord, pageFromHash, recordFromHash } from './routes';

describe('routes', () => {
  it('round-trips every page through its href', () => {
    for (const page of PAGES) expect(pageFromHash(hrefFor(page.id))).toBe(page);
  });

  it('sends an empty or unknown hash Home', () => {
    expect(pageFromHash('').id).toBe('home');
    expect(pageFromHash('#main').id).toBe('home');
    expect(pageFromHash('#/nowhere').id).toBe('home');
  });

  it('opens a record by its address, on the Records page', () => {
    const id = '0190a0e0-0000-7000-8000-000000000001';
    expect(pageFromHash(hrefForRecord(id)).id).toBe('records');
    expect(recordFromHash(hrefForRecord(id))).toBe(id);
    expect(recordFromHash(hrefFor('records'))).toBeNull();
    expect(recordFromHash('#/home')).toBeNull();
  });

  it('opens an improvement action by its address, under Home', () => {
    const id = '0190a0e0-0000-7000-8000-00000000ac01';
    expect(actionFromHash(hrefForAction(id))).toBe(id);
    expect(pageFromHash(hrefForAction(id)).id).toBe('home');
    expect(actionFromHash(hrefForRecord(id))).toBeNull();
    expect(recordFromHash(hrefForAction(id))).toBeNull();
  });
});
