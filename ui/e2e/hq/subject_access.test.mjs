// @ts-check
/**
 * A subject access request end to end against a real HQ (see run.mjs), issue 16: a tablet (the
 * real `beatbook device` CLI) records a concern naming the person and syncs; a device speaking the
 * sync protocol submits raw intelligence about them with its source, who names them too. The data
 * protection officer (DP0001) gives the request's reference as the purpose, searches ("Kowalczyk,
 * Marta") and sees the concern while the intelligence and the source are only listed as withheld;
 * makes the request. The intelligence unit (DC7740) discloses the report redacted and withholds
 * the source under an exemption. The data protection officer exports the pack: opened and checked
 * (the disclosure history, the decisions; the source's name and details nowhere in the officer's
 * pages or the pack). Every step is in the access log, read through the administrator's audit API.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { audit, usePage } from '../browser.mjs';
import { api, staffToken, submitWithSource } from './hq-api.mjs';
import { givePurpose } from './purpose.mjs';
import { shot } from './shots.mjs';

const HQ = process.env.HQ_URL ?? 'http://127.0.0.1:8080';
const BIN = process.env.BEATBOOK_BIN ?? 'beatbook';
const TMP = process.env.E2E_TMP ?? '/tmp';
const PASSWORD = 'demo-password-1';
const env = { ...process.env, BEATBOOK_PIN: '246810', BEATBOOK_PASSWORD: PASSWORD };
const ctx = usePage({ viewport: { width: 1400, height: 900 } });

const SOURCE_NAME = 'Jan Brzezinski';
const SOURCE_PHONE = '07700 900456';
const SOURCE_NOTES = 'Lives next door to Marta Kowalczyk, works at the bakery';
const RAW = 'Marta Kowalczyk is storing stolen bikes in the garage at 4 Elm Row';
const REDACTED = 'Marta Kowalczyk is said to be storing stolen bikes [address redacted]';
/** Nothing of the source (or the raw report's address) may reach the data protection officer. */
const SECRETS = [SOURCE_NAME, 'Brzezinski', SOURCE_PHONE, '900456', 'bakery', 'Elm Row'];


async function enrolmentCode() {
  return (await api('/api/v1/hq/admin/enrolment-codes', await staffToken('AD0001'), {})).code;
}

/** The real headless device. @param {string} collar */
async function cliDevice(collar) {
  const dir = join(TMP, `device-${collar}-${randomUUID().slice(0, 8)}`);
  /** @param {string[]} args */
  const run = (...args) => execFileSync(BIN, ['device', '--data', dir, ...args], { env, encoding: 'utf8' });
  run('init', '--officer', collar, '--insecure-fast-kdf');
  run('enrol', '--hq', HQ, '--code', await enrolmentCode(), '--name', `Tablet of ${collar} (subject access)`);
  run('login', '--collar', collar);
  return { run };
}

/** @param {string} collar */
async function signIn(collar) {
  const page = ctx.page;
  await page.goto(`${HQ}/hq`);
  const heading = page.getByRole('heading', { level: 1 }).first();
  await heading.waitFor();
  if ((await heading.textContent()) !== 'Sign in to HQ') {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to HQ' }).waitFor();
  }
  await page.getByLabel('Collar number').fill(collar);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** The page shows nothing of the source. @param {string} where */
async function assertNoSource(where) {
  const text = (await ctx.page.locator('body').innerText()) + (await ctx.page.content());
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} shows “${s}”`);
}

describe('Subject access', () => {
  it('answers a request in full without exposing the source, every step logged', async () => {
    const page = ctx.page;
    const reference = `SAR-E2E-${randomUUID().slice(0, 4).toUpperCase()}`;
    const tablet = await cliDevice('PC4127');
    tablet.run('concern', 'add', '--category', 'asb:nuisance:street_drinking', '--description', 'Marta Kowalczyk shouting at passers-by outside the station', '--lat', '51.539', '--lon', '-0.1426');
    tablet.run('sync');
    await submitWithSource('PC3318', { content: RAW, name: SOURCE_NAME, contact: SOURCE_PHONE, notes: SOURCE_NOTES });

    // The data protection officer: the reference is the purpose; the search.
    await signIn('DP0001');
    await page.getByRole('heading', { level: 1, name: 'Subject access requests' }).waitFor();
    await page.getByLabel('Name').fill('Kowalczyk, Marta');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('alert').filter({ hasText: 'Give the reference of the subject access request first' }).waitFor();
    await page.getByLabel('Request reference').fill(reference);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText(`Purpose: Subject access request ${reference}`).waitFor();
    await page.getByRole('status').filter({ hasText: '3 records found for name “Kowalczyk, Marta”: 1 shown, 2 withheld' }).waitFor();
    await page.getByRole('link', { name: /Concern: .*Marta Kowalczyk shouting/ }).waitFor();
    assert.equal(await page.getByText("Intelligence: Withheld for the intelligence unit's review").count(), 2);
    await assertNoSource('the search');
    await page.waitForLoadState('networkidle');
    assert.deepEqual(await audit(page, { header: null, minTarget: 0 }), [], 'the subject access page is fit to read');
    await shot(page, 'subject-access');
    await page.getByRole('button', { name: `Make request ${reference} from this search` }).click();
    await page.getByRole('heading', { name: `Request ${reference}` }).waitFor();
    await page.getByRole('status').filter({ hasText: '1 record shown, 2 records withheld' }).waitFor();
    await assertNoSource('the request');

    // The intelligence unit decides.
    await signIn('DC7740');
    // The intelligence page reads the review queue first, so the dashboard asks why.
    await givePurpose(page, { purpose: 'Subject access request', reference });
    await page.getByRole('link', { name: 'Subject access review' }).click();
    await page.getByRole('heading', { level: 1, name: 'Subject access review' }).waitFor();
    const report = page.getByRole('article', { name: /^Intelligence report/ }).filter({ hasText: reference });
    const source = page.getByRole('article', { name: /^Source details/ }).filter({ hasText: reference });
    await report.waitFor();
    await source.getByText(SOURCE_NOTES).first().waitFor({ state: 'attached' });
    await report.getByLabel('Disclose redacted').check();
    await report.getByLabel('Text to disclose').fill(REDACTED);
    await shot(page, 'subject-access-review');
    await report.getByLabel('Reason').fill('The address would point to the source');
    await report.getByRole('button', { name: 'Record the decision' }).click();
    await page.getByRole('status').filter({ hasText: 'Decision recorded' }).waitFor();
    await source.getByLabel('Withhold under an exemption').check();
    // No exemption chosen: refused, with the field named.
    await source.getByLabel('Reason').fill('Disclosure would identify the source');
    await source.getByRole('button', { name: 'Record the decision' }).click();
    await source.getByRole('alert').filter({ hasText: 'choose the exemption' }).waitFor();
    await source.getByRole('combobox').selectOption({ label: 'DPA s.45(4)(b): prejudice to the prevention or detection of crime' });
    await source.getByRole('button', { name: 'Record the decision' }).click();
    await page.getByRole('heading', { name: 'Decided' }).waitFor();
    await page.getByRole('article').filter({ hasText: reference }).waitFor({ state: 'detached' });

    // The data protection officer: the decisions, and the pack.
    await signIn('DP0001');
    await page.getByRole('button', { name: reference }).click();
    await page.getByRole('heading', { name: `Request ${reference}` }).waitFor();
    await page.getByText(REDACTED).waitFor();
    await page.getByText('Exemption: DPA s.45(4)(b): prejudice to the prevention or detection of crime').waitFor();
    await assertNoSource('the request with its decisions');
    await shot(page, 'subject-access-request');
    const packLink = page.getByRole('link', { name: 'Open the pack to print' });
    const href = await packLink.getAttribute('href');
    assert.ok(href?.endsWith('/pack.html'), String(href));
    const [packPage] = await Promise.all([page.context().waitForEvent('page'), packLink.click()]);
    await packPage.waitForLoadState();
    await shot(packPage, 'subject-access-pack');
    const pack = await packPage.locator('body').innerText();
    await packPage.close();
    for (const want of [
      `Subject access request ${reference}`,
      'Marta Kowalczyk shouting at passers-by',
      'Disclosure history',
      'PC Amira Khan (PC4127)',
      'Sent to a device',
      `Subject access request ${reference}`,
      REDACTED,
      'Withhold',
      'prejudice to the prevention or detection of crime',
      'Decided by DC Sam Okafor (DC7740)',
    ]) {
      assert.ok(pack.includes(want), `the pack says “${want}”:\n${pack}`);
    }
    for (const s of [...SECRETS, RAW]) assert.ok(!pack.includes(s), `the pack shows “${s}”`);
    assert.doesNotMatch(pack, /\d{4}-\d{2}-\d{2}T/, 'dates in words');
    const json = await (await page.request.get(`${HQ}${href?.replace('pack.html', 'pack.json')}`)).text();
    for (const s of SECRETS) assert.ok(!json.includes(s), `the JSON pack shows “${s}”`);
    const parsed = JSON.parse(json);
    assert.equal(parsed.reference, reference);
    assert.equal(parsed.records.length, 1);
    assert.ok(parsed.records[0].disclosures.some((/** @type {{ to: string, how: string }} */ d) => d.to === 'PC Amira Khan (PC4127)' && d.how === 'Sent to a device'));

    // Every step in the access log, read through the administrator's audit API.
    const admin = await staffToken('AD0001');
    const dp = (await api('/api/v1/hq/admin/audit?officer=DP0001&limit=100', admin)).access.map((/** @type {{ what: string }} */ a) => a.what);
    for (const want of ['Subject access search', 'Subject access request', 'Subject access export']) {
      assert.ok(dp.includes(want), `${want} in ${dp}`);
    }
    const unit = (await api('/api/v1/hq/admin/audit?officer=DC7740&limit=100', admin)).access.map((/** @type {{ what: string }} */ a) => a.what);
    for (const want of ['Subject access review', 'Subject access redaction']) {
      assert.ok(unit.includes(want), `${want} in ${unit}`);
    }
  });
});
