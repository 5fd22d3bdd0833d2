// @ts-check
/**
 * Improvement actions and outcomes against a real HQ (see run.mjs): a supervisor (PS1102, PS
 * Helen Doyle) opens an action from a red cell of the board (HQ's field errors first, shown by
 * their fields), the board marks the cell, the action is on the actions page where progress is
 * added. An analyst imports a small police.uk crime file written here (one bad row, reported by
 * its line) and survey results; the outcomes page then shows the crime trend beside the year
 * before and confidence by quarter, public and business.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { audit, usePage } from '../browser.mjs';

const HQ = process.env.HQ_URL ?? 'http://127.0.0.1:8080';
const TMP = process.env.E2E_TMP ?? '/tmp';
const PASSWORD = 'demo-password-1';
const shots = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'screenshots');

const ctx = usePage({ viewport: { width: 1400, height: 900 } });

/** The page (a dialog: the window, which its backdrop covers). @param {string} name */
async function shot(name, fullPage = true) {
  if (process.env.HQ_E2E_SCREENSHOTS !== '1') return;
  mkdirSync(shots, { recursive: true });
  await ctx.page.screenshot({ path: join(shots, `hq-${name}.png`), fullPage });
}

/** @param {string} collar */
async function signIn(collar) {
  const page = ctx.page;
  await page.goto(`${HQ}/hq`);
  await page.getByLabel('Collar number').fill(collar);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Dashboard' }).waitFor();
}

/** A day `days` from today, as a date box takes it (YYYY-MM-DD, UK time). @param {number} days */
function day(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(d);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sept', 'Oct', 'Nov', 'Dec'];

/** The same day as the page writes it: `7 Jan 2027`. @param {string} iso */
function words(iso) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(`${iso}T00:00:00Z`));
}

describe('Improvement actions and outcomes', () => {
  it('lets a supervisor open an action from a red cell, which the board marks and the actions page holds', async () => {
    const page = ctx.page;
    await signIn('PS1102');
    await page.getByRole('heading', { level: 1, name: 'Performance framework' }).waitFor();

    // A red cell of Camden Town Centre Team (PS1102 supervises it) that no action addresses yet.
    const camden = page.locator('table.board tr', { has: page.getByRole('rowheader', { name: /^Camden Town Centre Team/ }) });
    const red = camden.locator('td.rag-red', { hasText: 'Failure not yet addressed' }).filter({
      has: page.getByRole('button', { name: /open an improvement action$/ }),
    });
    await red.first().waitFor();
    const measureId = (await red.first().getAttribute('data-measure')) ?? '';
    const measureCell = camden.locator(`td[data-measure="${measureId}"]`);
    const button = measureCell.getByRole('button', { name: /open an improvement action/ });
    const label = (await button.getAttribute('aria-label')) ?? '';
    const measure = label.replace(/^Camden Town Centre Team, /, '').replace(/: open an improvement action$/, '');
    await button.click();

    const dialog = page.getByRole('dialog', { name: 'Open an improvement action' });
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', new RegExp(`Camden Town Centre Team[\\s\\S]*${measure.replace(/[()%]/g, '.')}`));
    assert.match((await dialog.textContent()) ?? '', /below target/);

    // Nothing chosen: HQ refuses, each field by its field.
    await dialog.getByRole('button', { name: 'Open the action' }).click();
    await dialog.getByText(/An owner is required/i).waitFor();
    await dialog.getByText(/A due date is required/i).waitFor();
    assert.equal(await dialog.getByLabel(/Owner/).getAttribute('aria-invalid'), 'true');
    await shot('actions-open-refused', false);

    const what = 'Two extra hotspot patrols on Friday and Saturday nights around the station';
    await dialog.getByLabel('What will be done').fill(what);
    await dialog.getByLabel(/Owner/).selectOption({ label: 'PC Amira Khan' });
    await dialog.getByLabel(/Due date/).fill(day(56));
    await dialog.getByLabel(/Review date/).fill(day(21));
    await shot('actions-open', false);
    await dialog.getByRole('button', { name: 'Open the action' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText(`Action opened for Camden Town Centre Team, ${measure}: owner PC Amira Khan`).waitFor();

    // The board marks the cell: the action, its status and due date, no longer unaddressed.
    const mark = measureCell.getByRole('link', { name: `Action open, due ${words(day(56))}` });
    await mark.waitFor();
    const cellText = (await measureCell.textContent()) ?? '';
    assert.match(cellText, /Action open, due/);
    assert.doesNotMatch(cellText, /Failure not yet addressed/);
    await shot('actions-board');
    assert.deepEqual(await audit(page, { header: null, minTarget: 0 }), [], 'the board is fit for its reader');

    // The mark opens the action on the actions page; progress is added there.
    await mark.click();
    const view = page.getByRole('region', { name: `Camden Town Centre Team: ${measure}` });
    await view.waitFor();
    await view.getByText(what).waitFor();
    assert.match((await view.textContent()) ?? '', /PC Amira Khan/);
    assert.match((await view.textContent()) ?? '', new RegExp(`Review\\s*${words(day(21))}`));
    const progress = view.getByRole('form', { name: 'Add progress' });
    await progress.getByLabel(/What has been done/).fill('First Friday patrol done; the station forecourt was quiet');
    await progress.getByRole('radio', { name: 'On track' }).check();
    await progress.getByRole('button', { name: 'Add the update' }).click();
    await view.getByRole('status').filter({ hasText: 'Update added.' }).waitFor();
    const updates = view.getByRole('list', { name: 'Progress updates' });
    await updates.getByText('First Friday patrol done; the station forecourt was quiet').waitFor();
    assert.match((await updates.textContent()) ?? '', /PS Helen Doyle/);
    assert.match((await view.locator('.status').textContent()) ?? '', /On track/);
    await shot('actions-detail');
    assert.deepEqual(await audit(page, { header: null, minTarget: 0 }), [], 'the action is fit for its reader');

    // The list holds it, in words.
    await page.getByRole('button', { name: 'Back to the list' }).click();
    const list = page.getByRole('table', { name: 'Improvement actions' });
    const row = list.getByRole('row', { name: new RegExp(`Camden Town Centre Team[\\s\\S]*${measure.replace(/[()%]/g, '.')}[\\s\\S]*On track`) });
    await row.first().waitFor();
    const rowText = (await row.first().textContent()) ?? '';
    assert.match(rowText, /On track/);
    assert.match(rowText, /PC Amira Khan/);
    assert.match(rowText, new RegExp(words(day(56))));
    await shot('actions');
    assert.deepEqual(await audit(page, { header: null, minTarget: 0 }), [], 'the actions list is fit for its reader');
    // Before signing in the page asks who is signed in (401), and the first try was refused (400):
    // both expected, the browser logs them all the same.
    assert.deepEqual(ctx.errors.filter((e) => !e.includes('401') && !e.includes('400')), []);
  });

  it('imports recorded crime and survey results, reporting a bad row by its line, and shows their trends', async () => {
    const page = ctx.page;
    await signIn('AN0815');
    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Outcomes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Outcomes' }).waitFor();
    await page.getByRole('table', { name: 'Outcomes by team' }).waitFor();
    await page.getByRole('combobox', { name: /^For/ }).selectOption({ label: 'Camden Town Centre Team' });
    await page.getByText('No recorded crime has been imported for Camden Town Centre Team.').waitFor();

    // A small police.uk street-level file: crimes in Camden Town last month and the same month a
    // year before, and one row with a bad month on line 3 (the header is line 1).
    const now = new Date();
    const month = (back) => {
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
      return { id: `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`, words: `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}` };
    };
    const [last, yearBefore] = [month(1), month(13)];
    const row = (/** @type {string} */ m, /** @type {string} */ lon, /** @type {string} */ lat, /** @type {string} */ type) =>
      `,${m},Metropolitan Police Service,Metropolitan Police Service,${lon},${lat},On or near Camden High Street,E01000001,Camden 001A,${type},,`;
    const crime = [
      'Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context',
      row(last.id, '-0.1426', '51.539', 'Anti-social behaviour'),
      row('last month', '-0.1426', '51.539', 'Shoplifting'),
      row(last.id, '-0.1430', '51.5392', 'Shoplifting'),
      row(yearBefore.id, '-0.1426', '51.539', 'Shoplifting'),
    ].join('\n');
    const crimeFile = join(TMP, `${last.id}-metropolitan-street.csv`);
    writeFileSync(crimeFile, `${crime}\n`);
    const crimeForm = page.getByRole('form', { name: 'Import recorded crime' });
    await crimeForm.getByLabel('Crime file').setInputFiles(crimeFile);
    await crimeForm.getByRole('button', { name: 'Import crime file' }).click();
    const crimeReport = crimeForm.getByRole('status', { name: 'Crime import' });
    await crimeReport.waitFor();
    const crimeText = (await crimeReport.textContent()) ?? '';
    assert.match(crimeText, /4 rows read, 3 imported/);
    assert.match(crimeText, new RegExp(last.words));
    assert.match(crimeText, /1 row not imported/);
    assert.match(crimeText, /Line 3: .*not a month/);
    await shot('outcomes-import');
    assert.deepEqual(await audit(page, { header: null, minTarget: 0 }), [], 'the import report is fit for its reader');

    // The trend: last month beside the same month a year before.
    await page.getByRole('img', { name: /Camden Town Centre Team: recorded crime, month by month/ }).waitFor();
    // The figures under the chart (behind "The figures", so read whether open or not).
    const crimeFigures = page.locator('table[aria-label="Camden Town Centre Team: recorded crime, month by month: the figures"]');
    const lastRow = crimeFigures.locator('tr', { hasText: last.words });
    assert.match((await lastRow.textContent()) ?? '', new RegExp(`${last.words}\\s*2\\s*1`));

    // Survey results for Camden Town, public and business, for the last two complete quarters.
    const quarter = (back) => {
      const q = Math.floor(now.getUTCMonth() / 3) - back;
      const year = now.getUTCFullYear() + Math.floor(q / 4);
      return `${year}-Q${((q % 4) + 4) % 4 + 1}`;
    };
    const survey = [
      'area,quarter,community,respondents,confident',
      `tc-camden-town,${quarter(2)},public,200,130`,
      `tc-camden-town,${quarter(2)},business,40,22`,
      `tc-camden-town,${quarter(1)},public,180,126`,
      `tc-camden-town,${quarter(1)},business,50,30`,
    ].join('\n');
    const surveyFile = join(TMP, 'camden-survey.csv');
    writeFileSync(surveyFile, `${survey}\n`);
    const surveyForm = page.getByRole('form', { name: 'Import survey results' });
    await surveyForm.getByLabel('Survey file').setInputFiles(surveyFile);
    await surveyForm.getByRole('button', { name: 'Import survey file' }).click();
    const surveyReport = surveyForm.getByRole('status', { name: 'Survey import' });
    await surveyReport.waitFor();
    assert.match((await surveyReport.textContent()) ?? '', /4 rows read, 4 imported[\s\S]*Every row was read/);
    await page.getByRole('img', { name: /Camden Town Centre Team: confidence in the police, quarter by quarter/ }).waitFor();
    const confidence = page.locator('table[aria-label="Camden Town Centre Team: confidence in the police, quarter by quarter: the figures"]');
    const text = ((await confidence.textContent()) ?? '').replace(/\s+/g, '');
    assert.match(text, /65%55%/);
    assert.match(text, /70%60%/);
    await shot('outcomes');
    assert.deepEqual(await audit(page, { header: null, minTarget: 0 }), [], 'the outcomes page is fit for its reader');
    assert.deepEqual(ctx.errors.filter((e) => !e.includes('401')), []);
  });
});
