/**
 * How the tablet and the dashboard write dates, times, counts and areas for people: British
 * English whatever the device's locale (`6 Dec 2026, 21:44`), in UK time (the force's clock:
 * patrol peaks and shifts are London hours), never an ISO timestamp, an id or JSON.
 */
import type { AreaId } from './bindings/AreaId';
import type { AreaKind } from './bindings/AreaKind';

const LONDON = 'Europe/London';

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: LONDON,
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const dateFormat = new Intl.DateTimeFormat('en-GB', { timeZone: LONDON, day: 'numeric', month: 'short', year: 'numeric' });
const timeFormat = new Intl.DateTimeFormat('en-GB', { timeZone: LONDON, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
/** A calendar date (YYYY-MM-DD) is a day, not an instant: written as it is, in no time zone. */
const dayFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function instant(at: string | Date): Date | null {
  const d = at instanceof Date ? at : new Date(at);
  return Number.isNaN(d.getTime()) ? null : d;
}

function parts(f: Intl.DateTimeFormat, d: Date): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(d)) out[p.type] = p.value;
  return out;
}

/** `6 Dec 2026, 21:44` (UK time). An unreadable time is written as "unknown time". */
export function dateTime(at: string | Date): string {
  const d = instant(at);
  if (!d) return 'unknown time';
  const p = parts(dateTimeFormat, d);
  return `${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute}`;
}

/** `6 Dec 2026`: a calendar date (`2026-12-06`) as it is, an instant as its day in the UK. */
export function date(at: string | Date): string {
  if (typeof at === 'string' && DAY.test(at)) {
    const p = parts(dayFormat, new Date(`${at}T00:00:00Z`));
    return `${p.day} ${p.month} ${p.year}`;
  }
  const d = instant(at);
  if (!d) return 'unknown date';
  const p = parts(dateFormat, d);
  return `${p.day} ${p.month} ${p.year}`;
}

/** `21:44` (UK time). */
export function time(at: string | Date): string {
  const d = instant(at);
  if (!d) return 'unknown time';
  const p = parts(timeFormat, d);
  return `${p.hour}:${p.minute}`;
}

/** Today's date in the UK as YYYY-MM-DD: for date inputs' defaults. */
export function todayInLondon(now: Date = new Date()): string {
  const p = parts(new Intl.DateTimeFormat('en-GB', { timeZone: LONDON, year: 'numeric', month: '2-digit', day: '2-digit' }), now);
  return `${p.year}-${p.month}-${p.day}`;
}

/** A whole number with thousands separators: `12,345`. */
export function number(n: number): string {
  return n.toLocaleString('en-GB');
}

/** `1 change`, `3 changes`, `1 person` / `2 people` (give `many` when it is not `one` + s). */
export function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${number(n)} ${n === 1 ? one : many}`;
}

/** The first letter in capitals: `in progress` → `In progress`. */
export function sentence(s: string): string {
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

/** A code word as a person reads it: `in_progress` → `In progress`. */
export function words(code: string): string {
  return sentence(code.replace(/_/g, ' '));
}

export interface NamedArea {
  id: AreaId;
  name: string;
  kind: AreaKind;
}

/** What an area is, in words. */
export function areaKind(kind: AreaKind): string {
  return kind === 'ward' ? 'ward' : 'town centre';
}

/** `Camden Town (ward)`, `Camden Town (town centre)`: two areas can share a name. */
export function areaLabel(area: NamedArea): string {
  return `${area.name} (${areaKind(area.kind)})`;
}

/** An area's name from its id, or "an area not on this device" (never the id itself). */
export function areaName(id: AreaId, areas: readonly NamedArea[]): string {
  const a = areas.find((x) => x.id === id);
  return a ? areaLabel(a) : 'an area not on this device';
}

/** Areas for a picker: the officer's own first, then the rest; each part by name, then kind. */
export function sortAreas<A extends NamedArea>(areas: readonly A[], mine: readonly AreaId[] = []): A[] {
  const own = new Set(mine);
  return [...areas].sort(
    (a, b) =>
      Number(own.has(b.id)) - Number(own.has(a.id)) ||
      a.name.localeCompare(b.name, 'en-GB') ||
      a.kind.localeCompare(b.kind),
  );
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The reference an officer reads, says and writes down for a record, e.g. `7F3K-92QD`: the id's
 * last 40 bits in Crockford base32 (no I, L, O or U). The same as `RecordId::reference` in Rust.
 */
export function reference(id: string): string {
  const hex = id.replace(/-/g, '').slice(-10);
  if (!/^[0-9a-fA-F]{10}$/.test(hex)) return '';
  let bits = BigInt(`0x${hex}`);
  let out = '';
  for (let i = 0; i < 8; i++) {
    out = CROCKFORD[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return `${out.slice(0, 4)}-${out.slice(4)}`;
}
