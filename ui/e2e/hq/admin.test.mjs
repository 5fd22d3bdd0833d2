// @ts-check
/**
 * The HQ dashboard's administration, records and intelligence review against a real HQ (see
 * run.mjs): adding an area (a refused boundary first), a team and an officer; the confirmation
 * before a role change; and every page an administrator, a supervisor and the intelligence unit
 * meet shows words, names and dates, never JSON, ids or ISO timestamps.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { audit, usePage } from '../browser.mjs';
import { api, staffToken, submitWithSource } from './hq-api.mjs';
import { givePurpose } from './purpose.mjs';
import { shot } from './shots.mjs';

const HQ = process.env.HQ_URL ?? 'http://127.0.0.1:8080';
const PASSWORD = 'demo-password-1';
const ctx = usePage({ viewport: { width: 1400, height: 900 } });

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


/** What a person must never read: JSON, ids, ISO timestamps, codes. */
async function assertReadable(where) {
  assert.deepEqual(await audit(ctx.page, { header: null, minTarget: 0 }), [], `${where} is not fit to read`);
}

const UNCLOSED = '{"type":"Polygon","coordinates":[[[-0.16,51.54],[-0.15,51.54],[-0.15,51.545]]]}';
const SQUARE = '{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-0.16,51.54],[-0.15,51.54],[-0.15,51.545],[-0.16,51.545],[-0.16,51.54]]]}}';

describe('HQ administration', () => {
  it('adds an area (refusing an unclosed boundary first), a team and an officer', async () => {
    const page = ctx.page;
    await signIn('AD0001');
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();

    await page.getByText('Add an area').click();
    const areaForm = page.getByRole('form', { name: 'Add an area' });
    await areaForm.getByLabel('Name').fill('Primrose Hill');
    await areaForm.getByLabel('Borough').fill('Camden');
    await areaForm.getByLabel('Boundary (GeoJSON)').fill(UNCLOSED);
    await areaForm.getByRole('button', { name: 'Add area' }).click();
    await areaForm.getByRole('alert').filter({ hasText: 'The boundary is not closed' }).waitFor();
    assert.equal(await areaForm.getByLabel('Name').inputValue(), 'Primrose Hill');
    await areaForm.getByLabel('Boundary (GeoJSON)').fill(SQUARE);
    await areaForm.getByRole('button', { name: 'Add area' }).click();
    await page.getByRole('status').filter({ hasText: 'Primrose Hill (ward) added.' }).waitFor();

    await page.getByText('Add a team').click();
    const teamForm = page.getByRole('form', { name: 'Add a team' });
    await teamForm.getByLabel('Name').fill('Primrose Hill SNT');
    await teamForm.getByLabel('Primrose Hill (ward)').check();
    await teamForm.getByRole('button', { name: 'Add team' }).click();
    await page.getByRole('status').filter({ hasText: 'Primrose Hill SNT added.' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'Primrose Hill SNT' }).filter({ hasText: 'Primrose Hill (ward)' }).waitFor();

    await page.getByText('Add an officer').click();
    const officerForm = page.getByRole('form', { name: 'Add an officer' });
    await officerForm.getByLabel('Collar number').fill('PC6001');
    await officerForm.getByLabel(/^Name/).fill('PC Jo Bright');
    await officerForm.getByLabel('Primrose Hill SNT').check();
    await officerForm.getByLabel(/^Password/).fill(PASSWORD);
    await officerForm.getByRole('button', { name: 'Add officer' }).click();
    await page.getByRole('status').filter({ hasText: 'PC Jo Bright (PC6001) added.' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'PC Jo Bright' });
    assert.match((await row.textContent()) ?? '', /Primrose Hill SNT/);
    await assertReadable('Administration');
  });

  it('asks before changing a role, naming the officer and both roles', async () => {
    const page = ctx.page;
    await signIn('AD0001');
    await page.getByRole('link', { name: 'Administration' }).click();
    const picker = page.getByRole('combobox', { name: 'Role of PC Luis Ferreira' });
    await picker.selectOption({ label: 'Analyst' });
    const dialog = page.getByRole('dialog', { name: "Change PC Luis Ferreira's role?" });
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /From Officer to Analyst/);
    await dialog.getByRole('button', { name: 'Keep Officer' }).click();
    assert.equal(await picker.inputValue(), 'officer');
    const token = await staffToken('AD0001');
    const before = (await api('/api/v1/hq/admin/officers', token)).find((/** @type {{ id: string }} */ o) => o.id === 'PC5071');
    assert.equal(before.role, 'officer');

    await picker.selectOption({ label: 'Analyst' });
    await dialog.getByRole('button', { name: 'Change to Analyst' }).click();
    await page.getByRole('status').filter({ hasText: 'PC Luis Ferreira is now an analyst.' }).waitFor();
    const after = (await api('/api/v1/hq/admin/officers', token)).find((/** @type {{ id: string }} */ o) => o.id === 'PC5071');
    assert.equal(after.role, 'analyst');
    // Put it back for the other tests, through the same confirmation.
    await picker.selectOption({ label: 'Officer' });
    await dialog.getByRole('button', { name: 'Change to Officer' }).click();
    await page.getByRole('status').filter({ hasText: 'PC Luis Ferreira is now an officer.' }).waitFor();
  });

  it('disables a leaver after asking: their sign-in is refused until they are enabled again', async () => {
    const page = ctx.page;
    await signIn('AD0001');
    await page.getByRole('link', { name: 'Administration' }).click();
    // No button to disable yourself.
    await page.getByRole('button', { name: 'Disable PC Jo Bright' }).waitFor();
    const officers = await api('/api/v1/hq/admin/officers', await staffToken('AD0001'));
    const self = officers.find((/** @type {{ id: string }} */ o) => o.id === 'AD0001');
    assert.ok(self?.name);
    assert.equal(await page.getByRole('button', { name: `Disable ${self.name}`, exact: true }).count(), 0);
    await page.getByRole('button', { name: 'Disable PC Jo Bright' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disable PC Jo Bright?' });
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /every session of theirs ends at once/);
    await shot(dialog, 'admin-disable');
    await dialog.getByRole('button', { name: 'Disable PC Jo Bright' }).click();
    await page.getByRole('status').filter({ hasText: 'PC Jo Bright is disabled' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'PC Jo Bright' });
    assert.match((await row.textContent()) ?? '', /Disabled/);
    await assertReadable('Administration with a disabled officer');
    /** @param {string} collar */
    const signInCode = async (collar) => {
      const r = await fetch(`${HQ}/api/v1/hq/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ collar_number: collar, password: PASSWORD }),
      });
      return (await r.json()).code;
    };
    assert.equal(await signInCode('PC6001'), 'officer_disabled');

    await page.getByRole('button', { name: 'Enable PC Jo Bright' }).click();
    await page.getByRole('status').filter({ hasText: 'PC Jo Bright may sign in again.' }).waitFor();
    // Enabled again: an officer's password is taken (the dashboard is then refused for the role).
    assert.notEqual(await signInCode('PC6001'), 'officer_disabled');
  });

  it('shows the audit trail, records and intelligence review in words, names and dates', async () => {
    await submitWithSource('PC3318', {
      content: 'A blue van parks outside the café on Kingsland Road every night',
      name: 'Jan Novak',
      contact: '07700 900789',
      notes: 'Runs the café opposite',
    });
    const page = ctx.page;

    await signIn('AD0001');
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const writes = page.getByRole('table', { name: 'Writes' });
    await writes.waitFor();
    assert.match((await writes.textContent()) ?? '', /PC Grace Adeyemi \(PC3318\)/);
    assert.match((await writes.textContent()) ?? '', /Intelligence report [0-9A-Z]{4}-[0-9A-Z]{4}/);
    assert.doesNotMatch((await writes.textContent()) ?? '', /blue van/);
    // The admin log: the sign-in just made, in words; each read's purpose has its column.
    const events = page.getByRole('table', { name: 'Administration and security' });
    assert.match((await events.textContent()) ?? '', /Admin User \(AD0001\)\s*Signed in\s*Signed in at the HQ dashboard\./);
    assert.match((await page.getByRole('table', { name: 'Reads' }).textContent()) ?? '', /Purpose/);
    await page.getByRole('button', { name: 'Verify hash chains' }).click();
    await page.getByRole('status').filter({ hasText: /Every chain verifies/ }).waitFor();
    const chains = (await page.getByRole('table', { name: 'Hash chains' }).textContent()) ?? '';
    assert.match(chains, /Access log\s*\d+ entries/);
    assert.match(chains, /Admin log\s*\d+ entries/);
    assert.doesNotMatch(chains, /BROKEN/);
    await assertReadable('The audit trail');

    await signIn('DC7740');
    await page.getByRole('heading', { level: 1, name: 'Intelligence review' }).waitFor();
    await givePurpose(page);
    await page.getByRole('button', { name: /A blue van parks outside the café/ }).click();
    const source = page.getByRole('definition').filter({ hasText: 'Jan Novak' });
    await source.waitFor();
    const fields = (await page.locator('dl[aria-label="Source details"]').innerText()).replace(/\s+/g, ' ');
    assert.match(fields, /Kind of source Member of public/);
    assert.match(fields, /Notes Runs the café opposite/);
    assert.match(fields, /Recorded \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}/);
    await assertReadable('Intelligence review');

    await page.getByRole('link', { name: 'Records' }).click();
    const list = page.getByRole('region', { name: 'Record list' });
    await list.getByRole('button', { name: /A blue van parks outside the café/ }).click();
    const record = page.getByRole('region', { name: 'Record', exact: true });
    await record.getByRole('heading', { level: 2 }).waitFor();
    assert.match((await record.textContent()) ?? '', /Created by\s*PC Grace Adeyemi \(PC3318\)/);
    await assertReadable('Records');
  });
});
