import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBackend } from './fake';
import { BackendError, CLIENT_ERROR_CODES, filter } from './index';
import { TauriBackend } from './tauri';
import type { NewConcern } from '../bindings/NewConcern';
import type { RecordSummary } from '../bindings/RecordSummary';
import type { SyncOutcome } from '../bindings/SyncOutcome';
import type { SyncView } from '../bindings/SyncView';

afterEach(() => clearMocks());

describe('TauriBackend', () => {
  it('asks for app_info over IPC and returns the answer', async () => {
    const asked: string[] = [];
    mockIPC((command) => {
      asked.push(command);
      return { name: 'Beatbook', version: '1.2.3', data_dir: '/data' };
    });

    await expect(new TauriBackend().appInfo()).resolves.toEqual({
      name: 'Beatbook',
      version: '1.2.3',
      data_dir: '/data',
    });
    expect(asked).toEqual(['app_info']);
  });

  it('turns a {code, message} rejection into a BackendError', async () => {
    mockIPC(() => {
      throw { code: 'data_dir_unavailable', message: 'No data directory.' };
    });

    const error = await new TauriBackend().appInfo().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: 'data_dir_unavailable', message: 'No data directory.' });
  });

  it('keeps a bare string rejection (e.g. an unknown command) as the message', async () => {
    mockIPC(() => {
      throw 'command app_info not found';
    });

    await expect(new TauriBackend().appInfo()).rejects.toMatchObject({
      code: CLIENT_ERROR_CODES.malformed,
      message: 'command app_info not found',
    });
  });
});

describe('BackendError.from', () => {
  it('says what to do when the bridge itself fails', () => {
    const error = BackendError.from(new TypeError('window.__TAURI_INTERNALS__ is undefined'));
    expect(error.code).toBe(CLIENT_ERROR_CODES.unreachable);
    expect(error.message).toMatch(/Close and reopen Beatbook/);
  });
});

const OUTCOME: SyncOutcome = {
  pushed: 1,
  acked: 1,
  pulled: 0,
  pending: 0,
  complete: true,
  refused: [],
  pending_photos: 0,
  photo_error: null,
  error_code: null,
  error_message: null,
};
const CONCERN: NewConcern = {
  id: null, category: { kind: 'asb', type: 'nuisance', heading: 'noise' }, description: 'Music at 3am',
  location: { lat: 51.5392, lon: -0.1426, place: null }, people: [], consent_to_contact: false, contact: null,
  priority: 'low', status: 'open', crime_referral: null, reported_at: null, retention_review: null,
};
const ROW: RecordSummary = {
  id: 'r1', kind: 'concern', title: '', status: 'open', occurred_at: '2026-11-20T20:00:00Z', areas: [], conflicts: [], pending_ops: 0, body: {},
};
const VIEW: SyncView = {
  state: 'waiting',
  pending: 1,
  rejected: 0,
  pending_photos: 0,
  last_success: null,
  last_error: null,
  last_error_code: null,
  progress: null,
  hq_url: 'http://127.0.0.1:8080',
  clock_ahead_ms: null,
};

describe('TauriBackend commands', () => {
  it('names each command and its arguments as the Rust side declares them', async () => {
    const asked: [string, unknown][] = [];
    mockIPC((command, args) => {
      asked.push([command, args]);
      return command === 'records_create' ? 'id-1' : command === 'sync_now' ? OUTCOME : null;
    });
    const backend = new TauriBackend();
    await backend.unlock('246810');
    await backend.createRecord({ kind: 'engagement', record: {} as never });
    await backend.searchRecords('drink', filter({ kind: 'concern' }));
    await backend.syncNow(() => {});
    expect(asked.map(([c]) => c)).toEqual(['unlock', 'records_create', 'records_search', 'sync_now']);
    expect(asked[0]![1]).toEqual({ pin: '246810' });
    expect(asked[2]![1]).toMatchObject({ text: 'drink', filter: { kind: 'concern', area: null } });
    // A Channel: serialised as `__CHANNEL__:<id>` on the real bridge.
    expect((asked[3]![1] as Record<string, unknown>)['onProgress']).toHaveProperty('id');
  });

  it('names the photo commands and their arguments as the Rust side declares them', async () => {
    const asked: [string, unknown][] = [];
    mockIPC((command, args) => {
      asked.push([command, args]);
      return command === 'concern_create_with_photos' ? 'id-1' : [];
    });
    const backend = new TauriBackend();
    await backend.createConcernWithPhotos({} as never, ['data:image/jpeg;base64,/9j/']);
    await backend.attachPhotos('id-1', ['/9j/']);
    await backend.recordPhotos('id-1');
    await backend.photo('ab'.repeat(32));
    expect(asked).toEqual([
      ['concern_create_with_photos', { concern: {}, photos: ['data:image/jpeg;base64,/9j/'] }],
      ['record_attach_photos', { id: 'id-1', photos: ['/9j/'] }],
      ['record_photos', { id: 'id-1' }],
      ['photo_get', { sha256: 'ab'.repeat(32), record: null }],
    ]);
  });

  it('puts the sync facts the device answers into words', async () => {
    mockIPC((command) => (command === 'sync_status' ? VIEW : { ...OUTCOME, pending: 2, error_code: 'offline' }));
    const backend = new TauriBackend();
    await expect(backend.syncStatus()).resolves.toEqual({ ...VIEW, words: '1 change waiting to upload.' });
    const end = await backend.endOfShift();
    expect(end.words).toBe(
      'No signal: 2 changes not on HQ yet. They stay on this device and upload as soon as HQ can be reached.',
    );
    expect(end.pending).toBe(2);
  });

  it('keeps field errors and PIN tries from a rejection', async () => {
    mockIPC(() => {
      throw { code: 'last_attempt', message: 'Wrong PIN. One try left.', attempts_left: 1 };
    });
    await expect(new TauriBackend().unlock('0')).rejects.toMatchObject({ code: 'last_attempt', attempts_left: 1 });
  });
});

describe('error codes', () => {
  it('are the generated ErrorCode or the UI\'s own, so a misspelt or removed one fails the type check', () => {
    const e = new BackendError({ code: 'last_attempt', message: 'Wrong PIN. One try left.', attempts_left: 1 });
    expect(e.code === 'last_attempt').toBe(true);
    // @ts-expect-error the device has no such code
    expect(e.code === 'last_attempts').toBe(false);
    expect(BackendError.from('nonsense').code).toBe(CLIENT_ERROR_CODES.malformed);
    // @ts-expect-error HQ's code, not the tablet's
    expect(new BackendError({ code: 'forbidden', message: 'No.' }).code).toBe('forbidden');
  });
});

describe('FakeBackend', () => {
  it('records calls and fails on request until told otherwise', async () => {
    const backend = new FakeBackend();
    backend.failWith('appInfo', { code: 'storage', message: 'Boom.' });
    await expect(backend.appInfo()).rejects.toMatchObject({ code: 'storage' });
    backend.failWith('appInfo', undefined);
    await expect(backend.appInfo()).resolves.toMatchObject({ name: 'Beatbook' });
    expect(backend.calls.map((c) => c.method)).toEqual(['appInfo', 'appInfo']);
  });

  it('answers as scripted: once each in order, then the standing answer, then the plain one', async () => {
    const backend = new FakeBackend({ start: 'locked' });
    backend
      .rejectOnce('unlock', { code: 'wrong_pin', message: 'Wrong PIN. 4 tries left.', attempts_left: 4 })
      .answerOnce('unlock', (pin) => ({ state: 'locked', profile: null, auto_lock_minutes: pin.length, max_pin_attempts: 5 }));
    const first = await backend.unlock('111111').catch((e: unknown) => e);
    expect(first).toBeInstanceOf(BackendError);
    expect(first).toMatchObject({ code: 'wrong_pin', attempts_left: 4 });
    expect(await backend.unlock('22')).toMatchObject({ state: 'locked', auto_lock_minutes: 2 });
    expect((await backend.unlock('246810')).state).toBe('unlocked');
    expect(backend.argsOf('unlock')).toEqual([['111111'], ['22'], ['246810']]);

    backend.answer('searchRecords', (text) => [{ ...ROW, title: text }]);
    backend.answerOnce('searchRecords', []);
    expect(await backend.searchRecords('drink', filter())).toEqual([]);
    expect((await backend.searchRecords('drink', filter()))[0]?.title).toBe('drink');
    expect((await backend.searchRecords('noise', filter()))[0]?.title).toBe('noise');
  });

  it('puts scripted sync facts into words, as the Tauri backend does', async () => {
    const backend = new FakeBackend();
    backend.answer('syncStatus', VIEW).answerOnce('endOfShift', { ...OUTCOME, pending: 2, complete: false, error_code: 'offline' });
    await expect(backend.syncStatus()).resolves.toEqual({ ...VIEW, words: '1 change waiting to upload.' });
    expect((await backend.endOfShift()).words).toMatch(/^No signal: 2 changes not on HQ yet/);
  });

  it('keeps what is saved as given, waiting, until a sync reaches HQ', async () => {
    const backend = new FakeBackend();
    backend.hqReachable = false;
    const id = await backend.createConcernWithPhotos(CONCERN, [`data:image/png;base64,${btoa('\x89PNG')}`]);
    const [row] = await backend.listRecords(filter({ kind: 'concern' }));
    expect(row).toMatchObject({ id, title: 'Music at 3am', status: 'open', pending_ops: 1, body: { description: 'Music at 3am' } });
    expect(await backend.listRecords(filter({ kind: 'meeting' }))).toEqual([]);
    expect(await backend.searchRecords('Music', filter())).toEqual([]);
    const [view] = await backend.recordPhotos(id);
    expect(view).toMatchObject({ state: 'waiting', photo: { mime: 'image/png', bytes: 4 } });
    expect(new Uint8Array(await backend.photo(view!.photo.sha256))[0]).toBe(0x89);

    const offline = await backend.syncNow();
    expect(offline).toMatchObject({ complete: false, error_code: 'offline', pending: 1, pending_photos: 1 });
    expect(await backend.syncStatus()).toMatchObject({ state: 'offline', pending: 1, pending_photos: 1 });

    backend.hqReachable = true;
    const progress: string[] = [];
    expect(await backend.syncNow((p) => progress.push(p.phase))).toMatchObject({ complete: true, acked: 1 });
    expect(progress).toEqual(['pushing', 'photos', 'pulling']);
    expect((await backend.recordPhotos(id))[0]?.state).toBe('on_hq');
    expect(await backend.syncStatus()).toMatchObject({ state: 'all_uploaded', words: expect.stringMatching(/^All uploaded. Last sync/) });
    await expect(backend.getRecord('no-such-id')).rejects.toMatchObject({ code: 'not_found' });
  });
});
