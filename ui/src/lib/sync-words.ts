/**
 * Sync in words for the officer. The device reports sync as facts (`SyncView` for the badge,
 * `SyncOutcome` after "Sync now" and end of shift); these functions are the one place that puts
 * them into sentences, for the Tauri backend and the test double alike.
 */
import type { SyncOutcome } from './bindings/SyncOutcome';
import type { SyncView } from './bindings/SyncView';

/** The badge's facts with their sentence. */
export type SyncViewWithWords = SyncView & { words: string };
/** A sync's outcome with its sentence. */
export type SyncOutcomeWithWords = SyncOutcome & { words: string };

/** "1 change", "3 changes". */
function changes(n: number): string {
  return n === 1 ? '1 change' : `${n} changes`;
}

function photos(n: number): string {
  return n === 1 ? '1 photo' : `${n} photos`;
}

/** The HH:MM of an RFC 3339 time, in local time, for "Last sync 14:32"; the text itself when it
 * is not a time. */
function clock(time: string): string {
  const t = new Date(time);
  if (Number.isNaN(t.getTime())) return time;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(t.getHours())}:${two(t.getMinutes())}`;
}

/** What the sync badge says (its title and accessible name). */
export function syncViewWords(view: SyncView): string {
  const last = view.last_success ? ` Last sync ${clock(view.last_success)}.` : '';
  switch (view.state) {
    case 'not_signed_in':
      return 'Not signed in to HQ: records stay on this device.';
    case 'syncing': {
      const p = view.progress;
      if (p?.phase === 'pushing') return `Syncing: sent ${p.sent} of ${p.total}.`;
      if (p?.phase === 'pulling') return `Syncing: received ${p.received}.`;
      if (p?.phase === 'photos') return `Syncing: sent ${p.uploaded} of ${p.total} photos.`;
      return 'Syncing with HQ…';
    }
    case 'error':
      if (view.rejected > 0) {
        return `HQ refused ${changes(view.rejected)}: see End of shift for why. They stay on this device.`;
      }
      return `Sync failed: ${view.last_error ?? ''} ${changes(view.pending)} waiting.`;
    case 'offline':
      return view.pending === 0
        ? `No signal. Nothing waiting.${last}`
        : `No signal: ${changes(view.pending)} waiting; they will upload automatically.`;
    case 'waiting':
      // Never "all uploaded" while a photo is only on this device.
      if (view.pending > 0) return `${changes(view.pending)} waiting to upload.${last}`;
      return `Records on HQ; ${photos(view.pending_photos)} waiting to upload.${last}`;
    case 'all_uploaded':
      return `All uploaded.${last}`;
  }
}

/** What a sync (or the end-of-shift sync) says: whether every record is on HQ, or what is left
 * and why. */
export function syncOutcomeWords(outcome: SyncOutcome): string {
  const { pending, error_code: code } = outcome;
  const refused = outcome.refused.length;
  const message = outcome.error_message ?? '';
  if (code === null && pending === 0 && refused === 0) {
    if (outcome.pending_photos > 0) {
      const n = outcome.pending_photos;
      const which = n === 1 ? '1 photo is' : `${n} photos are`;
      const why = outcome.photo_error ? ` (${outcome.photo_error})` : '';
      return `Every record is on HQ, but ${which} not yet${why}. They stay on this device: sync again before signing off.`;
    }
    return 'Every record is on HQ. You can sign off.';
  }
  if (code !== null && pending > 0) {
    if (code === 'offline') {
      return `No signal: ${changes(pending)} not on HQ yet. They stay on this device and upload as soon as HQ can be reached.`;
    }
    return `${changes(pending)} not on HQ yet. ${message} They stay on this device.`;
  }
  if (code !== null && refused === 0) return `Nothing waiting, but the sync did not finish: ${message}`;
  if (refused > 0) {
    const still = pending > 0 ? ` and ${changes(pending)} still wait` : '';
    return `HQ refused ${changes(refused)}${still}. They stay on this device: tell your supervisor.`;
  }
  return `${changes(pending)} still waiting: sync again.`;
}

export function withViewWords(view: SyncView): SyncViewWithWords {
  return { ...view, words: syncViewWords(view) };
}

export function withOutcomeWords(outcome: SyncOutcome): SyncOutcomeWithWords {
  return { ...outcome, words: syncOutcomeWords(outcome) };
}
