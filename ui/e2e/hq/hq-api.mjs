// @ts-check
/**
 * HQ's API as the dashboard's end-to-end tests call it directly (bearer tokens), beside the page.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

const HQ = process.env.HQ_URL ?? 'http://127.0.0.1:8080';
const PASSWORD = 'demo-password-1';

/** @param {string} path @param {string} token @param {unknown} [body] */
export async function api(path, token, body) {
  const r = await fetch(`${HQ}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.ok, `${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** @param {string} collar */
export async function staffToken(collar) {
  const r = await fetch(`${HQ}/api/v1/hq/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ collar_number: collar, password: PASSWORD }),
  });
  return (await r.json()).token;
}

/**
 * A report with its source details, pushed by a device speaking the sync protocol (the CLI does
 * not log intelligence). The device is enrolled with a code the administrator issues.
 * @param {string} collar
 * @param {{ content: string, name: string, contact: string, notes: string }} intel
 */
export async function submitWithSource(collar, { content, name, contact, notes }) {
  const code = (await api('/api/v1/hq/admin/enrolment-codes', await staffToken('AD0001'), {})).code;
  const id = randomUUID();
  const e = await (await fetch(`${HQ}/api/v1/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, device_id: id, device_name: `Tablet of ${collar}`, app_version: 'e2e' }) })).json();
  const s = await (await fetch(`${HQ}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device_id: id, device_secret: e.device_secret, collar_number: collar, password: PASSWORD }) })).json();
  const now = new Date();
  const review = new Date(now);
  review.setFullYear(review.getFullYear() + 6);
  const set = (/** @type {unknown} */ v) => ({ set: v });
  const text = (/** @type {string} */ v) => ({ text: { value: v, bases: [] } });
  const report = randomUUID();
  const op = (/** @type {number} */ seq, /** @type {string} */ record, /** @type {string} */ kind, /** @type {object} */ fields) => ({
    device_id: id, device_seq: seq, record_id: record, kind, author: collar, hlc: { wall_ms: now.getTime(), counter: seq }, action: 'put', fields,
  });
  const ops = [
    op(1, report, 'intel_report', {
      grade: set({ source: '2', intelligence: 'C', handling: { code: 'P' } }), security: set('official'), content: text(content), checks_made: text('PNC checked'),
      threat_to_life: set(false), location: set(null), areas: set(['tc-dalston']), source_id: set(null), review_state: set('submitted'), disseminated_to: set([]),
      legacy_grade: set(null), submitted_at: set(now.toISOString()), retention_review: set(review.toISOString().slice(0, 10)),
    }),
    op(2, randomUUID(), 'intel_source', {
      report_id: set(report), source_type: set('member_of_public'), name: set(name), contact: set(contact), relationship: set(null),
      notes: text(notes), recorded_at: set(now.toISOString()), retention_review: set(review.toISOString().slice(0, 10)),
    }),
  ];
  const r = await api('/api/v1/sync/push', s.access_token, { ops });
  assert.deepEqual(r.results.map((/** @type {{ outcome: string }} */ x) => x.outcome), ['applied', 'applied'], JSON.stringify(r));
}
