// @ts-check
/**
 * The record forms on the demo device (unlocked, with the demo areas and a few records): Log
 * concern, Intelligence, Patrol and changing a saved concern. A save in flight cannot be
 * repeated (the device is made slow, then the save button tapped twice), and after a save the
 * form clears and says the record's reference. Counting is by the records the device holds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usePage, url } from './browser.mjs';

const ctx = usePage();

/** A record's reference as the officer reads it (`7F3K-92QD`). */
const REFERENCE = /[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/;

/**
 * @param {import('playwright-core').Page} page
 * @param {string} hash
 * @param {string} heading
 */
async function open(page, hash, heading) {
  await page.goto(url(hash));
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
}

/**
 * How many records of `kind` the demo device holds.
 * @param {import('playwright-core').Page} page
 * @param {string} kind
 */
function count(page, kind) {
  return page.evaluate(
    async (k) =>
      (await /** @type {any} */ (window).beatbookFake.listRecords({ kind: k, area: null, status: null, since: null, until: null, limit: null })).length,
    kind,
  );
}

/**
 * Every later call of `method` answers after a second: a save stays in flight.
 * @param {import('playwright-core').Page} page
 * @param {string} method
 */
async function slow(page, method) {
  await page.evaluate((m) => /** @type {any} */ (window).beatbookFake.slow(m, 1000), method);
}

/**
 * The arguments of each call of `method` the UI made.
 * @param {import('playwright-core').Page} page
 * @param {string} method
 * @returns {Promise<any[][]>}
 */
function argsOf(page, method) {
  return page.evaluate((m) => /** @type {any} */ (window).beatbookFake.argsOf(m), method);
}

test('log concern: scrolled to the bottom, the form ends where its content does (no blank window)', async () => {
  const { page } = ctx;
  await open(page, '#/log-concern', 'Log a concern');
  await page.getByRole('textbox', { name: 'Description' }).waitFor();
  const input = page.getByLabel('Add photo');
  const box = await input.boundingBox();
  const label = await page.locator('label.add-photo').boundingBox();
  assert.ok(box && label, 'the photo input and its label are laid out');
  assert.ok(
    box.x >= label.x - 1 && box.y >= label.y - 1 && box.x + box.width <= label.x + label.width + 1 && box.y + box.height <= label.y + label.height + 1,
    `the hidden photo input sits inside its label: ${JSON.stringify({ box, label })}`,
  );
  const gap = await page.evaluate(() => {
    for (const el of [document.scrollingElement, document.getElementById('main')]) {
      if (el) el.scrollTop = el.scrollHeight;
    }
    const save = document.querySelector('button[aria-label="Save concern"]');
    return save ? innerHeight - save.getBoundingClientRect().bottom : Infinity;
  });
  assert.ok(gap >= 0 && gap < 160, `below the last control is no blank window (${gap}px to the bottom of the screen)`);
});

test('log concern: a double tap on save makes one concern; the form clears and says its reference', async () => {
  const { page } = ctx;
  await open(page, '#/log-concern', 'Log a concern');
  const before = await count(page, 'concern');
  await slow(page, 'createRecord');
  await page.getByRole('textbox', { name: 'Description' }).fill('Bikes ridden on the pavement by the market');
  await page.getByRole('button', { name: 'Save concern' }).dblclick();
  const saved = page.getByTestId('concern-saved');
  await saved.waitFor();
  assert.match((await saved.textContent()) ?? '', REFERENCE);
  assert.equal(await count(page, 'concern'), before + 1, 'one concern, not two');
  assert.equal(await page.getByRole('textbox', { name: 'Description' }).inputValue(), '');
});

test('use my position with no position says so in words', async () => {
  const { page } = ctx;
  await open(page, '#/log-concern', 'Log a concern');
  await page.getByRole('button', { name: 'Use my position' }).click();
  const note = page.getByTestId('position-note');
  await note.getByText('No position from the device').waitFor();
  const text = (await note.textContent()) ?? '';
  assert.match(text, /location has not changed/);
  assert.doesNotMatch(text, /tap the map or type the place/);
});

test('intelligence: no grade chosen for the officer, only tablet markings, and C needs its conditions at the box', async () => {
  const { page } = ctx;
  await open(page, '#/intelligence', 'Intelligence report');
  await page.getByRole('button', { name: 'No threat to life' }).click();
  for (const name of ['1 Reliable', '2 Untested', '3 Not reliable', 'A Known directly', 'B Known indirectly, corroborated', 'P: lawful sharing permitted']) {
    assert.equal(await page.getByRole('radio', { name }).isChecked(), false, `${name} is not chosen for the officer`);
  }
  const markings = await page.getByRole('combobox', { name: 'Security marking' }).locator('option').allTextContents();
  assert.deepEqual(markings, ['Official', 'Official-Sensitive'], 'a tablet holds nothing Secret');

  await page.getByRole('textbox', { name: 'What', exact: true }).fill('Bikes used to sell drugs by the station');
  await page.getByRole('button', { name: 'Submit report' }).click();
  await page.getByText('Choose how reliable the source is.').waitFor();
  await page.getByText('Choose how the source knows it.').waitFor();
  await page.getByRole('radio', { name: '2 Untested' }).check();
  await page.getByRole('radio', { name: 'C Known indirectly', exact: true }).check();
  await page.getByRole('radio', { name: 'C: sharing with conditions' }).check();
  await page.getByRole('button', { name: 'Submit report' }).click();
  const conditions = page.getByRole('textbox', { name: 'Handling conditions' });
  await page.getByText('Handling code C needs the conditions written down.').waitFor();
  assert.equal(await conditions.evaluate((el) => el === document.activeElement), true, 'the Conditions box has the focus');
  assert.equal(await conditions.getAttribute('aria-invalid'), 'true');
  assert.equal(await conditions.getAttribute('aria-describedby'), 'conditions-problem');
  assert.equal(await argsOf(page, 'submitIntel').then((a) => a.length), 0, 'nothing submitted');
});

test('intelligence: the threat-to-life screen can be left after a mis-tap, and says so', async () => {
  const { page } = ctx;
  await open(page, '#/intelligence', 'Intelligence report');
  await page.getByRole('button', { name: 'Yes, threat to life' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Escalate now by radio' });
  await dialog.getByText('Tapped Yes by mistake?').waitFor();
  await dialog.getByRole('button', { name: 'Tapped Yes by mistake: no threat to life' }).click();
  await page.getByRole('form', { name: 'Intelligence report' }).waitFor();
  assert.equal(await page.getByTestId('threat-marked').count(), 0, 'not marked as a threat to life');
});

test('intelligence: the report takes a location with its areas; a double tap submits it once', async () => {
  const { page } = ctx;
  await open(page, '#/intelligence', 'Intelligence report');
  await page.getByRole('button', { name: 'No threat to life' }).click();
  await page.getByRole('radio', { name: '2 Untested' }).check();
  await page.getByRole('radio', { name: 'B Known indirectly, corroborated' }).check();
  await page.getByRole('radio', { name: 'C: sharing with conditions' }).check();
  await page.getByRole('textbox', { name: 'Handling conditions' }).fill('Police only');
  await page.getByRole('textbox', { name: 'What', exact: true }).fill('Bikes used to sell drugs');
  await page.getByRole('textbox', { name: 'Place' }).fill('Camden Town station');
  await page.getByRole('spinbutton', { name: 'Latitude' }).fill('51.5392');
  await page.getByRole('spinbutton', { name: 'Longitude' }).fill('-0.1426');
  await page.getByTestId('intel-areas').getByText('Camden Town').first().waitFor();
  const before = await count(page, 'intel_report');
  await slow(page, 'submitIntel');
  await page.getByRole('button', { name: 'Submit report' }).dblclick();
  const saved = page.getByTestId('intel-saved');
  await saved.waitFor();
  assert.match((await saved.textContent()) ?? '', REFERENCE);
  assert.equal(await count(page, 'intel_report'), before + 1, 'one report, not two');
  const [[submission]] = await argsOf(page, 'submitIntel');
  assert.deepEqual(submission.location, { lat: 51.5392, lon: -0.1426, place: 'Camden Town station' });
  assert.match(submission.content, /Where: Camden Town station/);
});

test('patrol: the hotspot or area is chosen from a list, own areas first; a double tap starts one patrol', async () => {
  const { page } = ctx;
  await open(page, '#/patrol', 'Patrol');
  const where = page.getByRole('combobox', { name: 'Hotspot or area' });
  await where.locator('option', { hasText: 'Kentish Town (town centre)' }).first().waitFor({ state: 'attached' });
  const areas = await where.locator('optgroup[label="Areas"] option').allTextContents();
  assert.deepEqual(areas.slice(0, 2), ['Camden Town (town centre)', 'Kentish Town (town centre)'], 'the officer’s own areas first');
  assert.equal(new Set(areas).size, areas.length, 'no two entries read the same');

  await page.getByRole('button', { name: 'Start patrol' }).click();
  await page.getByText('Choose the hotspot or area you are patrolling').waitFor();
  assert.equal(await where.evaluate((el) => el === document.activeElement), true, 'the list has the focus');
  assert.equal(await count(page, 'patrol_log'), 0, 'nothing started');

  await where.selectOption({ label: 'Camden Town (town centre): 2 open concerns' });
  await slow(page, 'createRecord');
  await page.getByRole('button', { name: 'Start patrol' }).dblclick();
  const saved = page.getByTestId('patrol-saved');
  await saved.waitFor();
  assert.match((await saved.textContent()) ?? '', REFERENCE);
  assert.equal(await count(page, 'patrol_log'), 1, 'one patrol, not two');
  const [[input]] = await argsOf(page, 'createRecord');
  assert.equal(input.record.area_id, 'tc-camden-town');
  assert.equal(input.record.hotspot, 'Camden Town (town centre)');
});

test('engagement: a double tap saves one engagement', async () => {
  const { page } = ctx;
  await open(page, '#/patrol', 'Patrol');
  await page.getByRole('spinbutton', { name: 'People attending' }).fill('12');
  await slow(page, 'createRecord');
  await page.getByRole('button', { name: 'Save engagement' }).dblclick();
  await page.getByTestId('patrol-saved').getByText(REFERENCE).waitFor();
  assert.equal(await count(page, 'engagement'), 1, 'one engagement, not two');
  assert.equal(await page.getByRole('spinbutton', { name: 'People attending' }).inputValue(), '0');
});

test('a concern takes an update without retyping, and its location and people are changed', async () => {
  const { page } = ctx;
  await page.goto(url('#/home'));
  /** @type {{ id: string, body: any }} */
  const { id, body } = await page.evaluate(async () => {
    const rows = await /** @type {any} */ (window).beatbookFake.listRecords({ kind: 'concern', area: null, status: null, since: null, until: null, limit: 1 });
    return rows[0];
  });
  await open(page, `#/records/${id}/edit`, 'Change a record');
  await slow(page, 'addConcernUpdate');
  await page.getByRole('textbox', { name: 'Update' }).fill('Spoke to the off-licence about sales after 8pm');
  await page.getByRole('button', { name: 'Add update' }).dblclick();
  await page.getByTestId('edit-saved').getByText('Update added to').waitFor();
  assert.equal((await argsOf(page, 'addConcernUpdate')).length, 1, 'one update, not two');
  await page.getByRole('list', { name: 'Updates' }).getByText('Spoke to the off-licence').waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Update' }).inputValue(), '');
  assert.equal((await argsOf(page, 'updateRecord')).length, 0, 'the concern itself is not retyped');

  await page.getByRole('textbox', { name: 'Place' }).fill('Kentish Town station');
  await page.getByRole('spinbutton', { name: 'Latitude' }).fill('51.5502');
  await page.getByRole('button', { name: 'Add a person' }).click();
  await page.getByRole('textbox', { name: 'Person 1 description' }).fill('Shopkeeper');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByTestId('edit-saved').getByText('saved on this device').waitFor();
  const [[, update]] = await argsOf(page, 'updateRecord');
  assert.equal(update.kind, 'concern');
  assert.deepEqual(update.record.location, { lat: 51.5502, lon: body.location.lon, place: 'Kentish Town station' });
  assert.equal(update.record.people[0].description, 'Shopkeeper');
  assert.equal(update.record.description, body.description, 'the rest is as it was');
});
