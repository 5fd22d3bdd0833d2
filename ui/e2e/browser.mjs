// @ts-check
/**
 * Shared set-up for the e2e tests: one headless Chromium per test file, a fresh page (and
 * storage) per test, and a screenshot in e2e/.out when a test fails.
 */
import { after, afterEach, before, beforeEach } from 'node:test';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const outDir = join(here, '.out');

/** Where `npm run e2e` serves the web build. */
export const baseUrl = process.env.E2E_BASE_URL ?? 'http://127.0.0.1:4173/';

/** How long a single expectation may wait before it fails. */
export const STEP_MS = 10_000;

/**
 * Registers the hooks and returns a holder whose `page` is fresh in every test.
 * @param {{ viewport?: { width: number, height: number } }} [options]
 */
export function usePage(options = {}) {
  /** @type {import('playwright-core').Browser | undefined} */
  let browser;
  /** @type {import('playwright-core').BrowserContext | undefined} */
  let context;
  const holder = {
    /** @type {import('playwright-core').Page} */
    page: /** @type {any} */ (undefined),
    /** Console errors and uncaught exceptions seen in this test. */
    /** @type {string[]} */
    errors: [],
  };

  before(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      timeout: 30_000,
    });
  });

  beforeEach(async () => {
    if (!browser) throw new Error('Chromium did not start');
    context = await browser.newContext({
      viewport: options.viewport ?? { width: 1280, height: 800 },
      colorScheme: 'dark',
    });
    context.setDefaultTimeout(STEP_MS);
    holder.errors = [];
    holder.page = await context.newPage();
    holder.page.on('pageerror', (error) => holder.errors.push(`uncaught: ${error.message}`));
    holder.page.on('console', (message) => {
      if (message.type() === 'error') holder.errors.push(`console: ${message.text()}`);
    });
  });

  afterEach(async (t) => {
    // A failed test leaves a screenshot behind for whoever reads the CI log.
    const failed = /** @type {any} */ (t).passed === false;
    if (failed && holder.page) {
      mkdirSync(outDir, { recursive: true });
      const file = join(outDir, `${t.name.replace(/[^a-z0-9]+/gi, '-')}.png`);
      await holder.page.screenshot({ path: file, fullPage: true }).catch(() => {});
      console.error(`screenshot of the failure: ${file}`);
    }
    await context?.close();
  });

  after(async () => {
    await browser?.close();
  });

  return holder;
}

/** `baseUrl` with a hash route, e.g. `url('#/patrol')`. */
export function url(hash = '') {
  return new URL(hash, baseUrl).toString();
}

const screenAudit = readFileSync(join(here, 'screen-audit.js'), 'utf8');

/**
 * The screen audit (screen-audit.js, shared with the real app's walk) on the page as it is: a list
 * of problems in words, empty when the screen is fit for the people who read it.
 * @param {import('playwright-core').Page} page
 * @param {{ header?: string | null, allow?: string[], minTarget?: number }} [options]
 * @returns {Promise<string[]>}
 */
export function audit(page, options = {}) {
  return page.evaluate(`(${screenAudit})(${JSON.stringify(options)})`);
}
