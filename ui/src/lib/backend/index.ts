/**
 * The one door from the UI to the device: the Tauri app in production, an in-memory fake in
 * tests and in the browser. Components take it from Svelte context (`useBackend`), never import
 * `@tauri-apps/api` themselves.
 */
import { getContext, hasContext, setContext } from 'svelte';
import type { ActionCard } from '../bindings/ActionCard';
import type { ActionUpdate } from '../bindings/ActionUpdate';
import type { Area } from '../bindings/Area';
import type { AreaId } from '../bindings/AreaId';
import type { AreaRef } from '../bindings/AreaRef';
import type { Briefing } from '../bindings/Briefing';
import type { CommandError } from '../bindings/CommandError';
import type { ConcernUpdate } from '../bindings/ConcernUpdate';
import type { DeviceSettings } from '../bindings/DeviceSettings';
import type { EnrolInput } from '../bindings/EnrolInput';
import type { ErrorCode } from '../bindings/ErrorCode';
import type { FieldError } from '../bindings/FieldError';
import type { IntelSubmission } from '../bindings/IntelSubmission';
import type { IntelSubmitted } from '../bindings/IntelSubmitted';
import type { ListFilter } from '../bindings/ListFilter';
import type { NewConcern } from '../bindings/NewConcern';
import type { PhotoView } from '../bindings/PhotoView';
import type { PriorityCard } from '../bindings/PriorityCard';
import type { RecordDetail } from '../bindings/RecordDetail';
import type { RecordId } from '../bindings/RecordId';
import type { RecordInput } from '../bindings/RecordInput';
import type { RecordSummary } from '../bindings/RecordSummary';
import type { RecordUpdate } from '../bindings/RecordUpdate';
import type { SessionStatus } from '../bindings/SessionStatus';
import type { SyncProgress } from '../bindings/SyncProgress';
import type { YouSaidWeDid } from '../bindings/YouSaidWeDid';
import type { SyncOutcomeWithWords, SyncViewWithWords } from '../sync-words';

/** What `app_info` answers (Rust: `src-tauri/src/commands/app.rs`, `AppInfo`). */
export interface AppInfo {
  name: string;
  version: string;
  /** Absolute path of the app's data directory on this device. */
  data_dir: string;
}

/** Codes the UI itself raises: the backend could not be reached or answered nonsense, or a check
 * the form makes before asking it. */
export const CLIENT_ERROR_CODES = {
  unreachable: 'backend_unreachable',
  malformed: 'backend_malformed_error',
  pinMismatch: 'pin_mismatch',
} as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[keyof typeof CLIENT_ERROR_CODES];

/** Every code a tablet error carries: the device's (`ErrorCode`, generated from Rust) or the UI's
 * own. Comparing a code with a string that is neither fails `npm run check`. */
export type BackendErrorCode = ErrorCode | ClientErrorCode;

/** The shape every backend error has on the wire (Rust: `CommandError`, generated), with the codes
 * of its end: the tablet's by default, HQ's for the dashboard (`HqErrorCode`). */
export type ErrorBody<C extends string = BackendErrorCode> = Omit<CommandError, 'code'> & {
  /** Stable, machine-readable; the UI switches on this, never on `message`. */
  code: C;
};
/** A tablet error on the wire. */
export type BackendErrorBody = ErrorBody;

/** A failed backend call. Always carries a `code` and a readable `message`. */
export class BackendError<C extends string = BackendErrorCode> extends Error {
  readonly code: C;
  readonly fields: FieldError[];
  readonly attempts_left?: number;

  // NoInfer: a code is checked against `C` (the tablet's by default), not taken as a new type.
  constructor(body: ErrorBody<NoInfer<C>>) {
    super(body.message);
    this.name = 'BackendError';
    this.code = body.code;
    this.fields = body.fields ?? [];
    if (body.attempts_left !== undefined) this.attempts_left = body.attempts_left;
  }

  /** The message for one field (`description`, `location.lat`), if it has a problem. */
  fieldMessage(field: string): string | undefined {
    return this.fields.find((f) => f.field === field || f.field.startsWith(`${field}.`))?.message;
  }

  /** Turns anything thrown across the bridge into a `BackendError`. A `{code, message}` body is
   * taken to carry a code of `C`, as the generated types say the other end sends. */
  static from<C extends string = BackendErrorCode>(thrown: unknown): BackendError<C | ClientErrorCode> {
    if (thrown instanceof BackendError) return thrown as BackendError<C>;
    if (isBackendErrorBody(thrown)) return new BackendError(thrown as ErrorBody<C>);
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

export function isBackendErrorBody(value: unknown): value is ErrorBody<string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)['code'] === 'string' &&
    typeof (value as Record<string, unknown>)['message'] === 'string'
  );
}

/** Everything the UI may ask of the device. Every method rejects only with a `BackendError`.
 * Each method is one Tauri command (named in the comment). */
export interface Backend {
  /** `app_info` */
  appInfo(): Promise<AppInfo>;
  /** `app_ready`: the first screen is drawn; answers milliseconds since start-up. */
  appReady(): Promise<number>;

  /** `session_status`: enrolled? unlocked? who is signed in. */
  sessionStatus(): Promise<SessionStatus>;
  /** `enrol`: first run. Sets up the store under the PIN, enrols with HQ, signs in. */
  enrol(input: EnrolInput): Promise<SessionStatus>;
  /** `unlock`: rejects `wrong_pin` / `last_attempt` (with `attempts_left`) or `wiped`. */
  unlock(pin: string): Promise<SessionStatus>;
  /** `lock` */
  lock(): Promise<SessionStatus>;
  /** `session_touch`: the officer is active; false when the app has locked meanwhile. */
  touch(): Promise<boolean>;
  /** `settings_get` */
  settings(): Promise<DeviceSettings>;
  /** `settings_set` */
  saveSettings(settings: DeviceSettings): Promise<DeviceSettings>;

  /** `records_create`: answers the new record's id. */
  createRecord(input: RecordInput): Promise<RecordId>;
  /** `intel_submit` */
  submitIntel(submission: IntelSubmission): Promise<IntelSubmitted>;
  /** `records_update`: false when nothing changed. */
  updateRecord(id: RecordId, update: RecordUpdate): Promise<boolean>;
  /** `priority_add_update` */
  addPriorityUpdate(id: RecordId, update: YouSaidWeDid): Promise<void>;
  /** `concern_add_update`: a dated update appended to a concern (it is not retyped). */
  addConcernUpdate(id: RecordId, update: ConcernUpdate): Promise<void>;
  /** `records_list` */
  listRecords(filter: ListFilter): Promise<RecordSummary[]>;
  /** `records_search` */
  searchRecords(text: string, filter: ListFilter): Promise<RecordSummary[]>;
  /** `records_get` */
  getRecord(id: RecordId): Promise<RecordDetail>;
  /** `records_resolve`: settle a concurrent-edit conflict on `field` with `text`. */
  resolveConflict(id: RecordId, field: string, text: string): Promise<RecordDetail>;
  /** `concern_create_with_photos`: the concern and its photos (base64 or data: URLs) in one
   * save. A photo too large or not an image rejects `invalid` with a `photos[i]` field error. */
  createConcernWithPhotos(concern: NewConcern, photos: string[]): Promise<RecordId>;
  /** `record_attach_photos`: add photos to a saved concern (one change, synced like an edit);
   * answers its photos. Field errors are numbered after the photos it already has. */
  attachPhotos(id: RecordId, photos: string[]): Promise<PhotoView[]>;
  /** `record_photos`: each photo with `waiting` (only on this device) / `on_hq` / `not_on_device`. */
  recordPhotos(id: RecordId): Promise<PhotoView[]>;
  /** `photo_get`: a photo's bytes. One taken on another tablet for `record` is fetched from HQ
   * (when reachable) and kept; without `record` it rejects `not_found`. */
  photo(sha256: string, record?: RecordId): Promise<ArrayBuffer>;

  /** `areas_at` */
  areasAt(lat: number, lon: number): Promise<AreaRef[]>;
  /** `areas_all` */
  areasAll(): Promise<Area[]>;
  /** `map_tile`: a tile of the tile server set in Settings, as a `data:` URL (saved on the
   * tablet after the first time); rejects `tile_unavailable` offline when not saved. */
  mapTile(z: number, x: number, y: number): Promise<string>;
  /** `briefing` */
  briefing(): Promise<Briefing>;
  /** `priorities_board` */
  prioritiesBoard(area: AreaId | null): Promise<PriorityCard[]>;
  /** `action_get`: an improvement action of the team with every progress update. */
  action(id: RecordId): Promise<ActionCard>;
  /** `action_add_update`: a progress update (note; on or off track) saved offline; answers the
   * action as it now stands. An empty note rejects `invalid` with a `note` field error. */
  addActionUpdate(id: RecordId, update: ActionUpdate): Promise<ActionCard>;

  /** `sync_status`: what the badge shows; cheap enough to poll. The device answers facts; the
   * words are added by `syncViewWords` (`$lib/sync-words`). */
  syncStatus(): Promise<SyncViewWithWords>;
  /** `sync_now`: a failed sync is an answer (`complete: false`, `words`), not a rejection. */
  syncNow(onProgress?: (progress: SyncProgress) => void): Promise<SyncOutcomeWithWords>;
  /** `end_of_shift`: syncs until nothing is waiting, then says what is left and why. */
  endOfShift(onProgress?: (progress: SyncProgress) => void): Promise<SyncOutcomeWithWords>;
}

/** A filter with only the given parts set. */
export function filter(parts: Partial<ListFilter> = {}): ListFilter {
  return { kind: null, area: null, status: null, since: null, until: null, limit: null, ...parts };
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
