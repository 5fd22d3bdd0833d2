/**
 * The purpose of a look at personal data (issue 16; `beatbook_domain::purpose` on HQ). Staff give
 * it once per task; the page holds it for the force's set time (`purpose_minutes`) in
 * `sessionStorage` (it ends with the tab), and `hqCall` sends it with every call as the
 * `beatbook-purpose` header, form-encoded. HQ refuses a read of personal data without one
 * (`purpose_required`) and logs it with each read.
 */
import type { Purpose } from './bindings/Purpose';
import type { PurposeKind } from './bindings/PurposeKind';

export type { Purpose, PurposeKind };

/** The request header HQ reads (`beatbook_domain::purpose::HEADER`). */
export const PURPOSE_HEADER = 'beatbook-purpose';
const KEY = 'beatbook.hq.purpose';

/** A purpose the page holds: what was given, in words, and until when (ms since the epoch). */
export interface HeldPurpose extends Purpose {
  /** The purpose in words, as the page shows it (`Investigation CAD 1234`). */
  words: string;
  until: number;
}

function storage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

/** The purpose the page holds now, or `null` once it has run out (or none was given). */
export function currentPurpose(now = Date.now()): HeldPurpose | null {
  const raw = storage()?.getItem(KEY);
  if (!raw) return null;
  try {
    const held = JSON.parse(raw) as HeldPurpose;
    if (typeof held.until !== 'number' || held.until <= now) {
      dropPurpose();
      return null;
    }
    return held;
  } catch {
    dropPurpose();
    return null;
  }
}

/** Hold `purpose` for `minutes` (the force's `purpose_minutes`). */
export function holdPurpose(purpose: Purpose, words: string, minutes: number, now = Date.now()): HeldPurpose {
  const held: HeldPurpose = { ...purpose, words, until: now + minutes * 60_000 };
  storage()?.setItem(KEY, JSON.stringify(held));
  return held;
}

/** Give up the purpose held (the task is done, or staff sign out). */
export function dropPurpose() {
  storage()?.removeItem(KEY);
}

/** The header's value: `code=...&reference=...&note=...`, as HQ parses it. */
export function purposeHeaderValue(p: Purpose): string {
  const q = new URLSearchParams();
  q.set('code', p.code);
  if (p.reference) q.set('reference', p.reference);
  if (p.note) q.set('note', p.note);
  return q.toString();
}
