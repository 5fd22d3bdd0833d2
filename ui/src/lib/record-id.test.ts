import { describe, expect, it } from 'vitest';
import { newRecordId } from './record-id';

describe('newRecordId', () => {
  it('makes a UUIDv7 that sorts by the time it was made', () => {
    const a = newRecordId(Date.UTC(2026, 11, 6, 21, 44));
    const b = newRecordId(Date.UTC(2026, 11, 6, 21, 45));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    expect(newRecordId()).not.toBe(newRecordId());
  });

  it('writes the time in the first 48 bits', () => {
    const id = newRecordId(0x0123456789ab, (b) => b.fill(0));
    expect(id).toBe('01234567-89ab-7000-8000-000000000000');
  });
});
