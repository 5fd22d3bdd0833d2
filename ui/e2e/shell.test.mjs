// @ts-check
/** The app shell in a real browser, on the FakeBackend: pages, navigation, theme, both orientations. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usePage, url } from './browser.mjs';

const ctx = usePage();

test('shell: Settings → About shows the app details from the backend', async () => {
  const { page } = ctx;
  await page.goto(url('#/settings'));
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  await page.getByText('Beatbook').first().waitFor();
  // The FakeBackend's app_info answer, rendered through the same component as in the real app.
  await page.getByRole('region', { name: 'About' }).getByTestId('app-version').getByText('0.0.0-fake').waitFor();
  assert.deepEqual(ctx.errors, []);
});

test('shell: every page in the main navigation opens and announces itself', async () => {
  const { page } = ctx;
  await page.goto(url());
  const nav = page.getByRole('navigation', { name: 'Main' });
  const links = await nav.getByRole('link').all();
  assert.ok(links.length >= 4, `expected the main navigation to have pages, found ${links.length}`);
  for (const link of links) {
    const label = (await link.getAttribute('aria-label')) ?? (await link.innerText()).trim();
    await link.click();
    await page.waitForFunction(
      (name) => document.querySelector(`nav a[aria-label="${name}"]`)?.getAttribute('aria-current') === 'page',
      label,
      { timeout: 5_000 },
    );
    const heading = page.getByRole('heading', { level: 1 });
    await heading.waitFor();
    assert.notEqual((await heading.innerText()).trim(), '', `the ${label} page has a heading`);
  }
  assert.deepEqual(ctx.errors, []);
});

test('shell: a page can be opened by its address', async () => {
  const { page } = ctx;
  await page.goto(url('#/home'));
  await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
  const current = page.getByRole('navigation', { name: 'Main' }).locator('[aria-current="page"]');
  assert.equal(await current.getAttribute('aria-label'), 'Home');
});

test('shell: portrait tablet shows the same navigation', async () => {
  const { page } = ctx;
  await page.setViewportSize({ width: 800, height: 1280 });
  await page.goto(url());
  await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
  const nav = page.getByRole('navigation', { name: 'Main' });
  assert.ok(await nav.isVisible());
  // Nothing runs off the side of a portrait tablet.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
});
