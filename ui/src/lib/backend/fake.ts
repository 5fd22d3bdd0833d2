/**
 * An in-memory backend for tests and for running the UI in a plain browser. It keeps no state
 * beyond what it is given, and can be told to fail any call with a given `BackendError`.
 */
import { BackendError, type AppInfo, type Backend, type BackendErrorBody } from './index';

export const FAKE_APP_INFO: AppInfo = {
  name: 'Beatbook',
  version: '0.0.0-fake',
  data_dir: '/fake/beatbook',
};

export interface FakeBackendOptions {
  appInfo?: AppInfo;
  /** Calls (by method name) that reject with this error instead of answering. */
  failures?: Partial<Record<keyof Backend, BackendErrorBody>>;
}

export class FakeBackend implements Backend {
  /** Method names in call order, so tests can assert what the UI asked for. */
  readonly calls: (keyof Backend)[] = [];
  private info: AppInfo;
  private failures: Partial<Record<keyof Backend, BackendErrorBody>>;

  constructor(options: FakeBackendOptions = {}) {
    this.info = options.appInfo ?? FAKE_APP_INFO;
    this.failures = { ...options.failures };
  }

  /** Makes the next and later calls of `method` fail; `undefined` makes it succeed again. */
  failWith(method: keyof Backend, error: BackendErrorBody | undefined): void {
    if (error) this.failures[method] = error;
    else delete this.failures[method];
  }

  async appInfo(): Promise<AppInfo> {
    this.record('appInfo');
    return { ...this.info };
  }

  private record(method: keyof Backend): void {
    this.calls.push(method);
    const failure = this.failures[method];
    if (failure) throw new BackendError(failure);
  }
}
