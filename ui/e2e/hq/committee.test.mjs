// @ts-check
/**
 * The committee's view against a real HQ (see run.mjs: the demo data, whose committee member is
 * CM0001, Cllr Ayesha Rahman): she reads the committee report (every team, quarters in words, no
 * officer named), downloads it as the PDF HQ makes and it is checked page by page (title, quarter
 * and "Page N of M" on every page, every team in it, no names), and she cannot open a record: HQ
 * answers 403 to her session for the record list and a record, and an administrator finds those
 * refusals in the audit trail. A staff member adds a partnership note and it shows in the report.
 */
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { audit, usePage } from '../browser.mjs';
import { contentLines, pdfPageTexts, pdfTitle } from './pdf.mjs';
import { PURPOSE_HEADER } from './purpose.mjs';

const HQ = process.env.HQ_URL ?? 'http://127.0.0.1:8080';
const PASSWORD = 'demo-password-1';
const shots = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'screenshots');

const ctx = usePage({ viewport: { width: 1400, height: 900 } });

/** @param {string} name */
async function shot(name) {
  if (process.env.HQ_E2E_SCREENSHOTS !== '1') return;
  mkdirSync(shots, { recursive: true });
  await ctx.page.screenshot({ path: join(shots, `hq-${name}.png`) });
}

/** @param {string} collar */
async function signIn(collar) {
  const page = ctx.page;
  await page.goto(`${HQ}/hq`);
  const out = page.getByRole('button', { name: 'Sign out' });
  if (await out.isVisible()) await out.click();
  await page.getByLabel('Collar number').fill(collar);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await out.waitFor();
}

/** A bearer token for `collar`, for reading HQ's API directly. @param {string} collar */
async function token(collar) {
  const r = await fetch(`${HQ}/api/v1/hq/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ collar_number: collar, password: PASSWORD }),
  });
  assert.ok(r.ok, `sign-in ${collar}: ${r.status}`);
  return (await r.json()).token;
}

/**
 * HQ's API with a bearer token: a GET, or a POST of JSON (or of CSV text).
 * @param {string} path @param {string} bearer @param {unknown} [body] @param {string} [type]
 * @param {Record<string, string>} [extra] more headers (the purpose of a read of records)
 */
async function api(path, bearer, body, type = 'application/json', extra = {}) {
  const r = await fetch(`${HQ}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': type, ...extra },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.ok, `${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** @param {string} name @param {import('playwright-core').Locator} part */
async function shotOf(name, part) {
  if (process.env.HQ_E2E_SCREENSHOTS !== '1') return;
  mkdirSync(shots, { recursive: true });
  await part.screenshot({ path: join(shots, `hq-${name}.png`) });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sept', 'Oct', 'Nov', 'Dec'];

/** Today in London: year and month (1 to 12), and the day as `YYYY-MM-DD`. */
function today(now = new Date()) {
  const day = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const part = (/** @type {string} */ t) => day.find((p) => p.type === t)?.value ?? '';
  return { year: Number(part('year')), month: Number(part('month')), iso: `${part('year')}-${part('month')}-${part('day')}` };
}

/** A quarter `back` quarters before today's, as HQ names it, in words, and its months (`2026-10`). @param {number} back */
function quarterBefore(back) {
  const t = today();
  const index = t.year * 4 + Math.floor((t.month - 1) / 3) - back;
  const [y, q] = [Math.floor(index / 4), (index % 4) + 1];
  const months = [0, 1, 2].map((i) => `${y}-${String((q - 1) * 3 + 1 + i).padStart(2, '0')}`);
  return { id: `${y}-Q${q}`, words: `${MONTHS[(q - 1) * 3]} to ${MONTHS[(q - 1) * 3 + 2]} ${y}`, months };
}

/** The last complete quarter (HQ's default). */
const lastCompleteQuarter = () => quarterBefore(1);

/** A date `days` from today, `YYYY-MM-DD`. @param {number} days */
const fromToday = (days) => new Date(Date.parse(`${today().iso}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * What the committee reads about, put on HQ as its users would: the analyst imports recorded
 * crime (police.uk's street-level format: fewer crimes in Camden Town this quarter than the same
 * months a year before) and survey results for Camden Town, and the Camden sergeant opens an
 * improvement action on the Camden Town Centre Team's intelligence submissions (red: none yet)
 * with PC Amira Khan as its owner, and records progress. (actions.test.mjs, before this file,
 * opens one on the team's first red cell, patrol hours: this one is on another measure.)
 */
async function committeeFacts() {
  const analyst = await token('AN0815');
  const now = quarterBefore(0);
  const yearBefore = quarterBefore(4);
  const header = 'Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context';
  /** @type {string[]} */
  const rows = [];
  /** @param {string} month @param {number} n */
  const crimes = (month, n) => {
    for (let i = 0; i < n; i++) {
      rows.push(`,${month},Metropolitan Police Service,Metropolitan Police Service,-0.1426,51.539,On or near Camden High Street,E01000907,Camden 027C,${i % 2 ? 'Shoplifting' : 'Anti-social behaviour'},,`);
    }
  };
  // This quarter's months up to this one (police.uk publishes months gone by), and the same
  // months a year before.
  const t = today();
  const thisMonth = `${t.year}-${String(t.month).padStart(2, '0')}`;
  now.months.forEach((m, i) => {
    if (m > thisMonth) return;
    crimes(yearBefore.months[i] ?? '', 10);
    crimes(m, 8);
  });
  const crime = await api('/api/v1/hq/outcomes/crime?file=committee-e2e.csv', analyst, `${header}\n${rows.join('\n')}\n`, 'text/csv');
  assert.equal(crime.errors.length, 0, JSON.stringify(crime.errors));
  const survey = ['area,quarter,community,respondents,confident'];
  for (const q of [quarterBefore(1), now]) {
    survey.push(`tc-camden-town,${q.id},public,120,${q === now ? 96 : 90}`, `tc-camden-town,${q.id},business,40,${q === now ? 20 : 30}`);
  }
  await api('/api/v1/hq/outcomes/survey?file=committee-e2e-survey.csv', analyst, `${survey.join('\n')}\n`, 'text/csv');

  const sergeant = await token('PS1102');
  const what = 'Brief every shift on the intelligence gaps around Camden Town station';
  const action = await api('/api/v1/hq/actions', sergeant, {
    team_id: 'camden-tct',
    measure: 'intel_per_month',
    period_first_day: null,
    period_last_day: null,
    what,
    owner: 'PC4127',
    due_on: fromToday(60),
    review_on: fromToday(21),
  });
  await api(`/api/v1/hq/actions/${action.id}/updates`, sergeant, { note: 'Night turn briefed by PC Khan; two submissions already', progress: 'on_track' });
  return { what, now };
}

/** Every officer's name HQ holds (none may appear in the committee's view). */
async function officerNames() {
  const officers = await api('/api/v1/hq/admin/officers', await token('AD0001'));
  return officers.map((/** @type {{ name: string }} */ o) => o.name);
}

/** A small PDF written here: two A4 landscape pages, one deflated, one not; for the reader. */
function twoPagePdf() {
  const page1 = Buffer.from(
    'BT /F1 18 Tf 40 550 Td (Committee report: Jul to Sept 2026) Tj ET\n' +
      'BT /F1 10 Tf 40 30 Td (Page 1 of 2) Tj 700 0 Td [(Made 7 Dec 2026) -250 (10:15)] TJ ET\n' +
      'BT /F1 12 Tf 14 TL 40 500 Td (Camden Town Centre Team) Tj T* (Cost per hour \\(\\243\\) \\226 \\24341.20) Tj ET',
    'latin1',
  );
  const page2 = Buffer.from('BT /F1 18 Tf 1 0 0 1 40 550 Tm <FEFF00440061006C00730074006F006E00200053004E0054> Tj ET\nBT 40 30 Td (Page 2 of 2) Tj ET', 'latin1');
  const deflated = deflateSync(page1);
  /** @type {(string | Buffer)[]} */
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [4 0 R 3 0 R] /Count 2 /MediaBox [0 0 841.89 595.28] >>',
    '<< /Type /Page /Parent 2 0 R /Contents 6 0 R >>',
    '<< /Type /Page /Parent 2 0 R /Contents [5 0 R] >>',
    Buffer.concat([Buffer.from(`<< /Length ${deflated.length} /Filter /FlateDecode >>\nstream\n`), deflated, Buffer.from('\nendstream')]),
    Buffer.concat([Buffer.from(`<< /Length ${page2.length} >>\nstream\n`), page2, Buffer.from('\nendstream')]),
    '<< /Title (Committee report) >>',
  ];
  /** @type {Buffer[]} */
  const parts = [Buffer.from('%PDF-1.4\n')];
  objects.forEach((o, i) => parts.push(Buffer.from(`${i + 1} 0 obj\n`), Buffer.isBuffer(o) ? o : Buffer.from(o, 'latin1'), Buffer.from('\nendobj\n')));
  parts.push(Buffer.from('trailer\n<< /Root 1 0 R /Info 7 0 R /Size 8 >>\n%%EOF\n'));
  return Buffer.concat(parts);
}

describe('The PDF reader', () => {
  it('reads each page in the page tree’s order, line by line, deflated or not', () => {
    const pages = pdfPageTexts(twoPagePdf());
    assert.equal(pages.length, 2);
    // Page 4 0 R comes first in /Kids: its content is the second stream.
    assert.deepEqual(pages[0].lines, ['Committee report: Jul to Sept 2026', 'Camden Town Centre Team', 'Cost per hour (£) – £41.20', 'Page 1 of 2 Made 7 Dec 2026 10:15']);
    assert.deepEqual(pages[1].lines, ['Dalston SNT', 'Page 2 of 2']);
    assert.ok(pages.every((p) => Math.round(p.width) === 842 && Math.round(p.height) === 595), JSON.stringify(pages));
    assert.equal(pdfTitle(twoPagePdf()), 'Committee report');
    assert.deepEqual(contentLines('BT 10 10 Td (a) Tj 20 0 Td (b) Tj ET'), ['a b']);
  });
});

describe('The committee report', () => {
  it('is read by the committee member in words, downloaded as a PDF checked page by page, and no record opens for her', async () => {
    const facts = await committeeFacts();
    const names = await officerNames();
    const page = ctx.page;
    await signIn('CM0001');
    await page.getByRole('heading', { level: 1, name: 'Committee report' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Dashboard' });
    assert.deepEqual(await nav.getByRole('link').allTextContents(), ['Committee report'], 'the committee member has the committee report only');

    // It opens on the last complete quarter: every team HQ has, its measures over four quarters in words.
    let quarter = lastCompleteQuarter();
    let report = await (await page.request.get(`${HQ}/api/v1/hq/committee/report`)).json();
    assert.equal(report.quarter, quarter.id, 'the report opens on the last complete quarter');
    const teams = report.teams.map((/** @type {{ name: string }} */ t) => t.name);
    assert.ok(teams.includes('Camden Town Centre Team') && teams.includes('Dalston SNT'), teams.join(', '));
    await page.getByText(`${report.force}: ${quarter.words}`).waitFor();
    for (const team of teams) {
      const table = page.getByRole('table', { name: `${team}: measures` });
      await table.waitFor();
      const headers = await table.getByRole('columnheader').allTextContents();
      assert.equal(headers.length, 8, headers.join(' | '));
      for (const h of headers.slice(1, 5)) assert.match(h, /^(Jan to Mar|Apr to Jun|Jul to Sept|Oct to Dec) \d{4}$/);
      assert.equal(headers[4], quarter.words);
    }
    assert.equal(await page.getByLabel('Quarter').inputValue(), quarter.id);
    const shown = await page.locator('main').innerText();
    for (const name of names) assert.ok(!shown.includes(name), `the committee's page names ${name}`);
    assert.match(shown, /On target|Below target|Near target|No data/);
    assert.equal(await page.getByRole('form', { name: 'Partnership note' }).count(), 0, 'the committee member writes no notes');
    await page.waitForLoadState('networkidle');
    assert.deepEqual(await audit(page, { header: null }), [], 'the committee report is fit for its reader');

    // This quarter so far: the action opened on Camden's red, its progress counted (the note and
    // the owner are not shown), and the outcomes imported.
    await page.getByLabel('Quarter').selectOption({ label: facts.now.words });
    await page.getByRole('search', { name: 'Report period' }).getByRole('button', { name: 'Show' }).click();
    await page.getByText(`${report.force}: ${facts.now.words}`).waitFor();
    const camden = page.getByRole('region', { name: /^Camden Town Centre Team/ });
    const line = camden.getByRole('list', { name: 'Camden Town Centre Team: improvement actions' }).getByRole('listitem').filter({ hasText: facts.what });
    await line.waitFor();
    const said = await line.innerText();
    assert.match(said, /Intelligence submissions per month:/);
    assert.match(said, /On track/);
    assert.match(said, /Opened \d{1,2} [A-Z][a-z]{2,3} \d{4}, due \d{1,2} [A-Z][a-z]{2,3} \d{4}, review \d{1,2} [A-Z][a-z]{2,3} \d{4}/);
    assert.match(said, /1 progress update/);
    assert.doesNotMatch(said, /Night turn|PC Khan|Amira|Helen Doyle/);
    const outcomes = camden.getByRole('table', { name: 'Camden Town Centre Team: outcomes' });
    const crimeRow = outcomes.getByRole('row', { name: /Recorded crime/ });
    assert.match(await crimeRow.innerText(), /−20%/, await crimeRow.innerText());
    assert.match(await outcomes.getByRole('row', { name: /Public confident/ }).innerText(), /80%/);
    assert.match(await outcomes.getByRole('row', { name: /Businesses confident/ }).innerText(), /50%\s+Below target/);
    const glance = page.getByRole('table', { name: 'At a glance' }).getByRole('row', { name: /Camden Town Centre Team/ });
    assert.match(await glance.innerText(), /\d+ open/);
    const seen = await page.locator('main').innerText();
    for (const name of names) assert.ok(!seen.includes(name), `the committee's page names ${name}`);
    await page.waitForLoadState('networkidle');
    assert.deepEqual(await audit(page, { header: null }), [], 'this quarter is fit for its reader');
    await shot('committee');
    await shotOf('committee-team', camden);

    // The PDF, through the link, as the browser saves it.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download PDF' }).click()]);
    assert.equal(download.suggestedFilename(), `committee-report-${facts.now.id}.pdf`);
    quarter = facts.now;
    report = await (await page.request.get(`${HQ}/api/v1/hq/committee/report?quarter=${quarter.id}`)).json();
    const path = await download.path();
    assert.ok(path, 'the PDF was saved');
    const pdf = readFileSync(path);
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    const pages = pdfPageTexts(pdf);
    assert.ok(pages.length >= teams.length, `one section per team at least: ${pages.length} pages for ${teams.length} teams`);
    // The document's title is the report's and its quarter's; the report's title heads every page.
    const title = pdfTitle(pdf);
    assert.ok(title.endsWith(`, ${quarter.words}`) && /committee/i.test(title), title);
    const heading = title.slice(0, -`, ${quarter.words}`.length);
    pages.forEach((p, i) => {
      const where = `page ${i + 1}:\n${p.text}`;
      assert.ok(p.width > p.height && Math.abs(p.width - 842) < 2 && Math.abs(p.height - 595) < 2, `A4 landscape, ${where}`);
      assert.ok(p.text.includes(heading), `the title on ${where}`);
      assert.ok(p.text.includes(report.force), `the force on ${where}`);
      assert.ok(p.text.includes(quarter.words), `the quarter on ${where}`);
      assert.ok(p.text.includes(`Page ${i + 1} of ${pages.length}`), `the page number on ${where}`);
      for (const name of names) assert.ok(!p.text.includes(name), `${name} is named on ${where}`);
      assert.doesNotMatch(p.text, /\d{4}-\d{2}-\d{2}|\d{4}-Q\d|camden-tct|dalston-snt|_/, `codes on ${where}`);
    });
    // The first page sums up every team; then each team's section begins on a page of its own
    // (its name as the heading, alone on its line), in the report's order, with its measures.
    for (const team of teams) assert.ok(pages[0].text.includes(team), `${team} is not in the summary:\n${pages[0].text}`);
    const starts = teams.map((/** @type {string} */ team) => pages.findIndex((p) => p.lines.includes(team)));
    starts.forEach((/** @type {number} */ at, /** @type {number} */ i) => {
      assert.ok(at > 0, `${teams[i]} has no section of its own: ${starts.join(', ')}`);
      if (i > 0) assert.ok(at > starts[i - 1], `${teams[i]} begins on the page of the team before it: ${starts.join(', ')}`);
      const section = pages.slice(at, starts[i + 1] ?? pages.length).map((p) => p.text).join('\n');
      assert.match(section, /Measures/, `${teams[i]}'s section`);
      // A long label wraps in its cell: its first words are on the row's line.
      for (const m of report.teams[i].measures) assert.ok(section.includes(m.label.split(' ').slice(0, 2).join(' ')), `${m.label} in ${teams[i]}'s section`);
    });
    // Camden's action is in Camden's section, without its owner or its notes.
    const camdenAt = teams.indexOf('Camden Town Centre Team');
    const camdenPages = pages.slice(starts[camdenAt], starts[camdenAt + 1] ?? pages.length).map((p) => p.text).join('\n');
    assert.ok(camdenPages.replace(/\n/g, ' ').includes('Brief every shift on the intelligence gaps'), camdenPages);
    assert.doesNotMatch(camdenPages, /Night turn|PC Khan/);

    // No record opens for her: HQ refuses her session (the browser's cookie), whatever she asks.
    const records = await page.request.get(`${HQ}/api/v1/hq/records`);
    assert.equal(records.status(), 403, await records.text());
    const analyst = await token('AN0815');
    const list = await api('/api/v1/hq/records?limit=1', analyst, undefined, undefined, PURPOSE_HEADER);
    const id = list.records?.[0]?.id ?? '0193a8a4-7c2e-7d11-9b1a-aaaaaaaaaaaa';
    const one = await page.request.get(`${HQ}/api/v1/hq/records/${id}`);
    assert.equal(one.status(), 403, await one.text());
    const refusal = await one.json();
    assert.equal(refusal.code, 'forbidden');
    // The page never asked for anything it is refused: no error on the console but those asked here.
    assert.deepEqual(ctx.errors.filter((e) => !e.includes('401') && !e.includes('403')), []);

    // An administrator finds both refusals in the audit trail, by her name.
    await signIn('AD0001');
    await page.getByRole('link', { name: 'Administration' }).click();
    const search = page.getByRole('form', { name: 'Audit search' });
    await search.getByRole('combobox', { name: /^Officer/ }).selectOption({ label: 'Cllr Ayesha Rahman (CM0001)' });
    await search.getByRole('button', { name: 'Search', exact: true }).click();
    const reads = page.getByRole('table', { name: 'Reads' });
    await reads.waitFor();
    const refused = reads.getByRole('row').filter({ hasText: 'Cllr Ayesha Rahman' }).filter({ hasText: /refused/i });
    await refused.first().waitFor();
    const rows = await refused.allInnerTexts();
    assert.ok(rows.length >= 2, `both refusals are logged:\n${rows.join('\n')}`);
    assert.ok(rows.some((r) => r.includes('Refused: the records list')), `the records list:\n${rows.join('\n')}`);
    assert.ok(rows.some((r) => r.includes('Refused: open a record')), `the record:\n${rows.join('\n')}`);
    await shotOf('committee-audit', reads);
  });

  it('shows a partnership note a staff member adds, in the report', async () => {
    const quarter = lastCompleteQuarter();
    const text = 'Traders on Camden High Street said the evening patrols made a difference to shoplifting.';
    const page = ctx.page;
    await signIn('AN0815');
    await page.getByRole('link', { name: 'Committee report' }).click();
    await page.getByRole('heading', { level: 1, name: 'Committee report' }).waitFor();
    await page.getByText(`: ${quarter.words}`, { exact: false }).first().waitFor();
    const form = page.getByRole('form', { name: 'Partnership note' });
    await form.getByRole('combobox', { name: /^Meeting/ }).selectOption({ label: 'Crime and disorder reduction partnership' });
    const [y, q] = quarter.id.split('-Q').map(Number);
    const metOn = `${y}-${String((q - 1) * 3 + 2).padStart(2, '0')}-14`;
    await form.getByLabel('Date of the meeting').fill(metOn);
    // Nothing chosen for the team or area: refused by the field.
    await form.getByLabel('Note').fill(text);
    await form.getByRole('button', { name: 'Add note' }).click();
    const about = form.locator('label', { hasText: 'Team or area' });
    await about.getByRole('alert').filter({ hasText: 'Say which team or area the note is about.' }).waitFor();
    await form.getByLabel(/^Team or area/).selectOption({ label: 'Camden Town Centre Team' });
    assert.equal(await about.getByRole('alert').count(), 0, 'the problem goes once the field is changed');
    assert.equal(await form.getByLabel('Quarter').inputValue(), quarter.id);
    await form.getByRole('button', { name: 'Add note' }).click();
    await form.getByRole('status').filter({ hasText: `Note added to ${quarter.words}, for Camden Town Centre Team.` }).waitFor();
    const notes = page.getByRole('list', { name: 'Partnership notes' });
    const note = notes.getByRole('listitem').filter({ hasText: text });
    await note.waitFor();
    assert.match(await note.innerText(), /Crime and disorder reduction partnership, 14 [A-Z][a-z]{2,3} \d{4}/);
    assert.match(await note.innerText(), /Camden Town Centre Team/);
    await shotOf('committee-note', page.getByRole('region', { name: 'Partnership notes' }));
    await page.waitForLoadState('networkidle');
    assert.deepEqual(await audit(page, { header: null }), [], 'the page with the note is fit for its reader');

    // The committee member reads it too.
    await signIn('CM0001');
    await page.getByRole('list', { name: 'Partnership notes' }).getByRole('listitem').filter({ hasText: text }).waitFor();
  });
});
