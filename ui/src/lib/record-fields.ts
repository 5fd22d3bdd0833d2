/**
 * A record's fields as a person reads them, for the record page: area names, the category's
 * words, people as a list, `6 Dec 2026, 21:44`, handling and markings in words. Never JSON, an
 * id or an ISO timestamp: a field the page does not know is still written in words.
 */
import type { ConcernCategory } from './bindings/ConcernCategory';
import type { Grade } from './bindings/Grade';
import type { Location } from './bindings/Location';
import type { PersonInvolved } from './bindings/PersonInvolved';
import type { RecordKind } from './bindings/RecordKind';
import type { Team } from './bindings/Team';
import { categoryLabel } from './categories';
import { areaName, date, dateTime, plural, sentence, words, type NamedArea } from './format';

/** One line of the record page: a label and its value, or a list of values. */
export interface Field {
  label: string;
  value: string | string[];
}

/** What the page needs to put names to ids. */
export interface Names {
  areas: readonly NamedArea[];
  teams?: readonly Pick<Team, 'id' | 'name'>[];
}

const SOURCE: Record<string, string> = { '1': 'Reliable', '2': 'Untested', '3': 'Not reliable' };
const ASSESSMENT: Record<string, string> = {
  A: 'Known directly',
  B: 'Known indirectly, corroborated',
  C: 'Known indirectly',
  D: 'Not known',
  E: 'Suspected false',
};
const MARKING: Record<string, string> = { official: 'Official', official_sensitive: 'Official-Sensitive', secret: 'Secret' };
const REVIEW: Record<string, string> = {
  submitted: 'Submitted: waiting for the intelligence unit',
  reviewed: 'Reviewed by the intelligence unit',
  sanitised: 'Sanitised by the intelligence unit',
  disseminated: 'Shared by the intelligence unit',
};
/** Words for code values that `words` would write wrongly. */
const CODES: Record<string, string> = { cctv: 'CCTV', asb: 'ASB', vawg: 'VAWG' };

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A 3x5x2 grade in words: `2B C: Untested source; known indirectly, corroborated; share with conditions: …`. */
export function gradeWords(g: Grade): string {
  const handling = g.handling.code === 'P' ? 'Lawful sharing permitted' : `Sharing permitted with conditions: ${g.handling.conditions}`;
  return `${g.source}${g.intelligence} ${g.handling.code} (source ${SOURCE[g.source]?.toLowerCase() ?? 'unknown'}; ${ASSESSMENT[g.intelligence]?.toLowerCase() ?? 'unknown'}). ${handling}.`;
}

export function markingWords(m: string): string {
  return MARKING[m] ?? words(m);
}

export function categoryWords(c: ConcernCategory): string {
  const label = categoryLabel(c);
  return sentence(label.replace(/\bcctv\b/g, 'CCTV'));
}

/** A place as said, else where it was marked on the map. */
export function locationWords(l: Location): string {
  const place = l.place?.trim();
  const point = `${l.lat.toFixed(4)}, ${l.lon.toFixed(4)}`;
  return place ? `${place} (map position ${point})` : `Marked on the map at ${point}`;
}

/** "Witness: Jo Bloggs, tall, red coat. Said: “…” (fact)". */
export function personWords(p: PersonInvolved): string {
  const who = [p.name?.trim(), p.description?.trim()].filter(Boolean).join(', ') || 'no name or description taken';
  const said = p.statements.map((s) => ` Said: “${s.text}” (${s.basis}).`).join('');
  return `${sentence(p.role)}: ${who}.${said}`;
}

function teamName(id: string, names: Names): string {
  return names.teams?.find((t) => t.id === id)?.name ?? 'a team not on this device';
}

function areas(ids: unknown, names: Names): string[] {
  return Array.isArray(ids) ? ids.map((id) => areaName(String(id), names.areas)) : [];
}

/** Any value in words, for fields this page has no rule for. */
export function readable(v: unknown): string | string[] {
  if (v === null || v === undefined || v === '') return '';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (typeof v === 'number') return v.toLocaleString('en-GB');
  if (typeof v === 'string') {
    if (DAY.test(v)) return date(v);
    if (INSTANT.test(v)) return dateTime(v);
    if (UUID.test(v)) return 'another record';
    if (/^[a-z]+(_[a-z]+)*$/.test(v)) return CODES[v] ?? words(v);
    return v;
  }
  if (Array.isArray(v)) return v.flatMap((x) => readable(x)).filter((x) => x !== '');
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => {
        const r = readable(x);
        const text = Array.isArray(r) ? r.join(', ') : r;
        return text ? `${words(k)}: ${text}` : '';
      })
      .filter(Boolean)
      .join('; ');
  }
  return String(v);
}

type Body = Record<string, unknown>;
type Rule = (value: unknown, body: Body, names: Names) => string | string[];

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const day: Rule = (v) => (typeof v === 'string' && v ? date(v) : '');
const when: Rule = (v) => (typeof v === 'string' && v ? dateTime(v) : '');
const area: Rule = (v, _b, n) => (typeof v === 'string' && v ? areaName(v, n.areas) : '');
const areaList: Rule = (v, _b, n) => areas(v, n);
const place: Rule = (v) => (v && typeof v === 'object' ? locationWords(v as Location) : '');
const yesNo: Rule = (v) => (v ? 'Yes' : 'No');
/** Free text, as written. */
const text: Rule = (v) => (typeof v === 'string' ? v.trim() : readable(v));
const texts: Rule = (v) => (Array.isArray(v) ? v.map(String).filter((x) => x.trim()) : text(v, {}, { areas: [] }));

/** Per kind, the fields in the order a person reads them: label and how to write the value. */
const LAYOUT: Partial<Record<RecordKind, [key: string, label: string, rule?: Rule][]>> = {
  concern: [
    ['category', 'Category', (v) => (v ? categoryWords(v as ConcernCategory) : '')],
    ['description', 'Description', text],
    ['location', 'Where', place],
    ['areas', 'Areas', areaList],
    ['people', 'People', (v) => (Array.isArray(v) ? (v as PersonInvolved[]).map(personWords) : [])],
    ['consent_to_contact', 'May be contacted', yesNo],
    ['contact', 'Contact', text],
    ['priority', 'Priority'],
    ['status', 'Status'],
    [
      'crime_referral',
      'Crime referred',
      (v) => {
        if (!v || typeof v !== 'object') return 'No';
        const r = v as { category: string; reference: string | null };
        const what = sentence(r.category.replaceAll('-', ' '));
        return r.reference ? `${what}, crime reference ${r.reference}` : `${what} (no crime reference yet)`;
      },
    ],
    ['reported_at', 'Reported', when],
    ['retention_review', 'Retention review', day],
  ],
  intel_report: [
    ['grade', 'Grade', (v) => (v ? gradeWords(v as Grade) : '')],
    ['security', 'Marking', (v) => markingWords(str(v))],
    ['threat_to_life', 'Threat to life', yesNo],
    ['content', 'Intelligence', text],
    ['checks_made', 'Checks made', text],
    ['location', 'Where', place],
    ['areas', 'Areas', areaList],
    ['source_id', 'Source', (v) => (v ? 'Source details held apart, seen only by the intelligence unit' : 'No source record')],
    ['review_state', 'Review', (v) => REVIEW[str(v)] ?? words(str(v))],
    ['disseminated_to', 'Shared with', (v, _b, n) => (Array.isArray(v) ? v.map((t) => teamName(String(t), n)) : [])],
    ['legacy_grade', 'Older 5x5x5 grade', text],
    ['submitted_at', 'Submitted', when],
    ['retention_review', 'Retention review', day],
  ],
  meeting: [
    ['meeting_type', 'Meeting'],
    ['area_id', 'Area', area],
    ['held_on', 'Held on', day],
    ['venue', 'Venue', text],
    [
      'attendance',
      'Attendance',
      (v) => (Array.isArray(v) ? v.map((a: { role: string; count: number }) => `${sentence(a.role === 'police' ? 'police officers' : `${a.role}s`)}: ${a.count}`) : []),
    ],
    ['total_attendance', 'People there', (v) => (typeof v === 'number' ? plural(v, 'person', 'people') : '')],
    ['issues_raised', 'Issues raised', texts],
    ['votes', 'Votes', (v) => (Array.isArray(v) ? v.map((x: { title: string; votes: number }) => `${x.title}: ${plural(x.votes, 'vote')}`) : [])],
    ['agreed_priorities', 'Priorities agreed', texts],
    ['review_date', 'Review by', day],
    ['notes', 'Notes', text],
    ['retention_review', 'Retention review', day],
  ],
  priority: [
    ['area_id', 'Area', area],
    ['title', 'Priority', text],
    ['description', 'Description', text],
    ['status', 'Status'],
    ['agreed_on', 'Agreed on', day],
    ['last_reviewed_on', 'Last reviewed', day],
    ['scanning', 'Scanning', text],
    ['analysis', 'Analysis', text],
    [
      'responses',
      'Responses',
      (v) =>
        Array.isArray(v)
          ? v.map((r: { action: string; owner: string; due_on: string; done: boolean }) => `${r.action}: ${r.owner}, due ${date(r.due_on)}${r.done ? ', done' : ''}`)
          : [],
    ],
    ['assessment', 'Assessment', text],
    ['meeting_id', 'Agreed at', (v) => (v ? 'A neighbourhood meeting' : '')],
    ['retention_review', 'Retention review', day],
  ],
  patrol_log: [
    ['area_id', 'Area', area],
    ['hotspot', 'Hotspot', text],
    ['started_at', 'Started', when],
    ['ended_at', 'Ended', (v) => (typeof v === 'string' && v ? dateTime(v) : 'Under way')],
    ['notes', 'Notes', text],
    ['retention_review', 'Retention review', day],
  ],
  engagement: [
    ['engagement_type', 'Engagement'],
    ['area_id', 'Area', area],
    ['held_at', 'When', when],
    ['location', 'Where', place],
    ['attendees', 'People there', (v) => (typeof v === 'number' ? plural(v, 'person', 'people') : '')],
    ['notes', 'Notes', text],
    ['retention_review', 'Retention review', day],
  ],
};

/** Fields shown elsewhere on the record page (photos with their sync state). */
const ELSEWHERE = new Set(['photos']);

/** The record's fields in words, empty ones left out. */
export function recordFields(kind: RecordKind, body: unknown, names: Names): Field[] {
  const b = (body && typeof body === 'object' ? body : {}) as Body;
  const layout = LAYOUT[kind] ?? [];
  const known = new Set(layout.map(([k]) => k));
  const out: Field[] = [];
  for (const [key, label, rule] of layout) {
    if (!(key in b)) continue;
    const value = rule ? rule(b[key], b, names) : readable(b[key]);
    out.push({ label, value });
  }
  for (const [key, v] of Object.entries(b)) {
    if (known.has(key) || ELSEWHERE.has(key)) continue;
    out.push({ label: words(key), value: readable(v) });
  }
  return out.filter((f) => (Array.isArray(f.value) ? f.value.length > 0 : f.value !== ''));
}
