// @ts-check
/**
 * The capture flow in a real browser, on the demo device (`?fake=new`: nothing on the device):
 * enrol, lock and unlock with the PIN, log a concern, see it waiting, sync, see it on HQ. The
 * same story runs against the real app and a real HQ in tests/app_e2e.rs; names are those in
 * ui/README.md.
 *
 * The demo device is a test double: it checks no PIN and no field. Where a test needs the
 * device's refusal, it scripts it through `window.beatbookFake` (src/lib/backend/fake.ts), in the
 * device's `CommandError` shape; the rules themselves are tested in Rust
 * (src-tauri/src/command_tests.rs).
 *
 * Not covered here: HQ unreachable (the real-app test covers it with HQ stopped).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usePage, url } from './browser.mjs';

const ctx = usePage();

const PASSWORD = 'demo-password-2026';
const PIN = '135790';

/** @param {import('playwright-core').Page} page */
async function enrol(page) {
  await page.goto(url('?fake=new'));
  await page.getByRole('heading', { name: 'Enrol this tablet' }).waitFor();
  await page.getByRole('textbox', { name: 'HQ address' }).fill('http://127.0.0.1:8080');
  await page.getByRole('textbox', { name: 'Enrolment code' }).fill('ABCD-EFGH');
  await page.getByRole('textbox', { name: 'Collar number' }).fill('PC4127');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('New PIN', { exact: true }).fill(PIN);
  await page.getByLabel('Repeat new PIN', { exact: true }).fill(PIN);
  await page.getByRole('button', { name: 'Enrol this device' }).click();
  await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
}

/**
 * The next `method` call on the demo device rejects with `error`.
 * @param {import('playwright-core').Page} page
 * @param {string} method
 * @param {{ code: string, message: string, fields?: { field: string, code: string, message: string }[], attempts_left?: number }} error
 */
async function rejectOnce(page, method, error) {
  await page.evaluate(([m, e]) => /** @type {any} */ (window).beatbookFake.rejectOnce(m, e), /** @type {const} */ ([method, error]));
}

/** @param {import('playwright-core').Page} page */
function syncBadge(page) {
  return page.getByTestId('sync-badge');
}

test('capture: enrol, lock, unlock, log a concern, see it waiting, sync, see it on HQ', async () => {
  const { page } = ctx;
  await enrol(page);
  await page.getByTestId('officer-name').waitFor();

  // Lock and unlock with the PIN.
  await page.getByRole('button', { name: 'Lock now' }).click();
  await page.getByRole('heading', { name: 'Unlock Beatbook' }).waitFor();
  await page.getByLabel('PIN', { exact: true }).fill(PIN);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();

  // Log a concern at Camden Town: the app works out the ward and town centre.
  const description = 'Street drinking by the war memorial most evenings';
  await page.getByRole('link', { name: 'Log a concern' }).click();
  await page.getByRole('heading', { name: 'Log a concern', level: 1 }).waitFor();
  await page.getByRole('combobox', { name: 'Category' }).selectOption('asb:nuisance:street_drinking');
  await page.getByRole('textbox', { name: 'Description' }).fill(description);
  await page.getByRole('textbox', { name: 'Place' }).fill('By the war memorial, Camden High Street');
  await page.getByRole('spinbutton', { name: 'Latitude' }).fill('51.5392');
  await page.getByRole('spinbutton', { name: 'Longitude' }).fill('-0.1426');
  await page.getByTestId('concern-areas').getByText('Camden Town').first().waitFor();
  await page.getByRole('button', { name: 'Save concern' }).click();
  await page.getByTestId('concern-saved').waitFor();

  // Listed as waiting; the badge counts it.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Records' }).click();
  const entry = page.getByRole('button', { name: new RegExp(`^Open record: .*${description}`) });
  await entry.waitFor();
  assert.match(await entry.innerText(), /Waiting for sync/);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="sync-badge"]')?.getAttribute('data-state') === 'waiting',
  );

  // Sync from home; everything is on HQ.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
  await page.getByRole('button', { name: 'Sync now' }).click();
  await page.getByTestId('sync-result').waitFor();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="sync-badge"]')?.getAttribute('data-state') === 'all_uploaded',
  );
  assert.match(await syncBadge(page).innerText(), /All uploaded/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Records' }).click();
  await page.getByRole('button', { name: new RegExp(`^Open record: .*${description}`) }).getByText('On HQ').waitFor();
  assert.deepEqual(ctx.errors, []);
});

test('capture: a wrong PIN says how many tries are left', async () => {
  const { page } = ctx;
  await enrol(page);
  await page.getByRole('button', { name: 'Lock now' }).click();
  // The device's answer to a first wrong PIN (Rust: DeviceError::message).
  await rejectOnce(page, 'unlock', {
    code: 'wrong_pin',
    message: "Wrong PIN. 4 tries left before this device's records are wiped.",
    attempts_left: 4,
  });
  await page.getByLabel('PIN', { exact: true }).fill('000000');
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  const alert = page.getByRole('alert').filter({ hasText: /tries left/ });
  await alert.waitFor();
  assert.match(await alert.innerText(), /4 tries left/);
});

test('capture: enrolment needs every field', async () => {
  const { page } = ctx;
  await page.goto(url('?fake=new'));
  await page.getByRole('heading', { name: 'Enrol this tablet' }).waitFor();
  // The device's answer to an enrolment with fields left empty (Rust: DeviceError::EnrolIncomplete).
  await rejectOnce(page, 'enrol', {
    code: 'invalid',
    message: 'Fill in every field to enrol.',
    fields: [
      { field: 'code', code: 'required', message: 'Enrolment code is required' },
      { field: 'collar_number', code: 'required', message: 'Collar number is required' },
    ],
  });
  await page.getByRole('button', { name: 'Enrol this device' }).click();
  // Still on the enrolment page, with something said about what is missing.
  await page.getByRole('alert').waitFor();
  await page.getByRole('heading', { name: 'Enrol this tablet' }).waitFor();
  const text = await page.locator('main, body').first().innerText();
  assert.match(text, /required|Fill in|must/i);
});
