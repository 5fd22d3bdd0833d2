// @ts-check
/**
 * HQ's API as the dashboard's end-to-end tests call it directly (bearer tokens), beside the page.
 */
import assert from 'node:assert/strict';

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
