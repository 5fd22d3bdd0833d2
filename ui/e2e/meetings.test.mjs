// @ts-check
/**
 * Ward panel meetings in a real browser, on the demo device (src/lib/backend/demo-meetings.ts: a
 * saved meeting makes a priority for each one agreed, as the device does). A double tap on Save
 * makes one meeting and one set of priorities; the saved meeting is shown with its reference. The
 * device's own guard (a save sent twice under the form's record id is one meeting) is tested in
 * Rust (crates/store/tests/store.rs, tests/device_cli.rs).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usePage, url } from './browser.mjs';

const ctx = usePage();

/** @param {import('playwright-core').Page} page */
async function meetingsPage(page) {
  await page.goto(url('#/meetings'));
  await page.getByRole('heading', { name: 'Meetings and priorities', level: 1 }).waitFor();
}

test('meetings: a double tap on Save makes one meeting and one set of priorities', async () => {
  const { page } = ctx;
  await meetingsPage(page);
  // A slow store: the second tap arrives while the first save is in flight.
  await page.evaluate(() => {
    const fake = /** @type {any} */ (window).beatbookFake;
    const save = fake.createRecord.bind(fake);
    fake.createRecord = (/** @type {unknown} */ input) => new Promise((resolve) => setTimeout(resolve, 400)).then(() => save(input));
  });
  await page.getByRole('spinbutton', { name: 'Head count' }).fill('21');
  await page.getByRole('textbox', { name: 'Issue 1' }).fill('Moped enabled robbery');
  await page.getByRole('spinbutton', { name: 'Votes for issue 1' }).fill('12');
  await page.getByRole('button', { name: 'Add an issue' }).click();
  await page.getByRole('textbox', { name: 'Issue 2' }).fill('Drug dealing in the estate stairwells');
  await page.getByRole('spinbutton', { name: 'Votes for issue 2' }).fill('7');
  await page.getByRole('button', { name: 'Agree the proposed priorities' }).click();
  const save = page.getByRole('button', { name: 'Save meeting' });
  // Two taps faster than the page can redraw, then a third on the button as drawn.
  await save.evaluate((button) => {
    /** @type {HTMLButtonElement} */ (button).click();
    /** @type {HTMLButtonElement} */ (button).click();
  });
  await save.click({ force: true }).catch(() => undefined);
  const saved = page.getByTestId('meeting-saved');
  await saved.waitFor();
  assert.match(await saved.innerText(), /Meeting saved\s+Reference [0-9A-Z]{4}-[0-9A-Z]{4}, with 2 priorities on the board\./);
  assert.equal(await page.getByRole('button', { name: 'Save meeting' }).count(), 0, 'the filled form is gone');

  const creates = await page.evaluate(() => /** @type {any} */ (window).beatbookFake.argsOf('createRecord').length);
  assert.equal(creates, 1);
  await page.getByRole('button', { name: 'Saved meetings' }).click();
  const meetings = page.getByRole('list', { name: 'Saved meetings' }).getByRole('listitem');
  await meetings.first().waitFor();
  // The demo's meeting and this one.
  assert.equal(await meetings.count(), 2);
  await page.getByRole('button', { name: 'Priorities board' }).click();
  await page.getByRole('heading', { name: 'Moped enabled robbery', level: 3 }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Moped enabled robbery', level: 3 }).count(), 1);
  assert.equal(await page.getByRole('heading', { name: 'Drug dealing in the estate stairwells', level: 3 }).count(), 1);
  assert.deepEqual(ctx.errors, []);
});

test('meetings: "You said, we did" is large enough to read across a room and shows no ids', async () => {
  const { page } = ctx;
  await meetingsPage(page);
  await page.getByRole('button', { name: 'You said, we did' }).click();
  await page.getByRole('combobox', { name: 'Show for' }).selectOption({ label: 'Camden Town (ward)' });
  const view = page.getByTestId('you-said-we-did');
  await view.getByText('Cycle theft at the station (11 votes)').waitFor();
  const text = await view.innerText();
  assert.doesNotMatch(text, /[0-9a-f]{8}-[0-9a-f]{4}|E0\d{7}|\d{4}-\d{2}-\d{2}|_/);
  const size = await view.getByText('Cycle theft at the station (11 votes)').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  assert.ok(size >= 24, `list text is ${size}px`);
});
