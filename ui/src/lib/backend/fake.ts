/**
 * A test double for the device: recorded calls and answers scripted per test, for the UI's tests,
 * `npm run dev` in a plain browser and the Playwright suite.
 *
 * It fakes I/O only. The rules are the device's, tested in Rust (`crates/device`, `crates/store`,
 * `src-tauri/src/command_tests.rs`): the fake checks no field, counts no PIN, searches nothing,
 * works out no area, title, status, retention or review date. A test that needs such an answer
 * scripts it (`answer`, `answerOnce`, `rejectOnce`, `failWith`), with errors in the generated
 * `CommandError` shape.
 *
 * Unscripted, a call gets a plain answer from a small store: enrol and unlock succeed, lock locks;
 * a saved record is kept as given, with a change waiting until a sync while `hqReachable` (else
 * the sync answers `offline`), and its photos likewise; search finds nothing; lists are filtered
 * by kind and by the `status` a record was given (`put`). Sync facts are put into words by
 * `$lib/sync-words`, as the Tauri backend does.
 */
import type { ActionCard } from '../bindings/ActionCard';
import type { ActionUpdate } from '../bindings/ActionUpdate';
import type { Area } from '../bindings/Area';
import type { AreaId } from '../bindings/AreaId';
import type { AreaRef } from '../bindings/AreaRef';
import type { Briefing } from '../bindings/Briefing';
import type { ConcernUpdate } from '../bindings/ConcernUpdate';
import type { DeviceSettings } from '../bindings/DeviceSettings';
import type { EnrolInput } from '../bindings/EnrolInput';
import type { HistoryEntry } from '../bindings/HistoryEntry';
import type { IntelSubmission } from '../bindings/IntelSubmission';
import type { IntelSubmitted } from '../bindings/IntelSubmitted';
import type { ListFilter } from '../bindings/ListFilter';
import type { LockState } from '../bindings/LockState';
import type { LogEntry } from '../bindings/LogEntry';
import type { NewConcern } from '../bindings/NewConcern';
import type { OfficerProfile } from '../bindings/OfficerProfile';
import type { PhotoRef } from '../bindings/PhotoRef';
import type { PhotoView } from '../bindings/PhotoView';
import type { PriorityCard } from '../bindings/PriorityCard';
import type { RecordDetail } from '../bindings/RecordDetail';
import type { RecordId } from '../bindings/RecordId';
import type { RecordInput } from '../bindings/RecordInput';
import type { RecordKind } from '../bindings/RecordKind';
import type { RecordSummary } from '../bindings/RecordSummary';
import type { RecordUpdate } from '../bindings/RecordUpdate';
import type { SessionStatus } from '../bindings/SessionStatus';
import type { SyncOutcome } from '../bindings/SyncOutcome';
import type { SyncProgress } from '../bindings/SyncProgress';
import type { SyncView } from '../bindings/SyncView';
import type { TextConflict } from '../bindings/TextConflict';
import type { YouSaidWeDid } from '../bindings/YouSaidWeDid';
import { withOutcomeWords, withViewWords, type SyncOutcomeWithWords, type SyncViewWithWords } from '../sync-words';
import { BackendError, type AppInfo, type Backend, type BackendErrorBody } from './index';

export const FAKE_APP_INFO: AppInfo = { name: 'Beatbook', version: '0.0.0-fake', data_dir: '/fake/beatbook' };

export const FAKE_PROFILE: OfficerProfile = {
  officer: { id: 'PC4127', collar_number: 'PC4127', name: 'PC Amira Khan', role: 'officer', teams: ['camden-tct'] },
  teams: [{ id: 'camden-tct', name: 'Camden Town Centre Team', kind: 'tct', areas: ['tc-camden-town', 'tc-kentish-town'] }],
};

export type Method = keyof Backend;
/** What a script gives for `method`: the device's answer, or for sync the facts (the fake adds
 * the words, as the Tauri backend does). */
export type Reply<M extends Method> = M extends 'syncStatus'
  ? SyncView
  : M extends 'syncNow' | 'endOfShift'
    ? SyncOutcome
    : Awaited<ReturnType<Backend[M]>>;
/** A scripted answer: a value, or a function of the call's arguments (which may throw a
 * `BackendError`). */
export type Answer<M extends Method> = Reply<M> | ((...args: Parameters<Backend[M]>) => Reply<M> | Promise<Reply<M>>);
/** One call the UI made, with its arguments. */
export type Call = { [M in Method]: { method: M; args: Parameters<Backend[M]> } }[Method];

type Scripted<M extends Method> = { answer: Answer<M> } | { error: BackendErrorBody };

export interface FakeBackendOptions {
  /** Where the device starts: nothing on it, locked, or unlocked (the default). */
  start?: 'new' | 'locked' | 'unlocked';
  /** What `areasAll` answers (none by default). */
  areas?: Area[];
}

/** A record as the store holds it: what was saved, with what the device would have added given
 * by the test (`put`), never worked out here. */
export interface FakeRecord {
  kind: RecordKind;
  body: Record<string, unknown>;
  title?: string;
  status?: string | null;
  areas?: AreaRef[];
  editable?: boolean;
  /** Already on HQ (a record pulled or synced before); otherwise its creation waits. */
  onHq?: boolean;
}

interface Stored extends Required<FakeRecord> {
  id: RecordId;
  created_at: string;
  updated_at: string;
  history: HistoryEntry[];
  log: LogEntry[];
  conflicts: TextConflict[];
}

let counter = 0;
function newId(): RecordId {
  counter += 1;
  return `00000000-0000-7000-8000-${counter.toString(16).padStart(12, '0')}`;
}

const notFound = (what: string): BackendErrorBody => ({ code: 'not_found', message: `No ${what} on this device.` });

/** The record's first words, for its title in a list: the device's own titles are its business. */
function plainTitle(kind: RecordKind, body: Record<string, unknown>): string {
  const text = ['description', 'content', 'title', 'hotspot', 'notes'].map((k) => body[k]).find((v) => typeof v === 'string' && v.trim());
  return typeof text === 'string' ? text.split('\n')[0]!.slice(0, 80) : kind;
}

export class FakeBackend implements Backend {
  /** Every call in order, with its arguments. */
  readonly calls: Call[] = [];
  /** Whether HQ answers a sync. Set false for no signal. */
  hqReachable = true;
  /** How far this tablet's clock is ahead of HQ's (ms; negative: behind), as the last sync
   * learnt it; null before one. */
  clockAheadMs: number | null = null;
  private readonly scripts = new Map<Method, Scripted<Method>[]>();
  private readonly answers = new Map<Method, Answer<Method>>();
  private readonly failures: Partial<Record<Method, BackendErrorBody>> = {};
  private readonly areas: Area[];
  private state: LockState;
  private settingsValue: DeviceSettings = { auto_lock_minutes: 5, tile_url: null, max_auto_lock_minutes: 15 };
  private readonly records = new Map<RecordId, Stored>();
  private readonly actions = new Map<RecordId, ActionCard>();
  private readonly delays: Partial<Record<Method, number>> = {};
  private readonly photos = new Map<string, { bytes: Uint8Array; onHq: boolean }>();
  private lastSuccess: string | null = null;
  private offline = false;

  constructor(options: FakeBackendOptions = {}) {
    this.areas = options.areas ?? [];
    const start = options.start ?? 'unlocked';
    this.state = start === 'new' ? 'not_enrolled' : start;
  }

  /** Every later call of `method` gets this answer (instead of the plain one). */
  answer<M extends Method>(method: M, answer: Answer<M>): this {
    this.answers.set(method, answer as Answer<Method>);
    return this;
  }

  /** The next calls of `method` get these answers, one each, in order; then as before. */
  answerOnce<M extends Method>(method: M, ...answers: Answer<M>[]): this {
    return this.queue(method, answers.map((answer) => ({ answer }) as Scripted<Method>));
  }

  /** The next calls of `method` reject with these errors, one each, in order; then as before. */
  rejectOnce(method: Method, ...errors: BackendErrorBody[]): this {
    return this.queue(method, errors.map((error) => ({ error })));
  }

  /** Every call of `method` rejects with `error` from now on; `undefined` lets it answer again. */
  failWith(method: Method, error: BackendErrorBody | undefined): void {
    if (error) this.failures[method] = error;
    else delete this.failures[method];
  }

  /** Every later call of `method` answers after `ms`: a slow store, so a save stays in flight. */
  slow(method: Method, ms: number): this {
    this.delays[method] = ms;
    return this;
  }

  /** The arguments of each call of `method`, oldest first. */
  argsOf<M extends Method>(method: M): Parameters<Backend[M]>[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args as Parameters<Backend[M]>);
  }

  /** Puts a record on the device, as if saved or pulled earlier; answers its id. */
  put(record: FakeRecord, id: RecordId = newId()): RecordId {
    const now = new Date().toISOString();
    this.records.set(id, {
      kind: record.kind,
      body: structuredClone(record.body),
      title: record.title ?? plainTitle(record.kind, record.body),
      status: record.status !== undefined ? record.status : typeof record.body['status'] === 'string' ? record.body['status'] : null,
      areas: record.areas ?? [],
      editable: record.editable ?? true,
      onHq: record.onHq ?? false,
      id,
      created_at: now,
      updated_at: now,
      history: [{ at: now, by: FAKE_PROFILE.officer.id, what: 'Created', state: record.onHq ? 'on_hq' : 'waiting', reason: null }],
      log: [],
      conflicts: [],
    });
    return id;
  }

  /** Puts an improvement action on the device, as if pulled from HQ: the card as the device
   * would answer it (status, words and dates given by the test). */
  putAction(card: ActionCard): RecordId {
    this.actions.set(card.id, structuredClone(card));
    return card.id;
  }

  /** The open actions as the device holds them now (for a scripted briefing; not a call). */
  openActions(): ActionCard[] {
    return [...this.actions.values()].filter((a) => a.closed_on === null).map((a) => structuredClone(a));
  }

  /** Flags a narrative field as edited on two devices at once. */
  addConflict(id: RecordId, field: string, other: string): void {
    const r = this.stored(id);
    const now = new Date().toISOString();
    r.conflicts.push({
      field,
      versions: [
        { value: String(r.body[field] ?? ''), at: now, device: 'this device' },
        { value: other, at: now, device: 'another device' },
      ],
    });
  }

  appInfo(): Promise<AppInfo> {
    return this.call('appInfo', [], () => ({ ...FAKE_APP_INFO }));
  }
  appReady(): Promise<number> {
    return this.call('appReady', [], () => 0);
  }
  sessionStatus(): Promise<SessionStatus> {
    return this.call('sessionStatus', [], () => this.status());
  }
  enrol(input: EnrolInput): Promise<SessionStatus> {
    return this.call('enrol', [input], () => this.become('unlocked'));
  }
  unlock(pin: string): Promise<SessionStatus> {
    return this.call('unlock', [pin], () => this.become('unlocked'));
  }
  lock(): Promise<SessionStatus> {
    return this.call('lock', [], () => (this.state === 'unlocked' ? this.become('locked') : this.status()));
  }
  touch(): Promise<boolean> {
    return this.call('touch', [], () => this.state === 'unlocked');
  }
  settings(): Promise<DeviceSettings> {
    return this.call('settings', [], () => ({ ...this.settingsValue }));
  }
  saveSettings(settings: DeviceSettings): Promise<DeviceSettings> {
    return this.call('saveSettings', [settings], () => ({ ...(this.settingsValue = { ...settings }) }));
  }

  createRecord(input: RecordInput): Promise<RecordId> {
    return this.call('createRecord', [input], () => this.put({ kind: input.kind, body: { ...input.record } }));
  }
  submitIntel(submission: IntelSubmission): Promise<IntelSubmitted> {
    return this.call('submitIntel', [submission], () => {
      const { source, ...report } = submission;
      const reportId = this.put({ kind: 'intel_report', body: report, editable: false });
      return { report_id: reportId, source_id: source ? newId() : null };
    });
  }
  updateRecord(id: RecordId, update: RecordUpdate): Promise<boolean> {
    return this.call('updateRecord', [id, update], () => {
      const r = this.stored(id);
      r.body = { ...update.record };
      this.change(r, 'Changed');
      return true;
    });
  }
  addPriorityUpdate(id: RecordId, update: YouSaidWeDid): Promise<void> {
    return this.call('addPriorityUpdate', [id, update], () => {
      const r = this.stored(id);
      r.log.push({ entry: update, author: FAKE_PROFILE.officer.id });
      this.change(r, 'Added an update');
    });
  }
  addConcernUpdate(id: RecordId, update: ConcernUpdate): Promise<void> {
    return this.call('addConcernUpdate', [id, update], () => {
      const r = this.stored(id);
      r.log.push({ entry: { ...update, at: update.at ?? new Date().toISOString() }, author: FAKE_PROFILE.officer.id });
      this.change(r, 'Added an update');
    });
  }
  listRecords(filter: ListFilter): Promise<RecordSummary[]> {
    return this.call('listRecords', [filter], () =>
      [...this.records.values()]
        .reverse()
        .filter((r) => (filter.kind === null || r.kind === filter.kind) && (filter.status === null || r.status === filter.status))
        .slice(0, filter.limit ?? undefined)
        .map((r) => this.summary(r)),
    );
  }
  searchRecords(text: string, filter: ListFilter): Promise<RecordSummary[]> {
    return this.call('searchRecords', [text, filter], () => []);
  }
  getRecord(id: RecordId): Promise<RecordDetail> {
    return this.call('getRecord', [id], () => this.detail(this.stored(id)));
  }
  resolveConflict(id: RecordId, field: string, text: string): Promise<RecordDetail> {
    return this.call('resolveConflict', [id, field, text], () => {
      const r = this.stored(id);
      r.body[field] = text;
      r.conflicts = r.conflicts.filter((c) => c.field !== field);
      this.change(r, 'Changed');
      return this.detail(r);
    });
  }

  createConcernWithPhotos(concern: NewConcern, photos: string[]): Promise<RecordId> {
    return this.call('createConcernWithPhotos', [concern, photos], () =>
      this.put({ kind: 'concern', body: { ...concern, photos: this.keep(photos) } }),
    );
  }
  attachPhotos(id: RecordId, photos: string[]): Promise<PhotoView[]> {
    return this.call('attachPhotos', [id, photos], () => {
      const r = this.stored(id);
      r.body['photos'] = [...this.refs(r), ...this.keep(photos)];
      this.change(r, 'Photos added');
      return this.views(r);
    });
  }
  recordPhotos(id: RecordId): Promise<PhotoView[]> {
    return this.call('recordPhotos', [id], () => this.views(this.stored(id)));
  }
  photo(sha256: string, record?: RecordId): Promise<ArrayBuffer> {
    return this.call('photo', record === undefined ? [sha256] : [sha256, record], () => {
      const held = this.photos.get(sha256);
      if (!held) throw new BackendError(notFound('photo'));
      return held.bytes.slice().buffer;
    });
  }

  areasAt(lat: number, lon: number): Promise<AreaRef[]> {
    return this.call('areasAt', [lat, lon], () => []);
  }
  areasAll(): Promise<Area[]> {
    return this.call('areasAll', [], () => structuredClone(this.areas));
  }
  /** A grey square for any tile, so the map layer can be seen. */
  mapTile(z: number, x: number, y: number): Promise<string> {
    return this.call('mapTile', [z, x, y], () => {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><rect width="256" height="256" fill="#8a8f98"/><text x="8" y="20" font-size="14">${z}/${x}/${y}</text></svg>`;
      return `data:image/svg+xml;base64,${btoa(svg)}`;
    });
  }
  briefing(): Promise<Briefing> {
    return this.call('briefing', [], () => ({
      areas: [],
      concerns: [],
      priorities: [],
      actions: this.openActions(),
      hotspots: [],
      generated_at: new Date().toISOString(),
    }));
  }
  action(id: RecordId): Promise<ActionCard> {
    return this.call('action', [id], () => structuredClone(this.storedAction(id)));
  }
  /** Keeps the update as given, by the signed-in officer, waiting for sync; the status is the
   * device's to work out, so it is left as it was (script `addActionUpdate` for another). */
  addActionUpdate(id: RecordId, update: ActionUpdate): Promise<ActionCard> {
    return this.call('addActionUpdate', [id, update], () => {
      const card = this.storedAction(id);
      const view = { note: update.note, progress: update.progress, at: update.at ?? new Date().toISOString(), author_name: FAKE_PROFILE.officer.name };
      card.updates.push(view);
      card.latest_update = view;
      card.pending_ops += 1;
      return structuredClone(card);
    });
  }
  prioritiesBoard(area: AreaId | null): Promise<PriorityCard[]> {
    return this.call('prioritiesBoard', [area], () => []);
  }

  async syncStatus(): Promise<SyncViewWithWords> {
    return withViewWords(await this.call('syncStatus', [], () => this.view()));
  }
  async syncNow(onProgress?: (progress: SyncProgress) => void): Promise<SyncOutcomeWithWords> {
    return withOutcomeWords(await this.call('syncNow', onProgress ? [onProgress] : [], () => this.sync(onProgress)));
  }
  async endOfShift(onProgress?: (progress: SyncProgress) => void): Promise<SyncOutcomeWithWords> {
    return withOutcomeWords(await this.call('endOfShift', onProgress ? [onProgress] : [], () => this.sync(onProgress)));
  }

  /** Records the call, then answers: a failure set by `failWith`, else the next `answerOnce` or
   * `rejectOnce`, else the `answer`, else the plain one. Every rejection is a `BackendError`, as
   * from the Tauri backend. */
  private async call<M extends Method>(
    method: M,
    args: Parameters<Backend[M]>,
    plain: () => Reply<M> | Promise<Reply<M>>,
  ): Promise<Reply<M>> {
    this.calls.push({ method, args } as Call);
    const delay = this.delays[method];
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    const failure = this.failures[method];
    if (failure) throw new BackendError(failure);
    const once = this.scripts.get(method)?.shift() as Scripted<M> | undefined;
    const always = this.answers.get(method) as Answer<M> | undefined;
    const next: Scripted<M> | undefined = once ?? (always === undefined ? undefined : { answer: always });
    try {
      if (!next) return await plain();
      if ('error' in next) throw new BackendError(next.error);
      const answer = next.answer;
      return typeof answer === 'function' ? await (answer as (...a: Parameters<Backend[M]>) => Reply<M>)(...args) : structuredClone(answer);
    } catch (thrown) {
      throw BackendError.from(thrown);
    }
  }

  private queue(method: Method, scripted: Scripted<Method>[]): this {
    this.scripts.set(method, [...(this.scripts.get(method) ?? []), ...scripted]);
    return this;
  }

  private become(state: LockState): SessionStatus {
    this.state = state;
    return this.status();
  }

  private status(): SessionStatus {
    return {
      state: this.state,
      profile: this.state === 'unlocked' ? structuredClone(FAKE_PROFILE) : null,
      auto_lock_minutes: this.settingsValue.auto_lock_minutes,
      max_pin_attempts: 5,
    };
  }

  private storedAction(id: RecordId): ActionCard {
    const a = this.actions.get(id);
    if (!a) throw new BackendError(notFound(`improvement action ${id}`));
    return a;
  }

  private stored(id: RecordId): Stored {
    const r = this.records.get(id);
    if (!r) throw new BackendError(notFound(`record ${id}`));
    return r;
  }

  private change(r: Stored, what: string): void {
    r.updated_at = new Date().toISOString();
    r.history.push({ at: r.updated_at, by: FAKE_PROFILE.officer.id, what, state: 'waiting', reason: null });
  }

  private waiting(r: Stored): number {
    return r.history.filter((h) => h.state === 'waiting').length;
  }

  /** Keeps photos (base64 or `data:` URLs) as given: the type from a `data:` URL, else JPEG. */
  private keep(photos: string[]): PhotoRef[] {
    return photos.map((p) => {
      const comma = p.indexOf(',');
      const mime = p.startsWith('data:') ? p.slice(5, p.indexOf(';')) : 'image/jpeg';
      const bytes = Uint8Array.from(atob(comma >= 0 ? p.slice(comma + 1) : p), (ch) => ch.charCodeAt(0));
      const sha256 = newId().replaceAll('-', '').padStart(64, '0');
      this.photos.set(sha256, { bytes, onHq: false });
      return { sha256, mime, bytes: bytes.length };
    });
  }

  private refs(r: Stored): PhotoRef[] {
    return (r.body['photos'] ?? []) as PhotoRef[];
  }

  private views(r: Stored): PhotoView[] {
    return this.refs(r).map((photo) => {
      const held = this.photos.get(photo.sha256);
      return { photo, state: !held ? 'not_on_device' : held.onHq ? 'on_hq' : 'waiting' };
    });
  }

  private summary(r: Stored): RecordSummary {
    return {
      id: r.id,
      kind: r.kind,
      title: r.title,
      status: r.status,
      occurred_at: r.created_at,
      areas: r.areas.map((a) => a.id),
      conflicts: r.conflicts.map((c) => c.field),
      pending_ops: this.waiting(r),
      body: structuredClone(r.body),
    };
  }

  private detail(r: Stored): RecordDetail {
    const pending = this.waiting(r);
    return {
      id: r.id,
      kind: r.kind,
      title: r.title,
      body: structuredClone(r.body),
      areas: structuredClone(r.areas),
      created_by: FAKE_PROFILE.officer.id,
      created_at: r.created_at,
      updated_at: r.updated_at,
      pending_ops: pending,
      sync_state: pending > 0 ? 'waiting' : 'on_hq',
      editable: r.editable,
      conflicts: structuredClone(r.conflicts),
      log: structuredClone(r.log),
      history: structuredClone(r.history),
    };
  }

  private pending(): { changes: number; photos: number } {
    let changes = 0;
    for (const r of this.records.values()) changes += this.waiting(r);
    const photos = [...this.photos.values()].filter((p) => !p.onHq).length;
    return { changes, photos };
  }

  private view(): SyncView {
    const { changes, photos } = this.pending();
    return {
      state: this.offline ? 'offline' : changes || photos ? 'waiting' : 'all_uploaded',
      pending: changes,
      rejected: 0,
      pending_photos: photos,
      last_success: this.lastSuccess,
      last_error: this.offline ? 'no connection to HQ' : null,
      last_error_code: this.offline ? 'offline' : null,
      progress: null,
      hq_url: 'http://127.0.0.1:8080',
      clock_ahead_ms: this.clockAheadMs,
    };
  }

  /** Moves every waiting change and photo to HQ, or, with no signal, nothing. */
  private async sync(onProgress?: (progress: SyncProgress) => void): Promise<SyncOutcome> {
    const { changes, photos } = this.pending();
    const outcome = { pushed: 0, acked: 0, pulled: 0, refused: [], pending_photos: 0, photo_error: null };
    this.offline = !this.hqReachable;
    if (this.offline) {
      return { ...outcome, pending: changes, pending_photos: photos, complete: false, error_code: 'offline', error_message: 'No connection to HQ.' };
    }
    let sent = 0;
    for (const r of this.records.values()) {
      for (const h of r.history) {
        if (h.state !== 'waiting') continue;
        h.state = 'on_hq';
        sent += 1;
        onProgress?.({ phase: 'pushing', sent, total: changes });
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    let uploaded = 0;
    for (const p of this.photos.values()) {
      if (p.onHq) continue;
      p.onHq = true;
      onProgress?.({ phase: 'photos', uploaded: (uploaded += 1), total: photos });
    }
    onProgress?.({ phase: 'pulling', received: 0 });
    this.lastSuccess = new Date().toISOString();
    return { ...outcome, pushed: changes, acked: changes, pending: 0, complete: true, error_code: null, error_message: null };
  }
}
