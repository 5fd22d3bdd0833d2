// @ts-check
/**
 * A purpose for every look (issue 16), in Chromium against a real HQ (see run.mjs): an analyst
 * opening the records is asked why first (field errors in words), reads names and contact details
 * masked for a performance review, changes the purpose to an investigation with its reference and
 * reads them; the header shows the purpose held; ended, the next read asks again and cancelling
 * reads nothing; HQ asking again (a purpose it no longer accepts) re-opens the dialog in HQ's
 * words; sign-out drops it. Every request for records carried the purpose, and HQ's access log
 * has each read.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { audit, usePage } from '../browser.mjs';
import { givePurpose } from './purpose.mjs';
import { shot } from './shots.mjs';

const HQ = process.env.HQ_URL ?? 'http://127.0.0.1:8080';
const BIN = process.env.BEATBOOK_BIN ?? 'beatbook';
const TMP = process.env.E2E_TMP ?? '/tmp';
const PASSWORD = 'demo-password-1';
const env = { ...process.env, BEATBOOK_PIN: '246810', BEATBOOK_PASSWORD: PASSWORD };
const ctx = usePage({ viewport: { width: 1400, height: 900 } });

/** A staff member's bearer token. @param {string} collar */
async function token(collar) {
  const r = await fetch(`${HQ}/api/v1/hq/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ collar_number: collar, password: PASSWORD }),
  });
  assert.ok(r.ok, `sign-in ${collar}: ${r.status}`);
  return (await r.json()).token;
}

/** @param {string} path @param {string} bearer @param {unknown} [body] */
async function api(path, bearer, body) {
  const r = await fetch(`${HQ}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.ok, `${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The real headless device (`beatbook device`). @param {string} collar */
async function cliDevice(collar) {
  const dir = join(TMP, `device-${collar}-${randomUUID().slice(0, 8)}`);
  /** @param {string[]} args */
  const run = (...args) => execFileSync(BIN, ['device', '--data', dir, ...args], { env, encoding: 'utf8' });
  const code = (await api('/api/v1/hq/admin/enrolment-codes', await token('AD0001'), {})).code;
  run('init', '--officer', collar, '--insecure-fast-kdf');
  run('enrol', '--hq', HQ, '--code', code, '--name', `Tablet of ${collar}`);
  run('login', '--collar', collar);
  return run;
}

const DIALOG = 'Why are you looking at these records?';

describe('The purpose of a look', () => {
  it('is asked once per task, masks an analyst\'s reading unless it allows more, and is logged with every read', async () => {
    const tablet = await cliDevice('PC4127');
    tablet(
      'concern', 'add', '--category', 'asb:personal:intimidation_or_harassment',
      '--description', 'Jordan Marsh is followed home from the market every night; call Jordan on 020 7946 0123',
      '--lat', '51.539', '--lon', '-0.1426', '--place', '14 Pratt Street',
      '--person', 'victim:Jordan Marsh', '--consent', '--contact', '07700 900123',
    );
    tablet('sync');
    const mine = JSON.parse(tablet('list', '--kind', 'concern', '--json'));
    const concern = mine.find((/** @type {{ title: string }} */ r) => r.title.includes('followed home from the market'));
    assert.ok(concern, JSON.stringify(mine));

    const page = ctx.page;
    /** @type {string[]} */
    const sent = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/v1/hq/records')) sent.push(r.headers()['beatbook-purpose'] ?? '(none)');
    });
    await page.goto(`${HQ}/hq`);
    await page.getByLabel('Collar number').fill('AN0815');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Performance framework' }).waitFor();
    await page.getByRole('link', { name: 'Records' }).click();

    // Asked before the first read, which waits for it.
    const dialog = page.getByRole('dialog', { name: DIALOG });
    await dialog.waitFor();
    assert.deepEqual(sent, []);
    const purpose = dialog.getByLabel('Purpose', { exact: true });
    await purpose.locator('option', { hasText: 'Investigation' }).waitFor({ state: 'attached' });
    await dialog.getByRole('button', { name: 'Give purpose' }).click();
    await dialog.getByText('Choose the purpose.').waitFor();
    await purpose.selectOption({ label: 'Investigation' });
    await dialog.getByText('Names and contact details are shown for this purpose.').waitFor();
    await dialog.getByRole('button', { name: 'Give purpose' }).click();
    await dialog.getByText('Give the reference for investigation (a crime, incident or request number).').waitFor();
    assert.deepEqual(await audit(page, { header: null, minTarget: 0 }), [], 'the dialog reads in words');
    assert.deepEqual(sent, []);
    await purpose.selectOption({ label: 'Performance review' });
    await dialog.getByText('Names and contact details stay masked for this purpose.').waitFor();
    await shot(page, 'purpose-dialog');
    await dialog.getByRole('button', { name: 'Give purpose' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // Held in the header; the record is there, its person and contact details are not.
    const held = page.getByRole('status', { name: 'Purpose held' });
    assert.match((await held.textContent()) ?? '', /Purpose: Performance review — until \d\d:\d\d/);
    const list = page.getByRole('region', { name: 'Record list' });
    await list.getByRole('button', { name: /is followed home from the market every night/ }).first().click();
    const record = page.getByRole('region', { name: 'Record', exact: true });
    await record.getByRole('heading', { level: 2 }).waitFor();
    const masked = `${await list.textContent()} ${await record.textContent()}`;
    for (const secret of ['Jordan', 'Marsh', '7946', '07700', 'Pratt Street']) assert.ok(!masked.includes(secret), `${secret} shown: ${masked}`);
    assert.match(masked, /\[name withheld\] is followed home from the market every night; call \[name withheld\] on \[phone withheld\]/);
    assert.match(masked, /\[contact details withheld\]/);
    assert.ok(sent.length >= 2 && sent.every((h) => h === 'code=performance_review'), JSON.stringify(sent));

    // Changed to an investigation with its reference: the names are read.
    await held.getByRole('button', { name: 'Change purpose' }).click();
    await dialog.waitFor();
    assert.equal(await purpose.inputValue(), 'performance_review', 'what was given is offered again');
    await givePurpose(page, { purpose: 'Investigation', reference: 'CAD 1234/06DEC', note: 'Harassment reported by the victim' });
    assert.match((await held.textContent()) ?? '', /Purpose: Investigation CAD 1234\/06DEC: Harassment reported by the victim — until \d\d:\d\d/);
    await page.getByRole('button', { name: 'Search records' }).click();
    await list.getByRole('button', { name: /Jordan Marsh is followed home/ }).first().click();
    await record.getByText('Jordan Marsh', { exact: false }).first().waitFor();
    assert.match((await record.textContent()) ?? '', /07700 900123/);
    assert.equal(sent.at(-1), 'code=investigation&reference=CAD+1234%2F06DEC&note=Harassment+reported+by+the+victim');

    // HQ's access log has each read by the analyst, the masked ones said so.
    const admin = await token('AD0001');
    const log = await api(`/api/v1/hq/admin/audit?officer=AN0815&record=${concern.id}`, admin);
    /** @type {{ action: string; detail: string }[]} */
    const reads = log.access;
    const views = reads.filter((e) => e.action === 'view').map((e) => e.detail);
    assert.ok(views.includes('HQ record view (names and contact details masked)'), JSON.stringify(reads));
    assert.ok(views.includes('HQ record view'), JSON.stringify(reads));

    // Ended: the next read asks again, and cancelling reads nothing.
    await held.getByRole('button', { name: 'End purpose' }).click();
    await held.waitFor({ state: 'hidden' });
    const before = sent.length;
    await page.getByRole('button', { name: 'Search records' }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('alert').filter({ hasText: 'No records were read: give the purpose of this look to see them.' }).waitFor();
    assert.equal(sent.length, before);

    // A purpose HQ no longer accepts (the force changed its list): HQ says so and the dialog asks again.
    await page.evaluate(() =>
      sessionStorage.setItem('beatbook.hq.purpose', JSON.stringify({ code: 'curiosity', reference: null, note: '', words: 'Curiosity', until: Date.now() + 600_000 })),
    );
    await page.getByRole('button', { name: 'Search records' }).click();
    await dialog.getByText('HQ asked for the purpose again: "curiosity" is not one of this force\'s purposes.').waitFor();
    await givePurpose(page, { purpose: 'Performance review', reference: '' });
    await list.getByRole('button', { name: /is followed home from the market every night/ }).first().waitFor();
    assert.deepEqual(sent.slice(before), ['code=curiosity', 'code=performance_review']);

    // Sign-out drops it.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to HQ' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('beatbook.hq.purpose')), null);
    // The only errors: "who am I?" before sign-in (401) and the purpose HQ refused (400).
    assert.deepEqual(ctx.errors.filter((e) => !e.includes('401') && !e.includes('400')), []);
  });
});
