// @ts-check
/**
 * Every page of the HQ dashboard, for every role, as its readers meet it: no JSON, ids, ISO dates,
 * codes in snake_case or error codes on screen (screen-audit.js, the same audit as the tablet's).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { audit, usePage } from '../browser.mjs';
import { givePurpose } from './purpose.mjs';

const HQ = process.env.HQ_URL ?? 'http://127.0.0.1:8080';
const PASSWORD = 'demo-password-1';
const ctx = usePage({ viewport: { width: 1400, height: 900 } });

/** The demo's staff: a sergeant, an analyst, the intelligence unit and an administrator; and the
 * records manager run.mjs adds. */
const STAFF = ['PS1102', 'AN0815', 'DC7740', 'AD0001', 'RM0001'];

describe('HQ dashboard, page by page', () => {
  it('shows every role words, names and dates, never developer data', async () => {
    const page = ctx.page;
    /** @type {string[]} */
    const problems = [];
    for (const collar of STAFF) {
      await page.goto(`${HQ}/hq`);
      await page.getByLabel('Collar number').fill(collar);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const nav = page.getByRole('navigation', { name: 'Dashboard' });
      await nav.waitFor();
      await page.waitForLoadState('networkidle');
      // A role whose first page reads records (the intelligence unit's review) is asked its
      // purpose at once; the dialog and the page are audited below, page by page.
      if (await page.getByRole('dialog', { name: 'Why are you looking at these records?' }).isVisible()) {
        for (const p of await audit(page, { header: null, minTarget: 0 })) problems.push(`${collar} purpose dialog: ${p}`);
        await givePurpose(page);
      }
      const links = await nav.getByRole('link').all();
      const names = await Promise.all(links.map((l) => l.textContent()));
      assert.ok(names.length >= 1, `${collar} has pages`);
      for (const name of names) {
        await nav.getByRole('link', { name: name ?? '' }).click();
        await page.getByRole('heading', { level: 1 }).first().waitFor();
        await page.waitForLoadState('networkidle');
        for (const p of await audit(page, { header: null, minTarget: 0 })) problems.push(`${collar} ${name}: ${p}`);
        // A page that reads records asks for the purpose first (issue 16): the dialog is audited
        // above, then the page with what it read, once the purpose is given.
        if (await page.getByRole('dialog', { name: 'Why are you looking at these records?' }).isVisible()) {
          await givePurpose(page);
          await page.waitForLoadState('networkidle');
          for (const p of await audit(page, { header: null, minTarget: 0 })) problems.push(`${collar} ${name} (purpose given): ${p}`);
        }
      }
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in to HQ' }).waitFor();
    }
    assert.deepEqual(problems, [], `dashboard pages not fit for their readers:\n${problems.join('\n')}`);
  });
});
