// @ts-check
/**
 * `npm run e2e`: the web build driven in Chromium (Debian's /usr/bin/chromium, headless) with
 * playwright-core, against the UI's FakeBackend.
 *
 * 1. Builds the UI into e2e/.build with NODE_ENV=development: `src/app/main.ts` picks the
 *    FakeBackend only when `import.meta.env.DEV` and not inside Tauri, and a production build
 *    always talks to Tauri, so the test build is a development build (ui/dist is untouched).
 * 2. Serves it with `vite preview` on a free port of 127.0.0.1.
 * 3. Runs every `e2e/*.test.mjs` with Node's test runner (one file at a time), with
 *    E2E_BASE_URL set; they launch Chromium through `e2e/browser.mjs`.
 * 4. Prints `e2e: N passed, M failed` (scripts/test.sh adds N to its closing line) and exits
 *    non-zero if anything failed.
 *
 * Environment: CHROMIUM (default /usr/bin/chromium), E2E_SKIP_BUILD=1 (reuse e2e/.build),
 * and anything after `--` is passed to `node --test` (e.g. `npm run e2e -- --test-name-pattern=shell`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ui = join(here, '..');
const outDir = join(here, '.build');
const tap = join(here, '.out', 'results.tap');

/** @returns {Promise<number>} a port nobody listens on right now */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function main() {
  // Vite reads NODE_ENV when it resolves its config: development makes import.meta.env.DEV true.
  process.env.NODE_ENV = 'development';
  const vite = await import('vite');
  const started = Date.now();

  if (process.env.E2E_SKIP_BUILD !== '1' || !existsSync(join(outDir, 'index.html'))) {
    await vite.build({
      root: ui,
      mode: 'development',
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true, minify: false },
    });
  }

  const port = await freePort();
  const server = await vite.preview({
    root: ui,
    mode: 'development',
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port, strictPort: true, open: false },
  });
  const baseUrl = `http://127.0.0.1:${port}/`;
  console.log(`e2e: web build served at ${baseUrl} (built in ${((Date.now() - started) / 1000).toFixed(1)} s)`);

  const files = readdirSync(here)
    .filter((f) => f.endsWith('.test.mjs'))
    .sort()
    .map((f) => join(here, f));
  const extra = process.argv.slice(2);
  rmSync(tap, { force: true });
  mkdirSync(dirname(tap), { recursive: true });

  let code = 1;
  try {
    code = await new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--test',
          '--test-concurrency=1',
          '--test-reporter=spec',
          '--test-reporter-destination=stdout',
          '--test-reporter=tap',
          `--test-reporter-destination=${tap}`,
          ...extra,
          ...files,
        ],
        { stdio: 'inherit', env: { ...process.env, E2E_BASE_URL: baseUrl } },
      );
      // Hard limit for the whole suite: a hung browser must not hang CI.
      const limit = setTimeout(() => {
        console.error('e2e: the suite took longer than 5 minutes; stopping it');
        child.kill('SIGTERM');
      }, 5 * 60_000);
      child.on('exit', (status, signal) => {
        clearTimeout(limit);
        resolve(status ?? (signal ? 1 : 0));
      });
    });
  } finally {
    await new Promise((resolve) => server.httpServer.close(() => resolve(undefined)));
  }

  const results = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (/** @type {string} */ key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(results)?.[1] ?? 0);
  const passed = count('pass');
  const failed = count('fail') + count('cancelled');
  console.log(`e2e: ${passed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  process.exit(code === 0 && failed === 0 && passed > 0 ? 0 : 1);
}

main().catch((error) => {
  console.error('e2e:', error);
  process.exit(1);
});
