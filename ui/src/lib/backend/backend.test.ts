import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBackend } from './fake';
import { BackendError, CLIENT_ERROR_CODES, filter } from './index';
import { TauriBackend } from './tauri';
import type { NewConcern } from '../bindings/NewConcern';
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

describe('FakeBackend', () => {
  it('records calls and fails on request until told otherwise', async () => {
    const backend = new FakeBackend();
    backend.failWith('appInfo', { code: 'boom', message: 'Boom.' });
    await expect(backend.appInfo()).rejects.toMatchObject({ code: 'boom' });
    backend.failWith('appInfo', undefined);
    await expect(backend.appInfo()).resolves.toMatchObject({ name: 'Beatbook' });
    expect(backend.calls).toEqual(['appInfo', 'appInfo']);
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

describe('FakeBackend as a device', () => {
  it('wipes after five wrong PINs, warning before the last', async () => {
    const backend = new FakeBackend({ start: 'locked' });
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(await backend.unlock('000000').then(() => 'unlocked', (e: BackendError) => e.code));
    }
    expect(codes).toEqual(['wrong_pin', 'wrong_pin', 'wrong_pin', 'last_attempt', 'wiped']);
    expect((await backend.sessionStatus()).state).toBe('not_enrolled');
  });

  it('keeps a photo waiting until HQ has it, and never calls that all uploaded', async () => {
    const backend = new FakeBackend();
    const concern: NewConcern = {
      id: null, category: { kind: 'asb', type: 'nuisance', heading: 'noise' }, description: 'Music at 3am',
      location: { lat: 51.5392, lon: -0.1426, place: null }, people: [], consent_to_contact: false, contact: null,
      priority: 'low', status: 'open', crime_referral: null, reported_at: null, retention_review: null,
    };
    const jpeg = btoa(String.fromCharCode(0xff, 0xd8, 0xff, 0xe0, 9, 9));
    const id = await backend.createConcernWithPhotos(concern, [`data:image/jpeg;base64,${jpeg}`]);
    const [view] = await backend.recordPhotos(id);
    expect(view).toMatchObject({ state: 'waiting', photo: { mime: 'image/jpeg', bytes: 6 } });
    expect(new Uint8Array(await backend.photo(view!.photo.sha256))[0]).toBe(0xff);
    expect((await backend.syncStatus()).pending_photos).toBe(1);
    await backend.syncNow();
    expect((await backend.recordPhotos(id))[0]?.state).toBe('on_hq');
    expect((await backend.syncStatus()).state).toBe('all_uploaded');
    await expect(backend.createConcernWithPhotos(concern, [btoa('GIF89a')])).rejects.toMatchObject({
      code: 'invalid',
      fields: [{ field: 'photos[0]', code: 'unsupported_type' }],
    });
  });

  it('keeps a saved record waiting until HQ can be reached', async () => {
    const backend = new FakeBackend();
    backend.hqReachable = false;
    await backend.createRecord({
      kind: 'concern',
      record: {
        id: null, category: { kind: 'asb', type: 'nuisance', heading: 'noise' }, description: 'Music at 3am',
        location: { lat: 51.5392, lon: -0.1426, place: null }, people: [], consent_to_contact: false, contact: null,
        priority: 'low', status: 'open', crime_referral: null, reported_at: null, retention_review: null,
      },
    });
    expect((await backend.syncStatus()).state).toBe('waiting');
    expect((await backend.syncNow()).complete).toBe(false);
    expect((await backend.syncStatus()).words).toBe('No signal: 1 change waiting; they will upload automatically.');
    backend.hqReachable = true;
    expect((await backend.syncNow()).complete).toBe(true);
    expect((await backend.syncStatus()).state).toBe('all_uploaded');
    const [row] = await backend.listRecords(filter());
    expect(row?.areas).toEqual(['E05013655', 'tc-camden-town']);
  });
});
