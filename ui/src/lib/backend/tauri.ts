/** The production backend: Tauri commands over IPC. The only module that imports `@tauri-apps/api`. */
import { Channel, invoke, isTauri } from '@tauri-apps/api/core';
import type { ActionCard } from '../bindings/ActionCard';
import type { ActionUpdate } from '../bindings/ActionUpdate';
import type { Area } from '../bindings/Area';
import type { AreaId } from '../bindings/AreaId';
import type { AreaRef } from '../bindings/AreaRef';
import type { Briefing } from '../bindings/Briefing';
import type { ConcernUpdate } from '../bindings/ConcernUpdate';
import type { DeviceSettings } from '../bindings/DeviceSettings';
import type { EnrolInput } from '../bindings/EnrolInput';
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
import type { SyncOutcome } from '../bindings/SyncOutcome';
import type { SyncProgress } from '../bindings/SyncProgress';
import type { SyncView } from '../bindings/SyncView';
import type { YouSaidWeDid } from '../bindings/YouSaidWeDid';
import { withOutcomeWords, withViewWords, type SyncOutcomeWithWords, type SyncViewWithWords } from '../sync-words';
import { BackendError, type AppInfo, type Backend } from './index';

/** Invokes a command, turning any rejection into a `BackendError`. */
async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (thrown) {
    throw BackendError.from(thrown);
  }
}

function progressChannel(onProgress?: (progress: SyncProgress) => void): Channel<SyncProgress> {
  const channel = new Channel<SyncProgress>();
  channel.onmessage = (progress) => onProgress?.(progress);
  return channel;
}

export class TauriBackend implements Backend {
  appInfo(): Promise<AppInfo> {
    return call<AppInfo>('app_info');
  }
  appReady(): Promise<number> {
    return call<number>('app_ready');
  }
  sessionStatus(): Promise<SessionStatus> {
    return call('session_status');
  }
  enrol(input: EnrolInput): Promise<SessionStatus> {
    return call('enrol', { input });
  }
  unlock(pin: string): Promise<SessionStatus> {
    return call('unlock', { pin });
  }
  lock(): Promise<SessionStatus> {
    return call('lock');
  }
  touch(): Promise<boolean> {
    return call('session_touch');
  }
  settings(): Promise<DeviceSettings> {
    return call('settings_get');
  }
  saveSettings(settings: DeviceSettings): Promise<DeviceSettings> {
    return call('settings_set', { settings });
  }
  createRecord(input: RecordInput): Promise<RecordId> {
    return call('records_create', { input });
  }
  submitIntel(submission: IntelSubmission): Promise<IntelSubmitted> {
    return call('intel_submit', { submission });
  }
  updateRecord(id: RecordId, update: RecordUpdate): Promise<boolean> {
    return call('records_update', { id, update });
  }
  addPriorityUpdate(id: RecordId, update: YouSaidWeDid): Promise<void> {
    return call('priority_add_update', { id, update });
  }
  addConcernUpdate(id: RecordId, update: ConcernUpdate): Promise<void> {
    return call('concern_add_update', { id, update });
  }
  listRecords(filter: ListFilter): Promise<RecordSummary[]> {
    return call('records_list', { filter });
  }
  searchRecords(text: string, filter: ListFilter): Promise<RecordSummary[]> {
    return call('records_search', { text, filter });
  }
  getRecord(id: RecordId): Promise<RecordDetail> {
    return call('records_get', { id });
  }
  resolveConflict(id: RecordId, field: string, text: string): Promise<RecordDetail> {
    return call('records_resolve', { id, field, text });
  }
  createConcernWithPhotos(concern: NewConcern, photos: string[]): Promise<RecordId> {
    return call('concern_create_with_photos', { concern, photos });
  }
  attachPhotos(id: RecordId, photos: string[]): Promise<PhotoView[]> {
    return call('record_attach_photos', { id, photos });
  }
  recordPhotos(id: RecordId): Promise<PhotoView[]> {
    return call('record_photos', { id });
  }
  photo(sha256: string, record?: RecordId): Promise<ArrayBuffer> {
    return call('photo_get', { sha256, record: record ?? null });
  }
  mapTile(z: number, x: number, y: number): Promise<string> {
    return call('map_tile', { z, x, y });
  }
  areasAt(lat: number, lon: number): Promise<AreaRef[]> {
    return call('areas_at', { lat, lon });
  }
  areasAll(): Promise<Area[]> {
    return call('areas_all');
  }
  briefing(): Promise<Briefing> {
    return call('briefing');
  }
  prioritiesBoard(area: AreaId | null): Promise<PriorityCard[]> {
    return call('priorities_board', { area });
  }
  action(id: RecordId): Promise<ActionCard> {
    return call('action_get', { id });
  }
  addActionUpdate(id: RecordId, update: ActionUpdate): Promise<ActionCard> {
    return call('action_add_update', { id, update });
  }
  async syncStatus(): Promise<SyncViewWithWords> {
    return withViewWords(await call<SyncView>('sync_status'));
  }
  async syncNow(onProgress?: (progress: SyncProgress) => void): Promise<SyncOutcomeWithWords> {
    return withOutcomeWords(await call<SyncOutcome>('sync_now', { onProgress: progressChannel(onProgress) }));
  }
  async endOfShift(onProgress?: (progress: SyncProgress) => void): Promise<SyncOutcomeWithWords> {
    return withOutcomeWords(await call<SyncOutcome>('end_of_shift', { onProgress: progressChannel(onProgress) }));
  }
}

/** True inside the Tauri webview; false in a plain browser (e.g. `npm run dev`). */
export function runningInTauri(): boolean {
  return isTauri();
}
