// @ts-check
/**
 * What an officer meets on the shell's screens, in a real browser at a 10" tablet's sizes
 * (1280x800 landscape, 800x1280 portrait), on the demo device:
 *
 * - no page scrolls the shell away: scrolled to the bottom, the header, sync badge and menu are
 *   still in view, the window itself has not scrolled, and the content area is what scrolled;
 * - no record page shows JSON, an id, an ISO timestamp or an error code (the screen audit,
 *   e2e/screen-audit.js, shared with the real app's walk and the dashboard);
 * - every control and row is at least 44 px tall, and pickers are dark in the dark theme;
 * - a running patrol is in the header with its timer, and opens the patrol page;
 * - briefing items on Home open the record they are about, with their whole titles.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audit, usePage, url } from './browser.mjs';

const ctx = usePage();

const SIZES = [
  { width: 1280, height: 800 },
  { width: 800, height: 1280 },
];
/** Every page in the menu (the forms are the long ones). */
const PAGES = ['home', 'log-concern', 'intelligence', 'meetings', 'patrol', 'records', 'map', 'end-of-shift', 'settings'];
/** The screens this suite holds to "no developer data" and 44 px. */
const SHELL_PAGES = ['home', 'records', 'map', 'end-of-shift', 'settings'];


/** @param {import('playwright-core').Page} page @param {string} id */
async function open(page, id) {
  await page.evaluate((hash) => (location.hash = hash), `#/${id}`);
  await page.waitForFunction(
    (name) => document.querySelector(`nav a[aria-current="page"]`)?.getAttribute('href') === `#/${name}`,
    id,
  );
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.waitForTimeout(150);
}

/** Scrolls every way a person or the browser can: the wheel over the content, the window, the
 * content area to its end, and focus on the last control. Answers what moved.
 * @param {import('playwright-core').Page} page */
async function scrollToBottom(page) {
  const box = await page.locator('main').boundingBox();
  assert.ok(box, 'the content area is on screen');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < 8; i++) await page.mouse.wheel(0, 2000);
  return page.evaluate(() => {
    const main = /** @type {HTMLElement} */ (document.querySelector('main'));
    window.scrollTo(0, 1e6);
    main.scrollTop = 1e6;
    const controls = main.querySelectorAll('a, button, input, select, textarea');
    /** @type {HTMLElement | undefined} */ (controls[controls.length - 1])?.focus();
    main.scrollTop = 1e6;
    const header = /** @type {HTMLElement} */ (document.querySelector('header'));
    const nav = /** @type {HTMLElement} */ (document.querySelector('nav'));
    const h = header.getBoundingClientRect();
    const n = nav.getBoundingClientRect();
    const m = main.getBoundingClientRect();
    const mid = document.elementFromPoint(m.left + m.width / 2, m.top + m.height / 2);
    return {
      windowScrolled: window.scrollY + document.documentElement.scrollTop + document.body.scrollTop,
      documentTaller: document.documentElement.scrollHeight - window.innerHeight,
      headerTop: h.top,
      headerBottom: h.bottom,
      navTop: n.top,
      navVisible: n.height > 0 && n.bottom > 0,
      mainBottom: m.bottom,
      innerHeight: window.innerHeight,
      mainScrollTop: main.scrollTop,
      mainOverflows: main.scrollHeight > main.clientHeight + 1,
      middleIsContent: !!mid && main.contains(mid),
      badgeInView: (() => {
        const b = document.querySelector('[data-testid="sync-badge"]')?.getBoundingClientRect();
        return !!b && b.top >= 0 && b.bottom <= window.innerHeight;
      })(),
    };
  });
}

for (const size of SIZES) {
  test(`screens: no page scrolls the shell away at ${size.width}x${size.height}`, async () => {
    const { page } = ctx;
    await page.setViewportSize(size);
    await page.goto(url('#/home'));
    await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
    let scrolled = 0;
    for (const id of PAGES) {
      await open(page, id);
      const s = await scrollToBottom(page);
      const where = `${id} at ${size.width}x${size.height}: ${JSON.stringify(s)}`;
      assert.equal(s.windowScrolled, 0, `the window itself scrolled: ${where}`);
      assert.ok(s.documentTaller <= 0, `the document is taller than the window: ${where}`);
      assert.equal(s.headerTop, 0, `the header left the top: ${where}`);
      assert.ok(s.badgeInView, `the sync badge is out of view: ${where}`);
      assert.ok(s.navVisible, `the menu is out of view: ${where}`);
      assert.ok(s.mainBottom <= s.innerHeight + 1, `the content area runs off the window: ${where}`);
      assert.ok(s.middleIsContent, `blank window where the content should be: ${where}`);
      if (s.mainOverflows) {
        assert.ok(s.mainScrollTop > 0, `the content area did not scroll: ${where}`);
        scrolled += 1;
      }
    }
    assert.ok(scrolled > 0, `no page was long enough to scroll at ${size.width}x${size.height}`);
    assert.deepEqual(ctx.errors, []);
  });
}

test('screens: a record and the shell pages show no JSON, ids, ISO timestamps or error codes', async () => {
  const { page } = ctx;
  await page.goto(url('#/records'));
  await page.getByRole('heading', { name: 'Records', level: 1 }).waitFor();
  const entries = page.getByRole('button', { name: /^Open record: / });
  await entries.first().waitFor();
  const count = await entries.count();
  for (let i = 0; i < count; i++) {
    await page.goto(url('#/records'));
    const entry = page.getByRole('button', { name: /^Open record: / }).nth(i);
    await entry.click();
    await page.getByTestId('record-fields').waitFor();
    await page.getByTestId('record-reference').waitFor();
    assert.deepEqual(await audit(page, { minTarget: 0 }), [], `record ${i + 1} is not fit to read`);
  }
  for (const id of SHELL_PAGES) {
    await open(page, id);
    // Settings → About is where the technical details live.
    const allow = id === 'settings' ? ['About[\\s\\S]*'] : [];
    assert.deepEqual(await audit(page, { minTarget: 0, allow }), [], `${id} is not fit to read`);
  }
  // Home shows neither the data directory nor HQ's address: those are in Settings → About.
  await open(page, 'home');
  const home = await page.locator('main').innerText();
  assert.doesNotMatch(home, /\/fake\/beatbook|127\.0\.0\.1|Data directory/);
  await open(page, 'settings');
  const about = page.getByRole('region', { name: 'About' });
  await about.getByText('/fake/beatbook').waitFor();
  await about.getByText('http://127.0.0.1:8080').waitFor();
  assert.deepEqual(ctx.errors, []);
});

test('screens: every control and row on the shell pages is at least 44 px, and pickers are dark', async () => {
  const { page } = ctx;
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await page.goto(url('#/home'));
    await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
    for (const id of [...SHELL_PAGES, 'record']) {
      if (id === 'record') {
        await open(page, 'records');
        await page.getByRole('button', { name: /^Open record: / }).first().click();
        await page.getByTestId('record-fields').waitFor();
      } else {
        await open(page, id);
      }
      const small = await page.evaluate(() => {
        const controls = document.querySelectorAll(
          'a[href], button, input:not([type="checkbox"]):not([type="radio"]):not([type="file"]), select, textarea, summary, label:has(> input[type="checkbox"]), label:has(> input[type="radio"]), .entry, .item',
        );
        return [...controls]
          .filter((c) => c instanceof HTMLElement && c.offsetParent !== null && !c.classList.contains('skip'))
          .map((c) => ({ c, r: c.getBoundingClientRect() }))
          .filter(({ r }) => r.width > 0 && r.height < 44)
          .map(({ c, r }) => `${c.tagName.toLowerCase()} "${(c.getAttribute('aria-label') ?? c.textContent ?? '').trim().slice(0, 40)}" ${Math.round(r.height)} px`);
      });
      assert.deepEqual(small, [], `${id} at ${size.width}x${size.height}: controls under 44 px`);
    }
  }
  // Pickers follow the dark theme (the root's color-scheme reaches every select and date input).
  await open(page, 'records');
  const schemes = await page.evaluate(() =>
    [...document.querySelectorAll('select, input')].map((e) => getComputedStyle(e).colorScheme),
  );
  assert.ok(schemes.length > 0);
  for (const scheme of schemes) assert.equal(scheme, 'dark');
  assert.deepEqual(ctx.errors, []);
});

test('screens: a running patrol is in the header with its timer, and opens the patrol page', async () => {
  const { page } = ctx;
  await page.goto(url('#/home'));
  await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
  assert.equal(await page.getByTestId('patrol-timer').count(), 0, 'no patrol, no timer');
  await page.evaluate(() => {
    const started = new Date(Date.now() - 72.5 * 60_000).toISOString();
    /** @type {any} */ (window).beatbookFake.put({
      kind: 'patrol_log',
      body: { area_id: 'tc-camden-town', hotspot: 'Camden High Street', started_at: started, ended_at: null, notes: '', retention_review: '2027-12-06' },
      status: 'under_way',
    });
  });
  await open(page, 'records');
  const timer = page.getByTestId('patrol-timer');
  await timer.waitFor();
  assert.match(await timer.innerText(), /Patrol 1:12/);
  assert.equal(await timer.getAttribute('aria-label'), 'Patrol under way for 1 hour 12 minutes: open the patrol page');
  await timer.click();
  await page.waitForFunction(() => location.hash === '#/patrol');
  await page.getByRole('heading', { level: 1 }).waitFor();
  assert.deepEqual(ctx.errors, []);
});

test('screens: briefing items on Home open their record, with their whole titles', async () => {
  const { page } = ctx;
  await page.setViewportSize({ width: 800, height: 1280 });
  await page.goto(url('#/home'));
  const concerns = page.getByRole('list', { name: 'Open concerns' }).getByRole('link');
  await concerns.first().waitFor();
  const title = 'ASB nuisance: noise: Loud music from the flats above the market late at night';
  const item = page.getByRole('link', { name: `Open concern: ${title}` });
  // The whole title is on screen: not cut short, wrapped within its box.
  assert.ok((await item.innerText()).includes(title));
  const clipped = await item.evaluate((e) => e.scrollWidth > e.clientWidth + 1);
  assert.equal(clipped, false, 'the title runs out of its box');
  await item.click();
  await page.getByRole('heading', { name: title, level: 2 }).waitFor();
  await page.getByTestId('record-fields').waitFor();

  await page.goto(url('#/home'));
  await page.getByRole('link', { name: 'Open priority: Street drinking by the station' }).click();
  await page.getByRole('heading', { name: 'Street drinking by the station', level: 2 }).waitFor();
  assert.deepEqual(ctx.errors, []);
});
