/**
 * An in-memory device for tests and for running the UI in a plain browser (`npm run dev`, the
 * Playwright suite). It behaves like the real app: enrol, PIN with a wipe at the limit, records
 * that wait until a sync, an HQ that can be made unreachable, and any call can be told to fail.
 */
import type { Area } from '../bindings/Area';
import type { AreaId } from '../bindings/AreaId';
import type { AreaRef } from '../bindings/AreaRef';
import type { Briefing } from '../bindings/Briefing';
import type { ChangeState } from '../bindings/ChangeState';
import type { Concern } from '../bindings/Concern';
import type { DeviceSettings } from '../bindings/DeviceSettings';
import type { EnrolInput } from '../bindings/EnrolInput';
import type { HistoryEntry } from '../bindings/HistoryEntry';
import type { IntelReport } from '../bindings/IntelReport';
import type { IntelSubmission } from '../bindings/IntelSubmission';
import type { IntelSubmitted } from '../bindings/IntelSubmitted';
import type { ListFilter } from '../bindings/ListFilter';
import type { NewConcern } from '../bindings/NewConcern';
import type { PhotoRef } from '../bindings/PhotoRef';
import type { PhotoView } from '../bindings/PhotoView';
import type { LogEntry } from '../bindings/LogEntry';
import type { Meeting } from '../bindings/Meeting';
import type { OfficerProfile } from '../bindings/OfficerProfile';
import type { Priority } from '../bindings/Priority';
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
import type { SyncState } from '../bindings/SyncState';
import type { SyncView } from '../bindings/SyncView';
import type { TextConflict } from '../bindings/TextConflict';
import type { YouSaidWeDid } from '../bindings/YouSaidWeDid';
import { contains } from '../geo';
import { categoryLabel } from '../categories';
import { withOutcomeWords, withViewWords, type SyncOutcomeWithWords, type SyncViewWithWords } from '../sync-words';
import { DEMO_AREAS } from './demo-areas';
import { BackendError, type AppInfo, type Backend, type BackendErrorBody } from './index';

export const FAKE_APP_INFO: AppInfo = {
  name: 'Beatbook',
  version: '0.0.0-fake',
  data_dir: '/fake/beatbook',
};

export const FAKE_PIN = '246810';
export const FAKE_PASSWORD = 'demo-password-2026';
const MAX_ATTEMPTS = 5;

export const FAKE_PROFILE: OfficerProfile = {
  officer: { id: 'PC4127', collar_number: 'PC4127', name: 'PC Amira Khan', role: 'officer', teams: ['camden-tct'] },
  teams: [{ id: 'camden-tct', name: 'Camden Town Centre Team', kind: 'tct', areas: ['tc-camden-town', 'tc-kentish-town'] }],
};

export interface FakeBackendOptions {
  appInfo?: AppInfo;
  /** Where the device starts: nothing on it, locked (PIN 246810), or unlocked (the default). */
  start?: 'new' | 'locked' | 'unlocked';
  /** Start with a few demo records (for `npm run dev`). */
  demo?: boolean;
  /** Calls (by method name) that reject with this error instead of answering. */
  failures?: Partial<Record<keyof Backend, BackendErrorBody>>;
}

interface FakeRecord {
  id: RecordId;
  kind: RecordKind;
  body: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  history: HistoryEntry[];
  log: LogEntry[];
  conflicts: TextConflict[];
}

let counter = 0;
let photoCounter = 0;
const MAX_PHOTO_BYTES = 15 * 1024 * 1024;

/** The image type from the first bytes, as the device reads it (never from the file's name). */
function sniffMime(b: Uint8Array): string | null {
  const at = (i: number, ...xs: number[]) => xs.every((x, j) => b[i + j] === x);
  const text = (i: number, s: string) => at(i, ...[...s].map((ch) => ch.charCodeAt(0)));
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (text(0, 'RIFF') && text(8, 'WEBP')) return 'image/webp';
  if (text(4, 'ftyp') && ['heic', 'heix', 'mif1', 'msf1', 'heis'].some((t) => text(8, t))) return 'image/heic';
  return null;
}
function newId(): RecordId {
  counter += 1;
  const hex = (Date.now().toString(16) + counter.toString(16).padStart(8, '0')).padStart(20, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${'0'.repeat(12)}`;
}

function addMonths(date: string, months: number): string {
  const d = new Date(`${date.slice(0, 10)}T12:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

function invalid(field: string, message: string): BackendError {
  return new BackendError({
    code: 'invalid',
    message: 'Some fields need attention before this can be saved.',
    fields: [{ field, code: 'required', message }],
  });
}

/** Type and size checks as the device makes them; field errors count from `first`. */
function checkPhotos(photos: string[], first: number) {
  return photos.map((p, i) => {
    const b64 = p.includes(',') ? p.slice(p.indexOf(',') + 1) : p;
    const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    const field = `photos[${first + i}]`;
    if (bytes.length > MAX_PHOTO_BYTES) {
      throw new BackendError({
        code: 'invalid',
        message: 'Some fields need attention before this can be saved.',
        fields: [{ field, code: 'too_large', message: 'the most a photo may be is 15 MB: take it at a lower resolution' }],
      });
    }
    const mime = sniffMime(bytes);
    if (!mime) {
      throw new BackendError({
        code: 'invalid',
        message: 'Some fields need attention before this can be saved.',
        fields: [{ field, code: 'unsupported_type', message: 'only JPEG, PNG, WebP or HEIC photos can be attached' }],
      });
    }
    photoCounter += 1;
    const sha256 = photoCounter.toString(16).padStart(64, '0');
    return { ref: { sha256, mime, bytes: bytes.length }, bytes };
  });
}

export class FakeBackend implements Backend {
  /** Method names in call order, so tests can assert what the UI asked for. */
  readonly calls: (keyof Backend)[] = [];
  /** Whether HQ answers. Set false to simulate no signal. */
  hqReachable = true;
  private info: AppInfo;
  private failures: Partial<Record<keyof Backend, BackendErrorBody>>;
  private state: 'not_enrolled' | 'locked' | 'unlocked';
  private pin = FAKE_PIN;
  private wrongPins = 0;
  private records = new Map<RecordId, FakeRecord>();
  private photos = new Map<string, { bytes: Uint8Array; onHq: boolean }>();
  private settingsValue: DeviceSettings = { auto_lock_minutes: 5, tile_url: null };
  private lastSuccess: string | null = null;
  private lastErrorCode: string | null = null;
  private hqUrl: string | null = 'http://127.0.0.1:8080';

  constructor(options: FakeBackendOptions = {}) {
    this.info = options.appInfo ?? FAKE_APP_INFO;
    this.failures = { ...options.failures };
    const start = options.start ?? 'unlocked';
    this.state = start === 'new' ? 'not_enrolled' : start;
    if (options.demo) this.seedDemo();
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

  async appReady(): Promise<number> {
    this.record('appReady');
    return 0;
  }

  async sessionStatus(): Promise<SessionStatus> {
    this.record('sessionStatus');
    return this.status();
  }

  async enrol(input: EnrolInput): Promise<SessionStatus> {
    this.record('enrol');
    if (this.state !== 'not_enrolled') {
      throw new BackendError({ code: 'already_enrolled', message: 'This device is already enrolled. Unlock it with your PIN.' });
    }
    const missing = (
      [
        ['hq_url', input.hq_url, 'HQ address'],
        ['code', input.code, 'Enrolment code'],
        ['collar_number', input.collar_number, 'Collar number'],
        ['password', input.password, 'Password'],
      ] as const
    ).filter(([, value]) => !value.trim());
    if (missing.length) {
      throw new BackendError({
        code: 'invalid',
        message: 'Fill in every field to enrol.',
        fields: missing.map(([field, , label]) => ({ field, code: 'required', message: `${label} is required` })),
      });
    }
    if (input.pin.length < 6) {
      throw new BackendError({ code: 'pin_too_short', message: 'The PIN must be at least 6 characters.' });
    }
    if (!this.hqReachable) {
      throw new BackendError({ code: 'offline', message: 'No connection to HQ: enrolling needs a connection. Try again when you have signal.' });
    }
    if (input.password !== FAKE_PASSWORD || input.code.trim() === 'bad-code') {
      throw new BackendError({ code: 'refused', message: 'HQ refused the request: the code or the password is wrong.' });
    }
    this.pin = input.pin;
    this.hqUrl = input.hq_url;
    this.state = 'unlocked';
    return this.status();
  }

  async unlock(pin: string): Promise<SessionStatus> {
    this.record('unlock');
    if (this.state === 'not_enrolled') {
      throw new BackendError({ code: 'not_enrolled', message: 'This device is not enrolled yet. Enrol it with a code from HQ.' });
    }
    if (this.state === 'unlocked') return this.status();
    if (pin !== this.pin) {
      this.wrongPins += 1;
      const left = MAX_ATTEMPTS - this.wrongPins;
      if (left <= 0) {
        this.state = 'not_enrolled';
        this.records.clear();
        this.wrongPins = 0;
        throw new BackendError({
          code: 'wiped',
          message: `Wrong PIN ${MAX_ATTEMPTS} times: this device's records have been wiped. Contact your supervisor to re-enrol.`,
          attempts_left: 0,
        });
      }
      if (left === 1) {
        throw new BackendError({
          code: 'last_attempt',
          message: 'Wrong PIN. One try left: another wrong PIN wipes every record on this device.',
          attempts_left: 1,
        });
      }
      throw new BackendError({ code: 'wrong_pin', message: `Wrong PIN. ${left} tries left before this device's records are wiped.`, attempts_left: left });
    }
    this.wrongPins = 0;
    this.state = 'unlocked';
    return this.status();
  }

  async lock(): Promise<SessionStatus> {
    this.record('lock');
    if (this.state === 'unlocked') this.state = 'locked';
    return this.status();
  }

  async touch(): Promise<boolean> {
    this.record('touch');
    return this.state === 'unlocked';
  }

  async settings(): Promise<DeviceSettings> {
    this.record('settings');
    return { ...this.settingsValue };
  }

  async saveSettings(settings: DeviceSettings): Promise<DeviceSettings> {
    this.record('saveSettings');
    if (settings.auto_lock_minutes > 60) {
      throw new BackendError({ code: 'bad_input', message: 'Auto-lock can be at most 60 minutes.' });
    }
    this.settingsValue = { ...settings };
    return { ...settings };
  }

  async createRecord(input: RecordInput): Promise<RecordId> {
    this.record('createRecord');
    this.requireUnlocked();
    switch (input.kind) {
      case 'concern': {
        const c = input.record;
        if (!c.description.trim()) throw invalid('description', 'A description is required');
        if (c.consent_to_contact && !c.contact?.trim()) {
          throw invalid('contact', 'give contact details, or untick consent to be contacted');
        }
        const now = new Date().toISOString();
        const concern: Concern = {
          category: c.category,
          description: c.description,
          location: c.location,
          areas: this.areaIdsAt(c.location.lat, c.location.lon),
          people: c.people,
          consent_to_contact: c.consent_to_contact,
          contact: c.consent_to_contact ? c.contact : null,
          priority: c.priority,
          status: c.status,
          crime_referral: c.crime_referral,
          reported_at: c.reported_at ?? now,
          retention_review: c.retention_review ?? addMonths(now, 24),
          photos: [],
        };
        return this.put('concern', concern as unknown as Record<string, unknown>);
      }
      case 'meeting': {
        // The dates the store fills in when the form leaves them out.
        const r = input.record;
        const m: Meeting = {
          ...r,
          review_date: r.review_date ?? addMonths(r.held_on, 3),
          retention_review: r.retention_review ?? addMonths(r.held_on, 24),
        };
        if (m.attendance.length === 0 && m.total_attendance === null) {
          throw invalid('attendance', 'record attendance by role or as a head count');
        }
        if (m.review_date <= m.held_on) throw invalid('review_date', 'the review date must be after the meeting');
        const id = this.put('meeting', m as unknown as Record<string, unknown>);
        for (const title of m.agreed_priorities) {
          const p: Priority = {
            area_id: m.area_id,
            title,
            description: '',
            meeting_id: id,
            agreed_on: m.held_on,
            last_reviewed_on: null,
            status: 'active',
            retention_review: m.retention_review,
            scanning: '',
            analysis: '',
            responses: [],
            assessment: '',
          };
          this.put('priority', p as unknown as Record<string, unknown>);
        }
        return id;
      }
      case 'patrol_log':
      case 'engagement': {
        const r = input.record;
        const day = 'started_at' in r ? r.started_at : r.held_at;
        const record = { ...r, retention_review: r.retention_review ?? addMonths(day, 24) };
        return this.put(input.kind, record as unknown as Record<string, unknown>);
      }
      default:
        return this.put(input.kind, input.record as unknown as Record<string, unknown>);
    }
  }

  async submitIntel(s: IntelSubmission): Promise<IntelSubmitted> {
    this.record('submitIntel');
    this.requireUnlocked();
    if (!s.content.trim()) throw invalid('content', 'The intelligence is required');
    const now = new Date().toISOString();
    const sourceId = s.source ? newId() : null;
    const report: IntelReport = {
      grade: s.grade,
      security: s.security,
      content: s.content,
      checks_made: s.checks_made,
      threat_to_life: s.threat_to_life,
      location: s.location,
      areas: s.location ? this.areaIdsAt(s.location.lat, s.location.lon) : [],
      source_id: sourceId,
      review_state: 'submitted',
      disseminated_to: [],
      legacy_grade: null,
      submitted_at: now,
      retention_review: addMonths(now, 72),
    };
    const reportId = this.put('intel_report', report as unknown as Record<string, unknown>);
    if (s.source && sourceId) {
      this.put('intel_source', { ...s.source, report_id: reportId, recorded_at: now }, sourceId);
    }
    return { report_id: reportId, source_id: sourceId };
  }

  async updateRecord(id: RecordId, update: RecordUpdate): Promise<boolean> {
    this.record('updateRecord');
    this.requireUnlocked();
    const r = this.get(id);
    const next = update.record as unknown as Record<string, unknown>;
    if (update.kind === 'concern') {
      const c = update.record;
      next['areas'] = this.areaIdsAt(c.location.lat, c.location.lon);
    }
    const changed = Object.keys(next).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(r.body[k]));
    if (changed.length === 0) return false;
    r.body = { ...r.body, ...next };
    this.change(r, `Changed ${changed.map((f) => f.replaceAll('_', ' ')).join(', ')}`);
    return true;
  }

  async addPriorityUpdate(id: RecordId, update: YouSaidWeDid): Promise<void> {
    this.record('addPriorityUpdate');
    this.requireUnlocked();
    if (!update.you_said.trim()) throw invalid('you_said', 'What residents said is required');
    if (!update.we_did.trim()) throw invalid('we_did', 'What was done is required');
    const r = this.get(id);
    r.log.push({ entry: update, author: FAKE_PROFILE.officer.id });
    this.change(r, 'Added an update');
  }

  async listRecords(filter: ListFilter): Promise<RecordSummary[]> {
    this.record('listRecords');
    this.requireUnlocked();
    return this.matching(filter).sort((a, b) => b.occurred_at.localeCompare(a.occurred_at));
  }

  async searchRecords(text: string, filter: ListFilter): Promise<RecordSummary[]> {
    this.record('searchRecords');
    this.requireUnlocked();
    const words = text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    if (words.length === 0) return [];
    return this.matching(filter).filter((r) => {
      const hay = `${r.title} ${JSON.stringify(r.body)}`.toLowerCase();
      const tokens = hay.split(/[^\p{L}\p{N}]+/u);
      return words.every((w) => tokens.some((t) => t.startsWith(w)));
    });
  }

  async getRecord(id: RecordId): Promise<RecordDetail> {
    this.record('getRecord');
    this.requireUnlocked();
    return this.detail(this.get(id));
  }

  async resolveConflict(id: RecordId, field: string, text: string): Promise<RecordDetail> {
    this.record('resolveConflict');
    this.requireUnlocked();
    const r = this.get(id);
    r.body[field] = text;
    r.conflicts = r.conflicts.filter((c) => c.field !== field);
    this.change(r, `Changed ${field.replaceAll('_', ' ')}`);
    return this.detail(r);
  }

  /** Flags a narrative field as edited on two devices at once (for tests and the dev demo). */
  addConflict(id: RecordId, field: string, other: string): void {
    const r = this.get(id);
    const now = new Date().toISOString();
    r.conflicts.push({
      field,
      versions: [
        { value: String(r.body[field] ?? ''), at: now, device: 'this device' },
        { value: other, at: now, device: 'another device' },
      ],
    });
  }

  async areasAt(lat: number, lon: number): Promise<AreaRef[]> {
    this.record('areasAt');
    this.requireUnlocked();
    return this.refs(this.areaIdsAt(lat, lon));
  }

  async areasAll(): Promise<Area[]> {
    this.record('areasAll');
    this.requireUnlocked();
    return structuredClone(DEMO_AREAS);
  }

  async briefing(): Promise<Briefing> {
    this.record('briefing');
    this.requireUnlocked();
    const teamAreas = new Set(FAKE_PROFILE.teams.flatMap((t) => t.areas));
    const inScope = (r: RecordSummary) => r.areas.some((a) => teamAreas.has(a));
    const concerns = this.matching({ kind: 'concern' } as ListFilter).filter(
      (r) => inScope(r) && (r.status === 'open' || r.status === 'in_progress'),
    );
    const priorities = this.cards().filter((c) => teamAreas.has(c.priority.area_id) && c.priority.status === 'active');
    const counts = new Map<AreaId, number>();
    for (const c of concerns) for (const a of c.areas) if (teamAreas.has(a)) counts.set(a, (counts.get(a) ?? 0) + 1);
    const hotspots = [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([id, n]) => ({ area: this.refs([id])[0]!, open_concerns: n }));
    return { areas: this.refs([...teamAreas]), concerns, priorities, hotspots, generated_at: new Date().toISOString() };
  }

  async createConcernWithPhotos(concern: NewConcern, photos: string[]): Promise<RecordId> {
    this.record('createConcernWithPhotos');
    this.requireUnlocked();
    const checked = checkPhotos(photos, 0);
    const id = await this.createRecord({ kind: 'concern', record: concern });
    this.calls.pop(); // the createRecord above is part of this call
    const r = this.get(id);
    r.body['photos'] = checked.map((c) => c.ref);
    for (const c of checked) this.photos.set(c.ref.sha256, { bytes: c.bytes, onHq: false });
    return id;
  }

  async attachPhotos(id: RecordId, photos: string[]): Promise<PhotoView[]> {
    this.record('attachPhotos');
    this.requireUnlocked();
    const r = this.get(id);
    const refs = (r.body['photos'] ?? []) as PhotoRef[];
    const checked = checkPhotos(photos, refs.length);
    r.body['photos'] = [...refs, ...checked.map((c) => c.ref)];
    for (const c of checked) this.photos.set(c.ref.sha256, { bytes: c.bytes, onHq: false });
    this.change(r, 'Photos added');
    const views = await this.recordPhotos(id);
    this.calls.pop(); // the recordPhotos above is part of this call
    return views;
  }

  async recordPhotos(id: RecordId): Promise<PhotoView[]> {
    this.record('recordPhotos');
    this.requireUnlocked();
    const refs = (this.get(id).body['photos'] ?? []) as PhotoRef[];
    return refs.map((photo) => {
      const held = this.photos.get(photo.sha256);
      return { photo, state: !held ? 'not_on_device' : held.onHq ? 'on_hq' : 'waiting' };
    });
  }

  /** The fake has no tile server: a grey square for any tile, so the map layer can be seen. */
  async mapTile(z: number, x: number, y: number): Promise<string> {
    this.record('mapTile');
    if (!this.settingsValue.tile_url) {
      throw new BackendError({ code: 'bad_input', message: 'No map tile server is set: the map shows the areas only.' });
    }
    const label = `${z}/${x}/${y}`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><rect width="256" height="256" fill="#8a8f98"/><text x="8" y="20" font-size="14">${label}</text></svg>`;
    return `data:image/svg+xml;base64,${btoa(svg)}`;
  }

  async photo(sha256: string): Promise<ArrayBuffer> {
    this.record('photo');
    this.requireUnlocked();
    const held = this.photos.get(sha256);
    if (!held) throw new BackendError({ code: 'not_found', message: 'This photo is on HQ, not on this tablet.' });
    return held.bytes.slice().buffer;
  }

  /** Photos only on this device. */
  private pendingPhotos(): number {
    return [...this.photos.values()].filter((p) => !p.onHq).length;
  }

  async prioritiesBoard(area: AreaId | null): Promise<PriorityCard[]> {
    this.record('prioritiesBoard');
    this.requireUnlocked();
    return this.cards().filter((c) => area === null || c.priority.area_id === area);
  }

  async syncStatus(): Promise<SyncViewWithWords> {
    this.record('syncStatus');
    const pending = this.pending();
    const photos = this.pendingPhotos();
    const facts: Omit<SyncView, 'state'> = {
      pending,
      rejected: 0,
      pending_photos: photos,
      last_success: this.lastSuccess,
      last_error: this.lastErrorCode ? 'no connection to HQ' : null,
      last_error_code: this.lastErrorCode,
      progress: null,
      hq_url: this.hqUrl,
    };
    this.requireUnlocked();
    const state: SyncState =
      this.lastErrorCode === 'offline' ? 'offline' : pending || photos ? 'waiting' : 'all_uploaded';
    return withViewWords({ ...facts, state });
  }

  async syncNow(onProgress?: (progress: SyncProgress) => void): Promise<SyncOutcomeWithWords> {
    this.record('syncNow');
    this.requireUnlocked();
    return withOutcomeWords(await this.sync(onProgress));
  }

  async endOfShift(onProgress?: (progress: SyncProgress) => void): Promise<SyncOutcomeWithWords> {
    this.record('endOfShift');
    this.requireUnlocked();
    return withOutcomeWords(await this.sync(onProgress));
  }

  private async sync(onProgress?: (progress: SyncProgress) => void): Promise<SyncOutcome> {
    const waiting = [...this.records.values()].filter((r) => r.history.some((h) => h.state === 'waiting'));
    const total = waiting.reduce((n, r) => n + r.history.filter((h) => h.state === 'waiting').length, 0);
    const nothing = { pushed: 0, acked: 0, pulled: 0, refused: [], pending_photos: 0, photo_error: null };
    if (!this.hqReachable) {
      this.lastErrorCode = 'offline';
      return {
        ...nothing,
        pending: total,
        pending_photos: this.pendingPhotos(),
        complete: false,
        error_code: 'offline',
        error_message: 'No connection to HQ.',
      };
    }
    let sent = 0;
    for (const r of waiting) {
      for (const h of r.history) if (h.state === 'waiting') h.state = 'on_hq' as ChangeState;
      sent += 1;
      onProgress?.({ phase: 'pushing', sent, total });
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const photos = [...this.photos.values()].filter((p) => !p.onHq);
    photos.forEach((p, i) => {
      p.onHq = true;
      onProgress?.({ phase: 'photos', uploaded: i + 1, total: photos.length });
    });
    onProgress?.({ phase: 'pulling', received: 0 });
    this.lastSuccess = new Date().toISOString();
    this.lastErrorCode = null;
    for (const r of this.records.values()) if (r.kind === 'intel_source') this.records.delete(r.id);
    return { ...nothing, pushed: total, acked: total, pending: 0, complete: true, error_code: null, error_message: null };
  }

  private record(method: keyof Backend): void {
    this.calls.push(method);
    const failure = this.failures[method];
    if (failure) throw new BackendError(failure);
  }

  private status(): SessionStatus {
    return {
      state: this.state,
      profile: this.state === 'unlocked' ? structuredClone(FAKE_PROFILE) : null,
      auto_lock_minutes: this.settingsValue.auto_lock_minutes,
      max_pin_attempts: MAX_ATTEMPTS,
    };
  }

  private requireUnlocked(): void {
    if (this.state !== 'unlocked') throw new BackendError({ code: 'locked', message: 'Beatbook is locked. Enter your PIN to carry on.' });
  }

  private areaIdsAt(lat: number, lon: number): AreaId[] {
    return DEMO_AREAS.filter((a) => contains(a, lat, lon)).map((a) => a.id);
  }

  private refs(ids: AreaId[]): AreaRef[] {
    return ids.map((id) => {
      const a = DEMO_AREAS.find((area) => area.id === id);
      return { id, name: a?.name ?? id, kind: a?.kind ?? 'ward' };
    });
  }

  private get(id: RecordId): FakeRecord {
    const r = this.records.get(id);
    if (!r) throw new BackendError({ code: 'not_found', message: `No record ${id} on this device.` });
    return r;
  }

  private put(kind: RecordKind, body: Record<string, unknown>, id: RecordId = newId()): RecordId {
    const now = new Date().toISOString();
    this.records.set(id, {
      id,
      kind,
      body,
      created_at: now,
      updated_at: now,
      history: [{ at: now, by: FAKE_PROFILE.officer.id, what: 'Created', state: 'waiting', reason: null }],
      log: [],
      conflicts: [],
    });
    return id;
  }

  private change(r: FakeRecord, what: string): void {
    const now = new Date().toISOString();
    r.updated_at = now;
    r.history.push({ at: now, by: FAKE_PROFILE.officer.id, what, state: 'waiting', reason: null });
  }

  private pending(): number {
    let n = 0;
    for (const r of this.records.values()) n += r.history.filter((h) => h.state === 'waiting').length;
    return n;
  }

  private summary(r: FakeRecord): RecordSummary {
    const b = r.body;
    let title = r.kind as string;
    let status: string | null = null;
    let occurred = r.created_at;
    let areas: AreaId[] = [];
    switch (r.kind) {
      case 'concern': {
        const c = b as unknown as Concern;
        title = `${categoryLabel(c.category)}: ${c.description.split('\n')[0]!.slice(0, 80)}`;
        status = c.status;
        occurred = c.reported_at;
        areas = c.areas;
        break;
      }
      case 'intel_report': {
        const i = b as unknown as IntelReport;
        title = `Intelligence ${i.grade.source}${i.grade.intelligence} ${i.grade.handling.code}: ${i.content.slice(0, 80)}`;
        status = i.review_state;
        areas = i.areas;
        break;
      }
      case 'meeting':
        title = `${b['meeting_type'] === 'ward_panel' ? 'Ward panel' : 'Community meeting'} ${String(b['held_on'])}`;
        areas = [b['area_id'] as AreaId];
        occurred = `${String(b['held_on'])}T12:00:00.000Z`;
        break;
      case 'priority':
        title = String(b['title']);
        status = String(b['status']);
        areas = [b['area_id'] as AreaId];
        occurred = `${String(b['agreed_on'])}T12:00:00.000Z`;
        break;
      case 'patrol_log':
        title = b['hotspot'] ? `Hotspot patrol: ${String(b['hotspot'])}` : 'Patrol';
        status = b['ended_at'] ? 'ended' : 'under_way';
        areas = [b['area_id'] as AreaId];
        occurred = String(b['started_at']);
        break;
      case 'engagement':
        title = `${String(b['engagement_type']).replaceAll('_', ' ')}, ${String(b['attendees'])} attending`;
        areas = [b['area_id'] as AreaId];
        occurred = String(b['held_at']);
        break;
      case 'intel_source':
        title = 'Source details (restricted)';
        break;
    }
    return {
      id: r.id,
      kind: r.kind,
      title,
      status,
      occurred_at: occurred,
      areas,
      conflicts: r.conflicts.map((c) => c.field),
      pending_ops: r.history.filter((h) => h.state === 'waiting').length,
      body: structuredClone(b),
    };
  }

  private matching(filter: Partial<ListFilter>): RecordSummary[] {
    return [...this.records.values()]
      .filter((r) => (filter.kind ? r.kind === filter.kind : r.kind !== 'intel_source'))
      .map((r) => this.summary(r))
      .filter((s) => !filter.area || s.areas.includes(filter.area))
      .filter((s) => !filter.status || s.status === filter.status)
      .slice(0, filter.limit ?? 200);
  }

  private cards(): PriorityCard[] {
    const today = new Date().toISOString().slice(0, 10);
    return [...this.records.values()]
      .filter((r) => r.kind === 'priority')
      .map((r) => {
        const p = r.body as unknown as Priority;
        const due = addMonths(p.last_reviewed_on ?? p.agreed_on, 3);
        return {
          id: r.id,
          priority: structuredClone(p),
          review_due: due,
          overdue: p.status === 'active' && today > due,
          updates: r.log.map((l) => l.entry as YouSaidWeDid),
          pending_ops: r.history.filter((h) => h.state === 'waiting').length,
        };
      })
      .sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.review_due.localeCompare(b.review_due));
  }

  private detail(r: FakeRecord): RecordDetail {
    const s = this.summary(r);
    const waiting = r.history.some((h) => h.state === 'waiting');
    return {
      id: r.id,
      kind: r.kind,
      title: s.title,
      body: structuredClone(r.body),
      areas: this.refs(s.areas),
      created_by: FAKE_PROFILE.officer.id,
      created_at: r.created_at,
      updated_at: r.updated_at,
      pending_ops: s.pending_ops,
      sync_state: waiting ? 'waiting' : 'on_hq',
      editable: r.kind !== 'intel_report' && r.kind !== 'intel_source',
      conflicts: structuredClone(r.conflicts),
      log: structuredClone(r.log),
      history: structuredClone(r.history),
    };
  }

  private seedDemo(): void {
    const concern = (description: string, lat: number, lon: number, heading: 'street_drinking' | 'noise') => {
      const now = new Date().toISOString();
      const c: Concern = {
        category: { kind: 'asb', type: 'nuisance', heading },
        description,
        location: { lat, lon, place: null },
        areas: this.areaIdsAt(lat, lon),
        people: [],
        consent_to_contact: false,
        contact: null,
        priority: 'medium',
        status: 'open',
        crime_referral: null,
        reported_at: now,
        retention_review: addMonths(now, 24),
        photos: [],
      };
      return this.put('concern', c as unknown as Record<string, unknown>);
    };
    const a = concern('Street drinkers outside the station every evening', 51.5392, -0.1426, 'street_drinking');
    concern('Loud music from the flats above the market late at night', 51.541, -0.145, 'noise');
    this.addConflict(a, 'description', 'Street drinkers by the station, mostly after 8pm');
    const held = addMonths(new Date().toISOString(), -4);
    const p: Priority = {
      area_id: 'tc-camden-town',
      title: 'Street drinking by the station',
      description: '',
      meeting_id: null,
      agreed_on: held,
      last_reviewed_on: null,
      status: 'active',
      retention_review: addMonths(held, 24),
      scanning: 'Twelve concerns in a month',
      analysis: '',
      responses: [{ action: 'Weekly evening patrols', owner: 'PC4127', due_on: addMonths(held, 1), done: false }],
      assessment: '',
    };
    this.put('priority', p as unknown as Record<string, unknown>);
    for (const r of this.records.values()) for (const h of r.history) h.state = 'on_hq';
    this.lastSuccess = new Date().toISOString();
  }
}
