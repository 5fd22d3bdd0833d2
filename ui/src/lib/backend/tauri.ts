/** The production backend: Tauri commands over IPC. The only module that imports `@tauri-apps/api`. */
import { invoke, isTauri } from '@tauri-apps/api/core';
import { BackendError, type AppInfo, type Backend } from './index';

/** Invokes a command, turning any rejection into a `BackendError`. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (thrown) {
    throw BackendError.from(thrown);
  }
}

export class TauriBackend implements Backend {
  appInfo(): Promise<AppInfo> {
    return call<AppInfo>('app_info');
  }
}

/** True inside the Tauri webview; false in a plain browser (e.g. `npm run dev`). */
export function runningInTauri(): boolean {
  return isTauri();
}
