// @ts-check
/**
 * Retention review against a real HQ (see run.mjs, which adds the records manager RM0001): two
 * concerns reported three years ago (so past their two-year review) reach HQ from one tablet and
 * a teammate's tablet pulls them; the records manager retains one with a reason and disposes of
 * the other on the dashboard; at their next sync neither tablet holds the disposed record, and
 * both still hold the retained one.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { audit, usePage } from '../browser.mjs';

const HQ = process.env.HQ_URL ?? 'http://127.0.0.1:8080';
const BIN = process.env.BEATBOOK_BIN ?? 'beatbook';
const TMP = process.env.E2E_TMP ?? '/tmp';
const PASSWORD = 'demo-password-1';
const shots = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'screenshots');
const env = { ...process.env, BEATBOOK_PIN: '246810', BEATBOOK_PASSWORD: PASSWORD };

const ctx = usePage({ viewport: { width: 1400, height: 900 } });

/** @param {string} name */
async function shot(name) {
  if (process.env.HQ_E2E_SCREENSHOTS !== '1') return;
  mkdirSync(shots, { recursive: true });
  await ctx.page.screenshot({ path: join(shots, `hq-${name}.png`), fullPage: true });
}

async function enrolmentCode() {
  const login = await fetch(`${HQ}/api/v1/hq/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ collar_number: 'AD0001', password: PASSWORD }),
  });
  const { token } = await login.json();
  const r = await fetch(`${HQ}/api/v1/hq/admin/enrolment-codes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  assert.ok(r.ok, `enrolment code: ${r.status}`);
  return (await r.json()).code;
}

/** The real headless device: `beatbook device`. @param {string} collar @param {string} name */
async function cliDevice(collar, name) {
  const dir = join(TMP, `device-${collar}-${randomUUID().slice(0, 8)}`);
  /** @param {string[]} args */
  const run = (...args) => execFileSync(BIN, ['device', '--data', dir, ...args], { env, encoding: 'utf8' });
  run('init', '--officer', collar, '--insecure-fast-kdf');
  run('enrol', '--hq', HQ, '--code', await enrolmentCode(), '--name', name);
  run('login', '--collar', collar);
  /** Every concern the device holds, as text. */
  const concerns = () => run('list', '--kind', 'concern', '--limit', '1000', '--json');
  return { run, concerns };
}

describe('Retention review', () => {
  it('lets the records manager retain one record and dispose of another, which leaves every tablet at its next sync', async () => {
    const tag = randomUUID().slice(0, 6);
    const keep = `Retention check ${tag}: drinking in the churchyard, reported long ago`;
    const gone = `Retention check ${tag}: shouting outside number 12, reported long ago`;
    // Three years ago: a concern is reviewed two years after it was reported, so these are overdue.
    const longAgo = new Date(Date.now() - 3 * 365 * 86_400_000).toISOString();
    const author = await cliDevice('PC4127', 'Camden TCT tablet (retention)');
    for (const description of [keep, gone]) {
      author.run('concern', 'add', '--category', 'asb:nuisance:street_drinking', '--description', description, '--lat', '51.539', '--lon', '-0.1426', '--reported-at', longAgo);
    }
    author.run('sync');
    const teammate = await cliDevice('PC2290', 'Camden SNT tablet (retention)');
    teammate.run('sync');
    for (const device of [author, teammate]) {
      const held = device.concerns();
      assert.ok(held.includes(keep) && held.includes(gone), `before review the tablet holds both: ${held}`);
    }

    const page = ctx.page;
    await page.goto(`${HQ}/hq`);
    await page.getByLabel('Collar number').fill('RM0001');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Retention review' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Dashboard' });
    assert.deepEqual(await nav.getByRole('link').allTextContents(), ['Retention review'], 'the records manager has the retention page only');

    const list = page.getByRole('table', { name: 'Records due for review' });
    const keepRow = list.getByRole('row').filter({ hasText: keep });
    const goneRow = list.getByRole('row').filter({ hasText: gone });
    await keepRow.waitFor();
    await goneRow.waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(await audit(page, { header: null }), [], 'the retention page is fit for its reader');

    // Retain: a year from now, with a reason.
    await keepRow.getByRole('checkbox').check();
    const form = page.getByRole('form', { name: 'Decision' });
    await form.getByText(/The latest allowed is \d{1,2} [A-Z][a-z]{2} \d{4}/).waitFor();
    const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    await form.getByLabel('Retain until').fill(inAYear);
    await form.getByLabel('Reason').fill('Still a problem in the churchyard: review again next year');
    await shot('retention');
    await form.getByRole('button', { name: 'Retain 1 record' }).click();
    await page.getByRole('status').filter({ hasText: /^1 record retained until \d{1,2} [A-Z][a-z]{2} \d{4}\.$/ }).waitFor();
    // Retained until next year, it is no longer overdue.
    await keepRow.waitFor({ state: 'detached' });

    // Dispose: asked first, then done.
    await goneRow.getByRole('checkbox').check();
    await form.getByRole('radio', { name: /Dispose of/ }).check();
    await form.getByLabel('Reason').fill('Past review with no further policing purpose');
    await form.getByRole('button', { name: 'Dispose of 1 record' }).click();
    const dialog = page.getByRole('dialog', { name: 'Dispose of 1 record?' });
    await dialog.getByText('This cannot be undone').waitFor();
    await shot('retention-dispose');
    await dialog.getByRole('button', { name: 'Dispose of 1 record' }).click();
    await page.getByRole('status').filter({ hasText: '1 record disposed of.' }).waitFor();
    await goneRow.waitFor({ state: 'detached' });

    const log = page.getByRole('table', { name: 'Latest decisions' });
    const disposed = log.getByRole('row').filter({ hasText: 'Past review with no further policing purpose' });
    assert.match((await disposed.textContent()) ?? '', /Grace Whitfield.*Disposed of/);
    const retained = log.getByRole('row').filter({ hasText: 'Still a problem in the churchyard' });
    assert.match((await retained.textContent()) ?? '', /Retained until \d{1,2} [A-Z][a-z]{2} \d{4}/);
    await page.waitForLoadState('networkidle');
    assert.deepEqual(await audit(page, { header: null }), [], 'the page after the decisions is fit for its reader');
    // The one 401 is the dashboard asking who is signed in before anyone is.
    assert.deepEqual(ctx.errors.filter((e) => !e.includes('401')), []);

    // Each tablet's next sync removes the disposed record and keeps the retained one.
    for (const device of [author, teammate]) {
      device.run('sync');
      const held = device.concerns();
      assert.ok(!held.includes(gone), `the disposed record is still on a tablet: ${held}`);
      assert.ok(held.includes(keep), `the retained record left a tablet: ${held}`);
      assert.equal(device.run('search', 'shouting outside number', '--json').trim(), '[]', 'the search index no longer finds it');
    }
  });
});
