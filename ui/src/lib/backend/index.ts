/**
 * The one door from the UI to the device: the Tauri app in production, an in-memory fake in
 * tests and in the browser. Components take it from Svelte context (`useBackend`), never import
 * `@tauri-apps/api` themselves.
 */
import { getContext, hasContext, setContext } from 'svelte';

/** What `app_info` answers (Rust: `src-tauri/src/commands/app.rs`, `AppInfo`). */
export interface AppInfo {
  name: string;
  version: string;
  /** Absolute path of the app's data directory on this device. */
  data_dir: string;
}

/** The shape every backend error has on the wire (Rust: `CommandError`). */
export interface BackendErrorBody {
  /** Stable, machine-readable; the UI switches on this, never on `message`. */
  code: string;
  /** For a person: what happened and what to do next. */
  message: string;
}

/** Codes the UI itself raises when the backend cannot be reached or answers nonsense. */
export const CLIENT_ERROR_CODES = {
  unreachable: 'backend_unreachable',
  malformed: 'backend_malformed_error',
} as const;

/** A failed backend call. Always carries a `code` and a readable `message`. */
export class BackendError extends Error implements BackendErrorBody {
  readonly code: string;

  constructor(body: BackendErrorBody) {
    super(body.message);
    this.name = 'BackendError';
    this.code = body.code;
  }

  /** Turns anything thrown across the bridge into a `BackendError`. */
  static from(thrown: unknown): BackendError {
    if (thrown instanceof BackendError) return thrown;
    if (isBackendErrorBody(thrown)) return new BackendError(thrown);
    if (typeof thrown === 'string') {
      return new BackendError({ code: CLIENT_ERROR_CODES.malformed, message: thrown });
    }
    const detail = thrown instanceof Error ? thrown.message : String(thrown);
    return new BackendError({
      code: CLIENT_ERROR_CODES.unreachable,
      message: `The app could not reach its data store (${detail}). Close and reopen Beatbook; if it keeps happening, tell your supervisor.`,
    });
  }
}

export function isBackendErrorBody(value: unknown): value is BackendErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)['code'] === 'string' &&
    typeof (value as Record<string, unknown>)['message'] === 'string'
  );
}

/** Everything the UI may ask of the device. Every method rejects only with a `BackendError`. */
export interface Backend {
  appInfo(): Promise<AppInfo>;
}

const BACKEND_KEY = Symbol('beatbook.backend');

/** Call during component initialisation (in the root component) to provide the backend. */
export function provideBackend(backend: Backend): Backend {
  return setContext(BACKEND_KEY, backend);
}

/** Call during component initialisation to get the backend provided by an ancestor. */
export function useBackend(): Backend {
  if (!hasContext(BACKEND_KEY)) {
    throw new Error('No Backend in context: wrap the component in one that calls provideBackend().');
  }
  return getContext<Backend>(BACKEND_KEY);
}

/** The context map that provides `backend`, for `mount`/`render` options (tests, other entries). */
export function backendContext(backend: Backend): Map<unknown, unknown> {
  return new Map<unknown, unknown>([[BACKEND_KEY, backend]]);
}
