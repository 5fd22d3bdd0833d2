/**
 * The app's live session: lock state, the signed-in officer, and the sync badge's view, kept
 * fresh by polling the backend (cheap IPC calls), faster while a sync runs.
 */
import { getContext, setContext } from 'svelte';
import { BackendError, type Backend } from '$lib/backend';
import type { SessionStatus } from '$lib/bindings/SessionStatus';
import type { SyncViewWithWords } from '$lib/sync-words';

const KEY = Symbol('beatbook.session');
/** How often the badge refreshes; faster while syncing so progress moves. */
const POLL_MS = 3_000;
const POLL_SYNCING_MS = 500;
/** At most one activity ping to the backend this often. */
const TOUCH_MS = 15_000;

export class AppSession {
  status: SessionStatus | null = $state(null);
  sync: SyncViewWithWords | null = $state(null);
  error: BackendError | null = $state(null);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastTouch = 0;

  constructor(readonly backend: Backend) {}

  async refresh(): Promise<void> {
    try {
      this.status = await this.backend.sessionStatus();
      this.error = null;
    } catch (thrown) {
      this.error = BackendError.from(thrown);
    }
    await this.refreshSync();
  }

  async refreshSync(): Promise<void> {
    if (this.status?.state !== 'unlocked') {
      this.sync = null;
      return;
    }
    try {
      this.sync = await this.backend.syncStatus();
    } catch (thrown) {
      const error = BackendError.from(thrown);
      if (error.code === 'locked') await this.refresh();
    }
  }

  /** Keep the badge fresh until `stop()`. */
  start(): void {
    const tick = async () => {
      await this.refreshSync();
      this.timer = setTimeout(tick, this.sync?.state === 'syncing' ? POLL_SYNCING_MS : POLL_MS);
    };
    this.timer = setTimeout(tick, POLL_MS);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** The officer did something: put off auto-lock; show the PIN pad if it locked meanwhile. */
  async activity(): Promise<void> {
    const now = Date.now();
    if (this.status?.state !== 'unlocked' || now - this.lastTouch < TOUCH_MS) return;
    this.lastTouch = now;
    try {
      if (!(await this.backend.touch())) await this.refresh();
    } catch {
      // A missed ping only means auto-lock may come a little early.
    }
  }

  async lock(): Promise<void> {
    this.status = await this.backend.lock();
    this.sync = null;
  }
}

export function provideSession(session: AppSession): AppSession {
  return setContext(KEY, session);
}

export function useSession(): AppSession {
  return getContext<AppSession>(KEY);
}
