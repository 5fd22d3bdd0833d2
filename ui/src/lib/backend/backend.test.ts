import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBackend } from './fake';
import { BackendError, CLIENT_ERROR_CODES } from './index';
import { TauriBackend } from './tauri';

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
