import { describe, expect, it } from 'vitest';
import { PAGES, hrefFor, pageFromHash } from './routes';

describe('routes', () => {
  it('round-trips every page through its href', () => {
    for (const page of PAGES) expect(pageFromHash(hrefFor(page.id))).toBe(page);
  });

  it('sends an empty or unknown hash Home', () => {
    expect(pageFromHash('').id).toBe('home');
    expect(pageFromHash('#main').id).toBe('home');
    expect(pageFromHash('#/nowhere').id).toBe('home');
  });
});
