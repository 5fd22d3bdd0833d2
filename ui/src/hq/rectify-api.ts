/**
 * The data protection officer's record (issue 16): `/api/v1/hq/data-protection/records/{id}`
 * (`crates/hq/src/dashboard/data_protection.rs`): the record with its earlier text versions and
 * restriction, a correction (a field, or removing a text's earlier versions) with a note, and a
 * restriction with its reason and its lifting. Every call goes through `hqCall`, which sends the
 * purpose the page holds (the subject's request); HQ logs each with it.
 *
 * `DpRecord.svelte` takes a `RectifyApi` (default: `httpRectifyApi`), so its tests pass a fake.
 */
import { hqCall } from './api';
import type { DpField } from './bindings/DpField';
import type { DpLogItem } from './bindings/DpLogItem';
import type { DpRecord } from './bindings/DpRecord';
import type { DpRestriction } from './bindings/DpRestriction';
import type { DpText } from './bindings/DpText';
import type { DpVersion } from './bindings/DpVersion';
import type { RectifyRequest } from './bindings/RectifyRequest';

export type { DpField, DpLogItem, DpRecord, DpRestriction, DpText, DpVersion, RectifyRequest };

export interface RectifyApi {
  /** The record as the data protection officer reads it (logged as a view). */
  record(id: string): Promise<DpRecord>;
  /** Correct a field or remove a text's earlier versions; the record as it is then. */
  rectify(id: string, req: RectifyRequest): Promise<DpRecord>;
  /** Restrict the record with a reason. */
  restrict(id: string, reason: string): Promise<DpRecord>;
  /** Lift its restriction with a note. */
  lift(id: string, note: string): Promise<DpRecord>;
}

const path = (id: string, rest = '') => `/data-protection/records/${encodeURIComponent(id)}${rest}`;

export const httpRectifyApi: RectifyApi = {
  record: (id) => hqCall<DpRecord>('GET', path(id)),
  rectify: (id, req) => hqCall<DpRecord>('POST', path(id, '/rectify'), req),
  restrict: (id, reason) => hqCall<DpRecord>('POST', path(id, '/restrict'), { reason }),
  lift: (id, note) => hqCall<DpRecord>('POST', path(id, '/lift'), { note }),
};

/** Whether a field's value is corrected in a one-line box (text, number, yes/no or empty). */
export function plainValue(v: unknown): boolean {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

/**
 * The value to send for a plain field corrected in a box, keeping the field's type: a number
 * stays a number, yes/no a boolean, and an emptied box is "none" (`null`). `undefined` when the
 * words cannot be read as the field's type (HQ would refuse them): the page says so.
 */
export function correctedValue(old: unknown, words: string): unknown {
  const t = words.trim();
  if (typeof old === 'number') {
    if (t === '') return null;
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  }
  if (typeof old === 'boolean') {
    const w = t.toLowerCase();
    if (w === 'yes') return true;
    if (w === 'no') return false;
    return undefined;
  }
  return t === '' ? null : t;
}

/** A plain value in a box, as a person types it. */
export function valueWords(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  return String(v);
}
