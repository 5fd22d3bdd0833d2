// @ts-check
/**
 * Improvement actions and outcomes against a real HQ (see run.mjs): a supervisor (PS1102, PS
 * Helen Doyle) opens an action from a red cell of the board (HQ's field errors first, shown by
 * their fields), the board marks the cell, the action is on the actions page where progress is
 * added; the outcomes page shows recorded crime and confidence trends, and an analyst's import of
 * a small police.uk file written here, with one bad row, reports that row by its line.
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
  await page.getByRole('navigation', { name: 'Dashboard' }).waitFor();
}

/** A day `days` from today, as a date box takes it (YYYY-MM-DD, UK time). @param {number} days */
function day(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(d);
}

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
    assert.match((await dialog.textContent()) ?? '', new RegExp(`Camden Town Centre Team.*${measure.replace(/[()%]/g, '.')}`));
    assert.match((await dialog.textContent()) ?? '', /below target/);

    // Nothing chosen: HQ refuses, each field by its field.
    await dialog.getByRole('button', { name: 'Open the action' }).click();
    await dialog.getByText(/An owner is required/i).waitFor();
    await dialog.getByText(/A due date is required/i).waitFor();
    assert.equal(await dialog.getByLabel(/Owner/).getAttribute('aria-invalid'), 'true');
    await shot('actions-open-refused');

    const what = 'Two extra hotspot patrols on Friday and Saturday nights around the station';
    await dialog.getByLabel('What will be done').fill(what);
    await dialog.getByLabel(/Owner/).selectOption({ label: 'PC Amira Khan' });
    await dialog.getByLabel(/Due date/).fill(day(56));
    await dialog.getByLabel(/Review date/).fill(day(21));
    await shot('actions-open');
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
    assert.match((await view.textContent()) ?? '', new RegExp(`Review${words(day(21))}`));
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
    await view.getByRole('button', { name: 'Back to the list' }).click();
    const list = page.getByRole('table', { name: 'Improvement actions' });
    const row = list.getByRole('row', { name: new RegExp(`Camden Town Centre Team.*${measure.replace(/[()%]/g, '.')}`) });
    await row.first().waitFor();
    const rowText = (await row.first().textContent()) ?? '';
    assert.match(rowText, /On track/);
    assert.match(rowText, /PC Amira Khan/);
    assert.match(rowText, new RegExp(words(day(56))));
    await shot('actions');
    assert.deepEqual(await audit(page, { header: null, minTarget: 0 }), [], 'the actions list is fit for its reader');
    assert.deepEqual(ctx.errors, []);
  });

  it('shows crime and confidence trends, and reports a bad row of an imported police.uk file by its line', async () => {
    const page = ctx.page;
    await signIn('AN0815');
    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Outcomes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Outcomes' }).waitFor();
    await page.getByRole('table', { name: 'Outcomes by team' }).waitFor();

    // The demo's two years of recorded crime and its surveys, for the first team.
    await page.getByRole('img', { name: /recorded crime, month by month/ }).waitFor();
    await page.getByRole('img', { name: /confidence in the police, quarter by quarter/ }).waitFor();
    const crimeFigures = page.getByRole('table', { name: /recorded crime, month by month: the figures/ });
    assert.ok((await crimeFigures.getByRole('row').count()) > 12, 'two years of months');
    await shot('outcomes');
    assert.deepEqual(await audit(page, { header: null, minTarget: 0 }), [], 'the outcomes page is fit for its reader');

    // A small police.uk street-level file: two crimes in Camden Town, one row with a bad month
    // (line 3, the header being line 1). An old month, so the demo's recent figures stay.
    const header = 'Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context';
    const csv = [
      header,
      'a1,2019-03,Metropolitan Police Service,Metropolitan Police Service,-0.1426,51.539,On or near Camden High Street,E01000001,Camden 001A,Shoplifting,Under investigation,',
      'a2,March 2019,Metropolitan Police Service,Metropolitan Police Service,-0.1426,51.539,On or near Camden High Street,E01000001,Camden 001A,Shoplifting,Under investigation,',
      ',2019-03,Metropolitan Police Service,Metropolitan Police Service,-0.1430,51.5392,On or near Parkway,E01000001,Camden 001A,Anti-social behaviour,,',
    ].join('\n');
    const file = join(TMP, '2019-03-metropolitan-street.csv');
    writeFileSync(file, `${csv}\n`);
    const form = page.getByRole('form', { name: 'Import recorded crime' });
    await form.getByLabel('Crime file').setInputFiles(file);
    await form.getByRole('button', { name: 'Import crime file' }).click();
    const report = form.getByRole('status', { name: 'Crime import' });
    await report.waitFor();
    const text = (await report.textContent()) ?? '';
    assert.match(text, /3 rows read, 2 imported/);
    assert.match(text, /Mar 2019/);
    assert.match(text, /1 row not imported/);
    assert.match(text, /Line 3: /);
    await shot('outcomes-import');
    assert.deepEqual(await audit(page, { header: null, minTarget: 0 }), [], 'the import report is fit for its reader');
    assert.deepEqual(ctx.errors, []);
  });
});
