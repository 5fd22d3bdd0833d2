// @ts-check
/**
 * `node e2e/hq/run.mjs` (from ui/): the HQ dashboard in Chromium against a real HQ.
 *
 * 1. Needs the built UI (`npm run build`, ui/dist) and the CLI (`cargo build --bin beatbook`,
 *    or BEATBOOK_BIN).
 * 2. Starts `beatbook hq serve` on a free port of 127.0.0.1 with a fresh SQLite database seeded
 *    with the demo data (its records manager is RM0001, Grace Whitfield; every officer's password is
 *    `demo-password-1`), serving ui/dist.
 * 3. Runs every `e2e/hq/*.test.mjs` with Node's test runner, with HQ_URL, HQ_DB, BEATBOOK_BIN and
 *    E2E_TMP set. Headless devices are the real `beatbook device` CLI (and, for intelligence,
 *    which the CLI does not log, a device speaking the sync protocol from Node).
 * 4. Prints `hq e2e: passed` or fails; stops HQ whatever happens.
 *
 * HQ_E2E_SCREENSHOTS=1 refreshes docs/screenshots/hq-*.png; HQ_E2E_LOG=1 shows HQ's log;
 * HQ_E2E_ONLY=subject_access runs only the files whose names contain it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ui = join(here, '..', '..');
const repo = join(ui, '..');
const bin = process.env.BEATBOOK_BIN ?? join(process.env.CARGO_TARGET_DIR || join(repo, 'target'), 'debug', 'beatbook');

/** @returns {Promise<number>} */
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
  if (!existsSync(bin)) throw new Error(`no ${bin}: run \`cargo build --bin beatbook\` first (or set BEATBOOK_BIN)`);
  if (!existsSync(join(ui, 'dist', 'hq.html'))) throw new Error('no ui/dist/hq.html: run `npm run build` first');
  const tmp = mkdtempSync(join(tmpdir(), 'beatbook-hq-e2e-'));
  const db = `sqlite:${join(tmp, 'hq.db')}`;
  execFileSync(bin, ['hq', '--db', db, 'admin', 'seed-demo', '--password', 'demo-password-1', '--no-activity'], { stdio: 'inherit' });
  const port = await freePort();
  const hqUrl = `http://127.0.0.1:${port}`;
  const hq = spawn(bin, ['hq', '--db', db, 'serve', '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, BEATBOOK_UI_DIST: join(ui, 'dist') },
    // HQ's log only when asked for (HQ_E2E_LOG=1): it is long.
    stdio: ['ignore', process.env.HQ_E2E_LOG === '1' ? 'inherit' : 'ignore', 'inherit'],
  });
  let code = 1;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${hqUrl}/api/v1/health`)).ok) break;
      } catch {
        /* not up yet */
      }
      if (i > 100) throw new Error('HQ did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const only = process.env.HQ_E2E_ONLY ?? '';
    const specs = readdirSync(here)
      .filter((f) => f.endsWith('.test.mjs') && f.includes(only))
      .sort()
      .map((f) => join(here, f));
    const tests = spawn(process.execPath, ['--test', '--test-concurrency=1', ...specs], {
      env: { ...process.env, HQ_URL: hqUrl, HQ_DB: db, BEATBOOK_BIN: bin, E2E_TMP: tmp },
      stdio: 'inherit',
    });
    code = await new Promise((resolve) => tests.on('exit', (c) => resolve(c ?? 1)));
  } finally {
    hq.kill();
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(code === 0 ? 'hq e2e: passed' : 'hq e2e: FAILED');
  process.exit(code);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
