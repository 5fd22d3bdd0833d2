// @ts-check
/**
 * The HQ dashboard against a real HQ (see run.mjs): sign-in per role, a red target and its
 * records, browsing records, intelligence review reaching a team's device, and revocation wiping
 * a device.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { usePage } from '../browser.mjs';
import { paintsColour, pdfPages, pdfStreams, pdfTitle } from './pdf.mjs';
import { givePurpose } from './purpose.mjs';

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

/** @param {string} collar */
async function signIn(collar) {
  const page = ctx.page;
  await page.goto(`${HQ}/hq`);
  await page.getByLabel('Collar number').fill(collar);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** @param {string} path @param {string} token @param {unknown} [body] */
async function api(path, token, body) {
  const r = await fetch(`${HQ}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.ok, `${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function enrolmentCode() {
  const login = await fetch(`${HQ}/api/v1/hq/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ collar_number: 'AD0001', password: PASSWORD }),
  });
  const { token } = await login.json();
  return (await api('/api/v1/hq/admin/enrolment-codes', token, {})).code;
}

/** The real headless device: `beatbook device`. @param {string} collar @param {string} name */
async function cliDevice(collar, name) {
  const dir = join(TMP, `device-${collar}-${randomUUID().slice(0, 8)}`);
  /** @param {string[]} args */
  const run = (...args) => execFileSync(BIN, ['device', '--data', dir, ...args], { env, encoding: 'utf8' });
  run('init', '--officer', collar, '--insecure-fast-kdf');
  run('enrol', '--hq', HQ, '--code', await enrolmentCode(), '--name', name);
  run('login', '--collar', collar);
  return { dir, run };
}

/** A device speaking the sync protocol from here, to submit intelligence. @param {string} collar */
async function protocolDevice(collar) {
  const id = randomUUID();
  const e = await (await fetch(`${HQ}/api/v1/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: await enrolmentCode(), device_id: id, device_name: `Tablet of ${collar}`, app_version: 'e2e' }),
  })).json();
  const s = await (await fetch(`${HQ}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ device_id: id, device_secret: e.device_secret, collar_number: collar, password: PASSWORD }),
  })).json();
  let seq = 0;
  return {
    /** @param {string} content @param {string} area */
    async submitIntel(content, area) {
      const now = new Date();
      const review = new Date(now);
      review.setFullYear(review.getFullYear() + 6);
      const set = (/** @type {unknown} */ v) => ({ set: v });
      const op = {
        device_id: id,
        device_seq: ++seq,
        record_id: randomUUID(),
        kind: 'intel_report',
        author: collar,
        hlc: { wall_ms: now.getTime(), counter: 0 },
        action: 'put',
        fields: {
          grade: set({ source: '2', intelligence: 'C', handling: { code: 'P' } }),
          security: set('official'),
          content: { text: { value: content, bases: [] } },
          checks_made: { text: { value: 'PNC checked', bases: [] } },
          threat_to_life: set(false),
          location: set(null),
          areas: set([area]),
          source_id: set(null),
          review_state: set('submitted'),
          disseminated_to: set([]),
          legacy_grade: set(null),
          submitted_at: set(now.toISOString()),
          retention_review: set(review.toISOString().slice(0, 10)),
        },
      };
      const r = await api('/api/v1/sync/push', s.access_token, { ops: [op] });
      assert.equal(r.results[0].outcome, 'applied', JSON.stringify(r));
      return op.record_id;
    },
    /** The restricted source record of a report. @param {string} report @param {string} name @param {string} contact */
    async submitSource(report, name, contact) {
      const now = new Date();
      const review = new Date(now);
      review.setFullYear(review.getFullYear() + 6);
      const set = (/** @type {unknown} */ v) => ({ set: v });
      const op = {
        device_id: id,
        device_seq: ++seq,
        record_id: randomUUID(),
        kind: 'intel_source',
        author: collar,
        hlc: { wall_ms: now.getTime(), counter: 1 },
        action: 'put',
        fields: {
          report_id: set(report),
          source_type: set('member_of_public'),
          name: set(name),
          contact: set(contact),
          relationship: set('Neighbour of the dealer'),
          notes: { text: { value: 'Met at the corner shop', bases: [] } },
          recorded_at: set(now.toISOString()),
          retention_review: set(review.toISOString().slice(0, 10)),
        },
      };
      const r = await api('/api/v1/sync/push', s.access_token, { ops: [op] });
      assert.equal(r.results[0].outcome, 'applied', JSON.stringify(r));
      return op.record_id;
    },
  };
}

describe('HQ dashboard', () => {
  it('gives each role its own pages and refuses officers', async () => {
    const page = ctx.page;
    await signIn('PC4127');
    await page.getByRole('alert').filter({ hasText: 'officers use the tablet app' }).waitFor();
    await shot('sign-in');

    for (const [collar, expected, hidden] of [
      ['PS1102', 'Performance framework', 'Administration'],
      ['AN0815', 'Performance framework', 'Intelligence review'],
      ['DC7740', 'Intelligence review', 'Performance framework'],
      ['AD0001', 'Performance framework', 'Intelligence review'],
    ]) {
      await signIn(collar);
      await page.getByRole('heading', { level: 1, name: expected }).waitFor();
      // The intelligence review opens on the queue, a read of records: the purpose first.
      if (expected === 'Intelligence review') await givePurpose(page);
      const nav = page.getByRole('navigation', { name: 'Dashboard' });
      assert.equal(await nav.getByRole('link', { name: hidden }).count(), 0, `${collar} sees ${hidden}`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in to HQ' }).waitFor();
    }
    assert.deepEqual(ctx.errors.filter((e) => !e.includes('401') && !e.includes('403')), []);
  });

  it('shows a supervisor a red target and the records behind it', async () => {
    const tablet = await cliDevice('PC4127', 'Camden TCT tablet');
    const fiveDaysAgo = new Date(Date.now() - 5 * 86_400_000).toISOString();
    tablet.run('concern', 'add', '--category', 'asb:nuisance:street_drinking', '--description', 'Street drinking outside the station, every evening', '--lat', '51.539', '--lon', '-0.1426', '--reported-at', fiveDaysAgo);
    tablet.run('sync');

    const page = ctx.page;
    await signIn('PS1102');
    await page.getByRole('heading', { level: 1, name: 'Performance framework' }).waitFor();
    const cell = page.getByRole('button', { name: /Camden Town Centre Team, Concerns answered within 72 hours.*show the 1 record$/ });
    await cell.waitFor();
    const td = cell.locator('xpath=ancestor::td');
    assert.match((await td.textContent()) ?? '', /Below target/);
    await shot('framework');
    await cell.click();
    // The records behind a figure: the purpose first (issue 16).
    await givePurpose(page, { purpose: 'Supervision of my team', reference: '' });
    const drill = page.getByRole('region', { name: 'Records behind the cell' });
    await drill.getByText('Street drinking outside the station').waitFor();
    assert.match((await drill.getByRole('listitem').first().textContent()) ?? '', /Missed/);
    await shot('drill-down');
  });

  it('reviews and disseminates a report, which reaches the team device at its next sync', async () => {
    const author = await protocolDevice('PC3318');
    const raw = await author.submitIntel('Alex Stone (my neighbour, 07700 900456) says crack is sold from a blue car on Kingsland Road at night', 'tc-dalston');
    await author.submitSource(raw, 'Alex Stone', '07700 900456');
    const hackney = await cliDevice('PC5071', 'Hackney TCT tablet');
    hackney.run('sync');
    assert.equal(JSON.parse(hackney.run('list', '--kind', 'intel_report', '--json')).length, 0);

    const page = ctx.page;
    await signIn('DC7740');
    await page.getByRole('heading', { level: 1, name: 'Intelligence review' }).waitFor();
    await givePurpose(page);
    await page.getByRole('button', { name: /crack is sold from a blue car/ }).click();
    // Text that still points to the source: HQ says what, in words, under the text.
    await page.getByLabel('Sanitised text').fill('A. Stone says crack is sold from a blue car; ring 077-009-004-56');
    await page.getByLabel('Hackney Town Centre Team').check();
    const share = page.getByRole('button', { name: 'Disseminate' });
    assert.equal(await share.isDisabled(), true, 'not before every check is confirmed');
    const checks = page.getByRole('group', { name: 'Checks before sharing' });
    for (const box of await checks.getByRole('checkbox').all()) await box.check();
    await share.click();
    const found = page.getByRole('alert', { name: 'What still points to the source' });
    await found.getByText('“Stone” is part of the source\'s name').waitFor();
    assert.match((await found.textContent()) ?? '', /“077-009-004-56” is the source's phone number/);
    await shot('intel-review-findings');
    await page.getByLabel('Sanitised text').fill('Crack cocaine is reported to be sold from a blue car on Kingsland Road at night');
    await shot('intel-review');
    await share.click();
    await page.getByRole('status').filter({ hasText: 'reaches their devices at their next sync' }).waitFor();

    hackney.run('sync');
    const got = JSON.parse(hackney.run('list', '--kind', 'intel_report', '--json'));
    assert.equal(got.length, 1, JSON.stringify(got));
    const text = JSON.stringify(got);
    assert.match(text, /Crack cocaine is reported to be sold from a blue car/);
    assert.doesNotMatch(text, /Alex Stone|07700/);
  });

  it('lets a supervisor browse records newest first, filter them and open one', async () => {
    const tablet = await cliDevice('PC2290', 'Camden SNT tablet 3');
    for (const description of ['Graffiti on the railway bridge, Camden Road', 'Broken glass by the bus stop, Camden High Street']) {
      tablet.run('concern', 'add', '--category', 'asb:nuisance:street_drinking', '--description', description, '--lat', '51.539', '--lon', '-0.1426');
    }
    tablet.run('sync');
    const mine = JSON.parse(tablet.run('list', '--kind', 'concern', '--json'));
    const glass = mine.find((/** @type {{ title: string }} */ r) => r.title.includes('Broken glass'));
    assert.ok(glass, JSON.stringify(mine));
    const author = await protocolDevice('PC3318');
    await author.submitIntel('Zebra-striped van used to move stolen bikes, Kingsland Road', 'tc-dalston');

    const page = ctx.page;
    await signIn('PS1102');
    await page.getByRole('link', { name: 'Records' }).click();
    await page.getByRole('heading', { level: 1, name: 'Records' }).waitFor();
    await givePurpose(page, { purpose: 'Supervision of my team', reference: '' });
    const list = page.getByRole('region', { name: 'Record list' });
    // Newest first: the last concern synced tops the list (raw intelligence is not for supervisors).
    await list.getByRole('button', { name: /Broken glass by the bus stop/ }).waitFor();
    assert.match((await list.getByRole('listitem').first().textContent()) ?? '', /Broken glass by the bus stop/);
    assert.match((await list.getByRole('listitem').nth(1).textContent()) ?? '', /Graffiti on the railway bridge/);
    await shot('records');

    // Words and a team: found in the Camden team's areas, not in Dalston's.
    await page.getByLabel('Words').fill('broken GLASS');
    await page.getByLabel('Team').selectOption({ label: 'Camden Town Centre Team' });
    await page.getByRole('button', { name: 'Search records' }).click();
    await list.getByRole('status').filter({ hasText: /^\s*1 record\./ }).waitFor();
    assert.equal(await list.getByRole('listitem').count(), 1);
    await page.getByLabel('Team').selectOption({ label: 'Dalston SNT' });
    await page.getByRole('button', { name: 'Search records' }).click();
    await list.getByRole('status').filter({ hasText: 'No records found' }).waitFor();
    await page.getByRole('button', { name: 'Clear the filters' }).click();
    await page.getByLabel('Words').fill('zebra-striped van');
    await page.getByRole('button', { name: 'Search records' }).click();
    await list.getByRole('status').filter({ hasText: 'No records found' }).waitFor();

    // One record, in plain words, with its areas and history.
    await page.getByLabel('Words').fill('broken glass');
    await page.getByRole('button', { name: 'Search records' }).click();
    await list.getByRole('button', { name: /Broken glass by the bus stop/ }).click();
    const record = page.getByRole('region', { name: 'Record', exact: true });
    await record.getByRole('heading', { level: 2, name: /Broken glass by the bus stop/ }).waitFor();
    const text = (await record.textContent()) ?? '';
    assert.match(text, /Description\s*Broken glass by the bus stop, Camden High Street/);
    assert.match(text, /Areas\s*[^\n]*Camden Town/);
    assert.match(text, /Status\s*Open/);
    assert.match((await record.getByRole('list', { name: 'History' }).textContent()) ?? '', /PC Tom Walsh \(PC2290\): Created/);
    await shot('record');

    // HQ logged the view, with the record, under the supervisor.
    const login = await fetch(`${HQ}/api/v1/hq/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ collar_number: 'AD0001', password: PASSWORD }),
    });
    const { token } = await login.json();
    const audit = await api(`/api/v1/hq/admin/audit?officer=PS1102&record=${glass.id}`, token);
    assert.ok(
      audit.access.some((/** @type {{ action: string; record_ids: string[] }} */ e) => e.action === 'view' && e.record_ids.includes(glass.id)),
      JSON.stringify(audit.access),
    );
    // Signing in starts from "who am I?", which HQ answers 401 until then.
    assert.deepEqual(ctx.errors.filter((e) => !e.includes('401')), []);
  });

  it('revokes a device: its next sync is refused and its store wiped', async () => {
    const tablet = await cliDevice('PC2290', 'Camden SNT tablet 7');
    tablet.run('sync');
    const page = ctx.page;
    page.on('dialog', (d) => d.accept());
    await signIn('AD0001');
    await page.getByRole('link', { name: 'Administration' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Camden SNT tablet 7' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('Revoked').waitFor();
    await shot('admin');

    assert.throws(() => tablet.run('sync'), /revoked/);
    assert.ok(!existsSync(join(tablet.dir, 'beatbook.db')), 'the store is wiped');
  });
});

describe('HQ performance framework', () => {
  /** YYYY-MM-DD of a UTC day. @param {Date} d */
  const iso = (d) => d.toISOString().slice(0, 10);
  /** `1 Nov 2026`, as the dashboard writes days. @param {Date} d */
  const gb = (d) => new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' }).format(d);
  const now = new Date();
  const lastMonth = {
    first: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)),
    last: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0)),
  };

  it('shows the period in the From and To boxes, calendar months, and the change on the previous period', async () => {
    // Camden TCT: a concern 3 days ago and one 40 days ago, both unanswered and open.
    const tablet = await cliDevice('PC4127', 'Camden TCT tablet 2');
    for (const days of [3, 40]) {
      const at = new Date(Date.now() - days * 86_400_000).toISOString();
      tablet.run('concern', 'add', '--category', 'asb:nuisance:street_drinking', '--description', `Street drinking, ${days} days ago`, '--lat', '51.539', '--lon', '-0.1426', '--reported-at', at);
    }
    tablet.run('sync');

    const page = ctx.page;
    await signIn('PS1102');
    await page.getByRole('heading', { level: 1, name: 'Performance framework' }).waitFor();
    // By default the last 28 days, shown in the boxes.
    const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const first = new Date(today.getTime() - 27 * 86_400_000);
    await page.getByRole('status').filter({ hasText: `Showing ${gb(first)} to ${gb(today)}` }).waitFor();
    assert.equal(await page.getByLabel('From', { exact: true }).inputValue(), iso(first));
    assert.equal(await page.getByLabel('To', { exact: true }).inputValue(), iso(today));

    // Each cell says how it moved since the 28 days before, in words.
    const closed = page.getByRole('row').filter({ hasText: 'Camden Town Centre Team' }).locator('td[data-measure="concerns_closed"]');
    // (A red or amber cell then says whether it is addressed: issue 18's marks.)
    assert.match(
      ((await closed.textContent()) ?? '').trim(),
      /\d+(\.\d)?%\s*Target 60%\s*(On|Near|Below) target\s*.\s*(Up from \d+(\.\d)?%|Down from \d+(\.\d)?%|No change)(\s*Failure not yet addressed)?(\s*Open an action)?$/,
    );
    for (const change of await page.locator('td .change').allTextContents()) {
      assert.match(change.trim(), /^(▲ Up from|▼ Down from|= No change|Nothing to compare with|No figure now; was)(\s|$)/, change);
    }

    // Last month: a calendar month, in the boxes and in words.
    await page.getByLabel('Period').selectOption({ label: 'Last month' });
    await page.getByRole('status').filter({ hasText: `Showing ${gb(lastMonth.first)} to ${gb(lastMonth.last)}, compared with` }).waitFor();
    assert.equal(await page.getByLabel('From', { exact: true }).inputValue(), iso(lastMonth.first));
    assert.equal(await page.getByLabel('To', { exact: true }).inputValue(), iso(lastMonth.last));
    // Typing a day makes the dates the period.
    await page.getByLabel('From', { exact: true }).fill(iso(first));
    assert.equal(await page.getByLabel('Period').inputValue(), 'custom');
    await page.getByRole('status').filter({ hasText: `Showing ${gb(first)} to ${gb(lastMonth.last)}` }).waitFor();
    await shot('framework-period');
  });

  it('gives a sergeant their teams officer by officer, by name, and no other team', async () => {
    const page = ctx.page;
    await signIn('PS1102');
    await page.getByRole('heading', { level: 1, name: 'Performance framework' }).waitFor();
    const officers = page.getByRole('button', { name: /figures officer by officer/ });
    await officers.first().waitFor();
    const teams = await officers.evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label')));
    assert.deepEqual(teams, [
      'Camden Town Centre Team: figures officer by officer',
      'Camden Town SNT: figures officer by officer',
      'Kentish Town SNT: figures officer by officer',
    ]);
    await page.getByRole('button', { name: 'Camden Town Centre Team: figures officer by officer' }).click();
    const region = page.getByRole('region', { name: 'Officer by officer' });
    await region.getByRole('heading', { name: 'Camden Town Centre Team: officer by officer' }).waitFor();
    const rows = await region.locator('tbody th').allTextContents();
    assert.deepEqual(
      rows.map((r) => r.replace(/\s+/g, ' ').trim()),
      ['PC Amira Khan PC4127', 'PS Helen Doyle PS1102'],
    );
    const khan = region.getByRole('row').filter({ hasText: 'PC Amira Khan' });
    assert.match(((await khan.locator('td[data-measure="concerns_closed"]').textContent()) ?? '').trim(), /^(\d+(\.\d)?%|No data)\s*\d+ records?\s*(On target|Near target|Below target|No data)$/);
    await shot('framework-officers');

    // An analyst sees the teams, not their officers.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn('AN0815');
    await page.getByRole('heading', { level: 1, name: 'Performance framework' }).waitFor();
    await page.getByRole('table').waitFor();
    assert.equal(await page.getByRole('button', { name: /figures officer by officer/ }).count(), 0);
  });

  it('draws a trend with a title, a legend, a value axis in its unit and a time axis of dates', async () => {
    const page = ctx.page;
    await signIn('PS1102');
    await page.getByRole('button', { name: /Camden Town Centre Team, Concerns closed \(%\): show the/ }).click();
    // The drill-down lists records: the purpose first (issue 16).
    await givePurpose(page, { purpose: 'Performance review', reference: '' });
    const chart = page.getByRole('img', { name: /Camden Town Centre Team: Concerns closed \(%\), week by week/ });
    await chart.waitFor();
    const texts = await chart.locator('text').allTextContents();
    assert.ok(texts.includes('Camden Town Centre Team: Concerns closed (%), week by week'), texts.join('|'));
    for (const t of ['On target', 'Near target', 'Below target', 'Per cent', '0%', '100%', 'Week starting']) assert.ok(texts.includes(t), `${t} in ${texts.join('|')}`);
    assert.ok(texts.some((t) => /^Target \(\d+(\.\d)?%\)$/.test(t)), texts.join('|'));
    const dates = texts.filter((t) => /^\d{1,2} [A-Z][a-z]{2,3} \d{4}$/.test(t));
    assert.equal(dates.length, 12, texts.join('|'));
    const box = await chart.boundingBox();
    assert.ok(box && box.width >= 600, `readable: ${JSON.stringify(box)}`);
    await shot('framework-trend');
  });

  it('prints the board pack: one landscape page per section, the title and period, RAG colours kept, no menu', async () => {
    const page = ctx.page;
    await signIn('PS1102');
    await page.getByLabel('Period').selectOption({ label: 'Last month' });
    const period = `${gb(lastMonth.first)} to ${gb(lastMonth.last)}`;
    await page.getByRole('status').filter({ hasText: `Showing ${period}` }).waitFor();
    await page.getByRole('button', { name: 'Board pack', exact: true }).click();
    const pack = page.getByRole('region', { name: 'Board pack' });
    await pack.getByRole('button', { name: 'Print or save as PDF' }).waitFor();
    const sections = await pack.locator('section h2').allTextContents();
    assert.deepEqual(sections.slice(0, 2), ['Performance against targets', 'Change on the previous period']);
    for (const s of await pack.locator('section').all()) {
      const text = (await s.textContent()) ?? '';
      assert.match(text, /Metropolitan Police Service/);
      assert.ok(text.includes(period), text);
      assert.match(text, /On target: at or above the target/);
    }
    await shot('board-pack');

    // Printed: no menu, no sign-out, no filters; red stays red.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).isVisible(), false);
    assert.equal(await page.getByRole('navigation', { name: 'Dashboard' }).isVisible(), false);
    assert.equal(await page.getByLabel('Period').isVisible(), false);
    assert.equal(await pack.getByRole('button', { name: 'Print or save as PDF' }).isVisible(), false);
    const red = pack.locator('td.rag-red').first();
    const style = await red.evaluate((el) => {
      const s = getComputedStyle(el);
      return { background: s.backgroundColor, adjust: s.getPropertyValue('print-color-adjust') || s.getPropertyValue('-webkit-print-color-adjust') };
    });
    assert.deepEqual(style, { background: 'rgb(244, 182, 182)', adjust: 'exact' });

    // As a PDF, as the browser saves it (backgrounds off: the pack keeps its colours itself).
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: false });
    const pages = pdfPages(pdf);
    assert.equal(pages.count, sections.length, `one page per section: ${pages.count} pages, ${sections.length} sections`);
    assert.ok(pages.boxes.length > 0 && pages.boxes.every((b) => b.width > b.height), `landscape: ${JSON.stringify(pages.boxes)}`);
    const title = pdfTitle(pdf);
    assert.ok(title.includes('performance framework board pack') && title.includes(period) && title.includes('Metropolitan Police Service'), title);
    const streams = pdfStreams(pdf);
    assert.ok(paintsColour(streams, [244, 182, 182]), 'red is painted');
    assert.ok(paintsColour(streams, [183, 223, 191]) || paintsColour(streams, [251, 216, 154]), 'green or amber is painted');
  });

  it('downloads the board pack as CSV with readable headers, team names and en-GB dates', async () => {
    const page = ctx.page;
    await signIn('PS1102');
    await page.getByLabel('Period').selectOption({ label: 'Last month' });
    const link = page.getByRole('link', { name: 'Board pack (CSV)' });
    await page.getByRole('status').filter({ hasText: `Showing ${gb(lastMonth.first)}` }).waitFor();
    const href = await link.getAttribute('href');
    assert.ok(href);
    const csv = await (await page.request.get(new URL(href, HQ).toString())).text();
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'Team,Type,Measure,Value,Unit,Target,Status,Records,Previous period,Change,Improvement action,From,To');
    assert.ok(
      lines.some((l) => l.startsWith('"Camden Town Centre Team",Town Centre Team,"Concerns closed (%)",') && l.endsWith(`,${gb(lastMonth.first)},${gb(lastMonth.last)}`)),
      csv,
    );
    assert.doesNotMatch(csv, /camden-tct|_|\d{4}-\d{2}-\d{2}/);
  });
});
