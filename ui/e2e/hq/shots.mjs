// @ts-check
/**
 * Screenshots for the README, taken only when HQ_E2E_SCREENSHOTS=1 (docs/screenshots/hq-NAME.png).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const shots = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'screenshots');

/**
 * @param {import('playwright-core').Page | import('playwright-core').Locator} what
 * @param {string} name
 */
export async function shot(what, name) {
  if (process.env.HQ_E2E_SCREENSHOTS !== '1') return;
  mkdirSync(shots, { recursive: true });
  await what.screenshot({ path: join(shots, `hq-${name}.png`) });
}
